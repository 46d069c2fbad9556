//! The engine behind every generated call: progenitor's `exec` hook hands it the built
//! request and it runs breaker → limiter → auth → attempt (per-attempt timeout inside
//! the overall deadline) → bounded body read → classify → maybe wait and retry → validate,
//! with telemetry around each step. Its state ([`Inner`]) is what the generated `Client`
//! carries.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tether_contract::policy::{PaginationStyle, Policy, ValidationMode};
use tether_contract::validate::{ContractValidator, ValidatorOptions};
use tracing::Instrument;

use crate::auth::Credentials;
use crate::breaker::{Breaker, BreakerConfig};
use crate::call::{CallContext, CallOptions};
use crate::clock::{Clock, SystemClock};
use crate::concurrency::ConcurrencyCap;
use crate::error::{describe_reqwest, Attempt, CallReport, Error, ProviderDetail};
use crate::limit::{applicable_limits, Adaptive, Headroom, LocalLimits, RateLimitStore};
use crate::meta::{OperationMeta, RequestDefaults};
use crate::paginate::{cursor_next, link_next, same_origin, NextPage};
use crate::retry::{transport_verdict, Budget, Cause, Decision, RetryPolicy, RetryQuota};
use crate::telemetry::OperationKeys;

/// Header carrying our correlation id.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// State shared by the clones of one generated client.
#[derive(Clone, Debug)]
pub struct Inner(Arc<State>);

#[derive(Debug)]
struct State {
    defaults: &'static RequestDefaults,
    policy: Arc<Policy>,
    credentials: Credentials,
    /// The credential's header when it never changes, built once (see
    /// [`Credentials::fixed_header`]); OAuth2 and no credential go through `apply`.
    auth_header: Option<(HeaderName, HeaderValue)>,
    /// The policy's headers (`defaults.headers`), built once.
    policy_headers: Box<[(HeaderName, HeaderValue)]>,
    /// The policy's request-id header, parsed once (a `&str` lookup parses per call).
    request_id_header: Option<HeaderName>,
    /// Metric keys per operation, in `defaults.operations` order.
    keys: Box<[OperationKeys]>,
    /// Report-mode sampling per operation (same order): the GCRA's theoretical arrival
    /// time, in nanoseconds since `sample_base`.
    samplers: Box<[AtomicU64]>,
    sample_base: Instant,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    overall: Duration,
    attempt_timeout: Duration,
    validation: ValidationMode,
    max_body_bytes: u64,
    report_sample: f64,
    shared: Arc<Shared>,
    limits: Option<Arc<dyn RateLimitStore>>,
}

/// State shared by every client of one provider, base URL and credential: the provider
/// counts quotas per credential, and host health is per host.
#[derive(Debug)]
struct Shared {
    quota: RetryQuota,
    breaker: Breaker,
    adaptive: Adaptive,
    concurrency: Option<ConcurrencyCap>,
    limits: Arc<dyn RateLimitStore>,
}

/// What [`Settings::build`] makes from the parts: the generated `Client`, or the parts
/// themselves.
pub type Make<C> = fn(&str, reqwest::Client, Inner) -> C;

/// The parts of a client: base URL, HTTP client, runtime state.
pub type Parts = (String, reqwest::Client, Inner);

/// Builds a client: `github_repos_v1::Client::builder().base_url(…).credentials(…).build()`.
/// Every setting defaults to the provider policy.
#[derive(Debug, Clone)]
pub struct Settings<C = Parts> {
    make: Make<C>,
    defaults: &'static RequestDefaults,
    base_url: Option<String>,
    credentials: Option<Credentials>,
    clock: Option<Arc<dyn Clock>>,
    validation: Option<ValidationMode>,
    overall: Option<Duration>,
    attempt_timeout: Option<Duration>,
    max_attempts: Option<u32>,
    limits: Option<Option<Arc<dyn RateLimitStore>>>,
    http: Option<reqwest::Client>,
    max_body_bytes: Option<u64>,
    report_sample: Option<f64>,
    #[cfg(feature = "redis")]
    redis: Option<Arc<tether_redis::Redis>>,
}

impl Settings<Parts> {
    /// Settings that build the bare parts (for tools that have no generated client).
    pub fn parts(defaults: &'static RequestDefaults) -> Self {
        Settings::new(defaults, |base, http, inner| (base.to_owned(), http, inner))
    }
}

