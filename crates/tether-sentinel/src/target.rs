//! A contract as a call target: the contract, its policy, the runtime tables a generated
//! crate would carry, and the request for one operation with its parameters. Built from
//! the files at run time, so a sentinel needs no generated crate per contract.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tether_contract::model::ParamLocation;
use tether_contract::{Contract, Policy};
use tether_runtime::{Engine, OperationMeta, RequestDefaults};

use crate::SentinelError;

fn leak(s: impl Into<String>) -> &'static str {
    // A sentinel is a one-shot process: the tables live as long as it, like the statics a
    // generated crate carries.
    Box::leak(s.into().into_boxed_str())
}

/// `contracts/<provider>/<resource>.v<N>.yaml` for `provider.resource.vN`.
pub fn contract_path(root: &Path, name: &str) -> Result<PathBuf, SentinelError> {
    let bad = |message: String| SentinelError::Target {
        contract: name.to_owned(),
        message,
    };
    let Some((provider, rest)) = name.split_once('.') else {
        return Err(bad(
            "not <provider>.<resource>.v<N> (e.g. github.repos.v1)".into()
        ));
    };
    let path = root
        .join("contracts")
        .join(provider)
        .join(format!("{rest}.yaml"));
    if !path.is_file() {
        return Err(bad(format!(
            "no contract {}; contracts live in contracts/<provider>/<resource>.v<N>.yaml",
            path.display()
        )));
    }
    Ok(path)
}

/// A generated crate's `deserialize_response`, reduced to `Ok(true)` (typed), `Ok(false)`
/// (no typed body for that status) or the serde error.
pub type Deserialize = fn(&str, u16, &[u8]) -> Result<bool, String>;

/// A generated client crate linked into a sentinel binary: its tables (`DEFAULTS`, the
/// ones its `Client` runs on) and its typed deserializer (`deserialize_response`).
#[derive(Clone, Copy)]
pub struct Linked {
    /// `provider.resource.vN`.
    pub contract: &'static str,
    /// The generated crate's `DEFAULTS`.
    pub defaults: &'static RequestDefaults,
    /// The generated crate's `deserialize_response(operation, status, body)`.
    pub deserialize: Deserialize,
}

impl std::fmt::Debug for Linked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linked")
            .field("contract", &self.contract)
            .finish_non_exhaustive()
    }
}

/// Where a target's operation and parameters come from, so errors say what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    /// `sentinels/checks.yaml` (the sentinel).
    ChecksFile,
    /// The command line: `--param name=value`, `--body FILE` (`cargo xtask call`).
    CommandLine,
}

impl Inputs {
    fn named_in(self) -> &'static str {
        match self {
            Self::ChecksFile => "sentinels/checks.yaml",
            Self::CommandLine => "the command line",
        }
    }

    fn missing(self, name: &str, location: ParamLocation) -> String {
        match self {
            Self::ChecksFile => format!("parameter `{name}` in sentinels/checks.yaml"),
            Self::CommandLine => format!("--param {name}=… ({location:?} parameter)"),
        }
    }

    fn missing_body(self) -> &'static str {
        match self {
            Self::ChecksFile => "a request body, which a read-only sentinel check never sends",
            Self::CommandLine => "a request body: --body FILE (JSON)",
        }
    }
}

/// A loaded contract with its policy and runtime tables.
pub struct Target {
    /// `provider.resource.vN`.
    pub name: String,
    /// The contract.
    pub contract: Contract,
    /// Its provider policy.
    pub policy: Policy,
    /// The tables a generated crate would carry (leaked: they live as long as the process),
    /// or the linked generated crate's own.
    pub defaults: &'static RequestDefaults,
    /// The linked generated crate's typed deserializer, when there is one.
    pub deserialize: Option<Deserialize>,
    /// Where operations and parameters come from (for error messages).
    pub inputs: Inputs,
}

