//! Credentials from the environment, applied to every attempt.
//!
//! The policy names the env vars (`auth.env`, first set wins) and the scheme. A missing
//! variable is an error naming every variable that was tried and the runbook page
//! (`auth.docs`). Secrets live in [`Secret`]; the `Authorization` header is marked
//! sensitive so `http`'s own `Debug` hides it too.
//!
//! OAuth2 client credentials (RFC 6749 §4.4): the token is fetched on first use, cached,
//! refreshed [`OAuth2Source::REFRESH_MARGIN`] before it expires, and fetched by exactly
//! one caller when many need it at once (the others wait on the same async mutex and
//! then find the fresh token).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use tether_contract::policy::{AuthScheme, Policy};

use crate::clock::Clock;
use crate::secret::Secret;

/// A credential could not be read or obtained.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// None of the policy's env vars is set.
    #[error("{provider}: no credential: set {} (see {docs})", vars.join(" or "))]
    MissingEnv {
        /// Provider.
        provider: String,
        /// Variables tried, in order.
        vars: Vec<String>,
        /// Runbook page.
        docs: String,
    },
    /// A credential is not usable as a header value.
    #[error("{provider}: the credential in {var} is not a valid HTTP header value (control characters or non-ASCII?); re-copy it from the provider dashboard")]
    BadValue {
        /// Provider.
        provider: String,
        /// Variable it came from.
        var: String,
    },
    /// The OAuth2 token endpoint did not give a token.
    #[error("{provider}: OAuth2 token request to {token_url} failed: {reason}")]
    TokenFetch {
        /// Provider.
        provider: String,
        /// Token endpoint.
        token_url: String,
        /// What went wrong (status and the endpoint's `error`, or the transport error).
        reason: String,
    },
}

/// How requests authenticate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// No credential (GitHub allows reading public data at a low rate).
    Anonymous,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// HTTP Basic.
    Basic {
        /// User name.
        username: String,
        /// Password (may be empty: Stripe uses the key as the user name).
        password: Secret,
    },
    /// A key in a named header.
    ApiKey {
        /// Header.
        header: HeaderName,
        /// Key.
        key: Secret,
    },
    /// OAuth2 client credentials.
    OAuth2(Arc<OAuth2Source>),
}

