//! Prometheus exposition of the runtime metrics (cargo feature `prometheus`).
//!
//! One line in an application:
//!
//! ```no_run
//! let metrics = tether_runtime::prometheus::install().expect("no other metrics recorder");
//! // GET /metrics, with axum:
//! // .route("/metrics", get(move || { let m = metrics.clone(); async move { tether_runtime::prometheus::scrape(&m) } }))
//! # let _ = metrics.render();
//! ```
//!
//! The series are those of [`crate::telemetry::METRICS`]; histograms are Prometheus
//! histograms with [`crate::telemetry::LATENCY_BUCKETS`]. Applications that install
//! another recorder leave the feature off and pay nothing for it.

use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};

pub use metrics_exporter_prometheus::PrometheusHandle;

use crate::telemetry::{MetricKind, LATENCY_BUCKETS, METRICS};

/// `Content-Type` of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often [`install`]'s background thread drains histogram samples, so memory stays
/// bounded when nobody scrapes (the exporter leaves upkeep to its caller).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Why [`install`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// A global `metrics` recorder is already installed (only one per process).
    #[error("cannot install the Prometheus recorder: {0} (a process has one global `metrics` recorder; install this one at start-up, or build one with `tether_runtime::prometheus::recorder()` and combine them)")]
    Install(String),
}

/// The exporter configuration Tether uses: histogram buckets for every histogram of
/// [`METRICS`]. Add global labels or other settings before building.
pub fn builder() -> PrometheusBuilder {
    let mut b = PrometheusBuilder::new();
    for m in METRICS.iter().filter(|m| m.kind == MetricKind::Histogram) {
        // Cannot fail: the bucket list is a non-empty constant.
        b = match b.set_buckets_for_metric(Matcher::Full(m.name.to_owned()), LATENCY_BUCKETS) {
            Ok(b) => b,
            Err(_) => PrometheusBuilder::new(),
        };
    }
    b
}

/// A recorder that is not installed, with every metric described: for tests
/// (`metrics::with_local_recorder`) and applications that combine recorders.
pub fn recorder() -> PrometheusRecorder {
    let recorder = builder().build_recorder();
    metrics::with_local_recorder(&recorder, crate::telemetry::describe);
    recorder
}

/// Install the Prometheus recorder as the process's global `metrics` recorder and return
/// the handle whose [`PrometheusHandle::render`] is the `/metrics` body. A background
/// thread runs the exporter's upkeep every 5 s.
pub fn install() -> Result<PrometheusHandle, InstallError> {
    let handle = builder()
        .install_recorder()
        .map_err(|e| InstallError::Install(e.to_string()))?;
    crate::telemetry::describe();
    let upkeep = handle.clone();
    // A plain thread rather than a tokio task: install may run before any runtime exists.
    let _ = std::thread::Builder::new()
        .name("tether-metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            upkeep.run_upkeep();
        });
    Ok(handle)
}

/// A `/metrics` response: the content type and the rendered text. Every web framework
/// that takes `(headers, body)` tuples accepts it (axum: return it from a handler).
pub fn scrape(handle: &PrometheusHandle) -> ([(http::HeaderName, &'static str); 1], String) {
    (
        [(http::header::CONTENT_TYPE, CONTENT_TYPE)],
        handle.render(),
    )
}
