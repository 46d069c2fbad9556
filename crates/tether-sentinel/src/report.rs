//! Aggregating provider results: `report.json`, `report.md`, `junit.xml` and the
//! operator figures (p95 latency per operation, error rate and rate-limit headroom per
//! provider), also as Prometheus text for a node-exporter textfile collector.
//!
//! `report.json` schema:
//! (JSON Schema: `sentinels/report.schema.json`, checked by the xtask tests)
//! `{checks: [{contract, operation, mode, status, latency_ms, latency: {samples_ms, p50_ms,
//! p95_ms, max_ms}, ratelimit_remaining, ratelimit_limit, error, findings: [{severity, kind,
//! pointer, evidence}]}], providers: [{provider, mode, checks, error_rate, ratelimit:
//! {remaining, limit, headroom} | null, operations: [{contract, operation, samples,
//! p50_latency_ms, p95_latency_ms, max_latency_ms}]}]}`. With `--repeat N` each check holds
//! N latency samples; an operation's figures pool the samples of all its checks.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use crate::observed::write_atomic;
use crate::result::{percentile, CheckResult, Latency, ProviderResult, Severity};
use crate::SentinelError;

/// Latency of one operation over the calls of its checks in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationFigures {
    /// `provider.resource.vN`.
    pub contract: String,
    /// Operation id.
    pub operation: String,
    /// Calls measured.
    pub samples: usize,
    /// Median (nearest rank) of the latencies, milliseconds.
    pub p50_latency_ms: u64,
    /// 95th percentile (nearest rank) of the latencies, milliseconds.
    pub p95_latency_ms: u64,
    /// Slowest call, milliseconds.
    pub max_latency_ms: u64,
}

/// Rate-limit state seen by a provider's checks: the lowest headroom.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headroom {
    /// Requests left in the window.
    pub remaining: u64,
    /// Window size.
    pub limit: u64,
    /// `remaining / limit`.
    pub headroom: f64,
}

/// The figures of one provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderFigures {
    /// `github`.
    pub provider: String,
    /// `live` or `offline`.
    pub mode: String,
    /// Checks run.
    pub checks: usize,
    /// Share of checks that could not be made or got a non-2xx answer (0 to 1).
    pub error_rate: f64,
    /// Lowest rate-limit headroom seen (none when the provider sends no such headers).
    pub ratelimit: Option<Headroom>,
    /// p95 latency per operation.
    pub operations: Vec<OperationFigures>,
    /// Findings per severity.
    pub findings: BTreeMap<String, usize>,
}

/// 95th percentile by nearest rank (`ceil(0.95 n)`-th smallest); 0 for no samples.
pub fn p95(samples: &[u64]) -> u64 {
    percentile(samples, 95)
}

fn failed(c: &CheckResult) -> bool {
    c.error.is_some() || c.status.is_none_or(|s| !(200..300).contains(&s))
}

/// Figures of one provider's result (checks in mode `upstream` are not calls: left out).
pub fn figures(result: &ProviderResult) -> ProviderFigures {
    let calls: Vec<&CheckResult> = result
        .checks
        .iter()
        .filter(|c| c.mode != "upstream")
        .collect();
    let mut by_op: BTreeMap<(&str, &str), Vec<u64>> = BTreeMap::new();
    for c in &calls {
        let samples = by_op
            .entry((c.contract.as_str(), c.operation.as_str()))
            .or_default();
        if c.latency.samples_ms.is_empty() {
            // A result written without per-call samples: its one figure.
            samples.push(c.latency_ms);
        } else {
            samples.extend(&c.latency.samples_ms);
        }
    }
    let operations = by_op
        .into_iter()
        .map(|((contract, operation), samples)| {
            let l = Latency::of(samples);
            OperationFigures {
                contract: contract.to_owned(),
                operation: operation.to_owned(),
                samples: l.samples_ms.len(),
                p50_latency_ms: l.p50_ms,
                p95_latency_ms: l.p95_ms,
                max_latency_ms: l.max_ms,
            }
        })
        .collect();
    let errors = calls.iter().filter(|c| failed(c)).count();
    let error_rate = if calls.is_empty() {
        0.0
    } else {
        errors as f64 / calls.len() as f64
    };
    let ratelimit = calls
        .iter()
        .filter_map(|c| match (c.ratelimit_remaining, c.ratelimit_limit) {
            (Some(remaining), Some(limit)) if limit > 0 => Some(Headroom {
                remaining,
                limit,
                headroom: remaining as f64 / limit as f64,
            }),
            _ => None,
        })
        .min_by(|a, b| a.headroom.total_cmp(&b.headroom));
    let mut findings = BTreeMap::new();
    for s in [
        Severity::Breaking,
        Severity::Additive,
        Severity::Operational,
    ] {
        findings.insert(s.as_str().to_owned(), 0);
    }
    for f in result.checks.iter().flat_map(|c| &c.findings) {
        *findings.entry(f.severity.as_str().to_owned()).or_insert(0) += 1;
    }
    ProviderFigures {
        provider: result.provider.clone(),
        mode: result.mode.clone(),
        checks: calls.len(),
        error_rate,
        ratelimit,
        operations,
        findings,
    }
}

