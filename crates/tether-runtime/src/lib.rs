//! What happens around every generated call.
//!
//! A generated client's `call()`, `stream()` and `send()` build the request with
//! progenitor's builder code and hand it to [`call::Direct`], which runs it through this
//! crate:
//! - [`prepare`]: the policy's headers (pinned version, `Accept`, `User-Agent`),
//!   Stripe's form encoding and deepObject query parameters, a stream's page request;
//! - [`engine`]: breaker, rate limits, auth, attempts with timeouts, retries with
//!   backoff and server-sent waits ([`retry`] decides), idempotency keys, bounded body
//!   reads, response validation, telemetry;
//! - [`call`]: the engine's answer decoded into the generated type, or the typed
//!   [`Error`]; [`paginate`]: a stream's pages.
//!
//! The sentinel and `xtask call` use the same engine entry ([`Engine::execute`]).
//! Every number comes from the provider policy (`contracts/<provider>/provider.yaml`),
//! embedded in the generated crate.

pub use futures;
pub use tether_contract::form;
pub use tether_contract::policy::ValidationMode;
pub mod auth;
pub mod breaker;
pub mod call;
pub mod clock;
pub mod concurrency;
pub mod engine;
pub mod error;
pub mod json;
pub mod limit;
pub mod meta;
pub mod multipart;
pub mod options;
pub mod paginate;
pub mod path;
pub mod prepare;
#[cfg(feature = "prometheus")]
pub mod prometheus;
pub mod retry;
#[cfg(feature = "redis")]
pub mod scaleout;
pub mod secret;
pub mod telemetry;
pub mod tolerant;
pub mod typed;

pub use auth::{AuthError, Credentials};
pub use call::CallOptions;
pub use engine::{ClientBuilder, Engine};
pub use error::{Attempt, CallReport, Error, ProviderDetail};
pub use meta::{OperationMeta, RequestDefaults};
pub use paginate::Page;
pub use prepare::PrepareError;
pub use secret::Secret;
