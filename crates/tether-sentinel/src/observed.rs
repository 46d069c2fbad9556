//! Observed payloads, saved as fixture envelopes a person can promote into `fixtures/`.

use std::path::Path;

use serde_json::{json, Value};

use crate::SentinelError;

/// Write through a temporary file in the same folder and rename: never a partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SentinelError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(SentinelError::io(dir))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(SentinelError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(SentinelError::io(path))
}

/// Save `body` as `dir/observed/<contract>/<op>.observed.json`. Headers are left out (they
/// carry request ids and cookies); a body that is not JSON is not saved.
pub fn save(
    dir: &Path,
    contract: &str,
    operation: &str,
    status: u16,
    body: &[u8],
) -> Result<(), SentinelError> {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let envelope = json!({"operation": operation, "kind": "response", "status": status, "body": body, "source": "cargo xtask sentinel (observed)"});
    let file = dir.join("observed").join(contract).join(format!(
        "{}.observed.json",
        tether_contract::fixture::file_prefix(operation)
    ));
    let text = serde_json::to_string_pretty(&envelope).unwrap_or_default();
    write_atomic(&file, format!("{text}\n").as_bytes())
}
