//! How contract files, client crates and Rust modules are named.
//!
//! `contracts/<provider>/<resource>.v<N>.yaml` ⇒ crate `<provider>-<resource>-v<N>`,
//! Rust path `<provider>_<resource>_v<N>`, fixture folder `<provider>.<resource>.v<N>`.

use std::path::Path;

/// The identity of a contract, derived from its file name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContractName {
    /// Provider folder, e.g. `github`.
    pub provider: String,
    /// Resource, e.g. `repos`.
    pub resource: String,
    /// Major version from the `v<N>` suffix.
    pub major: u64,
}

impl ContractName {
    /// Parse `…/<provider>/<resource>.v<N>.(yaml|yml|json)`.
    ///
    /// Returns a message naming the expected shape when the path does not fit.
    pub fn from_path(path: &Path) -> Result<Self, String> {
        let expected = "expected contracts/<provider>/<resource>.v<N>.yaml with lowercase \
                        [a-z0-9-] names, e.g. contracts/github/repos.v1.yaml";
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .ok_or_else(|| format!("file name is not UTF-8; {expected}"))?;
        let stem = file
            .strip_suffix(".yaml")
            .or_else(|| file.strip_suffix(".yml"))
            .or_else(|| file.strip_suffix(".json"))
            .ok_or_else(|| format!("`{file}` is not .yaml/.yml/.json; {expected}"))?;
        let (resource, version) = stem
            .rsplit_once(".v")
            .ok_or_else(|| format!("`{file}` has no `.v<N>` version suffix; {expected}"))?;
        let major: u64 = version
            .parse()
            .map_err(|_| format!("`{file}`: `v{version}` is not a number; {expected}"))?;
        let provider = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|p| p.to_str())
            .ok_or_else(|| format!("`{file}` is not inside a provider folder; {expected}"))?;
        for (what, name) in [("provider", provider), ("resource", resource)] {
            let ok = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(format!(
                    "{what} name `{name}` is not [a-z][a-z0-9-]*; {expected}"
                ));
            }
        }
        Ok(Self {
            provider: provider.to_owned(),
            resource: resource.to_owned(),
            major,
        })
    }

    /// Cargo package name of the generated client crate: `github-repos-v1`.
    pub fn crate_name(&self) -> String {
        format!("{}-{}-v{}", self.provider, self.resource, self.major)
    }

    /// Rust crate path: `github_repos_v1`.
    pub fn rust_name(&self) -> String {
        self.crate_name().replace('-', "_")
    }

    /// Fixture folder name: `github.repos.v1`.
    pub fn fixture_dir(&self) -> String {
        format!("{}.{}.v{}", self.provider, self.resource, self.major)
    }

    /// Contract path relative to the workspace root.
    pub fn contract_path(&self) -> String {
        format!(
            "contracts/{}/{}.v{}.yaml",
            self.provider, self.resource, self.major
        )
    }
}

impl std::fmt::Display for ContractName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.v{}", self.provider, self.resource, self.major)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names() {
        let n = ContractName::from_path(Path::new("contracts/github/repos.v1.yaml")).unwrap();
        assert_eq!(n.crate_name(), "github-repos-v1");
        assert_eq!(n.rust_name(), "github_repos_v1");
        assert_eq!(n.fixture_dir(), "github.repos.v1");
        assert_eq!(n.major, 1);
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "contracts/github/repos.yaml",
            "contracts/github/repos.vx.yaml",
            "contracts/GitHub/repos.v1.yaml",
            "contracts/github/repos.v1.txt",
            "contracts/github/Repos.v1.yaml",
        ] {
            let err = ContractName::from_path(Path::new(bad)).unwrap_err();
            assert!(
                err.contains("expected contracts/<provider>"),
                "{bad}: {err}"
            );
        }
    }
}
