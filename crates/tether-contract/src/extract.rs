//! `cargo xtask contract extract`: trim an upstream OpenAPI description to the operations
//! one resource needs plus the `$ref` closure of what they use, and stamp `x-tether`
//! provenance. Same input ⇒ same bytes: upstream order is kept for paths and methods,
//! components are sorted by name, and the top level has a fixed key order.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::model::METHODS;
use crate::reference;
use crate::{TetherMeta, Upstream};

/// What to extract.
#[derive(Debug, Clone)]
pub struct ExtractRequest {
    /// Provider folder name.
    pub provider: String,
    /// Resource name.
    pub resource: String,
    /// Contract major version `N`.
    pub major: u64,
    /// Operation ids, in the order the user gave them.
    pub operations: Vec<String>,
    /// Name of the upstream description, recorded as provenance.
    pub upstream_name: String,
    /// SHA-256 of the upstream bytes.
    pub upstream_sha256: String,
}

/// Extraction failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtractError {
    /// An operation id is not in the upstream description.
    #[error("operation `{id}` is not in the upstream description{}", suggest(.close))]
    UnknownOperation {
        /// The id asked for.
        id: String,
        /// Ids that look alike.
        close: Vec<String>,
    },
    /// No operation asked for.
    #[error("no operations given; pass --operations a,b,c")]
    NoOperations,
    /// The upstream document lacks something extraction needs.
    #[error("upstream description: {0}")]
    Upstream(String),
}

fn suggest(close: &[String]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The `operationId` written into a contract for an upstream operation that has none:
/// the lowercase method and the path's segments, each reduced to ASCII letters and digits,
/// joined by `-` (`GET /v2/clusters/{cluster_id}/node_pools` → `get-v2-clusters-cluster-id-node-pools`).
/// It depends only on the method and path, so extracting again gives the same id.
pub fn derived_operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    let mut dash = true;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            if dash {
                id.push('-');
                dash = false;
            }
            id.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    id
}

