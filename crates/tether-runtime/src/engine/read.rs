//! One attempt on the wire: send, then read the body whole within the size bound.

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;

use super::Engine;
use crate::error::describe_reqwest;

/// One response, read whole.
pub(super) struct AttemptResponse {
    pub(super) status: u16,
    pub(super) version: http::Version,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    /// The URL that answered, when it is not the one the caller holds.
    pub(super) url: Option<reqwest::Url>,
}

pub(super) enum SendError {
    TooLarge,
    Transport { timed_out: bool, message: String },
}

impl SendError {
    pub(super) fn from_reqwest(e: reqwest::Error) -> Self {
        Self::Transport {
            timed_out: e.is_timeout(),
            message: describe_reqwest(&e),
        }
    }
}

impl Engine {
    /// The attempt `sent` (reqwest's future for it, made by the caller so that this
    /// state machine holds that future instead of the 264-byte request).
    #[allow(clippy::manual_async_fn)] // on purpose: an `async fn` stores by-value arguments twice
    pub(super) fn send_once<'a>(
        &'a self,
        sent: impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a,
        known: Option<&'a reqwest::Url>,
    ) -> impl std::future::Future<Output = Result<AttemptResponse, SendError>> + Send + 'a {
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
                return Ok(AttemptResponse {
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
            Ok(AttemptResponse {
                status,
                version,
                headers,
                body: body.freeze(),
                url,
            })
        }
    }
}
