//! Receiver end to end: signed deliveries over loopback HTTP/1.1 to the axum receiver,
//! each acknowledged only after its SQLite inbox commit (WAL, synchronous=FULL). Client
//! and server share the machine.
//!
//! `cargo bench -p tether-webhooks --bench receiver`
//! (env: `WEBHOOK_BENCH_N`, default 20000 deliveries; `WEBHOOK_BENCH_CONCURRENCY`,
//! default 64 connections; bodies of 1 KiB). Prints deliveries/s and ack latency
//! percentiles. Without `--bench` (as under `cargo test --all-targets`) it sends 200.

#![allow(clippy::unwrap_used)] // a benchmark driver

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tether_webhooks::inbox::{Consumer, Inbox, RetryPolicy};
use tether_webhooks::receiver::{Endpoint, Limits, Receiver};
use tether_webhooks::replay::SqliteReplayStore;
use tether_webhooks::{sign, Scheme, SigningKey, SystemClock, Verifier};

/// A body and the headers signing it.
type Signed = (String, Vec<(&'static str, String)>);

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full {
        env("WEBHOOK_BENCH_N", 20_000)
    } else {
        200
    };
    let concurrency = env("WEBHOOK_BENCH_CONCURRENCY", 64).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(n, concurrency));
}

async fn run(n: usize, concurrency: usize) {
    let dir = tempfile::tempdir().unwrap();
    let inbox_path = dir.path().join("inbox.sqlite3");
    let secret = SigningKey::literal("bench-secret").unwrap();
    let verifier = Verifier::builder(Scheme::GitHub)
        .secret(secret.clone())
        .build()
        .unwrap();
    let receiver = Receiver::new(
        Inbox::open(&inbox_path).unwrap(),
        Arc::new(SqliteReplayStore::open(dir.path().join("replay.sqlite3")).unwrap()),
        Arc::new(SystemClock),
        Limits::default(),
    )
    .endpoint(Endpoint::new("github", "/webhooks/github", verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/github", listener.local_addr().unwrap());
    tokio::spawn(receiver.serve(listener));

    // Pre-sign every delivery so the client's cost is only HTTP.
    let pad = "x".repeat(1024 - 60);
    let deliveries: Arc<Vec<Signed>> = Arc::new(
        (0..n)
            .map(|i| {
                let body = format!(
                    r#"{{"zen":"Keep it logically awesome.","hook_id":{i:09},"pad":"{pad}"}}"#
                );
                let headers = sign(
                    Scheme::GitHub,
                    &secret,
                    body.as_bytes(),
                    0,
                    Some(&format!("bench-{i}")),
                );
                (body, headers)
            })
            .collect(),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, next, deliveries) = (
            client.clone(),
            url.clone(),
            next.clone(),
            deliveries.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, headers)) = deliveries.get(i) else {
                    return latencies;
                };
                let mut req = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("X-GitHub-Event", "ping")
                    .body(body.clone());
                for (k, v) in headers {
                    req = req.header(*k, v);
                }
                let t = Instant::now();
                let resp = req.send().await.unwrap();
                assert_eq!(resp.status().as_u16(), 200);
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    let stored = Consumer::open(&inbox_path, RetryPolicy::default())
        .unwrap()
        .all()
        .unwrap()
        .len();
    assert_eq!(stored, n, "every acknowledged delivery is in the inbox");
    println!(
        "receiver: {n} deliveries (1 KiB, GitHub scheme, durable ack) with {concurrency} connections in {:.2} s = {:.0} deliveries/s; ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
    );
}
