//! The receiver's TOML configuration: [`ReceiverConfig`] loads it and builds the
//! [`Receiver`] it describes; [`SetupError`] says why it could not.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::{Endpoint, Limits, Receiver, DEFAULT_MAX_BODY, DEFAULT_REPLAY_TTL, RESERVED_PATHS};
use crate::inbox::{Inbox, InboxError};
use crate::payload::{PayloadContract, ValidationMode};
use crate::replay::{ReplayStore, SqliteReplayStore, StoreError};
use crate::{Clock, Scheme, SigningKey, Verifier};

/// `cargo xtask webhook serve --config FILE`: the receiver's configuration (TOML).
///
/// ```toml
/// listen = "127.0.0.1:8080"
/// inbox = "var/webhooks.sqlite3"          # relative paths are relative to this file
/// [[endpoint]]
/// name = "github"
/// path = "/webhooks/github"
/// scheme = "github"
/// secret_envs = ["GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_PREVIOUS"]
/// contract = "../contracts/github/webhooks.v1.yaml"
/// validation = "enforce"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Inbox database file.
    pub inbox: PathBuf,
    /// Replay store file (default: the inbox path with `.replay` appended).
    #[serde(default)]
    pub replay: Option<PathBuf>,
    /// Timestamp tolerance, seconds, either direction.
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
    /// Replay window, seconds.
    #[serde(default = "default_ttl")]
    pub replay_ttl_secs: u64,
    /// Largest body, bytes.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: u64,
    /// Endpoints.
    #[serde(rename = "endpoint", default)]
    pub endpoints: Vec<EndpointConfig>,
}

/// One `[[endpoint]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// Inbox `source` name.
    pub name: String,
    /// URL path.
    pub path: String,
    /// `github`, `stripe`, `slack` or `standard`.
    pub scheme: String,
    /// Names of environment variables holding the active secrets (never the secrets).
    pub secret_envs: Vec<String>,
    /// Payload contract.
    #[serde(default)]
    pub contract: Option<PathBuf>,
    /// `enforce` (default), `report` or `off`.
    #[serde(default)]
    pub validation: ValidationMode,
    /// Accepted media types (default by scheme).
    #[serde(default)]
    pub content_types: Option<Vec<String>>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_tolerance() -> u64 {
    crate::DEFAULT_TOLERANCE.as_secs()
}
fn default_ttl() -> u64 {
    DEFAULT_REPLAY_TTL.as_secs()
}
fn default_max_body() -> u64 {
    DEFAULT_MAX_BODY
}

