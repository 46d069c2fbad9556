//! Running one provider's checks: live with its credential, else offline against an
//! in-process `tether-sandbox`.
//!
//! Calls go through the runtime (`Engine::execute`) on the linked generated crate's
//! `DEFAULTS`, with the request built from the contract ([`Target::request`]), not through
//! the typed builders (`client.repos_get().owner(…).repo(…).call()`): a builder takes typed
//! setters per operation (checks.yaml holds strings, so each crate would need a generated
//! string→setter dispatch), and `call()` hands back the typed value, not the status,
//! headers and raw bytes drift classification needs (`Engine::execute`, which both paths
//! share, does). The builders' own encoding is covered by the client tests instead;
//! the generated types are checked here through `deserialize_response`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tether_contract::validate::{ContractValidator, ValidatorOptions};
use tether_runtime::{CallOptions, ClientBuilder, Credentials, Secret, ValidationMode};

use crate::config::Checks;
use crate::drift::{latency, operational, Classifier};
use crate::result::{CheckResult, Finding, Latency, ProviderResult, Severity};
use crate::target::Target;
use crate::SentinelError;

/// Where a provider is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Live when the provider's credential is in the environment, else offline.
    Auto,
    /// The real provider (its credential is required).
    Live,
    /// The in-process sandbox.
    Offline,
}

/// Options of one provider's run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Workspace root (contracts/, fixtures/, sentinels/).
    pub root: PathBuf,
    /// The provider, e.g. `github`.
    pub provider: String,
    /// Mode.
    pub mode: Mode,
    /// Drift injected into the offline sandbox (tests, demos), as `tether-sandbox` parses it.
    pub drift: Vec<String>,
    /// Where observed payloads go (`<dir>/observed/<contract>/…`); none when `None`.
    pub observed_dir: Option<PathBuf>,
    /// The generated client crates linked into the running binary. Empty: tables are built
    /// from the contract files (library use, tests). Otherwise every checked contract must
    /// be linked, calls run on the generated crate's tables and each response must also
    /// deserialize into the generated type.
    pub linked: Vec<crate::target::Linked>,
    /// Calls per check (at least 1): the latency percentiles are taken over them, and
    /// every response is classified (findings are merged).
    pub repeat: u32,
}

