//! `cargo xtask contract extract`: trim an upstream OpenAPI description to the operations
//! one resource needs plus the `$ref` closure of what they use, and stamp `x-tether`
//! provenance. Same input ⇒ same bytes: upstream order is kept for paths and methods,
//! components are sorted by name, and the top level has a fixed key order.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::model::METHODS;
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

/// Build the contract document.
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
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut kept = Map::new();
        for (key, value) in item {
            if METHODS.contains(&key.as_str()) {
                let id = value
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                all_ids.push(id.to_owned());
                if wanted.contains(id) {
                    found.insert(id.to_owned());
                    kept.insert(key.clone(), value.clone());
                }
            }
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
            if needed.insert(r.clone()) {
                let target = r
                    .strip_prefix('#')
                    .and_then(|p| upstream.pointer(p))
                    .ok_or_else(|| {
                        ExtractError::Upstream(format!("`$ref: {r}` does not resolve"))
                    })?;
                queue.push(target.clone());
            }
        }
    }
    let mut sections: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for r in &needed {
        let Some(rest) = r.strip_prefix("#/components/") else {
            return Err(ExtractError::Upstream(format!(
                "`$ref: {r}` points outside components"
            )));
        };
        let Some((section, name)) = rest.split_once('/') else {
            continue;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        if let Some(v) = upstream.pointer(&r[1..]) {
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