impl<C> Settings<C> {
    /// Settings from the provider policy only; `make` assembles the client.
    pub fn new(defaults: &'static RequestDefaults, make: Make<C>) -> Self {
        Self {
            make,
            defaults,
            base_url: None,
            credentials: None,
            clock: None,
            validation: None,
            overall: None,
            attempt_timeout: None,
            max_attempts: None,
            limits: None,
            http: None,
            max_body_bytes: None,
            report_sample: None,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }
    /// Base URL (default: `<PROVIDER>_API_BASE_URL`, else the policy's production URL).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Credentials (default: none; `from_env` reads them from the policy's env vars).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
    /// Clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
    /// Response validation mode (default: the policy's `responses.validation`).
    pub fn validation(mut self, mode: ValidationMode) -> Self {
        self.validation = Some(mode);
        self
    }
    /// Overall deadline per call (default: policy `timeouts.overall`).
    pub fn timeout(mut self, overall: Duration) -> Self {
        self.overall = Some(overall);
        self
    }
    /// Per-attempt timeout (default: policy `timeouts.attempt`).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }
    /// Attempts per call including the first (default: policy `retry.max_attempts`).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }
    /// Use another rate-limit store (a shared one across replicas).
    pub fn rate_limit_store(mut self, store: Arc<dyn RateLimitStore>) -> Self {
        self.limits = Some(Some(store));
        self
    }
    /// No client-side rate limiting (the provider's 429s still pace retries).
    pub fn without_rate_limits(mut self) -> Self {
        self.limits = Some(None);
        self
    }
    /// Largest response body read (default: policy `responses.max_body_bytes`).
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }
    /// Report-mode validations per second per operation of this client, burst of one
    /// second's worth, the first response always (default: policy
    /// `responses.report_sample_per_second`); `f64::INFINITY` checks every response.
    pub fn report_sample_per_second(mut self, rate: f64) -> Self {
        self.report_sample = Some(rate);
        self
    }
    /// Use this reqwest client (its own timeouts apply too).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// Share rate limits and OAuth2 tokens with every replica through this Redis
    /// (unless [`Settings::rate_limit_store`] or [`Settings::without_rate_limits`] chose
    /// otherwise).
    #[cfg(feature = "redis")]
    pub fn redis(mut self, redis: Arc<tether_redis::Redis>) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Use Redis when `TETHER_REDIS_URL` is set (`TETHER_REDIS_MODE`: `fail_open`, the
    /// default, or `fail_closed`); unset ⇒ the in-process limiter and token cache.
    ///
    /// # Errors
    /// A variable that does not parse, or a URL set in a build without the `redis`
    /// feature (never silently ignored).
    pub fn redis_from_env(self) -> Result<Self, Error> {
        let provider = self.defaults.provider;
        let construction = |message: String| Error::Construction {
            provider: provider.to_owned(),
            message,
        };
        #[cfg(feature = "redis")]
        {
            match tether_redis::RedisConfig::from_env().map_err(|e| construction(e.to_string()))? {
                Some(config) => {
                    let redis = tether_redis::Redis::open_shared(config)
                        .map_err(|e| construction(e.to_string()))?;
                    Ok(self.redis(redis))
                }
                None => Ok(self),
            }
        }
        #[cfg(not(feature = "redis"))]
        {
            match std::env::var("TETHER_REDIS_URL") {
                Ok(url) if !url.trim().is_empty() => Err(construction(
                    "TETHER_REDIS_URL is set but tether-runtime was built without its `redis` feature: enable it, or unset the variable".to_owned(),
                )),
                _ => Ok(self),
            }
        }
    }

    /// Read the credential named by the policy from the environment.
    pub fn credentials_from_env(self) -> Result<Self, Error> {
        let policy = policy_of(self.defaults)?;
        let creds = Credentials::from_env(&policy)?;
        Ok(self.credentials(creds))
    }

    /// Build the client.
    pub fn build(self) -> Result<C, Error> {
        let make = self.make;
        let (base, http, inner) = self.into_parts()?;
        Ok(make(&base, http, inner))
    }

    /// Base URL, reqwest client and state.
    pub fn into_parts(self) -> Result<Parts, Error> {
        let d = self.defaults;
        let policy = policy_of(d)?;
        let base_url = self.base_url.unwrap_or_else(|| d.base_url());
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| Error::Construction {
            provider: d.provider.to_owned(),
            message: format!(
                "base URL `{base_url}` is not a URL: {e} (check {} or the builder)",
                d.base_url_env
            ),
        })?;
        let http = match self.http {
            Some(h) => h,
            None => crate::prepare::http_client(d).map_err(|e| Error::Construction {
                provider: d.provider.to_owned(),
                message: describe_reqwest(&e),
            })?,
        };
        let policy_headers = d
            .headers
            .iter()
            .map(|&(name, value)| {
                let bad = |what: &str| Error::Construction {
                    provider: d.provider.to_owned(),
                    message: format!(
                        "policy header `{name}: {value}` has an invalid {what} (fix `contracts/{}/provider.yaml` and regenerate)",
                        d.provider
                    ),
                };
                // Static bytes: checked here, never copied per call.
                let value = HeaderValue::from_maybe_shared(Bytes::from_static(value.as_bytes()))
                    .map_err(|_| bad("value"))?;
                // Checked, then rebuilt over the static text: a custom name parsed from
                // bytes is shared, reference-counted bytes, so every call's copy would
                // touch one counter from every thread; a static name's copy touches
                // nothing. (`from_static` panics on what `from_bytes` refuses, and on
                // upper case, which `from_bytes` lowers: both are ruled out first.)
                let parsed = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("name"))?;
                let name = if parsed.as_str() == name {
                    HeaderName::from_static(name)
                } else {
                    parsed
                };
                Ok((name, value))
            })
            .collect::<Result<_, Error>>()?;
        let credentials = self.credentials.unwrap_or(Credentials::Anonymous);
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut retry = RetryPolicy::from_policy(&policy);
        if let Some(n) = self.max_attempts {
            retry.max_attempts = n;
        }
        let authority = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or(""))
            + &parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
        let key = format!("{}|{authority}|{}", d.provider, credentials.fingerprint());
        let (specs, concurrency) =
            applicable_limits(&policy, credentials.is_anonymous(), credentials.mode());
        #[cfg(feature = "redis")]
        let redis_specs = self.redis.as_ref().map(|_| specs.clone());
        let shared = shared_state(&key, || Shared {
            quota: RetryQuota::from_policy(&policy),
            breaker: Breaker::new(
                format!("{}@{authority}", d.provider),
                BreakerConfig::from_policy(&policy),
            ),
            adaptive: Adaptive::default(),
            concurrency: concurrency.map(|c| ConcurrencyCap::new(c as usize)),
            limits: Arc::new(LocalLimits::new(specs, Arc::clone(&clock))),
        });
        #[cfg(feature = "redis")]
        let chosen = self.limits.is_some();
        let limits = match self.limits {
            Some(choice) => choice,
            None => Some(Arc::clone(&shared.limits)),
        };
        #[cfg(feature = "redis")]
        let limits = match (&self.redis, redis_specs) {
            (Some(redis), Some(specs)) => {
                if let Credentials::OAuth2(source) = &credentials {
                    source.share_via(Arc::clone(redis));
                }
                if chosen {
                    limits
                } else {
                    Some(Arc::new(crate::scaleout::RedisLimits::new(
                        Arc::clone(redis),
                        d.provider,
                        &credentials.fingerprint(),
                        specs,
                        Arc::clone(&shared.limits),
                    )) as Arc<dyn RateLimitStore>)
                }
            }
            _ => limits,
        };
        let state = State {
            defaults: d,
            auth_header: credentials
                .fixed_header()
                .and_then(|(name, value)| Some((name, value?))),
            policy_headers,
            request_id_header: HeaderName::from_bytes(policy.request_id_header.as_bytes()).ok(),
            keys: d
                .operations
                .iter()
                .map(|op| OperationKeys::new(d.provider, op.id))
                .collect(),
            samplers: d.operations.iter().map(|_| AtomicU64::new(0)).collect(),
            sample_base: clock.now(),
            credentials,
            retry,
            overall: self.overall.unwrap_or(d.overall_timeout),
            attempt_timeout: self.attempt_timeout.unwrap_or(d.attempt_timeout),
            validation: self.validation.unwrap_or(policy.responses.validation),
            max_body_bytes: self
                .max_body_bytes
                .unwrap_or(policy.responses.max_body_bytes.value),
            report_sample: self
                .report_sample
                .unwrap_or(f64::from(policy.responses.report_sample_per_second.value)),
            policy,
            clock,
            shared,
            limits,
        };
        Ok((base_url, http, Inner(Arc::new(state))))
    }
}

