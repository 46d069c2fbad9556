//! Shared state on Redis for many replicas of one service.
//!
//! Per-process limiters each believe they own the provider's whole quota, and
//! per-process dedup lets a redelivered webhook run twice on another replica. This crate
//! is the Redis plumbing the runtime (rate limits, OAuth2 token cache) and the webhook
//! receiver (replay store) put behind their existing traits:
//!
//! - [`RedisConfig`]: `TETHER_REDIS_URL` (unset ⇒ no Redis, the embedded defaults),
//!   `TETHER_REDIS_MODE` (`fail_open`, the default, or `fail_closed`),
//!   `TETHER_REDIS_TIMEOUT_MS` (250) and `TETHER_REDIS_PREFIX` (`tether`);
//! - [`Redis`]: one lazily connected, self-reconnecting connection (redis-rs
//!   `ConnectionManager`) with a short per-command timeout. After a failure Redis is
//!   considered down for [`RedisConfig::retry_after_failure`]: callers get
//!   [`RedisError::Down`] at once instead of each waiting for a timeout, the transition is
//!   logged once at WARN (and once at INFO on recovery) and `tether_redis_up` says which;
//! - [`Redis::gcra`]: GCRA over several limits in **one** atomic Lua script on the server's
//!   clock (replicas' clocks do not matter), admitting a request only when every limit
//!   admits it;
//! - [`Redis::set_nx`], [`Redis::exists`], [`Redis::get`], [`Redis::set_px`],
//!   [`Redis::del_if`]: the dedup and token-cache primitives.
//!
//! What to do when Redis cannot answer is the caller's [`FailMode`]; both callers fall back
//! to their local implementation under `fail_open` and count it in
//! `tether_redis_fallback_total{component}` via [`Redis::fell_back`].

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The metrics this crate emits: (name, kind, labels, meaning, alert on).
pub const METRICS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "tether_redis_up",
        "gauge",
        "",
        "1 after a successful Redis command, 0 after a failed one",
        "0 for more than a minute: replicas no longer share limits or dedup",
    ),
    (
        "tether_redis_errors_total",
        "counter",
        "",
        "Redis commands that failed (connection, timeout, script)",
        "any sustained rate",
    ),
    (
        "tether_redis_fallback_total",
        "counter",
        "component (rate_limit, replay, oauth2)",
        "answers taken from the local fallback under fail_open",
        "any increase: coordination is per replica until Redis is back",
    ),
];

/// What a component does when Redis cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// Fall back to the local (per-process) limiter or store, with a WARN log line and the
    /// `tether_redis_fallback_total` metric. The default: a Redis outage degrades
    /// coordination (limits become per replica, dedup per replica) instead of stopping
    /// every outbound call and every webhook; the provider's 429s still pace the
    /// runtime, and webhook handlers are at-least-once anyway.
    Open,
    /// Fail the call or the delivery (a webhook gets 503, so the provider redelivers).
    /// For deployments where exceeding the shared quota or a double delivery costs more
    /// than an outage.
    Closed,
}

impl FailMode {
    /// `fail_open` / `fail_closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "fail_open",
            Self::Closed => "fail_closed",
        }
    }
}

impl std::str::FromStr for FailMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "fail_open" | "open" => Ok(Self::Open),
            "fail_closed" | "closed" => Ok(Self::Closed),
            other => Err(format!(
                "`{other}` is not a Redis failure mode: use `fail_open` or `fail_closed`"
            )),
        }
    }
}

/// A configuration mistake: which variable, what is wrong, what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    /// The environment variable (or setting) at fault.
    pub var: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Where Redis is and how to use it.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host:port[/db]` (or `rediss://`, `unix://`).
    pub url: String,
    /// What to do when Redis cannot answer.
    pub mode: FailMode,
    /// Prefix of every key (`tether`), so one Redis can serve several applications.
    pub prefix: String,
    /// Per-command (and per-connect) timeout. Short: Redis on the same network answers in
    /// well under a millisecond, and a slow Redis must not eat the call's deadline.
    pub timeout: Duration,
    /// After a failure, how long Redis counts as down (answers come from the fallback or
    /// fail at once) before the next command tries it again.
    pub retry_after_failure: Duration,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact(&self.url))
            .field("mode", &self.mode)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("retry_after_failure", &self.retry_after_failure)
            .finish()
    }
}

