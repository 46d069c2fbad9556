//! Reading an OpenAPI document from YAML or JSON into a `serde_json::Value`,
//! converting OpenAPI 3.1 constructs that have a 3.0 equivalent, and checking that
//! every `$ref` resolves.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{escape_token, ContractError};
use crate::model::{Reading, Tolerated};
use crate::reference::{self, RefError};
use crate::walk::{walk_schemas_mut, SchemaVisit};

/// Parse YAML or JSON text (chosen by extension; YAML for anything that is not `.json`).
///
/// YAML mapping keys that are numbers or booleans (`200:`) become strings, as OpenAPI
/// means them. Never panics on any input.
pub fn parse_text(path: &Path, text: &str) -> Result<Value, ContractError> {
    // A UTF-8 byte order mark is not content (editors on Windows add it).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let is_json = path.extension().and_then(|e| e.to_str()) == Some("json");
    if is_json {
        return serde_json::from_str(text).map_err(|e| ContractError::Parse {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            format: "JSON",
            message: e.to_string(),
        });
    }
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        ContractError::Parse {
            path: path.to_owned(),
            line,
            column,
            format: "YAML",
            message: e.to_string(),
        }
    })?;
    yaml_to_json(path, yaml, &mut String::new())
}

fn yaml_to_json(
    path: &Path,
    v: serde_yaml::Value,
    at: &mut String,
) -> Result<Value, ContractError> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| {
                        ContractError::invalid(
                            path,
                            at.clone(),
                            format!("number `{n}` is not representable in JSON"),
                            None,
                        )
                    })?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                out.push(yaml_to_json(path, item, at)?);
                at.truncate(len);
            }
            Value::Array(out)
        }
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(ContractError::invalid(
                            path,
                            at.clone(),
                            format!("mapping key {other:?} is not a string, number or boolean"),
                            Some("use plain scalar keys"),
                        ))
                    }
                };
                let len = at.len();
                at.push('/');
                at.push_str(&escape_token(&key));
                if out.contains_key(&key) {
                    return Err(ContractError::invalid(
                        path,
                        at.clone(),
                        format!(
                            "key `{key}` appears twice in one mapping (e.g. `200:` and `'200':`)"
                        ),
                        Some("keep one of them"),
                    ));
                }
                let value = yaml_to_json(path, v, at)?;
                at.truncate(len);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => {
            return Err(ContractError::invalid(
                path,
                at.clone(),
                format!("YAML tag `{}` is not allowed in an OpenAPI document", t.tag),
                Some("remove the tag"),
            ))
        }
    })
}

/// Which OpenAPI dialect a document declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `openapi: 3.0.x`, used as is.
    V30,
    /// `openapi: 3.1.x`, converted to 3.0 on load.
    V31,
}

/// Check the `openapi` field and convert a 3.1 document to 3.0 in place.
///
/// Conversions (each has an exact 3.0 equivalent): `type: [T, "null"]` → `type: T` +
/// `nullable: true`; `oneOf`/`anyOf` with a `{type: "null"}` member → `nullable: true`;
/// `const: x` → `enum: [x]`; numeric `exclusiveMinimum`/`exclusiveMaximum` → boolean
/// form; schema `examples: [..]` → `example`. Anything without an equivalent is refused
/// with its pointer.
pub fn normalize_dialect(path: &Path, doc: &mut Value) -> Result<Dialect, ContractError> {
    normalize_dialect_with(path, doc, Reading::Strict, &mut Vec::new())
}

