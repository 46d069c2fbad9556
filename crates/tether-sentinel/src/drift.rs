//! Classifying one response against the contract.
//!
//! - **breaking**: what the contract validator refuses (required field missing, type
//!   changed, undeclared status, content type changed).
//! - **additive**: a value outside a response `enum` (`enum_value_added`): the generated
//!   client reads it into the enum's `Unknown(String)` variant, so nothing breaks yet, but
//!   the contract is behind the provider. And a field in an object whose schema does not close it
//!   (`additionalProperties` absent) and does not declare it (`undeclared-field`, with the
//!   instance pointer), and a response header neither the contract, the operation's good
//!   fixtures, the policy nor HTTP itself accounts for (`undeclared-header`). Fields and
//!   headers present in the operation's good fixtures were accepted by a person (a fixture
//!   is a reviewed provider answer) and are not reported again.
//! - **operational**: see [`operational`] and [`latency`].

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use tether_contract::validate::ContractValidator;

use crate::result::{Finding, Latency, Severity};
use crate::target::Target;

/// How deep the undeclared-field walk goes (instances nest far less in practice).
const MAX_DEPTH: usize = 64;

/// Headers any HTTP server or CDN may send; never drift (RFC 9110/9111 and common
/// security and CORS headers).
const TRANSPORT_HEADERS: &[&str] = &[
    "accept-ranges",
    "age",
    "alt-svc",
    "cache-control",
    "connection",
    "content-encoding",
    "content-length",
    "content-security-policy",
    "content-type",
    "date",
    "etag",
    "expires",
    "keep-alive",
    "last-modified",
    "link",
    "referrer-policy",
    "retry-after",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "vary",
    "via",
    "x-content-type-options",
    "x-frame-options",
    "x-xss-protection",
];

/// Header name prefixes that are never drift.
const TRANSPORT_PREFIXES: &[&str] = &["access-control-", "x-ratelimit-", "cf-", "x-amz-"];

/// Everything needed to classify the responses of one operation.
pub struct Classifier<'a> {
    target: &'a Target,
    validator: &'a ContractValidator,
    operation: String,
    known_headers: BTreeSet<String>,
    /// Field shapes (pointers with array indices as `-`) seen in good fixture bodies.
    known_fields: BTreeSet<String>,
}

impl<'a> Classifier<'a> {
    /// Prepare for `operation`: the known headers are the contract's (every status), those
    /// in the operation's good fixtures under `root/fixtures`, the policy's and HTTP's.
    pub fn new(
        root: &Path,
        target: &'a Target,
        validator: &'a ContractValidator,
        operation: &str,
    ) -> Self {
        let mut known: BTreeSet<String> = TRANSPORT_HEADERS.iter().map(|h| h.to_string()).collect();
        known.insert(target.policy.request_id_header.to_ascii_lowercase());
        known.extend(
            target
                .policy
                .deprecation_headers
                .iter()
                .map(|h| h.to_ascii_lowercase()),
        );
        if let Some(op) = target.contract.doc.operation(operation) {
            for r in &op.responses {
                known.extend(r.headers.iter().map(|h| h.name.to_ascii_lowercase()));
            }
        }
        let mut known_fields = BTreeSet::new();
        let fixtures = root
            .join("fixtures")
            .join(target.contract.name.fixture_dir());
        for (path, good) in tether_contract::fixture::list(&fixtures) {
            if !good || !tether_contract::fixture::name_matches(&path, operation) {
                continue;
            }
            if let Ok(env) = tether_contract::fixture::Envelope::load(&path) {
                known.extend(env.headers.keys().map(|h| h.to_ascii_lowercase()));
                if let Some(body) = &env.body {
                    field_shapes(body, "", 0, &mut known_fields);
                }
            }
        }
        Self {
            target,
            validator,
            operation: operation.to_owned(),
            known_headers: known,
            known_fields,
        }
    }

