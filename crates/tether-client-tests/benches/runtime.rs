//! Runtime benchmarks (BENCHMARKS.md), against an axum server on 127.0.0.1 in the same
//! process. Run: `cargo bench -p tether-client-tests --bench runtime`.
//!
//! 1. Overhead: the full stack (auth, a limiter with a quota that does not bind, retry,
//!    breaker, validation in `report`, tracing at INFO into a sink) vs bare `reqwest` +
//!    `serde_json` into the same generated type, same payload (GitHub repos/get),
//!    the bare side sending the headers the provider requires. Throughput ratio against
//!    the goal in BENCHMARKS.md. Knobs (BENCHMARKS.md § Runtime): `TETHER_BENCH_WORKERS`,
//!    `TETHER_BENCH_VALIDATION`, `TETHER_BENCH_SECS`, `TETHER_BENCH_ROUNDS`,
//!    `TETHER_BENCH_RUNTIME=current_thread`, `TETHER_BENCH_{BARE,ENGINE,FULL}_ONLY`,
//!    `TETHER_BENCH_BARE_MINIMAL`, `TETHER_BENCH_NO_TRACING`, `TETHER_BENCH_AA` (the
//!    full stack against itself: the harness's own bias), `TETHER_BENCH_BARE_FROM_STR`
//!    (the bare side decodes as the full stack does, `tether_runtime::json::from_body`,
//!    instead of `serde_json::from_slice` as reqwest's `json()`: the engine's overhead
//!    alone).
//! 2. Quota use: the server enforces 100 req/s (token bucket, burst 10, 429 with
//!    `Retry-After: 1` beyond it); 8 concurrent workers for 10 s. Tether's limiter set to
//!    the same 100/s vs a naive client that retries a 429 after a fixed 100 ms.
//!    Goal: achieved ≥ 0.97 × 100/s with ≤ 0.5% of requests answered 429.
//! 3. `TETHER_BENCH=cap`: the concurrency cap's slot under two-thread contention vs
//!    `tokio::sync::Semaphore`.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use tether_runtime::clock::SystemClock;
use tether_runtime::limit::{LimitSpec, LocalLimits};
use tether_runtime::{Credentials, Secret, ValidationMode};

const SECS_OVERHEAD: u64 = 2;

/// Seconds per round: `TETHER_BENCH_SECS` (shorter runs under valgrind), else `default`.
fn secs(default: u64) -> u64 {
    std::env::var("TETHER_BENCH_SECS").map_or(default, |s| s.parse().unwrap())
}
const SECS_QUOTA: u64 = 10;

#[derive(Clone)]
struct App {
    body: Arc<Vec<u8>>,
    bucket: Option<Arc<Mutex<(f64, Instant)>>>,
    served: Arc<AtomicU64>,
    throttled: Arc<AtomicU64>,
}

async fn handler(State(app): State<App>) -> axum::response::Response {
    if let Some(bucket) = &app.bucket {
        // Token bucket: 100 tokens/s, capacity 10.
        let mut b = bucket.lock().unwrap();
        let now = Instant::now();
        b.0 = (b.0 + now.duration_since(b.1).as_secs_f64() * 100.0).min(10.0);
        b.1 = now;
        if b.0 < 1.0 {
            app.throttled.fetch_add(1, Ordering::Relaxed);
            let mut h = HeaderMap::new();
            h.insert("retry-after", "1".parse().unwrap());
            h.insert("content-type", "application/json".parse().unwrap());
            return (
                StatusCode::TOO_MANY_REQUESTS,
                h,
                r#"{"message":"rate limited"}"#,
            )
                .into_response();
        }
        b.0 -= 1.0;
    }
    app.served.fetch_add(1, Ordering::Relaxed);
    let mut h = HeaderMap::new();
    h.insert(
        "content-type",
        "application/json; charset=utf-8".parse().unwrap(),
    );
    (StatusCode::OK, h, app.body.as_ref().clone()).into_response()
}

