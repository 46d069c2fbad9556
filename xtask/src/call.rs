//! `cargo xtask call <provider>.<resource>.v<N> <operationId>`: one call through the full
//! runtime stack (policy headers, auth from env, limits, retries, breaker, validation,
//! telemetry), built from the contract at run time, so any contract works without its
//! generated crate. Response JSON on stdout, JSON log lines on stderr.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use tether_contract::model::ParamLocation;
use tether_contract::{Contract, Policy};
use tether_runtime::{CallOptions, Credentials, OperationMeta, RequestDefaults, Settings};

/// What the call ended with.
pub enum Outcome {
    /// 2xx.
    Success,
    /// The provider answered with an error status.
    ProviderError,
}

/// Arguments of one call.
pub struct CallArgs<'a> {
    /// `github.repos.v1`.
    pub contract: &'a str,
    /// Contract operation id.
    pub operation: &'a str,
    /// `name=value` parameters.
    pub params: &'a [String],
    /// JSON body file.
    pub body: Option<&'a Path>,
    /// Base URL override.
    pub base_url: Option<&'a str>,
}

fn leak(s: impl Into<String>) -> &'static str {
    // A one-shot CLI process: the tables live as long as the process, like the statics
    // a generated crate carries.
    Box::leak(s.into().into_boxed_str())
}

/// Resolve `provider.resource.vN` to its contract file.
pub fn contract_path(root: &Path, name: &str) -> Result<std::path::PathBuf> {
    let mut parts = name.splitn(2, '.');
    let (Some(provider), Some(rest)) = (parts.next(), parts.next()) else {
        bail!("`{name}` is not <provider>.<resource>.v<N> (e.g. github.repos.v1)");
    };
    let path = root
        .join("contracts")
        .join(provider)
        .join(format!("{rest}.yaml"));
    if !path.is_file() {
        bail!("no contract {} for `{name}`; contracts live in contracts/<provider>/<resource>.v<N>.yaml", path.display());
    }
    Ok(path)
}

/// A contract with its policy and the runtime tables built from them.
pub struct Loaded {
    /// The contract.
    pub contract: Contract,
    /// Its provider policy.
    pub policy: Policy,
    /// The tables a generated crate would carry (leaked: they live as long as the process).
    pub defaults: &'static RequestDefaults,
}

