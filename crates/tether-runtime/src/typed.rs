//! Deserializing a raw body into the generated type of an operation's response, without
//! naming the type: it is inferred from the builder's `send` signature. Generated clients
//! use this for `deserialize_response`, which fixture tests and benchmarks call.

use std::future::Future;

use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// Which generated type a body was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    /// The operation's success type.
    Success,
    /// The operation's error type (`policy.error_schema`).
    Error,
    /// The projection has no typed body for this status (e.g. 3xx, or a body-less 204).
    Untyped,
}

/// Deserialize `body` into the success type (2xx) or error type (4xx/5xx) of the builder
/// whose `send` method is passed. `send` is only used for type inference, never called.
pub fn deserialize_as<B, F, Fut, T, E>(
    _send: F,
    status: u16,
    body: &[u8],
) -> Result<Typed, serde_json::Error>
where
    F: FnOnce(B) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, Error<E>>>,
    T: DeserializeOwned,
    E: DeserializeOwned,
{
    match status {
        200..=299 => serde_json::from_slice::<T>(body).map(|_| Typed::Success),
        400..=599 => serde_json::from_slice::<E>(body).map(|_| Typed::Error),
        _ => Ok(Typed::Untyped),
    }
}