fn shared_state(key: &str, make: impl FnOnce() -> Shared) -> Arc<Shared> {
    static REGISTRY: LazyLock<Mutex<HashMap<String, Arc<Shared>>>> =
        LazyLock::new(Default::default);
    let mut map = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(
        map.entry(key.to_owned())
            .or_insert_with(|| Arc::new(make())),
    )
}

fn policy_of(d: &'static RequestDefaults) -> Result<Arc<Policy>, Error> {
    static CACHE: LazyLock<Mutex<HashMap<usize, Arc<Policy>>>> = LazyLock::new(Default::default);
    let key = d.policy.as_ptr() as usize;
    if let Some(p) = CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Ok(Arc::clone(p));
    }
    let path = std::path::PathBuf::from(format!("contracts/{}/provider.yaml", d.provider));
    let policy = Policy::from_text(&path, d.policy).map_err(|e| Error::Construction {
        provider: d.provider.to_owned(),
        message: format!("embedded policy does not load: {e}"),
    })?;
    let policy = Arc::new(policy);
    CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, Arc::clone(&policy));
    Ok(policy)
}

type ValidatorSlot = Arc<OnceLock<Result<Arc<ContractValidator>, String>>>;

/// The contract's validator, built once per process on first use.
fn validator(d: &'static RequestDefaults) -> Result<Arc<ContractValidator>, String> {
    static CACHE: LazyLock<Mutex<HashMap<usize, ValidatorSlot>>> = LazyLock::new(Default::default);
    let slot = Arc::clone(
        CACHE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(d.contract.as_ptr() as usize)
            .or_default(),
    );
    slot.get_or_init(|| {
        let doc = tether_contract::Document::from_bytes(
            std::path::Path::new(d.contract_path),
            d.contract.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        ContractValidator::new(&doc, &ValidatorOptions::default())
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
}

/// One response to check against the contract.
struct ValidationJob {
    defaults: &'static RequestDefaults,
    operation: &'static str,
    /// The call's, for the violation's log line.
    correlation_id: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

/// Report-mode checks waiting on the blocking pool; beyond the cap a check is skipped
/// and counted (`tether_validation_skipped_total`) rather than queued without bound.
static PENDING_CHECKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const MAX_PENDING_CHECKS: usize = 64;

impl ValidationJob {
    /// Validate, log and count violations.
    fn run(&self) -> Result<(), Vec<tether_contract::validate::ValidationError>> {
        let provider = self.defaults.provider;
        let v = match validator(self.defaults) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(target: "tether::contract", provider, error = %e, "contract validator unavailable; response not validated");
                return Ok(());
            }
        };
        let result = v.validate_response(self.operation, self.status, &self.headers, &self.body);
        if let Err(violations) = &result {
            metrics::counter!(crate::telemetry::names::CONTRACT_VIOLATIONS, "provider" => provider, "operation" => self.operation)
                .increment(violations.len() as u64);
            let pointers: Vec<String> = violations
                .iter()
                .map(|v| {
                    let at = if v.pointer.is_empty() {
                        "(body)"
                    } else {
                        &v.pointer
                    };
                    format!("{at} ({})", v.keyword)
                })
                .collect();
            tracing::warn!(target: "tether::contract", provider, operation = self.operation, correlation_id = self.correlation_id.as_str(), status = self.status, violations = %pointers.join(", "), "response violates the contract");
        }
        result
    }

    /// Run in the background (inline when there is no tokio runtime).
    fn spawn(self) {
        use std::sync::atomic::Ordering;
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            let _ = self.run();
            return;
        };
        if PENDING_CHECKS.fetch_add(1, Ordering::AcqRel) >= MAX_PENDING_CHECKS {
            PENDING_CHECKS.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!(crate::telemetry::names::VALIDATION_SKIPPED, "provider" => self.defaults.provider, "operation" => self.operation).increment(1);
            return;
        }
        let span = tracing::Span::current();
        handle.spawn_blocking(move || {
            let _enter = span.enter();
            let _ = self.run();
            PENDING_CHECKS.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

/// A finished exchange: the final response, read whole.
#[derive(Debug)]
pub struct Exchange {
    /// Status.
    pub status: u16,
    /// HTTP version.
    pub version: http::Version,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// The URL that answered (after redirects).
    pub url: reqwest::Url,
    /// Attempts and ids.
    pub report: CallReport,
    /// Error fields of a non-2xx body. Boxed, as `next`: both are rare, and an
    /// `Exchange` is moved up through every layer of the engine on every call.
    pub detail: Option<Box<ProviderDetail>>,
    /// Next page of a paginated operation.
    pub next: Option<Box<NextPage>>,
}

/// Marker on a synthetic response: the engine failed, the error is in the call context.
#[derive(Debug, Clone)]
pub(crate) struct Failed(pub(crate) Arc<String>);

impl Inner {
    /// The provider tables.
    pub fn defaults(&self) -> &'static RequestDefaults {
        self.0.defaults
    }

    /// The provider policy.
    pub fn policy(&self) -> &Policy {
        &self.0.policy
    }

    /// The headers the policy sets on every request.
    pub(crate) fn policy_headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.0.policy_headers
    }

    /// Tokens left in the retry quota.
    pub fn retry_quota_available(&self) -> u32 {
        self.0.shared.quota.available()
    }

    /// The breaker state now.
    pub fn breaker_state(&self) -> crate::breaker::BreakerState {
        self.0.shared.breaker.state(self.0.clock.now())
    }

    /// The `exec` hook: run the call, and hand progenitor a response (the real final
    /// one, rebuilt from the bytes read, or a synthetic one marking a failure).
    #[allow(clippy::manual_async_fn)] // on purpose: an `async fn` stores by-value arguments twice
    pub fn exec<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        rust_name: &'a str,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
        async move {
            let ctx = crate::call::current();
            let options = ctx.as_ref().map(|c| c.options.clone()).unwrap_or_default();
            let result = match self.defaults().operation(rust_name) {
                // Not boxed: the generated `call()` boxes progenitor's whole `send()` future,
                // this one included, so one allocation holds both (a separate box for the
                // engine's few-kilobyte state machine cost an allocation above glibc's
                // small-chunk size per call, BENCHMARKS.md § Runtime).
                Some(op) => self.execute(http, request, op, &options).await,
                None => Err(Error::Request {
                    provider: self.defaults().provider,
                    operation: "unknown",
                    message: format!(
                    "operation `{rust_name}` is not in the generated table (regenerate the client)"
                ),
                }),
            };
            Ok(to_response(result, ctx.as_deref()))
        }
    }

    /// Run one call through the whole stack and return the final response.
    //
    // `execute`, `attempts` and `send_once` return `async move` blocks instead of being
    // `async fn`s: an `async fn` keeps each by-value argument twice in its state (the
    // argument and the local it is rebound to), so the 264-byte request was stored, and
    // copied, twice per layer (BENCHMARKS.md § Runtime).
    pub fn execute<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static OperationMeta,
        options: &'a CallOptions,
    ) -> impl std::future::Future<Output = Result<Exchange, Error>> + Send + 'a {
        self.run(http, Requests::Copied(Some(request)), op, options)
    }

    /// [`Inner::execute`] for a request its caller can build again (the generated
    /// `call()`): the first attempt sends `first` as it is, and a retry sends what
    /// `again` builds (progenitor's request building, then [`Inner::prepare`]). No
    /// template is copied for an attempt that may never be retried (BENCHMARKS.md §
    /// Runtime).
    pub(crate) fn execute_rebuilding<'a>(
        &'a self,
        http: &'a reqwest::Client,
        first: reqwest::Request,
        again: &'a Rebuild<'a>,
        op: &'static OperationMeta,
        options: &'a CallOptions,
    ) -> impl std::future::Future<Output = Result<Exchange, Error>> + Send + 'a {
        let url = first.url().clone();
        let requests = Requests::Rebuilt {
            first: Some(first),
            url,
            again,
        };
        self.run(http, requests, op, options)
    }

    #[allow(clippy::manual_async_fn)] // on purpose: an `async fn` stores by-value arguments twice
    fn run<'a>(
        &'a self,
        http: &'a reqwest::Client,
        mut requests: Requests<'a>,
        op: &'static OperationMeta,
        options: &'a CallOptions,
    ) -> impl std::future::Future<Output = Result<Exchange, Error>> + Send + 'a {
        async move {
            let s = &*self.0;
            let correlation_id = options
                .correlation_id
                .clone()
                .or_else(crate::telemetry::ambient_correlation_id)
                .unwrap_or_else(new_correlation_id);
            let idempotency_key = match requests.first_mut() {
                Some(request) => self.idempotency_key(request, op, options)?,
                None => return unreachable_request(s, op, "no request to send"),
            };
            // DEBUG, as the AWS SDK's `invoke` span: at INFO a call that succeeds first time
            // logs nothing (a backend making thousands of calls a second does not want a
            // record per call), and the events that do reach INFO and WARN (`retrying`,
            // `call failed`) carry the call's identity themselves. An INFO span cost more
            // than the rest of the engine together: the JSON formatter serializes its fields
            // at creation (BENCHMARKS.md § Runtime).
            let span = tracing::debug_span!(
                target: "tether",
                "tether.call",
                provider = s.defaults.provider,
                operation = op.id,
                method = op.method,
                path = op.path,
                correlation_id = correlation_id.as_str(),
            );
            let report = CallReport {
                provider: s.defaults.provider,
                operation: op.id,
                request_id: None,
                correlation_id,
                idempotency_key: idempotency_key.clone(),
                // Most calls make one attempt: room for it alone (a vector's first push
                // would make room for four).
                attempts: Vec::with_capacity(1),
            };
            let retry_allowed = op.idempotent || idempotency_key.is_some();
            let started = s.clock.now();
            let result = self
                .attempts(http, requests, op, options, report, retry_allowed, started)
                .instrument(span.clone())
                .await;
            let elapsed = s.clock.now().saturating_duration_since(started);
            let keys = self.keys(op);
            crate::telemetry::call_finished(
                &span,
                &keys,
                (s.defaults.provider, op.id),
                &result,
                elapsed,
            );
            result
        }
    }

    fn idempotency_key(
        &self,
        request: &mut reqwest::Request,
        op: &OperationMeta,
        options: &CallOptions,
    ) -> Result<Option<String>, Error> {
        let s = &*self.0;
        let Some(header) = s
            .policy
            .idempotency
            .header
            .as_ref()
            .map(|h| h.value.as_str())
        else {
            return Ok(None);
        };
        if !op.idempotency_key && options.idempotency_key.is_none() {
            return Ok(None);
        }
        let existing = request
            .headers()
            .get(header)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let key = options
            .idempotency_key
            .clone()
            .or(existing)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let max = s
            .policy
            .idempotency
            .max_length
            .as_ref()
            .map_or(u64::MAX, |m| m.value);
        let bad = |why: String| Error::Request {
            provider: s.defaults.provider,
            operation: op.id,
            message: why,
        };
        if key.len() as u64 > max {
            return Err(bad(format!(
                "idempotency key is {} characters; the provider allows at most {max}",
                key.len()
            )));
        }
        let value = HeaderValue::from_str(&key)
            .map_err(|_| bad("idempotency key is not a valid header value".to_owned()))?;
        let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
            bad(format!(
                "policy idempotency header `{header}` is not a header name"
            ))
        })?;
        request.headers_mut().insert(name, value);
        Ok(Some(key))
    }

    /// A rebuilt request (a retry of a [`Requests::Rebuilt`] call) carries the key the
    /// first attempt sent: the same header, the same value.
    fn resend_idempotency_key(&self, request: &mut reqwest::Request, key: Option<&str>) {
        let header = self.0.policy.idempotency.header.as_ref();
        if let (Some(header), Some(key)) = (header, key) {
            // Both were checked when the first attempt's header was set.
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(header.value.as_bytes()),
                HeaderValue::from_str(key),
            ) {
                request.headers_mut().insert(name, value);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::manual_async_fn)] // on purpose: an `async fn` stores by-value arguments twice
    fn attempts<'a>(
        &'a self,
        http: &'a reqwest::Client,
        mut requests: Requests<'a>,
        op: &'static OperationMeta,
        options: &'a CallOptions,
        mut report: CallReport,
        retry_allowed: bool,
        started: Instant,
    ) -> impl std::future::Future<Output = Result<Exchange, Error>> + Send + 'a {
        async move {
            let s = &*self.0;
            let deadline = started + options.timeout.unwrap_or(s.overall);
            let mut waited = Duration::ZERO;
            let mut last_retry_cost = None;
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                // Breaker: fail fast while open. The probe guard gives a half-open slot back
                // if this attempt never goes out.
                // The first attempt starts when the call did (one clock read fewer per
                // call); a retry reads the clock after its backoff. `now` holds until
                // something below waits.
                let now = if attempt == 1 { started } else { s.clock.now() };
                let probe = match s.shared.breaker.acquire(now) {
                    Ok(p) => p,
                    Err(retry_in) => return Err(circuit_open(s, op, requests.url(), retry_in)),
                };
                // Client-side limits: wait for a slot within the deadline.
                let slot_wait = self.wait_for_slot(op, deadline, now, &mut report).await?;
                waited += slot_wait;
                let mut now = slot_wait.is_zero().then_some(now);
                // Concurrency cap: wait for a slot, but never past the deadline.
                let _slot = match &s.shared.concurrency {
                    Some(cap) => match cap.try_acquire() {
                        // A free slot is taken without arming a timer.
                        Some(slot) => Some(slot),
                        None => {
                            // Boxed: the waiting path's state machine stays out of this
                            // function's (it is rare; the free-slot path above is not).
                            now = None;
                            let left = deadline.saturating_duration_since(s.clock.now());
                            match Box::pin(tokio::time::timeout(left, cap.acquire())).await {
                                Ok(slot) => Some(slot),
                                Err(_) => return Err(timed_out(s, report, started)),
                            }
                        }
                    },
                    None => None,
                };
                let (mut req, retry_possible) = match &mut requests {
                    Requests::Copied(original) => {
                        let Some(template) = original.as_ref() else {
                            return unreachable_request(s, op, "request lost between attempts");
                        };
                        // A streaming body cannot be cloned: such a request gets exactly
                        // one attempt.
                        match attempt_copy(template) {
                            Some(r) => (r, retry_allowed),
                            None => match original.take() {
                                Some(r) => (r, false),
                                None => {
                                    unreachable_request(s, op, "request body could not be re-sent")?
                                }
                            },
                        }
                    }
                    Requests::Rebuilt { first, again, .. } => match first.take() {
                        Some(r) => (r, retry_allowed),
                        None => match again() {
                            Ok(mut r) => {
                                self.resend_idempotency_key(
                                    &mut r,
                                    report.idempotency_key.as_deref(),
                                );
                                (r, retry_allowed)
                            }
                            Err(message) => {
                                return Err(Error::Request {
                                    provider: s.defaults.provider,
                                    operation: op.id,
                                    message: format!(
                                        "the retry's request could not be built: {message}"
                                    ),
                                })
                            }
                        },
                    },
                };
                // The correlation header goes on each attempt's request, not on the template:
                // a header value built from a `String` is promoted to shared bytes (one more
                // allocation) the first time the template's headers are copied.
                if let Ok(v) = HeaderValue::from_str(&report.correlation_id) {
                    // A `HeaderName` constant: a `&str` key allocates a name on every insert.
                    const NAME: HeaderName = HeaderName::from_static(CORRELATION_HEADER);
                    req.headers_mut().insert(NAME, v);
                }
                match &s.auth_header {
                    Some((name, value)) => {
                        req.headers_mut().insert(name.clone(), value.clone());
                    }
                    None => {
                        // An OAuth2 token fetch counts against the call's deadline.
                        now = None;
                        // Boxed: the token fetch's state machine stays out of this
                        // function's (a fixed credential never takes this path).
                        let left = deadline.saturating_duration_since(s.clock.now());
                        let apply = s
                            .credentials
                            .apply(req.headers_mut(), http, s.clock.as_ref());
                        match Box::pin(tokio::time::timeout(left, apply)).await {
                            Ok(applied) => applied?,
                            Err(_) => return Err(timed_out(s, report, started)),
                        }
                    }
                }
                let remaining =
                    deadline.saturating_duration_since(now.unwrap_or_else(|| s.clock.now()));
                if remaining.is_zero() {
                    return Err(timed_out(s, report, started));
                }
                let attempt_span = tracing::debug_span!(target: "tether", "tether.attempt", attempt, status = tracing::field::Empty);
                let t0 = Instant::now();
                // The attempt's bound (connect, headers and body) is a timer here rather than
                // reqwest's per-request timeout, which costs an extensions map on every
                // request and its clone (BENCHMARKS.md § Runtime).
                let sent = tokio::time::timeout(
                    s.attempt_timeout.min(remaining),
                    self.send_once(http.execute(req), requests.url()),
                )
                .instrument(attempt_span.clone())
                .await
                .unwrap_or_else(|_| {
                    Err(SendError::Transport {
                        timed_out: true,
                        message: "timeout: operation timed out".to_owned(),
                    })
                });
                let elapsed = t0.elapsed();
                let wall = s.clock.wall();
                let (verdict, response) = match sent {
                    Ok(received) => {
                        let (status, headers) = (received.status, &received.headers);
                        attempt_span.record("status", status);
                        let now = s.clock.now();
                        probe.record(status >= 500, now);
                        s.shared.adaptive.observe(
                            status,
                            Headroom::from_headers(headers),
                            now,
                            wall,
                        );
                        if let Some(id) = s
                            .request_id_header
                            .as_ref()
                            .and_then(|name| headers.get(name)?.to_str().ok())
                        {
                            report.request_id = Some(id.to_owned());
                        }
                        let v = s.retry.classify(status, headers, &received.body, wall);
                        crate::telemetry::attempt(
                            &self.keys(op),
                            Some(status),
                            v.throttled,
                            elapsed,
                        );
                        (v, Ok(received))
                    }
                    Err(SendError::TooLarge) => {
                        probe.record(false, s.clock.now()); // the host answered
                        return Err(body_too_large(s, report, attempt, elapsed, waited));
                    }
                    Err(SendError::Transport { timed_out, message }) => {
                        probe.record(true, s.clock.now());
                        crate::telemetry::attempt(&self.keys(op), None, false, elapsed);
                        (transport_verdict(timed_out), Err((timed_out, message)))
                    }
                };
                let outcome = match &response {
                    Ok(r) if verdict.cause == Cause::Success => success_outcome(r.status),
                    Ok(r) => Cow::Owned(format!("{} {}", r.status, verdict.cause)),
                    Err((_, m)) => Cow::Owned(m.clone()),
                };
                report.attempts.push(Attempt {
                    number: attempt,
                    status: response.as_ref().ok().map(|r| r.status),
                    outcome,
                    elapsed,
                    waited,
                });
                let budget = Budget {
                    attempt,
                    resendable: retry_possible,
                    deadline,
                    clock: s.clock.as_ref(),
                    quota: &s.shared.quota,
                };
                match s.retry.decide(&verdict, &budget) {
                    Decision::Retry { wait, cost } => {
                        last_retry_cost = Some(cost);
                        retrying(s, op, &report, attempt, wait, verdict.cause);
                        s.clock.sleep(wait).await;
                        waited = wait;
                        continue;
                    }
                    Decision::RateLimited { wait, reset_at } => {
                        return Err(Error::RateLimited {
                            report: Box::new(report),
                            wait,
                            reset_at,
                        })
                    }
                    Decision::QuotaExhausted => {
                        if let Some(a) = report.attempts.last_mut() {
                            a.outcome.to_mut().push_str(" (retry quota exhausted)");
                        }
                        tracing::warn!(target: "tether", provider = s.defaults.provider, "retry quota exhausted; not retrying");
                    }
                    Decision::Stop => {}
                }
                return match response {
                    Ok(mut received) => {
                        if (200..300).contains(&received.status) {
                            s.shared.quota.release(last_retry_cost);
                        }
                        // The origin a next-page link must share: the request's (the one
                        // that answered when the request could not be kept for retries).
                        // A rebuilt call's URL moves into the result when the response
                        // came from it (no redirect): `send_once` did not copy it.
                        match (requests, received.url.take()) {
                            (Requests::Rebuilt { url, .. }, None) => {
                                self.finish(op, options, None, url, report, received)
                            }
                            (requests, answered) => {
                                match answered.or_else(|| requests.url().cloned()) {
                                    Some(url) => self.finish(
                                        op,
                                        options,
                                        requests.url(),
                                        url,
                                        report,
                                        received,
                                    ),
                                    None => unreachable_request(s, op, "response URL lost"),
                                }
                            }
                        }
                    }
                    Err((true, _)) => Err(timed_out(s, report, started)),
                    Err((false, message)) => Err(transport(report, message)),
                };
            }
        }
    }

    /// Wait for the limits' slots; `now` is the time when called (read by the caller).
    async fn wait_for_slot(
        &self,
        op: &'static OperationMeta,
        deadline: Instant,
        now: Instant,
        report: &mut CallReport,
    ) -> Result<Duration, Error> {
        let s = &*self.0;
        let mut total = Duration::ZERO;
        for round in 0..10_000 {
            let now = if round == 0 { now } else { s.clock.now() };
            let adaptive = s.shared.adaptive.delay(now);
            let wait = if !adaptive.is_zero() {
                Some(adaptive)
            } else if let Some(store) = &s.limits {
                // A store that cannot answer has already applied its failure mode
                // (fail_open answers from its local fallback); an error means fail_closed.
                // An in-process store answers at once, without the boxed future.
                let answer = match store.acquire_now(op) {
                    Some(answer) => answer,
                    None => store.acquire(op).await,
                };
                answer.map_err(|e| Error::LimiterUnavailable {
                    report: Box::new(std::mem::take(report)),
                    message: e.0,
                })?
            } else {
                None
            };
            let Some(wait) = wait else { return Ok(total) };
            if now + wait >= deadline {
                return Err(Error::RateLimited {
                    report: Box::new(std::mem::take(report)),
                    wait,
                    reset_at: Some(s.clock.wall() + wait),
                });
            }
            metrics::counter!(crate::telemetry::names::RATE_LIMIT_WAITS, "provider" => s.defaults.provider, "operation" => op.id).increment(1);
            metrics::histogram!(crate::telemetry::names::RATE_LIMIT_WAIT_DURATION, "provider" => s.defaults.provider, "operation" => op.id).record(wait.as_secs_f64());
            s.clock.sleep(wait).await;
            total += wait;
        }
        Ok(total)
    }

    /// The attempt `sent` (reqwest's future for it, made by the caller so that this
    /// state machine holds that future instead of the 264-byte request).
    #[allow(clippy::manual_async_fn)] // on purpose: an `async fn` stores by-value arguments twice
    fn send_once<'a>(
        &'a self,
        sent: impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a,
        known: Option<&'a reqwest::Url>,
    ) -> impl std::future::Future<Output = Result<Received, SendError>> + Send + 'a {
        async move {
            let mut response = sent.await.map_err(SendError::from_reqwest)?;
            let limit = self.0.max_body_bytes;
            if response.content_length().is_some_and(|n| n > limit) {
                return Err(SendError::TooLarge);
            }
            let status = response.status().as_u16();
            let version = response.version();
            let headers = std::mem::take(response.headers_mut());
            // `None`: the URL the caller already holds answered (no redirect).
            let url = (Some(response.url()) != known).then(|| response.url().clone());
            if response.content_length().is_some() {
                // A declared length (checked against the limit above) bounds the body: hyper
                // reads exactly that many bytes. `bytes()` hands a single-chunk body through
                // without the copy the loop below makes (a body-sized allocation and memcpy
                // per call, BENCHMARKS.md § Runtime).
                let body = response.bytes().await.map_err(SendError::from_reqwest)?;
                return Ok(Received {
                    status,
                    version,
                    headers,
                    body,
                    url,
                });
            }
            // No length declared (chunked): read chunk by chunk, refusing past the limit
            // without buffering the rest.
            let mut body = BytesMut::new();
            while let Some(chunk) = response.chunk().await.map_err(SendError::from_reqwest)? {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(SendError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Received {
                status,
                version,
                headers,
                body: body.freeze(),
                url,
            })
        }
    }

    fn finish(
        &self,
        op: &'static OperationMeta,
        options: &CallOptions,
        origin: Option<&reqwest::Url>,
        url: reqwest::Url,
        report: CallReport,
        received: Received,
    ) -> Result<Exchange, Error> {
        let s = &*self.0;
        let Received {
            status,
            version,
            headers,
            body,
            url: _,
        } = received;
        let mode = options.validation.unwrap_or(s.validation);
        let check = || ValidationJob {
            defaults: s.defaults,
            operation: op.id,
            correlation_id: report.correlation_id.clone(),
            status,
            headers: headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: body.clone(),
        };
        match mode {
            ValidationMode::Off => {}
            // Report mode never changes the result, so it stays off the caller's path:
            // the check runs on the blocking pool while the data is returned.
            ValidationMode::Report => {
                if self.sample(op) {
                    check().spawn();
                } else {
                    crate::telemetry::count(&self.keys(op).sampled_out);
                }
            }
            ValidationMode::Enforce => {
                if let Err(violations) = check().run() {
                    if (200..300).contains(&status) {
                        return Err(Error::ContractViolation {
                            report: Box::new(report),
                            status,
                            violations,
                        });
                    }
                }
            }
        }
        let detail = (status >= 400).then(|| Box::new(ProviderDetail::from_body(&body)));
        let next = if op.paginated && (200..300).contains(&status) {
            self.next_page(&headers, &body, origin.unwrap_or(&url))
                .map(Box::new)
        } else {
            None
        };
        Ok(Exchange {
            status,
            version,
            headers,
            body,
            url,
            report,
            detail,
            next,
        })
    }

    /// The metric keys of `op` (built with the client; an operation from outside the
    /// generated table, a hand-built `OperationMeta`, gets them built now).
    fn keys(&self, op: &'static OperationMeta) -> Cow<'_, OperationKeys> {
        let s = &*self.0;
        match self.op_index(op) {
            Some(i) => Cow::Borrowed(&s.keys[i]),
            None => Cow::Owned(OperationKeys::new(s.defaults.provider, op.id)),
        }
    }

    /// Where `op` stands in the generated table (the index of its per-operation state),
    /// or `None` for a hand-built `OperationMeta`.
    fn op_index(&self, op: &'static OperationMeta) -> Option<usize> {
        let operations = self.0.defaults.operations;
        operations.iter().position(|o| std::ptr::eq(o, op))
    }

    /// Whether to validate this report-mode response: at most `report_sample` per
    /// second per operation and client, with a burst of one second's worth, the first
    /// response always. A GCRA on one atomic per operation: a response not sampled (the
    /// common case) only reads it, so threads do not fight over a lock per call.
    fn sample(&self, op: &'static OperationMeta) -> bool {
        let s = &*self.0;
        if s.report_sample.is_infinite() {
            return true;
        }
        let Some(i) = self.op_index(op) else {
            return true; // an operation outside the generated table: always checked
        };
        let interval = if s.report_sample > 0.0 {
            (1e9 / s.report_sample) as u64
        } else {
            u64::MAX
        };
        let tolerance = interval.saturating_mul(s.report_sample.max(1.0) as u64 - 1);
        let now = s
            .clock
            .now()
            .saturating_duration_since(s.sample_base)
            .as_nanos() as u64;
        s.samplers[i]
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                (now.saturating_add(tolerance) >= tat)
                    .then(|| tat.max(now).saturating_add(interval))
            })
            .is_ok()
    }

    fn next_page(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        origin: &reqwest::Url,
    ) -> Option<NextPage> {
        let p = &self.0.policy.pagination;
        match p.style {
            PaginationStyle::LinkHeader => {
                let link = headers.get("link")?.to_str().ok()?;
                let next = reqwest::Url::parse(&link_next(link)?).ok()?;
                if same_origin(origin, &next) {
                    Some(NextPage::Url(next))
                } else {
                    tracing::warn!(target: "tether", next = %next.origin().ascii_serialization(), "next-page link points to another origin; not followed");
                    None
                }
            }
            PaginationStyle::CursorHasMore => {
                let value = cursor_next(
                    body,
                    p.has_more_field.as_deref()?,
                    p.items_field.as_deref()?,
                )?;
                Some(NextPage::Cursor {
                    param: p.cursor_param.clone()?,
                    value,
                })
            }
        }
    }
}