/// Write `report.json`, `report.md` and `junit.xml` into `dir`, each atomically.
pub fn write_reports(dir: &Path, results: &[ProviderResult]) -> Result<(), SentinelError> {
    let checks: Vec<&CheckResult> = results.iter().flat_map(|r| &r.checks).collect();
    let providers: Vec<ProviderFigures> = results.iter().map(figures).collect();
    let report = json!({"checks": checks, "providers": providers});
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    write_atomic(&dir.join("report.json"), format!("{text}\n").as_bytes())?;
    write_atomic(
        &dir.join("report.md"),
        markdown(&checks, &providers).as_bytes(),
    )?;
    write_atomic(&dir.join("junit.xml"), junit(&checks).as_bytes())
}

fn markdown(checks: &[&CheckResult], providers: &[ProviderFigures]) -> String {
    let mut md = String::from("# Sentinel report\n\n| contract | operation | mode | status | calls | latency p50 | p95 | max | findings |\n|---|---|---|---|---|---|---|---|---|\n");
    for c in checks {
        let findings = if let Some(e) = &c.error {
            format!("could not check: {}", e.replace('|', "/"))
        } else if c.findings.is_empty() {
            "none".to_owned()
        } else {
            c.findings
                .iter()
                .map(|f| format!("{} {} `{}`", f.severity.as_str(), f.kind, f.pointer))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let l = &c.latency;
        let (calls, p50, p95, max) = match l.samples_ms.len() {
            0 if c.mode == "upstream" => (
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
            ),
            0 => {
                let ms = format!("{} ms", c.latency_ms);
                ("1".to_owned(), ms.clone(), ms.clone(), ms)
            }
            n => (
                n.to_string(),
                format!("{} ms", l.p50_ms),
                format!("{} ms", l.p95_ms),
                format!("{} ms", l.max_ms),
            ),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {calls} | {p50} | {p95} | {max} | {findings} |",
            c.contract,
            c.operation,
            c.mode,
            c.status.map_or("-".to_owned(), |s| s.to_string()),
        );
    }
    md.push_str("\n| provider | mode | checks | error rate | rate-limit headroom |\n|---|---|---|---|---|\n");
    for p in providers {
        let headroom = p.ratelimit.as_ref().map_or("-".to_owned(), |h| {
            format!(
                "{} of {} ({:.0} %)",
                h.remaining,
                h.limit,
                h.headroom * 100.0
            )
        });
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.0} % | {headroom} |",
            p.provider,
            p.mode,
            p.checks,
            p.error_rate * 100.0
        );
    }
    md
}

