//! A provider-side quota: a token bucket refilled continuously, what the multi-replica
//! limiter tests and benchmarks push against.

use std::time::{Duration, Instant};

/// `per_second` tokens a second, at most `burst` banked.
#[derive(Debug)]
pub struct TokenBucket {
    per_second: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
    admitted: u64,
    refused: u64,
    first_admitted: Option<Instant>,
    last_admitted: Option<Instant>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            per_second: per_second.max(f64::MIN_POSITIVE),
            burst,
            tokens: burst,
            last: None,
            admitted: 0,
            refused: 0,
            first_admitted: None,
            last_admitted: None,
        }
    }

    /// Take one token at `now`: `None` = admitted, `Some(wait)` = refused, next token in `wait`.
    pub fn take(&mut self, now: Instant) -> Option<Duration> {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.per_second;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.admitted += 1;
            self.first_admitted.get_or_insert(now);
            self.last_admitted = Some(now);
            None
        } else {
            self.refused += 1;
            Some(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ))
        }
    }

    /// (admitted, refused).
    pub fn counts(&self) -> (u64, u64) {
        (self.admitted, self.refused)
    }

    /// Time from the first admitted request to the last.
    pub fn admitted_span(&self) -> Duration {
        match (self.first_admitted, self.last_admitted) {
            (Some(a), Some(b)) => b.saturating_duration_since(a),
            _ => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_admits_the_burst_then_refills_at_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(10.0, 3);
        assert_eq!((b.take(t0), b.take(t0), b.take(t0)), (None, None, None));
        let wait = b.take(t0).map(|w| w.as_millis());
        assert_eq!(wait, Some(100));
        assert_eq!(b.take(t0 + Duration::from_millis(100)), None);
        assert!(b.take(t0 + Duration::from_millis(100)).is_some());
        assert_eq!(b.counts(), (4, 2));
    }
}
