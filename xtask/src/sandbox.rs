//! `cargo xtask sandbox`: the loopback provider from `tether-sandbox`, in the foreground.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use tether_sandbox::{Drift, Faults, Sandbox};

/// Serve until interrupted; prints `listening on http://127.0.0.1:PORT` first.
pub fn run(root: &Path, port: u16, faults: Option<&str>, drift: &[String]) -> Result<()> {
    let faults = faults.map(Faults::parse).transpose()?.unwrap_or_default();
    let drift = drift
        .iter()
        .map(|d| Drift::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let sandbox = Sandbox::load(root)?.with_faults(faults).with_drift(drift)?;
    let contracts = sandbox.contracts().join(", ");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (addr, task) = Arc::new(sandbox)
            .serve(([127, 0, 0, 1], port).into())
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        println!("listening on http://{addr} ({contracts})");
        std::io::stdout().flush()?;
        tokio::select! {
            r = task => r?.context("sandbox server stopped")?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok(())
    })
}
