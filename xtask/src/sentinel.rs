//! `cargo xtask sentinel`: build the per-provider sentinel binaries (`sentinels/<provider>`,
//! crates `sentinel-<provider>`), run them (each live with its credential, else offline
//! against its in-process sandbox), relay their progress lines, and aggregate their result
//! files into `report.json`, `report.md`, `junit.xml` (and Prometheus text with
//! `--metrics-file`). With `--upstream FILE`, each contract of the selected providers is
//! also diffed against a newer upstream description, restricted to the operations the
//! contract has, and what changed is reported as findings (mode `upstream`).
//!
//! Exit 0: no breaking drift; 1: breaking drift; 2: could not check.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use tether_sentinel::config::Checks;
use tether_sentinel::result::exit_code;
use tether_sentinel::{CheckResult, Finding, ProviderResult, Severity};

pub use tether_sentinel::Mode;

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
    /// A newer upstream description to diff the contracts against.
    pub upstream: Option<PathBuf>,
    /// Prometheus text file for a node-exporter textfile collector.
    pub metrics_file: Option<PathBuf>,
    /// Calls per check (latency p50/p95/max are taken over them); at least 1.
    pub repeat: u32,
}

/// Exit code: 0 no breaking drift, 1 breaking drift, 2 could not check.
pub fn run(root: &Path, args: &Args) -> Result<u8> {
    let checks = Checks::load(root)?;
    let known = checks.providers();
    let providers: Vec<String> = if args.providers.is_empty() {
        known.clone()
    } else {
        for p in &args.providers {
            if !known.contains(p) {
                bail!(
                    "--provider {p}: sentinels/checks.yaml has no checks for it; known: {}",
                    known.join(", ")
                );
            }
        }
        known
            .iter()
            .filter(|p| args.providers.contains(p))
            .cloned()
            .collect()
    };
    let binaries = build(root, &providers)?;
    let results_dir = args.report_dir.join("providers");
    std::fs::create_dir_all(&results_dir)
        .with_context(|| format!("cannot create {}", results_dir.display()))?;

    // Providers run side by side: each binary has its own sandbox and runtime.
    let mut could_not_check = false;
    let outcomes: Vec<Result<(String, Option<ProviderResult>, u8)>> = std::thread::scope(|s| {
        let handles: Vec<_> = providers
            .iter()
            .zip(&binaries)
            .map(|(provider, bin)| {
                let out = results_dir.join(format!("{provider}.json"));
                s.spawn(move || run_one(root, provider, bin, &out, args))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("a sentinel thread panicked")))
            })
            .collect()
    });
    let mut results = Vec::new();
    for outcome in outcomes {
        let (provider, result, code) = outcome?;
        match result {
            Some(r) => results.push(r),
            None => {
                eprintln!("[{provider}] could not check (exit {code})");
                could_not_check = true;
            }
        }
    }
    if let Some(upstream) = &args.upstream {
        for provider in &providers {
            let checks = upstream_checks(root, &checks, provider, upstream)?;
            for c in &checks {
                println!("[{provider}] {}", c.progress_line());
            }
            match results.iter_mut().find(|r| &r.provider == provider) {
                Some(r) => r.checks.extend(checks),
                None => results.push(ProviderResult {
                    provider: provider.clone(),
                    mode: "upstream".into(),
                    checks,
                }),
            }
        }
    }
    tether_sentinel::report::write_reports(&args.report_dir, &results)?;
    let all: Vec<CheckResult> = results.iter().flat_map(|r| r.checks.clone()).collect();
    let code = match exit_code(&all) {
        1 => 1,
        _ if could_not_check => 2,
        c => c,
    };
    if let Some(file) = &args.metrics_file {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        tether_sentinel::report::write_metrics(file, &results, code, now)?;
    }
    Ok(code)
}

/// `cargo build` the sentinel binaries; returns their paths, in `providers` order.
fn build(root: &Path, providers: &[String]) -> Result<Vec<PathBuf>> {
    let mut args: Vec<String> = vec![
        "build".into(),
        "--quiet".into(),
        "--message-format=json-render-diagnostics".into(),
    ];
    for p in providers {
        args.push("-p".into());
        args.push(format!("sentinel-{p}"));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = duct::cmd(cargo, &args)
        .dir(root)
        .stdout_capture()
        .unchecked()
        .run()
        .context("cannot run cargo to build the sentinel binaries")?;
    if !out.status.success() {
        bail!(
            "building the sentinel binaries failed (cargo {}); fix the build errors above",
            args.join(" ")
        );
    }
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let (Some(name), Some(exe)) = (
            msg.pointer("/target/name").and_then(Value::as_str),
            msg.get("executable").and_then(Value::as_str),
        ) {
            found.push((name.to_owned(), PathBuf::from(exe)));
        }
    }
    providers
        .iter()
        .map(|p| {
            let name = format!("sentinel-{p}");
            found
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, exe)| exe.clone())
                .ok_or_else(|| {
                    anyhow!(
                        "no binary `{name}`: every provider in sentinels/checks.yaml needs a \
                         crate sentinels/{p} (package `{name}`) calling tether_sentinel::cli::run"
                    )
                })
        })
        .collect()
}