// The engine's failures are built out of line and marked cold: `attempts` is one
// state machine, and keeping its error paths out of it keeps the success path's code
// dense (fewer instruction-cache lines per call, BENCHMARKS.md § Runtime).

#[cold]
#[inline(never)]
fn unreachable_request<T>(s: &State, op: &OperationMeta, why: &str) -> Result<T, Error> {
    Err(Error::Request {
        provider: s.defaults.provider,
        operation: op.id,
        message: why.to_owned(),
    })
}

#[cold]
#[inline(never)]
fn circuit_open(
    s: &State,
    op: &OperationMeta,
    url: Option<&reqwest::Url>,
    retry_in: Duration,
) -> Error {
    Error::CircuitOpen {
        provider: s.defaults.provider,
        operation: op.id,
        host: url
            .map(|u| u.host_str().unwrap_or("").to_owned())
            .unwrap_or_default(),
        retry_in,
    }
}

#[cold]
#[inline(never)]
fn retrying(
    s: &State,
    op: &OperationMeta,
    report: &CallReport,
    attempt: u32,
    wait: Duration,
    reason: Cause,
) {
    metrics::counter!(crate::telemetry::names::RETRIES, "provider" => s.defaults.provider, "operation" => op.id).increment(1);
    tracing::info!(target: "tether", provider = s.defaults.provider, operation = op.id, correlation_id = report.correlation_id.as_str(), attempt, wait_ms = wait.as_millis() as u64, reason = reason.as_str(), "retrying");
}