/// [`normalize_dialect`] under `reading`. Read leniently, what strict reading refuses in a
/// 3.1 document is given its nearest 3.0 reading and listed in `tolerated`: top-level
/// `webhooks` and `callbacks` are dropped (inbound payloads are not calls), a `$ref` with
/// sibling keywords becomes `allOf: [{$ref}]` plus the siblings (what 3.1 means), a 2020-12
/// keyword without a 3.0 form is dropped (validation accepts more, never less), and a
/// `type` list of several types is dropped (any type).
pub fn normalize_dialect_with(
    path: &Path,
    doc: &mut Value,
    reading: Reading,
    tolerated: &mut Vec<Tolerated>,
) -> Result<Dialect, ContractError> {
    let version = doc.get("openapi").and_then(Value::as_str).ok_or_else(|| {
        ContractError::invalid(
            path,
            "/openapi",
            "missing `openapi` version string",
            Some("add `openapi: 3.0.3` at the top of the document"),
        )
    })?;
    let dialect = if version.starts_with("3.0.") {
        Dialect::V30
    } else if version.starts_with("3.1.") {
        Dialect::V31
    } else {
        return Err(ContractError::invalid(
            path,
            "/openapi",
            format!("OpenAPI version `{version}` is not supported; expected 3.0.x (or 3.1.x, converted)"),
            Some("Swagger 2.0 documents must be converted to OpenAPI 3 first"),
        ));
    };
    if dialect == Dialect::V31 {
        let lenient = reading == Reading::Lenient;
        if doc.get("webhooks").is_some() {
            reading.tolerate(ContractError::Unsupported {
                path: path.to_owned(),
                pointer: "/webhooks".into(),
                construct: "webhooks".into(),
                message: "OpenAPI 3.1 top-level webhooks have no 3.0 form; describe inbound payloads in a webhooks.vN.yaml contract instead".into(),
            }, tolerated)?;
            if let Some(obj) = doc.as_object_mut() {
                obj.remove("webhooks");
            }
        }
        while let Some(ptr) = find_callbacks(doc) {
            reading.tolerate(ContractError::Unsupported {
                path: path.to_owned(),
                pointer: ptr.clone(),
                construct: "callbacks".into(),
                message: "callbacks in an OpenAPI 3.1 document are not converted; remove them from the contract".into(),
            }, tolerated)?;
            remove_pointer(doc, &ptr);
        }
        let mut failure = None;
        walk_schemas_mut(doc, &mut |ptr: &str, schema: &mut Value| {
            if failure.is_some() {
                return SchemaVisit::Skip;
            }
            loop {
                match convert_schema_31(path, ptr, schema) {
                    Ok(()) => return SchemaVisit::Descend,
                    Err(e) if lenient && nearest_30(schema, &e) => {
                        tolerated.push(Tolerated::from(&e));
                    }
                    Err(e) => {
                        failure = Some(e);
                        return SchemaVisit::Skip;
                    }
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("openapi".into(), Value::String("3.0.3".into()));
        }
    }
    Ok(dialect)
}

/// Remove the node at a (canonical) pointer.
fn remove_pointer(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    if let Some(obj) = doc.pointer_mut(parent).and_then(Value::as_object_mut) {
        obj.remove(&last);
    }
}

/// Rewrite `schema` so the construct `error` names has its nearest 3.0 reading; `false`
/// when there is none (the caller then gives up on the document).
fn nearest_30(schema: &mut Value, error: &ContractError) -> bool {
    let (Some(obj), ContractError::Unsupported { construct, .. }) = (schema.as_object_mut(), error)
    else {
        return false;
    };
    if construct.starts_with("$ref with sibling") {
        let Some(reference) = obj.remove("$ref") else {
            return false;
        };
        let mut members = vec![serde_json::json!({ "$ref": reference })];
        if let Some(Value::Array(more)) = obj.remove("allOf") {
            members.extend(more);
        }
        obj.insert("allOf".into(), Value::Array(members));
        return true;
    }
    if UNSUPPORTED_31.contains(&construct.as_str()) {
        return obj.remove(construct.as_str()).is_some();
    }
    if construct.starts_with("type:") {
        let null = construct.contains("null");
        let removed = obj.remove("type").is_some();
        if null {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        return removed;
    }
    false
}

fn find_callbacks(doc: &Value) -> Option<String> {
    let paths = doc.get("paths")?.as_object()?;
    for (p, item) in paths {
        for (m, op) in item.as_object()?.iter() {
            if op.get("callbacks").is_some() {
                return Some(format!(
                    "/paths/{}/{}/callbacks",
                    escape_token(p),
                    escape_token(m)
                ));
            }
        }
    }
    doc.pointer("/components/callbacks")
        .map(|_| "/components/callbacks".to_owned())
}

const UNSUPPORTED_31: &[&str] = &[
    "prefixItems",
    "$defs",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "patternProperties",
    "contains",
    "propertyNames",
    "$dynamicRef",
    "$anchor",
];

fn convert_schema_31(path: &Path, ptr: &str, schema: &mut Value) -> Result<(), ContractError> {
    let Some(obj) = schema.as_object_mut() else {
        return Ok(());
    };
    for key in UNSUPPORTED_31 {
        if obj.contains_key(*key) {
            return Err(ContractError::Unsupported {
                path: path.to_owned(),
                pointer: format!("{ptr}/{}", escape_token(key)),
                construct: (*key).to_owned(),
                message: "JSON Schema 2020-12 keyword with no OpenAPI 3.0 equivalent; rewrite the schema without it".into(),
            });
        }
    }
    if obj.contains_key("$ref") && obj.len() > 1 {
        // 3.1 allows siblings next to $ref; 3.0 ignores them. Annotations are safe to drop.
        let extra: Vec<String> = obj
            .keys()
            .filter(|k| !matches!(k.as_str(), "$ref" | "description" | "summary"))
            .cloned()
            .collect();
        if let Some(first) = extra.first() {
            return Err(ContractError::Unsupported {
                path: path.to_owned(),
                pointer: format!("{ptr}/{}", escape_token(first)),
                construct: format!("$ref with sibling `{first}`"),
                message: "OpenAPI 3.0 ignores keywords beside $ref; wrap as `allOf: [{$ref: …}]` plus the extra keywords".into(),
            });
        }
        obj.retain(|k, _| k == "$ref");
    }
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let non_null: Vec<&Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .collect();
        let has_null = non_null.len() != types.len();
        match non_null.as_slice() {
            [one] => {
                obj.insert("type".into(), (*one).clone());
                if has_null {
                    obj.insert("nullable".into(), Value::Bool(true));
                }
            }
            [] if has_null => {
                return Err(ContractError::Unsupported {
                    path: path.to_owned(),
                    pointer: format!("{ptr}/type"),
                    construct: "type: [\"null\"]".into(),
                    message: "a schema that only allows null has no OpenAPI 3.0 form".into(),
                })
            }
            _ => return Err(ContractError::Unsupported {
                path: path.to_owned(),
                pointer: format!("{ptr}/type"),
                construct: format!("type: {}", Value::Array(types.clone())),
                message:
                    "several non-null types; in OpenAPI 3.0 write `oneOf` with one schema per type"
                        .into(),
            }),
        }
    } else if obj.get("type").and_then(Value::as_str) == Some("null") {
        return Err(ContractError::Unsupported {
            path: path.to_owned(),
            pointer: format!("{ptr}/type"),
            construct: "type: null".into(),
            message: "a null-only schema has no OpenAPI 3.0 form; mark the parent `nullable: true`"
                .into(),
        });
    }
    for comb in ["oneOf", "anyOf"] {
        if let Some(Value::Array(members)) = obj.get_mut(comb) {
            let before = members.len();
            members.retain(|m| m.get("type").and_then(Value::as_str) != Some("null"));
            if members.len() != before {
                obj.insert("nullable".into(), Value::Bool(true));
            }
        }
    }
    if let Some(c) = obj.remove("const") {
        obj.insert("enum".into(), Value::Array(vec![c]));
    }
    for (excl, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(n)) = obj.get(excl).cloned() {
            // Keep whichever bound is stricter: `minimum: 10, exclusiveMinimum: 5` stays `minimum: 10`.
            let inclusive = obj.get(bound).and_then(Value::as_f64);
            let excl_f = n.as_f64().unwrap_or(0.0);
            let inclusive_wins = inclusive.is_some_and(|b| {
                if bound == "minimum" {
                    b > excl_f
                } else {
                    b < excl_f
                }
            });
            if inclusive_wins {
                obj.remove(excl);
            } else {
                obj.insert(bound.into(), Value::Number(n));
                obj.insert(excl.into(), Value::Bool(true));
            }
        }
    }
    if let Some(Value::Array(examples)) = obj.remove("examples") {
        if let Some(first) = examples.into_iter().next() {
            obj.entry("example").or_insert(first);
        }
    }
    Ok(())
}

/// Every `$ref` must be local (`#/…`) and resolve. Returns the first failure with the
/// pointer of the `$ref` itself.
///
/// The keys of a schema's `properties` map are property names, so a property literally
/// named `$ref` is a schema to check, not a reference.
pub fn check_refs(path: &Path, doc: &Value) -> Result<(), ContractError> {
    /// `names`: `node` is a `properties` map (its keys are names, not keywords).
    fn visit(
        path: &Path,
        doc: &Value,
        node: &Value,
        at: &mut String,
        names: bool,
    ) -> Result<(), ContractError> {
        match node {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").filter(|_| !names) {
                    let Some(r) = r.as_str() else {
                        return Err(ContractError::invalid(
                            path,
                            format!("{at}/$ref"),
                            "`$ref` must be a string",
                            None,
                        ));
                    };
                    match reference::resolve(doc, r) {
                        Ok(_) => {}
                        Err(RefError::External(_)) => {
                            return Err(ContractError::Unsupported {
                                path: path.to_owned(),
                                pointer: format!("{at}/$ref"),
                                construct: format!("$ref: {r}"),
                                message: "only local references (`#/components/…`) are supported; inline the external document into this one".into(),
                            });
                        }
                        Err(e) => {
                            return Err(ContractError::invalid(
                                path,
                                format!("{at}/$ref"),
                                e.to_string(),
                                Some("add the missing component or fix the reference"),
                            ));
                        }
                    }
                }
                for (k, v) in map {
                    // Examples are data, not schema: a `$ref` inside one is just a value. A
                    // schema *property* named `example`/`examples` is schema, though.
                    let in_examples = at.rsplit('/').nth(1) == Some("examples")
                        && at.rsplit('/').nth(2) != Some("properties");
                    if (k == "example" && !names) || (k == "value" && in_examples) {
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    at.push_str(&escape_token(k));
                    // A `properties` keyword (not a property named `properties`) holds names.
                    visit(path, doc, v, at, !names && k == "properties")?;
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    visit(path, doc, v, at, false)?;
                    at.truncate(len);
                }
            }
            _ => {}
        }
        Ok(())
    }
    visit(path, doc, doc, &mut String::new(), false)
}
