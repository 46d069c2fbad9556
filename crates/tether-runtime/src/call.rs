//! One logical call as the caller sees it: per-call options, and progenitor's result
//! turned into the typed [`Error`].
//!
//! progenitor's hooks cannot return our error type (`exec` returns a
//! `reqwest::Result`), so the engine leaves its outcome in a task-local [`CallContext`]
//! that [`run`] sets up around the generated `send()` future. Without that context
//! (`builder.send()` called directly) the hooks still do everything, and a runtime
//! failure reaches the caller as progenitor's `Error::Custom` with the same message.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use progenitor_client::ResponseValue;
use reqwest::ResponseBuilderExt;
use tether_contract::policy::ValidationMode;

use crate::error::{CallReport, Error, ProviderDetail};
use crate::meta::RequestDefaults;
use crate::paginate::NextPage;

/// Options of one call.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Idempotency key to send (operations the policy marks); one is generated when
    /// absent. The same key goes out on every retry.
    pub idempotency_key: Option<String>,
    /// Correlation id sent as `x-correlation-id` and logged; generated when absent.
    pub correlation_id: Option<String>,
    /// Override the provider's response validation mode for this call.
    pub validation: Option<ValidationMode>,
    /// Override the overall deadline (all attempts and waits) for this call.
    pub timeout: Option<Duration>,
    pub(crate) page: Option<NextPage>,
    pub(crate) page_size_default: bool,
}

impl CallOptions {
    /// Defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Use this idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Use this correlation id.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }
    /// Validate this call's response in `mode`.
    pub fn validation(mut self, mode: ValidationMode) -> Self {
        self.validation = Some(mode);
        self
    }
    /// Overall deadline of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// What the engine leaves for [`run`].
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) failure: Option<Error<serde_json::Value>>,
    pub(crate) report: Option<CallReport>,
    pub(crate) status: Option<u16>,
    pub(crate) detail: Option<Box<ProviderDetail>>,
    pub(crate) next: Option<Box<NextPage>>,
}

impl Outcome {
    /// Keep what the caller's typed error needs from the engine's result (report,
    /// status, provider detail, next page; or the failure itself), and hand on the
    /// response, or the failure's message, to progenitor's code.
    pub(crate) fn keep(
        &mut self,
        result: Result<crate::engine::Exchange, Error>,
    ) -> Result<Answer, String> {
        match result {
            Ok(x) => {
                self.report = Some(x.report);
                self.status = Some(x.status);
                self.detail = x.detail;
                self.next = x.next;
                Ok(Answer {
                    status: x.status,
                    version: x.version,
                    headers: x.headers,
                    body: x.body,
                    url: x.url,
                })
            }
            Err(e) => {
                let message = e.to_string();
                self.failure = Some(e);
                Err(message)
            }
        }
    }
}

/// The task-local context of one call.
#[derive(Debug, Default)]
pub(crate) struct CallContext {
    pub(crate) options: CallOptions,
    pub(crate) outcome: Mutex<Outcome>,
}