#[cold]
#[inline(never)]
fn timed_out(s: &State, report: CallReport, started: Instant) -> Error {
    Error::Timeout {
        report: Box::new(report),
        elapsed: s.clock.now().saturating_duration_since(started),
    }
}

#[cold]
#[inline(never)]
fn transport(report: CallReport, message: String) -> Error {
    Error::Transport {
        report: Box::new(report),
        message,
    }
}

#[cold]
#[inline(never)]
fn body_too_large(
    s: &State,
    mut report: CallReport,
    number: u32,
    elapsed: Duration,
    waited: Duration,
) -> Error {
    report.attempts.push(Attempt {
        number,
        status: None,
        outcome: "body too large".into(),
        elapsed,
        waited,
    });
    Error::BodyTooLarge {
        report: Box::new(report),
        limit: s.max_body_bytes,
    }
}

/// One response, read whole.
struct Received {
    status: u16,
    version: http::Version,
    headers: HeaderMap,
    body: Bytes,
    /// The URL that answered, when it is not the one the caller holds.
    url: Option<reqwest::Url>,
}

/// A retry's request, built again by the generated code: progenitor's request building
/// and [`Inner::prepare`]; an error is its message.
pub type Rebuild<'a> = dyn Fn() -> Result<reqwest::Request, String> + Send + Sync + 'a;

