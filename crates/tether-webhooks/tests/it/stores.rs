//! Replay stores (memory and SQLite files) and the inbox (unique key, durability across
//! reopen, at-least-once consumption with retry and dead letters).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tether_webhooks::inbox::{
    Consumer, Delivery, Inbox, NewDelivery, Outcome, RetryPolicy, State, Stored,
};
use tether_webhooks::replay::{MemoryReplayStore, ReplayStore, SqliteReplayStore};

async fn exercise(store: &dyn ReplayStore) {
    let ttl = Duration::from_secs(600);
    assert!(!store.contains("a", 0).await.unwrap());
    assert!(store.insert_if_absent("a", ttl, 0).await.unwrap());
    assert!(
        !store.insert_if_absent("a", ttl, 1).await.unwrap(),
        "second sight is a replay"
    );
    assert!(store.contains("a", 599).await.unwrap());
    assert!(
        !store.contains("a", 600).await.unwrap(),
        "expired at now + ttl"
    );
    assert!(
        store.insert_if_absent("a", ttl, 600).await.unwrap(),
        "an expired key can be taken again"
    );
    assert!(store.insert_if_absent("b", ttl, 0).await.unwrap());
}

#[tokio::test]
async fn memory_replay_store() {
    exercise(&MemoryReplayStore::new()).await;
}

#[tokio::test]
async fn sqlite_replay_store_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replay.sqlite3");
    exercise(&SqliteReplayStore::open(&path).unwrap()).await;
    let again = SqliteReplayStore::open(&path).unwrap();
    assert!(!again
        .insert_if_absent("b", Duration::from_secs(600), 10)
        .await
        .unwrap());
    assert_eq!(again.purge(10_000).unwrap(), 2);
    assert!(!again.contains("b", 10).await.unwrap());
}

fn delivery(key: &str) -> NewDelivery {
    NewDelivery {
        source: "github".into(),
        key: key.into(),
        event: Some("push".into()),
        headers: vec![("x-github-delivery".into(), key.into())],
        body: format!("{{\"k\":\"{key}\"}}").into_bytes(),
        received_at: 100,
        findings: None,
    }
}

#[test]
fn inbox_stores_once_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.sqlite3");
    {
        let inbox = Inbox::open(&path).unwrap();
        assert!(matches!(
            inbox.store_blocking(delivery("d1")).unwrap(),
            Stored::Inserted { .. }
        ));
        assert_eq!(
            inbox.store_blocking(delivery("d1")).unwrap(),
            Stored::Duplicate
        );
        assert!(matches!(
            inbox.store_blocking(delivery("d2")).unwrap(),
            Stored::Inserted { .. }
        ));
    }
    let inbox = Inbox::open(&path).unwrap();
    assert_eq!(
        inbox.store_blocking(delivery("d2")).unwrap(),
        Stored::Duplicate
    );
    let rows = Consumer::open(&path, RetryPolicy::default())
        .unwrap()
        .all()
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].key, "d1");
    assert_eq!(rows[0].body, b"{\"k\":\"d1\"}");
    assert_eq!(
        rows[0].headers,
        vec![("x-github-delivery".to_owned(), "d1".to_owned())]
    );
    assert_eq!(rows[0].state, State::Pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_stores_are_batched_and_each_answered() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = Inbox::open(dir.path().join("inbox.sqlite3")).unwrap();
    let mut tasks = Vec::new();
    for i in 0..300 {
        let inbox = inbox.clone();
        // Every key twice: exactly one of each pair inserts.
        tasks.push(tokio::spawn(async move {
            inbox.store(delivery(&format!("k{}", i % 150))).await
        }));
    }
    let mut inserted = 0;
    for t in tasks {
        if matches!(t.await.unwrap().unwrap(), Stored::Inserted { .. }) {
            inserted += 1;
        }
    }
    assert_eq!(inserted, 150);
}

#[test]
fn consumer_retries_with_backoff_then_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.sqlite3");
    let inbox = Inbox::open(&path).unwrap();
    inbox.store_blocking(delivery("ok")).unwrap();
    inbox.store_blocking(delivery("flaky")).unwrap();
    inbox.store_blocking(delivery("poison")).unwrap();
    let policy = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_secs(10),
        max_delay: Duration::from_secs(15),
    };
    let consumer = Consumer::open(&path, policy).unwrap();
    let flaky_calls = AtomicU32::new(0);
    let handler = |d: &Delivery| -> Result<(), String> {
        match d.key.as_str() {
            "flaky" if flaky_calls.fetch_add(1, Ordering::SeqCst) == 0 => {
                Err("first try fails".into())
            }
            "poison" => Err("always fails".into()),
            _ => Ok(()),
        }
    };
    let first = consumer.run_until_idle(&handler, 100).unwrap();
    assert_eq!(first.len(), 3);
    assert!(matches!(first[0], Outcome::Done { .. }));
    assert!(matches!(
        first[1],
        Outcome::Retry {
            attempts: 1,
            next_attempt_at: 110,
            ..
        }
    ));
    assert!(matches!(
        first[2],
        Outcome::Retry {
            attempts: 1,
            next_attempt_at: 110,
            ..
        }
    ));
    assert!(
        consumer.run_until_idle(&handler, 109).unwrap().is_empty(),
        "nothing due before the backoff"
    );
    let second = consumer.run_until_idle(&handler, 110).unwrap();
    assert!(matches!(second[0], Outcome::Done { .. }));
    // 2nd failure: 20 s capped at 15 s.
    assert!(matches!(
        second[1],
        Outcome::Retry {
            attempts: 2,
            next_attempt_at: 125,
            ..
        }
    ));
    let third = consumer.run_until_idle(&handler, 125).unwrap();
    assert!(matches!(third[0], Outcome::Dead { attempts: 3, .. }));
    assert_eq!(consumer.count(State::Done).unwrap(), 2);
    assert_eq!(consumer.count(State::Dead).unwrap(), 1);
    let dead = consumer
        .all()
        .unwrap()
        .into_iter()
        .find(|d| d.key == "poison")
        .unwrap();
    assert_eq!(dead.last_error.as_deref(), Some("always fails"));
    assert!(
        consumer
            .run_until_idle(&handler, 10_000)
            .unwrap()
            .is_empty(),
        "dead rows are not retried"
    );
}

#[tokio::test]
async fn claim_refuses_a_replay_within_twice_the_tolerance() {
    use tether_webhooks::replay::{claim, ClaimError};
    use tether_webhooks::Rejection;
    let store = MemoryReplayStore::new();
    let tol = Duration::from_secs(300);
    claim(&store, "msg_1", Duration::from_secs(1), tol, 1000)
        .await
        .unwrap();
    // A TTL shorter than the freshness window is raised to 2 × tolerance.
    match claim(&store, "msg_1", Duration::from_secs(1), tol, 1599).await {
        Err(ClaimError::Rejected(Rejection::Replayed { id })) => assert_eq!(id, "msg_1"),
        other => panic!("{other:?}"),
    }
    claim(&store, "msg_1", Duration::from_secs(1), tol, 1600)
        .await
        .unwrap();
}
