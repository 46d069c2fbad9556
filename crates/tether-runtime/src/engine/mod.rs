//! The engine behind every call: generated code ([`crate::call::Direct`]), the sentinel
//! and `xtask call` hand it a built request ([`Engine::execute`]) and it runs breaker → limiter → auth → attempt (per-attempt timeout inside
//! the overall deadline) → bounded body read → classify → maybe wait and retry → validate,
//! with telemetry around each step. Its state ([`Engine`]) is what the generated `Client`
//! carries.
//!
//! Where each part lives:
//! - this file: the call ([`Engine::execute`]) and its attempt loop, limiter waits,
//!   idempotency keys, and the engine's failures;
//! - [`builder`]: the client builder ([`ClientBuilder`]) and the state it assembles;
//! - `registry`: process-wide state (per provider, base URL and credential: retry quota,
//!   breaker, limits) and the policy and validator parsed once per process;
//! - `read`: one attempt on the wire, the body read within its bound;
//! - `finish`: the final response (validation by mode, error detail, next page);
//! - `validation`: the report-mode sampler and the validation job.
//!
//! Whether to retry is decided in [`crate::retry`] ([`crate::retry::RetryPolicy::decide`]).

use std::borrow::Cow;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tether_contract::policy::{Policy, ValidationMode};
use tracing::Instrument;

use crate::auth::Credentials;
use crate::breaker::{Breaker, Probe};
use crate::clock::Clock;
use crate::concurrency::{ConcurrencyCap, Slot};
use crate::error::{Attempt, CallReport, Error, ProviderDetail};
use crate::limit::{Adaptive, Headroom, RateLimitStore};
use crate::meta::{OperationMeta, RequestDefaults};
use crate::options::CallOptions;
use crate::options::NextPage;
use crate::retry::{transport_verdict, Budget, Cause, Decision, RetryPolicy, RetryQuota, Verdict};
use crate::telemetry::OperationKeys;

pub mod builder;
mod finish;
mod read;
mod registry;
mod validation;

pub use builder::{ClientBuilder, Make, Parts};
use read::{AttemptResponse, SendError};

/// Header carrying our correlation id.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// State shared by the clones of one generated client.
#[derive(Clone, Debug)]
pub struct Engine(Arc<State>);

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

/// A finished exchange: the final response, read whole.
#[derive(Debug)]
pub struct FinalResponse {
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
    /// `FinalResponse` is moved up through every layer of the engine on every call.
    pub detail: Option<Box<ProviderDetail>>,
    /// Next page of a paginated operation.
    pub next: Option<Box<NextPage>>,
}

impl Engine {
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

