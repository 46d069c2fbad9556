//! Telemetry: what each call records, and the metric names (stable; documented in
//! ARCHITECTURE.md and the integration brief).
//!
//! Spans: `tether.call` (DEBUG: provider, operation, method, path *template*,
//! correlation_id) and `tether.attempt` (DEBUG: attempt, status); inside the call span one
//! event `call finished` (DEBUG: status, attempts, request_id, ratelimit_remaining,
//! elapsed_ms) or `call failed` (WARN: provider, operation, correlation_id, the same
//! fields, the error kind and message). At INFO a call that succeeds without a retry
//! records nothing (the AWS SDK's `invoke` span is DEBUG too); what reaches INFO and WARN
//! (`retrying`, `call failed`) carries the call's identity in its own fields, so it reads
//! the same with the spans filtered out. Never logged: credentials, `Authorization`,
//! cookies, query strings, request or response bodies.
//!
//! Metrics go through the `metrics` facade (install any recorder; the `prometheus` cargo
//! feature provides one, module `prometheus`). Their names, kinds and labels are the one
//! list [`METRICS`]: the call sites use its [`names`] constants and the integration brief
//! (`ops/integrations/<provider>/README.md`, section 9) is generated from it, so the
//! documentation cannot drift from what is recorded. Names are stable: renaming one is a
//! breaking change for every dashboard and alert.

use std::future::Future;
use std::time::Duration;

use metrics::{Key, Label, Metadata};

use crate::error::{CallReport, Error};

/// What kind of series a metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Monotonic count.
    Counter,
    /// Value that goes up and down.
    Gauge,
    /// Distribution (a Prometheus histogram with [`LATENCY_BUCKETS`]).
    Histogram,
}

impl MetricKind {
    /// Prometheus `# TYPE` word.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// One metric the runtime records.
#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    /// Stable name.
    pub name: &'static str,
    /// Kind.
    pub kind: MetricKind,
    /// Label names, in the order they are recorded.
    pub labels: &'static [&'static str],
    /// What one unit means (the Prometheus `# HELP` text).
    pub help: &'static str,
    /// What an operator should alert on, if anything.
    pub alert: &'static str,
}

/// Metric names, for call sites (one constant per entry of [`METRICS`]).
pub mod names {
    /// Attempts sent, by status class.
    pub const REQUESTS: &str = "tether_requests_total";
    /// Attempt latency.
    pub const REQUEST_DURATION: &str = "tether_request_duration_seconds";
    /// Logical calls by outcome.
    pub const CALLS: &str = "tether_calls_total";
    /// Retries.
    pub const RETRIES: &str = "tether_retries_total";
    /// Client-side rate-limit waits.
    pub const RATE_LIMIT_WAITS: &str = "tether_rate_limit_waits_total";
    /// Time spent in client-side rate-limit waits.
    pub const RATE_LIMIT_WAIT_DURATION: &str = "tether_rate_limit_wait_seconds";
    /// Throttled responses (429 or a provider rate-limit 403).
    pub const THROTTLED: &str = "tether_throttled_total";
    /// Contract violations found in responses.
    pub const CONTRACT_VIOLATIONS: &str = "tether_contract_violations_total";
    /// Report-mode responses not validated because of sampling.
    pub const VALIDATION_SAMPLED_OUT: &str = "tether_validation_sampled_out_total";
    /// Report-mode responses not validated because the queue was full.
    pub const VALIDATION_SKIPPED: &str = "tether_validation_skipped_total";
    /// Circuit breaker state.
    pub const BREAKER_STATE: &str = "tether_breaker_state";
}

/// Histogram buckets (seconds) for [`names::REQUEST_DURATION`] and
/// [`names::RATE_LIMIT_WAIT_DURATION`]: 5 ms to the longest policy attempt timeout (80 s).
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 90.0,
];

const PO: &[&str] = &["provider", "operation"];

