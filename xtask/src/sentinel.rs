//! `cargo xtask sentinel`: call each provider's read-only sentinel checks
//! (`sentinels/checks.yaml`) through the full runtime, validate every response against
//! the contract, and report drift. Mode per provider: live when its credential is in the environment,
//! otherwise offline against an in-process `tether-sandbox`.
//!
//! This is the first slice of the sentinel issue: findings come from the contract
//! validator (breaking), the policy's deprecation headers and rate-limit headroom
//! (operational). Not yet: additive findings (undeclared new fields), per-provider
//! sentinel binaries, the `--upstream` diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tether_runtime::{CallOptions, Credentials, Secret, Settings, ValidationMode};

use crate::call::Loaded;

/// Where a provider was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Live when credentials are set, else offline.
    Auto,
    /// The real provider (credentials required).
    Live,
    /// The in-process sandbox.
    Offline,
}

/// Options of one run.
pub struct Args {
    /// Only these providers (all when empty).
    pub providers: Vec<String>,
    /// Mode.
    pub mode: Mode,
    /// Where the reports go.
    pub report_dir: PathBuf,
    /// Drift injected into the offline sandbox (tests, demos).
    pub drift: Vec<String>,
}

/// One finding.
#[derive(Debug, Clone)]
struct Finding {
    severity: &'static str,
    kind: String,
    pointer: String,
    evidence: String,
}

/// One check.
#[derive(Debug, Clone)]
struct Check {
    contract: String,
    operation: String,
    mode: &'static str,
    status: Option<u16>,
    latency_ms: u64,
    findings: Vec<Finding>,
    error: Option<String>,
    ratelimit_remaining: Option<u64>,
}

/// Exit code: 0 no breaking drift, 1 breaking drift, 2 could not check.
pub fn run(root: &Path, args: &Args) -> Result<u8> {
    let checks_path = root.join("sentinels/checks.yaml");
    let text =
        std::fs::read_to_string(&checks_path).with_context(|| checks_path.display().to_string())?;
    let config: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>> =
        serde_yaml::from_str(&text).with_context(|| {
            format!(
                "{}: expected contract → operation → parameters",
                checks_path.display()
            )
        })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let drift = args
        .drift
        .iter()
        .map(|d| tether_sandbox::Drift::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sandbox_url: Option<String> = None;
    let mut results = Vec::new();
    for (contract_name, ops) in &config {
        let provider = contract_name
            .split('.')
            .next()
            .unwrap_or_default()
            .to_owned();
        if !args.providers.is_empty() && !args.providers.contains(&provider) {
            continue;
        }
        let loaded = Loaded::load(root, contract_name)?;
        let creds = Credentials::from_env(&loaded.policy);
        let live = match (args.mode, &creds) {
            (Mode::Offline, _) => false,
            (Mode::Live, Ok(_)) | (Mode::Auto, Ok(_)) => true,
            (Mode::Live, Err(e)) => bail!("--live: {e}"),
            (Mode::Auto, Err(_)) => false,
        };
        // The runtime does not validate here: the sentinel validates each exchange itself,
        // so a breaking finding and the response headers (deprecation, headroom) are
        // both in hand.
        let validator = tether_contract::validate::ContractValidator::new(
            &loaded.contract.doc,
            &tether_contract::validate::ValidatorOptions::default(),
        )?;
        let mut settings = Settings::parts(loaded.defaults).validation(ValidationMode::Off);
        if live {
            settings = settings.credentials(creds.map_err(|e| anyhow!("{e}"))?);
        } else {
            let url = match &sandbox_url {
                Some(u) => u.clone(),
                None => {
                    let sandbox = tether_sandbox::Sandbox::load(root)?.with_drift(drift.clone())?;
                    let (addr, _task) =
                        runtime.block_on(Arc::new(sandbox).serve(([127, 0, 0, 1], 0).into()))?;
                    let u = format!("http://{addr}");
                    sandbox_url = Some(u.clone());
                    u
                }
            };
            settings = settings
                .base_url(url)
                .credentials(Credentials::Bearer(Secret::new("tether-sandbox")));
        }
        let (base, http, inner) = settings.into_parts().map_err(|e| anyhow!("{e}"))?;
        for (operation, params) in ops {
            let index = loaded.operation_index(operation)?;
            let params: Vec<(String, String)> =
                params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let request = loaded.request(&inner, &base, index, &params, None)?;
            let meta = &loaded.defaults.operations[index];
            let started = Instant::now();
            let result = runtime.block_on(inner.execute(&http, request, meta, &CallOptions::new()));
            let latency_ms = started.elapsed().as_millis() as u64;
            let mut check = Check {
                contract: contract_name.clone(),
                operation: operation.clone(),
                mode: if live { "live" } else { "offline" },
                status: None,
                latency_ms,
                findings: Vec::new(),
                error: None,
                ratelimit_remaining: None,
            };
            match result {
                Ok(x) => {
                    check.status = Some(x.status);
                    let pairs: Vec<(String, String)> = x
                        .headers
                        .iter()
                        .filter_map(|(k, v)| {
                            Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned()))
                        })
                        .collect();
                    if let Err(violations) =
                        validator.validate_response(operation, x.status, &pairs, &x.body)
                    {
                        for v in violations {
                            check.findings.push(Finding {
                                severity: "breaking",
                                kind: v.keyword.clone(),
                                pointer: v.pointer.clone(),
                                evidence: v.message.clone(),
                            });
                        }
                    }
                    let limit = x
                        .headers
                        .get("x-ratelimit-limit")
                        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                    check.ratelimit_remaining = x
                        .headers
                        .get("x-ratelimit-remaining")
                        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                    for name in &loaded.policy.deprecation_headers {
                        if let Some(v) = x.headers.get(name.as_str()).and_then(|v| v.to_str().ok())
                        {
                            check.findings.push(Finding {
                                severity: "operational",
                                kind: "deprecation-header".into(),
                                pointer: format!("/headers/{}", name.to_ascii_lowercase()),
                                evidence: v.to_owned(),
                            });
                        }
                    }
                    if let (Some(r), Some(l)) = (check.ratelimit_remaining, limit) {
                        if r.saturating_mul(10) < l {
                            check.findings.push(Finding {
                                severity: "operational",
                                kind: "rate-limit-headroom".into(),
                                pointer: "/headers/x-ratelimit-remaining".into(),
                                evidence: format!("{r} of {l} left"),
                            });
                        }
                    }
                    if latency_ms > loaded.defaults.attempt_timeout.as_millis() as u64 {
                        check.findings.push(Finding {
                            severity: "operational",
                            kind: "latency".into(),
                            pointer: String::new(),
                            evidence: format!("{latency_ms} ms > attempt timeout"),
                        });
                    }
                    if x.status >= 400 && check.findings.iter().all(|f| f.severity != "breaking") {
                        check.error = Some(format!("HTTP {}", x.status));
                    }
                    save_observed(
                        &args.report_dir,
                        contract_name,
                        operation,
                        x.status,
                        &x.body,
                    )?;
                }
                Err(e) => check.error = Some(e.to_string()),
            }
            tracing::info!(target: "xtask::sentinel", contract = %check.contract, operation = %check.operation, mode = check.mode, status = check.status, findings = check.findings.len(), error = check.error.as_deref(), "sentinel check");
            results.push(check);
        }
    }
    write_reports(&args.report_dir, &results)?;
    let breaking = results
        .iter()
        .any(|c| c.findings.iter().any(|f| f.severity == "breaking"));
    let failed = results.iter().any(|c| c.error.is_some());
    Ok(if breaking {
        1
    } else if failed || results.is_empty() {
        2
    } else {
        0
    })
}

