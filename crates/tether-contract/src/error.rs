//! Errors raised while loading a contract or a provider policy.
//!
//! Every variant names the file, and where it can, the JSON pointer (or line) of the
//! offending construct plus what to do about it.

use std::path::PathBuf;

/// A contract or policy could not be loaded, resolved or accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContractError {
    /// The file could not be read.
    #[error("{path}: cannot read file: {source}")]
    Io {
        /// File that failed.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed YAML/JSON.
    #[error("{path}:{line}:{column}: not valid {format}: {message}")]
    Parse {
        /// File that failed.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// `YAML` or `JSON`.
        format: &'static str,
        /// Parser message.
        message: String,
    },
    /// The document parsed but breaks a rule of OpenAPI 3.0 or of Tether.
    #[error("{path}: {pointer}: {message}{}", hint.as_ref().map(|h| format!(" (fix: {h})")).unwrap_or_default())]
    Invalid {
        /// File that failed.
        path: PathBuf,
        /// JSON pointer of the offending node (`""` for the whole document).
        pointer: String,
        /// What is wrong, what was expected.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// The document uses a construct Tether does not support.
    #[error("{path}: {pointer}: unsupported construct `{construct}`: {message}")]
    Unsupported {
        /// File that failed.
        path: PathBuf,
        /// JSON pointer of the construct.
        pointer: String,
        /// The construct, e.g. `type: [string, integer]`.
        construct: String,
        /// Why and what to do.
        message: String,
    },
}

impl ContractError {
    pub(crate) fn invalid(
        path: impl Into<PathBuf>,
        pointer: impl Into<String>,
        message: impl Into<String>,
        hint: Option<&str>,
    ) -> Self {
        Self::Invalid {
            path: path.into(),
            pointer: pointer.into(),
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    /// The JSON pointer this error is about, when it has one.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            Self::Invalid { pointer, .. } | Self::Unsupported { pointer, .. } => Some(pointer),
            _ => None,
        }
    }
}

/// Escape one JSON pointer reference token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Build a JSON pointer from tokens.
pub fn pointer<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    tokens
        .into_iter()
        .map(|t| format!("/{}", escape_token(t.as_ref())))
        .collect()
}

/// The JSON type name of a value: `null`, `boolean`, `number`, `string`, `array` or
/// `object` (for messages of the form codec and the validator).
pub(crate) fn json_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
