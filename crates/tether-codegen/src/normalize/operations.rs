//! Per-operation rules: parameters, request bodies (forms, multipart, raw media),
//! responses (one success and one error type) and the shallow error schema.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use tether_contract::error::escape_token;

use super::{OpRuntime, Report};

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    tether_contract::reference::follow_or_stop(doc, v)
}

pub(super) fn project_parameters(
    doc: &Value,
    id: &str,
    op: &mut Map<String, Value>,
    rt: &mut OpRuntime,
    report: &mut Report,
) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    let mut kept = Vec::new();
    // The builder's field and setter per parameter: two parameters that name one field
    // (AWS's `MaxResults` header beside its `maxResults` query) do not compile (E0416).
    // Path parameters always keep their field: the URL cannot be built without them.
    let mut fields: BTreeSet<String> = params
        .iter()
        .map(|p| resolve(doc, p))
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .map(rust_field)
        .collect();
    for p in params.drain(..) {
        let resolved = resolve(doc, &p).clone();
        let name = resolved
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let field = rust_field(&name);
        let is_path = resolved.get("in").and_then(Value::as_str) == Some("path");
        if !is_path && !fields.insert(field.clone()) {
            report.changes.push(format!(
                "{id}: parameter `{name}` names the same builder field `{field}` as another parameter; the first is typed, this one is not in the typed client"
            ));
            rt.dropped_params.push(name);
            continue;
        }
        let location = resolved
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let style = resolved
            .get("style")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if location == "cookie" {
            report.changes.push(format!(
                "{id}: cookie parameter `{name}` is not in the typed client"
            ));
            rt.dropped_params.push(name);
            continue;
        }
        if style == "deepObject" {
            let schema = resolve(doc, resolved.get("schema").unwrap_or(&Value::Null));
            let items = resolve(doc, schema.get("items").unwrap_or(&Value::Null));
            let scalar_items = matches!(
                items.get("type").and_then(Value::as_str),
                Some("string" | "integer" | "number" | "boolean")
            );
            if schema.get("type").and_then(Value::as_str) == Some("array") && scalar_items {
                let mut p = resolved.clone();
                if let Some(o) = p.as_object_mut() {
                    o.insert("style".into(), "form".into());
                    o.insert("explode".into(), true.into());
                }
                report.changes.push(format!(
                    "{id}: deepObject array query parameter `{name}` typed as a list; the runtime sends it as `{name}[0]=…`"
                ));
                rt.deep_object_arrays.push(name);
                kept.push(p);
            } else {
                report.changes.push(format!(
                    "{id}: deepObject query parameter `{name}` (object-valued) is not in the typed client; set it with a request hook"
                ));
                rt.dropped_params.push(name);
            }
            continue;
        }
        kept.push(p);
    }
    *params = kept;
}

/// The builder field progenitor makes of a parameter name (snake case of its words).
fn rust_field(name: &str) -> String {
    use heck::ToSnakeCase;
    name.to_snake_case()
}

