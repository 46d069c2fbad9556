//! The cap on requests in flight per provider and credential (the policy's concurrency
//! limit, e.g. GitHub's 100 concurrent requests).
//!
//! Hand-rolled over an atomic count rather than `tokio::sync::Semaphore`: tokio's
//! semaphore takes its waiter-list lock on every release, waiter or not, so every call
//! from every thread wrote the same lock word and permit count (BENCHMARKS.md § Runtime).
//! Here a free slot costs one compare-and-swap and its release one subtraction; only a
//! call that finds the cap full registers as a waiter and sleeps on a [`Notify`].

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use tokio::sync::Notify;

/// At most `cap` slots held at once.
#[derive(Debug)]
pub struct ConcurrencyCap {
    cap: usize,
    in_flight: AtomicUsize,
    /// Callers between deciding to wait and leaving `acquire`: a release wakes one only
    /// when this is non-zero (no `Notify` work on the common path).
    waiting: AtomicUsize,
    freed: Notify,
}

/// One slot, given back on drop.
#[derive(Debug)]
#[must_use = "the slot is given back when dropped"]
pub struct Slot<'a>(&'a ConcurrencyCap);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        // SeqCst on both sides of the `waiting` / `in_flight` handshake (see `acquire`):
        // either the waiter sees this release, or this release sees the waiter.
        self.0.in_flight.fetch_sub(1, SeqCst);
        if self.0.waiting.load(SeqCst) > 0 {
            self.0.freed.notify_one();
        }
    }
}

/// Counts a waiter for as long as it waits, including when its `acquire` future is
/// dropped (a deadline) mid-wait.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

impl ConcurrencyCap {
    /// A cap of `cap` slots (at least one).
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            in_flight: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            freed: Notify::new(),
        }
    }

    /// Slots held now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(SeqCst)
    }

    /// A slot if one is free now.
    pub fn try_acquire(&self) -> Option<Slot<'_>> {
        self.in_flight
            .fetch_update(SeqCst, SeqCst, |n| (n < self.cap).then_some(n + 1))
            .ok()
            .map(|_| Slot(self))
    }

    /// A slot, waiting for one to be released if none is free. Cancel-safe: dropping
    /// the future gives up the wait (a wake-up it received passes to another waiter).
    pub async fn acquire(&self) -> Slot<'_> {
        loop {
            if let Some(slot) = self.try_acquire() {
                return slot;
            }
            self.waiting.fetch_add(1, SeqCst);
            let _waiting = Waiting(&self.waiting);
            let notified = self.freed.notified();
            tokio::pin!(notified);
            // Registered before the re-check: a release between the check above and
            // this point either leaves a slot the re-check takes, or sees `waiting` and
            // wakes this registration.
            notified.as_mut().enable();
            if let Some(slot) = self.try_acquire() {
                return slot;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::ConcurrencyCap;

    #[test]
    fn slots_are_capped_and_given_back_on_drop() {
        let cap = ConcurrencyCap::new(2);
        let a = cap.try_acquire().unwrap();
        let b = cap.try_acquire().unwrap();
        assert!(cap.try_acquire().is_none(), "a third slot beyond the cap");
        assert_eq!(cap.in_flight(), 2);
        drop(a);
        let c = cap.try_acquire().unwrap();
        drop((b, c));
        assert_eq!(cap.in_flight(), 0);
    }

    /// A waiter wakes when a slot is released; a waiter that gives up (its deadline)
    /// does not swallow the wake-up meant for the next one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiters_wake_on_release_and_a_cancelled_waiter_passes_its_turn_on() {
        let cap = Arc::new(ConcurrencyCap::new(1));
        let held = cap.try_acquire().unwrap();
        let gave_up = tokio::time::timeout(Duration::from_millis(50), cap.acquire()).await;
        assert!(gave_up.is_err(), "no slot while one is held");

        let waiter = {
            let cap = Arc::clone(&cap);
            tokio::spawn(async move {
                let _slot = cap.acquire().await;
            })
        };
        let cancelled = {
            let cap = Arc::clone(&cap);
            tokio::spawn(async move {
                let _slot = cap.acquire().await;
                unreachable!("aborted before a slot is free");
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancelled.abort();
        drop(held);
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter got the released slot")
            .unwrap();
        assert_eq!(cap.in_flight(), 0);
    }

    /// Many tasks on two threads never hold more than the cap, and all finish.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn under_contention_the_cap_holds_and_every_task_gets_a_slot() {
        let cap = Arc::new(ConcurrencyCap::new(3));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (cap, peak) = (Arc::clone(&cap), Arc::clone(&peak));
                tokio::spawn(async move {
                    for _ in 0..50 {
                        let _slot = cap.acquire().await;
                        peak.fetch_max(cap.in_flight(), std::sync::atomic::Ordering::SeqCst);
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(20), t)
                .await
                .expect("no task starves")
                .unwrap();
        }
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(cap.in_flight(), 0);
    }
}
