//! `tether-webhooks-receiver --config FILE`: the webhook receiver as a process (what
//! the crash and scale-out tests run). Prints `listening on <addr>` once it accepts
//! connections; secrets come only from the environment variables the config names
//! (`TETHER_REDIS_URL` shares the replay store between replicas). Serves `/healthz`,
//! `/readyz`, `/metrics`. SIGTERM or Ctrl-C: stops accepting, finishes the deliveries in
//! flight, exits 0. Handled deliveries are marked done by a no-op handler (real handlers
//! link the library).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use tether_webhooks::inbox::Delivery;
use tether_webhooks::receiver::{shutdown_signal, ReceiverConfig};
use tether_webhooks::SystemClock;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match args.as_slice() {
        [flag, path] if flag == "--config" => PathBuf::from(path),
        _ => {
            eprintln!("usage: tether-webhooks-receiver --config FILE");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(config: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let cfg = ReceiverConfig::load(&config)?;
    let handler = Arc::new(|_: &Delivery| Ok::<(), String>(()));
    cfg.run(
        &|name| std::env::var(name).ok(),
        Arc::new(SystemClock),
        handler,
        shutdown_signal(),
        |addr| println!("listening on {addr}"),
    )
    .await?;
    Ok(())
}
