//! The receiver: an `axum` router that, per endpoint, checks size and content type,
//! verifies the signature, drops replays, validates the payload against its contract,
//! commits the raw delivery to the [`Inbox`] and only then answers 2xx.
//!
//! Duplicate suppression has two layers. The [`ReplayStore`] is a fast filter consulted
//! first and written **after** the inbox commit; the inbox's unique `(source, key)` is
//! the authority. A crash between the commit and the replay-store write therefore
//! cannot lose a delivery: the redelivery finds the row and is answered 200 as a
//! duplicate, without a second record.

mod config;
mod handler;
mod health;
mod process;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;

use crate::inbox::Inbox;
use crate::payload::{PayloadContract, ValidationMode};
use crate::replay::ReplayStore;
use crate::{Clock, Scheme, Verifier};

use handler::receive;
use health::{metrics_page, readyz, record};

pub use config::{EndpointConfig, ReceiverConfig, SetupError};
pub use health::{prometheus, METRICS};
pub use process::shutdown_signal;

/// Default body limit: GitHub caps payloads at 25 MB (webhook-events-and-payloads.md).
pub const DEFAULT_MAX_BODY: u64 = 25 * 1024 * 1024;
/// Default replay window: 3 days, as long as Stripe keeps retrying a delivery
/// (docs.stripe.com/webhooks/process-undelivered-events).
pub const DEFAULT_REPLAY_TTL: Duration = Duration::from_secs(3 * 24 * 3600);

/// One webhook endpoint.
#[derive(Debug)]
pub struct Endpoint {
    name: String,
    path: String,
    verifier: Verifier,
    content_types: Vec<String>,
    contract: Option<(PayloadContract, ValidationMode)>,
}

impl Endpoint {
    /// An endpoint named `name` (the inbox `source`) at `path`. Accepts
    /// `application/json` (and, for Slack, `application/x-www-form-urlencoded`).
    pub fn new(name: impl Into<String>, path: impl Into<String>, verifier: Verifier) -> Self {
        let mut content_types = vec!["application/json".to_owned()];
        if verifier.scheme() == Scheme::Slack {
            content_types.push("application/x-www-form-urlencoded".to_owned());
        }
        Self {
            name: name.into(),
            path: path.into(),
            verifier,
            content_types,
            contract: None,
        }
    }

    /// Replace the accepted media types (essences, e.g. `application/json`).
    #[must_use]
    pub fn content_types(mut self, types: Vec<String>) -> Self {
        self.content_types = types.into_iter().map(|t| t.to_ascii_lowercase()).collect();
        self
    }

    /// Validate payloads against `contract`.
    #[must_use]
    pub fn contract(mut self, contract: PayloadContract, mode: ValidationMode) -> Self {
        self.contract = (mode != ValidationMode::Off).then_some((contract, mode));
        self
    }
}

/// Receiver-wide settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body accepted (413 above).
    pub max_body: u64,
    /// How long delivery ids are remembered (raised to at least twice the tolerance).
    pub replay_ttl: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: DEFAULT_MAX_BODY,
            replay_ttl: DEFAULT_REPLAY_TTL,
        }
    }
}

struct Shared {
    inbox: Inbox,
    replay: Arc<dyn ReplayStore>,
    clock: Arc<dyn Clock>,
    limits: Limits,
}

/// A configured receiver: build its router with [`Receiver::router`].
pub struct Receiver {
    shared: Arc<Shared>,
    endpoints: Vec<Arc<Endpoint>>,
    prometheus: Option<PrometheusHandle>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("inbox", &self.shared.inbox.path())
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl Receiver {
    /// A receiver writing to `inbox`, remembering ids in `replay`, reading time from `clock`.
    pub fn new(
        inbox: Inbox,
        replay: Arc<dyn ReplayStore>,
        clock: Arc<dyn Clock>,
        limits: Limits,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                inbox,
                replay,
                clock,
                limits,
            }),
            endpoints: Vec::new(),
            prometheus: None,
        }
    }

    /// Add an endpoint.
    #[must_use]
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoints.push(Arc::new(endpoint));
        self
    }

    /// Serve `GET /metrics` from this Prometheus recorder (install it once per process,
    /// e.g. `PrometheusBuilder::new().install_recorder()`); the receiver's series are
    /// listed in [`METRICS`].
    #[must_use]
    pub fn metrics(mut self, handle: PrometheusHandle) -> Self {
        self.prometheus = Some(handle);
        self
    }

    /// The axum router: one `POST` route per endpoint, plus `GET /healthz` (the process
    /// serves), `GET /readyz` (the inbox can commit now; the shared replay store answers)
    /// and, with [`Receiver::metrics`], `GET /metrics`.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for ep in &self.endpoints {
            let ep = Arc::clone(ep);
            router = router.route(
                &ep.path.clone(),
                post(
                    move |State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body| {
                        let ep = Arc::clone(&ep);
                        async move {
                            let started = std::time::Instant::now();
                            let response = receive(&shared, &ep, headers, body).await;
                            record(&ep.name, &response, started.elapsed());
                            response
                        }
                    },
                ),
            );
        }
        let prometheus = self.prometheus.clone();
        router
            .route(
                "/healthz",
                get(|| async { axum::Json(json!({"status": "ok"})) }),
            )
            .route("/readyz", get(readyz))
            .route(
                "/metrics",
                get(move |State(shared): State<Arc<Shared>>| {
                    let prometheus = prometheus.clone();
                    async move { metrics_page(&shared, prometheus.as_ref()).await }
                }),
            )
            .with_state(Arc::clone(&self.shared))
    }

    /// Serve on `listener` until the process ends.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Serve on `listener` until `shutdown` completes, then stop accepting connections and
    /// let the deliveries in flight finish (each one is answered after its commit, as
    /// always) before returning.
    pub async fn serve_until(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Paths the receiver serves itself.
pub const RESERVED_PATHS: &[&str] = &["/healthz", "/readyz", "/metrics"];
