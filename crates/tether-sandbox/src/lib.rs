//! A provider on loopback, built from the contracts and their good fixtures, so clients,
//! sentinels and benchmarks run with no network and no credentials.
//!
//! - Routes by method + path template of every contract operation; answers with the
//!   operation's good 2xx response fixture (the first by file name).
//! - Validates request bodies against the contract: 400 `application/problem+json`
//!   naming each pointer.
//! - Requires the credential header the policy's scheme implies (401 otherwise).
//! - Paginates list operations the provider's way: GitHub `page`/`per_page` + `Link`,
//!   Stripe `limit`/`starting_after` + `has_more`.
//! - Sends GitHub-style `x-ratelimit-*` headers from its own counter.
//! - Injects faults ([`Faults`]: 429 with `Retry-After`, 503, connection reset, latency)
//!   and drift ([`Drift`]: remove a field, change a type, add an enum value, add a header).
//!
//! Library first: tests and benchmarks run it in-process with [`Sandbox::serve`].

mod config;
pub mod quota;
mod server;

pub use config::{Drift, DriftKind, Faults, ParseError};
pub use server::{LoadError, Sandbox};
