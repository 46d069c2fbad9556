//! Sentinels: small smoke runs that call a provider's read-only operations (listed in
//! `sentinels/checks.yaml`) through the runtime, validate each response against the
//! pinned contract and classify what differs as **breaking**, **additive** or
//! **operational** drift.
//!
//! One concern per module: [`config`] reads the checks, [`target`] builds each request
//! from the contract and policy, [`drift`] classifies a response, [`run`] runs one
//! provider (live, or offline against an in-process `tether-sandbox`), [`result`] is the
//! per-provider JSON a sentinel binary writes, [`report`] aggregates results into
//! `report.json`, `report.md`, `junit.xml` and Prometheus text, [`observed`] keeps
//! observed payloads as fixture envelopes, [`cli`] is the binaries' command line.
//!
//! The library never prints: the binaries (`sentinels/<provider>`) and `cargo xtask
//! sentinel` do.

pub mod cli;
pub mod config;
pub mod drift;
pub mod error;
pub mod observed;
pub mod report;
pub mod result;
pub mod run;
pub mod target;

pub use error::SentinelError;
pub use result::{CheckResult, Finding, Latency, ProviderResult, Severity};
pub use run::{run_provider, Mode, RunOptions};
pub use target::Linked;
