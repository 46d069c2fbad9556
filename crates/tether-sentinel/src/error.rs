//! The sentinel's errors: each names the file, contract or variable involved.

use std::path::PathBuf;

/// Why a provider could not be checked at all (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SentinelError {
    /// `sentinels/checks.yaml` (or another input file) is malformed.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A contract or policy could not be loaded.
    #[error(transparent)]
    Contract(#[from] tether_contract::ContractError),
    /// A check names something its contract lacks, or a request cannot be built.
    #[error("{contract}: {message}")]
    Target {
        /// `provider.resource.vN`.
        contract: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// `--live` was asked for and a credential is missing.
    #[error("--live: {0}")]
    Credentials(String),
    /// The offline sandbox could not start.
    #[error("sandbox: {0}")]
    Sandbox(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl SentinelError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| SentinelError::Io { path, source }
    }
}
