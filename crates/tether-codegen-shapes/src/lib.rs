//! A client generated from `contract/shapes/edge.v1.yaml`: one operation per shape that
//! real descriptions use and a client must compile and call correctly (a list wrapped in
//! an object, a list parameter on a response that is no page, optional and required
//! header parameters, a 204). Building this crate is the first test; `tests/shapes.rs`
//! calls each operation on loopback.
#![allow(
    clippy::all,
    clippy::unwrap_used,
    missing_docs,
    unused_imports,
    dead_code
)]

include!(concat!(env!("OUT_DIR"), "/client.rs"));
