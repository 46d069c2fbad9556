//! Signature verification throughput against raw HMAC-SHA256 over the same bytes.
//!
//! `cargo bench -p tether-webhooks --bench verify`
//!
//! Baselines: `hmac_raw` keys a fresh HMAC per message (what a hand-written check does);
//! `hmac_prekeyed` clones a keyed state (the least work any HMAC check can do). The goal
//! (a ratio of verify to raw HMAC throughput) is in BENCHMARKS.md § Webhooks.

use std::hint::black_box;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tether_webhooks::{sign, Scheme, SigningKey, Verifier};

type HmacSha256 = Hmac<Sha256>;

const KEY: &[u8] = b"bench-secret-0123456789";
const NOW: i64 = 1_700_000_000;

fn header_map(pairs: Vec<(&'static str, String)>) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (n, v) in pairs {
        map.append(
            n,
            http::HeaderValue::from_str(&v).unwrap_or(http::HeaderValue::from_static("")),
        );
    }
    // What a real request carries besides the signature.
    map.append(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    map.append(
        "user-agent",
        http::HeaderValue::from_static("GitHub-Hookshot/044aadd"),
    );
    map
}

fn bench(c: &mut Criterion) {
    for size in [1024usize, 64 * 1024] {
        let body: Vec<u8> = (0..size)
            .map(|i| b"{\"abcdefghijklmnop\":12345}"[i % 25])
            .collect();
        let label = if size == 1024 { "1KiB" } else { "64KiB" };
        let mut group = c.benchmark_group(format!("verify/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("hmac_raw", |b| {
            b.iter(|| {
                let mut m = HmacSha256::new_from_slice(KEY).unwrap_or_else(|_| unreachable!());
                m.update(black_box(&body));
                black_box(m.finalize().into_bytes())
            })
        });
        let prekeyed = HmacSha256::new_from_slice(KEY).unwrap_or_else(|_| unreachable!());
        group.bench_function("hmac_prekeyed", |b| {
            b.iter(|| {
                let mut m = prekeyed.clone();
                m.update(black_box(&body));
                black_box(m.finalize().into_bytes())
            })
        });
        for scheme in [
            Scheme::GitHub,
            Scheme::Stripe,
            Scheme::Slack,
            Scheme::Standard,
        ] {
            let secret = match scheme {
                Scheme::Standard => SigningKey::standard("whsec_YmVuY2gtc2VjcmV0LTAxMjM0NTY3ODk="),
                _ => SigningKey::literal(KEY),
            }
            .unwrap_or_else(|_| unreachable!());
            let verifier = Verifier::builder(scheme)
                .secret(secret.clone())
                .build()
                .unwrap_or_else(|_| unreachable!());
            let headers = header_map(sign(scheme, &secret, &body, NOW, Some("msg_bench")));
            assert!(verifier.verify(&headers, &body, NOW).is_ok());
            group.bench_with_input(
                BenchmarkId::new("verify", scheme.name()),
                &body,
                |b, body| {
                    b.iter(|| black_box(verifier.verify(black_box(&headers), black_box(body), NOW)))
                },
            );
        }
        group.finish();
    }
}

/// Throughput ratio verify / raw HMAC measured interleaved (rounds alternate, the median
/// round ratio is printed), so load from other processes hits both sides alike.
fn interleaved_ratios(_: &mut Criterion) {
    for size in [1024usize, 64 * 1024] {
        let body: Vec<u8> = (0..size)
            .map(|i| b"{\"abcdefghijklmnop\":12345}"[i % 25])
            .collect();
        let iters = if size == 1024 { 20_000 } else { 400 };
        let raw = || {
            let t = std::time::Instant::now();
            for _ in 0..iters {
                let mut m = HmacSha256::new_from_slice(KEY).unwrap_or_else(|_| unreachable!());
                m.update(black_box(&body));
                black_box(m.finalize().into_bytes());
            }
            t.elapsed().as_secs_f64()
        };
        for scheme in [
            Scheme::GitHub,
            Scheme::Stripe,
            Scheme::Slack,
            Scheme::Standard,
        ] {
            let secret = match scheme {
                Scheme::Standard => SigningKey::standard("whsec_YmVuY2gtc2VjcmV0LTAxMjM0NTY3ODk="),
                _ => SigningKey::literal(KEY),
            }
            .unwrap_or_else(|_| unreachable!());
            let verifier = Verifier::builder(scheme)
                .secret(secret.clone())
                .build()
                .unwrap_or_else(|_| unreachable!());
            let headers = header_map(sign(scheme, &secret, &body, NOW, Some("msg_bench")));
            let verify = || {
                let t = std::time::Instant::now();
                for _ in 0..iters {
                    black_box(verifier.verify(black_box(&headers), black_box(&body), NOW)).ok();
                }
                t.elapsed().as_secs_f64()
            };
            let mut ratios: Vec<f64> = (0..31).map(|_| raw() / verify()).collect();
            ratios.sort_by(f64::total_cmp);
            println!(
                "interleaved {} B {}: verify throughput = {:.3} x raw HMAC-SHA256 (median of 31 rounds; min {:.3}, max {:.3})",
                size,
                scheme.name(),
                ratios[15],
                ratios[0],
                ratios[30]
            );
        }
    }
}

criterion_group!(ratios, interleaved_ratios);
criterion_group!(benches, bench);
/// `WEBHOOK_VERIFY_LOOP=<raw|prekeyed|github|stripe|slack|standard>:<bytes>:<iterations>` runs only
/// that loop and exits: for instruction counts under
/// `valgrind --tool=cachegrind`, which other processes' load cannot disturb.
fn instruction_loop(spec: &str) {
    let mut it = spec.split(':');
    let (what, size, iters) = (
        it.next().unwrap_or("raw"),
        it.next()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(1024),
        it.next()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(1000),
    );
    let body: Vec<u8> = (0..size)
        .map(|i| b"{\"abcdefghijklmnop\":12345}"[i % 25])
        .collect();
    if what == "raw" {
        for _ in 0..iters {
            let mut m = HmacSha256::new_from_slice(KEY).unwrap_or_else(|_| unreachable!());
            m.update(black_box(&body));
            black_box(m.finalize().into_bytes());
        }
        return;
    }
    if what == "prekeyed" {
        let key = HmacSha256::new_from_slice(KEY).unwrap_or_else(|_| unreachable!());
        for _ in 0..iters {
            let mut m = key.clone();
            m.update(black_box(&body));
            black_box(m.finalize().into_bytes());
        }
        return;
    }
    let scheme: Scheme = what.parse().unwrap_or(Scheme::GitHub);
    let secret = match scheme {
        Scheme::Standard => SigningKey::standard("whsec_YmVuY2gtc2VjcmV0LTAxMjM0NTY3ODk="),
        _ => SigningKey::literal(KEY),
    }
    .unwrap_or_else(|_| unreachable!());
    let verifier = Verifier::builder(scheme)
        .secret(secret.clone())
        .build()
        .unwrap_or_else(|_| unreachable!());
    let headers = header_map(sign(scheme, &secret, &body, NOW, Some("msg_bench")));
    for _ in 0..iters {
        black_box(verifier.verify(black_box(&headers), black_box(&body), NOW)).ok();
    }
}

fn main() {
    if let Ok(spec) = std::env::var("WEBHOOK_VERIFY_LOOP") {
        instruction_loop(&spec);
        return;
    }
    ratios();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
