//! Health and metrics: `GET /readyz`, `GET /metrics`, the per-delivery series and the
//! process-wide Prometheus recorder.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;

use super::handler::Outcome;
use super::Shared;

/// The receiver's metric names: (name, kind, labels, meaning). `/metrics` serves them.
pub const METRICS: &[(&str, &str, &str, &str)] = &[
    (
        "tether_webhook_deliveries_total",
        "counter",
        "endpoint, outcome (accepted|duplicate|in_progress|rejected|unavailable), reason",
        "deliveries answered, by what became of them (reason: the rejection kind)",
    ),
    (
        "tether_webhook_ack_seconds",
        "histogram",
        "endpoint",
        "time from the request to the 2xx, the inbox commit included",
    ),
    (
        "tether_webhook_inbox_pending",
        "gauge",
        "",
        "rows waiting for a handler (inbox depth), read at each scrape",
    ),
    (
        "tether_webhook_inbox_dead",
        "gauge",
        "",
        "dead letters: rows a handler failed on every attempt, read at each scrape",
    ),
];

pub(super) fn record(endpoint: &str, response: &Response, elapsed: Duration) {
    let Some(o) = response.extensions().get::<Outcome>().copied() else {
        return;
    };
    metrics::counter!("tether_webhook_deliveries_total", "endpoint" => endpoint.to_owned(), "outcome" => o.outcome, "reason" => o.reason).increment(1);
    if response.status().is_success() {
        metrics::histogram!("tether_webhook_ack_seconds", "endpoint" => endpoint.to_owned())
            .record(elapsed.as_secs_f64());
    }
}

pub(super) async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    let inbox = shared.inbox.clone();
    let probe = tokio::task::spawn_blocking(move || inbox.probe_writable())
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let replay = shared.replay.ready().await;
    let mut ready = true;
    let inbox_status = match probe {
        Ok(()) => "writable".to_owned(),
        Err(e) => {
            ready = false;
            format!("not writable: {e}")
        }
    };
    let replay_status = match replay {
        Ok(None) => "ok".to_owned(),
        Ok(Some(note)) => format!("degraded: {note}"),
        Err(e) => {
            ready = false;
            format!("unavailable: {e}")
        }
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(json!({
            "status": if ready { "ready" } else { "unready" },
            "inbox": inbox_status,
            "replay_store": replay_status,
        })),
    )
        .into_response()
}

pub(super) async fn metrics_page(
    shared: &Shared,
    prometheus: Option<&PrometheusHandle>,
) -> Response {
    let Some(handle) = prometheus else {
        return (
            StatusCode::NOT_FOUND,
            "metrics are not enabled on this receiver (Receiver::metrics)\n",
        )
            .into_response();
    };
    // Depth and dead letters are read at scrape time, from the file itself, off the async
    // workers (SQLite is blocking I/O). A failed read leaves the gauges at their last
    // values (this crate never prints).
    let path = shared.inbox.path().to_owned();
    let counts = tokio::task::spawn_blocking(move || {
        let c = crate::inbox::Consumer::open(&path, crate::inbox::RetryPolicy::default()).ok()?;
        Some((
            c.count(crate::inbox::State::Pending).ok(),
            c.count(crate::inbox::State::Dead).ok(),
        ))
    })
    .await
    .ok()
    .flatten();
    if let Some((pending, dead)) = counts {
        if let Some(n) = pending {
            metrics::gauge!("tether_webhook_inbox_pending").set(n as f64);
        }
        if let Some(n) = dead {
            metrics::gauge!("tether_webhook_inbox_dead").set(n as f64);
        }
    }
    (
        StatusCode::OK,
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// The process-wide Prometheus recorder, installed on first use; `None` when another
/// recorder was installed first (then `/metrics` says it is not enabled).
pub fn prometheus() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .ok()
        })
        .clone()
}
