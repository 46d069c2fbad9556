//! Scale-out on a real Redis: replicas as OS processes sharing one limit, Redis killed and
//! restarted under both failure modes, one OAuth2 token fetch across replicas.
//!
//! Outside CI these skip (with a message) without `TETHER_REDIS_URL` / `redis-server`;
//! with `CI=true` a missing Redis fails them.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use github_repos_v1::Client;
use tether_redis::testing::{unique_prefix, url_or_skip, RedisServer};
use tether_runtime::auth::OAuth2Source;
use tether_runtime::scaleout::{FailMode, Redis, RedisConfig};
use tether_runtime::{Credentials, Error, Secret};
use tether_sandbox::Sandbox;

const RATE: f64 = 100.0;
const CLIENT_BURST: u32 = 10;
/// The provider's bucket holds half a second of requests: what absorbs the scheduling
/// jitter between the moment Redis admits a request and the moment it reaches the server.
const SERVER_BURST: u32 = 50;
const SECONDS: f64 = 10.0;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    admitted: u64,
    refused: u64,
    span: Duration,
    client_errors: Vec<String>,
    failed_calls: u64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.admitted.saturating_sub(1) as f64 / self.span.as_secs_f64().max(1e-9)
    }
    fn refused_share(&self) -> f64 {
        self.refused as f64 / (self.admitted + self.refused).max(1) as f64
    }
}

