//! The command line every sentinel binary (`sentinels/<provider>`) shares.

use std::path::PathBuf;

use crate::result::{CheckResult, ProviderResult};
use crate::run::{run_provider, Mode, RunOptions};
use crate::SentinelError;

/// `sentinel-<provider> [--root DIR] [--mode auto|live|offline] [--drift D]... [--report-dir DIR] [--out FILE] [--repeat N]`
#[derive(Debug, clap::Parser)]
#[command(
    about = "Call this provider's sentinel checks (sentinels/checks.yaml) and classify drift. \
             Exit 0: no breaking drift; 1: breaking drift; 2: could not check."
)]
pub struct Args {
    /// Workspace root (contracts/, fixtures/, sentinels/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Live needs the provider's credential in the environment; auto falls back to the sandbox.
    #[arg(long, value_enum, default_value = "auto")]
    pub mode: Mode,
    /// Drift injected into the offline sandbox, e.g. `github.repos.v1:repos/get:remove:/owner`.
    #[arg(long)]
    pub drift: Vec<String>,
    /// Where observed payloads go (`<dir>/observed/…`).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Write the result JSON here (atomically); otherwise it is only summarised.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Calls per check; the report gives each check's latency p50/p95/max over them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
}

/// Run `provider` as `args` say on the generated clients `linked` into the binary, write
/// the result file, and return it.
pub fn run(
    provider: &str,
    linked: &[crate::target::Linked],
    args: &Args,
    progress: &mut dyn FnMut(&CheckResult),
) -> Result<ProviderResult, SentinelError> {
    let options = RunOptions {
        root: args.root.clone(),
        provider: provider.to_owned(),
        mode: args.mode,
        drift: args.drift.clone(),
        observed_dir: args.report_dir.clone(),
        linked: linked.to_vec(),
        repeat: args.repeat,
    };
    let result = run_provider(&options, progress)?;
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(&result).unwrap_or_default();
        crate::observed::write_atomic(out, format!("{text}\n").as_bytes())?;
    }
    Ok(result)
}
