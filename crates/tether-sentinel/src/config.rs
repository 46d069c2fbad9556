//! `sentinels/checks.yaml`: contract → operation → parameters.

use std::collections::BTreeMap;
use std::path::Path;

use crate::SentinelError;

/// Parameters of one check (`name → value`).
pub type Params = BTreeMap<String, String>;

/// Every check, by contract (`provider.resource.vN`) then operation id.
#[derive(Debug, Clone, Default)]
pub struct Checks(pub BTreeMap<String, BTreeMap<String, Params>>);

impl Checks {
    /// Read `root/sentinels/checks.yaml`.
    pub fn load(root: &Path) -> Result<Self, SentinelError> {
        let path = root.join("sentinels/checks.yaml");
        let text = std::fs::read_to_string(&path).map_err(SentinelError::io(&path))?;
        let map = serde_yaml::from_str(&text).map_err(|e| SentinelError::Config {
            path: path.clone(),
            message: format!(
                "{e}; expected `<provider>.<resource>.v<N>: {{<operationId>: {{<param>: <string>}}}}`"
            ),
        })?;
        Ok(Self(map))
    }

    /// The providers named by the contracts, sorted, once each.
    pub fn providers(&self) -> Vec<String> {
        let mut out: Vec<String> = self.0.keys().map(|c| provider_of(c).to_owned()).collect();
        out.dedup();
        out
    }

    /// The contracts of one provider with their checks.
    pub fn for_provider<'a>(
        &'a self,
        provider: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a BTreeMap<String, Params>)> + 'a {
        self.0
            .iter()
            .filter(move |(c, _)| provider_of(c) == provider)
    }
}

/// `github` of `github.repos.v1`.
pub fn provider_of(contract: &str) -> &str {
    contract.split('.').next().unwrap_or_default()
}