/// Every metric the runtime records: the single source of the names, labels and help
/// texts (the Prometheus exposition describes them from here, the brief lists them).
pub const METRICS: &[MetricSpec] = &[
    MetricSpec {
        name: names::REQUESTS,
        kind: MetricKind::Counter,
        labels: &["provider", "operation", "status_class"],
        help: "HTTP attempts sent, by outcome class: 2xx, 3xx, 4xx, 5xx, or transport (no response: connect error, reset, attempt timeout).",
        alert: "error ratio: rate of status_class=~\"5xx|transport\" over all, per provider, above 5 % for 10 min",
    },
    MetricSpec {
        name: names::REQUEST_DURATION,
        kind: MetricKind::Histogram,
        labels: PO,
        help: "Latency of one HTTP attempt in seconds, from send to the last body byte.",
        alert: "p95 per operation above half the policy's attempt timeout for 15 min",
    },
    MetricSpec {
        name: names::CALLS,
        kind: MetricKind::Counter,
        labels: &["provider", "operation", "outcome"],
        help: "Logical calls (all attempts of one call) by outcome: ok, provider_error, or the error kind (auth, timeout, transport, rate_limited, circuit_open, contract_violation, invalid_response, body_too_large, request, construction).",
        alert: "any outcome=\"auth\" (credential revoked or rotated); outcome=\"rate_limited\" sustained",
    },
    MetricSpec {
        name: names::RETRIES,
        kind: MetricKind::Counter,
        labels: PO,
        help: "Attempts retried after a retryable status, transport error or timeout (the retry that follows is counted in tether_requests_total too).",
        alert: "retries above 10 % of tether_requests_total for 15 min",
    },
    MetricSpec {
        name: names::RATE_LIMIT_WAITS,
        kind: MetricKind::Counter,
        labels: PO,
        help: "Waits before sending imposed by the client-side limiter (policy rate limits, concurrency, adaptive pacing from x-ratelimit-* headers).",
        alert: "informational; sustained growth means traffic is at the provider's quota",
    },
    MetricSpec {
        name: names::RATE_LIMIT_WAIT_DURATION,
        kind: MetricKind::Histogram,
        labels: PO,
        help: "Length in seconds of each client-side rate-limit wait.",
        alert: "p95 above 1 s: callers are queueing behind the quota",
    },
    MetricSpec {
        name: names::THROTTLED,
        kind: MetricKind::Counter,
        labels: PO,
        help: "Responses the provider throttled: 429, or a 403 the policy's rate_limit_403 rule classifies as a rate limit.",
        alert: "any sustained rate: the client-side limits no longer match the provider's",
    },
    MetricSpec {
        name: names::CONTRACT_VIOLATIONS,
        kind: MetricKind::Counter,
        labels: PO,
        help: "Contract violations found in validated responses (one per violated pointer): the provider drifted from the pinned contract.",
        alert: "any increase: run `cargo xtask sentinel` and compare with the contract",
    },
    MetricSpec {
        name: names::VALIDATION_SAMPLED_OUT,
        kind: MetricKind::Counter,
        labels: PO,
        help: "Report-mode responses not validated because of the per-operation sampling rate (responses.report_sample_per_second).",
        alert: "none",
    },
    MetricSpec {
        name: names::VALIDATION_SKIPPED,
        kind: MetricKind::Counter,
        labels: PO,
        help: "Report-mode responses not validated because the background validation queue was full.",
        alert: "sustained growth: validation cannot keep up; lower the sample rate",
    },
    MetricSpec {
        name: names::BREAKER_STATE,
        kind: MetricKind::Gauge,
        labels: &["breaker"],
        help: "Circuit breaker state per provider host (breaker=\"<provider>@<scheme>://<host>[:port]\"): 0 closed, 1 half-open, 2 open.",
        alert: "value 2 (open) for more than one open period: the provider host is failing",
    },
];

