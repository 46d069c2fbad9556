//! Whether and when to try again: ordered classifiers, backoff with jitter, server-sent
//! waits (`Retry-After` as seconds or HTTP-date, `x-ratelimit-reset`) and the retry quota.
//!
//! Order of the classifiers for a response (first that decides wins):
//! 1. a 2xx/3xx is final;
//! 2. the policy's `header_decides` rule (`Stripe-Should-Retry: true|false`);
//! 3. the policy's `rate_limit_403` rule for 403/429 (GitHub: `retry-after`, else
//!    `remaining == 0` ⇒ wait for the reset, else a body naming a secondary limit ⇒ the
//!    fallback wait; any other 403 is a permission error and final);
//! 4. `retryable_statuses` (with `Retry-After` honoured when the policy says so);
//! 5. anything else is final.
//!
//! Transport errors and timeouts are always retryable. Whether a retryable outcome is
//! actually retried also depends on the request (idempotent method or idempotency key),
//! the attempts left, the deadline and the quota: [`RetryPolicy::decide`], the one place
//! the engine asks.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use tether_contract::policy::{Jitter, Policy, RetryRule};

use crate::clock::Clock;

/// Which classifier decided about one attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A status below 400.
    Success,
    /// The policy's `header_decides` header said `true`.
    ProviderSaysRetry,
    /// The policy's `header_decides` header said `false`.
    ProviderForbidsRetry,
    /// 429, or a 403 with the policy's rate-limit signals.
    RateLimited,
    /// A 403 without rate-limit signals.
    PermissionDenied,
    /// A status in the policy's `never_retry_statuses`.
    NeverRetried,
    /// A status in the policy's `retryable_statuses`.
    TransientStatus,
    /// Any other status of 400 or more.
    NotRetryable,
    /// No response within the attempt timeout.
    AttemptTimedOut,
    /// No response: connection refused, reset, DNS, TLS.
    Transport,
}

impl Cause {
    /// The words logs and the attempt list use (`retrying … reason="rate limited"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Success => "success",
            Cause::ProviderSaysRetry => "provider header says retry",
            Cause::ProviderForbidsRetry => "provider header forbids retry",
            Cause::RateLimited => "rate limited",
            Cause::PermissionDenied => "permission denied (403 without rate-limit signals)",
            Cause::NeverRetried => "status never retried",
            Cause::TransientStatus => "transient status",
            Cause::NotRetryable => "status not retryable",
            Cause::AttemptTimedOut => "attempt timed out",
            Cause::Transport => "transport error",
        }
    }

    /// No response came back: a retry costs the quota's timeout price.
    pub fn is_no_response(self) -> bool {
        matches!(self, Cause::AttemptTimedOut | Cause::Transport)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the call has left to spend on another attempt.
pub struct Budget<'a> {
    /// The attempt just made (1 for the first).
    pub attempt: u32,
    /// The request can be sent again (idempotent, or carrying an idempotency key, and its
    /// body can be re-sent).
    pub resendable: bool,
    /// The call's deadline.
    pub deadline: Instant,
    /// The call's clock (read only when a retry is otherwise allowed).
    pub clock: &'a dyn Clock,
    /// The shared retry quota.
    pub quota: &'a RetryQuota,
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The outcome is final: hand it to the caller.
    Stop,
    /// Final because the retry quota cannot pay for another attempt.
    QuotaExhausted,
    /// Throttled, and the wait does not fit before the deadline: fail with the wait.
    RateLimited {
        /// How long the provider asked to wait.
        wait: Duration,
        /// When its window resets, if it said.
        reset_at: Option<SystemTime>,
    },
    /// Sleep `wait`, then send again; `cost` was taken from the quota.
    Retry {
        /// The backoff or the provider's wait.
        wait: Duration,
        /// Quota tokens taken (given back when the call succeeds).
        cost: u32,
    },
}

/// What one response or failure means for retrying.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Retrying may help.
    pub retryable: bool,
    /// The provider is throttling us (429 or a rate-limit 403).
    pub throttled: bool,
    /// The provider said how long to wait.
    pub wait: Option<Duration>,
    /// When the provider's window resets, if it said.
    pub reset_at: Option<SystemTime>,
    /// Which classifier decided (for logs and the attempt list).
    pub cause: Cause,
}

impl Verdict {
    fn fin(cause: Cause) -> Self {
        Self {
            retryable: false,
            throttled: false,
            wait: None,
            reset_at: None,
            cause,
        }
    }
    fn retry(cause: Cause) -> Self {
        Self {
            retryable: true,
            throttled: false,
            wait: None,
            reset_at: None,
            cause,
        }
    }
}

