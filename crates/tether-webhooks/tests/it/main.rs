//! Integration tests of tether-webhooks: published vectors, properties, stores, the
//! receiver over loopback HTTP, the crash test and the payload fixtures.

#![allow(clippy::unwrap_used)] // tests may panic

mod crash;
mod fixtures;
mod ops;
mod props;
mod receiver;
mod shared;
mod stores;
mod vectors;

use http::{HeaderMap, HeaderName, HeaderValue};

/// A header map from `(name, value)` pairs.
pub fn headers<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (n, v) in pairs {
        map.append(
            HeaderName::from_bytes(n.as_ref().as_bytes()).unwrap(),
            HeaderValue::from_str(v.as_ref()).unwrap(),
        );
    }
    map
}
