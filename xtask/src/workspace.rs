//! Finding contracts and writing files safely.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Every `contracts/<provider>/<resource>.v<N>.yaml`, sorted. Policy files
/// (`provider.yaml`), webhook payload contracts and the schema are not client contracts.
pub fn contract_files(root: &Path) -> Result<Vec<PathBuf>> {
    documents(root, |name| {
        name != "provider.yaml" && !name.starts_with("webhooks.")
    })
}

/// Every `contracts/<provider>/webhooks.v<N>.yaml`, sorted.
pub fn webhook_contract_files(root: &Path) -> Result<Vec<PathBuf>> {
    documents(root, |name| name.starts_with("webhooks."))
}

/// The YAML or JSON documents in `contracts/<provider>/` whose file name `keep` accepts,
/// sorted.
fn documents(root: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
    let dir = root.join("contracts");
    let mut out = Vec::new();
    let providers =
        std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for provider in providers {
        let provider = provider?.path();
        if !provider.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&provider)? {
            let file = file?.path();
            let name = file
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let is_doc =
                name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
            if is_doc && keep(&name) {
                out.push(file);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Path relative to the root, with `/` separators.
pub fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

pub use tether_contract::atomic::write_atomic;
