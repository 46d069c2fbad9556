//! progenitor's hooks: `exec` runs the engine and hands progenitor a response (a
//! synthetic status-999 one marks a failure), `post` turns that marker into an error.

use std::sync::Arc;

use bytes::Bytes;

use super::{Exchange, Inner};
use crate::call::CallContext;
use crate::error::Error;

/// Marker on a synthetic response: the engine failed, the error is in the call context.
#[derive(Debug, Clone)]
pub(crate) struct Failed(pub(crate) Arc<String>);

impl Inner {
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