impl CallContext {
    /// [`Outcome::keep`] into this call's outcome (the `exec` hook's side of `send()`).
    pub(crate) fn keep(
        &self,
        result: Result<crate::engine::Exchange, Error>,
    ) -> Result<Answer, String> {
        self.outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keep(result)
    }
    fn take(&self) -> Outcome {
        std::mem::take(&mut *self.outcome.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

tokio::task_local! {
    pub(crate) static CALL: Arc<CallContext>;
}

/// The current call's context, if [`run`] set one.
pub(crate) fn current() -> Option<Arc<CallContext>> {
    CALL.try_with(Arc::clone).ok()
}

/// Run a generated `send()` future as one call and type its error.
///
/// The generated `call()` returns this future directly: it is the only layer between the
/// caller and progenitor's `send()`, so the typed response (kilobytes for a large
/// resource: GitHub's `FullRepository` is 9 KB) is moved once here instead of once per
/// nested `async fn` (BENCHMARKS.md § Runtime).
pub fn run<T, E, Fut>(
    defaults: &'static RequestDefaults,
    operation: &'static str,
    options: CallOptions,
    send: Pin<Box<Fut>>,
) -> Call<Fut>
where
    Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    Call {
        defaults,
        operation,
        ctx: Arc::new(CallContext {
            options,
            outcome: Mutex::default(),
        }),
        send,
        next: None,
    }
}

/// One call in flight: polls the generated `send()` future with the call's context in
/// the task-local [`CALL`] (where the `exec` hook finds its options and leaves its
/// outcome), then types progenitor's error from that outcome.
#[must_use = "a call does nothing unless awaited"]
pub struct Call<Fut> {
    defaults: &'static RequestDefaults,
    operation: &'static str,
    ctx: Arc<CallContext>,
    send: Pin<Box<Fut>>,
    /// The next page the engine found, once the call has finished (pagination).
    next: Option<NextPage>,
}

impl<Fut> std::fmt::Debug for Call<Fut> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("provider", &self.defaults.provider)
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl<T, E, Fut> Future for Call<Fut>
where
    Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    type Output = Result<ResponseValue<T>, Error<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every field is `Unpin` (the send future is boxed).
        let this = self.get_mut();
        let send = &mut this.send;
        // The result is written into this slot rather than returned through
        // `sync_scope`: a `Poll` of a large response moved out of the closure is copied
        // whole on every poll, `Pending` or not (seen as memcpy in the profile).
        let mut slot = None;
        CALL.sync_scope(Arc::clone(&this.ctx), || {
            if let Poll::Ready(result) = send.as_mut().poll(cx) {
                slot = Some(result);
            }
        });
        let Some(result) = slot else {
            return Poll::Pending;
        };
        let outcome = this.ctx.take();
        Poll::Ready(match result {
            Ok(v) => {
                this.next = outcome.next.map(|next| *next);
                Ok(v)
            }
            Err(e) => Err(map_error(this.defaults, this.operation, e, outcome)),
        })
    }
}

/// One call made by a generated `call()` without progenitor's hooks: the generated
/// code builds the request as progenitor's `send()` does, hands it to
/// [`Direct::exchange`] (the `pre` and `exec` hooks' work: policy headers and wire format,
/// then the engine), and decodes the bytes the engine read straight into the generated
/// type ([`Answer::decode`]). Through the hooks, the engine's response had to be rebuilt
/// as a `reqwest::Response` for progenitor's `from_response` to collect and copy again,
/// and the call's outcome travelled through a task-local: together as costly as the
/// engine itself (BENCHMARKS.md § Runtime). `builder.send()` keeps the hooks.
#[derive(Debug)]
pub struct Direct {
    defaults: &'static RequestDefaults,
    operation: &'static str,
    options: CallOptions,
    outcome: Outcome,
}

impl Direct {
    /// A call of `operation` (progenitor's snake-case id) with `options`.
    pub fn new(
        defaults: &'static RequestDefaults,
        operation: &'static str,
        options: CallOptions,
    ) -> Self {
        Self {
            defaults,
            operation,
            options,
            outcome: Outcome::default(),
        }
    }

    /// Prepare and run `request` through the engine, a copy of it sent per attempt (a
    /// request built by moving its body). A failure is kept for [`Direct::finish`], which
    /// returns it typed; progenitor's code only sees that the call failed.
    #[allow(clippy::result_large_err)] // progenitor's `Error`: generated code `?`s it
    pub fn exchange<'a, E: 'a>(
        &'a mut self,
        inner: &'a crate::Inner,
        http: &'a reqwest::Client,
        request: reqwest::Request,
    ) -> impl std::future::Future<Output = Result<Answer, progenitor_client::Error<E>>> + Send + 'a
    {
        self.exchange_with(inner, http, request, None)
    }