fn junit(checks: &[&CheckResult]) -> String {
    let failures = checks
        .iter()
        .filter(|c| c.error.is_some() || c.is_breaking())
        .count();
    let mut xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"tether-sentinel\" tests=\"{}\" failures=\"{failures}\">\n", checks.len());
    for c in checks {
        let _ = write!(
            xml,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            esc(&c.contract),
            esc(&c.operation),
            c.latency_ms as f64 / 1000.0
        );
        let breaking: Vec<String> = c
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Breaking)
            .map(|f| format!("{} {}", f.kind, f.pointer))
            .collect();
        if let Some(e) = &c.error {
            let _ = write!(xml, "<failure message=\"{}\"/>", esc(e));
        } else if !breaking.is_empty() {
            let _ = write!(
                xml,
                "<failure message=\"breaking drift: {}\"/>",
                esc(&breaking.join("; "))
            );
        }
        let warnings: Vec<String> = c
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Breaking)
            .map(|f| format!("{} {} {}", f.severity.as_str(), f.kind, f.pointer))
            .collect();
        if !warnings.is_empty() {
            let _ = write!(
                xml,
                "<system-out>{}</system-out>",
                esc(&warnings.join("\n"))
            );
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("</testsuite>\n");
    xml
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A Prometheus label value: backslash, double quote and newline escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The figures in the Prometheus text exposition format (version 0.0.4), one HELP and
/// TYPE line per metric family. Written by hand: the exporter crates are built around a
/// process-wide recorder and an HTTP listener, and a textfile of a few gauges needs neither.
pub fn prometheus(results: &[ProviderResult], exit_code: u8, unix_time: u64) -> String {
    let figures: Vec<ProviderFigures> = results.iter().map(figures).collect();
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            if labels.is_empty() {
                let _ = writeln!(out, "{name} {value}");
            } else {
                let _ = writeln!(out, "{name}{{{labels}}} {value}");
            }
        }
    };
    family(
        "tether_sentinel_latency_p95_seconds",
        "95th percentile latency of the sentinel checks of an operation in the last run.",
        figures
            .iter()
            .flat_map(|p| {
                p.operations.iter().map(move |o| {
                    (
                        format!(
                            "provider=\"{}\",contract=\"{}\",operation=\"{}\"",
                            label(&p.provider),
                            label(&o.contract),
                            label(&o.operation)
                        ),
                        format!("{}", o.p95_latency_ms as f64 / 1000.0),
                    )
                })
            })
            .collect(),
    );
    let per_provider = |f: &dyn Fn(&ProviderFigures) -> Option<String>| -> Vec<(String, String)> {
        figures
            .iter()
            .filter_map(|p| {
                Some((
                    format!(
                        "provider=\"{}\",mode=\"{}\"",
                        label(&p.provider),
                        label(&p.mode)
                    ),
                    f(p)?,
                ))
            })
            .collect()
    };
    family(
        "tether_sentinel_error_ratio",
        "Share of a provider's sentinel checks that could not be made or got a non-2xx answer.",
        per_provider(&|p| Some(format!("{}", p.error_rate))),
    );
    family(
        "tether_sentinel_ratelimit_headroom_ratio",
        "Lowest remaining/limit rate-limit ratio seen by a provider's sentinel checks.",
        per_provider(&|p| p.ratelimit.as_ref().map(|h| format!("{}", h.headroom))),
    );
    family(
        "tether_sentinel_ratelimit_remaining",
        "Requests left in the rate-limit window at the lowest headroom seen.",
        per_provider(&|p| p.ratelimit.as_ref().map(|h| h.remaining.to_string())),
    );
    family(
        "tether_sentinel_checks",
        "Sentinel checks run per provider in the last run.",
        per_provider(&|p| Some(p.checks.to_string())),
    );
    family(
        "tether_sentinel_findings",
        "Drift findings per provider and severity in the last run.",
        figures
            .iter()
            .flat_map(|p| {
                p.findings.iter().map(move |(severity, n)| {
                    (
                        format!(
                            "provider=\"{}\",severity=\"{}\"",
                            label(&p.provider),
                            label(severity)
                        ),
                        n.to_string(),
                    )
                })
            })
            .collect(),
    );
    family(
        "tether_sentinel_exit_code",
        "Exit code of the last sentinel run (0 no breaking drift, 1 breaking, 2 could not check).",
        vec![(String::new(), exit_code.to_string())],
    );
    family(
        "tether_sentinel_last_run_timestamp_seconds",
        "Unix time the last sentinel run finished.",
        vec![(String::new(), unix_time.to_string())],
    );
    out
}