impl RedisConfig {
    /// Variable holding the URL; unset or empty ⇒ no Redis.
    pub const URL_ENV: &'static str = "TETHER_REDIS_URL";
    /// Variable holding the [`FailMode`] (`fail_open` default, `fail_closed`).
    pub const MODE_ENV: &'static str = "TETHER_REDIS_MODE";
    /// Variable holding the per-command timeout in milliseconds (default 250).
    pub const TIMEOUT_ENV: &'static str = "TETHER_REDIS_TIMEOUT_MS";
    /// Variable holding the key prefix (default `tether`), for applications sharing a Redis.
    pub const PREFIX_ENV: &'static str = "TETHER_REDIS_PREFIX";

    /// A configuration for `url` with the defaults: `fail_open`, prefix `tether`, 250 ms
    /// per command, one second down after a failure.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            mode: FailMode::Open,
            prefix: "tether".to_owned(),
            timeout: Duration::from_millis(250),
            retry_after_failure: Duration::from_secs(1),
        }
    }

    /// With another failure mode.
    #[must_use]
    pub fn mode(mut self, mode: FailMode) -> Self {
        self.mode = mode;
        self
    }

    /// With another key prefix.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// With another per-command timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// With another down period after a failure.
    #[must_use]
    pub fn retry_after_failure(mut self, period: Duration) -> Self {
        self.retry_after_failure = period;
        self
    }

    /// From the process environment: `None` when `TETHER_REDIS_URL` is unset or empty.
    ///
    /// # Errors
    /// A mode or timeout that does not parse, naming the variable.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From any lookup (tests, config files).
    ///
    /// # Errors
    /// As [`RedisConfig::from_env`].
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(url) = lookup(Self::URL_ENV).filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let mut config = Self::new(url.trim());
        if let Some(mode) = lookup(Self::MODE_ENV).filter(|m| !m.trim().is_empty()) {
            config.mode = mode.parse().map_err(|message| ConfigError {
                var: Self::MODE_ENV.to_owned(),
                message,
            })?;
        }
        if let Some(ms) = lookup(Self::TIMEOUT_ENV).filter(|m| !m.trim().is_empty()) {
            let ms: u64 = ms.trim().parse().map_err(|_| ConfigError {
                var: Self::TIMEOUT_ENV.to_owned(),
                message: format!("`{ms}` is not a whole number of milliseconds"),
            })?;
            config.timeout = Duration::from_millis(ms.max(1));
        }
        if let Some(prefix) = lookup(Self::PREFIX_ENV).filter(|p| !p.trim().is_empty()) {
            config.prefix = prefix.trim().to_owned();
        }
        Ok(Some(config))
    }
}

/// The URL without its password, for logs and errors.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparsable Redis URL>".to_owned(),
    }
}

/// Redis could not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// A command failed (connection refused, timeout, script error).
    #[error("Redis at {url}: {message}")]
    Command {
        /// Redacted URL.
        url: String,
        /// What redis-rs said.
        message: String,
    },
    /// A recent command failed; Redis is not tried again until the down period ends.
    #[error("Redis at {url} is down (last error: {last}); retrying in {retry_in:?}")]
    Down {
        /// Redacted URL.
        url: String,
        /// The error that marked it down.
        last: String,
        /// Time until the next attempt.
        retry_in: Duration,
    },
}

/// One GCRA limit for [`Redis::gcra`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcraLimit {
    /// Full key (see [`Redis::key`]).
    pub key: String,
    /// Spacing between requests at the sustained rate (period / requests).
    pub emission_interval: Duration,
    /// Requests that may go at once from an idle state.
    pub burst: u32,
}

