//! Visiting every schema object of an OpenAPI 3.0 document, wherever it sits.

use serde_json::Value;

use crate::error::escape_token;

/// What the visitor wants after seeing a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaVisit {
    /// Visit the subschemas too.
    Descend,
    /// Do not visit the subschemas.
    Skip,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Call `f(pointer, schema)` for every schema position of the document: component
/// schemas, parameter/header/media-type schemas (in components and in paths) and,
/// recursively, `properties`, `items`, `additionalProperties`, `allOf`/`anyOf`/`oneOf`
/// and `not`. A `$ref` schema is visited but not followed.
pub fn walk_schemas_mut(doc: &mut Value, f: &mut dyn FnMut(&str, &mut Value) -> SchemaVisit) {
    if let Some(comps) = doc.get_mut("components").and_then(Value::as_object_mut) {
        if let Some(schemas) = comps.get_mut("schemas").and_then(Value::as_object_mut) {
            for (name, s) in schemas.iter_mut() {
                walk_schema(&format!("/components/schemas/{}", escape_token(name)), s, f);
            }
        }
        for (section, kind) in [
            ("parameters", Holder::Parameter),
            ("headers", Holder::Parameter),
            ("responses", Holder::Response),
            ("requestBodies", Holder::Content),
        ] {
            if let Some(items) = comps.get_mut(section).and_then(Value::as_object_mut) {
                for (name, item) in items.iter_mut() {
                    let at = format!("/components/{section}/{}", escape_token(name));
                    walk_holder(&at, item, kind, f);
                }
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (p, item) in paths.iter_mut() {
            let at = format!("/paths/{}", escape_token(p));
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (key, op) in item.iter_mut() {
                let at = format!("{at}/{}", escape_token(key));
                if key == "parameters" {
                    walk_params(&at, op, f);
                } else if METHODS.contains(&key.as_str()) {
                    let Some(op) = op.as_object_mut() else {
                        continue;
                    };
                    if let Some(params) = op.get_mut("parameters") {
                        walk_params(&format!("{at}/parameters"), params, f);
                    }
                    if let Some(body) = op.get_mut("requestBody") {
                        walk_holder(&format!("{at}/requestBody"), body, Holder::Content, f);
                    }
                    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut)
                    {
                        for (status, r) in responses.iter_mut() {
                            let at = format!("{at}/responses/{}", escape_token(status));
                            walk_holder(&at, r, Holder::Response, f);
                        }
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Holder {
    Parameter,
    Content,
    Response,
}

fn walk_params(at: &str, params: &mut Value, f: &mut dyn FnMut(&str, &mut Value) -> SchemaVisit) {
    if let Some(list) = params.as_array_mut() {
        for (i, p) in list.iter_mut().enumerate() {
            walk_holder(&format!("{at}/{i}"), p, Holder::Parameter, f);
        }
    }
}

fn walk_holder(
    at: &str,
    holder: &mut Value,
    kind: Holder,
    f: &mut dyn FnMut(&str, &mut Value) -> SchemaVisit,
) {
    let Some(obj) = holder.as_object_mut() else {
        return;
    };
    if matches!(kind, Holder::Parameter) {
        if let Some(s) = obj.get_mut("schema") {
            walk_schema(&format!("{at}/schema"), s, f);
        }
    }
    if let Some(content) = obj.get_mut("content").and_then(Value::as_object_mut) {
        for (media, mt) in content.iter_mut() {
            if let Some(s) = mt.get_mut("schema") {
                walk_schema(
                    &format!("{at}/content/{}/schema", escape_token(media)),
                    s,
                    f,
                );
            }
        }
    }
    if matches!(kind, Holder::Response) {
        if let Some(headers) = obj.get_mut("headers").and_then(Value::as_object_mut) {
            for (name, h) in headers.iter_mut() {
                walk_holder(
                    &format!("{at}/headers/{}", escape_token(name)),
                    h,
                    Holder::Parameter,
                    f,
                );
            }
        }
    }
}

/// Visit one schema and its subschemas.
pub fn walk_schema(
    at: &str,
    schema: &mut Value,
    f: &mut dyn FnMut(&str, &mut Value) -> SchemaVisit,
) {
    if f(at, schema) == SchemaVisit::Skip {
        return;
    }
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.contains_key("$ref") {
        return;
    }
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, p) in props.iter_mut() {
            walk_schema(&format!("{at}/properties/{}", escape_token(name)), p, f);
        }
    }
    for key in ["items", "not", "additionalProperties"] {
        if let Some(sub) = obj.get_mut(key) {
            if sub.is_object() {
                walk_schema(&format!("{at}/{key}"), sub, f);
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            for (i, sub) in list.iter_mut().enumerate() {
                walk_schema(&format!("{at}/{key}/{i}"), sub, f);
            }
        }
    }
}

/// Every `$ref` string under `node`, in document order. Example values are data, so
/// `example` is never searched; `examples` (Example Objects, whose `$ref`s point at
/// `components/examples`) is searched unless `skip_examples`.
pub fn collect_refs(node: &Value, skip_examples: bool, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            for (k, v) in map {
                if k != "example" && !(skip_examples && k == "examples") {
                    collect_refs(v, skip_examples, out);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_refs(v, skip_examples, out)),
        _ => {}
    }
}
