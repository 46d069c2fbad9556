//! What one sentinel run of one provider found: the JSON a sentinel binary writes and
//! `cargo xtask sentinel` reads back to aggregate.

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A client built from the contract breaks (exit 1).
    Breaking,
    /// The provider sends more than the contract says (a warning; exit stays 0).
    Additive,
    /// Deprecation, rate-limit headroom, latency (a warning).
    Operational,
}

impl Severity {
    /// `breaking`, `additive` or `operational`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::Additive => "additive",
            Severity::Operational => "operational",
        }
    }
}

/// One difference between what the provider sent and what the contract says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// What kind: a JSON Schema keyword for breaking body findings (`required`, `type`),
    /// `enum_value_added`, `generated-type` (the linked generated client cannot deserialize
    /// the body), `undeclared-field`, `undeclared-header`, `deprecation-header`,
    /// `rate-limit-headroom`, `latency`, or `upstream:<diff kind>`.
    pub kind: String,
    /// JSON pointer into the body, or `/headers/<name>`.
    pub pointer: String,
    /// What was seen (a sentence, or the header value).
    pub evidence: String,
}

/// Latency of a check's calls (one call, or `--repeat N` calls).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    /// Each call's time to the whole response, milliseconds, in call order.
    pub samples_ms: Vec<u64>,
    /// Median (nearest rank).
    pub p50_ms: u64,
    /// 95th percentile (nearest rank).
    pub p95_ms: u64,
    /// Slowest call.
    pub max_ms: u64,
}

impl Latency {
    /// The percentiles of `samples_ms` (all 0 when there are none).
    pub fn of(samples_ms: Vec<u64>) -> Self {
        Self {
            p50_ms: percentile(&samples_ms, 50),
            p95_ms: percentile(&samples_ms, 95),
            max_ms: samples_ms.iter().copied().max().unwrap_or(0),
            samples_ms,
        }
    }
}

/// The `pct`-th percentile by nearest rank (the `ceil(pct/100 · n)`-th smallest); 0 for
/// no samples.
pub fn percentile(samples: &[u64], pct: usize) -> u64 {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (sorted.len() * pct).div_ceil(100);
    sorted.get(rank.saturating_sub(1)).copied().unwrap_or(0)
}

/// One check: one operation called once, or `--repeat N` times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// `provider.resource.vN`.
    pub contract: String,
    /// Operation id.
    pub operation: String,
    /// `live`, `offline` or `upstream` (a contract diff, no call).
    pub mode: String,
    /// HTTP status, when a response came back.
    pub status: Option<u16>,
    /// Time to the whole response, milliseconds: the median ([`Latency::p50_ms`]) of the
    /// check's calls (the one call's time without `--repeat`).
    pub latency_ms: u64,
    /// Every call's latency and their p50/p95/max (empty for `upstream` checks).
    #[serde(default)]
    pub latency: Latency,
    /// Requests left in the rate-limit window, from the response headers.
    pub ratelimit_remaining: Option<u64>,
    /// The window's size, from the response headers.
    pub ratelimit_limit: Option<u64>,
    /// Why the check could not be made (transport error, error status without drift).
    pub error: Option<String>,
    /// What differs.
    pub findings: Vec<Finding>,
}

impl CheckResult {
    /// True when a finding is breaking.
    pub fn is_breaking(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Breaking)
    }

    /// One line for people watching the run.
    pub fn progress_line(&self) -> String {
        let outcome = if let Some(e) = &self.error {
            format!("could not check: {e}")
        } else if self.findings.is_empty() {
            "ok".to_owned()
        } else {
            let mut counts = std::collections::BTreeMap::new();
            for f in &self.findings {
                *counts.entry(f.severity.as_str()).or_insert(0) += 1;
            }
            counts
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let latency = if self.latency.samples_ms.len() > 1 {
            format!(
                "p50 {} / p95 {} / max {} ms over {} calls",
                self.latency.p50_ms,
                self.latency.p95_ms,
                self.latency.max_ms,
                self.latency.samples_ms.len()
            )
        } else {
            format!("{} ms", self.latency_ms)
        };
        format!(
            "{} {} [{}] {} {latency}: {outcome}",
            self.contract,
            self.operation,
            self.mode,
            self.status.map_or("-".to_owned(), |s| s.to_string()),
        )
    }
}

/// Everything one sentinel binary found for its provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderResult {
    /// `github`.
    pub provider: String,
    /// `live` or `offline`.
    pub mode: String,
    /// One per check, in `sentinels/checks.yaml` order.
    pub checks: Vec<CheckResult>,
}

impl ProviderResult {
    /// 0 no breaking drift, 1 breaking drift, 2 a check could not be made.
    pub fn exit_code(&self) -> u8 {
        exit_code(&self.checks)
    }
}

/// 0 no breaking drift, 1 breaking drift, 2 a check could not be made (or none ran).
pub fn exit_code(checks: &[CheckResult]) -> u8 {
    if checks.iter().any(CheckResult::is_breaking) {
        1
    } else if checks.is_empty() || checks.iter().any(|c| c.error.is_some()) {
        2
    } else {
        0
    }
}
