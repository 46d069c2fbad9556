//! `contracts.lock`: the path, `info.version` and SHA-256 of every contract, refreshed by
//! `cargo xtask gen` and checked by `cargo xtask check`.

use serde::{Deserialize, Serialize};

/// The lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// Format version (1).
    pub version: u32,
    /// One entry per contract, sorted by path.
    #[serde(default, rename = "contract")]
    pub contracts: Vec<LockEntry>,
}

/// One locked contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    /// Path relative to the workspace root, with `/`.
    pub path: String,
    /// `info.version` at lock time.
    pub info_version: String,
    /// SHA-256 of the contract bytes.
    pub sha256: String,
}

const HEADER: &str = "# contracts.lock: written by `cargo xtask gen`, checked by `cargo xtask check`. Do not edit.\n";

impl Lock {
    /// Parse lock text; the message says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let lock: Lock = toml::from_str(text).map_err(|e| e.to_string())?;
        if lock.version != 1 {
            return Err(format!("unsupported lock format version {}", lock.version));
        }
        Ok(lock)
    }

    /// Render deterministically (entries sorted by path).
    pub fn render(&self) -> String {
        let mut sorted = self.clone();
        sorted.contracts.sort_by(|a, b| a.path.cmp(&b.path));
        let body = toml::to_string(&sorted).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Entry for a path.
    pub fn get(&self, path: &str) -> Option<&LockEntry> {
        self.contracts.iter().find(|e| e.path == path)
    }
}

/// Compare dotted versions numerically (`1.10.0` > `1.9.3`); non-numeric parts compare as text.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let (x, y) = (
            pa.get(i).map_or("0", String::as_str),
            pb.get(i).map_or("0", String::as_str),
        );
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if ord.is_ne() {
            return ord;
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_sorted() {
        let lock = Lock {
            version: 1,
            contracts: vec![
                LockEntry {
                    path: "contracts/b.v1.yaml".into(),
                    info_version: "1.0.0".into(),
                    sha256: "bb".into(),
                },
                LockEntry {
                    path: "contracts/a.v1.yaml".into(),
                    info_version: "1.2.0".into(),
                    sha256: "aa".into(),
                },
            ],
        };
        let text = lock.render();
        assert!(text.find("a.v1").unwrap() < text.find("b.v1").unwrap());
        let back = Lock::parse(&text).unwrap();
        assert_eq!(back.get("contracts/a.v1.yaml").unwrap().sha256, "aa");
    }

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("1.10.0", "1.9.3"), Greater);
        assert_eq!(compare_versions("1.0", "1.0.0"), Equal);
        assert_eq!(compare_versions("1.0.0", "1.0.1"), Less);
    }
}