/// Where each attempt's request comes from.
pub(crate) enum Requests<'a> {
    /// A copy of this template per attempt (`send()` through the hooks, hand-built
    /// requests); `None` once a request that cannot be copied (a streamed body) was sent
    /// as it is.
    Copied(Option<reqwest::Request>),
    /// The first request as built, then one built again per retry.
    Rebuilt {
        first: Option<reqwest::Request>,
        /// The first request's URL (the origin of a next page, and the URL that
        /// answered unless the response was redirected).
        url: reqwest::Url,
        again: &'a Rebuild<'a>,
    },
}

impl Requests<'_> {
    fn first_mut(&mut self) -> Option<&mut reqwest::Request> {
        match self {
            Requests::Copied(r) | Requests::Rebuilt { first: r, .. } => r.as_mut(),
        }
    }

    fn url(&self) -> Option<&reqwest::Url> {
        match self {
            Requests::Copied(r) => r.as_ref().map(reqwest::Request::url),
            Requests::Rebuilt { url, .. } => Some(url),
        }
    }
}

enum SendError {
    TooLarge,
    Transport { timed_out: bool, message: String },
}

impl SendError {
    fn from_reqwest(e: reqwest::Error) -> Self {
        Self::Transport {
            timed_out: e.is_timeout(),
            message: describe_reqwest(&e),
        }
    }
}

