//! Per-acquire latency and maximum acquires/s of the Redis GCRA limiter on loopback.
//!
//! `TETHER_REDIS_URL=redis://127.0.0.1:6379 cargo bench -p tether-redis --bench acquire`
//!
//! Latency: 5,000 sequential acquires from one task (p50/p99/max). Throughput: 32 tasks
//! sharing one connection acquire against a limit that never binds for 3 s.

use std::time::{Duration, Instant};

use tether_redis::{GcraLimit, Redis, RedisConfig};

fn main() {
    let Ok(url) = std::env::var("TETHER_REDIS_URL") else {
        eprintln!("set TETHER_REDIS_URL=redis://127.0.0.1:PORT to run this benchmark");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime.block_on(async move {
        let prefix = format!("tether-bench:{}", std::process::id());
        let redis =
            Redis::open(RedisConfig::new(url).prefix(prefix)).unwrap_or_else(|e| panic!("{e}"));
        let limit = vec![GcraLimit {
            key: redis.key(&["rl", "bench"]),
            emission_interval: Duration::from_nanos(1),
            burst: 1_000_000,
        }];
        for _ in 0..500 {
            let _ = redis.gcra(&limit).await;
        }
        let mut samples = Vec::with_capacity(5000);
        for _ in 0..5000 {
            let t = Instant::now();
            redis.gcra(&limit).await.unwrap_or_else(|e| panic!("{e}"));
            samples.push(t.elapsed());
        }
        samples.sort();
        println!(
            "redis gcra acquire, sequential: p50 {:?}, p99 {:?}, max {:?} ({} samples)",
            samples[samples.len() / 2],
            samples[samples.len() * 99 / 100],
            samples[samples.len() - 1],
            samples.len()
        );
        let deadline = Instant::now() + Duration::from_secs(3);
        let started = Instant::now();
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (redis, limit) = (redis.clone(), limit.clone());
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        if redis.gcra(&limit).await.is_ok() {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap_or(0);
        }
        println!(
            "redis gcra acquire, 32 tasks on one connection: {:.0} acquires/s",
            total as f64 / started.elapsed().as_secs_f64()
        );
    });
}