    /// [`Direct::exchange`] for a request the generated code can build again: `again`
    /// is progenitor's request building once more (its error as a message), used only
    /// for a retry; the first attempt sends `request` without a copy of it kept for
    /// retries (`Inner::execute_rebuilding`).
    #[allow(clippy::result_large_err)] // progenitor's `Error`: generated code `?`s it
    pub fn exchange_rebuilding<'a, E: 'a>(
        &'a mut self,
        inner: &'a crate::Inner,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        again: &'a crate::engine::Rebuild<'a>,
    ) -> impl std::future::Future<Output = Result<Answer, progenitor_client::Error<E>>> + Send + 'a
    {
        self.exchange_with(inner, http, request, Some(again))
    }

    /// Both exchanges: `prepare` (policy headers, wire format), the engine, the outcome
    /// kept. An `async move` block rather than an `async fn`, which would keep the
    /// request twice in its state (see `Inner::execute`).
    #[allow(clippy::result_large_err)] // progenitor's `Error`: generated code `?`s it
    #[allow(clippy::manual_async_fn)] // on purpose: an `async fn` stores by-value arguments twice
    fn exchange_with<'a, E: 'a>(
        &'a mut self,
        inner: &'a crate::Inner,
        http: &'a reqwest::Client,
        mut request: reqwest::Request,
        again: Option<&'a crate::engine::Rebuild<'a>>,
    ) -> impl std::future::Future<Output = Result<Answer, progenitor_client::Error<E>>> + Send + 'a
    {
        async move {
            let operation = self.operation;
            let op = inner
                .prepare_built(&mut request, operation, false)
                .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))?;
            let result = match again {
                Some(again) => {
                    let prepared = move || {
                        let mut request = again()?;
                        inner
                            .prepare_built(&mut request, operation, false)
                            .map_err(|e| e.to_string())?;
                        Ok(request)
                    };
                    inner
                        .execute_rebuilding(http, request, &prepared, op, &self.options)
                        .await
                }
                None => inner.execute(http, request, op, &self.options).await,
            };
            self.outcome
                .keep(result)
                .map_err(progenitor_client::Error::Custom)
        }
    }

    /// The generated code's result as the caller's: its error typed from what the engine
    /// reported.
    #[inline(always)]
    pub fn finish<T, E>(
        self,
        result: Result<ResponseValue<T>, progenitor_client::Error<E>>,
    ) -> Result<ResponseValue<T>, Error<E>> {
        match result {
            Ok(v) => Ok(v),
            Err(e) => Err(self.failed(e)),
        }
    }

    #[cold]
    #[inline(never)]
    fn failed<E>(self, e: progenitor_client::Error<E>) -> Error<E> {
        map_error(self.defaults, self.operation, e, self.outcome)
    }
}

/// The final response of a [`Direct`] call, as the engine read it.
#[derive(Debug)]
pub struct Answer {
    status: u16,
    version: http::Version,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
    url: reqwest::Url,
}

impl Answer {
    /// The status (as progenitor's generated `match` reads it).
    pub fn status(&self) -> reqwest::StatusCode {
        reqwest::StatusCode::from_u16(self.status)
            .unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The body read into `T`, as progenitor's `ResponseValue::from_response` does (the
    /// same error when it does not fit), without collecting the body a second time and
    /// with one UTF-8 check for the whole body ([`crate::json::from_body`]).
    #[allow(clippy::result_large_err)] // progenitor's `Error`, as its own `from_response`
    #[inline]
    pub fn decode<T: serde::de::DeserializeOwned, E>(
        self,
    ) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
        let status = self.status();
        read_value(status, self.headers, self.body)
    }

    /// A response without a body, as progenitor's `ResponseValue::empty`.
    pub fn empty(self) -> ResponseValue<()> {
        let status = self.status();
        ResponseValue::new((), status, self.headers)
    }