impl Loaded {
    /// Load `provider.resource.vN` under `root`.
    pub fn load(root: &Path, name: &str) -> Result<Self> {
        let path = contract_path(root, name)?;
        let contract = Contract::load(&path)?;
        let policy_path = contract.policy_path();
        let policy_text = std::fs::read_to_string(&policy_path)
            .with_context(|| policy_path.display().to_string())?;
        let policy = Policy::from_text(&policy_path, &policy_text)?;
        let ops: Vec<OperationMeta> = contract
            .doc
            .operations
            .iter()
            .map(|op| meta(op, &policy))
            .collect();
        let operations: &'static [OperationMeta] = Box::leak(ops.into_boxed_slice());
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
            contract: leak(std::fs::read_to_string(&path)?),
            contract_path: leak(contract.name.contract_path()),
            operations,
        }));
        Ok(Self {
            contract,
            policy,
            defaults,
        })
    }

    /// Index of an operation, or an error listing the ones there are.
    pub fn operation_index(&self, id: &str) -> Result<usize> {
        let ops = &self.contract.doc.operations;
        ops.iter().position(|o| o.id == id).ok_or_else(|| {
            let ids: Vec<&str> = ops.iter().map(|o| o.id.as_str()).collect();
            anyhow!(
                "`{}` has no operation `{id}`; it has: {}",
                self.contract.name.fixture_dir(),
                ids.join(", ")
            )
        })
    }

    /// The request for operation `index` with `params` (name, value) and an optional
    /// JSON body, in the provider's wire format (policy headers, form encoding).
    pub fn request(
        &self,
        inner: &tether_runtime::Inner,
        base: &str,
        index: usize,
        params: &[(String, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<reqwest::Request> {
        let op = &self.contract.doc.operations[index];
        let mut path_s = op.path.clone();
        let mut query = Vec::new();
        let mut extra_headers = Vec::new();
        for (k, _) in params {
            if !op.parameters.iter().any(|p| &p.name == k) {
                let names: Vec<&str> = op.parameters.iter().map(|p| p.name.as_str()).collect();
                bail!(
                    "`{}` has no parameter `{k}`; it has: {}",
                    op.id,
                    names.join(", ")
                );
            }
        }
        for p in &op.parameters {
            let values: Vec<&String> = params
                .iter()
                .filter(|(k, _)| k == &p.name)
                .map(|(_, v)| v)
                .collect();
            if values.is_empty() {
                if p.required {
                    bail!(
                        "`{}` needs --param {}=… ({:?} parameter)",
                        op.id,
                        p.name,
                        p.location
                    );
                }
                continue;
            }
            match p.location {
                ParamLocation::Path => {
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(values[0].as_bytes()).collect();
                    path_s =
                        path_s.replace(&format!("{{{}}}", p.name), &encoded.replace('+', "%20"));
                }
                ParamLocation::Query => {
                    query.extend(values.iter().map(|v| (p.name.clone(), (*v).clone())))
                }
                ParamLocation::Header => extra_headers.push((p.name.clone(), values[0].clone())),
                ParamLocation::Cookie => bail!("cookie parameter `{}` is not supported", p.name),
            }
        }
        let mut url = reqwest::Url::parse(&format!("{}{}", base.trim_end_matches('/'), path_s))
            .with_context(|| format!("base URL `{base}` + path `{path_s}`"))?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        let method = reqwest::Method::from_bytes(op.method.to_ascii_uppercase().as_bytes())?;
        let mut request = reqwest::Request::new(method, url);
        for (k, v) in extra_headers {
            request.headers_mut().insert(
                reqwest::header::HeaderName::from_bytes(k.as_bytes())?,
                reqwest::header::HeaderValue::from_str(&v)?,
            );
        }
        if let Some(json) = body {
            *request.body_mut() = Some(serde_json::to_vec(json)?.into());
            request.headers_mut().insert(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            );
        } else if op.request_body.as_ref().is_some_and(|b| b.required) {
            bail!("`{}` needs a request body: --body FILE (JSON)", op.id);
        }
        // The policy headers and the wire format (a form-encoded operation's JSON becomes
        // the provider's `a[b]=c` form), exactly as for a generated client.
        inner
            .prepare(&mut request, self.defaults.operations[index].id)
            .map_err(|e| anyhow!("{e}"))?;
        Ok(request)
    }
}

/// Run one call.
pub fn run(root: &Path, args: &CallArgs<'_>) -> Result<Outcome> {
    let loaded = Loaded::load(root, args.contract)?;
    let index = loaded.operation_index(args.operation)?;
    let mut settings = Settings::parts(loaded.defaults);
    if let Some(url) = args.base_url {
        settings = settings.base_url(url);
    }
    match Credentials::from_env(&loaded.policy) {
        Ok(c) => settings = settings.credentials(c),
        Err(e) => tracing::warn!(target: "xtask::call", error = %e, "calling without a credential"),
    }
    let (base, http, inner) = settings.into_parts().map_err(|e| anyhow!("{e}"))?;
    let mut params: Vec<(String, String)> = Vec::new();
    for p in args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow!("--param `{p}` is not name=value"))?;
        params.push((k.to_owned(), v.to_owned()));
    }
    let body = match args.body {
        Some(file) => {
            let text = std::fs::read_to_string(file).with_context(|| file.display().to_string())?;
            Some(
                serde_json::from_str::<serde_json::Value>(&text)
                    .with_context(|| format!("{}: --body takes JSON", file.display()))?,
            )
        }
        None => None,
    };
    let request = loaded.request(&inner, &base, index, &params, body.as_ref())?;
    let meta = &loaded.defaults.operations[index];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let exchange = runtime
        .block_on(inner.execute(&http, request, meta, &CallOptions::new()))
        .map_err(|e| anyhow!("{e}"))?;
    let body: serde_json::Value = serde_json::from_slice(&exchange.body).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&exchange.body).into_owned())
    });
    println!("{}", serde_json::to_string_pretty(&body)?);
    Ok(if exchange.status < 400 {
        Outcome::Success
    } else {
        Outcome::ProviderError
    })
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
        deep_object_arrays: Box::leak(deep.into_boxed_slice()),
        scopes: Box::leak(scopes.into_boxed_slice()),
    }
}
