//! Signature verification throughput against raw HMAC-SHA256 over the same bytes.
//!
//! `cargo bench -p tether-webhooks --bench verify`
//!
//! Baselines: `hmac_raw` keys a fresh HMAC per message (what a hand-written check does);
//! `hmac_prekeyed` clones a keyed state (the least work any HMAC check can do). The goal
//! in BENCHMARKS.md is verify ≥ 0.90 × the raw HMAC throughput.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tether_webhooks::{sign, Scheme, Secret, Verifier};

type HmacSha256 = Hmac<Sha256>;

const KEY: &[u8] = b"bench-secret-0123456789";
const NOW: i64 = 1_700_000_000;

fn header_map(pairs: Vec<(&'static str, String)>) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (n, v) in pairs {
        map.append(n, http::HeaderValue::from_str(&v).unwrap_or(http::HeaderValue::from_static("")));
    }
    // What a real request carries besides the signature.
    map.append("content-type", http::HeaderValue::from_static("application/json"));
    map.append("user-agent", http::HeaderValue::from_static("GitHub-Hookshot/044aadd"));
    map
}

fn bench(c: &mut Criterion) {
    for size in [1024usize, 64 * 1024] {
        let body: Vec<u8> = (0..size).map(|i| b"{\"abcdefghijklmnop\":12345}"[i % 25]).collect();
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
        for scheme in [Scheme::GitHub, Scheme::Stripe, Scheme::Slack, Scheme::Standard] {
            let secret = match scheme {
                Scheme::Standard => Secret::standard("whsec_YmVuY2gtc2VjcmV0LTAxMjM0NTY3ODk="),
                _ => Secret::literal(KEY),
            }
            .unwrap_or_else(|_| unreachable!());
            let verifier = Verifier::builder(scheme)
                .secret(secret.clone())
                .build()
                .unwrap_or_else(|_| unreachable!());
            let headers = header_map(sign(scheme, &secret, &body, NOW, Some("msg_bench")));
            assert!(verifier.verify(&headers, &body, NOW).is_ok());
            group.bench_with_input(BenchmarkId::new("verify", scheme.name()), &body, |b, body| {
                b.iter(|| black_box(verifier.verify(black_box(&headers), black_box(body), NOW)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
