//! Circuit breaker per provider host: the failure rate over a count-based sliding window
//! of recent attempts, with a minimum number of attempts before it may open; open ⇒
//! calls fail at once with `CircuitOpen`; after the open interval a few half-open probes
//! decide between closing and re-opening. Failures are transport errors, timeouts and
//! 5xx; other statuses show the host is answering. State changes are logged.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tether_contract::policy::Policy;

/// Breaker numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    /// Attempts in the window.
    pub window: u32,
    /// Attempts before a rate is computed.
    pub minimum_calls: u32,
    /// Opening failure rate, percent.
    pub failure_rate_percent: u32,
    /// Time open.
    pub open_for: Duration,
    /// Half-open probes.
    pub half_open_probes: u32,
}

impl BreakerConfig {
    /// From the policy's `circuit_breaker`.
    pub fn from_policy(policy: &Policy) -> Self {
        let c = &policy.circuit_breaker;
        Self {
            window: c.window.value.max(1),
            minimum_calls: c.minimum_calls.value.max(1),
            failure_rate_percent: c.failure_rate_percent.value.clamp(1, 100),
            open_for: Duration::from_secs_f64(c.open_seconds.value.max(0.0)),
            half_open_probes: c.half_open_probes.value.max(1),
        }
    }
}

/// Breaker state, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow.
    Closed,
    /// Calls fail fast.
    Open,
    /// A few probes are let through.
    HalfOpen,
}

impl BreakerState {
    /// Name for logs and the metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
enum State {
    /// `failures` counts the `true` (failed) entries of `outcomes`.
    Closed {
        outcomes: VecDeque<bool>,
        failures: u32,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        in_flight: u32,
        succeeded: u32,
    },
}

/// A circuit breaker.
#[derive(Debug)]
pub struct Breaker {
    name: String,
    config: BreakerConfig,
    state: Mutex<State>,
    /// Closed, with a full window and no failure in it: the steady state of a healthy
    /// host. Then an attempt is let through and a success recorded without taking the
    /// lock (a success would only replace a success), so the attempts of every thread
    /// read one flag instead of contending for the mutex. Written under the lock.
    healthy: AtomicBool,
}

impl Breaker {
    /// A closed breaker for `name` (provider host).
    pub fn new(name: impl Into<String>, config: BreakerConfig) -> Self {
        let name = name.into();
        // Reported from creation on, so a closed breaker is a visible 0 rather than absent.
        metrics::gauge!(crate::telemetry::names::BREAKER_STATE, "breaker" => name.clone()).set(0.0);
        Self {
            name,
            config,
            state: Mutex::new(State::Closed {
                outcomes: VecDeque::new(),
                failures: 0,
            }),
            healthy: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Current state.
    pub fn state(&self, now: Instant) -> BreakerState {
        match &*self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if *until > now => BreakerState::Open,
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// May an attempt go out now? `Err(retry_in)` while open.
    pub fn allow(&self, now: Instant) -> Result<(), Duration> {
        if self.healthy.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut s = self.lock();
        match &mut *s {
            State::Closed { .. } => Ok(()),
            State::Open { until } if *until > now => Err(*until - now),
            State::Open { .. } => {
                self.transition(BreakerState::HalfOpen);
                *s = State::HalfOpen {
                    in_flight: 1,
                    succeeded: 0,
                };
                Ok(())
            }
            State::HalfOpen {
                in_flight,
                succeeded,
            } => {
                if *in_flight + *succeeded < self.config.half_open_probes {
                    *in_flight += 1;
                    Ok(())
                } else {
                    // Probes are out; wait for their verdict.
                    Err(Duration::from_millis(100))
                }
            }
        }
    }

    /// Like [`Breaker::allow`], returning a guard: record the attempt's outcome on it;
    /// dropped unrecorded (the attempt never went out) it gives a half-open probe slot back.
    pub fn acquire(&self, now: Instant) -> Result<Probe<'_>, Duration> {
        self.allow(now).map(|()| Probe {
            breaker: self,
            recorded: false,
        })
    }

    /// Give back a half-open probe slot taken by an attempt that was never sent.
    pub fn release(&self) {
        if self.healthy.load(Ordering::Acquire) {
            return; // closed: nothing was taken
        }
        if let State::HalfOpen { in_flight, .. } = &mut *self.lock() {
            *in_flight = in_flight.saturating_sub(1);
        }
    }

    /// Record the outcome of an attempt that [`Breaker::allow`] let through.
    pub fn record(&self, failure: bool, now: Instant) {
        if !failure && self.healthy.load(Ordering::Acquire) {
            return;
        }
        let mut s = self.lock();
        let next = match &mut *s {
            State::Closed { outcomes, failures } => {
                outcomes.push_back(failure);
                *failures += u32::from(failure);
                while outcomes.len() > self.config.window as usize {
                    if outcomes.pop_front() == Some(true) {
                        *failures -= 1;
                    }
                }
                let n = outcomes.len() as u32;
                (n >= self.config.minimum_calls
                    && *failures * 100 >= self.config.failure_rate_percent * n)
                    .then(|| State::Open {
                        until: now + self.config.open_for,
                    })
            }
            State::Open { .. } => None,
            State::HalfOpen {
                in_flight,
                succeeded,
            } => {
                *in_flight = in_flight.saturating_sub(1);
                if failure {
                    Some(State::Open {
                        until: now + self.config.open_for,
                    })
                } else {
                    *succeeded += 1;
                    (*succeeded >= self.config.half_open_probes).then(|| State::Closed {
                        outcomes: VecDeque::new(),
                        failures: 0,
                    })
                }
            }
        };
        if let Some(next) = next {
            self.transition(match next {
                State::Closed { .. } => BreakerState::Closed,
                State::Open { .. } => BreakerState::Open,
                State::HalfOpen { .. } => BreakerState::HalfOpen,
            });
            *s = next;
        }
        let healthy = matches!(&*s, State::Closed { outcomes, failures: 0 }
            if outcomes.len() >= self.config.window as usize);
        self.healthy.store(healthy, Ordering::Release);
    }

    fn transition(&self, to: BreakerState) {
        tracing::warn!(target: "tether::breaker", breaker = %self.name, state = to.as_str(), "circuit breaker state changed");
        metrics::gauge!(crate::telemetry::names::BREAKER_STATE, "breaker" => self.name.clone())
            .set(match to {
                BreakerState::Closed => 0.0,
                BreakerState::HalfOpen => 1.0,
                BreakerState::Open => 2.0,
            });
    }
}

/// One attempt let through by the breaker.
#[derive(Debug)]
pub struct Probe<'a> {
    breaker: &'a Breaker,
    recorded: bool,
}

impl Probe<'_> {
    /// The attempt's outcome.
    pub fn record(mut self, failure: bool, now: Instant) {
        self.recorded = true;
        self.breaker.record(failure, now);
    }
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            self.breaker.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsent_probe_gives_its_slot_back() {
        let b = Breaker::new("h", config());
        let t = Instant::now();
        for _ in 0..4 {
            b.acquire(t).unwrap().record(true, t);
        }
        let later = t + Duration::from_secs(30);
        let p1 = b.acquire(later).unwrap();
        let p2 = b.acquire(later).unwrap();
        assert!(b.acquire(later).is_err(), "2 probes out");
        drop(p2); // never sent (e.g. the credential could not be fetched)
        let p3 = b.acquire(later).unwrap();
        p1.record(false, later);
        p3.record(false, later);
        assert_eq!(b.state(later), BreakerState::Closed);
    }

