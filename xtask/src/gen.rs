use anyhow::Result;
use std::path::Path;
pub fn run(_r: &Path, _e: Option<&Path>) -> Result<String> {
    Ok(String::new())
}
