//! `sentinels/checks.yaml`: contract → operation → parameters. A sentinel never writes:
//! every check must name a GET or HEAD operation, checked when the file loads.

use std::collections::BTreeMap;
use std::path::Path;

use crate::SentinelError;

/// Parameters of one check (`name → value`).
pub type Params = BTreeMap<String, String>;

/// Every check, by contract (`provider.resource.vN`) then operation id.
#[derive(Debug, Clone, Default)]
pub struct Checks(pub BTreeMap<String, BTreeMap<String, Params>>);

impl Checks {
    /// Read `root/sentinels/checks.yaml` and refuse a check of an operation that is not
    /// GET or HEAD: sentinels run on a schedule against production with real credentials,
    /// and must never create, change or delete anything there.
    pub fn load(root: &Path) -> Result<Self, SentinelError> {
        let path = root.join("sentinels/checks.yaml");
        let text = std::fs::read_to_string(&path).map_err(SentinelError::io(&path))?;
        let map = serde_yaml::from_str(&text).map_err(|e| SentinelError::Config {
            path: path.clone(),
            message: format!(
                "{e}; expected `<provider>.<resource>.v<N>: {{<operationId>: {{<param>: <string>}}}}`"
            ),
        })?;
        let checks = Self(map);
        checks.refuse_writes(root, &path)?;
        Ok(checks)
    }

    /// Every checked operation of every contract that loads is GET or HEAD. A contract
    /// that does not load, or an operation it lacks, is left to that contract's own run,
    /// which names it, so one broken contract does not stop the other providers' checks.
    fn refuse_writes(&self, root: &Path, path: &Path) -> Result<(), SentinelError> {
        for (name, operations) in &self.0 {
            let Ok(file) = crate::target::contract_path(root, name) else {
                continue;
            };
            let Ok(contract) = tether_contract::Contract::load(&file) else {
                continue;
            };
            for op in &contract.doc.operations {
                let read_only = matches!(op.method.as_str(), "get" | "head");
                if !read_only && operations.contains_key(&op.id) {
                    return Err(SentinelError::Config {
                        path: path.to_owned(),
                        message: format!(
                            "{name}: `{}` is {} {}; sentinels only call GET and HEAD operations (they run against production): remove it, or check a read-only operation that returns the same schema",
                            op.id,
                            op.method.to_ascii_uppercase(),
                            op.path
                        ),
                    });
                }
            }
        }
        Ok(())
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