/// Build the contract document.
///
/// An operation is named by its `operationId`, or, when upstream gives it none, by
/// `METHOD /path` (`GET /designs`) or by its [`derived_operation_id`], which is what the
/// contract records as its `operationId`.
pub fn extract(upstream: &Value, req: &ExtractRequest) -> Result<Value, ExtractError> {
    if req.operations.is_empty() {
        return Err(ExtractError::NoOperations);
    }
    let paths = upstream
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| ExtractError::Upstream("no `paths` mapping".into()))?;
    let wanted: BTreeSet<&str> = req.operations.iter().map(String::as_str).collect();
    let mut found = BTreeSet::new();
    let mut all_ids = Vec::new();
    let mut out_paths = Map::new();
    for (path, item) in paths {
        let Some(item) = reference::follow_or_stop(upstream, item).as_object() else {
            continue;
        };
        let mut kept = Map::new();
        for (key, value) in item {
            if !METHODS.contains(&key.as_str()) {
                continue;
            }
            let key_name = crate::model::method_path_key(key, path);
            let (names, own_id) = match value.get("operationId").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => (vec![id.to_owned(), key_name], None),
                _ => {
                    let derived = derived_operation_id(key, path);
                    (vec![key_name, derived.clone()], Some(derived))
                }
            };
            all_ids.push(names[0].clone());
            let Some(name) = names.iter().find(|n| wanted.contains(n.as_str())) else {
                continue;
            };
            found.insert(name.clone());
            let mut op = value.clone();
            if let (Some(id), Some(obj)) = (own_id, op.as_object_mut()) {
                obj.insert("operationId".into(), Value::String(id));
            }
            kept.insert(key.clone(), op);
        }
        if kept.is_empty() {
            continue;
        }
        // Path-level fields (shared parameters, summary) come first, as upstream writes them.
        let mut full = Map::new();
        for (key, value) in item {
            if !METHODS.contains(&key.as_str()) {
                full.insert(key.clone(), value.clone());
            }
        }
        full.extend(kept);
        out_paths.insert(path.clone(), Value::Object(full));
    }
    for id in &req.operations {
        if !found.contains(id) {
            let lower = id.to_ascii_lowercase();
            let tail = lower.rsplit('/').next().unwrap_or(&lower).to_owned();
            let close = all_ids
                .iter()
                .filter(|c| {
                    let c = c.to_ascii_lowercase();
                    c.contains(&tail) || lower.contains(&c)
                })
                .take(5)
                .cloned()
                .collect();
            return Err(ExtractError::UnknownOperation {
                id: id.clone(),
                close,
            });
        }
    }
    // A `$ref` to something outside `components` (DigitalOcean points at another path's
    // parameters) would dangle once that path is left out: it is replaced by its target.
    let mut out_paths = Value::Object(out_paths);
    inline_foreign_refs(upstream, &mut out_paths, 0)?;
    let Value::Object(out_paths) = out_paths else {
        unreachable!("still the mapping built above")
    };

    // $ref closure over components.
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<Value> = vec![Value::Object(out_paths.clone())];
    let mut security_names = BTreeSet::new();
    collect_security(upstream.get("security"), &mut security_names);
    for item in out_paths.values() {
        if let Some(item) = item.as_object() {
            for (k, op) in item {
                if METHODS.contains(&k.as_str()) {
                    collect_security(op.get("security"), &mut security_names);
                }
            }
        }
    }
    while let Some(node) = queue.pop() {
        let mut refs = Vec::new();
        crate::walk::collect_refs(&node, false, &mut refs);
        for r in refs {
            let pointer =
                reference::target(&r).map_err(|e| ExtractError::Upstream(e.to_string()))?;
            // A node inside a component carries the whole component (below), so every
            // reference of the component is followed, not only the node's.
            let component = pointer
                .strip_prefix("/components/")
                .and_then(|rest| {
                    let mut tokens = rest.splitn(3, '/');
                    Some(format!("/components/{}/{}", tokens.next()?, tokens.next()?))
                })
                .unwrap_or_else(|| pointer.clone());
            for p in [pointer, component] {
                if needed.insert(p.clone()) {
                    let target = upstream.pointer(&p).ok_or_else(|| {
                        ExtractError::Upstream(reference::RefError::Dangling(r.clone()).to_string())
                    })?;
                    queue.push(target.clone());
                }
            }
        }
    }
    let mut sections: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for pointer in &needed {
        let Some(rest) = pointer.strip_prefix("/components/") else {
            return Err(ExtractError::Upstream(format!(
                "`$ref: {}` points outside components",
                reference::to_reference(pointer)
            )));
        };
        let Some((section, name)) = rest.split_once('/') else {
            continue;
        };
        // A node inside a component (Codat's `#/components/schemas/Report/definitions/…`)
        // carries the whole component.
        let name = name.split('/').next().unwrap_or(name);
        let component = format!("/components/{section}/{name}");
        let name = name.replace("~1", "/").replace("~0", "~");
        if let Some(v) = upstream.pointer(&component) {
            sections
                .entry(section.to_owned())
                .or_default()
                .insert(name, v.clone());
        }
    }
    if let Some(schemes) = upstream
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, scheme) in schemes {
            if security_names.contains(name) {
                sections
                    .entry("securitySchemes".into())
                    .or_default()
                    .insert(name.clone(), scheme.clone());
            }
        }
    }

    let mut doc = Map::new();
    doc.insert(
        "openapi".into(),
        upstream
            .get("openapi")
            .cloned()
            .unwrap_or_else(|| "3.0.3".into()),
    );
    let upstream_info = upstream.get("info").cloned().unwrap_or_default();
    let upstream_version = upstream_info
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let mut info = Map::new();
    info.insert(
        "title".into(),
        Value::String(format!(
            "{} {} contract v{}",
            req.provider, req.resource, req.major
        )),
    );
    info.insert(
        "description".into(),
        Value::String(format!(
            "Operations {} taken from {} (info.version {}). Generated by `cargo xtask contract extract`; edit only to record the provider's truth, and bump the file's vN for breaking changes.",
            req.operations.join(", "),
            req.upstream_name,
            upstream_version
        )),
    );
    info.insert(
        "version".into(),
        Value::String(format!("{}.0.0", req.major)),
    );
    if let Some(license) = upstream_info.get("license") {
        info.insert("license".into(), license.clone());
    }
    doc.insert("info".into(), Value::Object(info));
    let meta = TetherMeta {
        provider: req.provider.clone(),
        resource: req.resource.clone(),
        upstream: Upstream {
            name: req.upstream_name.clone(),
            version: upstream_version,
            sha256: req.upstream_sha256.clone(),
            operations: req.operations.clone(),
        },
    };
    doc.insert(
        "x-tether".into(),
        serde_json::to_value(meta).map_err(|e| ExtractError::Upstream(e.to_string()))?,
    );
    for key in ["servers", "security"] {
        if let Some(v) = upstream.get(key) {
            doc.insert(key.into(), v.clone());
        }
    }
    doc.insert("paths".into(), Value::Object(out_paths));
    let mut components = Map::new();
    for (section, entries) in sections {
        components.insert(section, Value::Object(entries.into_iter().collect()));
    }
    doc.insert("components".into(), Value::Object(components));
    Ok(Value::Object(doc))
}

