//! Signing secrets, held so that they never reach a log line.

use std::fmt;

use base64::Engine as _;

use crate::Scheme;

/// A webhook signing secret: the HMAC key bytes.
///
/// `Debug` and `Display` print `Secret(***)`, never the key; there is no way to get the
/// bytes back out of this crate's public API.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

/// Why a secret string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty (an HMAC with an empty key authenticates nothing).
    #[error("the secret is empty")]
    Empty,
    /// A Standard Webhooks secret is `whsec_` followed by standard base64.
    #[error("a Standard Webhooks secret must be `whsec_<base64>`: {reason}")]
    NotStandardBase64 {
        /// What is wrong (never the secret itself).
        reason: String,
    },
}

impl Secret {
    /// The UTF-8 bytes of the string, as they are: GitHub, Slack, and Stripe (whose
    /// `whsec_…` secrets are used whole, prefix included: stripe-go `ComputeSignature`).
    pub fn literal(secret: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        let key = secret.as_ref().to_vec();
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self { key })
    }

    /// A Standard Webhooks secret: `whsec_` (optional) then base64, decoded to the key
    /// bytes (standard-webhooks `libraries/rust` `Webhook::new`).
    pub fn standard(secret: &str) -> Result<Self, SecretError> {
        let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
        let key = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| SecretError::NotStandardBase64 {
                reason: e.to_string(),
            })?;
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self { key })
    }

    /// The secret as `scheme` reads its configured string.
    pub fn for_scheme(scheme: Scheme, secret: &str) -> Result<Self, SecretError> {
        match scheme {
            Scheme::Standard => Self::standard(secret),
            Scheme::GitHub | Scheme::Stripe | Scheme::Slack => Self::literal(secret),
        }
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.key
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
