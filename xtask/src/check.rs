use anyhow::Result;
use std::path::Path;
pub struct Report;
impl Report {
    pub fn is_ok(&self) -> bool {
        true
    }
}
impl std::fmt::Display for Report {
    fn fmt(&self, _f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}
pub fn run(_r: &Path, _b: &str) -> Result<Report> {
    Ok(Report)
}
