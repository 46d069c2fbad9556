//! Client-side rate limiting: GCRA quotas from the policy (`governor`), a concurrency
//! cap, and an adaptive layer that tightens from the provider's own signals.
//!
//! Which policy limits apply is decided once per client from the credential: `per_ip`
//! limits only without a credential (GitHub's 60/h), `per_token` only with one, `mode:
//! live|test` limits only for a key of that mode (Stripe `sk_live_`/`sk_test_`; a key of
//! unknown mode gets the stricter `test` limits), `applies_to` filters by method and
//! `per_endpoint` limits are keyed by operation.
//!
//! The GCRA state sits behind [`RateLimitStore`] so a shared store (Redis, many
//! replicas) can replace the in-process one; the key carries the provider and the
//! credential's fingerprint, never the secret.

use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderName};
use tether_contract::policy::Policy;

use crate::clock::{Clock, GovernorClock};
use crate::meta::OperationMeta;

/// One quota from the policy, as the limiter uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitSpec {
    /// Policy name (`primary`, `global_live`, …).
    pub name: String,
    /// Requests per period.
    pub requests: u64,
    /// Period.
    pub period: Duration,
    /// Burst.
    pub burst: u32,
    /// Keyed by operation (`per_endpoint`).
    pub per_endpoint: bool,
    /// Methods it applies to; empty = all.
    pub methods: Vec<String>,
}

impl LimitSpec {
    /// Minimum spacing between requests at the sustained rate.
    pub fn emission_interval(&self) -> Duration {
        self.period / u32::try_from(self.requests.max(1)).unwrap_or(u32::MAX)
    }

    /// Whether it applies to requests with `method`.
    pub fn applies(&self, method: &str) -> bool {
        self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method))
    }
}

/// The limits of `policy` that apply to a credential (`anonymous`, `mode`).
pub fn applicable_limits(
    policy: &Policy,
    anonymous: bool,
    mode: Option<&str>,
) -> (Vec<LimitSpec>, Option<u32>) {
    let mode = mode.unwrap_or("test");
    let mut specs = Vec::new();
    let mut concurrency = None;
    for l in &policy.rate_limits {
        let scope_ok = match l.scope.as_str() {
            "per_ip" => anonymous,
            "per_token" => !anonymous,
            _ => true,
        };
        let mode_ok = l.mode.as_deref().is_none_or(|m| m == mode);
        if !(scope_ok && mode_ok) {
            continue;
        }
        if let Some(c) = &l.concurrency {
            let c = u32::try_from(c.value).unwrap_or(u32::MAX).max(1);
            concurrency = Some(concurrency.map_or(c, |old: u32| old.min(c)));
        }
        specs.push(LimitSpec {
            name: l.name.clone(),
            requests: l.requests.value.max(1),
            period: Duration::from_secs(l.per_seconds.value.max(1)),
            burst: u32::try_from(l.burst.value).unwrap_or(u32::MAX).max(1),
            per_endpoint: l.scope == "per_endpoint",
            methods: l.applies_to.clone().unwrap_or_default(),
        });
    }
    (specs, concurrency)
}

/// A boxed future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The limiter's store could not answer (a shared store being unreachable).
#[derive(Debug, Clone, thiserror::Error)]
#[error("rate limiter store unavailable: {0}")]
pub struct StoreError(pub String);

/// Where GCRA state lives. `acquire` either admits one request now (`Ok(None)`,
/// counting it) or says how long to wait (`Ok(Some(wait))`, counting nothing).
pub trait RateLimitStore: Send + Sync + fmt::Debug {
    /// Try to admit one request of `op` through every applicable limit.
    fn acquire<'a>(
        &'a self,
        op: &'a OperationMeta,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>>;

    /// The answer of [`acquire`](Self::acquire) when the store can give it without
    /// waiting (an in-process store always can): the engine asks this first and skips
    /// the boxed future. `None` (the default) means "ask `acquire`".
    fn acquire_now(&self, _op: &OperationMeta) -> Option<Result<Option<Duration>, StoreError>> {
        None
    }
}

type Direct = RateLimiter<NotKeyed, InMemoryState, GovernorClock, NoOpMiddleware<Instant>>;
type Keyed = RateLimiter<
    &'static str,
    HashMapStateStore<&'static str>,
    GovernorClock,
    NoOpMiddleware<Instant>,
>;

enum Gcra {
    Direct(Direct),
    Keyed(Keyed),
}

/// In-process GCRA limits (`governor`), one per applicable policy entry.
pub struct LocalLimits {
    limits: Vec<(LimitSpec, Gcra)>,
    clock: GovernorClock,
}