fn save_observed(
    dir: &Path,
    contract: &str,
    operation: &str,
    status: u16,
    body: &[u8],
) -> Result<()> {
    // Observed payloads become fixture envelopes a person can promote; headers are left
    // out (they carry request ids and cookies), the body is kept as the provider sent it.
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let out = dir.join("observed").join(contract);
    std::fs::create_dir_all(&out)?;
    let envelope = json!({"operation": operation, "kind": "response", "status": status, "body": body, "source": "cargo xtask sentinel (observed)"});
    let file = out.join(format!(
        "{}.observed.json",
        tether_contract::fixture::file_prefix(operation)
    ));
    crate::workspace::write_atomic(
        &file,
        format!("{}\n", serde_json::to_string_pretty(&envelope)?).as_bytes(),
    )
}

fn write_reports(dir: &Path, results: &[Check]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let checks: Vec<Value> = results
        .iter()
        .map(|c| {
            json!({
                "contract": c.contract, "operation": c.operation, "mode": c.mode, "status": c.status,
                "latency_ms": c.latency_ms, "ratelimit_remaining": c.ratelimit_remaining, "error": c.error,
                "findings": c.findings.iter().map(|f| json!({"severity": f.severity, "kind": f.kind, "pointer": f.pointer, "evidence": f.evidence})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let report = json!({"checks": checks});
    crate::workspace::write_atomic(
        &dir.join("report.json"),
        format!("{}\n", serde_json::to_string_pretty(&report)?).as_bytes(),
    )?;

    let mut md = String::from("# Sentinel report\n\n| contract | operation | mode | status | latency | findings |\n|---|---|---|---|---|---|\n");
    for c in results {
        let findings = if let Some(e) = &c.error {
            format!("could not check: {}", e.replace('|', "/"))
        } else if c.findings.is_empty() {
            "none".to_owned()
        } else {
            c.findings
                .iter()
                .map(|f| format!("{} {} `{}`", f.severity, f.kind, f.pointer))
                .collect::<Vec<_>>()
                .join("; ")
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} ms | {} |\n",
            c.contract,
            c.operation,
            c.mode,
            c.status.map_or("-".to_owned(), |s| s.to_string()),
            c.latency_ms,
            findings
        ));
    }
    crate::workspace::write_atomic(&dir.join("report.md"), md.as_bytes())?;

    let failures = results
        .iter()
        .filter(|c| c.error.is_some() || c.findings.iter().any(|f| f.severity == "breaking"))
        .count();
    let mut xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"tether-sentinel\" tests=\"{}\" failures=\"{failures}\">\n", results.len());
    for c in results {
        xml.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            esc(&c.contract),
            esc(&c.operation),
            c.latency_ms as f64 / 1000.0
        ));
        let breaking: Vec<&Finding> = c
            .findings
            .iter()
            .filter(|f| f.severity == "breaking")
            .collect();
        if let Some(e) = &c.error {
            xml.push_str(&format!("<failure message=\"{}\"/>", esc(e)));
        } else if !breaking.is_empty() {
            let msg = breaking
                .iter()
                .map(|f| format!("{} {}", f.kind, f.pointer))
                .collect::<Vec<_>>()
                .join("; ");
            xml.push_str(&format!(
                "<failure message=\"breaking drift: {}\"/>",
                esc(&msg)
            ));
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("</testsuite>\n");
    crate::workspace::write_atomic(&dir.join("junit.xml"), xml.as_bytes())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
