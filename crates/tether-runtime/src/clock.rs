//! Time, injected: every wait, deadline and window in the runtime reads a [`Clock`], so
//! retry, limiter and breaker tests run on a [`ManualClock`] deterministically and fast.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A boxed sleep future.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Monotonic time, wall time and sleeping.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic now (deadlines, windows).
    fn now(&self) -> Instant;
    /// Wall-clock now (HTTP dates, `x-ratelimit-reset` epoch seconds).
    fn wall(&self) -> SystemTime;
    /// Wait for `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The real clock: `std::time` and `tokio::time::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when told to or when something sleeps on it: a sleep
/// advances time by its duration and returns at once, and is recorded.
#[derive(Debug, Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    origin: Instant,
    offset: Duration,
    wall_origin: SystemTime,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock whose wall time starts at `wall`.
    pub fn starting_at(wall: SystemTime) -> Self {
        Self {
            state: Arc::new(Mutex::new(ManualState {
                origin: Instant::now(),
                offset: Duration::ZERO,
                wall_origin: wall,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Move time forward.
    pub fn advance(&self, by: Duration) {
        self.lock().offset += by;
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Time elapsed on this clock since it was made.
    pub fn elapsed(&self) -> Duration {
        self.lock().offset
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::starting_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let s = self.lock();
        s.origin + s.offset
    }
    fn wall(&self) -> SystemTime {
        let s = self.lock();
        s.wall_origin + s.offset
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        let mut s = self.lock();
        s.offset += duration;
        s.sleeps.push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// `governor` reads time through this adaptor, so the limiter follows the injected clock.
#[derive(Debug, Clone)]
pub(crate) struct GovernorClock(pub(crate) Arc<dyn Clock>);

impl governor::clock::Clock for GovernorClock {
    type Instant = Instant;
    fn now(&self) -> Instant {
        self.0.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleep_advances_both_clocks_and_is_recorded() {
        let clock = ManualClock::default();
        let (t0, w0) = (clock.now(), clock.wall());
        clock.sleep(Duration::from_millis(1500)).await;
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now() - t0, Duration::from_millis(2500));
        assert_eq!(
            clock.wall().duration_since(w0).unwrap(),
            Duration::from_millis(2500)
        );
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(1500)]);
    }
}
