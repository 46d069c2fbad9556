//! What operators touch: `/healthz`, `/readyz` (turns unready when the inbox cannot be
//! written), `/metrics` scraped after real deliveries, and a SIGTERM that loses nothing.

use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tether_webhooks::inbox::{Consumer, Inbox, RetryPolicy};
use tether_webhooks::receiver::{prometheus, Endpoint, Limits, Receiver};
use tether_webhooks::replay::MemoryReplayStore;
use tether_webhooks::{sign, FixedClock, Scheme, SigningKey, Verifier};

use crate::ReceiverProcess;

const NOW: i64 = 1_700_000_000;

async fn start(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let inbox = dir.join("inbox.sqlite3");
    let verifier = Verifier::builder(Scheme::GitHub)
        .secret(SigningKey::literal("ops-secret").unwrap())
        .build()
        .unwrap();
    let receiver = Receiver::new(
        Inbox::open(&inbox).unwrap(),
        Arc::new(MemoryReplayStore::new()),
        Arc::new(FixedClock::new(NOW)),
        Limits::default(),
    )
    .endpoint(Endpoint::new("github", "/hooks/github", verifier))
    .metrics(prometheus().expect("no other recorder in this test binary"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(receiver.serve(listener));
    (base, inbox)
}

async fn deliver(base: &str, id: &str, secret: &str) -> u16 {
    let body = format!(r#"{{"zen":"ops","hook_id":"{id}"}}"#);
    let mut req = reqwest::Client::new()
        .post(format!("{base}/hooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "ping")
        .body(body.clone());
    for (n, v) in sign(
        Scheme::GitHub,
        &SigningKey::literal(secret).unwrap(),
        body.as_bytes(),
        NOW,
        Some(id),
    ) {
        req = req.header(n, v);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_turns_unready_while_the_inbox_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let (base, inbox) = start(dir.path()).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{base}{path}")).send();
    assert_eq!(get("/healthz").await.unwrap().status().as_u16(), 200);
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["inbox"], "writable");

    // Another process holds the write lock (a stuck migration, a backup tool): no
    // delivery could be committed now, so the receiver must leave the load balancer.
    let locker = rusqlite::Connection::open(&inbox).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let unready = get("/readyz").await.unwrap();
    assert_eq!(unready.status().as_u16(), 503);
    let body: serde_json::Value = unready.json().await.unwrap();
    assert!(
        body["inbox"].as_str().unwrap().starts_with("not writable"),
        "{body}"
    );
    locker.execute_batch("COMMIT;").unwrap();
    assert_eq!(get("/readyz").await.unwrap().status().as_u16(), 200);

    // The file gone (a volume unmounted): unready, and nothing recreates it empty.
    std::fs::remove_file(&inbox).unwrap();
    assert_eq!(get("/readyz").await.unwrap().status().as_u16(), 503);
    assert!(!inbox.exists(), "the probe must not create an empty inbox");
}

fn sample(page: &str, name_and_labels: &str) -> Option<f64> {
    page.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name_and_labels).map(str::trim))
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_outcomes_ack_latency_and_inbox_depth_after_real_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _inbox) = start(dir.path()).await;
    assert_eq!(deliver(&base, "m-1", "ops-secret").await, 200);
    assert_eq!(deliver(&base, "m-2", "ops-secret").await, 200);
    assert_eq!(deliver(&base, "m-1", "ops-secret").await, 200, "duplicate");
    assert_eq!(deliver(&base, "m-3", "wrong-secret").await, 401);
    let page = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The recorder is the process's: other tests' deliveries may add to these counts, so
    // each is at least what this test caused.
    let accepted = sample(
        &page,
        r#"tether_webhook_deliveries_total{endpoint="github",outcome="accepted",reason=""}"#,
    );
    assert!(accepted.is_some_and(|n| n >= 2.0), "{page}");
    let duplicate = sample(
        &page,
        r#"tether_webhook_deliveries_total{endpoint="github",outcome="duplicate",reason=""}"#,
    );
    assert!(duplicate.is_some_and(|n| n >= 1.0), "{page}");
    let rejected = sample(
        &page,
        r#"tether_webhook_deliveries_total{endpoint="github",outcome="rejected",reason="no-matching-signature"}"#,
    );
    assert!(rejected.is_some_and(|n| n >= 1.0), "{page}");
    let acks = sample(
        &page,
        r#"tether_webhook_ack_seconds_count{endpoint="github"}"#,
    );
    assert!(acks.is_some_and(|n| n >= 3.0), "{page}");
    // Two rows wait for a handler (no consumer runs here); the gauge is read at scrape
    // time from this test's inbox... or the other test's, whichever scraped last: both
    // receivers share the process recorder, so only the presence is certain.
    assert!(
        sample(&page, "tether_webhook_inbox_pending").is_some(),
        "{page}"
    );
    assert!(
        sample(&page, "tether_webhook_inbox_dead").is_some(),
        "{page}"
    );
}

#[test]
fn sigterm_stops_accepting_finishes_in_flight_deliveries_and_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("receiver.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\ninbox = \"inbox.sqlite3\"\n\n[[endpoint]]\nname = \"github\"\npath = \"/hooks/github\"\nscheme = \"github\"\nsecret_envs = [\"OPS_SECRET\"]\n",
    )
    .unwrap();
    let mut receiver = ReceiverProcess::start(
        &config,
        &[
            ("OPS_SECRET", Some("ops-secret")),
            ("TETHER_REDIS_URL", None),
        ],
    );
    let base = receiver.base.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pid = receiver.child.id();
    runtime.block_on(async {
        let mut senders = Vec::new();
        for w in 0..8 {
            let (base, acked, sent) = (base.clone(), Arc::clone(&acked), Arc::clone(&sent));
            senders.push(tokio::spawn(async move {
                for i in 0.. {
                    let id = format!("term-{w}-{i}");
                    sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let body = format!(r#"{{"zen":"ops","hook_id":"{id}"}}"#);
                    let mut req = reqwest::Client::new()
                        .post(format!("{base}/hooks/github"))
                        .header("content-type", "application/json")
                        .body(body.clone());
                    for (n, v) in sign(
                        Scheme::GitHub,
                        &SigningKey::literal("ops-secret").unwrap(),
                        body.as_bytes(),
                        0,
                        Some(&id),
                    ) {
                        req = req.header(n, v);
                    }
                    match req.send().await {
                        Ok(r) if r.status().is_success() => {
                            acked.lock().unwrap().insert(id);
                        }
                        Ok(_) => {}
                        // Refused or reset: the receiver is gone; a provider would
                        // redeliver later. This sender is done.
                        Err(_) => return,
                    }
                }
            }));
        }
        // Let traffic flow, then ask the receiver to stop while requests are in flight.
        while acked.lock().unwrap().len() < 200 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for s in senders {
            tokio::time::timeout(Duration::from_secs(30), s)
                .await
                .expect("senders stop once the receiver is gone")
                .unwrap();
        }
    });
    let started = Instant::now();
    let exit = loop {
        if let Some(status) = receiver.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the receiver did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "exit status {exit:?}");
    let stored: HashSet<String> =
        Consumer::open(dir.path().join("inbox.sqlite3"), RetryPolicy::default())
            .unwrap()
            .all()
            .unwrap()
            .into_iter()
            .map(|d| d.key)
            .collect();
    let acked = acked.lock().unwrap();
    let lost: Vec<&String> = acked.difference(&stored).collect();
    eprintln!(
        "{} sent, {} acknowledged, {} stored, lost {}",
        sent.load(std::sync::atomic::Ordering::Relaxed),
        acked.len(),
        stored.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert!(acked.len() >= 200);
}