async fn serve(bucket: bool) -> (String, App) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/github-repos-get.json");
    let app = App {
        body: Arc::new(std::fs::read(path).unwrap()),
        bucket: bucket.then(|| Arc::new(Mutex::new((10.0, Instant::now())))),
        served: Arc::default(),
        throttled: Arc::default(),
    };
    let router = axum::Router::new()
        .route("/repos/{owner}/{repo}", axum::routing::get(handler))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, app)
}

/// User + system CPU seconds this process has used (all threads), from `/proc/self/stat`.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    ticks / 100.0
}

/// Requests/s of `workers` loops calling `f` for `secs`.
async fn throughput<F, Fut>(workers: usize, secs: u64, f: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let f = f.clone();
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                while Instant::now() < end {
                    assert!(f().await, "request failed");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / secs as f64
}

/// A limiter whose quota never binds (the overhead bench measures its cost, not waits).
fn non_binding() -> Arc<LocalLimits> {
    Arc::new(LocalLimits::new(
        vec![LimitSpec {
            name: "non-binding".into(),
            requests: 1_000_000,
            period: Duration::from_secs(1),
            burst: 1_000_000,
            per_endpoint: false,
            methods: vec![],
        }],
        Arc::new(SystemClock),
    ))
}

/// One side alone (for `perf` / `valgrind` runs): its throughput and the calls it made.
async fn alone<F, Fut>(label: &str, workers: usize, f: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let secs = secs(10);
    let r = throughput(workers, secs, f).await;
    println!("{label}: {r:.0} req/s, {:.0} calls", r * secs as f64);
}

/// The full stack's settings (both the generated client and the engine-only parts).
fn full_stack<C>(
    settings: tether_runtime::ClientBuilder<C>,
    url: &str,
    validation: ValidationMode,
    sample: Option<f64>,
) -> tether_runtime::ClientBuilder<C> {
    settings
        .base_url(url)
        .credentials(Credentials::Bearer(Secret::new("t")))
        .validation(validation)
        .report_sample_per_second(sample.unwrap_or(10.0))
        .rate_limit_store(non_binding())
}

async fn overhead(workers: usize, validation: ValidationMode, sample: Option<f64>) {
    let (url, _) = serve(false).await;
    // The baseline sends what the provider requires of any client (GitHub refuses a
    // request without `User-Agent`; the API version and media type are pinned by the
    // policy): the generated table's headers, set once as reqwest default headers, the
    // way a hand-written client would. `TETHER_BENCH_BARE_MINIMAL=1` sends only
    // `Authorization` (the baseline of the figures before 2026-12-05).
    let mut bare_builder = reqwest::Client::builder();
    if std::env::var_os("TETHER_BENCH_BARE_MINIMAL").is_none() {
        let mut provider_headers = reqwest::header::HeaderMap::new();
        for (name, value) in github_repos_v1::DEFAULTS.headers {
            provider_headers.insert(
                reqwest::header::HeaderName::from_static(name),
                reqwest::header::HeaderValue::from_static(value),
            );
        }
        bare_builder = bare_builder.default_headers(provider_headers);
    }
    if let Ok(ms) = std::env::var("TETHER_BENCH_BARE_TIMEOUT_MS") {
        bare_builder = bare_builder.timeout(Duration::from_millis(ms.parse().unwrap()));
    }
    let bare_http = bare_builder.build().unwrap();
    let bare_base: Arc<str> = Arc::from(url.as_str());
    // How the bare side (and the engine-only side) reads the body: `serde_json::from_slice`,
    // what reqwest's `json()` does, unless `TETHER_BENCH_BARE_FROM_STR` asks for the full
    // stack's own decode, one UTF-8 check for the whole body (BENCHMARKS.md § Runtime).
    let from_str = std::env::var_os("TETHER_BENCH_BARE_FROM_STR").is_some();
    let decode = move |bytes: &[u8]| {
        if from_str {
            tether_runtime::json::from_body::<github_repos_v1::types::FullRepository>(bytes).is_ok()
        } else {
            serde_json::from_slice::<github_repos_v1::types::FullRepository>(bytes).is_ok()
        }
    };
    let bare = move || {
        let http = bare_http.clone();
        let base = Arc::clone(&bare_base);
        async move {
            // The URL is built per call from the path parameters, as any client that
            // serves more than one repository must.
            let (owner, repo) = ("octocat", "Hello-World");
            let r = http
                .get(format!("{base}/repos/{owner}/{repo}"))
                .header("authorization", "Bearer t")
                .send()
                .await
                .unwrap();
            let bytes = r.bytes().await.unwrap();
            decode(&bytes)
        }
    };
    // One call through a full-stack client: a macro, so that each use (the A/A check
    // below uses two) is its own closure type, as the bare side's is.
    macro_rules! full_stack_call {
        () => {{
            let client = Arc::new(
                full_stack(github_repos_v1::Client::builder(), &url, validation, sample)
                    .build()
                    .unwrap(),
            );
            move || {
                let c = Arc::clone(&client);
                async move {
                    c.repos_get()
                        .owner("octocat")
                        .repo("Hello-World")
                        .call()
                        .await
                        .is_ok()
                }
            }
        }};
    }
    let full = full_stack_call!();
    if std::env::var_os("TETHER_BENCH_ENGINE_ONLY").is_some() {
        // The engine alone, for splitting the overhead: the same settings, the request
        // built by hand and handed to `Engine::execute` (the `exec` hook's body), the body
        // parsed as the bare side does. What it costs beyond bare is the engine's; what
        // the full stack costs beyond it is the generated call path (progenitor's
        // builder, response rebuild and `from_response`, the `Call` future).
        let parts = tether_runtime::ClientBuilder::parts(&github_repos_v1::DEFAULTS);
        let (base, http, inner) = full_stack(parts, &url, validation, sample).build().unwrap();
        let op = github_repos_v1::DEFAULTS.operation("repos_get").unwrap();
        let engine = move || {
            let (base, http, inner) = (base.clone(), http.clone(), inner.clone());
            async move {
                let url = format!("{base}/repos/octocat/Hello-World");
                let mut request = http.get(url).build().unwrap();
                inner.prepare(&mut request, "repos_get").unwrap();
                let options = tether_runtime::CallOptions::new();
                let x = inner.execute(&http, request, op, &options).await.unwrap();
                decode(&x.body)
            }
        };
        let label = format!("engine only, {workers} worker(s), validation {validation:?}");
        return alone(&label, workers, engine).await;
    }
    if std::env::var_os("TETHER_BENCH_AA").is_some() {
        // A/A check of the harness: a second, identical full-stack client in the bare
        // side's place. Its ratio (ideally 1.0) is the harness's own bias (the two
        // sides' loops are separate monomorphizations, placed differently in the
        // binary), to read the real ratio against (BENCHMARKS.md § Runtime).
        let full2 = full_stack_call!();
        return paired(workers, validation, sample, full2, full).await;
    }
    if std::env::var_os("TETHER_BENCH_BARE_ONLY").is_some() {
        // The baseline alone, for `perf stat` per-request comparisons with FULL_ONLY.
        return alone(&format!("bare only, {workers} worker(s)"), workers, bare).await;
    }
    if std::env::var_os("TETHER_BENCH_FULL_ONLY").is_some() {
        // For profiling the runtime alone: `perf record` this mode.
        let label = format!("full stack only, {workers} worker(s), validation {validation:?}");
        return alone(&label, workers, full).await;
    }
    paired(workers, validation, sample, bare, full).await;
}

/// `rounds` pairs of rounds of `bare` and `full`, in ABBA order, and their ratios.
async fn paired<A, AF, B, BF>(
    workers: usize,
    validation: ValidationMode,
    sample: Option<f64>,
    bare: A,
    full: B,
) where
    A: Fn() -> AF + Clone + Send + 'static,
    AF: std::future::Future<Output = bool> + Send,
    B: Fn() -> BF + Clone + Send + 'static,
    BF: std::future::Future<Output = bool> + Send,
{
    // Warm up both (connection pools, validator build), then alternate rounds.
    throughput(workers, 1, bare.clone()).await;
    throughput(workers, 1, full.clone()).await;
    // CPU seconds of the whole process (client, server, runtime threads) per call: on a
    // machine other work is loading, throughput swings from round to round while the
    // CPU a call costs stays put, so this ratio is reported beside the throughput one.
    // `TETHER_BENCH_ROUNDS` pairs of rounds (default 6) of `TETHER_BENCH_SECS` each
    // (default 2), in ABBA order (bare first in even pairs, Tether first in odd ones) so
    // a host that speeds up or slows down during the run favours neither side; the
    // median of the per-pair ratios is printed beside the ratio of the totals (the host
    // this was measured on changes speed within seconds, BENCHMARKS.md).
    let rounds: usize = std::env::var("TETHER_BENCH_ROUNDS").map_or(6, |s| s.parse().unwrap());
    let secs = secs(SECS_OVERHEAD);
    let (mut b, mut t, mut b_cpu, mut t_cpu) = (0.0, 0.0, 0.0, 0.0);
    let mut pair_ratios = Vec::new();
    for round in 0..rounds {
        let (mut rb, mut rt) = (0.0, 0.0);
        for side in [round % 2, 1 - round % 2] {
            let c0 = process_cpu_seconds();
            if side == 0 {
                rb = throughput(workers, secs, bare.clone()).await;
                b_cpu += (process_cpu_seconds() - c0) / (rb * secs as f64);
            } else {
                rt = throughput(workers, secs, full.clone()).await;
                t_cpu += (process_cpu_seconds() - c0) / (rt * secs as f64);
            }
        }
        b += rb;
        t += rt;
        pair_ratios.push(rt / rb);
    }
    pair_ratios.sort_by(f64::total_cmp);
    let n = rounds as f64;
    println!(
        "cpu per call, {workers} worker(s), validation {validation:?}: bare {:.1} us, tether {:.1} us, ratio {:.3}",
        b_cpu / n * 1e6,
        t_cpu / n * 1e6,
        b_cpu / t_cpu
    );
    println!(
        "overhead, {workers} worker(s), validation {validation:?} {}: bare reqwest+serde ({}) {:.0} req/s, tether full stack {:.0} req/s, ratio {:.3}, median of {rounds} paired rounds {:.3} (goal >= 0.90)",
        match (validation, sample) {
            (ValidationMode::Report, None) => "(sampled, policy 10/s per operation)".to_owned(),
            (ValidationMode::Report, Some(s)) => format!("({s}/s: every response)"),
            _ => String::new(),
        },
        if std::env::var_os("TETHER_BENCH_BARE_FROM_STR").is_some() {
            "decoding as tether does"
        } else {
            "from_slice"
        },
        b / n,
        t / n,
        t / b,
        (pair_ratios[(rounds - 1) / 2] + pair_ratios[rounds / 2]) / 2.0,
    );
}

async fn quota() {
    // Tether: limiter at the server's rate, burst below the server's bucket.
    let (url, app) = serve(true).await;
    let client = Arc::new(
        github_repos_v1::Client::builder()
            .base_url(&url)
            .validation(ValidationMode::Off)
            .rate_limit_store(Arc::new(LocalLimits::new(
                vec![LimitSpec {
                    name: "server".into(),
                    requests: 100,
                    period: Duration::from_secs(1),
                    burst: 5,
                    per_endpoint: false,
                    methods: vec![],
                }],
                Arc::new(SystemClock),
            )))
            .build()
            .unwrap(),
    );
    let tether = move || {
        let c = Arc::clone(&client);
        async move { c.repos_get().owner("o").repo("r").call().await.is_ok() }
    };
    let start = Instant::now();
    let ok_rate = throughput(8, SECS_QUOTA, tether).await;
    let elapsed = start.elapsed().as_secs_f64();
    report("tether limiter", &app, elapsed, ok_rate);

    // Naive: no limiter, a 429 is retried after a fixed 100 ms.
    let (url, app) = serve(true).await;
    let http = reqwest::Client::new();
    let naive = move || {
        let http = http.clone();
        let url = format!("{url}/repos/o/r");
        async move {
            loop {
                let r = http.get(&url).send().await.unwrap();
                if r.status() == 429 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                return r.bytes().await.is_ok();
            }
        }
    };
    let start = Instant::now();
    let ok_rate = throughput(8, SECS_QUOTA, naive).await;
    report(
        "naive fixed retry",
        &app,
        start.elapsed().as_secs_f64(),
        ok_rate,
    );
}

/// The concurrency cap's slot under contention (`TETHER_BENCH=cap`): two threads take and
/// give back a slot as fast as they can, Tether's `ConcurrencyCap` vs the
/// `tokio::sync::Semaphore` it replaced (which locks its waiter list on every release).
fn cap_contention() {
    const N: usize = 2_000_000;
    /// Nanoseconds per take-and-give-back, each thread timing its own loop from a
    /// common start (the mean of the two).
    fn run<T: Send + Sync + 'static>(shared: Arc<T>, take: fn(&T)) -> f64 {
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (shared, barrier) = (Arc::clone(&shared), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    (0..N).for_each(|_| take(&shared));
                    start.elapsed().as_nanos() as f64 / N as f64
                })
            })
            .collect();
        let per: Vec<f64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        per.iter().sum::<f64>() / per.len() as f64
    }
    for round in 1..=3 {
        let cap = run(
            Arc::new(tether_runtime::concurrency::ConcurrencyCap::new(100)),
            |c| drop(std::hint::black_box(c.try_acquire())),
        );
        let semaphore = run(Arc::new(tokio::sync::Semaphore::new(100)), |s| {
            drop(std::hint::black_box(s.try_acquire()))
        });
        println!(
            "cap, round {round}: ConcurrencyCap {cap:.0} ns, tokio Semaphore {semaphore:.0} ns per slot taken and given back, 2 threads"
        );
    }
}

