//! Replay protection: remember delivery ids for a while.
//!
//! The trait is the shape of Redis `SET key 1 NX EX ttl` (insert if absent, expire
//! later) and `EXISTS key`, plus a short **claim** that receivers sharing one store take
//! before storing a delivery, so that the same delivery arriving at several replicas at
//! once is stored by one of them only. Here: [`MemoryReplayStore`] (tests, one process)
//! and [`SqliteReplayStore`] (default, a file in WAL mode, shared by restarts); with the
//! `redis` feature, `RedisReplayStore` (many replicas).

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

/// A boxed future (the stores are used from async handlers; Redis answers asynchronously).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A store of recently seen delivery keys.
pub trait ReplayStore: Send + Sync {
    /// Remember `key` until `now + ttl` unless it is remembered already (Redis:
    /// `SET key 1 NX EX ttl`). `Ok(true)` when it was not (first sight).
    fn insert_if_absent<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Whether `key` is remembered and not expired at `now` (Redis: `EXISTS key`).
    fn contains<'a>(&'a self, key: &'a str, now: i64) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Take, for at most `hold`, the right to store the delivery `key`. `Ok(false)`:
    /// another receiver holds it now. A store used by one process needs no claim (its
    /// inbox's unique key decides), so the default grants every claim.
    fn claim<'a>(
        &'a self,
        _key: &'a str,
        _hold: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(true)))
    }

    /// Give back a claim this store granted (the delivery was stored, or could not be).
    fn release<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// For `/readyz`: `Err` when the store cannot serve deliveries now; `Ok(Some(note))`
    /// when it serves them degraded. Local stores are always ready (their failures show
    /// on the inbox probe).
    fn ready(&self) -> BoxFuture<'_, Result<Option<String>, StoreError>> {
        Box::pin(std::future::ready(Ok(None)))
    }
}

/// A store failed (I/O, a locked or corrupt database). Not the sender's fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite said no.
    #[error("replay store {path}: {source}")]
    Sqlite {
        /// Database file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A lock was poisoned by a panic elsewhere.
    #[error("replay store lock poisoned")]
    Poisoned,
    /// The shared store (Redis) cannot answer and its mode is `fail_closed`.
    #[error("shared replay store: {0}")]
    Shared(String),
}

fn expiry(now: i64, ttl: Duration) -> i64 {
    now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX))
}

/// In-memory store (one process; lost on restart). Expired keys are swept every 1,024 inserts.
#[derive(Debug, Default)]
pub struct MemoryReplayStore {
    inner: Mutex<(HashMap<String, i64>, u32)>,
}

impl MemoryReplayStore {
    /// Empty.
    pub fn new() -> Self {
        Self::default()
    }
}

impl MemoryReplayStore {
    fn insert_sync(&self, key: &str, ttl: Duration, now: i64) -> Result<bool, StoreError> {
        let mut guard = self.inner.lock().map_err(|_| StoreError::Poisoned)?;
        let (map, inserts) = &mut *guard;
        *inserts = inserts.wrapping_add(1);
        if *inserts % 1024 == 0 {
            map.retain(|_, exp| *exp > now);
        }
        match map.get(key) {
            Some(exp) if *exp > now => Ok(false),
            _ => {
                map.insert(key.to_owned(), expiry(now, ttl));
                Ok(true)
            }
        }
    }

    fn contains_sync(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        let guard = self.inner.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(guard.0.get(key).is_some_and(|exp| *exp > now))
    }
}

impl ReplayStore for MemoryReplayStore {
    fn insert_if_absent<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.insert_sync(key, ttl, now)))
    }

    fn contains<'a>(&'a self, key: &'a str, now: i64) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.contains_sync(key, now)))
    }
}

/// SQLite store: table `replay(key PRIMARY KEY, expires_at)` in a WAL-mode file.
///
/// `synchronous=NORMAL`: a process crash loses nothing; a power cut may lose the last
/// keys, which is harmless because the inbox's own unique key is what prevents a second
/// record (see `Receiver`).
#[derive(Debug)]
pub struct SqliteReplayStore {
    path: String,
    conn: Mutex<Connection>,
}

impl SqliteReplayStore {
    /// Open (or create) the store file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path_s = path.as_ref().display().to_string();
        let err = |source| StoreError::Sqlite {
            path: path_s.clone(),
            source,
        };
        let conn = Connection::open(path.as_ref()).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS replay (key TEXT PRIMARY KEY NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;",
        )
        .map_err(err)?;
        Ok(Self {
            path: path_s,
            conn: Mutex::new(conn),
        })
    }

    /// Delete expired keys; returns how many.
    pub fn purge(&self, now: i64) -> Result<usize, StoreError> {
        let conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        conn.execute("DELETE FROM replay WHERE expires_at <= ?1", params![now])
            .map_err(|source| self.err(source))
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

impl SqliteReplayStore {
    fn insert_sync(&self, key: &str, ttl: Duration, now: i64) -> Result<bool, StoreError> {
        let conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        // One statement: insert, or take over an expired row; `changes` says which.
        let changed = conn
            .prepare_cached(
                "INSERT INTO replay (key, expires_at) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at
                 WHERE replay.expires_at <= ?3",
            )
            .and_then(|mut s| s.execute(params![key, expiry(now, ttl), now]))
            .map_err(|source| self.err(source))?;
        Ok(changed == 1)
    }

    fn contains_sync(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        let conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        conn.prepare_cached("SELECT 1 FROM replay WHERE key = ?1 AND expires_at > ?2")
            .and_then(|mut s| s.query_row(params![key, now], |_| Ok(())).optional())
            .map(|r| r.is_some())
            .map_err(|source| self.err(source))
    }
}

// One local SQLite statement, as before this trait became async: answered in place.
impl ReplayStore for SqliteReplayStore {
    fn insert_if_absent<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.insert_sync(key, ttl, now)))
    }

    fn contains<'a>(&'a self, key: &'a str, now: i64) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.contains_sync(key, now)))
    }
}

/// Outcome of [`claim`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimError {
    /// The delivery was seen within the window: a replay (or a redelivery).
    #[error(transparent)]
    Rejected(#[from] crate::Rejection),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// For callers without an inbox: remember a verified delivery id, refusing a second sight
/// within `ttl` as [`crate::Rejection::Replayed`]. `ttl` is raised to twice `tolerance`,
/// the span during which one signed timestamp stays acceptable. (The receiver does not
/// use this: its inbox decides, and it answers duplicates 200.)
pub async fn claim(
    store: &dyn ReplayStore,
    id: &str,
    ttl: Duration,
    tolerance: Duration,
    now: i64,
) -> Result<(), ClaimError> {
    if store
        .insert_if_absent(id, ttl.max(tolerance.saturating_mul(2)), now)
        .await?
    {
        Ok(())
    } else {
        Err(crate::Rejection::Replayed { id: id.to_owned() }.into())
    }
}
