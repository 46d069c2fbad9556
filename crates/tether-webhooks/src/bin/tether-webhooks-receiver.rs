//! `tether-webhooks-receiver --config FILE`: the webhook receiver as a process (what
//! `cargo xtask webhook serve` runs, and what the crash test kills). Prints
//! `listening on <addr>` once it accepts connections; secrets come only from the
//! environment variables the config names. Handled deliveries are marked done by a
//! no-op handler (real handlers link the library).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tether_webhooks::inbox::{spawn_consumer, Delivery, RetryPolicy};
use tether_webhooks::receiver::ReceiverConfig;
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
    let clock = Arc::new(SystemClock);
    let receiver = cfg.build(&|name| std::env::var(name).ok(), clock.clone())?;
    let listener = tokio::net::TcpListener::bind(&cfg.listen).await?;
    let handler = Arc::new(|_: &Delivery| Ok::<(), String>(()));
    spawn_consumer(
        cfg.inbox.clone(),
        RetryPolicy::default(),
        handler,
        clock,
        Duration::from_millis(200),
    )?;
    println!("listening on {}", listener.local_addr()?);
    receiver.serve(listener).await?;
    Ok(())
}