/// Run one sentinel binary, relaying its progress lines; read its result file.
fn run_one(
    root: &Path,
    provider: &str,
    bin: &Path,
    out: &Path,
    args: &Args,
) -> Result<(String, Option<ProviderResult>, u8)> {
    let _ = std::fs::remove_file(out);
    let mode = match args.mode {
        Mode::Auto => "auto",
        Mode::Live => "live",
        Mode::Offline => "offline",
    };
    let mut argv: Vec<String> = vec![
        "--root".into(),
        root.display().to_string(),
        "--mode".into(),
        mode.into(),
        "--report-dir".into(),
        args.report_dir.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    for d in &args.drift {
        argv.push("--drift".into());
        argv.push(d.clone());
    }
    if args.repeat > 1 {
        argv.push("--repeat".into());
        argv.push(args.repeat.to_string());
    }
    let reader = duct::cmd(bin, &argv)
        .unchecked()
        .reader()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    for line in std::io::BufReader::new(&reader).lines() {
        println!("[{provider}] {}", line?);
    }
    let code = reader
        .try_wait()?
        .and_then(|o| o.status.code())
        .map_or(2, |c| u8::try_from(c).unwrap_or(2));
    let result = match std::fs::read_to_string(out) {
        Ok(text) => Some(
            serde_json::from_str::<ProviderResult>(&text)
                .with_context(|| format!("{}: not a sentinel result", out.display()))?,
        ),
        Err(_) => None,
    };
    Ok((provider.to_owned(), result, code))
}

/// Diff each contract of `provider` against `upstream`, restricted to the contract's
/// operations: one check (mode `upstream`) per operation with changes.
fn upstream_checks(
    root: &Path,
    checks: &Checks,
    provider: &str,
    upstream: &Path,
) -> Result<Vec<CheckResult>> {
    let newer = crate::diff::load(upstream)?;
    let mut out = Vec::new();
    for (contract, _) in checks.for_provider(provider) {
        let target = tether_sentinel::target::Target::load(root, contract)?;
        let ours = &target.contract.doc;
        let ids: Vec<String> = ours.operations.iter().map(|o| o.id.clone()).collect();
        let mut findings_by_op: std::collections::BTreeMap<String, Vec<Finding>> =
            Default::default();
        let present: Vec<String> = ids
            .iter()
            .filter(|id| newer.operation(id).is_some())
            .cloned()
            .collect();
        // Operations the upstream lacks come out of the diff as `operation_removed`.
        {
            let req = tether_contract::extract::ExtractRequest {
                provider: provider.to_owned(),
                resource: target.contract.name.resource.clone(),
                major: target.contract.name.major,
                operations: present,
                upstream_name: upstream.display().to_string(),
                upstream_sha256: newer.sha256.clone(),
            };
            let restricted = if req.operations.is_empty() {
                serde_json::json!({"openapi": "3.0.3", "paths": {}})
            } else {
                tether_contract::extract::extract(&newer.value, &req)
                    .with_context(|| format!("{}: restricting to {contract}", upstream.display()))?
            };
            for change in tether_contract::diff::diff(&ours.value, &restricted) {
                // Operations the upstream has and the contract leaves out are not ours.
                if change.kind == tether_contract::diff::ChangeKind::OperationAdded {
                    continue;
                }
                findings_by_op
                    .entry(change.operation.clone())
                    .or_default()
                    .push(Finding {
                        severity: if change.is_breaking() {
                            Severity::Breaking
                        } else {
                            Severity::Additive
                        },
                        kind: format!("upstream:{}", change.kind.as_str()),
                        pointer: change.pointer.clone(),
                        evidence: change.message.clone(),
                    });
            }
        }
        for (operation, findings) in findings_by_op {
            out.push(CheckResult {
                contract: contract.clone(),
                operation,
                mode: "upstream".into(),
                status: None,
                latency_ms: 0,
                latency: Default::default(),
                ratelimit_remaining: None,
                ratelimit_limit: None,
                error: None,
                findings,
            });
        }
    }
    Ok(out)
}