    /// The response rebuilt as a `reqwest::Response`: for progenitor's
    /// `UnexpectedResponse` (a status the contract's projection has no type for), and
    /// for the `exec` hook of `send()`.
    pub fn into_response(self) -> reqwest::Response {
        // The URL travels as reqwest's own extension: the rebuilt response keeps `url()`
        // (reqwest would otherwise parse a placeholder URL for every call).
        let mut builder = http::Response::builder()
            .status(self.status)
            .version(self.version)
            .url(self.url);
        if let Some(h) = builder.headers_mut() {
            *h = self.headers;
        }
        match builder.body(self.body) {
            Ok(r) => reqwest::Response::from(r),
            Err(_) => crate::engine::failed_response(String::from("response could not be rebuilt")),
        }
    }
}

/// progenitor's `ResponseValue::from_response` (the same status, headers and errors:
/// `ResponseBodyError` when the body cannot be read, `InvalidResponsePayload` with the
/// bytes when they do not fit `T`), reading the body with [`crate::json::from_body`].
/// The generated `send()` calls this in place of progenitor's (`tether-codegen`).
#[allow(clippy::result_large_err)] // progenitor's `Error`, as its own `from_response`
pub async fn from_response<T: serde::de::DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    let status = response.status();
    let headers = response.headers().clone();
    let full = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    read_value(status, headers, full)
}

/// A read body as progenitor's `ResponseValue` of `T`, or its `InvalidResponsePayload`
/// (with the bytes) when they do not fit: for both [`Answer::decode`] and
/// [`from_response`].
#[allow(clippy::result_large_err)] // progenitor's `Error`, as its own `from_response`
#[inline]
fn read_value<T: serde::de::DeserializeOwned, E>(
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    match crate::json::from_body(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(body, e)),
    }
}

pub(crate) async fn run_inner<T, E, Fut>(
    defaults: &'static RequestDefaults,
    operation: &'static str,
    options: CallOptions,
    send: Fut,
) -> (Result<ResponseValue<T>, Error<E>>, Option<NextPage>)
where
    Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let mut call = run(defaults, operation, options, Box::pin(send));
    let result = (&mut call).await;
    (result, call.next.take())
}

fn map_error<E>(
    defaults: &'static RequestDefaults,
    operation: &'static str,
    error: progenitor_client::Error<E>,
    outcome: Outcome,
) -> Error<E> {
    use progenitor_client::Error as P;
    if let Some(failure) = outcome.failure {
        return failure.erase_body();
    }
    let provider = defaults.provider;
    let operation = defaults.operation(operation).map_or(operation, |o| o.id);
    let report = outcome.report.unwrap_or_else(|| CallReport {
        provider,
        operation,
        ..CallReport::default()
    });
    let detail = outcome.detail.unwrap_or_default();
    let status = outcome.status.unwrap_or(0);
    match error {
        P::ErrorResponse(value) => Error::Provider {
            report: Box::new(report),
            status: value.status().as_u16(),
            body: Some(value.into_inner()),
            detail,
        },
        P::InvalidResponsePayload(_, e) if status >= 400 => {
            tracing::debug!(target: "tether::call", provider, operation, status, error = %e, "error body does not fit the generated error type");
            Error::Provider {
                report: Box::new(report),
                status,
                body: None,
                detail,
            }
        }
        P::InvalidResponsePayload(_, e) => Error::InvalidResponse {
            report: Box::new(report),
            status,
            message: format!("body does not fit the generated type: {e}"),
        },
        P::UnexpectedResponse(r) if r.status().as_u16() >= 400 => Error::Provider {
            report: Box::new(report),
            status: r.status().as_u16(),
            body: None,
            detail,
        },
        P::UnexpectedResponse(r) => Error::InvalidResponse {
            report: Box::new(report),
            status: r.status().as_u16(),
            message: "status not declared by the contract's projection (no generated type for it)"
                .to_owned(),
        },
        P::InvalidRequest(message) => Error::Request {
            provider,
            operation,
            message,
        },
        P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
            Error::Transport {
                report: Box::new(report),
                message: crate::error::describe_reqwest(&e),
            }
        }
        P::Custom(message) => Error::Request {
            provider,
            operation,
            message,
        },
    }
}
