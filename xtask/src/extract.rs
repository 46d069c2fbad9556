//! `cargo xtask contract extract`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tether_contract::extract::{extract, to_yaml, ExtractRequest};
use tether_contract::{Contract, ContractName};

use crate::workspace::write_atomic;

/// Extract a contract and write it to `contracts/<provider>/<resource>.v<N>.yaml`.
pub fn run(
    root: &Path,
    from: &Path,
    operations: &[String],
    provider: &str,
    resource: &str,
    major: u64,
    upstream_name: Option<String>,
) -> Result<PathBuf> {
    let bytes = std::fs::read(from)
        .with_context(|| format!("cannot read upstream description {}", from.display()))?;
    let upstream = tether_contract::document::parse_text(from, &String::from_utf8_lossy(&bytes))?;
    let name = ContractName {
        provider: provider.into(),
        resource: resource.into(),
        major,
    };
    let rel = name.contract_path();
    // Validate the names the same way the loader will.
    ContractName::from_path(Path::new(&rel)).map_err(anyhow::Error::msg)?;
    let req = ExtractRequest {
        provider: provider.into(),
        resource: resource.into(),
        major,
        operations: operations.to_vec(),
        upstream_name: upstream_name.unwrap_or_else(|| {
            from.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        }),
        upstream_sha256: tether_contract::sha256_hex(&bytes),
    };
    let doc = extract(&upstream, &req)?;
    let text = to_yaml(&doc);
    let path = root.join(&rel);
    // Refuse to write something the loader would reject: no partial or broken contract on disk.
    let name = ContractName::from_path(&path).map_err(anyhow::Error::msg)?;
    let loaded = tether_contract::Document::from_bytes(&path, text.as_bytes())?;
    Contract::from_document(name, loaded)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if path.exists() && std::fs::read(&path).ok().as_deref() == Some(text.as_bytes()) {
        return Ok(path);
    }
    write_atomic(&path, text.as_bytes())?;
    Ok(path)
}