fn report(name: &str, app: &App, elapsed: f64, ok_rate: f64) {
    let served = app.served.load(Ordering::Relaxed) as f64;
    let throttled = app.throttled.load(Ordering::Relaxed) as f64;
    println!(
        "quota, {name}: {:.1} successful req/s over {elapsed:.1} s (goal >= 97.0), {:.2}% of requests answered 429 (goal <= 0.5%), {} sent",
        served / elapsed,
        100.0 * throttled / (served + throttled).max(1.0),
        served + throttled
    );
    let _ = ok_rate;
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // Tracing at INFO, written to a sink, as the issue's overhead setup asks.
    if std::env::var_os("TETHER_BENCH_NO_TRACING").is_none() {
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .init();
    }
    // `TETHER_BENCH_RUNTIME=current_thread`: client and server on one thread, so
    // throughput is exactly one over the CPU a call costs (no cross-thread wake-ups or
    // idle spinning): the steadiest way to compare the two sides' CPU.
    let rt = match std::env::var("TETHER_BENCH_RUNTIME").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .unwrap();
    rt.block_on(async {
        let only = std::env::var("TETHER_BENCH").unwrap_or_default();
        if only.is_empty() || only == "overhead" {
            // `TETHER_BENCH_WORKERS=1` and `TETHER_BENCH_VALIDATION=sampled|every|off` pick
            // one configuration (for `perf stat` / `valgrind` runs of one side).
            let pick = |var: &str, value: &str| {
                std::env::var(var).map_or(true, |v| v.split(',').any(|p| p == value))
            };
            for workers in [1, 8] {
                if !pick("TETHER_BENCH_WORKERS", &workers.to_string()) {
                    continue;
                }
                if pick("TETHER_BENCH_VALIDATION", "sampled") {
                    overhead(workers, ValidationMode::Report, None).await;
                }
                if pick("TETHER_BENCH_VALIDATION", "every") {
                    overhead(workers, ValidationMode::Report, Some(f64::INFINITY)).await;
                }
                if pick("TETHER_BENCH_VALIDATION", "off") {
                    overhead(workers, ValidationMode::Off, None).await;
                }
            }
        }
        if only.is_empty() || only == "quota" {
            quota().await;
        }
        if only.is_empty() || only == "cap" {
            cap_contention();
        }
    });
}
