//! Generated clients against wiremock on 127.0.0.1: what the server receives (policy
//! headers, wire format) and what the caller gets back (typed values, typed errors).

#![allow(clippy::unwrap_used, clippy::new_without_default)] // test helpers may panic

mod generated;
mod github;
mod logs;
mod metrics;
mod runtime;
mod scaleout;
mod stripe;
mod tolerant;

fn data(name: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}