    /// Breaking and additive findings for one response.
    pub fn classify(&self, status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        if let Err(violations) =
            self.validator
                .validate_response(&self.operation, status, headers, body)
        {
            for v in violations {
                let (severity, kind) = if v.keyword == "enum" {
                    (Severity::Additive, "enum_value_added".to_owned())
                } else {
                    (Severity::Breaking, v.keyword.clone())
                };
                out.push(Finding {
                    severity,
                    kind,
                    pointer: v.pointer.clone(),
                    evidence: v.message.clone(),
                });
            }
        }
        for (name, _) in headers {
            let name = name.to_ascii_lowercase();
            if !self.known_headers.contains(&name)
                && !TRANSPORT_PREFIXES.iter().any(|p| name.starts_with(p))
            {
                out.push(Finding {
                    severity: Severity::Additive,
                    kind: "undeclared-header".into(),
                    pointer: format!("/headers/{name}"),
                    evidence: format!("response header `{name}` is not in the contract"),
                });
            }
        }
        let schema = self
            .target
            .contract
            .doc
            .operation(&self.operation)
            .and_then(|op| op.response_for(status))
            .and_then(|r| r.json_body())
            .and_then(|m| m.schema.clone());
        if let (Some(schema), Ok(instance)) = (schema, serde_json::from_slice::<Value>(body)) {
            let doc = &self.target.contract.doc.value;
            // Reported once per field shape; accepted fixture fields count as reported.
            let mut seen = self.known_fields.clone();
            undeclared_fields(doc, &schema, &instance, "", 0, &mut seen, &mut out);
        }
        out
    }
}

/// What an object schema (with its `$ref`s, `allOf`, `oneOf` and `anyOf` members) says
/// about property names.
#[derive(Default)]
struct Shape<'a> {
    /// Declared properties and their schemas (first declaration wins).
    props: Vec<(&'a str, &'a Value)>,
    /// `additionalProperties` as a schema (a map's values).
    additional: Option<&'a Value>,
    /// The object is open on purpose (`additionalProperties: true` or `false`: the
    /// validator handles `false`).
    closed_or_open: bool,
    /// `items` of an array schema.
    items: Option<&'a Value>,
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    tether_contract::reference::follow_or_stop(doc, schema)
}

fn shape<'a>(doc: &'a Value, schema: &'a Value, depth: usize, out: &mut Shape<'a>) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = resolve(doc, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, s) in props {
            if !out.props.iter().any(|(n, _)| n == name) {
                out.props.push((name.as_str(), s));
            }
        }
    }
    match schema.get("additionalProperties") {
        Some(Value::Bool(_)) => out.closed_or_open = true,
        Some(s @ Value::Object(_)) => {
            out.additional.get_or_insert(s);
        }
        _ => {}
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        out.items.get_or_insert(items);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        // oneOf/anyOf: a field any branch declares is declared (no false alarms when the
        // branch taken cannot be told).
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            shape(doc, member, depth + 1, out);
        }
    }
}

fn undeclared_fields(
    doc: &Value,
    schema: &Value,
    instance: &Value,
    pointer: &str,
    depth: usize,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut s = Shape::default();
    shape(doc, schema, 0, &mut s);
    match instance {
        Value::Object(map) => {
            for (key, value) in map {
                let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                if let Some((_, sub)) = s.props.iter().find(|(n, _)| n == key) {
                    undeclared_fields(doc, sub, value, &child, depth + 1, seen, out);
                } else if let Some(sub) = s.additional {
                    undeclared_fields(doc, sub, value, &child, depth + 1, seen, out);
                } else if !s.closed_or_open && !s.props.is_empty() {
                    // One finding per field, not per array element carrying it.
                    if seen.insert(shape_of(&child)) {
                        out.push(Finding {
                            severity: Severity::Additive,
                            kind: "undeclared-field".into(),
                            pointer: child,
                            evidence: format!(
                                "field `{key}` ({}) is not in the contract",
                                type_name(value)
                            ),
                        });
                    }
                }
            }
        }
        Value::Array(list) => {
            if let Some(items) = s.items {
                for (i, value) in list.iter().enumerate() {
                    let child = format!("{pointer}/{i}");
                    undeclared_fields(doc, items, value, &child, depth + 1, seen, out);
                }
            }
        }
        _ => {}
    }
}

