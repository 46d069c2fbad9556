//! The durable inbox: a SQLite file (WAL, `synchronous=FULL`) holding every accepted
//! delivery — raw body and headers — until a handler has processed it.
//!
//! Writes go through one writer thread that commits whatever is queued in one
//! transaction (group commit) and only then answers each caller: an `Ok` from
//! [`Inbox::store`] means the row is on disk. `(source, key)` is unique, so a
//! redelivery is reported as [`Stored::Duplicate`] and never makes a second row.
//!
//! [`Consumer`] hands pending rows to a [`Handler`], at least once: a row is marked
//! `done` only after the handler returned `Ok`, so a crash mid-handling repeats it.
//! Failures are retried with exponential backoff; after `max_attempts` the row is `dead`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

/// The most rows one transaction commits.
const MAX_BATCH: usize = 512;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    event TEXT,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    findings TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    UNIQUE (source, key)
);
CREATE INDEX IF NOT EXISTS inbox_due ON inbox (state, next_attempt_at, id);
";

/// A delivery to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// The endpoint that received it (e.g. `github`).
    pub source: String,
    /// The provider's delivery id (unique per source).
    pub key: String,
    /// Event name, when known (`push`, `customer.created`).
    pub event: Option<String>,
    /// Request headers as received, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// Unix seconds.
    pub received_at: i64,
    /// Contract findings recorded in `report` mode.
    pub findings: Option<String>,
}

/// What [`Inbox::store`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new row, committed.
    Inserted {
        /// Its row id.
        id: i64,
    },
    /// `(source, key)` was already there; nothing written.
    Duplicate,
}

/// A failure of the inbox (I/O, SQLite). Not the sender's fault: a receiver answers 503.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// SQLite said no.
    #[error("inbox {path}: {source}")]
    Sqlite {
        /// Database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The commit of a batch failed; nothing in it was stored.
    #[error("inbox {path}: commit failed: {message}")]
    Commit {
        /// Database file.
        path: PathBuf,
        /// SQLite's message.
        message: String,
    },
    /// The writer thread is gone.
    #[error("inbox writer stopped")]
    Closed,
    /// Stored headers are not the JSON this crate writes.
    #[error("inbox {path}: row {id}: unreadable headers")]
    Corrupt {
        /// Database file.
        path: PathBuf,
        /// Row.
        id: i64,
    },
}

struct Job {
    delivery: NewDelivery,
    reply: oneshot::Sender<Result<Stored, String>>,
}

/// Writing side of the inbox. Cheap to clone; all clones feed one writer thread.
#[derive(Clone, Debug)]
pub struct Inbox {
    path: PathBuf,
    tx: mpsc::Sender<Job>,
}

fn open_conn(path: &Path, synchronous: &str) -> Result<Connection, InboxError> {
    let err = |source| InboxError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(err)?;
    conn.pragma_update(None, "synchronous", synchronous)
        .map_err(err)?;
    conn.execute_batch(SCHEMA).map_err(err)?;
    Ok(conn)
}

impl Inbox {
    /// Open (or create) the inbox file and start its writer thread.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, InboxError> {
        let path = path.as_ref().to_owned();
        // FULL: the WAL is fsynced at every commit, so an acknowledged delivery survives
        // a power cut too, not only a process crash.
        let conn = open_conn(&path, "FULL")?;
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let thread_path = path.clone();
        std::thread::Builder::new()
            .name("tether-inbox-writer".into())
            .spawn(move || writer(conn, rx, &thread_path))
            .map_err(|e| InboxError::Commit {
                path: path.clone(),
                message: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Self { path, tx })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a delivery could be committed now: a fresh connection to the existing file
    /// (never creating it) writes one row of a `health` table in an immediate transaction,
    /// waiting at most one second for the write lock. What `/readyz` asks.
    ///
    /// # Errors
    /// The file is gone or read-only, the lock is held longer than a second, the disk is full.
    pub fn probe_writable(&self) -> Result<(), InboxError> {
        let err = |source| InboxError::Sqlite {
            path: self.path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(Duration::from_secs(1)).map_err(err)?;
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, probed_at INTEGER NOT NULL);
             INSERT OR REPLACE INTO health (id, probed_at) VALUES (1, CAST(strftime('%s','now') AS INTEGER));
             COMMIT;",
        )
        .map_err(err)
    }

    /// Store a delivery; returns once it is committed (or known to be a duplicate).
    pub async fn store(&self, delivery: NewDelivery) -> Result<Stored, InboxError> {
        let (reply, wait) = oneshot::channel();
        self.tx
            .send(Job { delivery, reply })
            .await
            .map_err(|_| InboxError::Closed)?;
        self.answer(wait.await)
    }