/// Run every check of one provider; `progress` sees each check as it completes.
pub fn run_provider(
    options: &RunOptions,
    progress: &mut dyn FnMut(&CheckResult),
) -> Result<ProviderResult, SentinelError> {
    let checks = Checks::load(&options.root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| SentinelError::Sandbox(format!("cannot start the async runtime: {e}")))?;
    let drift = options
        .drift
        .iter()
        .map(|d| tether_sandbox::Drift::parse(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SentinelError::Sandbox(e.to_string()))?;
    let mut sandbox_url: Option<String> = None;
    let mut results = Vec::new();
    let mut provider_mode = "offline";
    for (contract_name, ops) in checks.for_provider(&options.provider) {
        let target = if options.linked.is_empty() {
            Target::load(&options.root, contract_name)?
        } else {
            let linked = options
                .linked
                .iter()
                .find(|l| l.contract == contract_name)
                .ok_or_else(|| SentinelError::Target {
                    contract: contract_name.clone(),
                    message: format!(
                        "sentinels/checks.yaml checks it, but the sentinel-{} binary links no generated client for it: add its crate to sentinels/{}/Cargo.toml and to `LINKED` in its main.rs",
                        options.provider, options.provider
                    ),
                })?;
            Target::load_linked(&options.root, linked)?
        };
        let creds = Credentials::from_env(&target.policy);
        let live = match (options.mode, &creds) {
            (Mode::Offline, _) => false,
            (Mode::Live | Mode::Auto, Ok(_)) => true,
            (Mode::Live, Err(e)) => return Err(SentinelError::Credentials(e.to_string())),
            (Mode::Auto, Err(_)) => false,
        };
        if live {
            provider_mode = "live";
        }
        // The runtime does not validate: the sentinel classifies each exchange itself so
        // body findings and response headers (deprecation, headroom) are both in hand.
        let validator = ContractValidator::new(&target.contract.doc, &ValidatorOptions::default())?;
        let mut settings = ClientBuilder::parts(target.defaults).validation(ValidationMode::Off);
        if live {
            if let Ok(c) = creds {
                settings = settings.credentials(c);
            }
        } else {
            let url = match &sandbox_url {
                Some(u) => u.clone(),
                None => {
                    let sandbox = tether_sandbox::Sandbox::load(&options.root)
                        .and_then(|s| s.with_drift(drift.clone()))
                        .map_err(|e| SentinelError::Sandbox(e.to_string()))?;
                    let (addr, _task) = runtime
                        .block_on(Arc::new(sandbox).serve(([127, 0, 0, 1], 0).into()))
                        .map_err(|e| SentinelError::Sandbox(e.to_string()))?;
                    let u = format!("http://{addr}");
                    sandbox_url = Some(u.clone());
                    u
                }
            };
            settings = settings
                .base_url(url)
                .credentials(Credentials::Bearer(Secret::new("tether-sandbox")));
        }
        let (base, http, inner) = settings.into_parts().map_err(|e| SentinelError::Target {
            contract: contract_name.clone(),
            message: e.to_string(),
        })?;
        for (operation, params) in ops {
            let index = target.operation_index(operation)?;
            let params: Vec<(String, String)> =
                params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let meta = &target.defaults.operations[index];
            let classifier = Classifier::new(&options.root, &target, &validator, operation);
            let mut check = CheckResult {
                contract: contract_name.clone(),
                operation: operation.clone(),
                mode: if live { "live" } else { "offline" }.to_owned(),
                status: None,
                latency_ms: 0,
                latency: Latency::default(),
                ratelimit_remaining: None,
                ratelimit_limit: None,
                error: None,
                findings: Vec::new(),
            };
            let repeat = options.repeat.max(1);
            let mut samples = Vec::with_capacity(repeat as usize);
            for call in 1..=repeat {
                // Each call sends a request of its own (sending consumes it).
                let request = target.request(&inner, &base, index, &params, None)?;
                let started = Instant::now();
                let result =
                    runtime.block_on(inner.execute(&http, request, meta, &CallOptions::new()));
                samples.push(started.elapsed().as_millis() as u64);
                let of_calls = if repeat > 1 {
                    format!(" (call {call} of {repeat})")
                } else {
                    String::new()
                };
                let x = match result {
                    Ok(x) => x,
                    Err(e) => {
                        check.error.get_or_insert_with(|| format!("{e}{of_calls}"));
                        continue;
                    }
                };
                if call == 1 {
                    check.status = Some(x.status);
                }
                let pairs: Vec<(String, String)> = x
                    .headers
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                let mut findings = classifier.classify(x.status, &pairs, &x.body);
                if let Some(deserialize) = target.deserialize {
                    if let Err(e) = deserialize(operation, x.status, &x.body) {
                        findings.push(Finding {
                            severity: Severity::Breaking,
                            kind: "generated-type".to_owned(),
                            pointer: String::new(),
                            evidence: format!(
                                "the generated client cannot read this {} response: {e}",
                                x.status
                            ),
                        });
                    }
                }
                let number = |name: &str| {
                    x.headers
                        .get(name)
                        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                };
                let (remaining, limit) =
                    (number("x-ratelimit-remaining"), number("x-ratelimit-limit"));
                // Keep the lowest headroom seen over the calls.
                if remaining.is_some()
                    && (check.ratelimit_remaining.is_none()
                        || remaining < check.ratelimit_remaining)
                {
                    check.ratelimit_remaining = remaining;
                    check.ratelimit_limit = limit;
                }
                findings.extend(operational(&target, &x.headers, remaining, limit));
                // A finding seen on several calls is reported once (the first evidence).
                for f in findings {
                    if !check.findings.iter().any(|g| {
                        g.severity == f.severity && g.kind == f.kind && g.pointer == f.pointer
                    }) {
                        check.findings.push(f);
                    }
                }
                if x.status >= 400 && check.error.is_none() && !check.is_breaking() {
                    check.error = Some(format!("HTTP {}{of_calls}", x.status));
                }
                if call == 1 {
                    if let Some(dir) = &options.observed_dir {
                        crate::observed::save(dir, contract_name, operation, x.status, &x.body)?;
                    }
                }
            }
            check.latency = Latency::of(samples);
            check.latency_ms = check.latency.p50_ms;
            check.findings.extend(latency(&target, &check.latency));
            progress(&check);
            results.push(check);
        }
    }
    Ok(ProviderResult {
        provider: options.provider.clone(),
        mode: provider_mode.to_owned(),
        checks: results,
    })
}