/// 4 replica processes × 8 workers for 10 s against a sandbox enforcing 100 req/s.
async fn four_replicas(mode: &[&str], prefix: &str) -> Run {
    let sandbox = Arc::new(
        Sandbox::load(&root())
            .expect("sandbox loads")
            .with_quota(RATE, SERVER_BURST),
    );
    let (addr, _task) = Arc::clone(&sandbox)
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sandbox serves");
    let base = format!("http://{addr}");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let base = base.clone();
            let mode: Vec<String> = mode.iter().map(|s| (*s).to_owned()).collect();
            let prefix = prefix.to_owned();
            tokio::task::spawn_blocking(move || {
                Command::new(env!("CARGO_BIN_EXE_limit-worker"))
                    .arg(&base)
                    .args(&mode)
                    .args([
                        "8",
                        &SECONDS.to_string(),
                        &RATE.to_string(),
                        &CLIENT_BURST.to_string(),
                    ])
                    .env("TETHER_REDIS_PREFIX", &prefix)
                    .output()
                    .expect("limit-worker runs")
            })
        })
        .collect();
    let mut client_errors = Vec::new();
    let mut failed_calls = 0;
    for h in handles {
        let out = h.await.expect("join");
        assert!(
            out.status.success(),
            "worker failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let parsed: serde_json::Value = serde_json::from_str(&line).expect("worker prints JSON");
        failed_calls += parsed["failed"].as_u64().expect("failed count");
        client_errors.push(line);
    }
    let (admitted, refused, span) = sandbox.quota_counts();
    Run {
        admitted,
        refused,
        span,
        client_errors,
        failed_calls,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_replica_processes_share_one_limit_through_redis_and_local_limits_overshoot() {
    let Some(url) = url_or_skip("four_replica_processes_share_one_limit") else {
        return;
    };
    let shared = four_replicas(&["--redis", &url], &unique_prefix("scaleout")).await;
    eprintln!(
        "redis limiter: admitted {} refused {} over {:.2?}: {:.1} req/s (limit {RATE}), 429 share {:.3}%; replicas: {:?}",
        shared.admitted,
        shared.refused,
        shared.span,
        shared.rate(),
        shared.refused_share() * 100.0,
        shared.client_errors
    );
    let local = four_replicas(&["--local"], "unused").await;
    eprintln!(
        "local limiters: admitted {} refused {} over {:.2?}: {:.1} req/s (limit {RATE}), 429 share {:.3}%; replicas: {:?}",
        local.admitted,
        local.refused,
        local.span,
        local.rate(),
        local.refused_share() * 100.0,
        local.client_errors
    );
    // The span is measured where requests arrive, so arrival jitter can shorten it a
    // little: 100 ms of it is allowed on top of limit × span + burst.
    let ceiling = RATE * (shared.span.as_secs_f64() + 0.1) + f64::from(CLIENT_BURST);
    assert!(
        shared.admitted as f64 <= ceiling,
        "{} admitted > limit × span + burst = {ceiling:.0}",
        shared.admitted
    );
    assert!(
        shared.rate() >= 0.95 * RATE,
        "shared rate {:.1} < 95% of {RATE}",
        shared.rate()
    );
    assert!(
        shared.refused_share() <= 0.005,
        "{:.3}% of requests answered 429 (goal ≤ 0.5%)",
        shared.refused_share() * 100.0
    );
    // The problem the shared limit solves: each replica believes it owns the whole quota,
    // collects 429s, and its adaptive backoff then locks it out (calls fail fast with
    // `rate_limited`) while the quota goes unused.
    assert!(
        local.refused > shared.refused && local.failed_calls > 10 * shared.failed_calls + 100,
        "per-process limiters were expected to collect 429s and fail calls: {} refused, {} failed calls (shared: {}, {})",
        local.refused,
        local.failed_calls,
        shared.refused,
        shared.failed_calls
    );
}

async fn sandbox() -> (Arc<Sandbox>, String) {
    let sandbox = Arc::new(Sandbox::load(&root()).expect("sandbox loads"));
    let (addr, _task) = Arc::clone(&sandbox)
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sandbox serves");
    (sandbox, format!("http://{addr}"))
}

fn client(base: &str, redis: Arc<Redis>) -> Client {
    Client::builder()
        .base_url(base)
        .credentials(Credentials::Bearer(Secret::new("ghp_killed_redis_token")))
        .redis(redis)
        .build()
        .expect("client builds")
}

async fn get(client: &Client) -> Result<(), Error<serde_json::Value>> {
    client
        .repos_get()
        .owner("octocat")
        .repo("hello-world")
        .call()
        .await
        .map(|_| ())
        .map_err(Error::erase_body)
}

#[tokio::test]
async fn redis_killed_mid_run_follows_the_mode_and_recovers_after_restart() {
    let Some(mut server) = RedisServer::start_or_skip("redis_killed_mid_run") else {
        return;
    };
    // This test's runtime is single-threaded: a thread-local recorder sees every metric.
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let (sandbox, base) = sandbox().await;
    let config = |mode| {
        RedisConfig::new(server.url())
            .mode(mode)
            .timeout(Duration::from_millis(200))
            .retry_after_failure(Duration::from_millis(200))
    };
    let open = Redis::open(config(FailMode::Open)).expect("url");
    let closed = Redis::open(config(FailMode::Closed)).expect("url");
    let probe = Redis::open(config(FailMode::Open)).expect("url");
    let fail_open = client(&base, Arc::clone(&open));
    let fail_closed = client(&base, Arc::clone(&closed));
    let fingerprint = Credentials::Bearer(Secret::new("ghp_killed_redis_token")).fingerprint();
    let key = probe.key(&["rl", "github", &fingerprint, "primary"]);

    get(&fail_open).await.expect("Redis up: open");
    get(&fail_closed).await.expect("Redis up: closed");
    assert!(
        probe.exists(&key).await.expect("probe"),
        "the limit lives in Redis"
    );
    assert!(
        !key.contains("ghp_killed_redis_token"),
        "keys never hold the secret: {key}"
    );

    server.kill();
    // fail_open: the local limiter takes over; calls go on.
    for _ in 0..5 {
        get(&fail_open)
            .await
            .expect("fail_open keeps calling with the local limiter");
    }
    assert!(!open.is_up());
    let fallbacks: u64 = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| {
            key.key().name() == "tether_redis_fallback_total"
                && key
                    .key()
                    .labels()
                    .any(|l| l.key() == "component" && l.value() == "rate_limit")
        })
        .map(|(.., value)| match value {
            metrics_util::debugging::DebugValue::Counter(n) => n,
            _ => 0,
        })
        .sum();
    assert!(fallbacks >= 5, "every fallback is counted: {fallbacks}");
    // fail_closed: the call fails before anything is sent.
    let before = sandbox.request_count();
    let err = get(&fail_closed)
        .await
        .expect_err("fail_closed must refuse");
    assert!(matches!(err, Error::LimiterUnavailable { .. }), "{err}");
    assert!(
        err.to_string().contains("TETHER_REDIS_MODE=fail_open"),
        "{err}"
    );
    assert_eq!(sandbox.request_count(), before, "nothing was sent");

    server.restart();
    tokio::time::sleep(Duration::from_millis(250)).await;
    // The first command on a dead connection fails and makes the manager reconnect, so
    // each handle may need a try or two.
    let mut recovered = false;
    for _ in 0..20 {
        let closed_ok = get(&fail_closed).await.is_ok();
        get(&fail_open).await.expect("fail_open never fails a call");
        if closed_ok && open.is_up() && closed.is_up() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "no recovery after the restart");
    // The restarted Redis (no persistence) holds the limit again: it is in use.
    let mut back = false;
    for _ in 0..20 {
        if let Ok(found) = probe.exists(&key).await {
            back = found;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(back, "limit back in Redis");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_oauth2_token_fetch_serves_every_replica() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let Some(url) = url_or_skip("one_oauth2_token_fetch") else {
        return;
    };
    let token_server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(100))
                .set_body_json(
                    serde_json::json!({"access_token": "tok-shared-1", "expires_in": 3600}),
                ),
        )
        .expect(1)
        .mount(&token_server)
        .await;
    let token_url = format!("{}/oauth/token", token_server.uri());
    let prefix = unique_prefix("oauth2");
    // Three replicas: separate sources and separate Redis connections; only Redis is shared.
    let replicas: Vec<Arc<OAuth2Source>> = (0..3)
        .map(|_| {
            let source = Arc::new(OAuth2Source::new(
                "example",
                &token_url,
                "client-1".into(),
                Secret::new("client-secret-1"),
                vec![],
            ));
            source.share_via(
                Redis::open(RedisConfig::new(url.clone()).prefix(prefix.clone())).expect("url"),
            );
            source
        })
        .collect();
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for source in &replicas {
        for _ in 0..4 {
            let (source, http) = (Arc::clone(source), http.clone());
            tasks.push(tokio::spawn(async move {
                source
                    .token(&http, &tether_runtime::clock::SystemClock)
                    .await
                    .map(|t| t.expose().to_owned())
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.expect("join").expect("token"), "tok-shared-1");
    }
    let fetches: u64 = replicas.iter().map(|r| r.fetch_count()).sum();
    assert_eq!(fetches, 1, "one fetch across three replicas");
    token_server.verify().await;
}
