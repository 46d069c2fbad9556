//! The sandbox server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tether_contract::fixture::{Envelope, Kind};
use tether_contract::policy::{AuthScheme, PaginationStyle, RetryRule};
use tether_contract::validate::{ContractValidator, RequestBody, ValidatorOptions};
use tether_contract::{Contract, Policy};

use crate::config::{Drift, DriftKind, Faults};

/// The sandbox could not be built from the repository.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A contract, policy or fixture does not load.
    #[error(transparent)]
    Contract(#[from] tether_contract::ContractError),
    /// The contracts folder cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// Folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A drift names a contract or operation the sandbox does not serve.
    #[error(
        "drift `{0}`: no such contract or operation (contracts are named like github.repos.v1)"
    )]
    UnknownDriftTarget(String),
}

/// A canned answer: status, headers, body.
type Answer = (u16, Vec<(String, String)>, Value);

struct Op {
    id: String,
    method: Method,
    segments: Vec<String>,
    has_body: bool,
    paginated: bool,
    answer: Option<Answer>,
}

struct Served {
    name: String,
    policy: Policy,
    validator: ContractValidator,
    ops: Vec<Op>,
}

/// A sandbox serving every contract under a repository root.
pub struct Sandbox {
    served: Vec<Served>,
    faults: Faults,
    drift: Vec<Drift>,
    rng: Mutex<fastrand::Rng>,
    requests: std::sync::atomic::AtomicU64,
    quota: Option<Mutex<crate::quota::TokenBucket>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field(
                "contracts",
                &self.served.iter().map(|s| &s.name).collect::<Vec<_>>(),
            )
            .field("faults", &self.faults)
            .field("drift", &self.drift)
            .finish()
    }
}

impl Sandbox {
    /// Load `contracts/*/*.v<N>.yaml` and `fixtures/<name>/good` under `root`.
    pub fn load(root: &Path) -> Result<Self, LoadError> {
        let dir = root.join("contracts");
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| LoadError::Io { path, source }
        };
        let mut files = Vec::new();
        for provider in std::fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
            if !provider.path().is_dir() {
                continue;
            }
            for f in std::fs::read_dir(provider.path())
                .map_err(io(&provider.path()))?
                .flatten()
            {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.ends_with(".yaml")
                    && name != "provider.yaml"
                    && !name.starts_with("webhooks.")
                {
                    files.push(f.path());
                }
            }
        }
        files.sort();
        let mut served = Vec::new();
        for file in files {
            let contract = Contract::load(&file)?;
            let policy = Policy::load(contract.policy_path())?;
            let validator = ContractValidator::new(&contract.doc, &ValidatorOptions::default())?;
            let fixture_dir = root.join("fixtures").join(contract.name.fixture_dir());
            let mut answers: Vec<(String, Answer)> = Vec::new();
            for (path, good) in tether_contract::fixture::list(&fixture_dir) {
                if !good {
                    continue;
                }
                let env = Envelope::load(&path)?;
                match (env.kind, env.status, env.body) {
                    (Kind::Response, Some(s), Some(body)) if (200..300).contains(&s) => {
                        // The richest good answer (most bytes) per operation: a list
                        // operation then has items to paginate.
                        let size = body.to_string().len();
                        let answer: Answer = (s, env.headers.into_iter().collect(), body);
                        match answers.iter_mut().find(|a| a.0 == env.operation) {
                            Some(a) if a.1 .2.to_string().len() >= size => {}
                            Some(a) => a.1 = answer,
                            None => answers.push((env.operation.clone(), answer)),
                        }
                    }
                    _ => {}
                }
            }
            let ops = contract
                .doc
                .operations
                .iter()
                .map(|o| Op {
                    id: o.id.clone(),
                    method: Method::from_bytes(o.method.to_ascii_uppercase().as_bytes())
                        .unwrap_or(Method::GET),
                    segments: o.path.split('/').map(str::to_owned).collect(),
                    has_body: o.request_body.is_some(),
                    paginated: policy.paginates(o),
                    answer: answers.iter().find(|a| a.0 == o.id).map(|a| a.1.clone()),
                })
                .collect();
            served.push(Served {
                name: contract.name.fixture_dir(),
                policy,
                validator,
                ops,
            });
        }
        Ok(Self {
            served,
            faults: Faults::default(),
            drift: Vec::new(),
            rng: Mutex::new(fastrand::Rng::with_seed(7)),
            requests: std::sync::atomic::AtomicU64::new(0),
            quota: None,
        })
    }

    /// Inject faults.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Inject drift; every target must exist.
    pub fn with_drift(mut self, drift: Vec<Drift>) -> Result<Self, LoadError> {
        for d in &drift {
            let known = self
                .served
                .iter()
                .any(|s| s.name == d.contract && s.ops.iter().any(|o| o.id == d.operation));
            if !known {
                return Err(LoadError::UnknownDriftTarget(format!(
                    "{}:{}",
                    d.contract, d.operation
                )));
            }
        }
        self.drift = drift;
        Ok(self)
    }

    /// Enforce a provider-side quota on authenticated requests: a token bucket of
    /// `per_second` refill and `burst` capacity; beyond it a 429 with `Retry-After`
    /// (whole seconds until the next token, at least 1).
    pub fn with_quota(mut self, per_second: f64, burst: u32) -> Self {
        self.quota = Some(Mutex::new(crate::quota::TokenBucket::new(
            per_second, burst,
        )));
        self
    }

    /// Quota counters: (admitted, refused with 429, time from the first admitted request
    /// to the last); zeros without a quota.
    pub fn quota_counts(&self) -> (u64, u64, Duration) {
        self.quota.as_ref().map_or((0, 0, Duration::ZERO), |q| {
            let q = q.lock().unwrap_or_else(PoisonError::into_inner);
            let (a, r) = q.counts();
            (a, r, q.admitted_span())
        })
    }

    /// Seed of the fault dice (default 7), for reproducible runs.
    pub fn with_seed(self, seed: u64) -> Self {
        *self.rng.lock().unwrap_or_else(PoisonError::into_inner) = fastrand::Rng::with_seed(seed);
        self
    }

    /// Names of the contracts served (`github.repos.v1`, …).
    pub fn contracts(&self) -> Vec<String> {
        self.served.iter().map(|s| s.name.clone()).collect()
    }

    /// Requests answered so far.
    pub fn request_count(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The axum router.
    pub fn router(self: Arc<Self>) -> axum::Router {
        axum::Router::new().fallback(handle).with_state(self)
    }

    /// Serve on `addr` (port 0 picks a free port); returns the bound address.
    pub async fn serve(
        self: Arc<Self>,
        addr: SocketAddr,
    ) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let router = self.router();
        let task = tokio::spawn(async move { axum::serve(listener, router).await });
        Ok((local, task))
    }

    fn roll(&self) -> f64 {
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .f64()
    }
}