/// The retry rules of one provider, from its policy.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts including the first.
    pub max_attempts: u32,
    /// First backoff before jitter.
    pub initial_backoff: Duration,
    /// Cap of one backoff before jitter.
    pub max_backoff: Duration,
    /// Jitter.
    pub jitter: Jitter,
    retryable: Vec<u16>,
    never: Vec<u16>,
    rules: Vec<RetryRule>,
    honour_retry_after: bool,
}

impl RetryPolicy {
    /// From the provider policy.
    pub fn from_policy(policy: &Policy) -> Self {
        let r = &policy.retry;
        Self {
            max_attempts: r.max_attempts.value.max(1),
            initial_backoff: Duration::from_millis(r.initial_backoff_ms.value),
            max_backoff: Duration::from_millis(r.max_backoff_ms.value),
            jitter: r.jitter,
            retryable: r.retryable_statuses.value.clone(),
            never: r.never_retry_statuses.value.clone(),
            rules: r.rules.clone(),
            honour_retry_after: r.honour_retry_after.value,
        }
    }

    /// Classify a response.
    pub fn classify(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Verdict {
        if status < 400 {
            return Verdict::fin(Cause::Success);
        }
        for rule in &self.rules {
            match rule {
                RetryRule::HeaderDecides { header, .. } => {
                    match header_str(headers, header).map(str::trim) {
                        Some(v) if v.eq_ignore_ascii_case("true") => {
                            let mut v = Verdict::retry(Cause::ProviderSaysRetry);
                            v.throttled = status == 429;
                            return v;
                        }
                        Some(v) if v.eq_ignore_ascii_case("false") => {
                            return Verdict::fin(Cause::ProviderForbidsRetry);
                        }
                        _ => {}
                    }
                }
                RetryRule::RateLimit403 {
                    remaining_header,
                    reset_header,
                    body_contains,
                    fallback_wait_seconds,
                    ..
                } if status == 403 || status == 429 => {
                    let retry_after = retry_after(headers, now);
                    let remaining = header_str(headers, remaining_header).map(str::trim);
                    let reset_at = header_str(headers, reset_header).and_then(epoch_seconds);
                    let secondary = contains_ignore_case(body, body_contains);
                    let wait = if let Some(w) = retry_after {
                        Some(w)
                    } else if remaining == Some("0") {
                        Some(reset_at.map_or(Duration::ZERO, |r| {
                            r.duration_since(now).unwrap_or_default()
                        }))
                    } else if secondary || status == 429 {
                        Some(Duration::from_secs_f64(
                            fallback_wait_seconds.value.max(0.0),
                        ))
                    } else {
                        None
                    };
                    return match wait {
                        Some(wait) => Verdict {
                            retryable: true,
                            throttled: true,
                            wait: Some(wait),
                            reset_at: reset_at.or_else(|| Some(now + wait)),
                            cause: Cause::RateLimited,
                        },
                        None => Verdict::fin(Cause::PermissionDenied),
                    };
                }
                RetryRule::RateLimit403 { .. } => {}
            }
        }
        if self.never.contains(&status) {
            return Verdict::fin(Cause::NeverRetried);
        }
        if self.retryable.contains(&status) {
            let throttled = status == 429;
            let wait = if self.honour_retry_after {
                retry_after(headers, now)
            } else {
                None
            };
            return Verdict {
                retryable: true,
                throttled,
                wait,
                reset_at: wait.map(|w| now + w),
                cause: if throttled {
                    Cause::RateLimited
                } else {
                    Cause::TransientStatus
                },
            };
        }
        Verdict::fin(Cause::NotRetryable)
    }

    /// Whether to send again after an attempt classified as `verdict`: a retryable
    /// outcome, a resendable request, an attempt left, a wait (the provider's, else the
    /// jittered backoff) that ends before the deadline, and a quota that pays for it. A
    /// throttled outcome whose wait does not fit is [`Decision::RateLimited`], so the
    /// caller learns when to come back instead of getting the 429.
    pub fn decide(&self, verdict: &Verdict, budget: &Budget<'_>) -> Decision {
        if !verdict.retryable || !budget.resendable || budget.attempt >= self.max_attempts {
            return Decision::Stop;
        }
        let wait = verdict.wait.unwrap_or_else(|| self.backoff(budget.attempt));
        let remaining = budget
            .deadline
            .saturating_duration_since(budget.clock.now());
        if wait >= remaining {
            return if verdict.throttled {
                Decision::RateLimited {
                    wait,
                    reset_at: verdict.reset_at,
                }
            } else {
                Decision::Stop
            };
        }
        match budget.quota.acquire(verdict.cause.is_no_response()) {
            Some(cost) => Decision::Retry { wait, cost },
            None => Decision::QuotaExhausted,
        }
    }

    /// The backoff before retry number `retry` (1 for the first retry), jittered.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let nanos = base.as_nanos().min(u128::from(u64::MAX)) as u64;
        match self.jitter {
            Jitter::None => base,
            Jitter::Full => Duration::from_nanos(fastrand::u64(0..=nanos)),
            Jitter::Equal => Duration::from_nanos(nanos / 2 + fastrand::u64(0..=nanos - nanos / 2)),
        }
    }
}

