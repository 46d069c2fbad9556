//! Payload contracts: `contracts/<provider>/webhooks.v<N>.yaml`, one pseudo-operation
//! per event whose request body is the payload, checked after the signature.

use std::path::Path;

use serde_json::Value;
use tether_contract::validate::{
    ContractValidator, RequestBody, ValidationError, ValidatorOptions,
};
use tether_contract::{ContractError, Document};

/// What a receiver does with a payload that breaks its contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationMode {
    /// Do not validate.
    Off,
    /// Validate, store anyway and record the findings with the delivery.
    Report,
    /// Validate; refuse (400) a payload with findings.
    #[default]
    Enforce,
}

/// A loaded payload contract.
pub struct PayloadContract {
    ids: Vec<String>,
    validator: ContractValidator,
}

impl std::fmt::Debug for PayloadContract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayloadContract")
            .field("events", &self.ids)
            .finish()
    }
}

impl PayloadContract {
    /// Load and compile a payload contract (any OpenAPI 3.0 document whose operation ids
    /// are event names).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ContractError> {
        let doc = Document::load(path)?;
        let validator = ContractValidator::new(&doc, &ValidatorOptions::default())?;
        let ids = doc.operations.iter().map(|o| o.id.clone()).collect();
        Ok(Self { ids, validator })
    }

    /// The operation describing an event: `<event>/<action>` (GitHub's `issues/opened`)
    /// when the contract has it, else `<event>`. `None`: an event the contract does not
    /// describe, accepted unvalidated (new provider events must not cause retry storms).
    pub fn operation_for(&self, event: &str, body: Option<&Value>) -> Option<&str> {
        let action = body.and_then(|b| b.get("action")).and_then(Value::as_str);
        if let Some(action) = action {
            let id = format!("{event}/{action}");
            if let Some(found) = self.ids.iter().find(|i| **i == id) {
                return Some(found);
            }
        }
        self.ids.iter().find(|i| *i == event).map(String::as_str)
    }

    /// Validate a payload against an operation.
    pub fn validate(
        &self,
        operation: &str,
        content_type: &str,
        body: RequestBody<'_>,
    ) -> Result<(), Vec<ValidationError>> {
        self.validator
            .validate_request(operation, content_type, body)
    }
}