/// The response progenitor sees.
fn to_response(result: Result<Exchange, Error>, ctx: Option<&CallContext>) -> reqwest::Response {
    let kept = match ctx {
        Some(ctx) => ctx.keep(result),
        None => crate::call::Outcome::default().keep(result),
    };
    match kept {
        Ok(answer) => answer.into_response(),
        Err(message) => failed_response(message),
    }
}

/// A UUID v4 for a call that brought no correlation id. Its bits come from the
/// per-thread generator (`fastrand`, seeded per thread from the process's random hash
/// keys), not from the OS: a correlation id only has to be unique enough to find a call
/// in logs, and a `getrandom` call per request cost 0.7 % of a call in the overhead
/// profile (BENCHMARKS.md § Runtime). Idempotency keys, which a provider uses to
/// deduplicate writes, keep `Uuid::new_v4` (the OS generator).
/// A successful attempt's outcome, its status: the statuses a provider answers a success
/// with as static text (no string made per call), any other formatted.
fn success_outcome(status: u16) -> Cow<'static, str> {
    Cow::Borrowed(match status {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        _ => return Cow::Owned(status.to_string()),
    })
}

fn new_correlation_id() -> String {
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut text)
        .to_owned()
}

/// The request one attempt sends, copied from the call's template; `None` when the body
/// is a stream (it cannot be sent twice). reqwest's `try_clone` allocates an extensions
/// map on every call (its `timeout_mut` inserts one that the clone then replaces): three
/// allocations per attempt (BENCHMARKS.md § Runtime). A request without a body, every
/// GET, is copied field by field instead; the only extension reqwest's public API sets
/// is the per-request timeout, copied when present.
fn attempt_copy(template: &reqwest::Request) -> Option<reqwest::Request> {
    if template.body().is_some() {
        return template.try_clone();
    }
    let mut req = reqwest::Request::new(template.method().clone(), template.url().clone());
    *req.headers_mut() = template.headers().clone();
    *req.version_mut() = template.version();
    if let Some(timeout) = template.timeout() {
        *req.timeout_mut() = Some(*timeout);
    }
    Some(req)
}

