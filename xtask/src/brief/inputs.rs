//! What a brief is made from: the policy, the provider's contracts with their fixtures,
//! the sentinel checks and the receiver example, loaded once per provider.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use tether_contract::fixture::{list, Envelope};
use tether_contract::{Contract, Operation, Policy};

use super::{CHECKS_FILE, RECEIVER_EXAMPLE};
use crate::workspace::{contract_files, rel};

/// Sentinel checks: contract (fixture-dir name) → operation → parameters.
pub(super) type Checks = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;

/// One fixture as the brief needs it.
pub(super) struct Fixture {
    pub(super) good: bool,
    pub(super) kind: &'static str,
    pub(super) status: Option<u16>,
    pub(super) expect: Vec<String>,
}

/// A contract with its fixtures.
pub(super) struct Loaded {
    pub(super) contract: Contract,
    pub(super) path: String,
    pub(super) webhook: bool,
    pub(super) fixtures: BTreeMap<String, Vec<Fixture>>,
}

/// Everything a brief is made from.
pub(super) struct Inputs {
    pub(super) policy: Policy,
    pub(super) contracts: Vec<Loaded>,
    pub(super) checks: Option<Checks>,
    pub(super) receiver: Option<toml::Value>,
}

impl Inputs {
    pub(super) fn load(root: &Path, provider: &str) -> Result<Self> {
        let policy_path = root.join("contracts").join(provider).join("provider.yaml");
        let policy = Policy::load(&policy_path)?;
        let mut files: Vec<(PathBuf, bool)> = contract_files(root)?
            .into_iter()
            .map(|f| (f, false))
            .chain(
                crate::workspace::webhook_contract_files(root)?
                    .into_iter()
                    .map(|f| (f, true)),
            )
            .filter(|(f, _)| {
                f.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|d| d == provider)
            })
            .collect();
        files.sort();
        let mut contracts = Vec::new();
        for (file, webhook) in files {
            let contract = Contract::load(&file)?;
            let dir = root.join("fixtures").join(contract.name.fixture_dir());
            let mut fixtures: BTreeMap<String, Vec<Fixture>> = BTreeMap::new();
            for (f, good) in list(&dir) {
                let env = Envelope::load(&f)?;
                if contract.doc.operation(&env.operation).is_none() {
                    continue; // `check` reports fixtures naming unknown operations
                }
                let mut expect: Vec<String> = env
                    .expect
                    .iter()
                    .map(|e| {
                        if e.pointer.is_empty() {
                            e.keyword.clone()
                        } else {
                            format!("{} at {}", e.keyword, e.pointer)
                        }
                    })
                    .collect();
                expect.sort();
                fixtures
                    .entry(env.operation.clone())
                    .or_default()
                    .push(Fixture {
                        good,
                        kind: match env.kind {
                            tether_contract::fixture::Kind::Request => "request",
                            tether_contract::fixture::Kind::Response => "response",
                        },
                        status: env.status,
                        expect,
                    });
            }
            contracts.push(Loaded {
                path: rel(root, &file),
                contract,
                webhook,
                fixtures,
            });
        }
        let checks_path = root.join(CHECKS_FILE);
        let checks = match std::fs::read_to_string(&checks_path) {
            Ok(text) => Some(serde_yaml::from_str::<Checks>(&text).with_context(|| {
                format!("{CHECKS_FILE}: expected contract → operation → parameters (strings)")
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(anyhow!("cannot read {CHECKS_FILE}: {e}")),
        };
        if let Some(checks) = &checks {
            for (contract, ops) in checks {
                if let Some(l) = contracts
                    .iter()
                    .find(|l| l.contract.name.fixture_dir() == *contract)
                {
                    for op in ops.keys() {
                        if l.contract.doc.operation(op).is_none() {
                            return Err(anyhow!(
                                "{CHECKS_FILE}: {contract}: operation `{op}` is not in {} (use an operationId of the contract)",
                                l.path
                            ));
                        }
                    }
                }
            }
        }
        let receiver = match std::fs::read_to_string(root.join(RECEIVER_EXAMPLE)) {
            Ok(text) => Some(
                toml::from_str::<toml::Value>(&text)
                    .with_context(|| format!("{RECEIVER_EXAMPLE} is not valid TOML"))?,
            ),
            Err(_) => None,
        };
        Ok(Self {
            policy,
            contracts,
            checks,
            receiver,
        })
    }

    pub(super) fn outbound(&self) -> impl Iterator<Item = &Loaded> {
        self.contracts.iter().filter(|l| !l.webhook)
    }

    pub(super) fn inbound(&self) -> impl Iterator<Item = &Loaded> {
        self.contracts.iter().filter(|l| l.webhook)
    }

    /// Sentinel checks of one contract (empty when none).
    pub(super) fn checks_of(&self, l: &Loaded) -> BTreeMap<String, BTreeMap<String, String>> {
        self.checks
            .as_ref()
            .and_then(|c| c.get(&l.contract.name.fixture_dir()))
            .cloned()
            .unwrap_or_default()
    }

    /// Receiver example endpoints for this provider's scheme: (path, secret env vars).
    pub(super) fn receiver_endpoints(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        let Some(eps) = self
            .receiver
            .as_ref()
            .and_then(|r| r.get("endpoint"))
            .and_then(toml::Value::as_array)
        else {
            return out;
        };
        for ep in eps {
            if ep.get("scheme").and_then(toml::Value::as_str) != Some(&self.policy.provider) {
                continue;
            }
            let path = ep
                .get("path")
                .and_then(toml::Value::as_str)
                .unwrap_or("?")
                .to_owned();
            let envs = ep
                .get("secret_envs")
                .and_then(toml::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            out.push((path, envs));
        }
        out
    }
}

/// Operations of a contract sorted by path, then method.
pub(super) fn sorted_ops(c: &Contract) -> Vec<&Operation> {
    let mut ops: Vec<&Operation> = c.doc.operations.iter().collect();
    ops.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    ops
}
