//! `cargo xtask call <provider>.<resource>.v<N> <operationId>`: one call through the full
//! runtime stack (policy headers, auth from env, limits, retries, breaker, validation,
//! telemetry), built from the contract at run time (`tether_sentinel::target::Target`, the
//! same tables and request builder the sentinel uses), so any contract works without its
//! generated crate. Response JSON on stdout, JSON log lines on stderr.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use tether_runtime::{CallOptions, ClientBuilder, Credentials};
use tether_sentinel::target::{Inputs, Target};

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

/// Run one call.
pub fn run(root: &Path, args: &CallArgs<'_>) -> Result<Outcome> {
    let mut loaded = Target::load(root, args.contract)?;
    loaded.inputs = Inputs::CommandLine;
    let index = loaded.operation_index(args.operation)?;
    let mut settings = ClientBuilder::parts(loaded.defaults);
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
