//! State shared by every replica through Redis (`TETHER_REDIS_URL`): the rate limits
//! ([`RedisLimits`], behind [`RateLimitStore`]) and the OAuth2 token cache
//! ([`SharedTokens`], used by [`crate::auth::OAuth2Source`]).
//!
//! Keys hold the provider and the credential's fingerprint (a hash), never the secret:
//! `tether:rl:<provider>:<fingerprint>:<limit>[:<operation>]`,
//! `tether:oauth2:<provider>:<fingerprint>`.
//!
//! When Redis cannot answer, [`FailMode::Open`] answers from the local fallback (the
//! in-process limiter, a per-replica token fetch) and counts it in
//! `tether_redis_fallback_total`; [`FailMode::Closed`] fails the call.

use std::sync::Arc;
use std::time::Duration;

use tether_redis::GcraLimit;
pub use tether_redis::{FailMode, Redis, RedisConfig, RedisError, METRICS as REDIS_METRICS};

use crate::limit::{BoxFuture, LimitSpec, RateLimitStore, StoreError};
use crate::meta::OperationMeta;

/// GCRA limits kept in Redis, one key per limit (and operation, for `per_endpoint`
/// limits), checked all at once by one script on the server's clock.
#[derive(Debug)]
pub struct RedisLimits {
    redis: Arc<Redis>,
    specs: Vec<(LimitSpec, String)>,
    fallback: Arc<dyn RateLimitStore>,
}

impl RedisLimits {
    /// Limits `specs` for `provider` and the credential with `fingerprint`; `fallback`
    /// answers under `fail_open` while Redis cannot.
    pub fn new(
        redis: Arc<Redis>,
        provider: &str,
        fingerprint: &str,
        specs: Vec<LimitSpec>,
        fallback: Arc<dyn RateLimitStore>,
    ) -> Self {
        let specs = specs
            .into_iter()
            .map(|s| {
                let key = redis.key(&["rl", provider, fingerprint, &s.name]);
                (s, key)
            })
            .collect();
        Self {
            redis,
            specs,
            fallback,
        }
    }

    fn limits_for(&self, op: &OperationMeta) -> Vec<GcraLimit> {
        self.specs
            .iter()
            .filter(|(s, _)| s.applies(op.method))
            .map(|(s, key)| GcraLimit {
                key: if s.per_endpoint {
                    format!("{key}:{}", op.id)
                } else {
                    key.clone()
                },
                emission_interval: s.emission_interval(),
                burst: s.burst,
            })
            .collect()
    }
}

impl RateLimitStore for RedisLimits {
    fn acquire<'a>(
        &'a self,
        op: &'a OperationMeta,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>> {
        Box::pin(async move {
            match self.redis.gcra(&self.limits_for(op)).await {
                Ok(wait) => Ok(wait),
                Err(e) => match self.redis.mode() {
                    FailMode::Open => {
                        self.redis.fell_back("rate_limit", &e);
                        self.fallback.acquire(op).await
                    }
                    FailMode::Closed => Err(StoreError(e.to_string())),
                },
            }
        })
    }
}

/// One OAuth2 token for every replica: the first replica that needs a token takes a lock
/// (`SET NX`), fetches and stores the token with its lifetime; the others wait for it.
#[derive(Debug, Clone)]
pub struct SharedTokens {
    redis: Arc<Redis>,
    key: String,
    lock: String,
}

/// What [`SharedTokens::get_or_lock`] found.
#[derive(Debug)]
pub enum Shared {
    /// A token another replica stored, with its remaining lifetime.
    Token(String, Duration),
    /// This replica holds the lock and must fetch (then [`SharedTokens::store`]).
    Locked(String),
    /// Redis cannot answer (the caller applies the failure mode).
    Unavailable(RedisError),
}

impl SharedTokens {
    /// How long a replica may hold the fetch lock before another one may take over.
    pub const LOCK_TTL: Duration = Duration::from_secs(10);
    /// How often a waiting replica looks for the token.
    pub const POLL: Duration = Duration::from_millis(25);

    /// The token cache of `provider`'s client with `fingerprint`.
    pub fn new(redis: Arc<Redis>, provider: &str, fingerprint: &str) -> Self {
        let key = redis.key(&["oauth2", provider, fingerprint]);
        Self {
            lock: format!("{key}:lock"),
            key,
            redis,
        }
    }

    /// The failure mode.
    pub fn mode(&self) -> FailMode {
        self.redis.mode()
    }

    /// A stored token that lives longer than `margin`, or the lock, waiting (polling)
    /// while another replica holds it, at most [`Self::LOCK_TTL`].
    pub async fn get_or_lock(&self, margin: Duration) -> Shared {
        let owner = uuid::Uuid::new_v4().to_string();
        let deadline = tokio::time::Instant::now() + Self::LOCK_TTL;
        loop {
            match self.redis.get(&self.key).await {
                Ok(Some((token, ttl))) if ttl > margin => return Shared::Token(token, ttl),
                Ok(_) => {}
                Err(e) => return Shared::Unavailable(e),
            }
            match self.redis.set_nx(&self.lock, &owner, Self::LOCK_TTL).await {
                Ok(true) => return Shared::Locked(owner),
                Ok(false) => {}
                Err(e) => return Shared::Unavailable(e),
            }
            if tokio::time::Instant::now() >= deadline {
                // The holder died without storing a token; its lock expires by itself.
                return Shared::Locked(owner);
            }
            tokio::time::sleep(Self::POLL).await;
        }
    }

    /// Store a fetched token for `lifetime` and release the lock `owner` holds. A failure
    /// only costs other replicas a fetch of their own, so it is logged, not returned.
    pub async fn store(&self, owner: &str, token: &str, lifetime: Duration) {
        if let Err(e) = self.redis.set_px(&self.key, token, lifetime).await {
            self.redis.fell_back("oauth2", &e);
        }
        self.release(owner).await;
    }

    /// Release the lock `owner` holds (after a failed fetch, so the next replica need not
    /// wait for it to expire).
    pub async fn release(&self, owner: &str) {
        if let Err(e) = self.redis.del_if(&self.lock, owner).await {
            self.redis.fell_back("oauth2", &e);
        }
    }

    /// Report that the fallback (a fetch of this replica's own) is used.
    pub fn fell_back(&self, e: &RedisError) {
        self.redis.fell_back("oauth2", e);
    }
}
