//! Process-wide registries: the state shared by every client of one provider, base URL
//! and credential, and the policy and contract validator parsed once per process.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};

use tether_contract::policy::Policy;
use tether_contract::validate::{ContractValidator, ValidatorOptions};

use super::Shared;
use crate::error::Error;
use crate::meta::RequestDefaults;

pub(super) fn shared_state(key: &str, make: impl FnOnce() -> Shared) -> Arc<Shared> {
    static REGISTRY: LazyLock<Mutex<HashMap<String, Arc<Shared>>>> =
        LazyLock::new(Default::default);
    let mut map = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(
        map.entry(key.to_owned())
            .or_insert_with(|| Arc::new(make())),
    )
}

pub(super) fn policy_of(d: &'static RequestDefaults) -> Result<Arc<Policy>, Error> {
    static CACHE: LazyLock<Mutex<HashMap<usize, Arc<Policy>>>> = LazyLock::new(Default::default);
    let key = d.policy.as_ptr() as usize;
    if let Some(p) = CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Ok(Arc::clone(p));
    }
    let path = std::path::PathBuf::from(format!("contracts/{}/provider.yaml", d.provider));
    let policy = Policy::from_text(&path, d.policy).map_err(|e| Error::Construction {
        provider: d.provider.to_owned(),
        message: format!("embedded policy does not load: {e}"),
    })?;
    let policy = Arc::new(policy);
    CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, Arc::clone(&policy));
    Ok(policy)
}

type ValidatorSlot = Arc<OnceLock<Result<Arc<ContractValidator>, String>>>;

/// The contract's validator, built once per process on first use.
pub(super) fn validator(d: &'static RequestDefaults) -> Result<Arc<ContractValidator>, String> {
    static CACHE: LazyLock<Mutex<HashMap<usize, ValidatorSlot>>> = LazyLock::new(Default::default);
    let slot = Arc::clone(
        CACHE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(d.contract.as_ptr() as usize)
            .or_default(),
    );
    slot.get_or_init(|| {
        let doc = tether_contract::Document::from_bytes(
            std::path::Path::new(d.contract_path),
            d.contract.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        ContractValidator::new(&doc, &ValidatorOptions::default())
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
}
