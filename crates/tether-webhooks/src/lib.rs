//! Inbound webhooks for Tether: accept only authentic, fresh, first-time deliveries,
//! commit them durably, answer fast, and hand them to handlers at least once.
//!
//! * [`Verifier`]: GitHub, Stripe, Slack and Standard Webhooks signatures (HMAC-SHA256
//!   over the raw body, constant-time compare, several active secrets, ±tolerance with
//!   an injected clock); [`sign`] makes the headers a provider would send.
//! * [`Rejection`]: why a delivery was refused, one variant per cause, with its HTTP status.
//! * [`replay`]: the replay/dedup store trait (Redis `SET NX EX` shaped, plus a claim
//!   replicas take before storing), in memory and SQLite; [`shared_replay`] (feature
//!   `redis`): on Redis, shared by every replica.
//! * [`inbox`]: the durable SQLite inbox (group commit, unique delivery key) and the
//!   at-least-once [`inbox::Consumer`] with retry and a dead-letter state.
//! * [`payload`]: payload contracts (`contracts/<provider>/webhooks.v<N>.yaml`).
//! * [`receiver`]: the axum receiver and its TOML configuration.
//!
//! Nothing here prints, and no input makes it panic.

mod clock;
mod error;
pub mod inbox;
pub mod payload;
pub mod receiver;
pub mod replay;
mod secret;
#[cfg(feature = "redis")]
pub mod shared_replay;
mod verify;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::Rejection;
pub use secret::{SecretError, SigningKey};
pub use verify::{
    sign, ConfigError, DeliveryKey, Scheme, Verified, Verifier, VerifierBuilder, DEFAULT_TOLERANCE,
};