/// A pointer with its array indices replaced by `-`: `/labels/0/name` → `/labels/-/name`.
fn shape_of(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|t| if t.parse::<usize>().is_ok() { "-" } else { t })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every field shape of an instance.
fn field_shapes(value: &Value, pointer: &str, depth: usize, out: &mut BTreeSet<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.insert(shape_of(&child));
                field_shapes(v, &child, depth + 1, out);
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                field_shapes(v, &format!("{pointer}/{i}"), depth + 1, out);
            }
        }
        _ => {}
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Operational findings of one response: the policy's deprecation headers, rate-limit
/// headroom below 10 %. (Latency is judged over all calls of a check: [`latency`].)
pub fn operational(
    target: &Target,
    headers: &reqwest::header::HeaderMap,
    remaining: Option<u64>,
    limit: Option<u64>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for name in &target.policy.deprecation_headers {
        if let Some(v) = headers.get(name.as_str()).and_then(|v| v.to_str().ok()) {
            out.push(Finding {
                severity: Severity::Operational,
                kind: "deprecation-header".into(),
                pointer: format!("/headers/{}", name.to_ascii_lowercase()),
                evidence: v.to_owned(),
            });
        }
    }
    if let (Some(r), Some(l)) = (remaining, limit) {
        if r.saturating_mul(10) < l {
            out.push(Finding {
                severity: Severity::Operational,
                kind: "rate-limit-headroom".into(),
                pointer: "/headers/x-ratelimit-remaining".into(),
                evidence: format!("{r} of {l} left"),
            });
        }
    }
    out
}

/// "Latency above policy": the check's p95 (over its `--repeat` calls) exceeds the
/// policy's attempt timeout.
pub fn latency(target: &Target, latency: &Latency) -> Option<Finding> {
    let timeout = target.defaults.attempt_timeout.as_millis() as u64;
    (latency.p95_ms > timeout).then(|| Finding {
        severity: Severity::Operational,
        kind: "latency".into(),
        pointer: String::new(),
        evidence: format!(
            "p95 {} ms over {} call(s) > attempt timeout {timeout} ms",
            latency.p95_ms,
            latency.samples_ms.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn walk(doc: &Value, schema: &Value, instance: &Value) -> Vec<(String, Severity)> {
        let mut out = Vec::new();
        undeclared_fields(doc, schema, instance, "", 0, &mut BTreeSet::new(), &mut out);
        out.into_iter().map(|f| (f.pointer, f.severity)).collect()
    }

    #[test]
    fn undeclared_fields_are_found_through_refs_all_of_and_arrays_once_each() {
        let doc = json!({"components": {"schemas": {
            "user": {"type": "object", "properties": {"login": {"type": "string"}}},
            "repo": {"allOf": [
                {"type": "object", "properties": {"id": {"type": "integer"}, "owner": {"$ref": "#/components/schemas/user"}}},
                {"properties": {"labels": {"type": "array", "items": {"$ref": "#/components/schemas/user"}}}}
            ]}
        }}});
        let schema = json!({"$ref": "#/components/schemas/repo"});
        let instance = json!({"id": 1, "new/top": true, "owner": {"login": "a", "site_admin": false},
            "labels": [{"login": "x", "color": "red"}, {"login": "y", "color": "blue"}]});
        assert_eq!(
            walk(&doc, &schema, &instance),
            // In instance order; `color` once although two labels carry it.
            vec![
                ("/new~1top".to_owned(), Severity::Additive),
                ("/owner/site_admin".to_owned(), Severity::Additive),
                ("/labels/0/color".to_owned(), Severity::Additive),
            ]
        );
    }

    #[test]
    fn maps_open_and_closed_objects_are_not_undeclared_fields() {
        let doc = json!({});
        let map = json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "object", "properties": {"x": {}}}});
        assert_eq!(
            walk(&doc, &map, &json!({"a": "", "k1": {"x": 1, "y": 2}})),
            vec![("/k1/y".to_owned(), Severity::Additive)]
        );
        let open = json!({"type": "object", "properties": {"a": {}}, "additionalProperties": true});
        assert!(walk(&doc, &open, &json!({"b": 1})).is_empty());
        // No properties declared at all: a free-form object.
        assert!(walk(&doc, &json!({"type": "object"}), &json!({"b": 1})).is_empty());
        // Any oneOf branch declaring the field is enough.
        // Fields accepted in a fixture (same shape, any index) are not reported.
        let mut known = BTreeSet::new();
        field_shapes(&json!({"list": [{"x": 1, "extra": 2}]}), "", 0, &mut known);
        assert!(known.contains("/list/-/extra"));
        let list = json!({"properties": {"list": {"items": {"properties": {"x": {}}}}}});
        let mut out = Vec::new();
        let instance = json!({"list": [{"x": 1}, {"x": 2, "extra": 3, "new": 4}]});
        undeclared_fields(&doc, &list, &instance, "", 0, &mut known, &mut out);
        let pointers: Vec<&str> = out.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, vec!["/list/1/new"]);
        let one_of = json!({"oneOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]});
        assert_eq!(
            walk(&doc, &one_of, &json!({"a": 1, "b": 2, "c": 3})),
            vec![("/c".to_owned(), Severity::Additive)]
        );
    }
}