/// Log spans and events with their fields (documented in the integration brief).
pub const LOG_FIELDS: &[(&str, &str)] = &[
    (
        "span `tether.call` (DEBUG)",
        "`provider`, `operation`, `method`, `path` (template), `correlation_id`",
    ),
    ("span `tether.attempt` (DEBUG)", "`attempt`, `status`"),
    (
        "event `call finished` (DEBUG)",
        "`status`, `attempts`, `request_id`, `ratelimit_remaining`, `elapsed_ms`",
    ),
    (
        "event `call failed` (WARN)",
        "`provider`, `operation`, `correlation_id`, `status`, `attempts`, `request_id`, `kind`, `error`, `elapsed_ms`",
    ),
    (
        "event `retrying` (INFO)",
        "`provider`, `operation`, `correlation_id`, `attempt`, `wait_ms`, `reason`",
    ),
    (
        "event `circuit breaker state changed` (WARN, target `tether::breaker`)",
        "`breaker`, `state`",
    ),
    (
        "event `response violates the contract` (WARN, target `tether::contract`)",
        "`provider`, `operation`, `correlation_id`, `status`, `violations` (pointer and keyword each)",
    ),
];

/// The entry of [`METRICS`] named `name`.
pub fn metric(name: &str) -> Option<&'static MetricSpec> {
    METRICS.iter().find(|m| m.name == name)
}

/// Register the help text of every metric with the installed recorder (a recorder that
/// keeps descriptions, such as the Prometheus one, prints them as `# HELP`).
pub fn describe() {
    for m in METRICS {
        match m.kind {
            MetricKind::Counter => metrics::describe_counter!(m.name, m.help),
            MetricKind::Gauge => metrics::describe_gauge!(m.name, m.help),
            MetricKind::Histogram => metrics::describe_histogram!(m.name, m.help),
        }
    }
}

tokio::task_local! {
    static CORRELATION: String;
}

/// Run `fut` with `id` as the correlation id of every call made inside it (an inbound
/// request's id, a job id), unless a call sets its own.
pub async fn with_correlation_id<F: Future>(id: impl Into<String>, fut: F) -> F::Output {
    CORRELATION.scope(id.into(), fut).await
}

/// The correlation id set by [`with_correlation_id`] around the current task, if any.
pub fn ambient_correlation_id() -> Option<String> {
    CORRELATION.try_with(Clone::clone).ok()
}

/// The `status_class` label values of [`names::REQUESTS`].
const STATUS_CLASSES: [&str; 5] = ["2xx", "3xx", "4xx", "5xx", "transport"];

/// What `metrics::counter!` would attach to the runtime's metrics (this module's path).
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

/// The keys of the metrics every call records, built once per operation with the
/// client. A `metrics::counter!` with labels builds its key (a label vector) on every
/// call, recorder installed or not; a built key goes to whichever recorder is current
/// when the call records (the global one, or a test's local one).
#[derive(Debug, Clone)]
pub(crate) struct OperationKeys {
    /// [`names::REQUESTS`] by status class, in [`STATUS_CLASSES`] order.
    requests: [Key; 5],
    duration: Key,
    throttled: Key,
    calls_ok: Key,
    calls_provider_error: Key,
    pub(crate) sampled_out: Key,
}

impl OperationKeys {
    pub(crate) fn new(provider: &'static str, operation: &'static str) -> Self {
        let key = |name: &'static str, extra: Option<(&'static str, &'static str)>| {
            let mut labels = vec![
                Label::from_static_parts("provider", provider),
                Label::from_static_parts("operation", operation),
            ];
            labels.extend(extra.map(|(k, v)| Label::from_static_parts(k, v)));
            Key::from_parts(name, labels)
        };
        Self {
            requests: STATUS_CLASSES.map(|c| key(names::REQUESTS, Some(("status_class", c)))),
            duration: key(names::REQUEST_DURATION, None),
            throttled: key(names::THROTTLED, None),
            calls_ok: key(names::CALLS, Some(("outcome", "ok"))),
            calls_provider_error: key(names::CALLS, Some(("outcome", "provider_error"))),
            sampled_out: key(names::VALIDATION_SAMPLED_OUT, None),
        }
    }
}

/// Add one to the counter `key` in the current recorder.
pub(crate) fn count(key: &Key) {
    metrics::with_recorder(|r| r.register_counter(key, &METADATA).increment(1));
}

