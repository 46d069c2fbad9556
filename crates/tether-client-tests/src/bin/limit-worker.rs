//! One replica for the scale-out tests and benchmark: `workers` concurrent tasks call
//! `repos/get` through the generated GitHub client for `seconds`, limited to `rate`
//! requests/s (burst `burst`) either by Redis (`--redis URL`, shared with every other
//! replica) or by the in-process limiter (`--local`). Prints one JSON line:
//! `{"ok": n, "failed": n, "errors": {...}}`.
//!
//! `limit-worker BASE_URL (--redis URL | --local) WORKERS SECONDS RATE BURST`

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tether_runtime::limit::{LimitSpec, LocalLimits, RateLimitStore};
use tether_runtime::scaleout::{Redis, RedisConfig, RedisLimits};
use tether_runtime::{Credentials, Secret};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, mode, url_or_workers, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: limit-worker BASE_URL (--redis URL | --local) WORKERS SECONDS RATE BURST"
        );
        return ExitCode::from(2);
    };
    let (redis_url, numbers) = match mode.as_str() {
        "--redis" => (Some(url_or_workers.clone()), rest.to_vec()),
        "--local" => {
            let mut v = vec![url_or_workers.clone()];
            v.extend_from_slice(rest);
            (None, v)
        }
        other => {
            eprintln!("unknown mode {other}");
            return ExitCode::from(2);
        }
    };
    let n: Vec<f64> = numbers.iter().filter_map(|s| s.parse().ok()).collect();
    let [workers, seconds, rate, burst] = n.as_slice() else {
        eprintln!("WORKERS SECONDS RATE BURST must be numbers");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(
        base.clone(),
        redis_url,
        *workers as usize,
        Duration::from_secs_f64(*seconds),
        *rate,
        *burst as u32,
    ))
}

async fn run(
    base: String,
    redis_url: Option<String>,
    workers: usize,
    duration: Duration,
    rate: f64,
    burst: u32,
) -> ExitCode {
    let spec = LimitSpec {
        name: "scaleout-test".into(),
        requests: rate as u64,
        period: Duration::from_secs(1),
        burst,
        per_endpoint: false,
        methods: Vec::new(),
    };
    let clock: Arc<dyn tether_runtime::clock::Clock> = Arc::new(tether_runtime::clock::SystemClock);
    let local: Arc<dyn RateLimitStore> = Arc::new(LocalLimits::new(vec![spec.clone()], clock));
    let credentials = Credentials::Bearer(Secret::new("ghp_scaleout_test_token"));
    let store: Arc<dyn RateLimitStore> =
        match redis_url {
            // Every replica of one run uses the same prefix (`TETHER_REDIS_PREFIX`), so runs
            // sharing one Redis do not share a limit.
            Some(url) => match Redis::open(RedisConfig::new(url).prefix(
                std::env::var("TETHER_REDIS_PREFIX").unwrap_or_else(|_| "tether".to_owned()),
            )) {
                Ok(redis) => Arc::new(RedisLimits::new(
                    redis,
                    "github",
                    &credentials.fingerprint(),
                    vec![spec],
                    local,
                )),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            },
            None => local,
        };
    let client = match github_repos_v1::Client::builder()
        .base_url(&base)
        .credentials(credentials)
        .rate_limit_store(store)
        // A call may wait for its slot at most this long, so the run ends soon after
        // `seconds` whatever the limiter says.
        .timeout(Duration::from_secs(2))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let deadline = Instant::now() + duration;
    let errors: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let client = client.clone();
        let errors = Arc::clone(&errors);
        tasks.push(tokio::spawn(async move {
            let mut ok = 0u64;
            while Instant::now() < deadline {
                match client
                    .repos_get()
                    .owner("octocat")
                    .repo("hello-world")
                    .call()
                    .await
                {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        let kind = tether_runtime::telemetry::error_kind(&e).to_owned();
                        *errors
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .entry(kind)
                            .or_default() += 1;
                    }
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap_or(0);
    }
    let errors = errors
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let failed: u64 = errors.values().sum();
    println!(
        "{}",
        serde_json::json!({"ok": ok, "failed": failed, "errors": errors})
    );
    ExitCode::SUCCESS
}
