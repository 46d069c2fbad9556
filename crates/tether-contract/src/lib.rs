//! Tether contracts: load an OpenAPI 3.0 document (YAML or JSON), resolve its local
//! `$ref`s, give typed access to its operations and Tether's `x-tether` provenance,
//! and read the provider policy that sits beside it.
//!
//! Every failure is a [`ContractError`] naming the file and the JSON pointer (or line)
//! of the problem; nothing here panics on any input.

pub mod atomic;
pub mod diff;
pub mod document;
pub mod error;
pub mod extract;
pub mod fixture;
pub mod form;
pub mod lock;
pub mod model;
pub mod naming;
pub mod policy;
pub mod reference;
pub mod validate;
pub mod walk;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use document::Dialect;
pub use error::ContractError;
pub use model::{Operation, ParamLocation, Parameter, Reading, Response, Tolerated};
pub use naming::ContractName;
pub use policy::Policy;

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Any OpenAPI 3.0 document (3.1 is converted on load), with its operations read.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it was read from.
    pub path: PathBuf,
    /// SHA-256 of the file bytes as read.
    pub sha256: String,
    /// The document (after 3.1 → 3.0 conversion).
    pub value: Value,
    /// The dialect it declared.
    pub dialect: Dialect,
    /// Its operations.
    pub operations: Vec<Operation>,
    /// How it was read.
    pub reading: Reading,
    /// What a [`Reading::Lenient`] load accepted that a strict one refuses (always empty
    /// for a strict load).
    pub tolerated: Vec<Tolerated>,
}

impl Document {
    /// Read and check a document from a file, strictly (every rule a contract keeps).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ContractError> {
        Self::load_with(path, Reading::Strict)
    }

    /// Read an upstream description leniently: see [`Reading::Lenient`].
    pub fn load_upstream(path: impl AsRef<Path>) -> Result<Self, ContractError> {
        Self::load_with(path, Reading::Lenient)
    }

    /// Read a document from a file under `reading`.
    pub fn load_with(path: impl AsRef<Path>, reading: Reading) -> Result<Self, ContractError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ContractError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes_with(path, &bytes, reading)
    }

    /// Check a document held in memory, strictly; `path` is used for messages and to
    /// choose JSON (`.json`) or YAML parsing.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, ContractError> {
        Self::from_bytes_with(path, bytes, Reading::Strict)
    }

    /// [`Document::from_bytes`] under `reading`.
    pub fn from_bytes_with(
        path: &Path,
        bytes: &[u8],
        reading: Reading,
    ) -> Result<Self, ContractError> {
        let text = std::str::from_utf8(bytes).map_err(|e| ContractError::Parse {
            path: path.to_owned(),
            line: 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count(),
            column: 0,
            format: "UTF-8",
            message: e.to_string(),
        })?;
        let mut value = document::parse_text(path, text)?;
        if !value.is_object() {
            return Err(ContractError::invalid(
                path,
                "",
                "the document must be a mapping at the top level",
                None,
            ));
        }
        let mut tolerated = Vec::new();
        let dialect = document::normalize_dialect_with(path, &mut value, reading, &mut tolerated)?;
        document::check_refs(path, &value)?;
        if reading == Reading::Lenient {
            validate::tolerate_unreadable_keywords(path, &mut value, &mut tolerated);
        }
        let mut reader = model::Reader::new(path, &value, reading);
        if value
            .pointer("/info/version")
            .and_then(Value::as_str)
            .is_none()
        {
            reader.invalid("/info/version", "missing `info.version` string", None)?;
        }
        let operations = reader.operations()?;
        tolerated.append(&mut reader.tolerated);
        Ok(Self {
            path: path.to_owned(),
            sha256: sha256_hex(bytes),
            value,
            dialect,
            operations,
            reading,
            tolerated,
        })
    }

    /// `info.version`.
    pub fn info_version(&self) -> &str {
        self.value
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Look an operation up by `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }
}

/// The `x-tether` extension: who this contract belongs to and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TetherMeta {
    /// Provider (matches the folder).
    pub provider: String,
    /// Resource (matches the file name).
    pub resource: String,
    /// Provenance of the upstream description.
    pub upstream: Upstream,
}

/// Provenance of the upstream description a contract was extracted from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// Name of the upstream description (package and file).
    pub name: String,
    /// Its `info.version` (or release) as published.
    pub version: String,
    /// SHA-256 of the upstream file bytes.
    pub sha256: String,
    /// Operation ids taken from it.
    pub operations: Vec<String>,
}

/// A Tether contract: a [`Document`] at `contracts/<provider>/<resource>.v<N>.yaml`
/// whose `info.version` major is `N` and which carries `x-tether` provenance.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Identity from the file name.
    pub name: ContractName,
    /// The document.
    pub doc: Document,
    /// `x-tether`.
    pub meta: TetherMeta,
}

impl Contract {
    /// Load and check a contract file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ContractError> {
        let path = path.as_ref();
        let name =
            ContractName::from_path(path).map_err(|m| ContractError::invalid(path, "", m, None))?;
        let doc = Document::load(path)?;
        Self::from_document(name, doc)
    }

    /// Apply the Tether rules to an already loaded document.
    pub fn from_document(name: ContractName, doc: Document) -> Result<Self, ContractError> {
        let path = doc.path.clone();
        let version = doc.info_version();
        let major = version
            .split('.')
            .next()
            .and_then(|m| m.trim_start_matches('v').parse::<u64>().ok());
        if major != Some(name.major) {
            return Err(ContractError::invalid(
                &path,
                "/info/version",
                format!("info.version `{version}` does not have major version {} as the file name `.v{}` says", name.major, name.major),
                Some(&format!(
                    "a breaking change gets a new file `{}.v{}.yaml`; otherwise set info.version to `{}.x.y`",
                    name.resource,
                    name.major + 1,
                    name.major
                )),
            ));
        }
        let raw = doc.value.get("x-tether").ok_or_else(|| {
            ContractError::invalid(
                &path,
                "/x-tether",
                "missing the `x-tether` extension (provider, resource, upstream provenance)",
                Some("create contracts with `cargo xtask contract extract`"),
            )
        })?;
        let meta: TetherMeta = serde_json::from_value(raw.clone()).map_err(|e| {
            ContractError::invalid(&path, "/x-tether", format!("malformed x-tether: {e}"), None)
        })?;
        if meta.provider != name.provider || meta.resource != name.resource {
            return Err(ContractError::invalid(
                &path,
                "/x-tether",
                format!(
                    "x-tether names {}/{} but the file is {}/{}",
                    meta.provider, meta.resource, name.provider, name.resource
                ),
                Some("keep x-tether.provider/resource equal to the folder and file name"),
            ));
        }
        Ok(Self { name, doc, meta })
    }

    /// The provider policy file beside this contract (`provider.yaml`).
    pub fn policy_path(&self) -> PathBuf {
        self.doc
            .path
            .parent()
            .map(|p| p.join("provider.yaml"))
            .unwrap_or_else(|| "provider.yaml".into())
    }
}
