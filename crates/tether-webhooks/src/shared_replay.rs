//! The replay store shared by every receiver replica: Redis (`TETHER_REDIS_URL`).
//!
//! Keys: `<prefix>:replay:<endpoint>:<delivery id>` (`SET NX PX ttl`, the server's clock)
//! and `<prefix>:replay-claim:<endpoint>:<delivery id>` (the claim, holding this store's
//! owner id so a receiver never releases a claim another one took after its own expired).
//!
//! Redis unreachable: `fail_open` (default) answers from the local store (SQLite): dedup
//! becomes per replica for the outage, the inbox still never stores a delivery twice, and
//! handlers are at-least-once anyway; `fail_closed` fails the delivery with 503, so the
//! provider redelivers once Redis is back.

use std::sync::Arc;
use std::time::Duration;

use tether_redis::{FailMode, Redis, RedisError};

use crate::replay::{BoxFuture, ReplayStore, StoreError};

/// Replay protection across replicas, with a local store as the `fail_open` fallback.
pub struct RedisReplayStore {
    redis: Arc<Redis>,
    fallback: Arc<dyn ReplayStore>,
    owner: String,
}

impl std::fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisReplayStore")
            .field("redis", &self.redis)
            .finish_non_exhaustive()
    }
}

impl RedisReplayStore {
    /// A store on `redis`, answering from `fallback` under `fail_open` while Redis cannot.
    pub fn new(redis: Arc<Redis>, fallback: Arc<dyn ReplayStore>) -> Self {
        Self {
            redis,
            fallback,
            owner: format!(
                "{}-{:x}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default()
            ),
        }
    }

    /// Under `fail_open`: count the fallback and let the caller use it; else the error.
    fn degrade(&self, e: &RedisError) -> Result<(), StoreError> {
        match self.redis.mode() {
            FailMode::Open => {
                self.redis.fell_back("replay", e);
                Ok(())
            }
            FailMode::Closed => Err(StoreError::Shared(e.to_string())),
        }
    }
}

impl ReplayStore for RedisReplayStore {
    fn insert_if_absent<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            match self
                .redis
                .set_nx(&self.redis.key(&["replay", key]), "1", ttl)
                .await
            {
                Ok(first) => Ok(first),
                Err(e) => {
                    self.degrade(&e)?;
                    self.fallback.insert_if_absent(key, ttl, now).await
                }
            }
        })
    }

    fn contains<'a>(&'a self, key: &'a str, now: i64) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            match self.redis.exists(&self.redis.key(&["replay", key])).await {
                Ok(found) => Ok(found),
                Err(e) => {
                    self.degrade(&e)?;
                    self.fallback.contains(key, now).await
                }
            }
        })
    }

    fn claim<'a>(
        &'a self,
        key: &'a str,
        hold: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            match self
                .redis
                .set_nx(&self.redis.key(&["replay-claim", key]), &self.owner, hold)
                .await
            {
                Ok(granted) => Ok(granted),
                Err(e) => {
                    self.degrade(&e)?;
                    self.fallback.claim(key, hold).await
                }
            }
        })
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            match self
                .redis
                .del_if(&self.redis.key(&["replay-claim", key]), &self.owner)
                .await
            {
                Ok(_) => Ok(()),
                // An unreleased claim expires by itself after its hold.
                Err(e) => {
                    self.degrade(&e)?;
                    self.fallback.release(key).await
                }
            }
        })
    }

    /// Unready only under `fail_closed` (deliveries would get 503 now); under `fail_open`
    /// the receiver still serves deliveries from the local store, and taking every replica
    /// out of a load balancer because Redis is down would turn the degraded mode into an
    /// outage. `/readyz` reports Redis either way.
    fn ready(&self) -> BoxFuture<'_, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            match self.redis.ping().await {
                Ok(()) => Ok(None),
                Err(e) => match self.redis.mode() {
                    FailMode::Open => Ok(Some(format!(
                        "{e}; fail_open: deduplicating with the local store"
                    ))),
                    FailMode::Closed => Err(StoreError::Shared(e.to_string())),
                },
            }
        })
    }
}
