//! The receiver: an `axum` router that, per endpoint, checks size and content type,
//! verifies the signature, drops replays, validates the payload against its contract,
//! commits the raw delivery to the [`Inbox`] and only then answers 2xx.
//!
//! Duplicate suppression has two layers. The [`ReplayStore`] is a fast filter consulted
//! first and written **after** the inbox commit; the inbox's unique `(source, key)` is
//! the authority. A crash between the commit and the replay-store write therefore
//! cannot lose a delivery: the redelivery finds the row and is answered 200 as a
//! duplicate, without a second record.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Deserialize;
use serde_json::{json, Value};
use tether_contract::validate::RequestBody;

use crate::inbox::{Inbox, InboxError, NewDelivery, Stored};
use crate::payload::{PayloadContract, ValidationMode};
use crate::replay::{ReplayStore, SqliteReplayStore, StoreError};
use crate::{Clock, Rejection, Scheme, Secret, Verifier};

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

fn record(endpoint: &str, response: &Response, elapsed: Duration) {
    let Some(o) = response.extensions().get::<Outcome>().copied() else {
        return;
    };
    metrics::counter!("tether_webhook_deliveries_total", "endpoint" => endpoint.to_owned(), "outcome" => o.outcome, "reason" => o.reason).increment(1);
    if response.status().is_success() {
        metrics::histogram!("tether_webhook_ack_seconds", "endpoint" => endpoint.to_owned())
            .record(elapsed.as_secs_f64());
    }
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
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

async fn metrics_page(shared: &Shared, prometheus: Option<&PrometheusHandle>) -> Response {
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

/// What became of a delivery, attached to its response for the metrics.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    outcome: &'static str,
    reason: &'static str,
}

fn tagged(mut response: Response, outcome: &'static str, reason: &'static str) -> Response {
    response
        .extensions_mut()
        .insert(Outcome { outcome, reason });
    response
}

fn reject(r: &Rejection) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
    tagged(
        (
            status,
            axum::Json(json!({"error": r.kind(), "message": r.to_string()})),
        )
            .into_response(),
        "rejected",
        r.kind(),
    )
}

fn unavailable(what: &str) -> Response {
    // The only 5xx: our storage failed; the provider should retry.
    tagged(
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"error": "unavailable", "message": what})),
        )
            .into_response(),
        "unavailable",
        "",
    )
}

/// How long a receiver may hold a delivery's claim: far longer than storing takes, short
/// enough that a receiver that died holding it delays the provider's redelivery little.
const CLAIM_HOLD: Duration = Duration::from_secs(30);

/// Another receiver is storing this delivery right now: not an error of the sender, and
/// not an acknowledgement either (that receiver may still fail), so 409 and the provider
/// redelivers later, when the delivery is either stored (answered 200 duplicate) or free.
fn in_progress(key: &str) -> Response {
    tagged(
        (
            StatusCode::CONFLICT,
            axum::Json(json!({"error": "in_progress", "delivery": key, "message": "another receiver is storing this delivery; retry later"})),
        )
            .into_response(),
        "in_progress",
        "",
    )
}

fn ok(status: &'static str, key: &str) -> Response {
    tagged(
        (
            StatusCode::OK,
            axum::Json(json!({"status": status, "delivery": key})),
        )
            .into_response(),
        status,
        "",
    )
}

fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