fn matches(template: &[String], path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() == template.len()
        && template
            .iter()
            .zip(&parts)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

fn error_body(policy: &Policy, kind: &str, message: &str) -> Value {
    if policy.error_schema == "error" {
        json!({"error": {"type": kind, "message": message}})
    } else {
        json!({"message": message, "documentation_url": "https://github.com/tether/sandbox"})
    }
}

fn json_response(status: StatusCode, headers: HeaderMap, body: &Value) -> Response {
    let mut r = (status, headers, body.to_string()).into_response();
    r.headers_mut()
        .entry("content-type")
        .or_insert(HeaderValue::from_static("application/json; charset=utf-8"));
    r
}

async fn handle(State(sb): State<Arc<Sandbox>>, request: Request) -> Response {
    sb.requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query: Vec<(String, String)> = parts.uri.query().map(form_pairs).unwrap_or_default();
    let Some((served, op)) = sb.served.iter().find_map(|s| {
        s.ops
            .iter()
            .find(|o| o.method == parts.method && matches(&o.segments, &path))
            .map(|o| (s, o))
    }) else {
        return json_response(
            StatusCode::NOT_FOUND,
            HeaderMap::new(),
            &json!({"message": format!("tether-sandbox: no contract operation for {} {path}", parts.method)}),
        );
    };
    let policy = &served.policy;
    if !sb.faults.latency.is_zero() {
        tokio::time::sleep(sb.faults.latency).await;
    }
    // Auth: the header the policy's scheme sends must be present.
    let auth_header = match policy.auth.scheme {
        AuthScheme::ApiKeyHeader => policy
            .auth
            .header
            .as_ref()
            .map_or("x-api-key".to_owned(), |h| h.value.to_ascii_lowercase()),
        _ => "authorization".to_owned(),
    };
    if !parts.headers.contains_key(auth_header.as_str()) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            HeaderMap::new(),
            &error_body(policy, "invalid_request_error", "Requires authentication"),
        );
    }
    if let Some(quota) = &sb.quota {
        let refused = quota
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(std::time::Instant::now());
        if let Some(wait) = refused {
            let mut h = HeaderMap::new();
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                h.insert("retry-after", v);
            }
            return json_response(
                StatusCode::TOO_MANY_REQUESTS,
                h,
                &error_body(
                    policy,
                    "rate_limit_error",
                    "Too many requests (tether-sandbox quota)",
                ),
            );
        }
    }
    // Faults, in a fixed order of dice.
    let (r429, r503, rreset) = (sb.roll(), sb.roll(), sb.roll());
    if rreset < sb.faults.reset {
        let stream = futures::stream::once(async {
            Err::<axum::body::Bytes, _>(std::io::Error::other("tether-sandbox: injected reset"))
        });
        return Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    if r429 < sb.faults.too_many_requests {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("1"));
        return json_response(
            StatusCode::TOO_MANY_REQUESTS,
            h,
            &error_body(
                policy,
                "rate_limit_error",
                "Too many requests (tether-sandbox fault)",
            ),
        );
    }
    if r503 < sb.faults.unavailable {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            HeaderMap::new(),
            &error_body(
                policy,
                "api_error",
                "Service unavailable (tether-sandbox fault)",
            ),
        );
    }
    // Request validation.
    let bytes = axum::body::to_bytes(body, 8 * 1024 * 1024)
        .await
        .unwrap_or_default();
    if op.has_body && !bytes.is_empty() {
        let ct = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if let Err(errors) = served
            .validator
            .validate_request(&op.id, ct, RequestBody::Raw(&bytes))
        {
            let list: Vec<Value> = errors
                .iter()
                .map(|e| json!({"pointer": e.pointer, "keyword": e.keyword, "message": e.message}))
                .collect();
            let mut h = HeaderMap::new();
            h.insert(
                "content-type",
                HeaderValue::from_static("application/problem+json"),
            );
            return json_response(
                StatusCode::BAD_REQUEST,
                h,
                &json!({"type": "about:blank", "title": "Request does not match the contract", "status": 400,
                        "detail": format!("{} {}: {} problem(s)", served.name, op.id, list.len()), "errors": list}),
            );
        }
    }
    let Some((status, fixture_headers, body)) = &op.answer else {
        return json_response(
            StatusCode::NOT_IMPLEMENTED,
            HeaderMap::new(),
            &error_body(
                policy,
                "api_error",
                &format!("tether-sandbox: no good 2xx response fixture for {}", op.id),
            ),
        );
    };
    let mut body = body.clone();
    let mut headers = HeaderMap::new();
    for (k, v) in fixture_headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.insert(k, v);
        }
    }
    if op.paginated {
        let host = parts
            .headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1");
        paginate(
            policy,
            &mut body,
            &mut headers,
            &query,
            &format!("http://{host}{path}"),
        );
    }
    rate_limit_headers(&sb, policy, &mut headers);
    for d in sb
        .drift
        .iter()
        .filter(|d| d.contract == served.name && d.operation == op.id)
    {
        if let DriftKind::Header(name) = &d.kind {
            if let Ok(n) = HeaderName::from_bytes(name.as_bytes()) {
                headers.insert(n, HeaderValue::from_static("@1767225600"));
            }
        } else if !d.apply(&mut body) {
            tracing::warn!(target: "tether_sandbox", drift = ?d, "drift pointer not found in the response");
        }
    }
    json_response(
        StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
        headers,
        &body,
    )
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn paginate(
    policy: &Policy,
    body: &mut Value,
    headers: &mut HeaderMap,
    query: &[(String, String)],
    self_url: &str,
) {
    let p = &policy.pagination;
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let size = q(&p.page_size_param)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(p.default_page_size.value)
        .clamp(1, p.max_page_size.value.max(1)) as usize;
    match p.style {
        PaginationStyle::LinkHeader => {
            let Some(items) = body.as_array().cloned() else {
                return;
            };
            let page = q("page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let start = (page - 1).saturating_mul(size).min(items.len());
            let end = start.saturating_add(size).min(items.len());
            *body = Value::Array(items[start..end].to_vec());
            if end < items.len() {
                let mut others: Vec<String> = query
                    .iter()
                    .filter(|(k, _)| k != "page")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                others.push(format!("page={}", page + 1));
                let link = format!("<{self_url}?{}>; rel=\"next\"", others.join("&"));
                if let Ok(v) = HeaderValue::from_str(&link) {
                    headers.insert("link", v);
                }
            }
        }
        PaginationStyle::CursorHasMore => {
            let (Some(items_field), Some(has_more), Some(cursor)) =
                (&p.items_field, &p.has_more_field, &p.cursor_param)
            else {
                return;
            };
            let Some(items) = body.get(items_field).and_then(Value::as_array).cloned() else {
                return;
            };
            let start = q(cursor)
                .and_then(|after| {
                    items
                        .iter()
                        .position(|i| i.get("id").and_then(Value::as_str) == Some(after))
                })
                .map_or(0, |i| i + 1);
            let end = start.saturating_add(size).min(items.len());
            body[items_field.as_str()] = Value::Array(items[start.min(end)..end].to_vec());
            body[has_more.as_str()] = Value::Bool(end < items.len());
        }
    }
}

fn rate_limit_headers(sb: &Sandbox, policy: &Policy, headers: &mut HeaderMap) {
    let Some((remaining_h, reset_h)) = policy.retry.rules.iter().find_map(|r| match r {
        RetryRule::RateLimit403 {
            remaining_header,
            reset_header,
            ..
        } => Some((remaining_header.clone(), reset_header.clone())),
        RetryRule::HeaderDecides { .. } => None,
    }) else {
        return;
    };
    let Some(limit) = policy.rate_limits.iter().find(|l| l.scope == "per_token") else {
        return;
    };
    let used = sb.request_count();
    let remaining = limit.requests.value.saturating_sub(used);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let reset = now + limit.per_seconds.value;
    for (name, value) in [
        (
            "x-ratelimit-limit".to_owned(),
            limit.requests.value.to_string(),
        ),
        (remaining_h.to_ascii_lowercase(), remaining.to_string()),
        (reset_h.to_ascii_lowercase(), reset.to_string()),
        ("x-ratelimit-used".to_owned(), used.to_string()),
    ] {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(n, v);
        }
    }
}
