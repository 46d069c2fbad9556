//! Schema clean-ups: documentation line breaks, non-conforming defaults and enums,
//! formats on structured schemas, titles, `anyOf`, expandables, colliding enums and
//! unreferenced components.

use std::collections::BTreeSet;

use serde_json::Value;
use tether_contract::error::escape_token;
use tether_contract::walk::{walk_schemas_mut, SchemaVisit};

use super::Report;

/// Descriptions become doc comments, where a bare `\r` does not compile (VTEX writes
/// `\r\n` and lone `\r` in them): every line break in documentation text becomes `\n`.
pub(super) fn no_bare_carriage_returns(doc: &mut Value, report: &mut Report) {
    fn visit(node: &mut Value, fixed: &mut usize) {
        match node {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    match value {
                        Value::String(text)
                            if matches!(key.as_str(), "description" | "summary" | "title")
                                && text.contains('\r') =>
                        {
                            *text = text.replace("\r\n", "\n").replace('\r', "\n");
                            *fixed += 1;
                        }
                        _ => visit(value, fixed),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| visit(v, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    visit(doc, &mut fixed);
    if fixed > 0 {
        report.changes.push(format!(
            "{fixed} descriptions with carriage returns written with `\\n` line breaks"
        ));
    }
}

/// typify refuses a `default` or an `enum` value that does not conform to its schema's
/// `type` ("value does not conform to the given schema", "unexpected value type");
/// descriptions write `default: 'false'` for a boolean, or `enum: [none, 1, 2]` for a
/// string (YAML reads the unquoted numbers as numbers). Such a value is read as the type
/// says when it can be (`"false"` → `false`, `1` → `"1"`), else dropped (an `enum` left
/// empty is dropped whole); each is counted in the header. The contract keeps them.
pub(super) fn conform_defaults(doc: &mut Value, report: &mut Report) {
    let mut fixed = 0;
    walk_schemas_mut(doc, &mut |_, s| {
        let Some(o) = s.as_object_mut() else {
            return SchemaVisit::Descend;
        };
        let Some(ty) = o.get("type").and_then(Value::as_str).map(str::to_owned) else {
            return SchemaVisit::Descend;
        };
        let nullable = o.get("nullable") == Some(&Value::Bool(true));
        if let Some(default) = o.get("default").cloned() {
            match conform(&default, &ty, nullable) {
                Some(v) if v == default => {}
                Some(v) => {
                    o.insert("default".into(), v);
                    fixed += 1;
                }
                None => {
                    o.remove("default");
                    fixed += 1;
                }
            }
        }
        if let Some(Value::Array(values)) = o.get("enum").cloned() {
            let conformed: Vec<Value> = values
                .iter()
                .filter_map(|v| conform(v, &ty, nullable))
                .collect();
            if conformed != values {
                fixed += 1;
                if conformed.is_empty() {
                    o.remove("enum");
                } else {
                    o.insert("enum".into(), Value::Array(conformed));
                }
            }
        }
        SchemaVisit::Descend
    });
    if fixed > 0 {
        report.changes.push(format!(
            "{fixed} `default`/`enum` values that do not match their schema's type read as that type, or dropped"
        ));
    }
}

/// OpenAPI 3.0 defines `format` for strings and numbers; descriptions also put one on an
/// object (Twilio's `links`: `type: object, format: uri-map`), on which typify stops with
/// `todo!("invalid (or unexpected) schema")`. A `format` on an `object`, `array` or
/// `boolean` schema is dropped from the projection (the validator, reading the contract,
/// ignores unknown formats the same way); the count goes in the header.
pub(super) fn formats_only_on_scalars(doc: &mut Value, report: &mut Report) {
    let mut dropped = 0;
    walk_schemas_mut(doc, &mut |_, s| {
        let Some(o) = s.as_object_mut() else {
            return SchemaVisit::Descend;
        };
        let structured = matches!(
            o.get("type").and_then(Value::as_str),
            Some("object" | "array" | "boolean")
        );
        if structured && o.remove("format").is_some() {
            dropped += 1;
        }
        SchemaVisit::Descend
    });
    if dropped > 0 {
        report.changes.push(format!(
            "{dropped} `format`s on object, array or boolean schemas dropped (OpenAPI defines formats for strings and numbers)"
        ));
    }
}

/// `value` as a value of JSON type `ty`, when it is one or reads as one.
fn conform(value: &Value, ty: &str, nullable: bool) -> Option<Value> {
    let read = |text: &str| -> Option<Value> {
        match ty {
            "boolean" => text.parse::<bool>().ok().map(Value::Bool),
            "integer" => text.parse::<i64>().ok().map(Value::from),
            "number" => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            _ => None,
        }
    };
    match (ty, value) {
        (_, Value::Null) => nullable.then_some(Value::Null),
        ("boolean", Value::Bool(_)) | ("string", Value::String(_)) => Some(value.clone()),
        ("integer", Value::Number(n)) if n.is_i64() || n.is_u64() => Some(value.clone()),
        ("number", Value::Number(_))
        | ("array", Value::Array(_))
        | ("object", Value::Object(_)) => Some(value.clone()),
        ("string", Value::Number(_) | Value::Bool(_)) => Some(Value::String(value.to_string())),
        (_, Value::String(text)) => read(text),
        _ => None,
    }
}

pub(super) fn strip_titles(doc: &mut Value, report: &mut Report) {
    let mut n = 0;
    walk_schemas_mut(doc, &mut |_, s| {
        if let Some(o) = s.as_object_mut() {
            if o.remove("title").is_some() {
                n += 1;
            }
        }
        SchemaVisit::Descend
    });
    if n > 0 {
        report.changes.push(format!(
            "{n} schema titles removed (typify names types from titles and they collide)"
        ));
    }
}

pub(super) fn any_of_to_one_of(doc: &mut Value, report: &mut Report) {
    let mut n = 0;
    walk_schemas_mut(doc, &mut |_, s| {
        if let Some(o) = s.as_object_mut() {
            if let Some(members) = o.remove("anyOf") {
                let single = members.as_array().map(Vec::len) == Some(1);
                if single && !o.contains_key("allOf") {
                    o.insert("allOf".into(), members);
                } else {
                    o.insert("oneOf".into(), members);
                }
                n += 1;
            }
        }
        SchemaVisit::Descend
    });
    if n > 0 {
        report.changes.push(format!(
            "{n} anyOf schemas typed as untagged enums (oneOf) or allOf of one"
        ));
    }
}

pub(super) fn keep_expandable_as_ids(doc: &mut Value, report: &mut Report) {
    let mut n = 0;
    walk_schemas_mut(doc, &mut |_, s| {
        let Some(o) = s.as_object_mut() else {
            return SchemaVisit::Descend;
        };
        if o.contains_key("x-expansionResources") {
            let id = o
                .get("anyOf")
                .and_then(Value::as_array)
                .and_then(|m| {
                    m.iter()
                        .find(|m| m.get("type").and_then(Value::as_str) == Some("string"))
                })
                .cloned();
            if let Some(mut id) = id {
                if let Some(idm) = id.as_object_mut() {
                    for k in ["description", "nullable"] {
                        if let Some(v) = o.get(k) {
                            idm.insert(k.into(), v.clone());
                        }
                    }
                }
                *s = id;
                n += 1;
                return SchemaVisit::Skip;
            }
        }
        SchemaVisit::Descend
    });
    if n > 0 {
        report.changes.push(format!("{n} expandable fields kept as ids (`x-expansionResources`); expanded objects are read from the raw body"));
    }
}

fn variant_name(v: &str) -> String {
    v.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| p.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

pub(super) fn dedupe_enums(doc: &mut Value, report: &mut Report) {
    walk_schemas_mut(doc, &mut |at, s| {
        let Some(o) = s.as_object_mut() else {
            return SchemaVisit::Descend;
        };
        if let Some(values) = o.get("enum").and_then(Value::as_array) {
            let names: Vec<String> = values
                .iter()
                .filter_map(Value::as_str)
                .map(variant_name)
                .collect();
            let unique: BTreeSet<&String> = names.iter().collect();
            if unique.len() != names.len() || names.iter().any(String::is_empty) && names.len() > 1
            {
                o.remove("enum");
                report.changes.push(format!(
                    "{at}: enum typed as plain string (values collide as Rust names)"
                ));
            }
        }
        SchemaVisit::Descend
    });
}

pub(super) fn trim_components(doc: &mut Value, report: &mut Report) {
    let mut needed = BTreeSet::new();
    let mut queue = vec![doc.get("paths").cloned().unwrap_or_default()];
    while let Some(node) = queue.pop() {
        let mut refs = Vec::new();
        tether_contract::walk::collect_refs(&node, true, &mut refs);
        for r in refs {
            let Ok(pointer) = tether_contract::reference::target(&r) else {
                continue;
            };
            if needed.insert(pointer.clone()) {
                if let Some(t) = doc.pointer(&pointer) {
                    queue.push(t.clone());
                }
            }
        }
    }
    let mut removed = 0;
    if let Some(comps) = doc.get_mut("components").and_then(Value::as_object_mut) {
        for (section, entries) in comps.iter_mut() {
            if section == "securitySchemes" {
                continue;
            }
            if let Some(entries) = entries.as_object_mut() {
                entries.retain(|name, _| {
                    let keep =
                        needed.contains(&format!("/components/{section}/{}", escape_token(name)));
                    removed += usize::from(!keep);
                    keep
                });
            }
        }
    }
    if removed > 0 {
        report.changes.push(format!("{removed} components no longer referenced by the projection left out of the typed client"));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_format_on_an_object_is_dropped_and_one_on_a_string_kept() {
        let mut doc = json!({"components": {"schemas": {"room": {"type": "object", "properties": {
            "links": {"type": "object", "format": "uri-map", "nullable": true},
            "flags": {"type": "array", "format": "csv", "items": {"type": "string"}},
            "url": {"type": "string", "format": "uri"}}}}}});
        let mut report = Report::default();
        formats_only_on_scalars(&mut doc, &mut report);
        let props = &doc["components"]["schemas"]["room"]["properties"];
        assert_eq!(props["links"], json!({"type": "object", "nullable": true}));
        assert!(props["flags"].get("format").is_none());
        assert_eq!(props["url"]["format"], "uri");
        assert_eq!(
            report.changes,
            ["2 `format`s on object, array or boolean schemas dropped (OpenAPI defines formats for strings and numbers)"]
        );
    }

    #[test]
    fn colliding_enum_names_become_plain_strings() {
        let mut doc = json!({"components": {"schemas": {"r": {"type": "string", "enum": ["+1", "-1", "1"]},
                                                         "ok": {"type": "string", "enum": ["open", "closed"]}}}});
        let mut report = Report::default();
        dedupe_enums(&mut doc, &mut report);
        assert!(doc["components"]["schemas"]["r"].get("enum").is_none());
        assert_eq!(
            doc["components"]["schemas"]["ok"]["enum"],
            json!(["open", "closed"])
        );
        assert_eq!(
            report.changes,
            ["/components/schemas/r: enum typed as plain string (values collide as Rust names)"]
        );
    }
}
