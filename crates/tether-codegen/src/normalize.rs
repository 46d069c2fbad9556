//! The normalization stage: derive from a contract the projection progenitor 0.15 can
//! digest, and record every change.
//!
//! The contract file stays the provider's truth (every status, error body and media
//! type): validation and drift detection read it. Only the typed client is built from
//! this projection, and what the projection drops is restored at run time by
//! `tether-runtime` (form encoding, deepObject query parameters, error bodies parsed with
//! the contract's own schemas).
//!
//! Why each rule exists (progenitor 0.15.1 / typify 0.8 probe, see ARCHITECTURE.md):
//! - one success and one error body type per operation (`assert!(response_types.len() <= 1)`);
//! - schema `title`s make typify name two types the same (E0428);
//! - `application/x-www-form-urlencoded` bodies with `encoding` hit `todo!`, and its
//!   encoder cannot write Stripe's nested `a[b]=c`; we generate JSON-shaped types and the
//!   runtime form-encodes them;
//! - `deepObject` query parameters are rejected;
//! - string enums whose Rust variant names collide (`+1`/`-1`) panic in typify;
//! - Stripe's expandable fields (`anyOf: [id, Object…]` with `x-expansionResources`) pull
//!   megabytes of types: kept as ids.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use tether_contract::error::escape_token;
use tether_contract::walk::{walk_schemas_mut, SchemaVisit};
use tether_contract::{Contract, Policy};

/// What the projection changed, one line per change, for the generated header and
/// `cargo xtask gen --emit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Human-readable changes, each naming the operation or pointer.
    pub changes: Vec<String>,
}

/// How one operation's body and parameters must be restored at run time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpRuntime {
    /// The contract says `application/x-www-form-urlencoded`; the projection sends JSON.
    pub form_body: bool,
    /// deepObject array query parameters sent as `name[0]=a&name[1]=b`.
    pub deep_object_arrays: Vec<String>,
    /// Parameters the typed builder does not expose.
    pub dropped_params: Vec<String>,
    /// The contract's request media type when the projection sends raw bytes under
    /// `application/octet-stream` or `text/plain` instead (the runtime restores it).
    pub body_media_type: Option<String>,
    /// The contract's body is `multipart/form-data`, typed as the JSON object of its
    /// fields; these are the binary ones (typed as byte lists), as `name` or
    /// `name=content/type` when the contract's `encoding` gives the part's type.
    pub multipart: Option<Vec<String>>,
}

/// The projection and its bookkeeping.
#[derive(Debug, Clone)]
pub struct Projection {
    /// The OpenAPI document handed to progenitor.
    pub doc: Value,
    /// What changed.
    pub report: Report,
    /// Per operation id.
    pub runtime: BTreeMap<String, OpRuntime>,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Build the projection of `contract` under `policy`.
pub fn project(contract: &Contract, policy: &Policy) -> Projection {
    let mut doc = contract.doc.value.clone();
    let mut report = Report::default();
    let mut runtime: BTreeMap<String, OpRuntime> = BTreeMap::new();
    if let Some(obj) = doc.as_object_mut() {
        obj.remove("x-tether");
    }

    keep_expandable_as_ids(&mut doc, &mut report);
    no_bare_carriage_returns(&mut doc, &mut report);
    strip_titles(&mut doc, &mut report);
    conform_defaults(&mut doc, &mut report);
    formats_only_on_scalars(&mut doc, &mut report);
    any_of_to_one_of(&mut doc, &mut report);

    let error_ref = shallow_error_schema(&mut doc, &policy.error_schema, &mut report);
    let has_error_schema = error_ref.is_some();
    let error_ref = error_ref.unwrap_or_default();
    let original = doc.clone();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            // Inline path-level parameters so each operation can be projected alone.
            let shared = item.remove("parameters");
            for method in METHODS {
                let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let rt = runtime.entry(id.clone()).or_default();
                if let Some(Value::Array(shared)) = &shared {
                    let own = op.entry("parameters").or_insert_with(|| json!([]));
                    if let Some(own) = own.as_array_mut() {
                        let mut merged = shared.clone();
                        merged.append(own);
                        *own = merged;
                    }
                }
                project_parameters(&original, &id, op, rt, &mut report);
                project_body(&original, &id, method, op, rt, &mut report);
                project_responses(
                    &id,
                    path,
                    op,
                    has_error_schema.then_some(error_ref.as_str()),
                    &mut report,
                );
            }
        }
    }
    dedupe_enums(&mut doc, &mut report);
    hoist_nested_references(&mut doc, &mut report);
    trim_components(&mut doc, &mut report);
    rename_prelude_components(&mut doc, &mut report);
    name_inline_collisions(&mut doc, &mut report);
    Projection {
        doc,
        report,
        runtime,
    }
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    tether_contract::reference::follow_or_stop(doc, v)
}

