//! Fixture envelopes: `fixtures/<provider>.<resource>.v<N>/{good,bad}/<op>.<slug>.json`,
//! where `<op>` is the operation id with `/` replaced by `.`. The format is documented in
//! `fixtures/README.md` with a JSON Schema in `fixtures/envelope.schema.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ContractError;

/// Request or response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A response the provider sends.
    Response,
    /// A request body we send.
    Request,
}

/// One expected validation error of a bad fixture.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// JSON pointer in the body (`""` for status/content-type problems).
    pub pointer: String,
    /// Keyword (`required`, `type`, `enum`, `status`, `content-type`, `form`, …).
    pub keyword: String,
}

/// A fixture envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Operation id.
    pub operation: String,
    /// Request or response.
    pub kind: Kind,
    /// Response status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Headers (lowercase names).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Raw text body (form-encoded requests, non-JSON bodies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_raw: Option<String>,
    /// Provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Expected errors (bad fixtures).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Expect>,
}

impl Envelope {
    /// Read and check the envelope's own shape (not its validity against a contract).
    pub fn load(path: &Path) -> Result<Self, ContractError> {
        let bytes = std::fs::read(path).map_err(|source| ContractError::Io {
            path: path.to_owned(),
            source,
        })?;
        let env: Envelope = serde_json::from_slice(&bytes).map_err(|e| ContractError::Parse {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            format: "JSON fixture envelope",
            message: e.to_string(),
        })?;
        let bad = |pointer: &str, message: &str| {
            Err(ContractError::invalid(
                path,
                pointer,
                message,
                Some("see fixtures/README.md"),
            ))
        };
        match (env.kind, env.status) {
            (Kind::Response, None) => return bad("/status", "a response fixture needs `status`"),
            (Kind::Request, Some(_)) => return bad("/status", "a request fixture has no `status`"),
            _ => {}
        }
        if env.body.is_some() && env.body_raw.is_some() {
            return bad("/body_raw", "`body` and `body_raw` are mutually exclusive");
        }
        if env
            .headers
            .keys()
            .any(|k| k.chars().any(|c| c.is_ascii_uppercase()))
        {
            return bad("/headers", "header names are lowercase");
        }
        Ok(env)
    }

    /// Headers as pairs.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The file-name prefix for an operation: `repos/get` → `repos.get`.
pub fn file_prefix(operation: &str) -> String {
    operation.replace('/', ".")
}

/// Whether a fixture file's name starts with its operation's prefix followed by `.`.
pub fn name_matches(path: &Path, operation: &str) -> bool {
    let name = path
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default();
    name.strip_prefix(&file_prefix(operation))
        .is_some_and(|rest| rest.starts_with('.') && rest.len() > ".json".len() + 1)
}

/// Every `*.json` under `dir/good` and `dir/bad`, sorted, with `true` for good.
pub fn list(dir: &Path) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    for (sub, good) in [("good", true), ("bad", false)] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().and_then(|x| x.to_str()) == Some("json") {
                    out.push((p, good));
                }
            }
        }
    }
    out.sort();
    out
}
