//! Circuit breaker per provider host: the failure rate over a count-based sliding window
//! of recent attempts, with a minimum number of attempts before it may open; open ⇒
//! calls fail at once with `CircuitOpen`; after the open interval a few half-open probes
//! decide between closing and re-opening. Failures are transport errors, timeouts and
//! 5xx; other statuses show the host is answering. State changes are logged.

use std::collections::VecDeque;
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
    Closed { outcomes: VecDeque<bool> },
    Open { until: Instant },
    HalfOpen { in_flight: u32, succeeded: u32 },
}

/// A circuit breaker.
#[derive(Debug)]
pub struct Breaker {
    name: String,
    config: BreakerConfig,
    state: Mutex<State>,
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
            }),
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
        if let State::HalfOpen { in_flight, .. } = &mut *self.lock() {
            *in_flight = in_flight.saturating_sub(1);
        }
    }

    /// Record the outcome of an attempt that [`Breaker::allow`] let through.
    pub fn record(&self, failure: bool, now: Instant) {
        let mut s = self.lock();
        let next = match &mut *s {
            State::Closed { outcomes } => {
                outcomes.push_back(failure);
                while outcomes.len() > self.config.window as usize {
                    outcomes.pop_front();
                }
                let n = outcomes.len() as u32;
                let failures = outcomes.iter().filter(|f| **f).count() as u32;
                (n >= self.config.minimum_calls
                    && failures * 100 >= self.config.failure_rate_percent * n)
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
