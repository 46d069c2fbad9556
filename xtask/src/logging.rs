//! xtask (and the jobs it runs) log JSON lines to stderr, one object per event, with
//! the current span's fields; `RUST_LOG` filters (default `info,tether=debug`: every
//! call's outcome line, which the runtime logs at DEBUG, plus warnings).

/// Install the JSON subscriber (once; later calls do nothing).
pub fn json_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tether=debug"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(std::io::stderr)
        .try_init();
}