/// Status 999 is outside every range a generated client matches (2xx, 4XX, 5XX), so
/// progenitor hands it to the `post` hook untouched.
pub(crate) fn failed_response(message: String) -> reqwest::Response {
    let mut r = http::Response::new(Bytes::new());
    *r.status_mut() =
        http::StatusCode::from_u16(999).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    r.extensions_mut().insert(Failed(Arc::new(message)));
    reqwest::Response::from(r)
}

/// The `post` hook: turn a synthetic failure into progenitor's error.
#[allow(clippy::result_large_err)] // progenitor's `Error` type and hook signature, not ours
pub fn post_hook<E>(
    result: &reqwest::Result<reqwest::Response>,
) -> Result<(), progenitor_client::Error<E>> {
    if let Ok(r) = result {
        if let Some(Failed(message)) = r.extensions().get::<Failed>() {
            return Err(progenitor_client::Error::Custom(message.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::meta::RequestDefaults;

    /// GitHub's defaults with `headers` as the policy's headers.
    fn github_defaults_with(
        headers: &'static [(&'static str, &'static str)],
    ) -> &'static RequestDefaults {
        Box::leak(Box::new(RequestDefaults {
            provider: "github",
            production_base_url: "https://api.github.com",
            base_url_env: "TETHER_TEST_UNSET_BASE_URL",
            headers,
            connect_timeout: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(1),
            overall_timeout: Duration::from_secs(1),
            policy: include_str!("../../../contracts/github/provider.yaml"),
            contract: "",
            contract_path: "contracts/github/repos.v1.yaml",
            operations: &[],
        }))
    }

    #[test]
    fn a_policy_header_that_is_not_a_valid_header_fails_the_build_and_names_it() {
        let defaults = github_defaults_with(&[("user-agent", "tether\nInjected: yes")]);
        let err = super::Settings::parts(defaults).build().unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("policy header `user-agent: tether")
                && text.contains("invalid value")
                && text.contains("contracts/github/provider.yaml"),
            "{text}"
        );
    }

    /// Names are taken as the provider's docs write them: upper case is lowered (HTTP
    /// names are case-insensitive), not a panic of the static-name fast path.
    #[test]
    fn a_policy_header_name_in_upper_case_is_sent_in_lower_case() {
        let defaults =
            github_defaults_with(&[("X-GitHub-Api-Version", "2022-11-28"), ("x-plain", "1")]);
        let (_, _, inner) = super::Settings::parts(defaults).build().unwrap();
        let names: Vec<&str> = inner
            .policy_headers()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["x-github-api-version", "x-plain"]);
    }

    #[test]
    fn a_successful_attempts_outcome_is_its_status_without_a_string_made_for_it() {
        for (status, text) in [(200, "200"), (201, "201"), (202, "202"), (204, "204")] {
            let outcome = super::success_outcome(status);
            assert!(matches!(outcome, std::borrow::Cow::Borrowed(_)), "{status}");
            assert_eq!(outcome, text);
        }
        assert_eq!(super::success_outcome(226), "226");
    }

    #[test]
    fn generated_correlation_ids_are_distinct_v4_uuids() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| super::new_correlation_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let parsed = uuid::Uuid::parse_str(id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
    }
}
