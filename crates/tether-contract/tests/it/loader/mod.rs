//! The contract loader: bad cases from `tests/data/contracts/bad/*/expected.txt`, good
//! contracts (3.0, 3.1 converted, JSON), the workspace's real contracts, and inputs that
//! must never panic.
//!
//! - `errors`: the bad cases of `expected.txt`, bytes that are not UTF-8, a missing file;
//! - `lenient`: upstream descriptions read leniently (`Reading::Lenient`);
//! - `good`: good contracts (3.0, 3.1 converted, JSON) and the workspace's real ones;
//! - `refs`: `$ref` resolution (percent-encoded pointers, a property named `$ref`);
//! - `no_panic`: inputs that must never panic;
//! - `regressions`: loader bugs found by these tests.

use std::path::Path;

use tether_contract::{Contract, ContractError, Document};

use crate::data_dir;

mod errors;
mod good;
mod lenient;
mod no_panic;
mod refs;
mod regressions;

fn good(rel: &str) -> Contract {
    let path = data_dir().join("contracts/good").join(rel);
    Contract::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `Ok` or `Err`, never a panic (a stack overflow aborts the whole test binary).
fn load_bytes(name: &str, bytes: &[u8]) -> Result<Document, ContractError> {
    Document::from_bytes(Path::new(name), bytes)
}
