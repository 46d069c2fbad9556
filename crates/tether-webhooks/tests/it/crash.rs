//! Crash test: the receiver runs as a real process; a client sends 2,000 signed
//! deliveries over loopback while the process is killed with SIGKILL and restarted
//! (twice), redelivering whatever was not acknowledged, as providers do. Every
//! acknowledged delivery must be in the inbox — already at the moment of the kill —
//! and exactly once at the end.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tether_webhooks::inbox::{Consumer, RetryPolicy};
use tether_webhooks::{sign, Scheme, SigningKey};

use crate::ReceiverProcess;

const TOTAL: usize = 2_000;
const SECRET: &str = "crash-test-secret";

fn spawn(config: &Path) -> ReceiverProcess {
    ReceiverProcess::start(
        config,
        &[
            ("CRASH_SECRET", Some(SECRET)),
            // This test is about the SQLite inbox and replay store of one receiver.
            ("TETHER_REDIS_URL", None),
        ],
    )
}

fn keys_in(inbox: &Path) -> Vec<String> {
    Consumer::open(inbox, RetryPolicy::default())
        .unwrap()
        .all()
        .unwrap()
        .into_iter()
        .map(|d| d.key)
        .collect()
}

fn delivery(i: usize) -> (String, Vec<(&'static str, String)>, String) {
    let key = format!("crash-{i:05}");
    let body = format!(
        r#"{{"zen":"Design for failure.","hook_id":{i},"pad":"{}"}}"#,
        "x".repeat(i % 97)
    );
    let headers = sign(
        Scheme::GitHub,
        &SigningKey::literal(SECRET).unwrap(),
        body.as_bytes(),
        0,
        Some(&key),
    );
    (key, headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_deliveries_survive_sigkill_exactly_once() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let inbox: PathBuf = dir.path().join("inbox.sqlite3");
    let config = dir.path().join("receiver.toml");
    std::fs::write(
        &config,
        r#"listen = "127.0.0.1:0"
inbox = "inbox.sqlite3"

[[endpoint]]
name = "github"
path = "/webhooks/github"
scheme = "github"
secret_envs = ["CRASH_SECRET"]
"#,
    )
    .unwrap();

    let process = Arc::new(Mutex::new(spawn(&config)));
    let base = Arc::new(RwLock::new(process.lock().unwrap().base.clone()));
    let queue: Arc<Mutex<VecDeque<usize>>> = Arc::new(Mutex::new((0..TOTAL).collect()));
    let acked: Arc<Mutex<HashSet<usize>>> = Arc::new(Mutex::new(HashSet::new()));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    let mut senders = Vec::new();
    for _ in 0..16 {
        let (queue, acked, base, client) =
            (queue.clone(), acked.clone(), base.clone(), client.clone());
        senders.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().unwrap().pop_front();
                let Some(i) = next else {
                    if acked.lock().unwrap().len() == TOTAL {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                let (_, headers, body) = delivery(i);
                let url = format!("{}/webhooks/github", base.read().unwrap());
                let mut req = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("X-GitHub-Event", "ping")
                    .body(body);
                for (n, v) in headers {
                    req = req.header(n, v);
                }
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        acked.lock().unwrap().insert(i);
                    }
                    Ok(r) => {
                        assert!(
                            r.status().is_server_error(),
                            "a good delivery was refused: {}",
                            r.status()
                        );
                        queue.lock().unwrap().push_back(i);
                    }
                    Err(_) => {
                        // No acknowledgement (connection refused or reset): redeliver later.
                        queue.lock().unwrap().push_back(i);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        }));
    }

    // Kill mid-way, twice; check the on-disk inbox right after each kill.
    let mut kills = 0;
    for threshold in [TOTAL / 3, 2 * TOTAL / 3] {
        while acked.lock().unwrap().len() < threshold {
            assert!(
                started.elapsed() < Duration::from_secs(45),
                "stalled before kill {kills}"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let mut p = process.lock().unwrap();
        p.child.kill().unwrap(); // SIGKILL
        p.child.wait().unwrap();
        kills += 1;
        let acked_at_kill: Vec<usize> = acked.lock().unwrap().iter().copied().collect();
        let on_disk: HashSet<String> = keys_in(&inbox).into_iter().collect();
        for i in &acked_at_kill {
            assert!(
                on_disk.contains(&delivery(*i).0),
                "delivery {i} was acknowledged but is not in the inbox after SIGKILL"
            );
        }
        *p = spawn(&config);
        *base.write().unwrap() = p.base.clone();
    }

    for s in senders {
        tokio::time::timeout(Duration::from_secs(40), s)
            .await
            .expect("senders finished in time")
            .unwrap();
    }
    assert_eq!(kills, 2);

    // A provider that never saw some acks redelivers: duplicates are acked, not stored.
    let current = base.read().unwrap().clone();
    for i in (0..TOTAL).step_by(20) {
        let (_, headers, body) = delivery(i);
        let mut req = client
            .post(format!("{current}/webhooks/github"))
            .header("content-type", "application/json")
            .body(body);
        for (n, v) in headers {
            req = req.header(n, v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(
            resp.json::<serde_json::Value>().await.unwrap()["status"],
            "duplicate"
        );
    }

    {
        let mut p = process.lock().unwrap();
        p.child.kill().unwrap();
        p.child.wait().unwrap();
    }
    let keys = keys_in(&inbox);
    let distinct: HashSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), TOTAL, "one row per delivery");
    assert_eq!(distinct.len(), TOTAL, "no delivery twice");
    for i in 0..TOTAL {
        assert!(distinct.contains(&delivery(i).0), "delivery {i} missing");
    }
    assert!(
        started.elapsed() < Duration::from_secs(55),
        "took {:?}",
        started.elapsed()
    );
}
