//! The client builder: [`ClientBuilder`] (every setting defaults to the provider policy) and
//! the state it assembles for a generated `Client`.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue};
use tether_contract::policy::ValidationMode;

use super::registry::{policy_of, shared_state};
use super::{Engine, Shared, State};
use crate::auth::Credentials;
use crate::breaker::{Breaker, BreakerConfig};
use crate::clock::{Clock, SystemClock};
use crate::concurrency::ConcurrencyCap;
use crate::error::{describe_reqwest, Error};
use crate::limit::{applicable_limits, Adaptive, LocalLimits, RateLimitStore};
use crate::meta::RequestDefaults;
use crate::retry::{RetryPolicy, RetryQuota};
use crate::telemetry::OperationKeys;

/// What [`ClientBuilder::build`] makes from the parts: the generated `Client`, or the parts
/// themselves.
pub type Make<C> = fn(&str, reqwest::Client, Engine) -> C;

/// The parts of a client: base URL, HTTP client, runtime state.
pub type Parts = (String, reqwest::Client, Engine);

/// Builds a client: `github_repos_v1::Client::builder().base_url(…).credentials(…).build()`.
/// Every setting defaults to the provider policy.
#[derive(Debug, Clone)]
pub struct ClientBuilder<C = Parts> {
    make: Make<C>,
    defaults: &'static RequestDefaults,
    base_url: Option<String>,
    credentials: Option<Credentials>,
    clock: Option<Arc<dyn Clock>>,
    validation: Option<ValidationMode>,
    overall: Option<Duration>,
    attempt_timeout: Option<Duration>,
    max_attempts: Option<u32>,
    limits: Option<Option<Arc<dyn RateLimitStore>>>,
    http: Option<reqwest::Client>,
    max_body_bytes: Option<u64>,
    report_sample: Option<f64>,
    #[cfg(feature = "redis")]
    redis: Option<Arc<tether_redis::Redis>>,
}

impl ClientBuilder<Parts> {
    /// A builder of the bare parts (for tools that have no generated client).
    pub fn parts(defaults: &'static RequestDefaults) -> Self {
        ClientBuilder::new(defaults, |base, http, inner| (base.to_owned(), http, inner))
    }
}