impl fmt::Debug for LocalLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalLimits")
            .field(
                "limits",
                &self.limits.iter().map(|(s, _)| &s.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl LocalLimits {
    /// Limits for these specs, on `clock`.
    pub fn new(specs: Vec<LimitSpec>, clock: Arc<dyn Clock>) -> Self {
        let clock = GovernorClock(clock);
        let limits = specs
            .into_iter()
            .filter_map(|spec| {
                let quota = Quota::with_period(spec.emission_interval())?
                    .allow_burst(NonZeroU32::new(spec.burst).unwrap_or(NonZeroU32::MIN));
                let gcra = if spec.per_endpoint {
                    Gcra::Keyed(RateLimiter::new(
                        quota,
                        HashMapStateStore::default(),
                        clock.clone(),
                    ))
                } else {
                    Gcra::Direct(RateLimiter::direct_with_clock(quota, clock.clone()))
                };
                Some((spec, gcra))
            })
            .collect();
        Self { limits, clock }
    }

    /// The specs in force.
    pub fn specs(&self) -> impl Iterator<Item = &LimitSpec> {
        self.limits.iter().map(|(s, _)| s)
    }

    fn try_admit(&self, op: &OperationMeta) -> Option<Duration> {
        // Each applicable limit is checked in turn; if a later one refuses, the cells
        // already taken from earlier ones stay taken (governor has no "peek"). That costs
        // at most one cell per refusal and errs on the slow side.
        for (spec, gcra) in &self.limits {
            if !spec.applies(op.method) {
                continue;
            }
            let outcome = match gcra {
                Gcra::Direct(l) => l.check(),
                Gcra::Keyed(l) => l.check_key(&op.id),
            };
            if let Err(not_until) = outcome {
                let wait = not_until.wait_time_from(self.clock.now());
                return Some(wait.max(Duration::from_micros(1)));
            }
        }
        None
    }
}

impl RateLimitStore for LocalLimits {
    fn acquire<'a>(
        &'a self,
        op: &'a OperationMeta,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>> {
        Box::pin(std::future::ready(Ok(self.try_admit(op))))
    }

    fn acquire_now(&self, op: &OperationMeta) -> Option<Result<Option<Duration>, StoreError>> {
        Some(Ok(self.try_admit(op)))
    }
}

/// Adaptive pacing from the provider's signals:
/// - `x-ratelimit-remaining: 0` ⇒ nothing is sent before `x-ratelimit-reset`;
/// - remaining below 10% of the window ⇒ requests are spaced so the rest lasts until
///   the reset;
/// - a 429 doubles an extra spacing (starting at one second), each success halves it
///   until it disappears — multiplicative decrease, quick recovery.
#[derive(Debug, Default)]
pub struct Adaptive {
    state: Mutex<AdaptiveState>,
    /// Nothing imposed (no block, pace, penalty or reserved slot): the steady state
    /// while the provider has headroom. Then `delay` is zero and an observation that
    /// would impose nothing changes nothing, so both skip the lock (every attempt of
    /// every thread reads one flag instead of contending for the mutex). Written under
    /// the lock.
    quiet: AtomicBool,
}

#[derive(Debug, Default)]
struct AdaptiveState {
    blocked_until: Option<Instant>,
    pace: Option<Duration>,
    penalty: Option<Duration>,
    next_slot: Option<Instant>,
}

/// Headroom the provider reported on the last response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headroom {
    /// Requests left in the window.
    pub remaining: u64,
    /// Window size.
    pub limit: Option<u64>,
    /// When it resets.
    pub reset: Option<SystemTime>,
}

impl Headroom {
    /// Below 10 % of the window: where pacing starts.
    fn is_low(&self) -> bool {
        self.limit
            .is_some_and(|l| self.remaining.saturating_mul(10) < l)
    }

    /// Read GitHub-style `x-ratelimit-*` headers.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        // Names built once (a `&str` lookup parses the name on every call).
        const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
        const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
        const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
        let num = |n: &HeaderName| headers.get(n)?.to_str().ok()?.trim().parse::<u64>().ok();
        Some(Self {
            remaining: num(&REMAINING)?,
            limit: num(&LIMIT),
            reset: num(&RESET)
                .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s))),
        })
    }
}

impl Adaptive {
    const PENALTY_START: Duration = Duration::from_secs(1);
    const PENALTY_MAX: Duration = Duration::from_secs(60);

