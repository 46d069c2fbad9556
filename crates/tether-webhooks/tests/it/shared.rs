//! The replay store shared by replicas (Redis): claims, fail modes, and the same delivery
//! sent at once to three receiver processes being stored once.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tether_redis::testing::{unique_prefix, url_or_skip, RedisServer};
use tether_redis::{FailMode, Redis, RedisConfig};
use tether_webhooks::inbox::{Consumer, RetryPolicy};
use tether_webhooks::replay::{MemoryReplayStore, ReplayStore, StoreError};
use tether_webhooks::shared_replay::RedisReplayStore;
use tether_webhooks::{sign, Scheme, SigningKey};

use crate::ReceiverProcess;

fn store(url: &str, prefix: &str, mode: FailMode) -> RedisReplayStore {
    let redis = Redis::open(
        RedisConfig::new(url)
            .prefix(prefix)
            .mode(mode)
            .timeout(Duration::from_millis(200)),
    )
    .expect("url");
    RedisReplayStore::new(redis, Arc::new(MemoryReplayStore::new()))
}

#[tokio::test]
async fn seen_keys_and_claims_are_shared_between_replicas() {
    let Some(url) = url_or_skip("seen_keys_and_claims_are_shared") else {
        return;
    };
    let prefix = unique_prefix("replay");
    let (a, b) = (
        store(&url, &prefix, FailMode::Open),
        store(&url, &prefix, FailMode::Open),
    );
    let ttl = Duration::from_secs(60);
    assert!(!b.contains("github:d1", 0).await.unwrap());
    assert!(a.insert_if_absent("github:d1", ttl, 0).await.unwrap());
    assert!(
        b.contains("github:d1", 0).await.unwrap(),
        "replica b sees a's key"
    );
    assert!(!b.insert_if_absent("github:d1", ttl, 0).await.unwrap());

    let hold = Duration::from_secs(30);
    assert!(a.claim("github:d2", hold).await.unwrap());
    assert!(!b.claim("github:d2", hold).await.unwrap(), "held by a");
    b.release("github:d2").await.unwrap();
    assert!(
        !b.claim("github:d2", hold).await.unwrap(),
        "b cannot release a's claim"
    );
    a.release("github:d2").await.unwrap();
    assert!(
        b.claim("github:d2", hold).await.unwrap(),
        "free after a released it"
    );
}

#[tokio::test]
async fn a_dead_redis_falls_back_or_fails_by_mode() {
    let Some(mut server) = RedisServer::start_or_skip("a_dead_redis_falls_back") else {
        return;
    };
    let open = store(&server.url(), "t", FailMode::Open);
    let closed = store(&server.url(), "t", FailMode::Closed);
    let ttl = Duration::from_secs(60);
    assert!(open.insert_if_absent("k", ttl, 0).await.unwrap());
    server.kill();
    // fail_open: the local store answers (it has not seen `k`, so dedup is per replica now).
    assert!(open.insert_if_absent("k2", ttl, 0).await.unwrap());
    assert!(!open.insert_if_absent("k2", ttl, 0).await.unwrap());
    assert!(open.claim("k3", ttl).await.unwrap());
    // fail_closed: an error, which the receiver turns into 503 (the provider redelivers).
    match closed.insert_if_absent("k4", ttl, 0).await {
        Err(StoreError::Shared(message)) => assert!(message.contains("Redis"), "{message}"),
        other => panic!("expected a shared-store error, got {other:?}"),
    }
    assert!(closed.claim("k4", ttl).await.is_err());
}