    /// [`Inbox::store`] for code outside an async runtime.
    pub fn store_blocking(&self, delivery: NewDelivery) -> Result<Stored, InboxError> {
        let (reply, wait) = oneshot::channel();
        self.tx
            .blocking_send(Job { delivery, reply })
            .map_err(|_| InboxError::Closed)?;
        self.answer(wait.blocking_recv())
    }

    fn answer(
        &self,
        got: Result<Result<Stored, String>, oneshot::error::RecvError>,
    ) -> Result<Stored, InboxError> {
        match got {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(message)) => Err(InboxError::Commit {
                path: self.path.clone(),
                message,
            }),
            Err(_) => Err(InboxError::Closed),
        }
    }
}

fn writer(mut conn: Connection, mut rx: mpsc::Receiver<Job>, path: &Path) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match commit(&mut conn, &batch) {
            Ok(results) => {
                for (job, r) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(r));
                }
            }
            Err(e) => {
                let message = format!("{} ({})", e, path.display());
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(message.clone()));
                }
            }
        }
    }
}

fn commit(conn: &mut Connection, batch: &[Job]) -> Result<Vec<Stored>, rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut out = Vec::with_capacity(batch.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO inbox (source, key, event, headers, body, received_at, findings, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)
             ON CONFLICT (source, key) DO NOTHING",
        )?;
        for job in batch {
            let d = &job.delivery;
            let headers = serde_json::to_string(&d.headers).unwrap_or_else(|_| "[]".into());
            let n = insert.execute(params![
                d.source,
                d.key,
                d.event,
                headers,
                d.body,
                d.received_at,
                d.findings
            ])?;
            out.push(if n == 1 {
                Stored::Inserted {
                    id: tx.last_insert_rowid(),
                }
            } else {
                Stored::Duplicate
            });
        }
    }
    tx.commit()?;
    Ok(out)
}

/// Processing state of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for (another) handler attempt.
    Pending,
    /// Handled.
    Done,
    /// Gave up after `max_attempts`.
    Dead,
}

impl State {
    fn parse(s: &str) -> Self {
        match s {
            "done" => State::Done,
            "dead" => State::Dead,
            _ => State::Pending,
        }
    }
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// Endpoint name.
    pub source: String,
    /// Provider delivery id.
    pub key: String,
    /// Event name, when known.
    pub event: Option<String>,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
    /// Unix seconds.
    pub received_at: i64,
    /// Contract findings (report mode).
    pub findings: Option<String>,
    /// Processing state.
    pub state: State,
    /// Handler attempts so far.
    pub attempts: u32,
    /// The last handler error.
    pub last_error: Option<String>,
}

/// Processes a delivery. `Err` means "try again later".
pub trait Handler: Send + Sync {
    /// Handle one delivery.
    fn handle(&self, delivery: &Delivery) -> Result<(), String>;
}

impl<F: Fn(&Delivery) -> Result<(), String> + Send + Sync> Handler for F {
    fn handle(&self, delivery: &Delivery) -> Result<(), String> {
        self(delivery)
    }
}

/// Handler retry schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a row is `dead` (≥ 1).
    pub max_attempts: u32,
    /// Delay after the first failure; doubles each time.
    pub base_delay: Duration,
    /// Cap on the delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// Delay after the `attempts`-th failure.
    pub fn delay(&self, attempts: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// What one [`Consumer::step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The handler succeeded; the row is `done`.
    Done {
        /// Row id.
        id: i64,
    },
    /// The handler failed; it will be retried at `next_attempt_at`.
    Retry {
        /// Row id.
        id: i64,
        /// Attempts so far.
        attempts: u32,
        /// Unix seconds.
        next_attempt_at: i64,
    },
    /// The handler failed `max_attempts` times; the row is `dead`.
    Dead {
        /// Row id.
        id: i64,
        /// Attempts made.
        attempts: u32,
    },
}

/// Reads the inbox and drives handlers. One consumer per inbox file.
#[derive(Debug)]
pub struct Consumer {
    path: PathBuf,
    conn: Connection,
    policy: RetryPolicy,
}

const COLUMNS: &str =
    "id, source, key, event, headers, body, received_at, findings, state, attempts, last_error";

impl Consumer {
    /// Open the inbox file for reading and state updates.
    pub fn open(path: impl AsRef<Path>, policy: RetryPolicy) -> Result<Self, InboxError> {
        let path = path.as_ref().to_owned();
        let conn = open_conn(&path, "FULL")?;
        Ok(Self { path, conn, policy })
    }