pub(super) fn project_body(
    doc: &Value,
    id: &str,
    method: &str,
    op: &mut Map<String, Value>,
    rt: &mut OpRuntime,
    report: &mut Report,
) {
    let Some(body) = op.get("requestBody") else {
        return;
    };
    let body = resolve(doc, body).clone();
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        return;
    };
    // Stripe declares an empty form body on GET/DELETE: nothing to send, drop it.
    let empty = content.values().all(|mt| {
        let s = resolve(doc, mt.get("schema").unwrap_or(&Value::Null));
        s.get("properties")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
            && s.get("additionalProperties") != Some(&Value::Bool(true))
    });
    if empty && matches!(method, "get" | "delete" | "head") {
        op.remove("requestBody");
        report.changes.push(format!(
            "{id}: empty request body on {} dropped",
            method.to_uppercase()
        ));
        return;
    }
    // JSON first (any `+json` too), then forms, then the first other media type.
    let pick = content
        .iter()
        .find(|(m, _)| tether_contract::model::is_json_media_type(m))
        .or_else(|| content.get_key_value("application/x-www-form-urlencoded"))
        .or_else(|| content.get_key_value("multipart/form-data"))
        .or_else(|| content.iter().next());
    let Some((media, mt)) = pick else { return };
    if content.len() > 1 {
        report.changes.push(format!(
            "{id}: request body keeps only `{media}` of {} media types",
            content.len()
        ));
    }
    let mut mt = mt.clone();
    let mut media = media.clone();
    // progenitor needs a schema for a JSON body (`todo!` without); none means any JSON.
    if let Some(o) = mt.as_object_mut() {
        if tether_contract::model::is_json_media_type(&media) && !o.contains_key("schema") {
            o.insert("schema".into(), json!({}));
            report.changes.push(format!(
                "{id}: request body `{media}` without a schema typed as any JSON"
            ));
        }
    }
    if tether_contract::model::is_json_media_type(&media) && media != "application/json" {
        report.changes.push(format!(
            "{id}: request body `{media}` typed as application/json (progenitor types only that name)"
        ));
        rt.body_media_type = Some(media.clone());
        media = "application/json".into();
    }
    let essence = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if let Some(raw) = raw_body_media(&essence) {
        // progenitor sends raw bytes only as these two, each with one exact schema.
        let schema = if raw == "text/plain" {
            json!({"type": "string"})
        } else {
            json!({"type": "string", "format": "binary"})
        };
        if let Some(o) = mt.as_object_mut() {
            o.insert("schema".into(), schema);
            o.remove("encoding");
        }
        if raw != media {
            rt.body_media_type = Some(media.clone());
        }
        report.changes.push(format!(
            "{id}: `{media}` request body sent as raw bytes (`{raw}` in the typed client{})",
            if raw != media {
                "; the runtime sends the contract's Content-Type"
            } else {
                ""
            }
        ));
        media = raw.into();
    }
    if rt
        .body_media_type
        .as_deref()
        .is_some_and(header_value_invalid)
    {
        rt.body_media_type = None;
    }
    if media.starts_with("multipart/form-data") {
        let schema = resolve(doc, mt.get("schema").unwrap_or(&Value::Null)).clone();
        let (schema, mut binary) = multipart_fields(doc, schema);
        // A file part's type from the contract's `encoding` (RFC 7578 §4.4), when it is one.
        for field in &mut binary {
            let declared = mt
                .pointer(&format!("/encoding/{}/contentType", escape_token(field)))
                .and_then(Value::as_str)
                .filter(|ct| !ct.contains(',') && !header_value_invalid(ct));
            if let Some(ct) = declared {
                *field = format!("{field}={ct}");
            }
        }
        if let Some(o) = mt.as_object_mut() {
            o.insert("schema".into(), schema);
            o.remove("encoding");
        }
        report.changes.push(format!(
            "{id}: multipart/form-data body typed as the object of its fields{}; the runtime writes the parts",
            if binary.is_empty() {
                String::new()
            } else {
                format!(" (binary fields {} as byte lists)", binary.join(", "))
            }
        ));
        rt.multipart = Some(binary);
        media = "application/json".into();
    }
    if media == "application/x-www-form-urlencoded" {
        if let Some(o) = mt.as_object_mut() {
            o.remove("encoding");
        }
        media = "application/json".into();
        rt.form_body = true;
        report.changes.push(format!(
            "{id}: form-encoded body typed as JSON; the runtime form-encodes it"
        ));
    }
    let mut new_body = body.clone();
    if let Some(o) = new_body.as_object_mut() {
        o.insert("content".into(), json!({ media: mt }));
    }
    op.insert("requestBody".into(), new_body);
}

/// A multipart body's schema with its binary properties (`type: string, format: binary`,
/// directly or through `$ref`) typed as byte lists, and their names.
fn multipart_fields(doc: &Value, mut schema: Value) -> (Value, Vec<String>) {
    let mut binary = Vec::new();
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            let resolved = resolve(doc, prop);
            if resolved.get("type").and_then(Value::as_str) == Some("string")
                && resolved.get("format").and_then(Value::as_str) == Some("binary")
            {
                *prop = json!({"type": "array", "items": {"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255}});
                binary.push(name.clone());
            }
        }
    }
    (schema, binary)
}

/// The raw-body media type progenitor accepts for a request media type that is neither
/// JSON nor a form nor multipart: `text/plain` for text (and `text/x-markdown`), else
/// `application/octet-stream`.
fn raw_body_media(essence: &str) -> Option<&'static str> {
    match essence {
        "application/json" | "application/x-www-form-urlencoded" => None,
        e if e.starts_with("multipart/") => None,
        "text/plain" | "text/x-markdown" => Some("text/plain"),
        _ => Some("application/octet-stream"),
    }
}

/// A media type that cannot be sent as a `Content-Type` value (not visible ASCII).
fn header_value_invalid(media: &str) -> bool {
    !media
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
}

