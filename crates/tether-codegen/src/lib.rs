//! Tether's build-time generator, called from each client crate's `build.rs`:
//!
//! ```text
//! contract + provider.yaml ─load─▶ normalize (projection) ─▶ progenitor ─▶ post-process ─▶ OUT_DIR/client.rs
//! ```
//!
//! The output starts with a provenance header (contract path, version, SHA-256,
//! generator version) and adds, beside progenitor's typed client: the operation metadata
//! table, the provider's request defaults, the contract and policy embedded for run-time
//! validation, `Client::new(base_url)` with the policy applied, and every builder's
//! `send()`, `call()` and `stream()` routed through `tether-runtime`'s engine
//! (`tether_runtime::call::Direct`; progenitor's hooks are not used).
//!
//! Progenitor panics (`assert!`, `todo!`) on several inputs; the call is wrapped so that a
//! build never shows a panic, only an error naming the construct.

pub mod emit;
pub mod normalize;
mod shape;
mod tolerant;

use std::path::{Path, PathBuf};

pub use emit::{render, Generated};

/// Generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The contract or policy did not load.
    #[error(transparent)]
    Contract(#[from] tether_contract::ContractError),
    /// The projection is not an OpenAPI document progenitor's parser accepts.
    #[error("{contract}: the normalized projection does not parse as OpenAPI 3.0: {message}")]
    Projection {
        /// Contract path.
        contract: PathBuf,
        /// Parser message.
        message: String,
    },
    /// progenitor refused (or panicked on) the projection.
    #[error("{contract}: progenitor cannot generate a client: {message} (fix: adjust the normalization rules in tether-codegen/src/normalize/ for this construct, or drop the operation from the contract)")]
    Progenitor {
        /// Contract path.
        contract: PathBuf,
        /// progenitor's error or panic message.
        message: String,
    },
    /// progenitor emitted tokens that are not a Rust file.
    #[error("{contract}: generated code does not parse: {message}")]
    Syntax {
        /// Contract path.
        contract: PathBuf,
        /// syn's message.
        message: String,
    },
    /// A builder's `send()` has a shape Tether does not recognise, so its calls could
    /// not go through the engine.
    #[error("{contract}: progenitor's `send()` of {builders} has a shape tether-codegen does not recognise, so its calls cannot go through the Tether runtime (fix: teach `direct_send` in tether-codegen/src/emit/direct.rs that shape; `cargo test -p tether-codegen --lib golden` shows progenitor's output; or drop the operation from the contract)")]
    Unrouted {
        /// Contract path.
        contract: PathBuf,
        /// The builders, `builder::ReposGet, …`.
        builders: String,
    },
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// Output path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// Entry point for a client crate's `build.rs`: generate `OUT_DIR/client.rs` from the
/// contract at `contract` (relative to the crate's manifest directory). Prints
/// `cargo:rerun-if-changed` for exactly its inputs. On failure prints the error and
/// exits the build script with status 1 (no panic, no partial output).
pub fn build(contract: &str) {
    if let Err(e) = try_build(contract) {
        eprintln!("error: {e}");
        println!("cargo:warning=tether-codegen: {e}");
        std::process::exit(1);
    }
}

fn try_build(contract: &str) -> Result<(), CodegenError> {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let out_dir = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let contract = manifest.join(contract);
    let contract = contract.canonicalize().unwrap_or(contract);
    for input in inputs(&contract) {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let generated = render(&contract)?;
    write_atomic(&out_dir.join("client.rs"), generated.code.as_bytes())
}

/// The files a generated client depends on: the contract and its provider policy.
pub fn inputs(contract: &Path) -> Vec<PathBuf> {
    let dir = contract.parent().unwrap_or(Path::new("."));
    vec![contract.to_owned(), dir.join("provider.yaml")]
}

/// [`tether_contract::atomic::write_atomic`], as a [`CodegenError`].
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CodegenError> {
    tether_contract::atomic::write_atomic(path, bytes).map_err(|e| CodegenError::Io {
        path: e.path,
        source: e.source,
    })
}
