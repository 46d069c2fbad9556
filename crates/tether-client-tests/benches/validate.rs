//! Response validation against the contract vs plain deserialization, on fixture payloads.
//!
//! For each payload (serialized to compact JSON bytes once, at setup):
//!
//! - `typed`: `serde_json::from_slice` into the generated success type, through the
//!   generated crate's `deserialize_response(operation, 200, bytes)`;
//! - `value`: `serde_json::from_slice::<serde_json::Value>`;
//! - `validate`: `ContractValidator::validate_response(operation, 200, headers, bytes)`,
//!   with the validator built once outside the measured loop.
//!
//! Also the time to build a `ContractValidator` from an already loaded contract.
//!
//! `cargo bench -p tether-client-tests --bench validate`; results in BENCHMARKS.md.

// Benchmark setup reads the repository's own fixtures and contracts: a missing or broken
// one should abort the run loudly, so setup unwraps.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use tether_contract::validate::{ContractValidator, ValidatorOptions};
use tether_contract::Contract;
use tether_runtime::typed::Typed;

type Deserialize = fn(&str, u16, &[u8]) -> Result<Option<Typed>, serde_json::Error>;

/// Items in the synthetic issues page (GitHub's default `per_page`).
const ISSUES_PAGE_LEN: usize = 30;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_json(relative: &str) -> Value {
    let path = root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The `body` of a fixture envelope.
fn fixture_body(relative: &str) -> Value {
    read_json(relative)["body"].clone()
}

/// A 30-item `issues/list-for-repo` page: the items of every `issues.list-for-repo.*`
/// fixture, repeated in file order, each copy with its own `id` and `number`.
fn issues_page() -> Value {
    let dir = root().join("fixtures/github.repos.v1/good");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("issues.list-for-repo.") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    let mut items = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(root()).unwrap().to_str().unwrap();
        match fixture_body(relative) {
            Value::Array(page) => items.extend(page),
            other => panic!("{relative}: body is not an array: {other}"),
        }
    }
    assert!(!items.is_empty(), "no issues.list-for-repo items to repeat");
    let page: Vec<Value> = items
        .iter()
        .cycle()
        .take(ISSUES_PAGE_LEN)
        .enumerate()
        .map(|(i, item)| {
            let mut item = item.clone();
            let n = u64::try_from(i).unwrap();
            item["id"] = Value::from(3_000_000_000 + n);
            item["number"] = Value::from(5_000 + n);
            item
        })
        .collect();
    Value::Array(page)
}

struct Payload<'a> {
    /// Benchmark group name.
    name: &'static str,
    validator: &'a ContractValidator,
    operation: &'static str,
    headers: Vec<(String, String)>,
    bytes: Vec<u8>,
    deserialize: Deserialize,
}

impl<'a> Payload<'a> {
    fn new(
        name: &'static str,
        validator: &'a ContractValidator,
        operation: &'static str,
        content_type: &str,
        body: &Value,
        deserialize: Deserialize,
    ) -> Self {
        let payload = Self {
            name,
            validator,
            operation,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            bytes: serde_json::to_vec(body).unwrap(),
            deserialize,
        };
        // Only valid payloads are measured: the three paths must all succeed.
        if let Err(errors) = payload.validate() {
            panic!("{name}: the payload does not validate: {errors:#?}");
        }
        assert_eq!(
            (payload.deserialize)(operation, 200, &payload.bytes).unwrap(),
            Some(Typed::Success),
            "{name}: not deserialized into the generated success type"
        );
        serde_json::from_slice::<Value>(&payload.bytes).unwrap();
        payload
    }

    fn validate(&self) -> Result<(), Vec<tether_contract::validate::ValidationError>> {
        self.validator
            .validate_response(self.operation, 200, &self.headers, &self.bytes)
    }
}

fn load_contract(relative: &str) -> Contract {
    Contract::load(root().join(relative)).unwrap()
}

fn build_validator(contract: &Contract) -> ContractValidator {
    ContractValidator::new(&contract.doc, &ValidatorOptions::default()).unwrap()
}

const GITHUB: &str = "contracts/github/repos.v1.yaml";
const STRIPE: &str = "contracts/stripe/customers.v1.yaml";

fn payloads(c: &mut Criterion) {
    let github = &build_validator(&load_contract(GITHUB));
    let stripe = &build_validator(&load_contract(STRIPE));
    let github_json = "application/json; charset=utf-8";

    let payloads = [
        Payload::new(
            "github repos/get (hello-world)",
            github,
            "repos/get",
            github_json,
            &fixture_body("fixtures/github.repos.v1/good/repos.get.hello-world.json"),
            github_repos_v1::deserialize_response,
        ),
        Payload::new(
            "github issues/list-for-repo (30 items)",
            github,
            "issues/list-for-repo",
            github_json,
            &issues_page(),
            github_repos_v1::deserialize_response,
        ),
        Payload::new(
            "stripe GetCustomers (two-customers)",
            stripe,
            "GetCustomers",
            "application/json",
            &fixture_body("fixtures/stripe.customers.v1/good/GetCustomers.two-customers.json"),
            stripe_customers_v1::deserialize_response,
        ),
    ];

    for payload in &payloads {
        let mut group = c.benchmark_group(payload.name);
        group
            .sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .throughput(Throughput::Bytes(
                u64::try_from(payload.bytes.len()).unwrap(),
            ));
        group.bench_function("a typed", |b| {
            b.iter(|| {
                (payload.deserialize)(payload.operation, 200, black_box(&payload.bytes)).unwrap()
            });
        });
        group.bench_function("b value", |b| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(&payload.bytes)).unwrap());
        });
        group.bench_function("c validate", |b| {
            b.iter(|| {
                payload
                    .validator
                    .validate_response(
                        payload.operation,
                        200,
                        &payload.headers,
                        black_box(&payload.bytes),
                    )
                    .unwrap();
            });
        });
        group.finish();
    }
}

fn construction(c: &mut Criterion) {
    let mut group = c.benchmark_group("validator build");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, path) in [("github repos.v1", GITHUB), ("stripe customers.v1", STRIPE)] {
        let contract = load_contract(path);
        group.bench_function(format!("{name} ContractValidator::new"), |b| {
            b.iter(|| build_validator(black_box(&contract)));
        });
        group.bench_function(format!("{name} Contract::load + new"), |b| {
            b.iter(|| build_validator(&load_contract(black_box(path))));
        });
    }
    group.finish();
}

criterion_group!(benches, payloads, construction);
criterion_main!(benches);
