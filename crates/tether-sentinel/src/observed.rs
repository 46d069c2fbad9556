//! Observed payloads, saved as fixture envelopes a person can promote into `fixtures/`.

use std::path::Path;

use serde_json::{json, Value};

use crate::SentinelError;

/// [`tether_contract::atomic::write_atomic`], as a [`SentinelError`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SentinelError> {
    tether_contract::atomic::write_atomic(path, bytes)
        .map_err(|e| SentinelError::io(e.path)(e.source))
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
