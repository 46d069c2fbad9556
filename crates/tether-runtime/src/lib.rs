//! What happens around every generated call.
//!
//! Generated client crates (`github-repos-v1`, …) route each operation through
//! progenitor's `ClientHooks`; the hooks call into this crate. Today it applies the
//! provider policy that belongs in every request (pinned version header, `Accept`,
//! `User-Agent`, timeouts) and restores what the codegen projection dropped (Stripe's
//! form encoding and deepObject query parameters). The contract's operation metadata
//! table ([`OperationMeta`]) is the single place it looks operations up.

pub use tether_contract::form;
pub mod meta;
pub mod prepare;
pub mod typed;

pub use meta::{OperationMeta, RequestDefaults};
pub use prepare::{Inner, PrepareError};