/// Why a receiver could not be set up from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The config file cannot be read or parsed.
    #[error("{path}: {message}")]
    Config {
        /// Config file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A secret variable is unset or empty, or its value is not a valid secret.
    #[error("endpoint `{endpoint}`: environment variable `{var}`: {message}")]
    SigningKey {
        /// Endpoint name.
        endpoint: String,
        /// Variable name.
        var: String,
        /// What is wrong (never the value).
        message: String,
    },
    /// A payload contract does not load.
    #[error("endpoint `{endpoint}`: {source}")]
    Contract {
        /// Endpoint name.
        endpoint: String,
        /// The loader's error.
        #[source]
        source: Box<tether_contract::ContractError>,
    },
    /// The inbox cannot be opened.
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// The replay store cannot be opened.
    #[error(transparent)]
    Replay(#[from] StoreError),
    /// `TETHER_REDIS_*` is set but wrong (or set in a build without the `redis` feature).
    #[error("shared replay store: {0}")]
    Redis(String),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// `listen` from the config.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The consumer thread cannot start.
    #[error("cannot start the inbox consumer: {0}")]
    Consumer(std::io::Error),
}

/// The Redis replay store (with `local` as its `fail_open` fallback) when
/// `TETHER_REDIS_URL` is set, else `local`.
fn shared_replay(
    env: &dyn Fn(&str) -> Option<String>,
    local: Arc<dyn ReplayStore>,
) -> Result<Arc<dyn ReplayStore>, SetupError> {
    #[cfg(feature = "redis")]
    {
        let config = tether_redis::RedisConfig::from_lookup(env)
            .map_err(|e| SetupError::Redis(e.to_string()))?;
        match config {
            Some(config) => {
                let redis = tether_redis::Redis::open_shared(config)
                    .map_err(|e| SetupError::Redis(e.to_string()))?;
                Ok(Arc::new(crate::shared_replay::RedisReplayStore::new(
                    redis, local,
                )))
            }
            None => Ok(local),
        }
    }
    #[cfg(not(feature = "redis"))]
    {
        match env("TETHER_REDIS_URL") {
            Some(url) if !url.trim().is_empty() => Err(SetupError::Redis(
                "TETHER_REDIS_URL is set but tether-webhooks was built without its `redis` feature: enable it, or unset the variable".to_owned(),
            )),
            _ => Ok(local),
        }
    }
}

impl ReceiverConfig {
    /// Read a TOML file; relative paths in it are made relative to its folder.
    pub fn load(path: &Path) -> Result<Self, SetupError> {
        let cfg_err = |message: String| SetupError::Config {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| cfg_err(e.to_string()))?;
        let mut cfg: ReceiverConfig = toml::from_str(&text).map_err(|e| cfg_err(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut cfg.inbox);
        if let Some(r) = cfg.replay.as_mut() {
            fix(r);
        }
        for ep in &mut cfg.endpoints {
            if let Some(c) = ep.contract.as_mut() {
                fix(c);
            }
        }
        if cfg.endpoints.is_empty() {
            return Err(cfg_err("no [[endpoint]]".into()));
        }
        for ep in &cfg.endpoints {
            ep.scheme
                .parse::<Scheme>()
                .map_err(|m| cfg_err(format!("endpoint `{}`: {m}", ep.name)))?;
            if ep.secret_envs.is_empty() {
                return Err(cfg_err(format!(
                    "endpoint `{}`: secret_envs is empty",
                    ep.name
                )));
            }
            if RESERVED_PATHS.contains(&ep.path.as_str()) {
                return Err(cfg_err(format!(
                    "endpoint `{}`: path `{}` is the receiver's own (reserved: {})",
                    ep.name,
                    ep.path,
                    RESERVED_PATHS.join(", ")
                )));
            }
            if !ep.path.starts_with('/') {
                return Err(cfg_err(format!(
                    "endpoint `{}`: path must start with `/`",
                    ep.name
                )));
            }
        }
        Ok(cfg)
    }

    /// Open the stores, read the secrets through `env` and build the receiver.
    pub fn build(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        clock: Arc<dyn Clock>,
    ) -> Result<Receiver, SetupError> {
        let inbox = Inbox::open(&self.inbox)?;
        let replay_path = self.replay.clone().unwrap_or_else(|| {
            let mut p = self.inbox.clone().into_os_string();
            p.push(".replay");
            PathBuf::from(p)
        });
        let local: Arc<dyn ReplayStore> = Arc::new(SqliteReplayStore::open(&replay_path)?);
        let replay = shared_replay(env, local)?;
        let limits = Limits {
            max_body: self.max_body_bytes,
            replay_ttl: Duration::from_secs(self.replay_ttl_secs),
        };
        let mut receiver = Receiver::new(inbox, replay, clock, limits);
        for ep in &self.endpoints {
            let scheme: Scheme = ep.scheme.parse().map_err(|message| SetupError::Config {
                path: PathBuf::new(),
                message,
            })?;
            let mut builder =
                Verifier::builder(scheme).tolerance(Duration::from_secs(self.tolerance_secs));
            for var in &ep.secret_envs {
                let secret_err = |message: String| SetupError::SigningKey {
                    endpoint: ep.name.clone(),
                    var: var.clone(),
                    message,
                };
                let value = env(var)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| secret_err("unset or empty".into()))?;
                let secret = SigningKey::for_scheme(scheme, &value)
                    .map_err(|e| secret_err(e.to_string()))?;
                builder = builder.secret(secret);
            }
            let verifier = builder.build().map_err(|e| SetupError::SigningKey {
                endpoint: ep.name.clone(),
                var: String::new(),
                message: e.to_string(),
            })?;
            let mut endpoint = Endpoint::new(&ep.name, &ep.path, verifier);
            if let Some(types) = &ep.content_types {
                endpoint = endpoint.content_types(types.clone());
            }
            if let Some(path) = &ep.contract {
                let contract =
                    PayloadContract::load(path).map_err(|source| SetupError::Contract {
                        endpoint: ep.name.clone(),
                        source: Box::new(source),
                    })?;
                endpoint = endpoint.contract(contract, ep.validation);
            }
            receiver = receiver.endpoint(endpoint);
        }
        Ok(receiver)
    }
}
