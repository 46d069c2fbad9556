// Scaffolded by `cargo xtask gen` from contracts/github/repos.v1.yaml. Do not edit.
//! Typed client for `contracts/github/repos.v1.yaml`, generated at build time by tether-codegen.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = github_repos_v1::Client::new("https://api.example.com");
//! # let _ = client; Ok(()) }
//! ```
#![allow(
    clippy::all,
    clippy::unwrap_used,
    missing_docs,
    unused_imports,
    dead_code
)]

include!(concat!(env!("OUT_DIR"), "/client.rs"));
