//! The data a call carries into the engine: per-call options and, for a stream's page,
//! where that page is. A leaf module: the engine, `prepare`, `call` and `paginate` all
//! read these, and none of them is read back from here.

use std::time::Duration;

use reqwest::Url;
use tether_contract::policy::ValidationMode;

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

/// Where the next page is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPage {
    /// Follow this URL (GitHub `Link` rel="next").
    Url(Url),
    /// Send the same request with `param=value` (Stripe `starting_after`).
    Cursor {
        /// Query parameter.
        param: String,
        /// Cursor value.
        value: String,
    },
}
