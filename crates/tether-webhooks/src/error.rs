//! Why a delivery was refused.

/// Why a webhook delivery was refused: one variant per cause, each with what a person
/// needs to fix it (never a secret, never the expected signature).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// A header the scheme requires is absent.
    #[error("missing header `{name}`")]
    MissingHeader {
        /// The header, as the provider spells it.
        name: &'static str,
    },
    /// A header is present but cannot be read.
    #[error("malformed header `{name}`: {reason}")]
    MalformedHeader {
        /// The header.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No signature in the header matches the body under any active secret.
    #[error(
        "no signature in `{header}` matches the body under any of the {secrets} active secret(s)"
    )]
    NoMatchingSignature {
        /// The signature header.
        header: &'static str,
        /// How many secrets were tried.
        secrets: usize,
    },
    /// The signed timestamp is too old or too far in the future.
    #[error("timestamp {timestamp} is {} s away from now ({now}); the tolerance is {tolerance_secs} s", timestamp.abs_diff(*now))]
    TimestampOutsideTolerance {
        /// The signed timestamp (Unix seconds).
        timestamp: i64,
        /// The receiver's clock (Unix seconds).
        now: i64,
        /// The tolerance in seconds, in either direction.
        tolerance_secs: u64,
    },
    /// This delivery id was already received within the replay window.
    #[error("delivery `{id}` was already received (replay)")]
    Replayed {
        /// The provider's delivery id.
        id: String,
    },
    /// The body is larger than the configured limit.
    #[error("body of {size} bytes exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// Bytes received (or announced by `Content-Length`).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The content type is not one this endpoint accepts.
    #[error("unsupported content type `{content_type}` (accepted: {accepted})")]
    UnsupportedContentType {
        /// What came (empty when absent).
        content_type: String,
        /// What the endpoint accepts, comma-separated.
        accepted: String,
    },
}

impl Rejection {
    /// The HTTP status a receiver answers with: authentication failures are 401,
    /// unreadable input 400, size 413, media type 415, replays 409. Never a 5xx: bad
    /// input is the sender's fault.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::MissingHeader { .. } | Rejection::MalformedHeader { .. } => 400,
            Rejection::NoMatchingSignature { .. } | Rejection::TimestampOutsideTolerance { .. } => {
                401
            }
            Rejection::Replayed { .. } => 409,
            Rejection::BodyTooLarge { .. } => 413,
            Rejection::UnsupportedContentType { .. } => 415,
        }
    }

    /// A stable machine-readable name.
    pub fn kind(&self) -> &'static str {
        match self {
            Rejection::MissingHeader { .. } => "missing-header",
            Rejection::MalformedHeader { .. } => "malformed-header",
            Rejection::NoMatchingSignature { .. } => "no-matching-signature",
            Rejection::TimestampOutsideTolerance { .. } => "timestamp-outside-tolerance",
            Rejection::Replayed { .. } => "replayed",
            Rejection::BodyTooLarge { .. } => "body-too-large",
            Rejection::UnsupportedContentType { .. } => "unsupported-content-type",
        }
    }
}