#[derive(Debug, Default)]
struct Health {
    down: Option<(Instant, String)>,
}

/// A Redis connection shared by every user in the process (clone the `Arc`).
pub struct Redis {
    config: RedisConfig,
    url: String,
    client: redis::Client,
    conn: tokio::sync::OnceCell<ConnectionManager>,
    health: Mutex<Health>,
    gcra: redis::Script,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("url", &self.url)
            .field("mode", &self.config.mode)
            .finish_non_exhaustive()
    }
}

/// GCRA over every key at once on the server's clock. KEYS: one per limit; ARGV: per
/// limit its emission interval and burst, in microseconds and requests. Returns 0 when
/// every limit admits the request (and records it in each), else the microseconds until
/// all would (recording nothing): an all-or-nothing admission, which a per-limit check
/// cannot give.
const GCRA_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  if allow_at > now and allow_at - now > wait then wait = allow_at - now end
  tats[i] = new_tat
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, tats[i], 'PX', math.floor((tats[i] - now) / 1000) + 1000)
end
return 0
";

impl Redis {
    /// A handle for `config`. Nothing connects yet: the first command does, and a lost
    /// connection is re-established by itself.
    ///
    /// # Errors
    /// The URL does not parse (named with `TETHER_REDIS_URL`).
    pub fn open(config: RedisConfig) -> Result<Arc<Self>, ConfigError> {
        let client = redis::Client::open(config.url.as_str()).map_err(|e| ConfigError {
            var: RedisConfig::URL_ENV.to_owned(),
            message: format!(
                "`{}` is not a Redis URL ({e}); expected redis://host:port[/db]",
                redact(&config.url)
            ),
        })?;
        Ok(Arc::new(Self {
            url: redact(&config.url),
            config,
            client,
            conn: tokio::sync::OnceCell::new(),
            health: Mutex::new(Health::default()),
            gcra: redis::Script::new(GCRA_SCRIPT),
        }))
    }

    /// One handle per configuration in the process: every client and receiver built
    /// from the same settings shares one connection.
    ///
    /// # Errors
    /// As [`Redis::open`].
    pub fn open_shared(config: RedisConfig) -> Result<Arc<Self>, ConfigError> {
        static HANDLES: std::sync::LazyLock<Mutex<Vec<Arc<Redis>>>> =
            std::sync::LazyLock::new(Mutex::default);
        let mut handles = HANDLES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(h) = handles.iter().find(|h| h.config == config) {
            return Ok(Arc::clone(h));
        }
        let h = Self::open(config)?;
        handles.push(Arc::clone(&h));
        Ok(h)
    }

    /// The configuration.
    pub fn config(&self) -> &RedisConfig {
        &self.config
    }

    /// The failure mode.
    pub fn mode(&self) -> FailMode {
        self.config.mode
    }