impl Credentials {
    /// Read the credential the policy describes from the environment.
    pub fn from_env(policy: &Policy) -> Result<Self, AuthError> {
        Self::from_lookup(policy, |name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`] with an explicit variable lookup (tests, config
    /// files).
    pub fn from_lookup(
        policy: &Policy,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, AuthError> {
        let provider = policy.provider.clone();
        let missing = |vars: Vec<String>| AuthError::MissingEnv {
            provider: provider.clone(),
            vars,
            docs: policy.auth.docs.clone(),
        };
        let first_set = |vars: &[String]| {
            vars.iter().find_map(|v| {
                lookup(v)
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| (v.clone(), s))
            })
        };
        let check = |var: &str, value: &str| {
            HeaderValue::from_str(value)
                .map(|_| ())
                .map_err(|_| AuthError::BadValue {
                    provider: provider.clone(),
                    var: var.to_owned(),
                })
        };
        match policy.auth.scheme {
            AuthScheme::Bearer => {
                let (var, value) = first_set(&policy.auth.env.value)
                    .ok_or_else(|| missing(policy.auth.env.value.clone()))?;
                check(&var, &value)?;
                Ok(Self::Bearer(Secret::new(value)))
            }
            AuthScheme::Basic => {
                // One variable holding `user:password`, or a bare key used as the user name
                // with an empty password (Stripe's documented Basic form).
                let (var, value) = first_set(&policy.auth.env.value)
                    .ok_or_else(|| missing(policy.auth.env.value.clone()))?;
                check(&var, &value)?;
                let (username, password) = value.split_once(':').unwrap_or((&value, ""));
                Ok(Self::Basic {
                    username: username.to_owned(),
                    password: Secret::new(password),
                })
            }
            AuthScheme::ApiKeyHeader => {
                let (var, value) = first_set(&policy.auth.env.value)
                    .ok_or_else(|| missing(policy.auth.env.value.clone()))?;
                check(&var, &value)?;
                let name = policy
                    .auth
                    .header
                    .as_ref()
                    .map(|h| h.value.as_str())
                    .unwrap_or("x-api-key");
                let header =
                    HeaderName::from_bytes(name.as_bytes()).map_err(|_| AuthError::BadValue {
                        provider: provider.clone(),
                        var: format!("policy auth.header `{name}`"),
                    })?;
                Ok(Self::ApiKey {
                    header,
                    key: Secret::new(value),
                })
            }
            AuthScheme::Oauth2ClientCredentials => {
                let Some(o) = policy.auth.oauth2.as_ref() else {
                    return Err(missing(vec!["policy auth.oauth2".to_owned()]));
                };
                let id = lookup(&o.client_id_env).filter(|s| !s.is_empty());
                let secret = lookup(&o.client_secret_env).filter(|s| !s.is_empty());
                match (id, secret) {
                    (Some(id), Some(secret)) => Ok(Self::OAuth2(Arc::new(OAuth2Source::new(
                        &policy.provider,
                        &o.token_url.value,
                        id,
                        Secret::new(secret),
                        o.scopes.clone(),
                    )))),
                    _ => Err(missing(vec![
                        o.client_id_env.clone(),
                        o.client_secret_env.clone(),
                    ])),
                }
            }
        }
    }

    /// A name for this credential that is safe to log and to key shared state on.
    pub fn fingerprint(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".to_owned(),
            Self::Bearer(s) | Self::ApiKey { key: s, .. } => s.fingerprint(),
            Self::Basic { username, password } => {
                Secret::new(format!("{username}:{}", password.expose())).fingerprint()
            }
            Self::OAuth2(o) => Secret::new(o.client_id.clone()).fingerprint(),
        }
    }

    /// `live` or `test` when the credential says which mode it is for (Stripe key
    /// prefixes `sk_live_`/`rk_live_` vs `sk_test_`/`rk_test_`); `None` otherwise.
    pub fn mode(&self) -> Option<&'static str> {
        let value = match self {
            Self::Bearer(s) | Self::ApiKey { key: s, .. } => s.expose(),
            Self::Basic { username, .. } => username.as_str(),
            _ => return None,
        };
        if value.starts_with("sk_live_") || value.starts_with("rk_live_") {
            Some("live")
        } else if value.starts_with("sk_test_") || value.starts_with("rk_test_") {
            Some("test")
        } else {
            None
        }
    }

    /// True when no credential is sent.
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Self::Anonymous)
    }

    /// Set the credential header on one attempt.
    pub async fn apply(
        &self,
        headers: &mut HeaderMap,
        http: &reqwest::Client,
        clock: &dyn Clock,
    ) -> Result<(), AuthError> {
        let (name, value) = match self {
            Self::Anonymous => return Ok(()),
            Self::OAuth2(source) => (
                AUTHORIZATION,
                bearer(&source.token(http, clock).await?).map(sensitive),
            ),
            _ => match self.fixed_header() {
                Some(pair) => pair,
                None => return Ok(()),
            },
        };
        let Some(value) = value else {
            return Err(AuthError::BadValue {
                provider: String::new(),
                var: "credential".to_owned(),
            });
        };
        headers.insert(name, value);
        Ok(())
    }

    /// The header of a credential that does not change between calls (all but OAuth2,
    /// whose token is refreshed), marked sensitive; `None` for no credential and OAuth2.
    /// The engine builds it once per client instead of formatting it on every attempt;
    /// the value is `None` inside when the credential is not a valid header value.
    pub(crate) fn fixed_header(&self) -> Option<(HeaderName, Option<HeaderValue>)> {
        let (name, value) = match self {
            Self::Anonymous | Self::OAuth2(_) => return None,
            Self::Bearer(token) => (AUTHORIZATION, bearer(token)),
            Self::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                (
                    AUTHORIZATION,
                    HeaderValue::from_str(&format!("Basic {encoded}")).ok(),
                )
            }
            Self::ApiKey { header, key } => {
                (header.clone(), HeaderValue::from_str(key.expose()).ok())
            }
        };
        Some((name, value.map(sensitive)))
    }
}

fn sensitive(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}

fn bearer(token: &Secret) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()
}

/// An OAuth2 client-credentials token source with a cache.
#[derive(Debug)]
pub struct OAuth2Source {
    provider: String,
    token_url: String,
    client_id: String,
    client_secret: Secret,
    scopes: Vec<String>,
    cached: tokio::sync::Mutex<Option<(Secret, Instant)>>,
    fetches: std::sync::atomic::AtomicU64,
    #[cfg(feature = "redis")]
    shared: std::sync::OnceLock<crate::scaleout::SharedTokens>,
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl OAuth2Source {
    /// Refresh this long before the token expires, so no request carries a token that
    /// expires in flight.
    pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);
    /// Lifetime assumed when the endpoint sends no `expires_in` (RFC 6749 §5.1 makes it
    /// optional; one hour is the common default of token servers).
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

    /// A source for one client.
    pub fn new(
        provider: &str,
        token_url: &str,
        client_id: String,
        client_secret: Secret,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            token_url: token_url.to_owned(),
            client_id,
            client_secret,
            scopes,
            cached: tokio::sync::Mutex::new(None),
            fetches: std::sync::atomic::AtomicU64::new(0),
            #[cfg(feature = "redis")]
            shared: std::sync::OnceLock::new(),
        }
    }

    /// Share tokens with every replica through Redis (one fetch across replicas). The
    /// first call wins; later calls are ignored.
    #[cfg(feature = "redis")]
    pub fn share_via(&self, redis: std::sync::Arc<tether_redis::Redis>) {
        let fingerprint =
            Secret::new(format!("{}|{}", self.token_url, self.client_id)).fingerprint();
        let _ = self.shared.set(crate::scaleout::SharedTokens::new(
            redis,
            &self.provider,
            &fingerprint,
        ));
    }

    /// How many token requests were made.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A valid token: the cached one, or a fresh one (one fetch at a time).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        clock: &dyn Clock,
    ) -> Result<Secret, AuthError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, expires)) = cached.as_ref() {
            if clock.now() + Self::REFRESH_MARGIN < *expires {
                return Ok(token.clone());
            }
        }
        #[cfg(feature = "redis")]
        if let Some(shared) = self.shared.get() {
            use crate::scaleout::Shared;
            match shared.get_or_lock(Self::REFRESH_MARGIN).await {
                Shared::Token(token, ttl) => {
                    let token = Secret::new(token);
                    *cached = Some((token.clone(), clock.now() + ttl));
                    return Ok(token);
                }
                Shared::Locked(owner) => {
                    let fetched = self.fetch(http).await;
                    match &fetched {
                        Ok((token, lifetime)) => {
                            shared.store(&owner, token.expose(), *lifetime).await;
                        }
                        Err(_) => shared.release(&owner).await,
                    }
                    let (token, lifetime) = fetched?;
                    *cached = Some((token.clone(), clock.now() + lifetime));
                    return Ok(token);
                }
                Shared::Unavailable(e) => match shared.mode() {
                    crate::scaleout::FailMode::Open => shared.fell_back(&e),
                    crate::scaleout::FailMode::Closed => {
                        return Err(AuthError::TokenFetch {
                            provider: self.provider.clone(),
                            token_url: self.token_url.clone(),
                            reason: format!("the shared token cache is unavailable ({e}) and TETHER_REDIS_MODE is fail_closed"),
                        })
                    }
                },
            }
        }
        let (token, lifetime) = self.fetch(http).await?;
        *cached = Some((token.clone(), clock.now() + lifetime));
        Ok(token)
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<(Secret, Duration), AuthError> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fail = |reason: String| AuthError::TokenFetch {
            provider: self.provider.clone(),
            token_url: self.token_url.clone(),
            reason,
        };
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !self.scopes.is_empty() {
            form.push(("scope", self.scopes.join(" ")));
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        // RFC 6749 §2.3.1: client id and secret in HTTP Basic.
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.client_id,
            self.client_secret.expose()
        ));
        let mut auth = HeaderValue::from_str(&format!("Basic {basic}"))
            .map_err(|_| fail("client id or secret is not a valid header value".to_owned()))?;
        auth.set_sensitive(true);
        let response = http
            .post(&self.token_url)
            .header(AUTHORIZATION, auth)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| fail(format!("transport: {}", crate::error::describe_reqwest(&e))))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| {
            fail(format!(
                "reading the body: {}",
                crate::error::describe_reqwest(&e)
            ))
        })?;
        if !status.is_success() {
            // The error body of a token endpoint carries `error` and maybe
            // `error_description` (RFC 6749 §5.2), never a token: safe to quote briefly.
            let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or_default();
            return Err(fail(format!("HTTP {status} {detail}")));
        }
        let parsed: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| fail(format!("response is not a token JSON object: {e}")))?;
        let lifetime = parsed
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(Self::DEFAULT_LIFETIME);
        Ok((Secret::new(parsed.access_token), lifetime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> Policy {
        Policy::load(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../contracts/github/provider.yaml"),
        )
        .unwrap()
    }

    #[test]
    fn a_missing_variable_names_every_candidate_and_the_runbook() {
        let err = Credentials::from_lookup(&github(), |_| None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "github: no credential: set GITHUB_TOKEN or GH_TOKEN (see ops/integrations/github/README.md)"
        );
    }

    #[test]
    fn first_set_variable_wins_and_blank_counts_as_unset() {
        let c = Credentials::from_lookup(&github(), |k| match k {
            "GITHUB_TOKEN" => Some("  ".into()),
            "GH_TOKEN" => Some("ghp_second".into()),
            _ => None,
        })
        .unwrap();
        assert!(matches!(&c, Credentials::Bearer(s) if s.expose() == "ghp_second"));
        assert!(!format!("{c:?}").contains("ghp_second"));
    }

    #[test]
    fn a_credential_with_a_newline_is_refused_by_name() {
        let err =
            Credentials::from_lookup(&github(), |k| (k == "GITHUB_TOKEN").then(|| "abc\n".into()))
                .unwrap_err();
        assert!(err.to_string().contains("GITHUB_TOKEN"), "{err}");
        assert!(!err.to_string().contains("abc"));
    }

    #[test]
    fn stripe_mode_comes_from_the_key_prefix() {
        for (key, mode) in [
            ("sk_live_x", Some("live")),
            ("rk_test_x", Some("test")),
            ("pk_x", None),
        ] {
            assert_eq!(Credentials::Bearer(Secret::new(key)).mode(), mode, "{key}");
        }
    }

    #[tokio::test]
    async fn headers_are_marked_sensitive() {
        let mut h = HeaderMap::new();
        let http = reqwest::Client::new();
        Credentials::Basic {
            username: "sk_test_1".into(),
            password: Secret::new(""),
        }
        .apply(&mut h, &http, &crate::clock::SystemClock)
        .await
        .unwrap();
        let v = h.get(AUTHORIZATION).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(v.to_str().unwrap(), "Basic c2tfdGVzdF8xOg==");
        assert!(
            !format!("{h:?}").contains("c2tf"),
            "http's Debug hides sensitive values"
        );
    }
}