    fn err(&self, source: rusqlite::Error) -> InboxError {
        InboxError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn row(&self, r: &rusqlite::Row<'_>) -> rusqlite::Result<(Delivery, String)> {
        let headers: String = r.get(4)?;
        let state: String = r.get(8)?;
        Ok((
            Delivery {
                id: r.get(0)?,
                source: r.get(1)?,
                key: r.get(2)?,
                event: r.get(3)?,
                headers: Vec::new(),
                body: r.get(5)?,
                received_at: r.get(6)?,
                findings: r.get(7)?,
                state: State::parse(&state),
                attempts: r.get(9)?,
                last_error: r.get(10)?,
            },
            headers,
        ))
    }

    fn finish(&self, (mut d, headers): (Delivery, String)) -> Result<Delivery, InboxError> {
        d.headers = serde_json::from_str(&headers).map_err(|_| InboxError::Corrupt {
            path: self.path.clone(),
            id: d.id,
        })?;
        Ok(d)
    }

    /// Every row, in arrival order (tests, inspection).
    pub fn all(&self) -> Result<Vec<Delivery>, InboxError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM inbox ORDER BY id"))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| self.row(r))
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        rows.into_iter().map(|r| self.finish(r)).collect()
    }

    /// Number of rows in `state`.
    pub fn count(&self, state: State) -> Result<u64, InboxError> {
        let name = match state {
            State::Pending => "pending",
            State::Done => "done",
            State::Dead => "dead",
        };
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM inbox WHERE state = ?1",
                params![name],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Give the oldest due pending row to `handler` and record the outcome.
    /// `Ok(None)` when nothing is due.
    pub fn step(&self, handler: &dyn Handler, now: i64) -> Result<Option<Outcome>, InboxError> {
        let next = self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM inbox WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT 1"
                ),
                params![now],
                |r| self.row(r),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(raw) = next else {
            return Ok(None);
        };
        let delivery = self.finish(raw)?;
        let id = delivery.id;
        let outcome = match handler.handle(&delivery) {
            Ok(()) => {
                self.conn
                    .execute(
                        "UPDATE inbox SET state = 'done', attempts = attempts + 1, last_error = NULL WHERE id = ?1",
                        params![id],
                    )
                    .map_err(|e| self.err(e))?;
                Outcome::Done { id }
            }
            Err(message) => {
                let attempts = delivery.attempts.saturating_add(1);
                if attempts >= self.policy.max_attempts.max(1) {
                    self.conn
                        .execute(
                            "UPDATE inbox SET state = 'dead', attempts = ?2, last_error = ?3 WHERE id = ?1",
                            params![id, attempts, message],
                        )
                        .map_err(|e| self.err(e))?;
                    Outcome::Dead { id, attempts }
                } else {
                    let delay =
                        i64::try_from(self.policy.delay(attempts).as_secs()).unwrap_or(i64::MAX);
                    let next_attempt_at = now.saturating_add(delay);
                    self.conn
                        .execute(
                            "UPDATE inbox SET attempts = ?2, last_error = ?3, next_attempt_at = ?4 WHERE id = ?1",
                            params![id, attempts, message, next_attempt_at],
                        )
                        .map_err(|e| self.err(e))?;
                    Outcome::Retry {
                        id,
                        attempts,
                        next_attempt_at,
                    }
                }
            }
        };
        Ok(Some(outcome))
    }

    /// Step until nothing is due; returns the outcomes.
    pub fn run_until_idle(
        &self,
        handler: &dyn Handler,
        now: i64,
    ) -> Result<Vec<Outcome>, InboxError> {
        let mut out = Vec::new();
        while let Some(o) = self.step(handler, now)? {
            out.push(o);
        }
        Ok(out)
    }
}

/// Run a consumer on its own thread for as long as the process lives: step through due
/// rows, sleep `idle` when there are none. The thread ends only on an inbox error.
pub fn spawn_consumer(
    path: PathBuf,
    policy: RetryPolicy,
    handler: std::sync::Arc<dyn Handler>,
    clock: std::sync::Arc<dyn crate::Clock>,
    idle: Duration,
) -> std::io::Result<std::thread::JoinHandle<Result<(), InboxError>>> {
    spawn_consumer_until(
        path,
        policy,
        handler,
        clock,
        idle,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    )
}

/// [`spawn_consumer`] that also ends once `stop` is set, after the delivery in hand (a
/// handler is never interrupted; rows not reached stay `pending` for the next start).
pub fn spawn_consumer_until(
    path: PathBuf,
    policy: RetryPolicy,
    handler: std::sync::Arc<dyn Handler>,
    clock: std::sync::Arc<dyn crate::Clock>,
    idle: Duration,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<Result<(), InboxError>>> {
    use std::sync::atomic::Ordering;
    std::thread::Builder::new()
        .name("tether-inbox-consumer".into())
        .spawn(move || {
            let consumer = Consumer::open(&path, policy)?;
            while !stop.load(Ordering::Acquire) {
                if consumer.step(handler.as_ref(), clock.now_unix())?.is_none() {
                    // Sleep in short slices so a stop is noticed quickly.
                    let until = std::time::Instant::now() + idle;
                    while !stop.load(Ordering::Acquire) && std::time::Instant::now() < until {
                        std::thread::sleep(idle.min(Duration::from_millis(20)));
                    }
                }
            }
            Ok(())
        })
}
