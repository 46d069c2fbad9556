//! `cargo xtask gen`: scaffold or refresh one client crate per contract, refresh
//! `contracts.lock`, write the Integration Brief of every provider
//! (`ops/integrations/<provider>/README.md`, see [`crate::brief`]), and optionally write
//! the expanded generated Rust for review.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use tether_contract::lock::{compare_versions, Lock, LockEntry};
use tether_contract::{Contract, ContractName};

use crate::workspace::{contract_files, rel, write_atomic};

/// Marker line at the top of every scaffolded file: `check` uses it to tell client
/// crates from hand-written ones.
pub const MARKER: &str = "Scaffolded by `cargo xtask gen`";

/// The three files of a client crate, as `(relative path, content)`.
pub fn scaffold(name: &ContractName) -> Vec<(String, String)> {
    let krate = name.crate_name();
    let contract = name.contract_path();
    let dir = format!("crates/{krate}");
    let cargo = format!(
        r#"# {MARKER} from {contract}. Do not edit: all logic lives in tether-codegen.
[package]
name = "{krate}"
description = "Typed client for {contract}, generated at build time"
version.workspace = true
edition.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
chrono = {{ workspace = true }}
progenitor-client = {{ workspace = true }}
regress = {{ workspace = true }}
reqwest = {{ workspace = true }}
serde = {{ workspace = true }}
serde_json = {{ workspace = true }}
tether-runtime = {{ workspace = true }}
uuid = {{ workspace = true }}

[build-dependencies]
tether-codegen = {{ workspace = true }}

[lints]
workspace = true
"#
    );
    let build = format!(
        "// {MARKER} from {contract}. Do not edit.\nfn main() {{\n    tether_codegen::build(\"../../{contract}\");\n}}\n"
    );
    let lib = format!(
        "// {MARKER} from {contract}. Do not edit.\n//! Typed client for `{contract}`, generated at build time by tether-codegen.\n//!\n//! ```no_run\n//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {{\n//! let client = {rust}::Client::new(\"https://api.example.com\");\n//! # let _ = client; Ok(()) }}\n//! ```\n#![allow(\n    clippy::all,\n    clippy::unwrap_used,\n    missing_docs,\n    unused_imports,\n    dead_code\n)]\n\ninclude!(concat!(env!(\"OUT_DIR\"), \"/client.rs\"));\n",
        rust = name.rust_name()
    );
    vec![
        (format!("{dir}/Cargo.toml"), cargo),
        (format!("{dir}/build.rs"), build),
        (format!("{dir}/src/lib.rs"), lib),
    ]
}

/// Compute the lock for the contracts on disk.
pub fn compute_lock(root: &Path) -> Result<(Lock, Vec<Contract>)> {
    let mut lock = Lock {
        version: 1,
        contracts: Vec::new(),
    };
    let mut contracts = Vec::new();
    for file in contract_files(root)? {
        let contract = Contract::load(&file)?;
        lock.contracts.push(LockEntry {
            path: rel(root, &file),
            info_version: contract.doc.info_version().to_owned(),
            sha256: contract.doc.sha256.clone(),
        });
        contracts.push(contract);
    }
    Ok((lock, contracts))
}

/// Run `gen`. Returns a human report.
pub fn run(root: &Path, emit: Option<&Path>) -> Result<String> {
    let (lock, contracts) = compute_lock(root)?;
    let mut report = String::new();
    let lock_path = root.join("contracts.lock");
    if let Ok(text) = std::fs::read_to_string(&lock_path) {
        let old =
            Lock::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", lock_path.display()))?;
        for entry in &lock.contracts {
            if let Some(prev) = old.get(&entry.path) {
                if compare_versions(&entry.info_version, &prev.info_version).is_lt() {
                    bail!(
                        "{}: info.version {} is lower than the locked {}; versions never go backwards (raise info.version)",
                        entry.path,
                        entry.info_version,
                        prev.info_version
                    );
                }
            }
        }
    }
    for contract in &contracts {
        let mut changed = Vec::new();
        for (path, content) in scaffold(&contract.name) {
            let full = root.join(&path);
            if std::fs::read_to_string(&full).ok().as_deref() != Some(content.as_str()) {
                write_atomic(&full, content.as_bytes())?;
                changed.push(path);
            }
        }
        let krate = contract.name.crate_name();
        if changed.is_empty() {
            writeln!(
                report,
                "ok       crates/{krate} ({})",
                contract.name.contract_path()
            )?;
        } else {
            writeln!(report, "wrote    {}", changed.join(", "))?;
        }
    }
    for orphan in orphan_crates(root)? {
        writeln!(report, "warning  {} was generated from a contract that no longer exists; delete it yourself if that is intended (gen removes nothing)", orphan.display())?;
    }
    let rendered = lock.render();
    if std::fs::read_to_string(&lock_path).ok().as_deref() != Some(rendered.as_str()) {
        write_atomic(&lock_path, rendered.as_bytes())?;
        writeln!(report, "wrote    contracts.lock")?;
    } else {
        writeln!(report, "ok       contracts.lock")?;
    }
    // Briefs last: they read the contracts, policies and fixtures the steps above settled.
    for line in crate::brief::write_all(root)? {
        writeln!(report, "{line}")?;
    }
    if let Some(dir) = emit {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for contract in &contracts {
            let generated = tether_codegen::render(&contract.doc.path)?;
            let out = dir.join(format!("{}.rs", contract.name.rust_name()));
            write_atomic(&out, generated.code.as_bytes())?;
            let projection = dir.join(format!("{}.projection.json", contract.name.rust_name()));
            let text = serde_json::to_string_pretty(&generated.projection)?;
            write_atomic(&projection, text.as_bytes())?;
            writeln!(
                report,
                "emitted  {} ({} lines)",
                out.display(),
                generated.code.lines().count()
            )?;
        }
    }
    Ok(report)
}

/// Client crates (folders whose Cargo.toml carries [`MARKER`]) with no contract.
pub fn orphan_crates(root: &Path) -> Result<Vec<PathBuf>> {
    // Names come from the contract files, loaded or not: a contract that fails to load is
    // reported as such, its crate is not an orphan.
    let names: Vec<String> = contract_files(root)?
        .iter()
        .filter_map(|f| ContractName::from_path(f).ok())
        .map(|n| n.crate_name())
        .collect();
    let mut out = Vec::new();
    let crates = root.join("crates");
    let Ok(entries) = std::fs::read_dir(&crates) else {
        return Ok(out);
    };
    for entry in entries {
        let dir = entry?.path();
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if !text.starts_with(&format!("# {MARKER}")) {
            continue;
        }
        let name = dir
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !names.contains(&name) {
            out.push(PathBuf::from(format!("crates/{name}")));
        }
    }
    out.sort();
    Ok(out)
}
