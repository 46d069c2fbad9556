//! `sentinel-github`: the github checks of `sentinels/checks.yaml`, live with the credential
//! in the environment, else offline against the sandbox. One progress line per check on
//! stdout; the result JSON in `--out`. Calls run on the generated client crates
//! (their tables and runtime) and every response must deserialize into their types. Exit 0: no breaking drift; 1: breaking; 2: could not check.

use std::process::ExitCode;

use clap::Parser;

/// The generated client crates this sentinel calls through (one per `github.*` contract
/// in `sentinels/checks.yaml`).
const LINKED: &[tether_sentinel::Linked] = &[tether_sentinel::Linked {
    contract: "github.repos.v1",
    defaults: &github_repos_v1::DEFAULTS,
    deserialize: |operation, status, body| {
        github_repos_v1::deserialize_response(operation, status, body)
            .map(|typed| typed.is_some())
            .map_err(|e| e.to_string())
    },
}];

fn main() -> ExitCode {
    let args = tether_sentinel::cli::Args::parse();
    let mut progress = |check: &tether_sentinel::CheckResult| println!("{}", check.progress_line());
    match tether_sentinel::cli::run("github", LINKED, &args, &mut progress) {
        Ok(result) => ExitCode::from(result.exit_code()),
        Err(e) => {
            eprintln!("error: github sentinel: {e}");
            ExitCode::from(2)
        }
    }
}
