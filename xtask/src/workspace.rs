//! Finding contracts and writing files safely.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Every `contracts/<provider>/<resource>.v<N>.yaml`, sorted. Policy files
/// (`provider.yaml`) and the schema are not contracts.
pub fn contract_files(root: &Path) -> Result<Vec<PathBuf>> {
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
            if is_doc && name != "provider.yaml" && !name.starts_with("webhooks.") {
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

/// Write through a temporary file in the same folder and rename: never a partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