pub(crate) fn attempt(
    keys: &OperationKeys,
    status: Option<u16>,
    throttled: bool,
    elapsed: Duration,
) {
    let class = match status {
        Some(200..=299) => 0,
        Some(300..=399) => 1,
        Some(400..=499) => 2,
        Some(_) => 3,
        None => 4,
    };
    metrics::with_recorder(|r| {
        r.register_counter(&keys.requests[class], &METADATA)
            .increment(1);
        r.register_histogram(&keys.duration, &METADATA)
            .record(elapsed.as_secs_f64());
        if throttled {
            r.register_counter(&keys.throttled, &METADATA).increment(1);
        }
    });
    tracing::debug!(target: "tether", status, elapsed_ms = elapsed.as_millis() as u64, "attempt finished");
}

pub(crate) fn call_finished(
    span: &tracing::Span,
    keys: &OperationKeys,
    (provider, operation): (&'static str, &'static str),
    result: Result<(u16, &CallReport, &reqwest::header::HeaderMap), &Error>,
    elapsed: Duration,
) {
    // The outcome goes into one event inside the call span rather than into
    // `span.record` calls: a JSON subscriber re-serializes a span's fields on every
    // record, which cost more than the rest of the runtime together (BENCHMARKS.md).
    let _enter = span.enter();
    let elapsed_ms = elapsed.as_millis() as u64;
    match result {
        Ok((status, report, headers)) => {
            count(if status < 400 {
                &keys.calls_ok
            } else {
                &keys.calls_provider_error
            });
            tracing::debug!(
                target: "tether",
                status,
                attempts = report.attempts.len(),
                request_id = report.request_id.as_deref(),
                // Read only when the event is enabled (field values are evaluated then):
                // three header lookups per call otherwise spent on a disabled event.
                ratelimit_remaining =
                    crate::limit::Headroom::from_headers(headers).map(|h| h.remaining),
                elapsed_ms,
                "call finished"
            );
        }
        Err(e) => {
            let kind = error_kind(e);
            metrics::counter!(names::CALLS, "provider" => provider, "operation" => operation, "outcome" => kind).increment(1);
            tracing::warn!(
                target: "tether",
                provider,
                operation,
                correlation_id = e.report().map(|r| r.correlation_id.as_str()),
                status = e.status(),
                attempts = e.attempts().len(),
                request_id = e.report().and_then(|r| r.request_id.as_deref()),
                kind,
                error = %e,
                elapsed_ms,
                "call failed"
            );
        }
    }
}

/// A short stable name of an error variant (metric label).
pub fn error_kind<E>(e: &Error<E>) -> &'static str {
    match e {
        Error::Construction { .. } => "construction",
        Error::Auth(_) => "auth",
        Error::Request { .. } => "request",
        Error::Timeout { .. } => "timeout",
        Error::Transport { .. } => "transport",
        Error::RateLimited { .. } => "rate_limited",
        Error::LimiterUnavailable { .. } => "limiter_unavailable",
        Error::CircuitOpen { .. } => "circuit_open",
        Error::ContractViolation { .. } => "contract_violation",
        Error::Provider { .. } => "provider_error",
        Error::InvalidResponse { .. } => "invalid_response",
        Error::BodyTooLarge { .. } => "body_too_large",
    }
}

#[cfg(test)]
mod tests {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    #[test]
    fn attempts_are_counted_by_status_class_with_stable_names() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let keys = super::OperationKeys::new("github", "repos/get");
        let ms5 = std::time::Duration::from_millis(5);
        metrics::with_local_recorder(&recorder, || {
            super::attempt(&keys, Some(200), false, ms5);
            super::attempt(&keys, Some(429), true, ms5);
            super::attempt(&keys, None, false, ms5);
        });
        let mut seen = Vec::new();
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            let labels: Vec<String> = key
                .key()
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            if let DebugValue::Counter(n) = value {
                seen.push(format!("{} {} {n}", key.key().name(), labels.join(",")));
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "tether_requests_total provider=github,operation=repos/get,status_class=2xx 1",
                "tether_requests_total provider=github,operation=repos/get,status_class=4xx 1",
                "tether_requests_total provider=github,operation=repos/get,status_class=transport 1",
                "tether_throttled_total provider=github,operation=repos/get 1",
            ]
        );
    }
}