fn project_parameters(
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

fn project_body(
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

fn project_responses(
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
fn shallow_error_schema(doc: &mut Value, name: &str, report: &mut Report) -> Option<String> {
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

/// Names the generated code uses unqualified inside `mod types` (`Default::default()`,
/// `Ok(…)`, `Some(…)`): a component typify would give one of these names shadows it there
/// (Botify's `Default` schema: E0599).
const PRELUDE: &[&str] = &[
    "Default", "Option", "Result", "Some", "None", "Ok", "Err", "Box", "Vec", "String", "From",
    "Into", "Clone",
];

/// progenitor follows a `$ref` only to a component; Codat refers into a component's
/// `definitions` (`#/components/schemas/Report/definitions/reportDimension`, "is missing").
/// Each such target is copied to a component of its own (`Report-definitions-reportDimension`,
/// a name no component has) and the references point there; recorded in the header.
fn hoist_nested_references(doc: &mut Value, report: &mut Report) {
    fn nested_targets(node: &Value, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    if let Ok(t) = tether_contract::reference::target(r) {
                        let nested = t
                            .strip_prefix("/components/schemas/")
                            .is_some_and(|rest| rest.contains('/'));
                        if nested {
                            out.insert(t);
                        }
                    }
                }
                map.values().for_each(|v| nested_targets(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| nested_targets(v, out)),
            _ => {}
        }
    }
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    // Hoisted schemas may refer into components again: repeat until nothing is nested.
    for _ in 0..8 {
        let mut targets = BTreeSet::new();
        nested_targets(doc, &mut targets);
        targets.retain(|t| !moved.contains_key(t));
        if targets.is_empty() {
            break;
        }
        for target in targets {
            let Some(schema) = doc.pointer(&target).cloned() else {
                continue;
            };
            let rest = target.trim_start_matches("/components/schemas/");
            let base: String = rest
                .split('/')
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect::<Vec<_>>()
                .join("-");
            let Some(schemas) = doc
                .pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)
            else {
                return;
            };
            let mut name = base.clone();
            let mut n = 2;
            while schemas.contains_key(&name) {
                name = format!("{base}-{n}");
                n += 1;
            }
            schemas.insert(name.clone(), schema);
            moved.insert(target, name);
        }
        let targets: BTreeMap<String, String> = moved
            .iter()
            .map(|(t, name)| {
                (
                    t.clone(),
                    format!("#/components/schemas/{}", escape_token(name)),
                )
            })
            .collect();
        rewrite_refs(doc, &targets);
    }
    if !moved.is_empty() {
        report.changes.push(format!(
            "references into a component's nested schemas point to copies of their own: {}",
            moved
                .iter()
                .map(|(t, name)| format!("`#{t}` → `{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// Every `$ref` whose canonical target is a key of `targets` rewritten to its value.
fn rewrite_refs(node: &mut Value, targets: &BTreeMap<String, String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(new) = tether_contract::reference::target(r)
                    .ok()
                    .and_then(|t| targets.get(&t))
                {
                    *r = new.clone();
                }
            }
            map.values_mut().for_each(|v| rewrite_refs(v, targets));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, targets)),
        _ => {}
    }
}

/// A component whose type name would be a [`PRELUDE`] name is renamed `<Name>Schema` (with
/// every `$ref` to it), recorded in the header.
fn rename_prelude_components(doc: &mut Value, report: &mut Report) {
    use heck::ToUpperCamelCase;
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let taken: BTreeSet<String> = schemas.keys().map(|k| k.to_upper_camel_case()).collect();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for name in schemas.keys() {
        let pascal = name.to_upper_camel_case();
        if PRELUDE.contains(&pascal.as_str()) {
            let mut new = format!("{pascal}Schema");
            let mut n = 2;
            while taken.contains(&new) || renames.values().any(|v| *v == new) {
                new = format!("{pascal}Schema{n}");
                n += 1;
            }
            renames.insert(name.clone(), new);
        }
    }
    if renames.is_empty() {
        return;
    }
    let targets: BTreeMap<String, String> = renames
        .iter()
        .map(|(old, new)| {
            (
                format!("/components/schemas/{}", escape_token(old)),
                format!("#/components/schemas/{}", escape_token(new)),
            )
        })
        .collect();
    rewrite_refs(doc, &targets);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (old, new) in &renames {
            if let Some(schema) = schemas.remove(old) {
                schemas.insert(new.clone(), schema);
            }
        }
    }
    report.changes.push(format!(
        "components renamed so their types do not shadow a name the generated code uses: {}",
        renames
            .iter()
            .map(|(old, new)| format!("`{old}` → `{new}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

/// typify names an inline schema after its parent type and property
/// (`repository-ruleset` + `conditions` → `RepositoryRulesetConditions`); when a component
/// already has that name (GitHub's `repository-ruleset-conditions`), both are emitted as
/// `RepositoryRulesetConditions` (E0428). Such an inline schema is moved into a component
/// of its own, `<derived name>Inline` (unique), which typify names by its key; the
/// property refers to it (`nullable` stays on the property, around an `allOf` of the
/// reference). Each move is recorded in the generated header.
fn name_inline_collisions(doc: &mut Value, report: &mut Report) {
    use heck::ToUpperCamelCase;
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut taken: BTreeSet<String> = schemas.keys().map(|k| k.to_upper_camel_case()).collect();
    let mut lifted: Vec<(String, Value)> = Vec::new();
    let mut moved = Vec::new();
    let names: Vec<String> = schemas.keys().cloned().collect();
    for component in names {
        let Some(schema) = schemas.get_mut(&component) else {
            continue;
        };
        let prefix = component.to_upper_camel_case();
        let mut visit = Lift {
            taken: &mut taken,
            lifted: &mut lifted,
            moved: &mut moved,
        };
        visit.schema(schema, &prefix, &component, 0);
    }
    for (name, schema) in lifted {
        schemas.insert(name, schema);
    }
    if !moved.is_empty() {
        report.changes.push(format!(
            "inline schemas whose derived type name is a component's moved to a component of their own (E0428): {}",
            moved.join(", ")
        ));
    }
}

/// The walk of [`name_inline_collisions`].
struct Lift<'a> {
    taken: &'a mut BTreeSet<String>,
    lifted: &'a mut Vec<(String, Value)>,
    moved: &'a mut Vec<String>,
}

impl Lift<'_> {
    fn schema(&mut self, schema: &mut Value, prefix: &str, at: &str, depth: usize) {
        use heck::ToUpperCamelCase;
        if depth > 32 {
            return;
        }
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        let mut children: Vec<(String, String, &mut Value)> = Vec::new();
        for (key, value) in obj.iter_mut() {
            match key.as_str() {
                "properties" => {
                    if let Some(props) = value.as_object_mut() {
                        for (name, sub) in props.iter_mut() {
                            let derived = format!("{prefix}{}", name.to_upper_camel_case());
                            children.push((derived, format!("{at}.{name}"), sub));
                        }
                    }
                }
                "items" => children.push((format!("{prefix}Item"), format!("{at}[]"), value)),
                _ => {}
            }
        }
        for (derived, at, sub) in children {
            // An inline schema typify makes a named type of (a struct, an enum, a composition).
            let named = ["properties", "enum", "oneOf", "anyOf", "allOf"]
                .iter()
                .any(|k| sub.get(*k).is_some());
            if sub.get("$ref").is_some() || !named {
                continue;
            }
            if !self.taken.contains(&derived) {
                self.taken.insert(derived.clone());
                self.schema(sub, &derived, &at, depth + 1);
                continue;
            }
            let mut name = format!("{derived}Inline");
            let mut n = 2;
            while self.taken.contains(&name) {
                name = format!("{derived}Inline{n}");
                n += 1;
            }
            self.taken.insert(name.clone());
            let mut own = std::mem::take(sub);
            let nullable = own
                .as_object_mut()
                .and_then(|o| o.remove("nullable"))
                .and_then(|v| v.as_bool())
                == Some(true);
            let reference =
                json!({ "$ref": format!("#/components/schemas/{}", escape_token(&name)) });
            *sub = if nullable {
                json!({ "nullable": true, "allOf": [reference] })
            } else {
                reference
            };
            self.moved.push(format!("`{at}` → `{name}`"));
            self.schema(&mut own, &name, &at, depth + 1);
            self.lifted.push((name, own));
        }
    }
}

/// Descriptions become doc comments, where a bare `\r` does not compile (VTEX writes
/// `\r\n` and lone `\r` in them): every line break in documentation text becomes `\n`.
fn no_bare_carriage_returns(doc: &mut Value, report: &mut Report) {
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
fn conform_defaults(doc: &mut Value, report: &mut Report) {
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
fn formats_only_on_scalars(doc: &mut Value, report: &mut Report) {
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

fn strip_titles(doc: &mut Value, report: &mut Report) {
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

fn any_of_to_one_of(doc: &mut Value, report: &mut Report) {
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

fn keep_expandable_as_ids(doc: &mut Value, report: &mut Report) {
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

fn dedupe_enums(doc: &mut Value, report: &mut Report) {
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

fn trim_components(doc: &mut Value, report: &mut Report) {
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
    use std::path::Path;

    use super::*;

    fn load(rel: &str) -> (Contract, Policy) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let contract = Contract::load(root.join(rel)).unwrap();
        let policy = Policy::load(contract.policy_path()).unwrap();
        (contract, policy)
    }

    fn op<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
        &doc["paths"][path][method]
    }

    #[test]
    fn github_errors_collapse_to_one_typed_error_and_3xx_are_dropped() {
        let (c, p) = load("contracts/github/repos.v1.yaml");
        let proj = project(&c, &p);
        let get = op(&proj.doc, "/repos/{owner}/{repo}", "get");
        let statuses: Vec<&String> = get["responses"].as_object().unwrap().keys().collect();
        assert_eq!(statuses, ["200", "4XX", "5XX"]);
        assert_eq!(
            get["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/basic-error"
        );
        assert!(proj
            .report
            .changes
            .iter()
            .any(|c| c.contains("repos/get (/repos/{owner}/{repo}): non-error statuses 301")));
        // The contract itself is untouched: every status is still there.
        let original = c.doc.operation("repos/get").unwrap();
        assert_eq!(
            original
                .responses
                .iter()
                .map(|r| r.status.as_str())
                .collect::<Vec<_>>(),
            ["200", "301", "403", "404"]
        );
    }

    #[test]
    fn titles_are_removed_everywhere() {
        let (c, p) = load("contracts/github/repos.v1.yaml");
        let proj = project(&c, &p);
        assert!(!proj.doc["components"]
            .to_string()
            .contains("\"title\":\"Repository\""));
        assert!(c.doc.value["components"]
            .to_string()
            .contains("\"title\":\"Repository\""));
    }

    #[test]
    fn stripe_form_bodies_deep_objects_expandables_and_errors() {
        let (c, p) = load("contracts/stripe/customers.v1.yaml");
        let proj = project(&c, &p);
        let post = op(&proj.doc, "/v1/customers", "post");
        let content = post["requestBody"]["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), ["application/json"]);
        assert!(content["application/json"].get("encoding").is_none());
        assert!(proj.runtime["PostCustomers"].form_body);

        let list = op(&proj.doc, "/v1/customers", "get");
        assert!(
            list.get("requestBody").is_none(),
            "the empty GET form body is dropped"
        );
        assert_eq!(proj.runtime["GetCustomers"].deep_object_arrays, ["expand"]);
        assert_eq!(proj.runtime["GetCustomers"].dropped_params, ["created"]);
        let expand = list["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "expand")
            .unwrap();
        assert_eq!(
            (expand["style"].as_str(), expand["explode"].as_bool()),
            (Some("form"), Some(true))
        );

        // `default_source` is `anyOf: [id, bank_account, card, source]` with x-expansionResources.
        let customer = &proj.doc["components"]["schemas"]["customer"]["properties"];
        assert_eq!(customer["default_source"]["type"], "string");
        assert_eq!(customer["default_source"]["nullable"], true);

        // The error body is one reference deep; payment intents are not in the projection.
        assert_eq!(
            post["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/tether_error_body"
        );
        let schemas = proj.doc["components"]["schemas"].as_object().unwrap();
        assert!(!schemas.contains_key("payment_intent"));
        assert!(schemas.len() < 100, "{} schemas", schemas.len());
        assert!(c.doc.value["components"]["schemas"]
            .as_object()
            .unwrap()
            .contains_key("payment_intent"));
    }

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
