//! Reading a response body into the generated type: `serde_json::from_slice` (what
//! reqwest's `json()` and progenitor's `from_response` do) vs `tether_runtime::json::from_body`
//! (one UTF-8 check for the whole body, then `serde_json::from_str`), what a generated
//! `call()` does. Payload: GitHub `repos/get` into `FullRepository`.
//!
//! `cargo bench -p tether-client-tests --bench decode`; results in BENCHMARKS.md § Runtime.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use github_repos_v1::types::FullRepository;

fn decode(c: &mut Criterion) {
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/github-repos-get.json"
    ))
    .unwrap();
    // Both readings must agree before either is timed.
    let a: FullRepository = serde_json::from_slice(&body).unwrap();
    let b: FullRepository = tether_runtime::json::from_body(&body).unwrap();
    assert_eq!(a, b);
    let mut group = c.benchmark_group("decode repos/get");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("serde_json::from_slice", |bench| {
        bench.iter(|| serde_json::from_slice::<FullRepository>(black_box(&body)).unwrap())
    });
    group.bench_function("json::from_body", |bench| {
        bench.iter(|| tether_runtime::json::from_body::<FullRepository>(black_box(&body)).unwrap())
    });
    group.bench_function("whole-body UTF-8 check alone", |bench| {
        bench.iter(|| std::str::from_utf8(black_box(&body)).is_ok())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = decode
}
criterion_main!(benches);
