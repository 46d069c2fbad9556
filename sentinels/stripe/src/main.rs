//! `sentinel-stripe`: the stripe checks of `sentinels/checks.yaml`, live with the credential
//! in the environment, else offline against the sandbox. One progress line per check on
//! stdout; the result JSON in `--out`. Calls run on the generated client crates
//! (their tables and runtime) and every response must deserialize into their types. Exit 0: no breaking drift; 1: breaking; 2: could not check.

use std::process::ExitCode;

use clap::Parser;

/// The generated client crates this sentinel calls through (one per `stripe.*` contract
/// in `sentinels/checks.yaml`).
const LINKED: &[tether_sentinel::Linked] = &[tether_sentinel::Linked {
    contract: "stripe.customers.v1",
    defaults: &stripe_customers_v1::DEFAULTS,
    deserialize: |operation, status, body| {
        stripe_customers_v1::deserialize_response(operation, status, body)
            .map(|typed| typed.is_some())
            .map_err(|e| e.to_string())
    },
}];

fn main() -> ExitCode {
    let args = tether_sentinel::cli::Args::parse();
    let mut progress = |check: &tether_sentinel::CheckResult| println!("{}", check.progress_line());
    match tether_sentinel::cli::run("stripe", LINKED, &args, &mut progress) {
        Ok(result) => ExitCode::from(result.exit_code()),
        Err(e) => {
            eprintln!("error: stripe sentinel: {e}");
            ExitCode::from(2)
        }
    }
}