impl<C> ClientBuilder<C> {
    /// A builder from the provider policy only; `make` assembles the client.
    pub fn new(defaults: &'static RequestDefaults, make: Make<C>) -> Self {
        Self {
            make,
            defaults,
            base_url: None,
            credentials: None,
            clock: None,
            validation: None,
            overall: None,
            attempt_timeout: None,
            max_attempts: None,
            limits: None,
            http: None,
            max_body_bytes: None,
            report_sample: None,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }

    /// Base URL (default: `<PROVIDER>_API_BASE_URL`, else the policy's production URL).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Credentials (default: none; `from_env` reads them from the policy's env vars).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Response validation mode (default: the policy's `responses.validation`).
    pub fn validation(mut self, mode: ValidationMode) -> Self {
        self.validation = Some(mode);
        self
    }

    /// Overall deadline per call (default: policy `timeouts.overall`).
    pub fn timeout(mut self, overall: Duration) -> Self {
        self.overall = Some(overall);
        self
    }

    /// Per-attempt timeout (default: policy `timeouts.attempt`).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Attempts per call including the first (default: policy `retry.max_attempts`).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Use another rate-limit store (a shared one across replicas).
    pub fn rate_limit_store(mut self, store: Arc<dyn RateLimitStore>) -> Self {
        self.limits = Some(Some(store));
        self
    }

    /// No client-side rate limiting (the provider's 429s still pace retries).
    pub fn without_rate_limits(mut self) -> Self {
        self.limits = Some(None);
        self
    }

    /// Largest response body read (default: policy `responses.max_body_bytes`).
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Report-mode validations per second per operation of this client, burst of one
    /// second's worth, the first response always (default: policy
    /// `responses.report_sample_per_second`); `f64::INFINITY` checks every response.
    pub fn report_sample_per_second(mut self, rate: f64) -> Self {
        self.report_sample = Some(rate);
        self
    }

    /// Use this reqwest client (its own timeouts apply too).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Share rate limits and OAuth2 tokens with every replica through this Redis
    /// (unless [`ClientBuilder::rate_limit_store`] or [`ClientBuilder::without_rate_limits`] chose
    /// otherwise).
    #[cfg(feature = "redis")]
    pub fn redis(mut self, redis: Arc<tether_redis::Redis>) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Use Redis when `TETHER_REDIS_URL` is set (`TETHER_REDIS_MODE`: `fail_open`, the
    /// default, or `fail_closed`); unset ⇒ the in-process limiter and token cache.
    ///
    /// # Errors
    /// A variable that does not parse, or a URL set in a build without the `redis`
    /// feature (never silently ignored).
    pub fn redis_from_env(self) -> Result<Self, Error> {
        let provider = self.defaults.provider;
        let construction = |message: String| Error::Construction {
            provider: provider.to_owned(),
            message,
        };
        #[cfg(feature = "redis")]
        {
            match tether_redis::RedisConfig::from_env().map_err(|e| construction(e.to_string()))? {
                Some(config) => {
                    let redis = tether_redis::Redis::open_shared(config)
                        .map_err(|e| construction(e.to_string()))?;
                    Ok(self.redis(redis))
                }
                None => Ok(self),
            }
        }
        #[cfg(not(feature = "redis"))]
        {
            match std::env::var("TETHER_REDIS_URL") {
                Ok(url) if !url.trim().is_empty() => Err(construction(
                    "TETHER_REDIS_URL is set but tether-runtime was built without its `redis` feature: enable it, or unset the variable".to_owned(),
                )),
                _ => Ok(self),
            }
        }
    }

    /// Read the credential named by the policy from the environment.
    pub fn credentials_from_env(self) -> Result<Self, Error> {
        let policy = policy_of(self.defaults)?;
        let creds = Credentials::from_env(&policy)?;
        Ok(self.credentials(creds))
    }

    /// Build the client.
    pub fn build(self) -> Result<C, Error> {
        let make = self.make;
        let (base, http, inner) = self.into_parts()?;
        Ok(make(&base, http, inner))
    }

    /// Base URL, reqwest client and state.
    pub fn into_parts(self) -> Result<Parts, Error> {
        let d = self.defaults;
        let policy = policy_of(d)?;
        let base_url = self.base_url.unwrap_or_else(|| d.base_url());
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| Error::Construction {
            provider: d.provider.to_owned(),
            message: format!(
                "base URL `{base_url}` is not a URL: {e} (check {} or the builder)",
                d.base_url_env
            ),
        })?;
        let http = match self.http {
            Some(h) => h,
            None => http_client(d).map_err(|e| Error::Construction {
                provider: d.provider.to_owned(),
                message: describe_reqwest(&e),
            })?,
        };
        let policy_headers = d
            .headers
            .iter()
            .map(|&(name, value)| {
                let bad = |what: &str| Error::Construction {
                    provider: d.provider.to_owned(),
                    message: format!(
                        "policy header `{name}: {value}` has an invalid {what} (fix `contracts/{}/provider.yaml` and regenerate)",
                        d.provider
                    ),
                };
                // Static bytes: checked here, never copied per call.
                let value = HeaderValue::from_maybe_shared(Bytes::from_static(value.as_bytes()))
                    .map_err(|_| bad("value"))?;
                // Checked, then rebuilt over the static text: a custom name parsed from
                // bytes is shared, reference-counted bytes, so every call's copy would
                // touch one counter from every thread; a static name's copy touches
                // nothing. (`from_static` panics on what `from_bytes` refuses, and on
                // upper case, which `from_bytes` lowers: both are ruled out first.)
                let parsed = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("name"))?;
                let name = if parsed.as_str() == name {
                    HeaderName::from_static(name)
                } else {
                    parsed
                };
                Ok((name, value))
            })
            .collect::<Result<_, Error>>()?;
        let credentials = self.credentials.unwrap_or(Credentials::Anonymous);
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut retry = RetryPolicy::from_policy(&policy);
        if let Some(n) = self.max_attempts {
            retry.max_attempts = n;
        }
        let authority = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or(""))
            + &parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
        let key = format!("{}|{authority}|{}", d.provider, credentials.fingerprint());
        let (specs, concurrency) =
            applicable_limits(&policy, credentials.is_anonymous(), credentials.mode());
        #[cfg(feature = "redis")]
        let redis_specs = self.redis.as_ref().map(|_| specs.clone());
        let shared = shared_state(&key, || Shared {
            quota: RetryQuota::from_policy(&policy),
            breaker: Breaker::new(
                format!("{}@{authority}", d.provider),
                BreakerConfig::from_policy(&policy),
            ),
            adaptive: Adaptive::default(),
            concurrency: concurrency.map(|c| ConcurrencyCap::new(c as usize)),
            limits: Arc::new(LocalLimits::new(specs, Arc::clone(&clock))),
        });
        #[cfg(feature = "redis")]
        let chosen = self.limits.is_some();
        let limits = match self.limits {
            Some(choice) => choice,
            None => Some(Arc::clone(&shared.limits)),
        };
        #[cfg(feature = "redis")]
        let limits = match (&self.redis, redis_specs) {
            (Some(redis), Some(specs)) => {
                if let Credentials::OAuth2(source) = &credentials {
                    source.share_via(Arc::clone(redis));
                }
                if chosen {
                    limits
                } else {
                    Some(Arc::new(crate::scaleout::RedisLimits::new(
                        Arc::clone(redis),
                        d.provider,
                        &credentials.fingerprint(),
                        specs,
                        Arc::clone(&shared.limits),
                    )) as Arc<dyn RateLimitStore>)
                }
            }
            _ => limits,
        };
        let state = State {
            defaults: d,
            auth_header: credentials
                .fixed_header()
                .and_then(|(name, value)| Some((name, value?))),
            policy_headers,
            request_id_header: HeaderName::from_bytes(policy.request_id_header.as_bytes()).ok(),
            keys: d
                .operations
                .iter()
                .map(|op| OperationKeys::new(d.provider, op.id))
                .collect(),
            samplers: d.operations.iter().map(|_| AtomicU64::new(0)).collect(),
            sample_base: clock.now(),
            credentials,
            retry,
            overall: self.overall.unwrap_or(d.overall_timeout),
            attempt_timeout: self.attempt_timeout.unwrap_or(d.attempt_timeout),
            validation: self.validation.unwrap_or(policy.responses.validation),
            max_body_bytes: self
                .max_body_bytes
                .unwrap_or(policy.responses.max_body_bytes.value),
            report_sample: self
                .report_sample
                .unwrap_or(f64::from(policy.responses.report_sample_per_second.value)),
            policy,
            clock,
            shared,
            limits,
        };
        Ok((base_url, http, Engine(Arc::new(state))))
    }
}