async fn receive(shared: &Shared, ep: &Endpoint, headers: HeaderMap, body: Body) -> Response {
    let limit = shared.limits.max_body;
    let announced = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = announced.filter(|s| *s > limit) {
        return reject(&Rejection::BodyTooLarge { size, limit });
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let media = essence(&content_type);
    if !ep.content_types.contains(&media) {
        return reject(&Rejection::UnsupportedContentType {
            content_type,
            accepted: ep.content_types.join(", "),
        });
    }
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let bytes =
        match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, cap)).await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return reject(&Rejection::BodyTooLarge {
                    size: limit.saturating_add(1),
                    limit,
                });
            }
            Err(e) => {
                return tagged(
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(
                        json!({"error": "body", "message": format!("cannot read the body: {e}")}),
                    ),
                )
                    .into_response(),
                "rejected",
                "body",
            );
            }
        };
    let now = shared.clock.now_unix();
    let verified = match ep.verifier.verify(&headers, &bytes, now) {
        Ok(v) => v,
        Err(r) => return reject(&r),
    };
    let json_body: Option<Value> = if media == "application/json" || media.ends_with("+json") {
        serde_json::from_slice(&bytes).ok()
    } else {
        None
    };
    let scheme = ep.verifier.scheme();
    let key = match delivery_key(scheme, &headers, verified.delivery_id, json_body.as_ref()) {
        Ok(k) => k,
        Err(r) => return reject(&r),
    };
    let replay_key = format!("{}:{key}", ep.name);
    match shared.replay.contains(&replay_key, now).await {
        Ok(true) => return ok("duplicate", &key),
        Ok(false) => {}
        Err(e) => return unavailable(&store_message(&e)),
    }
    let event = event_name(scheme, &headers, json_body.as_ref());
    let mut findings = None;
    if let (Some((contract, mode)), Some(event)) = (&ep.contract, &event) {
        if let Some(op) = contract.operation_for(event, json_body.as_ref()) {
            let result = match &json_body {
                Some(v) => contract.validate(op, &media, RequestBody::Json(v)),
                None => contract.validate(op, &media, RequestBody::Raw(&bytes)),
            };
            if let Err(errors) = result {
                let list: Vec<Value> = errors
                    .iter()
                    .map(|e| json!({"pointer": e.pointer, "keyword": e.keyword, "message": e.message}))
                    .collect();
                if *mode == ValidationMode::Enforce {
                    return tagged(
                        (
                            StatusCode::BAD_REQUEST,
                            axum::Json(
                                json!({"error": "contract", "operation": op, "findings": list}),
                            ),
                        )
                            .into_response(),
                        "rejected",
                        "contract",
                    );
                }
                findings = Some(Value::Array(list).to_string());
            }
        }
    }
    let stored_headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let delivery = NewDelivery {
        source: ep.name.clone(),
        key: key.clone(),
        event,
        headers: stored_headers,
        body: bytes.to_vec(),
        received_at: now,
        findings,
    };
    // Receivers sharing the replay store (Redis) store a delivery only while holding its
    // claim; the one that stores it marks it seen before giving the claim back, so a
    // receiver that gets the claim afterwards finds it seen (checked again below).
    match shared.replay.claim(&replay_key, CLAIM_HOLD).await {
        Ok(true) => {}
        Ok(false) => return in_progress(&key),
        Err(e) => return unavailable(&store_message(&e)),
    }
    match shared.replay.contains(&replay_key, now).await {
        Ok(false) => {}
        seen => {
            let _ = shared.replay.release(&replay_key).await;
            return match seen {
                Err(e) => unavailable(&store_message(&e)),
                _ => ok("duplicate", &key),
            };
        }
    }
    let stored = match shared.inbox.store(delivery).await {
        Ok(s) => s,
        Err(e) => {
            let _ = shared.replay.release(&replay_key).await;
            return unavailable(&inbox_message(&e));
        }
    };
    let tolerance = ep.verifier.tolerance();
    let ttl = shared.limits.replay_ttl.max(tolerance.saturating_mul(2));
    // Best effort: the inbox row already guarantees no second record in this inbox; a
    // shared store that missed this write answers later copies with a claim of their own.
    let _ = shared.replay.insert_if_absent(&replay_key, ttl, now).await;
    let _ = shared.replay.release(&replay_key).await;
    match stored {
        Stored::Inserted { .. } => ok("accepted", &key),
        Stored::Duplicate => ok("duplicate", &key),
    }
}

fn store_message(e: &StoreError) -> String {
    format!("replay store unavailable: {e}")
}