/// Write [`prometheus`] text to `path` atomically (a textfile collector never reads half a file).
pub fn write_metrics(
    path: &Path,
    results: &[ProviderResult],
    exit_code: u8,
    unix_time: u64,
) -> Result<(), SentinelError> {
    write_atomic(path, prometheus(results, exit_code, unix_time).as_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::result::Finding;

    fn check(
        op: &str,
        latency_ms: u64,
        status: Option<u16>,
        rl: Option<(u64, u64)>,
    ) -> CheckResult {
        CheckResult {
            contract: "github.repos.v1".into(),
            operation: op.into(),
            mode: "offline".into(),
            status,
            latency_ms,
            latency: Latency::of(vec![latency_ms]),
            ratelimit_remaining: rl.map(|r| r.0),
            ratelimit_limit: rl.map(|r| r.1),
            error: None,
            findings: vec![],
        }
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        assert_eq!(p95(&[]), 0);
        assert_eq!(p95(&[7]), 7);
        let hundred: Vec<u64> = (1..=100).rev().collect();
        assert_eq!(p95(&hundred), 95);
        // 20 samples: rank ceil(19) = 19, so one outlier in 20 is not the p95...
        let mut twenty: Vec<u64> = (1..=19).collect();
        twenty.push(1000);
        assert_eq!(p95(&twenty), 19);
        // ...but one in 10 is.
        let mut ten: Vec<u64> = (1..=9).collect();
        ten.push(1000);
        assert_eq!(p95(&ten), 1000);
    }

    #[test]
    fn figures_error_rate_and_lowest_headroom() {
        let mut failed = check("issues/get", 30, Some(503), Some((100, 5000)));
        failed.findings.push(Finding {
            severity: Severity::Additive,
            kind: "undeclared-field".into(),
            pointer: "/x".into(),
            evidence: String::new(),
        });
        let result = ProviderResult {
            provider: "github".into(),
            mode: "offline".into(),
            checks: vec![
                check("repos/get", 10, Some(200), Some((4000, 5000))),
                check("repos/get", 50, Some(200), None),
                failed,
                check("issues/list", 5, None, None),
            ],
        };
        let f = figures(&result);
        assert_eq!(f.checks, 4);
        assert!((f.error_rate - 0.5).abs() < 1e-9);
        let h = f.ratelimit.unwrap();
        assert_eq!((h.remaining, h.limit), (100, 5000));
        let repos = f
            .operations
            .iter()
            .find(|o| o.operation == "repos/get")
            .unwrap();
        assert_eq!((repos.samples, repos.p95_latency_ms), (2, 50));
        assert_eq!(f.findings["additive"], 1);
        assert_eq!(f.findings["breaking"], 0);
    }

    #[test]
    fn latency_percentiles_by_nearest_rank() {
        let l = Latency::of(vec![30, 10, 20, 50, 40]);
        assert_eq!((l.p50_ms, l.p95_ms, l.max_ms), (30, 50, 50));
        assert_eq!(l.samples_ms, vec![30, 10, 20, 50, 40], "call order kept");
        let l = Latency::of((1..=100).collect());
        assert_eq!((l.p50_ms, l.p95_ms, l.max_ms), (50, 95, 100));
        assert_eq!(Latency::of(vec![]), Latency::default());
    }

    #[test]
    fn repeated_checks_pool_their_samples_and_the_markdown_shows_them() {
        let mut a = check("repos/get", 0, Some(200), None);
        a.latency = Latency::of(vec![10, 12, 90]);
        a.latency_ms = a.latency.p50_ms;
        let mut b = check("repos/get", 0, Some(200), None);
        b.latency = Latency::of(vec![11, 13]);
        b.latency_ms = b.latency.p50_ms;
        let result = ProviderResult {
            provider: "github".into(),
            mode: "offline".into(),
            checks: vec![a.clone(), b],
        };
        let f = figures(&result);
        let op = &f.operations[0];
        assert_eq!(
            (
                op.samples,
                op.p50_latency_ms,
                op.p95_latency_ms,
                op.max_latency_ms
            ),
            (5, 12, 90, 90)
        );
        let md = markdown(&[&a], &[f]);
        assert!(
            md.contains("| github.repos.v1 | repos/get | offline | 200 | 3 | 12 ms | 90 ms | 90 ms | none |"),
            "{md}"
        );
    }
}