    fn lock(&self) -> std::sync::MutexGuard<'_, AdaptiveState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long to wait before sending now; reserves the slot when it returns zero.
    pub fn delay(&self, now: Instant) -> Duration {
        if self.quiet.load(Ordering::Acquire) {
            return Duration::ZERO;
        }
        let mut s = self.lock();
        let mut earliest = now;
        if let Some(b) = s.blocked_until {
            if b > now {
                earliest = earliest.max(b);
            } else {
                s.blocked_until = None;
            }
        }
        if let Some(n) = s.next_slot {
            earliest = earliest.max(n);
        }
        if earliest > now {
            return earliest - now;
        }
        let spacing = s
            .pace
            .unwrap_or_default()
            .max(s.penalty.unwrap_or_default());
        s.next_slot = (!spacing.is_zero()).then(|| now + spacing);
        self.settle(&s);
        Duration::ZERO
    }

    /// Record whether `s` imposes nothing (see `quiet`).
    fn settle(&self, s: &AdaptiveState) {
        let quiet = s.blocked_until.is_none()
            && s.pace.is_none()
            && s.penalty.is_none()
            && s.next_slot.is_none();
        self.quiet.store(quiet, Ordering::Release);
    }

    /// Learn from a response.
    pub fn observe(&self, status: u16, headroom: Option<Headroom>, now: Instant, wall: SystemTime) {
        // A quiet limiter stays quiet on anything but a 429, an exhausted window or a
        // low one (below 10 %, where pacing starts).
        let imposes = |h: &Headroom| h.remaining == 0 || h.is_low();
        if status != 429
            && !headroom.as_ref().is_some_and(imposes)
            && self.quiet.load(Ordering::Acquire)
        {
            return;
        }
        let mut s = self.lock();
        if let Some(h) = headroom {
            let until_reset = h.reset.and_then(|r| r.duration_since(wall).ok());
            if h.remaining == 0 {
                s.blocked_until = until_reset.map(|d| now + d);
            }
            let low = h.is_low();
            s.pace = match (low, until_reset) {
                (true, Some(d)) if h.remaining > 0 => {
                    Some(d / u32::try_from(h.remaining).unwrap_or(u32::MAX))
                }
                _ => None,
            };
        }
        if status == 429 {
            s.penalty = Some(
                s.penalty
                    .map_or(Self::PENALTY_START, |p| (p * 2).min(Self::PENALTY_MAX)),
            );
        } else if status < 400 {
            s.penalty = s
                .penalty
                .map(|p| p / 2)
                .filter(|p| *p >= Duration::from_millis(10));
        }
        self.settle(&s);
    }

    /// The extra spacing currently imposed (for tests and telemetry).
    pub fn current_spacing(&self) -> Duration {
        let s = self.lock();
        s.pace
            .unwrap_or_default()
            .max(s.penalty.unwrap_or_default())
    }

