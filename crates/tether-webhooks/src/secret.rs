//! Webhook signing keys, made from the configured secret strings and held so that they
//! never reach a log line. (Outbound credentials are `tether_runtime::Secret`; this is the
//! HMAC key, which for Standard Webhooks is the secret string base64-decoded.)

use std::fmt;

use base64::Engine as _;

use crate::Scheme;

/// A webhook signing key: the HMAC key bytes.
///
/// `Debug` and `Display` print `SigningKey(***)`, never the key; there is no way to get the
/// bytes back out of this crate's public API.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
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

impl SigningKey {
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
        // The decoder's own message names the offending character and its offset: a
        // piece of the secret. The reason says only what kind of fault it is.
        let key = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| SecretError::NotStandardBase64 {
                reason: match e {
                    base64::DecodeError::InvalidByte(..) => {
                        "it has a character outside the standard base64 alphabet"
                    }
                    base64::DecodeError::InvalidLength(_) => "its length is not a base64 length",
                    base64::DecodeError::InvalidLastSymbol(..) => {
                        "its last character does not end a base64 value"
                    }
                    base64::DecodeError::InvalidPadding => "its `=` padding is wrong",
                }
                .to_owned(),
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

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl fmt::Display for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused secret's message never carries any of it (base64's own error names the
    /// bad character and its offset).
    #[test]
    fn a_malformed_standard_secret_is_refused_without_showing_any_of_it() {
        for (secret, kind) in [
            (
                "whsec_c2VjcmV0*c2VjcmV0",
                "outside the standard base64 alphabet",
            ),
            ("whsec_c2VjcmV0c", "not a base64 length"),
            ("whsec_c2VjcmV0c2VjcmV0c3=", "padding"),
            ("whsec_c2VjcmV0c2VjcmV0cx==", "last character"),
        ] {
            let text = SigningKey::standard(secret).unwrap_err().to_string();
            assert!(text.contains(kind), "{secret}: {text}");
            for piece in ["*", "c2Vj", "42", "offset", "symbol"] {
                assert!(!text.contains(piece), "{secret}: `{piece}` in {text}");
            }
        }
    }
}
