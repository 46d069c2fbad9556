//! The implementation of `cargo xtask`, as a library so that tests can run every command
//! against a temporary copy of the repository.

pub mod brief;
pub mod call;
pub mod check;
pub mod cli;
pub mod corpus;
pub mod diff;
pub mod extract;
pub mod fixtures;
pub mod gen;
pub mod logging;
pub mod sandbox;
pub mod sentinel;
pub mod validate;
pub mod webhook;
pub mod workspace;

use std::path::PathBuf;

/// The workspace this xtask was built from.
pub fn default_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}