/// A transport failure (no response) is always worth another attempt.
pub fn transport_verdict(timed_out: bool) -> Verdict {
    Verdict::retry(if timed_out {
        Cause::AttemptTimedOut
    } else {
        Cause::Transport
    })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn contains_ignore_case(body: &[u8], needle: &str) -> bool {
    if needle.is_empty() || body.len() > 64 * 1024 {
        return false;
    }
    String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. A date in the past
/// is zero; anything unparseable is ignored (never a panic, never a huge wait from a
/// malformed number: more than one day is treated as unparseable).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let raw = header_str(headers, "retry-after")?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return (secs <= 86_400).then(|| Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(raw).ok()?;
    Some(date.duration_since(now).unwrap_or_default()).filter(|d| d.as_secs() <= 86_400)
}

/// Epoch seconds (`x-ratelimit-reset`) as a time.
pub fn epoch_seconds(raw: &str) -> Option<SystemTime> {
    let secs: u64 = raw.trim().parse().ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// The retry quota: a token bucket shared by the calls of one client partition (AWS SDK
/// standard mode). Each retry takes tokens; an empty bucket refuses retries, so a long
/// outage turns into fast failures instead of a retry storm.
#[derive(Debug)]
pub struct RetryQuota {
    tokens: AtomicU32,
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refill: u32,
}

impl RetryQuota {
    /// From the policy's `retry.quota`.
    pub fn from_policy(policy: &Policy) -> Self {
        let q = &policy.retry.quota;
        Self::new(
            q.capacity.value,
            q.retry_cost.value,
            q.timeout_cost.value,
            q.success_refill.value,
        )
    }

    /// A bucket with explicit numbers.
    pub fn new(capacity: u32, retry_cost: u32, timeout_cost: u32, success_refill: u32) -> Self {
        Self {
            tokens: AtomicU32::new(capacity),
            capacity,
            retry_cost,
            timeout_cost,
            success_refill,
        }
    }

    /// Take the cost of one retry; `None` when the bucket cannot pay it.
    pub fn acquire(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.timeout_cost
        } else {
            self.retry_cost
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// A call finished successfully: a first-attempt success refills a little, a retried
    /// success returns what its last retry took.
    pub fn release(&self, last_retry_cost: Option<u32>) {
        let add = last_retry_cost.unwrap_or(self.success_refill);
        let cap = self.capacity;
        // A full quota (the steady state of a healthy provider) is left unwritten: a
        // compare-and-swap writes even when the value does not change, and every thread
        // calling this provider would fight over the cache line for nothing.
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < cap).then(|| t.saturating_add(add).min(cap))
            });
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn policy(name: &str) -> Policy {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../contracts")
            .join(name)
            .join("provider.yaml");
        Policy::load(path).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 + 0; ten seconds later:
        let date = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:10 GMT")]);
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(10)));
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")]);
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        for junk in ["soon", "-1", "99999999999", ""] {
            assert_eq!(
                retry_after(&headers(&[("retry-after", junk)]), now),
                None,
                "{junk}"
            );
        }
    }

    #[test]
    fn stripe_should_retry_header_overrides_the_status_lists() {
        let p = RetryPolicy::from_policy(&policy("stripe"));
        let now = SystemTime::now();
        assert!(p.classify(500, &HeaderMap::new(), b"", now).retryable);
        let no = headers(&[("stripe-should-retry", "false")]);
        assert!(!p.classify(500, &no, b"", now).retryable);
        let yes = headers(&[("stripe-should-retry", "true")]);
        assert!(p.classify(400, &yes, b"", now).retryable);
        assert!(!p.classify(400, &HeaderMap::new(), b"", now).retryable);
        assert!(p.classify(409, &HeaderMap::new(), b"", now).retryable);
    }

    #[test]
    fn github_403_is_a_rate_limit_only_with_its_signals() {
        let p = RetryPolicy::from_policy(&policy("github"));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let plain = p.classify(
            403,
            &HeaderMap::new(),
            br#"{"message":"Resource not accessible by integration"}"#,
            now,
        );
        assert!(!plain.retryable && !plain.throttled);

        let primary = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000042"),
        ]);
        let v = p.classify(403, &primary, b"{}", now);
        assert!(v.retryable && v.throttled);
        assert_eq!(v.wait, Some(Duration::from_secs(42)));

        let secondary = br#"{"message":"You have exceeded a secondary rate limit. Please wait."}"#;
        let v = p.classify(403, &HeaderMap::new(), secondary, now);
        assert_eq!(
            v.wait,
            Some(Duration::from_secs(60)),
            "fallback wait from policy"
        );

        let with_after = headers(&[("retry-after", "3")]);
        let v = p.classify(403, &with_after, secondary, now);
        assert_eq!(v.wait, Some(Duration::from_secs(3)));
        assert!(!p.classify(404, &HeaderMap::new(), b"", now).retryable);
        assert!(p.classify(502, &HeaderMap::new(), b"", now).retryable);
    }

    #[test]
    fn backoff_is_capped_exponential_with_full_jitter() {
        let p = RetryPolicy::from_policy(&policy("github"));
        for retry in 1..=10 {
            let cap = Duration::from_millis((1000u64 << (retry - 1)).min(9000));
            for _ in 0..200 {
                assert!(p.backoff(retry) <= cap, "retry {retry}");
            }
        }
        let samples: Vec<Duration> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(
            samples.iter().any(|d| *d < Duration::from_secs(2)),
            "jitter spreads delays"
        );
    }

    #[test]
    fn decide_retries_only_what_the_budget_allows() {
        use crate::clock::ManualClock;
        let p = RetryPolicy::from_policy(&policy("github")); // 4 attempts
        let clock = ManualClock::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let quota = RetryQuota::new(15, 5, 10, 1);
        let budget = |attempt, resendable, deadline_in: u64| Budget {
            attempt,
            resendable,
            deadline: clock.now() + Duration::from_secs(deadline_in),
            clock: &clock,
            quota: &quota,
        };
        let transient = p.classify(502, &HeaderMap::new(), b"", now);
        assert_eq!(transient.cause, Cause::TransientStatus);
        // A 502 on the first attempt of a resendable request: a jittered backoff, 5 tokens.
        match p.decide(&transient, &budget(1, true, 90)) {
            Decision::Retry { wait, cost } => {
                assert!(wait <= Duration::from_secs(1));
                assert_eq!(cost, 5);
            }
            other => panic!("{other:?}"),
        }
        // Final: not retryable, not resendable, no attempt left.
        let denied = p.classify(404, &HeaderMap::new(), b"", now);
        assert_eq!(p.decide(&denied, &budget(1, true, 90)), Decision::Stop);
        assert_eq!(p.decide(&transient, &budget(1, false, 90)), Decision::Stop);
        assert_eq!(p.decide(&transient, &budget(4, true, 90)), Decision::Stop);
        // A throttled wait past the deadline fails with the wait; an unthrottled one stops.
        let limited = headers(&[("retry-after", "30")]);
        let v = p.classify(429, &limited, b"", now);
        assert_eq!(v.cause, Cause::RateLimited);
        assert_eq!(
            p.decide(&v, &budget(1, true, 10)),
            Decision::RateLimited {
                wait: Duration::from_secs(30),
                reset_at: Some(now + Duration::from_secs(30)),
            }
        );
        let slow = Verdict {
            wait: Some(Duration::from_secs(30)),
            ..transient.clone()
        };
        assert_eq!(p.decide(&slow, &budget(1, true, 10)), Decision::Stop);
        // No response costs the timeout price; an empty quota refuses.
        let timed_out = transport_verdict(true);
        assert!(timed_out.cause.is_no_response());
        assert!(matches!(
            p.decide(&timed_out, &budget(1, true, 90)),
            Decision::Retry { cost: 10, .. }
        ));
        assert_eq!(
            p.decide(&timed_out, &budget(1, true, 90)),
            Decision::QuotaExhausted
        );
    }

    #[test]
    fn quota_refuses_retries_when_empty_and_refills() {
        let q = RetryQuota::new(20, 5, 10, 1);
        assert_eq!(q.acquire(false), Some(5));
        assert_eq!(q.acquire(true), Some(10));
        assert_eq!(q.acquire(true), None, "5 left, a timeout retry costs 10");
        assert_eq!(q.acquire(false), Some(5));
        assert_eq!(q.acquire(false), None);
        q.release(Some(5));
        q.release(None);
        assert_eq!(q.available(), 6);
        for _ in 0..100 {
            q.release(None);
        }
        assert_eq!(q.available(), 20, "never above capacity");
    }
}