/// A reqwest client with the policy's connect timeout. The engine bounds every attempt
/// (the policy's per-attempt timeout, within the call's deadline) and every OAuth2 token
/// fetch it makes (the call's deadline) with its own timers, so the client sets no total
/// timeout of its own (reqwest would arm a second timer per request).
pub fn http_client(defaults: &RequestDefaults) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(defaults.connect_timeout)
        .build()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::meta::RequestDefaults;

    /// GitHub's defaults with `headers` as the policy's headers.
    fn github_defaults_with(
        headers: &'static [(&'static str, &'static str)],
    ) -> &'static RequestDefaults {
        Box::leak(Box::new(RequestDefaults {
            provider: "github",
            production_base_url: "https://api.github.com",
            base_url_env: "TETHER_TEST_UNSET_BASE_URL",
            headers,
            connect_timeout: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(1),
            overall_timeout: Duration::from_secs(1),
            policy: include_str!("../../../../contracts/github/provider.yaml"),
            contract: "",
            contract_path: "contracts/github/repos.v1.yaml",
            operations: &[],
        }))
    }

    #[test]
    fn a_policy_header_that_is_not_a_valid_header_fails_the_build_and_names_it() {
        let defaults = github_defaults_with(&[("user-agent", "tether\nInjected: yes")]);
        let err = super::ClientBuilder::parts(defaults).build().unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("policy header `user-agent: tether")
                && text.contains("invalid value")
                && text.contains("contracts/github/provider.yaml"),
            "{text}"
        );
    }

    /// Names are taken as the provider's docs write them: upper case is lowered (HTTP
    /// names are case-insensitive), not a panic of the static-name fast path.
    #[test]
    fn a_policy_header_name_in_upper_case_is_sent_in_lower_case() {
        let defaults =
            github_defaults_with(&[("X-GitHub-Api-Version", "2022-11-28"), ("x-plain", "1")]);
        let (_, _, inner) = super::ClientBuilder::parts(defaults).build().unwrap();
        let names: Vec<&str> = inner
            .policy_headers()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["x-github-api-version", "x-plain"]);
    }
}
