//! A credential that never prints itself.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// A secret string (token, key, password). `Debug` and `Display` print `***`; the value
/// is only reachable through [`Secret::expose`], which is called where a header is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// The value itself. Only for building the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A stable, non-reversible name for this secret (first 8 bytes of its SHA-256, hex):
    /// what rate-limit keys and logs may carry instead of the secret.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        hex::encode(&digest[..8])
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("ghp_canary_1234567890");
        let shown = format!("{s} {s:?} {s:#?} {:?}", Some(&s));
        assert!(!shown.contains("canary"), "{shown}");
        assert_eq!(s.expose(), "ghp_canary_1234567890");
        assert_eq!(s.fingerprint().len(), 16);
        assert_ne!(s.fingerprint(), Secret::new("other").fingerprint());
    }
}