fn spawn(dir: &Path, n: usize, url: &str, prefix: &str) -> ReceiverProcess {
    let config = dir.join(format!("receiver{n}.toml"));
    std::fs::write(
        &config,
        format!(
            r#"listen = "127.0.0.1:0"
inbox = "inbox{n}.sqlite3"

[[endpoint]]
name = "github"
path = "/webhooks/github"
scheme = "github"
secret_envs = ["SHARED_SECRET"]
"#
        ),
    )
    .expect("config");
    let mut receiver = ReceiverProcess::start(
        &config,
        &[
            ("SHARED_SECRET", Some("shared-secret")),
            ("TETHER_REDIS_URL", Some(url)),
            ("TETHER_REDIS_PREFIX", Some(prefix)),
        ],
    );
    receiver.base.push_str("/webhooks/github");
    receiver
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_delivery_sent_to_three_receiver_processes_at_once_is_stored_once() {
    let Some(url) = url_or_skip("one_delivery_three_receivers") else {
        return;
    };
    let prefix = unique_prefix("three-receivers");
    let dir = tempfile::tempdir().expect("tempdir");
    let receivers: Vec<ReceiverProcess> = (0..3)
        .map(|n| spawn(dir.path(), n, &url, &prefix))
        .collect();
    let client = reqwest::Client::new();
    const DELIVERIES: usize = 50;
    let secret = SigningKey::literal("shared-secret").expect("secret");
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..DELIVERIES {
        let key = format!("dup-{i:03}");
        let body = format!(r#"{{"zen":"Keep it logically awesome.","hook_id":{i}}}"#);
        let headers = sign(Scheme::GitHub, &secret, body.as_bytes(), 0, Some(&key));
        // The same delivery to all three at the same moment (a provider's redelivery
        // racing the original across a load balancer).
        let sends = receivers.iter().map(|r| {
            let mut req = client
                .post(&r.base)
                .header("content-type", "application/json")
                .header("x-github-event", "ping")
                .body(body.clone());
            for (n, v) in &headers {
                req = req.header(*n, v);
            }
            req.send()
        });
        for response in futures::future::join_all(sends).await {
            let status = response.expect("receiver answers").status().as_u16();
            assert!(
                status == 200 || status == 409,
                "a copy is acknowledged (200) or told to come back (409), got {status}"
            );
            *statuses.entry(status).or_default() += 1;
        }
    }
    drop(receivers);
    let mut stored = std::collections::BTreeMap::<String, usize>::new();
    for n in 0..3 {
        let inbox = dir.path().join(format!("inbox{n}.sqlite3"));
        for d in Consumer::open(&inbox, RetryPolicy::default())
            .expect("inbox")
            .all()
            .expect("rows")
        {
            *stored.entry(d.key).or_default() += 1;
        }
    }
    eprintln!("statuses {statuses:?}; {} deliveries stored", stored.len());
    assert_eq!(stored.len(), DELIVERIES, "every delivery is stored");
    assert!(
        stored.values().all(|&n| n == 1),
        "a delivery stored by more than one receiver: {:?}",
        stored.iter().filter(|(_, &n)| n > 1).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_redis_and_turns_unready_only_under_fail_closed() {
    use tether_webhooks::inbox::Inbox;
    use tether_webhooks::receiver::{Endpoint, Limits, Receiver};
    use tether_webhooks::{FixedClock, Verifier};
    let Some(mut server) = RedisServer::start_or_skip("readyz_reports_redis") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bases = Vec::new();
    for (n, mode) in [(0, FailMode::Open), (1, FailMode::Closed)] {
        let receiver = Receiver::new(
            Inbox::open(dir.path().join(format!("inbox{n}.sqlite3"))).expect("inbox"),
            Arc::new(store(&server.url(), "readyz", mode)),
            Arc::new(FixedClock::new(0)),
            Limits::default(),
        )
        .endpoint(Endpoint::new(
            "github",
            "/hooks/github",
            Verifier::builder(Scheme::GitHub)
                .secret(SigningKey::literal("s").expect("secret"))
                .build()
                .expect("verifier"),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        bases.push(format!("http://{}", listener.local_addr().expect("addr")));
        tokio::spawn(receiver.serve(listener));
    }
    let readyz = |base: String| async move {
        let r = reqwest::get(format!("{base}/readyz"))
            .await
            .expect("answer");
        let status = r.status().as_u16();
        (status, r.json::<serde_json::Value>().await.expect("json"))
    };
    for base in &bases {
        let (status, body) = readyz(base.clone()).await;
        assert_eq!(
            (status, body["replay_store"].as_str()),
            (200, Some("ok")),
            "{body}"
        );
    }
    server.kill();
    let (status, body) = readyz(bases[0].clone()).await;
    assert_eq!(
        status, 200,
        "fail_open keeps serving from the local store: {body}"
    );
    assert!(
        body["replay_store"]
            .as_str()
            .is_some_and(|s| s.starts_with("degraded")),
        "{body}"
    );
    let (status, body) = readyz(bases[1].clone()).await;
    assert_eq!(
        status, 503,
        "fail_closed would answer deliveries 503: {body}"
    );
    assert!(
        body["replay_store"]
            .as_str()
            .is_some_and(|s| s.starts_with("unavailable")),
        "{body}"
    );
}