fn inbox_message(e: &InboxError) -> String {
    format!("inbox unavailable: {e}")
}

/// The provider's id for a delivery: `X-GitHub-Delivery`, Stripe's event `id`,
/// `webhook-id`, Slack's `event_id`; failing those, a digest of the signature header
/// (unique per signed timestamp and body).
fn delivery_key(
    scheme: Scheme,
    headers: &HeaderMap,
    from_header: Option<&str>,
    body: Option<&Value>,
) -> Result<String, Rejection> {
    if let Some(id) = from_header.filter(|s| !s.is_empty()) {
        return Ok(id.to_owned());
    }
    let from_body = |field: &str| {
        body.and_then(|b| b.get(field))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let found = match scheme {
        Scheme::GitHub => {
            return Err(Rejection::MissingHeader {
                name: "X-GitHub-Delivery",
            })
        }
        Scheme::Stripe => from_body("id"),
        Scheme::Slack => from_body("event_id"),
        Scheme::Standard => None,
    };
    Ok(found.unwrap_or_else(|| {
        let sig = headers
            .get(scheme.signature_header())
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        format!("sig:{}", tether_contract::sha256_hex(sig))
    }))
}

fn event_name(scheme: Scheme, headers: &HeaderMap, body: Option<&Value>) -> Option<String> {
    let field = |b: &Value, f: &str| b.get(f).and_then(Value::as_str).map(str::to_owned);
    match scheme {
        Scheme::GitHub => headers
            .get("X-GitHub-Event")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Scheme::Stripe | Scheme::Standard => body.and_then(|b| field(b, "type")),
        Scheme::Slack => body.and_then(|b| {
            b.get("event")
                .and_then(|e| field(e, "type"))
                .or_else(|| field(b, "type"))
        }),
    }
}

/// `cargo xtask webhook serve --config FILE`: the receiver's configuration (TOML).
///
/// ```toml
/// listen = "127.0.0.1:8080"
/// inbox = "var/webhooks.sqlite3"          # relative paths are relative to this file
/// [[endpoint]]
/// name = "github"
/// path = "/webhooks/github"
/// scheme = "github"
/// secret_envs = ["GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_PREVIOUS"]
/// contract = "../contracts/github/webhooks.v1.yaml"
/// validation = "enforce"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Inbox database file.
    pub inbox: PathBuf,
    /// Replay store file (default: the inbox path with `.replay` appended).
    #[serde(default)]
    pub replay: Option<PathBuf>,
    /// Timestamp tolerance, seconds, either direction.
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
    /// Replay window, seconds.
    #[serde(default = "default_ttl")]
    pub replay_ttl_secs: u64,
    /// Largest body, bytes.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: u64,
    /// Endpoints.
    #[serde(rename = "endpoint", default)]
    pub endpoints: Vec<EndpointConfig>,
}

/// One `[[endpoint]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// Inbox `source` name.
    pub name: String,
    /// URL path.
    pub path: String,
    /// `github`, `stripe`, `slack` or `standard`.
    pub scheme: String,
    /// Names of environment variables holding the active secrets (never the secrets).
    pub secret_envs: Vec<String>,
    /// Payload contract.
    #[serde(default)]
    pub contract: Option<PathBuf>,
    /// `enforce` (default), `report` or `off`.
    #[serde(default)]
    pub validation: ValidationMode,
    /// Accepted media types (default by scheme).
    #[serde(default)]
    pub content_types: Option<Vec<String>>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_tolerance() -> u64 {
    crate::DEFAULT_TOLERANCE.as_secs()
}
fn default_ttl() -> u64 {
    DEFAULT_REPLAY_TTL.as_secs()
}
fn default_max_body() -> u64 {
    DEFAULT_MAX_BODY
}

