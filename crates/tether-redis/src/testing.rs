//! Helpers for tests that need a real Redis (this crate's, the runtime's, the webhook
//! receiver's). Not for production code.
//!
//! Outside CI a test without `TETHER_REDIS_URL` skips with a message; with `CI=true` a
//! missing Redis is a failure, so CI can never pass by skipping.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Redis to test against, or `None` (after printing why) when the test should skip.
///
/// # Panics
/// When `CI=true` and `TETHER_REDIS_URL` is unset: CI must run the Redis tests.
pub fn url_or_skip(test: &str) -> Option<String> {
    match std::env::var("TETHER_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{test}: CI=true but TETHER_REDIS_URL is unset: .ci/run must start redis-server and export it"
            );
            eprintln!("skipping {test}: set TETHER_REDIS_URL=redis://127.0.0.1:PORT to run the Redis tests");
            None
        }
    }
}

/// A unique key prefix per test run, so tests sharing one Redis never see each other's keys.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("tether-test:{test}:{}:{nanos}", std::process::id())
}

/// A `redis-server` process of the test's own, on a port of its own, that the test may
/// kill and restart (the shared CI Redis must not be killed).
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Start one on a free loopback port, or `None` (after printing why) when the test
    /// should skip.
    ///
    /// # Panics
    /// When `CI=true` and `redis-server` cannot start, or it never answers.
    pub fn start_or_skip(test: &str) -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ok()?;
        let dir = std::env::temp_dir().join(format!("tether-redis-{}-{port}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let mut server = Self {
            port,
            dir,
            child: None,
        };
        match server.spawn() {
            Ok(()) => Some(server),
            Err(e) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "{test}: CI=true but redis-server cannot start: {e}"
                );
                eprintln!("skipping {test}: redis-server cannot start ({e}); install redis-server");
                None
            }
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
            ])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("no answer on port {} within 10 s", self.port))
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// SIGKILL it (no clean shutdown) and wait until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start it again on the same port.
    ///
    /// # Panics
    /// When it does not come back within 10 s.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(e) = self.spawn() {
            panic!("redis-server did not restart: {e}");
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
