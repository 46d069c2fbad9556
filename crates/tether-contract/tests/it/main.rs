//! Integration tests of `tether-contract`, driven by the files under `tests/data/`:
//!
//! - `contracts/good/<provider>/<resource>.v<N>.(yaml|json)` must load as contracts;
//! - `contracts/bad/<case>/<provider>/<resource>.v<N>.(yaml|json)` must be refused with
//!   the error written by hand in `contracts/bad/<case>/expected.txt`;
//! - the real contracts and provider policies under `contracts/` of the workspace.
//!
//! Adding a bad case needs no code: make the folder and its `expected.txt`.

#![allow(clippy::unwrap_used, clippy::new_without_default)] // test helpers may panic

mod loader;
mod policy;
mod validate;

use std::path::{Path, PathBuf};

/// `crates/tether-contract`.
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `crates/tether-contract/tests/data`.
pub fn data_dir() -> PathBuf {
    manifest_dir().join("tests/data")
}

/// The workspace's `contracts/` folder (the real contracts and policies).
pub fn workspace_contracts() -> PathBuf {
    manifest_dir().join("../../contracts")
}

/// Sorted entries of a directory (panics with the path when it cannot be listed).
pub fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .path()
        })
        .collect();
    out.sort();
    out
}
