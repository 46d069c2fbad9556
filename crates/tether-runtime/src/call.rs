//! One logical call as the caller sees it: per-call options ([`CallOptions`]), the
//! generated code's way into the engine ([`Direct`]: its `call()`, `stream()` and
//! `send()` all go through it), and progenitor's result turned into the typed [`Error`].
//!
//! `call()` and `stream()` return [`Error`]; progenitor's own `send()` keeps progenitor's
//! error type, a runtime failure in it being `Error::Custom` with the same message.

use progenitor_client::ResponseValue;
use reqwest::ResponseBuilderExt;

use crate::error::{CallReport, Error, ProviderDetail};
use crate::meta::RequestDefaults;
pub use crate::options::{CallOptions, NextPage};

/// What the engine reported about a [`Direct`] call, for its typed error and its next
/// page.
#[derive(Debug, Default)]
struct Reported {
    failure: Option<Error<serde_json::Value>>,
    report: Option<CallReport>,
    status: Option<u16>,
    detail: Option<Box<ProviderDetail>>,
    next: Option<Box<NextPage>>,
}

impl Reported {
    /// Keep what the caller's typed error needs from the engine's result (report,
    /// status, provider detail, next page; or the failure itself), and hand on the
    /// response, or the failure's message, to progenitor's code.
    fn keep(
        &mut self,
        result: Result<crate::engine::FinalResponse, Error>,
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

/// One call of a generated operation, the only way generated code reaches the engine:
/// the generated `send_direct` builds the request as progenitor's `send()` does and hands
/// it to [`Direct::exchange`] (policy headers and wire format, then the engine), and the
/// generated `read_direct` decodes the bytes the engine read straight into the generated
/// type ([`Answer::decode`]). `call()` returns [`Direct::finish`]'s typed error;
/// `stream()` takes [`Direct::finish_page`]'s next page as well; `send()` keeps
/// progenitor's error. progenitor's hooks are not used: they cannot return our error
/// type, and rebuilding a `reqwest::Response` for progenitor's `from_response` to collect
/// again cost as much as the engine itself.
#[derive(Debug)]
pub struct Direct {
    defaults: &'static RequestDefaults,
    operation: &'static str,
    options: CallOptions,
    outcome: Reported,
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
            outcome: Reported::default(),
        }
    }

    /// Prepare and run `request` through the engine, a copy of it sent per attempt (a
    /// request built by moving its body). A failure is kept for [`Direct::finish`], which
    /// returns it typed; progenitor's code only sees that the call failed.
    #[allow(clippy::result_large_err)] // progenitor's `Error`: generated code `?`s it
    pub fn exchange<'a, E: 'a>(
        &'a mut self,
        inner: &'a crate::Engine,
        http: &'a reqwest::Client,
        request: reqwest::Request,
    ) -> impl std::future::Future<Output = Result<Answer, progenitor_client::Error<E>>> + Send + 'a
    {
        self.exchange_with(inner, http, request, None)
    }

    /// [`Direct::exchange`] for a request the generated code can build again: `again`
    /// is progenitor's request building once more (its error as a message), used only
    /// for a retry; the first attempt sends `request` without a copy of it kept for
    /// retries (`Engine::execute_rebuilding`).
    #[allow(clippy::result_large_err)] // progenitor's `Error`: generated code `?`s it
    pub fn exchange_rebuilding<'a, E: 'a>(
        &'a mut self,
        inner: &'a crate::Engine,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        again: &'a crate::engine::Rebuild<'a>,
    ) -> impl std::future::Future<Output = Result<Answer, progenitor_client::Error<E>>> + Send + 'a
    {
        self.exchange_with(inner, http, request, Some(again))
    }

    /// Both exchanges: `prepare` (policy headers, wire format), the engine, the outcome
    /// kept. An `async move` block rather than an `async fn`, which would keep the
    /// request twice in its state (see `Engine::execute`).
    #[allow(clippy::result_large_err)] // progenitor's `Error`: generated code `?`s it
    #[allow(clippy::manual_async_fn)] // on purpose: an `async fn` stores by-value arguments twice
    fn exchange_with<'a, E: 'a>(
        &'a mut self,
        inner: &'a crate::Engine,
        http: &'a reqwest::Client,
        mut request: reqwest::Request,
        again: Option<&'a crate::engine::Rebuild<'a>>,
    ) -> impl std::future::Future<Output = Result<Answer, progenitor_client::Error<E>>> + Send + 'a
    {
        async move {
            let operation = self.operation;
            let options = &self.options;
            let op = inner
                .prepare_call(&mut request, operation, options)
                .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))?;
            let result = match again {
                Some(again) => {
                    let prepared = move || {
                        let mut request = again()?;
                        inner
                            .prepare_call(&mut request, operation, options)
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

    /// [`Direct::finish`] for one page of a `stream()`, with where the next page is.
    #[inline(always)]
    pub fn finish_page<T, E>(
        mut self,
        result: Result<ResponseValue<T>, progenitor_client::Error<E>>,
    ) -> (Result<ResponseValue<T>, Error<E>>, Option<NextPage>) {
        let next = self.outcome.next.take().map(|next| *next);
        (self.finish(result), next)
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

    /// The body as progenitor's `ResponseValue::stream` gives it (a binary or `text/*`
    /// response): a `ByteStream` of the bytes the engine read, within the policy's body
    /// bound, in one chunk.
    pub fn stream(self) -> ResponseValue<progenitor_client::ByteStream> {
        let status = self.status();
        let chunk: reqwest::Result<bytes::Bytes> = Ok(self.body);
        let bytes = progenitor_client::ByteStream::new(Box::pin(futures::stream::once(
            std::future::ready(chunk),
        )));
        ResponseValue::new(bytes, status, self.headers)
    }

    /// A response without a body, as progenitor's `ResponseValue::empty`.
    pub fn empty(self) -> ResponseValue<()> {
        let status = self.status();
        ResponseValue::new((), status, self.headers)
    }

    /// The response rebuilt as a `reqwest::Response`, for progenitor's
    /// `UnexpectedResponse` (a status the contract's projection has no type for).
    pub fn into_response(self) -> reqwest::Response {
        let status = self.status();
        // The URL travels as reqwest's own extension: the rebuilt response keeps `url()`
        // (reqwest would otherwise parse a placeholder URL).
        let mut builder = http::Response::builder()
            .status(status)
            .version(self.version)
            .url(self.url);
        if let Some(h) = builder.headers_mut() {
            *h = self.headers;
        }
        // A valid `StatusCode`, version and header map: the builder has nothing left to
        // refuse. Were it to, the caller still gets the status.
        let response = builder.body(self.body).unwrap_or_else(|_| {
            let mut r = http::Response::new(bytes::Bytes::new());
            *r.status_mut() = status;
            r
        });
        reqwest::Response::from(response)
    }
}

/// A read body as progenitor's `ResponseValue` of `T`, or its `InvalidResponsePayload`
/// (with the bytes) when they do not fit.
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

fn map_error<E>(
    defaults: &'static RequestDefaults,
    operation: &'static str,
    error: progenitor_client::Error<E>,
    outcome: Reported,
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