impl Target {
    /// Load `provider.resource.vN` under `root`.
    pub fn load(root: &Path, name: &str) -> Result<Self, SentinelError> {
        let path = contract_path(root, name)?;
        let contract = Contract::load(&path)?;
        let policy_path = contract.policy_path();
        let policy_text =
            std::fs::read_to_string(&policy_path).map_err(SentinelError::io(&policy_path))?;
        let policy = Policy::from_text(&policy_path, &policy_text)?;
        let contract_text = std::fs::read_to_string(&path).map_err(SentinelError::io(&path))?;
        let ops: Vec<OperationMeta> = contract
            .doc
            .operations
            .iter()
            .map(|op| meta(op, &policy))
            .collect();
        let headers: Vec<(&'static str, &'static str)> = vec![
            (
                leak(policy.headers.version.name.to_ascii_lowercase()),
                leak(policy.headers.version.value.clone()),
            ),
            ("accept", leak(policy.headers.accept.value.clone())),
            ("user-agent", leak(policy.headers.user_agent.value.clone())),
        ];
        let secs = |s: f64| Duration::from_secs_f64(s.max(0.0));
        let defaults: &'static RequestDefaults = Box::leak(Box::new(RequestDefaults {
            provider: leak(policy.provider.clone()),
            production_base_url: leak(policy.base_urls.production.value.clone()),
            base_url_env: leak(policy.base_urls.override_env.clone()),
            headers: Box::leak(headers.into_boxed_slice()),
            connect_timeout: secs(policy.timeouts.connect.value),
            attempt_timeout: secs(policy.timeouts.attempt.value),
            overall_timeout: secs(policy.timeouts.overall.value),
            policy: leak(policy_text),
            contract: leak(contract_text),
            contract_path: leak(contract.name.contract_path()),
            operations: Box::leak(ops.into_boxed_slice()),
        }));
        Ok(Self {
            name: name.to_owned(),
            contract,
            policy,
            defaults,
            deserialize: None,
            inputs: Inputs::ChecksFile,
        })
    }

    /// Load `provider.resource.vN` and run it on the tables of the generated crate linked
    /// into this binary, which must have been built from the same contract file.
    pub fn load_linked(root: &Path, linked: &Linked) -> Result<Self, SentinelError> {
        let mut target = Self::load(root, linked.contract)?;
        if linked.defaults.contract != target.defaults.contract {
            return Err(target.error(
                "this sentinel binary was built from another version of the contract file: rebuild it (`cargo xtask sentinel` does)".to_owned(),
            ));
        }
        target.defaults = linked.defaults;
        target.deserialize = Some(linked.deserialize);
        Ok(target)
    }

    fn error(&self, message: String) -> SentinelError {
        SentinelError::Target {
            contract: self.name.clone(),
            message,
        }
    }

    /// Index of an operation, or an error listing the ones there are.
    pub fn operation_index(&self, id: &str) -> Result<usize, SentinelError> {
        let ops = &self.contract.doc.operations;
        ops.iter().position(|o| o.id == id).ok_or_else(|| {
            let ids: Vec<&str> = ops.iter().map(|o| o.id.as_str()).collect();
            self.error(format!(
                "has no operation `{id}`; it has: {} (named in {})",
                ids.join(", "),
                self.inputs.named_in()
            ))
        })
    }

    /// The request for operation `index` with `params` (name, value) and an optional JSON
    /// body, in the provider's wire format (policy headers, form encoding), exactly as a
    /// generated client sends it.
    pub fn request(
        &self,
        inner: &Engine,
        base: &str,
        index: usize,
        params: &[(String, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<reqwest::Request, SentinelError> {
        let op = &self.contract.doc.operations[index];
        let mut path = op.path.clone();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        if let Some((k, _)) = params
            .iter()
            .find(|(k, _)| !op.parameters.iter().any(|p| &p.name == k))
        {
            let names: Vec<&str> = op.parameters.iter().map(|p| p.name.as_str()).collect();
            return Err(self.error(format!(
                "`{}` has no parameter `{k}`; it has: {} (given in {})",
                op.id,
                names.join(", "),
                self.inputs.named_in()
            )));
        }
        for p in &op.parameters {
            let values: Vec<&String> = params
                .iter()
                .filter(|(k, _)| k == &p.name)
                .map(|(_, v)| v)
                .collect();
            let Some(value) = values.first() else {
                if p.required {
                    return Err(self.error(format!(
                        "`{}` needs {}",
                        op.id,
                        self.inputs.missing(&p.name, p.location)
                    )));
                }
                continue;
            };
            match p.location {
                ParamLocation::Path => {
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                    path = path.replace(&format!("{{{}}}", p.name), &encoded.replace('+', "%20"));
                }
                // A repeated query parameter is sent once per value.
                ParamLocation::Query => {
                    query.extend(values.iter().map(|v| (p.name.clone(), (*v).clone())));
                }
                ParamLocation::Header => headers.push((p.name.clone(), (*value).clone())),
                ParamLocation::Cookie => {
                    return Err(
                        self.error(format!("cookie parameter `{}` is not supported", p.name))
                    )
                }
            }
        }
        let mut url = reqwest::Url::parse(&format!("{}{}", base.trim_end_matches('/'), path))
            .map_err(|e| self.error(format!("base URL `{base}` + path `{path}`: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        let method = reqwest::Method::from_bytes(op.method.to_ascii_uppercase().as_bytes())
            .map_err(|e| self.error(e.to_string()))?;
        let mut request = reqwest::Request::new(method, url);
        for (k, v) in headers {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| self.error(format!("header `{k}`: {e}")))?;
            let value = reqwest::header::HeaderValue::from_str(&v)
                .map_err(|e| self.error(format!("header `{k}`: {e}")))?;
            request.headers_mut().insert(name, value);
        }
        if let Some(json) = body {
            let bytes = serde_json::to_vec(json).map_err(|e| self.error(e.to_string()))?;
            *request.body_mut() = Some(bytes.into());
            request.headers_mut().insert(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            );
        } else if op.request_body.as_ref().is_some_and(|b| b.required) {
            return Err(self.error(format!("`{}` needs {}", op.id, self.inputs.missing_body())));
        }
        inner
            .prepare(&mut request, self.defaults.operations[index].id)
            .map_err(|e| self.error(e.to_string()))?;
        Ok(request)
    }
}

/// The runtime's view of an operation (what a generated crate's `OPERATIONS` holds).
fn meta(op: &tether_contract::Operation, policy: &Policy) -> OperationMeta {
    let form_body = op.request_body.as_ref().is_some_and(|b| {
        b.content
            .iter()
            .any(|m| m.media_type == "application/x-www-form-urlencoded")
    });
    let deep: Vec<&'static str> = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Query && p.style.as_deref() == Some("deepObject"))
        .filter(|p| p.schema.get("type").and_then(|t| t.as_str()) == Some("array"))
        .map(|p| leak(p.name.clone()))
        .collect();
    let scopes: Vec<&'static str> = policy
        .scopes
        .get(&op.id)
        .map(|s| s.value.iter().map(|v| leak(v.clone())).collect())
        .unwrap_or_default();
    OperationMeta {
        id: leak(op.id.clone()),
        rust_name: leak(op.id.clone()),
        method: leak(op.method.to_ascii_uppercase()),
        path: leak(op.path.clone()),
        idempotent: op.is_idempotent_method(),
        paginated: policy.paginates(op),
        idempotency_key: policy.idempotency.operations.iter().any(|o| o == &op.id),
        form_body,
        // Sentinel checks and `xtask call` send JSON or nothing.
        body_media_type: None,
        multipart: None,
        deep_object_arrays: Box::leak(deep.into_boxed_slice()),
        scopes: Box::leak(scopes.into_boxed_slice()),
    }
}
