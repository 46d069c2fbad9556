//! Integration tests of tether-webhooks: published vectors, properties, stores, the
//! receiver over loopback HTTP, the crash test and the payload fixtures.

#![allow(clippy::unwrap_used)] // tests may panic

mod crash;
mod fixtures;
mod ops;
mod props;
mod receiver;
mod shared;
mod stores;
mod vectors;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use http::{HeaderMap, HeaderName, HeaderValue};

/// The receiver binary as a process of the test's own; killed when dropped.
pub struct ReceiverProcess {
    /// The process.
    pub child: Child,
    _stdout: BufReader<ChildStdout>,
    /// `http://<address it listens on>`.
    pub base: String,
}

impl ReceiverProcess {
    /// Start `tether-webhooks-receiver --config <config>` with `env` (a `None` value removes
    /// the variable) and read its address from its first line, `listening on <addr>`.
    pub fn start(config: &Path, env: &[(&str, Option<&str>)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tether-webhooks-receiver"));
        command.arg("--config").arg(config);
        for (name, value) in env {
            match value {
                Some(v) => command.env(name, v),
                None => command.env_remove(name),
            };
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            child,
            _stdout: stdout,
            base: format!("http://{addr}"),
        }
    }
}

impl Drop for ReceiverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A header map from `(name, value)` pairs.
pub fn headers<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (n, v) in pairs {
        map.append(
            HeaderName::from_bytes(n.as_ref().as_bytes()).unwrap(),
            HeaderValue::from_str(v.as_ref()).unwrap(),
        );
    }
    map
}