    /// Run one call through the whole stack and return the final response.
    //
    // `execute`, `attempts` and `send_once` return `async move` blocks instead of being
    // `async fn`s: an `async fn` keeps each by-value argument twice in its state (the
    // argument and the local it is rebound to), so the request was stored, and copied,
    // twice per layer (BENCHMARKS.md § Runtime).
    pub fn execute<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        op: &'static OperationMeta,
        options: &'a CallOptions,
    ) -> impl std::future::Future<Output = Result<FinalResponse, Error>> + Send + 'a {
        self.run(http, Requests::Copied(Some(request)), op, options)
    }

    /// [`Engine::execute`] for a request its caller can build again (the generated
    /// `call()`): the first attempt sends `first` as it is, and a retry sends what
    /// `again` builds (progenitor's request building, then [`Engine::prepare`]). No
    /// template is copied for an attempt that may never be retried (BENCHMARKS.md §
    /// Runtime).
    pub(crate) fn execute_rebuilding<'a>(
        &'a self,
        http: &'a reqwest::Client,
        first: reqwest::Request,
        again: &'a Rebuild<'a>,
        op: &'static OperationMeta,
        options: &'a CallOptions,
    ) -> impl std::future::Future<Output = Result<FinalResponse, Error>> + Send + 'a {
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
    ) -> impl std::future::Future<Output = Result<FinalResponse, Error>> + Send + 'a {
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
                result.as_ref().map(|x| (x.status, &x.report, &x.headers)),
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

    /// The attempt loop, in the AWS SDK orchestrator's shape: admit (breaker, limits,
    /// cap) → the attempt's request and its auth → send and read within the attempt's
    /// bound → classify → [`RetryPolicy::decide`] → again, or conclude.
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
    ) -> impl std::future::Future<Output = Result<FinalResponse, Error>> + Send + 'a {
        async move {
            let s = &*self.0;
            let deadline = started + options.timeout.unwrap_or(s.overall);
            let mut waited = Duration::ZERO;
            let mut last_retry_cost = None;
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                // The first attempt starts when the call did (one clock read fewer per
                // call); a retry reads the clock after its backoff.
                let now = if attempt == 1 { started } else { s.clock.now() };
                let admitted = self
                    .admit(op, requests.url(), now, deadline, started, &mut report)
                    .await?;
                waited += admitted.slot_wait;
                let (mut req, resendable) =
                    self.attempt_request(&mut requests, op, retry_allowed, &report)?;
                let now = self
                    .authorize(&mut req, http, admitted.now, deadline, started, &mut report)
                    .await?;
                let remaining =
                    deadline.saturating_duration_since(now.unwrap_or_else(|| s.clock.now()));
                if remaining.is_zero() {
                    return Err(timed_out(s, report, started));
                }
                let t0 = Instant::now();
                let sent = self
                    .send_attempt(http, req, requests.url(), remaining, attempt)
                    .await;
                let (verdict, response) = self.classify(
                    op,
                    admitted.probe,
                    sent,
                    t0.elapsed(),
                    attempt,
                    waited,
                    &mut report,
                )?;
                let budget = Budget {
                    attempt,
                    resendable,
                    deadline,
                    clock: s.clock.as_ref(),
                    quota: &s.shared.quota,
                };
                match s.retry.decide(&verdict, &budget) {
                    Decision::Retry { wait, cost } => {
                        last_retry_cost = Some(cost);
                        retrying(s, op, &report, attempt, wait, verdict.cause);
                        // The concurrency slot (`admitted`) is held through the backoff.
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
                    Decision::QuotaExhausted => quota_exhausted(s, &mut report),
                    Decision::Stop => {}
                }
                return match response {
                    Ok(received) => {
                        self.conclude(op, options, requests, received, report, last_retry_cost)
                    }
                    Err((true, _)) => Err(timed_out(s, report, started)),
                    Err((false, message)) => Err(transport(report, message)),
                };
            }
        }
    }

    /// Admission of one attempt: the breaker (fail fast while open; the probe guard gives
    /// a half-open slot back if the attempt never goes out), the client-side limits
    /// (wait for a slot within the deadline), the concurrency cap (wait for a slot, never
    /// past the deadline). `now` stays the time read before, unless something waited.
    async fn admit<'s>(
        &'s self,
        op: &'static OperationMeta,
        url: Option<&reqwest::Url>,
        now: Instant,
        deadline: Instant,
        started: Instant,
        report: &mut CallReport,
    ) -> Result<Admitted<'s>, Error> {
        let s = &*self.0;
        let probe = match s.shared.breaker.acquire(now) {
            Ok(p) => p,
            Err(retry_in) => return Err(circuit_open(s, op, url, retry_in)),
        };
        let slot_wait = self.wait_for_slot(op, deadline, now, report).await?;
        let mut now = slot_wait.is_zero().then_some(now);
        let slot = match &s.shared.concurrency {
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
                        Err(_) => return Err(timed_out(s, std::mem::take(report), started)),
                    }
                }
            },
            None => None,
        };
        Ok(Admitted {
            probe,
            _slot: slot,
            slot_wait,
            now,
        })
    }

    /// This attempt's request, and whether it may be sent again: a copy of the template
    /// (a streamed body cannot be copied: such a request gets exactly one attempt), or
    /// the first request as built, then one built again with the first attempt's
    /// idempotency key.
    fn attempt_request(
        &self,
        requests: &mut Requests<'_>,
        op: &'static OperationMeta,
        retry_allowed: bool,
        report: &CallReport,
    ) -> Result<(reqwest::Request, bool), Error> {
        let s = &*self.0;
        let (mut req, resendable) = match requests {
            Requests::Copied(original) => {
                let Some(template) = original.as_ref() else {
                    return unreachable_request(s, op, "request lost between attempts");
                };
                match attempt_copy(template) {
                    Some(r) => (r, retry_allowed),
                    None => match original.take() {
                        Some(r) => (r, false),
                        None => unreachable_request(s, op, "request body could not be re-sent")?,
                    },
                }
            }
            Requests::Rebuilt { first, again, .. } => match first.take() {
                Some(r) => (r, retry_allowed),
                None => match again() {
                    Ok(mut r) => {
                        self.resend_idempotency_key(&mut r, report.idempotency_key.as_deref());
                        (r, retry_allowed)
                    }
                    Err(message) => {
                        return Err(Error::Request {
                            provider: s.defaults.provider,
                            operation: op.id,
                            message: format!("the retry's request could not be built: {message}"),
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
        Ok((req, resendable))
    }

    /// The credential on the attempt's request: a fixed header as built with the client,
    /// or an OAuth2 token (fetched within the call's deadline). Returns `now` still valid
    /// when nothing waited.
    async fn authorize(
        &self,
        req: &mut reqwest::Request,
        http: &reqwest::Client,
        now: Option<Instant>,
        deadline: Instant,
        started: Instant,
        report: &mut CallReport,
    ) -> Result<Option<Instant>, Error> {
        let s = &*self.0;
        match &s.auth_header {
            Some((name, value)) => {
                req.headers_mut().insert(name.clone(), value.clone());
                Ok(now)
            }
            None => {
                // Boxed: the token fetch's state machine stays out of this function's (a
                // fixed credential never takes this path).
                let left = deadline.saturating_duration_since(s.clock.now());
                let apply = s
                    .credentials
                    .apply(req.headers_mut(), http, s.clock.as_ref());
                match Box::pin(tokio::time::timeout(left, apply)).await {
                    Ok(applied) => applied.map(|()| None).map_err(Error::from),
                    Err(_) => Err(timed_out(s, std::mem::take(report), started)),
                }
            }
        }
    }

    /// Send the attempt and read its answer within `min(attempt timeout, remaining)`.
    /// The bound (connect, headers and body) is a timer here rather than reqwest's
    /// per-request timeout, which costs an extensions map on every request and its clone.
    fn send_attempt<'a>(
        &'a self,
        http: &'a reqwest::Client,
        req: reqwest::Request,
        url: Option<&'a reqwest::Url>,
        remaining: Duration,
        attempt: u32,
    ) -> impl std::future::Future<Output = Result<AttemptResponse, SendError>> + Send + 'a {
        let attempt_span = tracing::debug_span!(target: "tether", "tether.attempt", attempt, status = tracing::field::Empty);
        let sent = tokio::time::timeout(
            self.0.attempt_timeout.min(remaining),
            self.send_once(http.execute(req), url),
        )
        .instrument(attempt_span.clone());
        async move {
            let sent = sent.await.unwrap_or_else(|_| {
                Err(SendError::Transport {
                    timed_out: true,
                    message: "timeout: operation timed out".to_owned(),
                })
            });
            if let Ok(received) = &sent {
                attempt_span.record("status", received.status);
            }
            sent
        }
    }

    /// What the attempt's outcome means: the breaker, adaptive headroom, request id and
    /// telemetry see it; the retry policy classifies it; the attempt goes into the report.
    /// A body past the size bound ends the call here.
    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::type_complexity)]
    fn classify(
        &self,
        op: &'static OperationMeta,
        probe: Probe<'_>,
        sent: Result<AttemptResponse, SendError>,
        elapsed: Duration,
        attempt: u32,
        waited: Duration,
        report: &mut CallReport,
    ) -> Result<(Verdict, Result<AttemptResponse, (bool, String)>), Error> {
        let s = &*self.0;
        let wall = s.clock.wall();
        let (verdict, response) = match sent {
            Ok(received) => {
                let (status, headers) = (received.status, &received.headers);
                let now = s.clock.now();
                probe.record(status >= 500, now);
                s.shared
                    .adaptive
                    .observe(status, Headroom::from_headers(headers), now, wall);
                if let Some(id) = s
                    .request_id_header
                    .as_ref()
                    .and_then(|name| headers.get(name)?.to_str().ok())
                {
                    report.request_id = Some(id.to_owned());
                }
                let v = s.retry.classify(status, headers, &received.body, wall);
                crate::telemetry::attempt(&self.keys(op), Some(status), v.throttled, elapsed);
                (v, Ok(received))
            }
            Err(SendError::TooLarge) => {
                probe.record(false, s.clock.now()); // the host answered
                return Err(body_too_large(
                    s,
                    std::mem::take(report),
                    attempt,
                    elapsed,
                    waited,
                ));
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
        Ok((verdict, response))
    }

    /// The call's final response: a success gives back what its retries took from the
    /// quota, and [`Engine::finish`] validates it and finds its next page.
    fn conclude(
        &self,
        op: &'static OperationMeta,
        options: &CallOptions,
        requests: Requests<'_>,
        mut received: AttemptResponse,
        report: CallReport,
        last_retry_cost: Option<u32>,
    ) -> Result<FinalResponse, Error> {
        let s = &*self.0;
        if (200..300).contains(&received.status) {
            s.shared.quota.release(last_retry_cost);
        }
        // The origin a next-page link must share: the request's (the one that answered
        // when the request could not be kept for retries). A rebuilt call's URL moves
        // into the result when the response came from it (no redirect): `send_once` did
        // not copy it.
        match (requests, received.url.take()) {
            (Requests::Rebuilt { url, .. }, None) => {
                self.finish(op, options, None, url, report, received)
            }
            (requests, answered) => match answered.or_else(|| requests.url().cloned()) {
                Some(url) => self.finish(op, options, requests.url(), url, report, received),
                None => unreachable_request(s, op, "response URL lost"),
            },
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
}

/// An attempt let through: the breaker's probe, the concurrency slot (given back when
/// this is dropped), how long the limits made it wait, and `now` if nothing waited.
struct Admitted<'a> {
    probe: Probe<'a>,
    _slot: Option<Slot<'a>>,
    slot_wait: Duration,
    now: Option<Instant>,
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
fn quota_exhausted(s: &State, report: &mut CallReport) {
    if let Some(a) = report.attempts.last_mut() {
        a.outcome.to_mut().push_str(" (retry quota exhausted)");
    }
    tracing::warn!(target: "tether", provider = s.defaults.provider, "retry quota exhausted; not retrying");
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

/// A retry's request, built again by the generated code: progenitor's request building
/// and [`Engine::prepare`]; an error is its message.
pub type Rebuild<'a> = dyn Fn() -> Result<reqwest::Request, String> + Send + Sync + 'a;

/// Where each attempt's request comes from.
pub(crate) enum Requests<'a> {
    /// A copy of this template per attempt (a request built by moving its body, the
    /// sentinel's and `xtask call`'s); `None` once a request that cannot be copied (a
    /// streamed body) was sent as it is.
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

/// A UUID v4 for a call that brought no correlation id. Its bits come from the
/// per-thread generator (`fastrand`, seeded per thread from the process's random hash
/// keys), not from the OS: a correlation id only has to be unique enough to find a call
/// in logs, and a `getrandom` call per request showed in the overhead profile
/// (BENCHMARKS.md § Runtime). Idempotency keys, which a provider uses to
/// deduplicate writes, keep `Uuid::new_v4` (the OS generator).
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

#[cfg(test)]
mod tests {
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
