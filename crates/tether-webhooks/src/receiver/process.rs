//! Running the receiver as a process: [`ReceiverConfig::run`] (serve and consume until
//! shutdown) and [`shutdown_signal`].

use std::sync::Arc;
use std::time::Duration;

use super::{prometheus, ReceiverConfig, SetupError};
use crate::Clock;

/// Completes on SIGTERM (what orchestrators send) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl ReceiverConfig {
    /// Run the receiver this configuration describes (what `tether-webhooks-receiver` and
    /// `cargo xtask webhook serve` do): build it, serve `/metrics` from [`prometheus`],
    /// bind `listen` (then call `on_listening`), consume the inbox with `handler` on its
    /// own thread, and serve until `shutdown` completes; then stop accepting, finish the
    /// deliveries in flight, let the consumer finish the delivery in hand, and return.
    ///
    /// # Errors
    /// Set-up failures ([`SetupError`]); a failure while serving is `Listen`.
    pub async fn run(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        clock: Arc<dyn Clock>,
        handler: Arc<dyn crate::inbox::Handler>,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
        on_listening: impl FnOnce(std::net::SocketAddr),
    ) -> Result<(), SetupError> {
        let mut receiver = self.build(env, Arc::clone(&clock))?;
        if let Some(handle) = prometheus() {
            receiver = receiver.metrics(handle);
        }
        let listen_err = |source| SetupError::Listen {
            addr: self.listen.clone(),
            source,
        };
        let listener = tokio::net::TcpListener::bind(&self.listen)
            .await
            .map_err(listen_err)?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let consumer = crate::inbox::spawn_consumer_until(
            self.inbox.clone(),
            crate::inbox::RetryPolicy::default(),
            handler,
            clock,
            Duration::from_millis(200),
            Arc::clone(&stop),
        )
        .map_err(SetupError::Consumer)?;
        on_listening(listener.local_addr().map_err(listen_err)?);
        let served = receiver.serve_until(listener, shutdown).await;
        stop.store(true, std::sync::atomic::Ordering::Release);
        let _ = tokio::task::spawn_blocking(move || consumer.join()).await;
        served.map_err(listen_err)
    }
}