pub(super) fn project_responses(
    id: &str,
    path: &str,
    op: &mut Map<String, Value>,
    error_ref: Option<&str>,
    report: &mut Report,
) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let mut statuses: Vec<String> = responses.keys().cloned().collect();
    statuses.sort();
    let has_json = |r: &Value| {
        r.get("content")
            .and_then(Value::as_object)
            .is_some_and(|c| {
                c.keys()
                    .any(|m| tether_contract::model::is_json_media_type(m))
            })
    };
    let success = statuses
        .iter()
        .filter(|s| s.starts_with('2'))
        .find(|s| responses.get(*s).is_some_and(has_json))
        .or_else(|| statuses.iter().find(|s| s.starts_with('2')))
        .cloned();
    let mut dropped = Vec::new();
    let mut had_errors = false;
    for s in &statuses {
        if Some(s) == success.as_ref() {
            continue;
        }
        if s.starts_with('4') || s.starts_with('5') || s == "default" {
            had_errors = true;
        } else {
            dropped.push(s.clone());
        }
        responses.remove(s);
    }
    if let Some(s) = &success {
        if let Some(content) = responses
            .get_mut(s)
            .and_then(|r| r.get_mut("content"))
            .and_then(Value::as_object_mut)
        {
            let before = content.len();
            let json = content
                .iter()
                .find(|(m, _)| tether_contract::model::is_json_media_type(m))
                .map(|(m, v)| (m.clone(), v.clone()));
            match json {
                // progenitor types only `application/json` by that name, and needs a schema.
                Some((media, mut value)) => {
                    if let Some(o) = value.as_object_mut() {
                        o.entry("schema").or_insert_with(|| json!({}));
                    }
                    content.clear();
                    content.insert("application/json".into(), value);
                    if before > 1 || media != "application/json" {
                        report.changes.push(format!(
                            "{id}: response {s} typed from its JSON media type `{media}`"
                        ));
                    }
                }
                // No JSON: the body is raw bytes (progenitor's `ByteStream`), one media type.
                None => {
                    let first = content.iter().next().map(|(m, v)| (m.clone(), v.clone()));
                    content.clear();
                    if let Some((media, value)) = first {
                        content.insert(media.clone(), value);
                        if before > 1 {
                            report
                                .changes
                                .push(format!("{id}: response {s} read as raw bytes (`{media}`)"));
                        }
                    }
                }
            }
        }
    }
    if !dropped.is_empty() {
        report.changes.push(format!(
            "{id} ({path}): non-error statuses {} are not typed (surface as unexpected responses)",
            dropped.join(", ")
        ));
    }
    if had_errors {
        match error_ref {
            Some(r) => {
                let body = json!({"description": "Error (all 4xx/5xx statuses of the contract, typed with the provider's error schema)",
                                  "content": {"application/json": {"schema": {"$ref": r}}}});
                responses.insert("4XX".into(), body.clone());
                responses.insert("5XX".into(), body);
                report.changes.push(format!(
                    "{id}: error responses typed as one error type `{r}`"
                ));
            }
            None => report.changes.push(format!(
                "{id}: error responses untyped (policy error_schema not in contract)"
            )),
        }
    }
}

/// Name of the component holding the typed error body.
pub const ERROR_COMPONENT: &str = "tether_error_body";

/// The typed error body is the provider's error schema, inlined one `$ref` hop deep;
/// deeper references become free-form JSON. Stripe's `error` → `api_errors` refers to
/// whole PaymentIntents, SetupIntents and Sources, which would pull hundreds of types
/// into every client; the raw body keeps them, validated against the contract.
pub(super) fn shallow_error_schema(
    doc: &mut Value,
    name: &str,
    report: &mut Report,
) -> Option<String> {
    let original = doc
        .pointer(&format!("/components/schemas/{}", escape_token(name)))?
        .clone();
    let shallow = shallow(doc, &original, 1);
    if shallow == original {
        return Some(format!("#/components/schemas/{}", escape_token(name)));
    }
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)?;
    schemas.insert(ERROR_COMPONENT.into(), shallow);
    report.changes.push(format!(
        "error body `{name}` typed one reference deep as `{ERROR_COMPONENT}`; deeper objects are free-form JSON"
    ));
    Some(format!("#/components/schemas/{ERROR_COMPONENT}"))
}

fn shallow(doc: &Value, schema: &Value, hops: usize) -> Value {
    match schema {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                if hops == 0 {
                    return json!({"description": format!("Free-form here; the contract types it as {r}.")});
                }
                let target = tether_contract::reference::resolve(doc, r)
                    .cloned()
                    .unwrap_or_default();
                return shallow(doc, &target, hops - 1);
            }
            let mut out = Map::new();
            for (k, v) in o {
                let v = match k.as_str() {
                    "properties" => Value::Object(
                        v.as_object()
                            .map(|props| {
                                props
                                    .iter()
                                    .map(|(pk, pv)| (pk.clone(), shallow(doc, pv, hops)))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    ),
                    "items" | "additionalProperties" | "not" if v.is_object() => {
                        shallow(doc, v, hops)
                    }
                    "allOf" | "anyOf" | "oneOf" => Value::Array(
                        v.as_array()
                            .map(|a| a.iter().map(|m| shallow(doc, m, hops)).collect())
                            .unwrap_or_default(),
                    ),
                    _ => v.clone(),
                };
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}