    /// Forget an explicit block (tests).
    pub fn blocked_until(&self) -> Option<Instant> {
        self.lock().blocked_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn op(id: &'static str, method: &'static str) -> OperationMeta {
        OperationMeta {
            id,
            rust_name: id,
            method,
            path: "/x",
            idempotent: method == "GET",
            paginated: false,
            idempotency_key: false,
            form_body: false,
            body_media_type: None,
            multipart: None,
            deep_object_arrays: &[],
            scopes: &[],
        }
    }

    fn spec(requests: u64, secs: u64, burst: u32) -> LimitSpec {
        LimitSpec {
            name: "t".into(),
            requests,
            period: Duration::from_secs(secs),
            burst,
            per_endpoint: false,
            methods: vec![],
        }
    }

    #[test]
    fn gcra_admits_burst_then_spaces_requests() {
        let clock = ManualClock::default();
        let limits = LocalLimits::new(vec![spec(10, 1, 3)], Arc::new(clock.clone()));
        let get = op("a", "GET");
        let admitted = (0..10)
            .take_while(|_| limits.try_admit(&get).is_none())
            .count();
        assert_eq!(admitted, 3, "burst of 3");
        let wait = limits.try_admit(&get).unwrap();
        assert!(
            wait <= Duration::from_millis(100) && wait > Duration::ZERO,
            "{wait:?}"
        );
        clock.advance(wait);
        assert!(limits.try_admit(&get).is_none());
    }

    #[test]
    fn never_exceeds_the_quota_over_a_long_run() {
        // 100 requests/second, burst 10, 10 simulated seconds of greedy callers.
        let clock = ManualClock::default();
        let limits = LocalLimits::new(vec![spec(100, 1, 10)], Arc::new(clock.clone()));
        let get = op("a", "GET");
        let start = clock.now();
        let mut sent = 0u64;
        while clock.now() - start < Duration::from_secs(10) {
            match limits.try_admit(&get) {
                None => sent += 1,
                Some(w) => clock.advance(w),
            }
        }
        assert!(sent <= 100 * 10 + 10, "{sent} sent, limit + burst is 1010");
        assert!(
            sent >= 990,
            "{sent} sent; the limiter should not under-use the quota"
        );
    }

    #[test]
    fn per_endpoint_limits_are_keyed_and_methods_filtered() {
        let clock = ManualClock::default();
        let mut s = spec(1, 60, 1);
        s.per_endpoint = true;
        s.methods = vec!["POST".into()];
        let limits = LocalLimits::new(vec![s], Arc::new(clock));
        assert!(limits.try_admit(&op("a", "POST")).is_none());
        assert!(
            limits.try_admit(&op("b", "POST")).is_none(),
            "other endpoint, own bucket"
        );
        assert!(limits.try_admit(&op("a", "POST")).is_some());
        assert!(
            limits.try_admit(&op("a", "GET")).is_none(),
            "GET not limited by a POST rule"
        );
    }

    #[test]
    fn applicable_limits_follow_credential_and_mode() {
        let load = |p: &str| {
            Policy::load(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../../contracts/{p}/provider.yaml")),
            )
            .unwrap()
        };
        let github = load("github");
        let names = |v: &[LimitSpec]| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        let (anon, _) = applicable_limits(&github, true, None);
        assert!(names(&anon).contains(&"unauthenticated".into()));
        assert!(!names(&anon).contains(&"primary".into()));
        let (tok, conc) = applicable_limits(&github, false, None);
        assert!(names(&tok).contains(&"primary".into()));
        assert_eq!(conc, Some(100));
        let stripe = load("stripe");
        let (live, _) = applicable_limits(&stripe, false, Some("live"));
        assert!(
            names(&live).contains(&"global_live".into())
                && !names(&live).contains(&"global_test".into())
        );
        let (unknown, _) = applicable_limits(&stripe, false, None);
        assert!(
            names(&unknown).contains(&"global_test".into()),
            "unknown mode gets the stricter limits"
        );
    }

    /// The quiet fast path (no lock while nothing is imposed) still sees every signal.
    #[test]
    fn a_quiet_adaptive_limiter_still_reacts_to_exhaustion_low_headroom_and_429() {
        let now = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let headroom = |remaining| Headroom {
            remaining,
            limit: Some(5000),
            reset: Some(wall + Duration::from_secs(50)),
        };
        let quiet = || {
            let a = Adaptive::default();
            for _ in 0..3 {
                a.observe(200, Some(headroom(4000)), now, wall);
                assert_eq!(a.delay(now), Duration::ZERO);
            }
            a
        };
        let a = quiet();
        a.observe(200, Some(headroom(0)), now, wall);
        assert_eq!(a.delay(now), Duration::from_secs(50), "exhausted");
        let a = quiet();
        a.observe(200, Some(headroom(100)), now, wall);
        assert_eq!(a.current_spacing(), Duration::from_millis(500), "low");
        let a = quiet();
        a.observe(429, None, now, wall);
        assert_eq!(a.current_spacing(), Duration::from_secs(1), "429");
        assert_eq!(
            a.delay(now),
            Duration::ZERO,
            "the first send takes the slot"
        );
        assert_eq!(a.delay(now), Duration::from_secs(1), "the next waits");
    }

    #[test]
    fn adaptive_blocks_until_reset_and_backs_off_on_429() {
        let a = Adaptive::default();
        let now = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let exhausted = Headroom {
            remaining: 0,
            limit: Some(5000),
            reset: Some(wall + Duration::from_secs(30)),
        };
        a.observe(200, Some(exhausted), now, wall);
        assert_eq!(a.delay(now), Duration::from_secs(30));
        assert_eq!(a.delay(now + Duration::from_secs(30)), Duration::ZERO);

        let low = Headroom {
            remaining: 100,
            limit: Some(5000),
            reset: Some(wall + Duration::from_secs(50)),
        };
        a.observe(200, Some(low), now, wall);
        assert_eq!(
            a.current_spacing(),
            Duration::from_millis(500),
            "100 left for 50 s"
        );
        a.observe(
            200,
            Some(Headroom {
                remaining: 4000,
                ..low
            }),
            now,
            wall,
        );
        assert_eq!(
            a.current_spacing(),
            Duration::ZERO,
            "recovers when headroom returns"
        );

        a.observe(429, None, now, wall);
        a.observe(429, None, now, wall);
        assert_eq!(a.current_spacing(), Duration::from_secs(2));
        for _ in 0..10 {
            a.observe(200, None, now, wall);
        }
        assert_eq!(
            a.current_spacing(),
            Duration::ZERO,
            "successes remove the penalty"
        );
    }
}