    /// `prefix:part:part…`.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.config.prefix.clone();
        for p in parts {
            key.push(':');
            key.push_str(p);
        }
        key
    }

    /// Whether the last command succeeded (or none ran yet).
    pub fn is_up(&self) -> bool {
        self.lock_health().down.is_none()
    }

    fn lock_health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn connection(&self) -> Result<ConnectionManager, RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.config.timeout))
            .set_response_timeout(Some(self.config.timeout))
            .set_number_of_retries(1)
            .set_max_delay(self.config.timeout);
        self.conn
            .get_or_try_init(|| async {
                ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
            .map_err(|e| self.failed(&e))
    }

    /// Run one command, with the down period and the health transitions around it.
    async fn run<T, F, Fut>(&self, command: F) -> Result<T, RedisError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if let Some((since, last)) = &self.lock_health().down {
            let retry_in = self
                .config
                .retry_after_failure
                .saturating_sub(since.elapsed());
            if !retry_in.is_zero() {
                return Err(RedisError::Down {
                    url: self.url.clone(),
                    last: last.clone(),
                    retry_in,
                });
            }
        }
        let conn = self.connection().await?;
        // The connection's response timeout bounds the command; this bounds the
        // reconnect the manager may do first.
        let outcome = tokio::time::timeout(self.config.timeout * 2, command(conn)).await;
        match outcome {
            Ok(Ok(value)) => {
                let mut health = self.lock_health();
                if let Some((since, _)) = health.down.take() {
                    tracing::info!(target: "tether::redis", url = %self.url, down_for_ms = since.elapsed().as_millis() as u64, "Redis reachable again");
                }
                metrics::gauge!("tether_redis_up").set(1.0);
                Ok(value)
            }
            Ok(Err(e)) => Err(self.failed(&e)),
            Err(_) => Err(self.failed(&format!("no answer within {:?}", self.config.timeout * 2))),
        }
    }

    fn failed(&self, e: &dyn fmt::Display) -> RedisError {
        let message = e.to_string();
        let mut health = self.lock_health();
        if health.down.is_none() {
            tracing::warn!(target: "tether::redis", url = %self.url, mode = self.config.mode.as_str(), error = %message, "Redis unreachable");
        }
        health.down = Some((Instant::now(), message.clone()));
        metrics::gauge!("tether_redis_up").set(0.0);
        metrics::counter!("tether_redis_errors_total").increment(1);
        RedisError::Command {
            url: self.url.clone(),
            message,
        }
    }

    /// Record that `component` (`rate_limit`, `replay`, `oauth2`) used its local fallback
    /// because of `error`: one WARN line per failed command would flood the log during an
    /// outage, so the line is logged at DEBUG and the transition itself at WARN (in
    /// [`Redis`]); the counter counts every use.
    pub fn fell_back(&self, component: &'static str, error: &RedisError) {
        metrics::counter!("tether_redis_fallback_total", "component" => component).increment(1);
        tracing::debug!(target: "tether::redis", component, error = %error, "using the local fallback");
    }

    /// `PING`.
    ///
    /// # Errors
    /// Redis cannot answer.
    pub async fn ping(&self) -> Result<(), RedisError> {
        self.run(|mut c| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut c)
                .await
                .map(|_| ())
        })
        .await
    }

    /// Admit one request through every limit, atomically: `None` = admitted (recorded in
    /// each limit), `Some(wait)` = not before `wait` (nothing recorded).
    ///
    /// # Errors
    /// Redis cannot answer.
    pub async fn gcra(&self, limits: &[GcraLimit]) -> Result<Option<Duration>, RedisError> {
        if limits.is_empty() {
            return Ok(None);
        }
        let mut invocation = self.gcra.prepare_invoke();
        for l in limits {
            invocation
                .key(&l.key)
                .arg(u64::try_from(l.emission_interval.as_micros()).unwrap_or(u64::MAX))
                .arg(l.burst.max(1));
        }
        let wait_us: u64 = self
            .run(|mut c| async move { invocation.invoke_async(&mut c).await })
            .await?;
        Ok((wait_us > 0).then(|| Duration::from_micros(wait_us)))
    }

    /// `SET key value NX PX ttl`: `true` when the key was absent (first sight, or the
    /// lock is ours).
    ///
    /// # Errors
    /// Redis cannot answer.
    pub async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, RedisError> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run(|mut c| async move {
            let reply: Option<String> = redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query_async(&mut c)
                .await?;
            Ok(reply.is_some())
        })
        .await
    }

    /// `EXISTS key`.
    ///
    /// # Errors
    /// Redis cannot answer.
    pub async fn exists(&self, key: &str) -> Result<bool, RedisError> {
        self.run(|mut c| async move {
            let n: u64 = redis::cmd("EXISTS").arg(key).query_async(&mut c).await?;
            Ok(n > 0)
        })
        .await
    }

    /// `GET key` with its remaining time to live (`PTTL`), atomically.
    ///
    /// # Errors
    /// Redis cannot answer.
    pub async fn get(&self, key: &str) -> Result<Option<(String, Duration)>, RedisError> {
        self.run(|mut c| async move {
            let (value, pttl): (Option<String>, i64) = redis::pipe()
                .atomic()
                .cmd("GET")
                .arg(key)
                .cmd("PTTL")
                .arg(key)
                .query_async(&mut c)
                .await?;
            Ok(value.map(|v| {
                (
                    v,
                    Duration::from_millis(u64::try_from(pttl).unwrap_or(u64::MAX)),
                )
            }))
        })
        .await
    }

    /// `SET key value PX ttl`.
    ///
    /// # Errors
    /// Redis cannot answer.
    pub async fn set_px(&self, key: &str, value: &str, ttl: Duration) -> Result<(), RedisError> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run(|mut c| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(ttl_ms)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    /// Delete `key` only if it still holds `value` (releasing a lock this replica took,
    /// never one another replica took after ours expired).
    ///
    /// # Errors
    /// Redis cannot answer.
    pub async fn del_if(&self, key: &str, value: &str) -> Result<bool, RedisError> {
        static SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
            )
        });
        let mut invocation = SCRIPT.prepare_invoke();
        invocation.key(key).arg(value);
        let n: u64 = self
            .run(|mut c| async move { invocation.invoke_async(&mut c).await })
            .await?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn unset_or_blank_url_means_no_redis() {
        assert_eq!(RedisConfig::from_lookup(env(&[])), Ok(None));
        assert_eq!(
            RedisConfig::from_lookup(env(&[("TETHER_REDIS_URL", "  ")])),
            Ok(None)
        );
    }

    #[test]
    fn mode_defaults_to_fail_open_and_parses_both_spellings() {
        let c = RedisConfig::from_lookup(env(&[("TETHER_REDIS_URL", "redis://127.0.0.1:6379")]))
            .unwrap_or_default()
            .map(|c| c.mode);
        assert_eq!(c, Some(FailMode::Open));
        let c = RedisConfig::from_lookup(env(&[
            ("TETHER_REDIS_URL", "redis://127.0.0.1:6379"),
            ("TETHER_REDIS_MODE", "fail_closed"),
        ]))
        .unwrap_or_default()
        .map(|c| c.mode);
        assert_eq!(c, Some(FailMode::Closed));
    }

    #[test]
    fn a_bad_mode_or_timeout_names_the_variable() {
        let err = RedisConfig::from_lookup(env(&[
            ("TETHER_REDIS_URL", "redis://127.0.0.1:6379"),
            ("TETHER_REDIS_MODE", "sometimes"),
        ]))
        .err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("TETHER_REDIS_MODE: `sometimes` is not a Redis failure mode: use `fail_open` or `fail_closed`".to_owned())
        );
        let err = RedisConfig::from_lookup(env(&[
            ("TETHER_REDIS_URL", "redis://127.0.0.1:6379"),
            ("TETHER_REDIS_TIMEOUT_MS", "1s"),
        ]))
        .err();
        assert_eq!(
            err.map(|e| e.var),
            Some("TETHER_REDIS_TIMEOUT_MS".to_owned())
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_printing_its_password() {
        let err = Redis::open(RedisConfig::new("http://user:hunter2@example.invalid")).err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.starts_with("TETHER_REDIS_URL: "), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            !format!("{:?}", RedisConfig::new("redis://u:hunter2@127.0.0.1:1")).contains("hunter2")
        );
    }

    #[test]
    fn keys_carry_the_prefix() {
        let redis = Redis::open(RedisConfig::new("redis://127.0.0.1:1").prefix("app1"));
        let key = redis.map(|r| r.key(&["rl", "github", "abc"])).ok();
        assert_eq!(key.as_deref(), Some("app1:rl:github:abc"));
    }
}

pub mod testing;