/// Replace every `$ref` under `node` that points outside `/components/` by (a copy of)
/// its target, so the extracted contract stays self-contained. Component references are
/// kept: they are carried over with the closure.
fn inline_foreign_refs(
    upstream: &Value,
    node: &mut Value,
    depth: usize,
) -> Result<(), ExtractError> {
    if depth > reference::MAX_HOPS {
        return Err(ExtractError::Upstream(format!(
            "references outside `components` nest deeper than {} (a cycle?)",
            reference::MAX_HOPS
        )));
    }
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let pointer =
                    reference::target(r).map_err(|e| ExtractError::Upstream(e.to_string()))?;
                if !pointer.starts_with("/components/") {
                    let mut target = upstream.pointer(&pointer).cloned().ok_or_else(|| {
                        ExtractError::Upstream(reference::RefError::Dangling(r.clone()).to_string())
                    })?;
                    inline_foreign_refs(upstream, &mut target, depth + 1)?;
                    *node = target;
                    return Ok(());
                }
            }
            for (k, v) in map.iter_mut() {
                if k != "example" {
                    inline_foreign_refs(upstream, v, depth)?;
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                inline_foreign_refs(upstream, v, depth)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn collect_security(security: Option<&Value>, out: &mut BTreeSet<String>) {
    if let Some(list) = security.and_then(Value::as_array) {
        for req in list {
            if let Some(obj) = req.as_object() {
                out.extend(obj.keys().cloned());
            }
        }
    }
}

/// Serialize a contract deterministically as YAML.
pub fn to_yaml(doc: &Value) -> String {
    let body =
        serde_yaml::to_string(doc).unwrap_or_else(|e| format!("# serialization failed: {e}\n"));
    format!("# Tether contract. Created by `cargo xtask contract extract`; provenance in x-tether.\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn upstream() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "Up", "version": "9.1.0", "license": {"name": "MIT"}},
            "servers": [{"url": "https://api.example.com"}],
            "paths": {
                "/a/{id}": {
                    "parameters": [{"$ref": "#/components/parameters/id"}],
                    "get": {"operationId": "a/get", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/a"}}}}}},
                    "delete": {"operationId": "a/delete", "responses": {"204": {"description": "gone"}}}
                },
                "/b": {"get": {"operationId": "b/list", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/b"}}}}}}}
            },
            "components": {
                "parameters": {"id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}},
                "schemas": {
                    "a": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/child"}, "self": {"$ref": "#/components/schemas/a"}}},
                    "child": {"type": "string"},
                    "b": {"type": "object"},
                    "unused": {"type": "integer"}
                }
            }
        })
    }

    fn req(ops: &[&str]) -> ExtractRequest {
        ExtractRequest {
            provider: "ex".into(),
            resource: "things".into(),
            major: 1,
            operations: ops.iter().map(|s| s.to_string()).collect(),
            upstream_name: "up.json".into(),
            upstream_sha256: "00".into(),
        }
    }

    #[test]
    fn keeps_only_the_closure() {
        let doc = extract(&upstream(), &req(&["a/get"])).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.keys().collect::<Vec<_>>(), ["/a/{id}"]);
        assert!(doc["paths"]["/a/{id}"].get("delete").is_none());
        assert!(doc["paths"]["/a/{id}"].get("parameters").is_some());
        let schemas: Vec<_> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(schemas, ["a", "child"]);
        assert!(doc["components"]["parameters"]["id"].is_object());
        assert_eq!(doc["info"]["version"], "1.0.0");
        assert_eq!(doc["x-tether"]["upstream"]["version"], "9.1.0");
        assert_eq!(doc["x-tether"]["upstream"]["operations"], json!(["a/get"]));
    }

    #[test]
    fn deterministic_bytes() {
        let a = to_yaml(&extract(&upstream(), &req(&["b/list", "a/get"])).unwrap());
        let b = to_yaml(&extract(&upstream(), &req(&["b/list", "a/get"])).unwrap());
        assert_eq!(a, b);
        assert!(a.starts_with("# Tether contract"));
        let openapi = a.find("openapi:").unwrap();
        let info = a.find("\ninfo:").unwrap();
        let paths = a.find("\npaths:").unwrap();
        let comps = a.find("\ncomponents:").unwrap();
        assert!(openapi < info && info < paths && paths < comps);
    }

    /// DigitalOcean's shape: no operationIds, a parameter referenced across paths with a
    /// percent-encoded pointer, a component name that needs encoding.
    fn upstream_without_ids() -> Value {
        json!({
            "openapi": "3.0.0",
            "info": {"title": "Up", "version": "2.0"},
            "paths": {
                "/v2/clusters/{cluster_id}": {"get": {
                    "parameters": [{"name": "cluster_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/a%20cluster"}}}}}
                }},
                "/v2/clusters/{cluster_id}/pools": {"get": {
                    "parameters": [{"$ref": "#/paths/~1v2~1clusters~1%7Bcluster_id%7D/get/parameters/0"}],
                    "responses": {"200": {"description": "ok"}}
                }}
            },
            "components": {"schemas": {"a cluster": {"type": "object"}, "unused": {"type": "string"}}}
        })
    }

    #[test]
    fn an_operation_without_id_is_named_by_method_and_path_and_gets_a_derived_id() {
        let doc = extract(
            &upstream_without_ids(),
            &req(&["GET /v2/clusters/{cluster_id}"]),
        )
        .unwrap();
        let op = &doc["paths"]["/v2/clusters/{cluster_id}"]["get"];
        assert_eq!(op["operationId"], "get-v2-clusters-cluster-id");
        assert_eq!(
            doc["components"]["schemas"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["a cluster"]
        );
        // The derived id names the same operation: extracting again by it gives the same bytes.
        let again = extract(
            &upstream_without_ids(),
            &req(&["get-v2-clusters-cluster-id"]),
        )
        .unwrap();
        assert_eq!(again["paths"], doc["paths"]);
        // The contract it makes loads strictly.
        let text = to_yaml(&doc);
        let loaded =
            crate::Document::from_bytes(std::path::Path::new("c.yaml"), text.as_bytes()).unwrap();
        assert_eq!(loaded.operations[0].id, "get-v2-clusters-cluster-id");
    }

    #[test]
    fn a_reference_into_another_path_is_inlined() {
        let doc = extract(
            &upstream_without_ids(),
            &req(&["GET /v2/clusters/{cluster_id}/pools"]),
        )
        .unwrap();
        let params = &doc["paths"]["/v2/clusters/{cluster_id}/pools"]["get"]["parameters"];
        assert_eq!(params[0]["name"], "cluster_id");
        assert!(params[0].get("$ref").is_none());
        let text = to_yaml(&doc);
        crate::Document::from_bytes(std::path::Path::new("c.yaml"), text.as_bytes()).unwrap();
    }

    #[test]
    fn a_reference_into_a_component_carries_the_component() {
        let upstream = json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/r": {"get": {"operationId": "r", "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report/definitions/dimension"}}}}}}}},
            "components": {"schemas": {
                "Report": {"type": "object", "definitions": {"dimension": {"type": "string"}, "other": {"$ref": "#/components/schemas/Category"}}},
                "Category": {"type": "string"}
            }}
        });
        let doc = extract(&upstream, &req(&["r"])).unwrap();
        assert!(doc["components"]["schemas"]["Report"].is_object());
        // What the rest of the component refers to is carried too.
        assert!(doc["components"]["schemas"]["Category"].is_object());
        let text = to_yaml(&doc);
        crate::Document::from_bytes(std::path::Path::new("c.yaml"), text.as_bytes()).unwrap();
    }

    #[test]
    fn derived_ids_are_plain_and_stable() {
        assert_eq!(derived_operation_id("GET", "/designs"), "get-designs");
        assert_eq!(
            derived_operation_id("post", "/v3/marketing/{id}/send_test"),
            "post-v3-marketing-id-send-test"
        );
        assert_eq!(derived_operation_id("delete", "/"), "delete");
    }

    #[test]
    fn unknown_operation_suggests() {
        let err = extract(&upstream(), &req(&["b/lists"])).unwrap_err();
        assert_eq!(
            err,
            ExtractError::UnknownOperation {
                id: "b/lists".into(),
                close: vec!["b/list".into()]
            }
        );
        assert!(err.to_string().contains("did you mean `b/list`"));
    }
}