    fn config() -> BreakerConfig {
        BreakerConfig {
            window: 10,
            minimum_calls: 4,
            failure_rate_percent: 50,
            open_for: Duration::from_secs(30),
            half_open_probes: 2,
        }
    }

    /// A healthy breaker (full window, all successes) skips its lock; the window it
    /// keeps is still the last `window` attempts: 5 failures after 1,000 successes make
    /// 50 % of the last 10 and open it, 4 do not.
    #[test]
    fn after_a_long_healthy_run_the_window_still_counts_the_latest_attempts() {
        let t = Instant::now();
        for (failures, expect) in [(4, BreakerState::Closed), (5, BreakerState::Open)] {
            let b = Breaker::new("h", config());
            for _ in 0..1_000 {
                b.allow(t).unwrap();
                b.record(false, t);
            }
            for _ in 0..failures {
                b.allow(t).unwrap();
                b.record(true, t);
            }
            assert_eq!(b.state(t), expect, "{failures} failures");
        }
        // Successes push failures out of the window again.
        let b = Breaker::new("h", config());
        let outcomes = [false; 10].into_iter().chain([true; 3]).chain([false; 10]);
        for outcome in outcomes.chain([true; 4]) {
            b.allow(t).unwrap();
            b.record(outcome, t);
        }
        assert_eq!(
            b.state(t),
            BreakerState::Closed,
            "the first 3 failures aged out"
        );
    }

    #[test]
    fn opens_half_opens_and_closes() {
        let b = Breaker::new("api.example.test", config());
        let t = Instant::now();
        for _ in 0..3 {
            b.allow(t).unwrap();
            b.record(true, t);
        }
        assert_eq!(b.state(t), BreakerState::Closed, "below minimum_calls");
        b.allow(t).unwrap();
        b.record(true, t);
        assert_eq!(b.state(t), BreakerState::Open);
        assert_eq!(
            b.allow(t + Duration::from_secs(10)),
            Err(Duration::from_secs(20))
        );

        let later = t + Duration::from_secs(30);
        assert_eq!(b.state(later), BreakerState::HalfOpen);
        b.allow(later).unwrap();
        b.allow(later).unwrap();
        assert!(b.allow(later).is_err(), "only 2 probes");
        b.record(false, later);
        b.record(false, later);
        assert_eq!(b.state(later), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_reopens_and_successes_keep_it_closed() {
        let b = Breaker::new("h", config());
        let t = Instant::now();
        for i in 0..20 {
            b.allow(t).unwrap();
            b.record(i % 4 == 1, t); // 25% failures
        }
        assert_eq!(b.state(t), BreakerState::Closed);
        for _ in 0..10 {
            b.record(true, t);
        }
        assert_eq!(b.state(t), BreakerState::Open);
        let later = t + Duration::from_secs(31);
        b.allow(later).unwrap();
        b.record(true, later);
        assert_eq!(b.state(later), BreakerState::Open);
        assert!(b.allow(later + Duration::from_secs(29)).is_err());
    }
}