/// Why a receiver could not be set up from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The config file cannot be read or parsed.
    #[error("{path}: {message}")]
    Config {
        /// Config file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A secret variable is unset or empty, or its value is not a valid secret.
    #[error("endpoint `{endpoint}`: environment variable `{var}`: {message}")]
    Secret {
        /// Endpoint name.
        endpoint: String,
        /// Variable name.
        var: String,
        /// What is wrong (never the value).
        message: String,
    },
    /// A payload contract does not load.
    #[error("endpoint `{endpoint}`: {source}")]
    Contract {
        /// Endpoint name.
        endpoint: String,
        /// The loader's error.
        #[source]
        source: Box<tether_contract::ContractError>,
    },
    /// The inbox cannot be opened.
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// The replay store cannot be opened.
    #[error(transparent)]
    Replay(#[from] StoreError),
    /// `TETHER_REDIS_*` is set but wrong (or set in a build without the `redis` feature).
    #[error("shared replay store: {0}")]
    Redis(String),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// `listen` from the config.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The consumer thread cannot start.
    #[error("cannot start the inbox consumer: {0}")]
    Consumer(std::io::Error),
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

/// Completes on SIGTERM (what orchestrators send) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The Redis replay store (with `local` as its `fail_open` fallback) when
/// `TETHER_REDIS_URL` is set, else `local`.
fn shared_replay(
    env: &dyn Fn(&str) -> Option<String>,
    local: Arc<dyn ReplayStore>,
) -> Result<Arc<dyn ReplayStore>, SetupError> {
    #[cfg(feature = "redis")]
    {
        let config = tether_redis::RedisConfig::from_lookup(env)
            .map_err(|e| SetupError::Redis(e.to_string()))?;
        match config {
            Some(config) => {
                let redis = tether_redis::Redis::open_shared(config)
                    .map_err(|e| SetupError::Redis(e.to_string()))?;
                Ok(Arc::new(crate::shared_replay::RedisReplayStore::new(
                    redis, local,
                )))
            }
            None => Ok(local),
        }
    }
    #[cfg(not(feature = "redis"))]
    {
        match env("TETHER_REDIS_URL") {
            Some(url) if !url.trim().is_empty() => Err(SetupError::Redis(
                "TETHER_REDIS_URL is set but tether-webhooks was built without its `redis` feature: enable it, or unset the variable".to_owned(),
            )),
            _ => Ok(local),
        }
    }
}

impl ReceiverConfig {
    /// Read a TOML file; relative paths in it are made relative to its folder.
    pub fn load(path: &Path) -> Result<Self, SetupError> {
        let cfg_err = |message: String| SetupError::Config {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| cfg_err(e.to_string()))?;
        let mut cfg: ReceiverConfig = toml::from_str(&text).map_err(|e| cfg_err(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut cfg.inbox);
        if let Some(r) = cfg.replay.as_mut() {
            fix(r);
        }
        for ep in &mut cfg.endpoints {
            if let Some(c) = ep.contract.as_mut() {
                fix(c);
            }
        }
        if cfg.endpoints.is_empty() {
            return Err(cfg_err("no [[endpoint]]".into()));
        }
        for ep in &cfg.endpoints {
            ep.scheme
                .parse::<Scheme>()
                .map_err(|m| cfg_err(format!("endpoint `{}`: {m}", ep.name)))?;
            if ep.secret_envs.is_empty() {
                return Err(cfg_err(format!(
                    "endpoint `{}`: secret_envs is empty",
                    ep.name
                )));
            }
            if RESERVED_PATHS.contains(&ep.path.as_str()) {
                return Err(cfg_err(format!(
                    "endpoint `{}`: path `{}` is the receiver's own (reserved: {})",
                    ep.name,
                    ep.path,
                    RESERVED_PATHS.join(", ")
                )));
            }
            if !ep.path.starts_with('/') {
                return Err(cfg_err(format!(
                    "endpoint `{}`: path must start with `/`",
                    ep.name
                )));
            }
        }
        Ok(cfg)
    }

    /// Run the receiver this configuration describes (what `tether-webhooks-receiver` and
    /// `cargo xtask webhook serve` do): build it, serve `/metrics` from [`prometheus`],
    /// bind `listen` (then call `on_listening`), consume the inbox with `handler` on its
    /// own thread, and serve until `shutdown` completes; then stop accepting, finish the
    /// deliveries in flight, let the consumer finish the delivery in hand, and return.
    ///
    /// # Errors
    /// Set-up failures ([`SetupError`]); a failure while serving is `Listen`.
    pub async fn run(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        clock: Arc<dyn Clock>,
        handler: Arc<dyn crate::inbox::Handler>,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
        on_listening: impl FnOnce(std::net::SocketAddr),
    ) -> Result<(), SetupError> {
        let mut receiver = self.build(env, Arc::clone(&clock))?;
        if let Some(handle) = prometheus() {
            receiver = receiver.metrics(handle);
        }
        let listen_err = |source| SetupError::Listen {
            addr: self.listen.clone(),
            source,
        };
        let listener = tokio::net::TcpListener::bind(&self.listen)
            .await
            .map_err(listen_err)?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let consumer = crate::inbox::spawn_consumer_until(
            self.inbox.clone(),
            crate::inbox::RetryPolicy::default(),
            handler,
            clock,
            Duration::from_millis(200),
            Arc::clone(&stop),
        )
        .map_err(SetupError::Consumer)?;
        on_listening(listener.local_addr().map_err(listen_err)?);
        let served = receiver.serve_until(listener, shutdown).await;
        stop.store(true, std::sync::atomic::Ordering::Release);
        let _ = tokio::task::spawn_blocking(move || consumer.join()).await;
        served.map_err(listen_err)
    }

    /// Open the stores, read the secrets through `env` and build the receiver.
    pub fn build(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        clock: Arc<dyn Clock>,
    ) -> Result<Receiver, SetupError> {
        let inbox = Inbox::open(&self.inbox)?;
        let replay_path = self.replay.clone().unwrap_or_else(|| {
            let mut p = self.inbox.clone().into_os_string();
            p.push(".replay");
            PathBuf::from(p)
        });
        let local: Arc<dyn ReplayStore> = Arc::new(SqliteReplayStore::open(&replay_path)?);
        let replay = shared_replay(env, local)?;
        let limits = Limits {
            max_body: self.max_body_bytes,
            replay_ttl: Duration::from_secs(self.replay_ttl_secs),
        };
        let mut receiver = Receiver::new(inbox, replay, clock, limits);
        for ep in &self.endpoints {
            let scheme: Scheme = ep.scheme.parse().map_err(|message| SetupError::Config {
                path: PathBuf::new(),
                message,
            })?;
            let mut builder =
                Verifier::builder(scheme).tolerance(Duration::from_secs(self.tolerance_secs));
            for var in &ep.secret_envs {
                let secret_err = |message: String| SetupError::Secret {
                    endpoint: ep.name.clone(),
                    var: var.clone(),
                    message,
                };
                let value = env(var)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| secret_err("unset or empty".into()))?;
                let secret =
                    Secret::for_scheme(scheme, &value).map_err(|e| secret_err(e.to_string()))?;
                builder = builder.secret(secret);
            }
            let verifier = builder.build().map_err(|e| SetupError::Secret {
                endpoint: ep.name.clone(),
                var: String::new(),
                message: e.to_string(),
            })?;
            let mut endpoint = Endpoint::new(&ep.name, &ep.path, verifier);
            if let Some(types) = &ep.content_types {
                endpoint = endpoint.content_types(types.clone());
            }
            if let Some(path) = &ep.contract {
                let contract =
                    PayloadContract::load(path).map_err(|source| SetupError::Contract {
                        endpoint: ep.name.clone(),
                        source: Box::new(source),
                    })?;
                endpoint = endpoint.contract(contract, ep.validation);
            }
            receiver = receiver.endpoint(endpoint);
        }
        Ok(receiver)
    }
}
