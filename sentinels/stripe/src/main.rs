//! `sentinel-stripe`: the stripe checks of `sentinels/checks.yaml`, live with the credential
//! in the environment, else offline against the sandbox. One progress line per check on
//! stdout; the result JSON in `--out`. Exit 0: no breaking drift; 1: breaking; 2: could not check.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = tether_sentinel::cli::Args::parse();
    let mut progress = |check: &tether_sentinel::CheckResult| println!("{}", check.progress_line());
    match tether_sentinel::cli::run("stripe", &args, &mut progress) {
        Ok(result) => ExitCode::from(result.exit_code()),
        Err(e) => {
            eprintln!("error: stripe sentinel: {e}");
            ExitCode::from(2)
        }
    }
}
