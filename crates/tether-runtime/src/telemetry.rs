//! Telemetry: what each call records, and the metric names (stable; documented in
//! ARCHITECTURE.md and the integration brief).
//!
//! Spans: `tether.call` (INFO: provider, operation, method, path *template*,
//! correlation_id) and `tether.attempt` (DEBUG: attempt, status); inside the call span one
//! event `call finished` (DEBUG: status, attempts, request_id, ratelimit_remaining,
//! elapsed_ms) or `call failed` (WARN: the same plus the error kind and message). Never logged: credentials, `Authorization`, cookies, query strings,
//! request or response bodies. Metrics (through the `metrics` facade; install any
//! recorder, e.g. a Prometheus exporter):
//! - `tether_requests_total{provider,operation,status_class}` — attempts by outcome class
//!   (`2xx`…`5xx`, `transport`);
//! - `tether_request_duration_seconds{provider,operation}` — attempt latency histogram;
//! - `tether_calls_total{provider,operation,outcome}` — logical calls (`ok`, or the error kind);
//! - `tether_retries_total`, `tether_rate_limit_waits_total{provider,operation}`;
//! - `tether_throttled_total{provider,operation}` — 429 / rate-limit responses;
//! - `tether_contract_violations_total{provider,operation}`;
//! - `tether_validation_sampled_out_total`, `tether_validation_skipped_total` — report-mode
//!   responses not checked (sampling; background queue full);
//! - `tether_breaker_state{breaker}` — 0 closed, 1 half-open, 2 open.

use std::future::Future;
use std::time::Duration;

use crate::engine::Exchange;
use crate::error::Error;

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

pub(crate) fn attempt(
    provider: &'static str,
    operation: &'static str,
    status: Option<u16>,
    elapsed: Duration,
) {
    let class = match status {
        Some(s) => match s {
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        },
        None => "transport",
    };
    metrics::counter!("tether_requests_total", "provider" => provider, "operation" => operation, "status_class" => class).increment(1);
    metrics::histogram!("tether_request_duration_seconds", "provider" => provider, "operation" => operation).record(elapsed.as_secs_f64());
    if status == Some(429) {
        metrics::counter!("tether_throttled_total", "provider" => provider, "operation" => operation).increment(1);
    }
    tracing::debug!(target: "tether", status, elapsed_ms = elapsed.as_millis() as u64, "attempt finished");
}

pub(crate) fn call_finished(
    span: &tracing::Span,
    provider: &'static str,
    operation: &'static str,
    result: &Result<Exchange, Error>,
    elapsed: Duration,
) {
    // The outcome goes into one event inside the call span rather than into
    // `span.record` calls: a JSON subscriber re-serializes a span's fields on every
    // record, which cost more than the rest of the runtime together (BENCHMARKS.md).
    let _enter = span.enter();
    let elapsed_ms = elapsed.as_millis() as u64;
    match result {
        Ok(x) => {
            let remaining = crate::limit::Headroom::from_headers(&x.headers).map(|h| h.remaining);
            metrics::counter!("tether_calls_total", "provider" => provider, "operation" => operation, "outcome" => if x.status < 400 { "ok" } else { "provider_error" }).increment(1);
            tracing::debug!(
                target: "tether",
                status = x.status,
                attempts = x.report.attempts.len(),
                request_id = x.report.request_id.as_deref(),
                ratelimit_remaining = remaining,
                elapsed_ms,
                "call finished"
            );
        }
        Err(e) => {
            let kind = error_kind(e);
            metrics::counter!("tether_calls_total", "provider" => provider, "operation" => operation, "outcome" => kind).increment(1);
            tracing::warn!(
                target: "tether",
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
        metrics::with_local_recorder(&recorder, || {
            super::attempt(
                "github",
                "repos/get",
                Some(200),
                std::time::Duration::from_millis(5),
            );
            super::attempt(
                "github",
                "repos/get",
                Some(429),
                std::time::Duration::from_millis(5),
            );
            super::attempt(
                "github",
                "repos/get",
                None,
                std::time::Duration::from_millis(5),
            );
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
