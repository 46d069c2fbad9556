//! Signature schemes: verification and (for tests, the CLI and benchmarks) signing.
//!
//! Every scheme is HMAC-SHA256 over the **raw body bytes** plus, for all but GitHub, a
//! signed timestamp (and, for Standard Webhooks, the message id). Signatures are compared
//! in constant time ([`subtle::ConstantTimeEq`]) after decoding; every candidate
//! signature in the header is tried against every active secret (rotation on both
//! sides). Header formats and sources: `ARCHITECTURE.md` § Webhooks.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{Rejection, SigningKey};

type HmacSha256 = Hmac<Sha256>;

/// Default freshness window: 300 s either way (Stripe SDK `DEFAULT_TOLERANCE`, Slack's
/// `60 * 5`, Standard Webhooks' reference libraries).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A provider's signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `X-Hub-Signature-256: sha256=<hex>` over the body; no timestamp.
    GitHub,
    /// `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `"{t}.{body}"`.
    Stripe,
    /// `X-Slack-Signature: v0=<hex>` over `"v0:{ts}:{body}"`, ts in `X-Slack-Request-Timestamp`.
    Slack,
    /// `webhook-signature: v1,<base64> …` over `"{id}.{ts}.{body}"` (Standard Webhooks 1.0, Svix).
    Standard,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 4] = [
        Scheme::GitHub,
        Scheme::Stripe,
        Scheme::Slack,
        Scheme::Standard,
    ];

    /// The name used in configuration and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::GitHub => "github",
            Scheme::Stripe => "stripe",
            Scheme::Slack => "slack",
            Scheme::Standard => "standard",
        }
    }

    /// The header carrying the signature(s).
    pub fn signature_header(self) -> &'static str {
        match self {
            Scheme::GitHub => "X-Hub-Signature-256",
            Scheme::Stripe => "Stripe-Signature",
            Scheme::Slack => "X-Slack-Signature",
            Scheme::Standard => "webhook-signature",
        }
    }

    /// Where the receiver finds a delivery's key (the id its inbox and replay store
    /// deduplicate on): the provider's delivery id header or the event id in the body.
    pub fn delivery_key(self) -> DeliveryKey {
        match self {
            Scheme::GitHub => DeliveryKey::Header {
                name: GITHUB_DELIVERY,
                required: true,
            },
            Scheme::Stripe => DeliveryKey::BodyField {
                name: "id",
                of: Some("the event"),
            },
            Scheme::Slack => DeliveryKey::BodyField {
                name: "event_id",
                of: None,
            },
            Scheme::Standard => DeliveryKey::Header {
                name: STANDARD_ID,
                required: false,
            },
        }
    }
}

/// Where a scheme's delivery key comes from ([`Scheme::delivery_key`]); the receiver
/// picks the key by this rule, and its [`Display`](fmt::Display) is how the Integration
/// Brief describes it.
///
/// When the rule finds nothing (absent or empty) and does not require its source, the key
/// is `sig:<SHA-256 hex of the signature header>`: unique per signed timestamp and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryKey {
    /// A header, as the [`Verifier`] reads it into [`Verified::delivery_id`].
    Header {
        /// The header, as the provider spells it.
        name: &'static str,
        /// A delivery without it is refused ([`Rejection::MissingHeader`]) instead of
        /// keyed by its signature.
        required: bool,
    },
    /// A top-level string field of the JSON body.
    BodyField {
        /// The field.
        name: &'static str,
        /// Whose id the field is, when its name does not say (`"the event"` for
        /// Stripe's `id`: the body is the event).
        of: Option<&'static str>,
    },
}

impl fmt::Display for DeliveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DeliveryKey::Header {
                name,
                required: true,
            } => write!(f, "header `{name}` (required)"),
            DeliveryKey::Header {
                name,
                required: false,
            } => write!(f, "header `{name}`"),
            DeliveryKey::BodyField { name, of: Some(of) } => {
                write!(f, "{of} `{name}` in the body")
            }
            DeliveryKey::BodyField { name, of: None } => write!(f, "`{name}` in the body"),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| {
                format!("unknown scheme `{s}` (expected github, stripe, slack or standard)")
            })
    }
}

/// What a successful verification learned about the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The scheme.
    pub scheme: Scheme,
    /// The signed timestamp, for schemes that have one.
    pub timestamp: Option<i64>,
    /// The provider's delivery id from a header (`X-GitHub-Delivery`, `webhook-id`), when
    /// the scheme has one and it was sent. Stripe's lives in the body (`id`).
    pub delivery_id: Option<&'a str>,
    /// Which configured secret matched (0 = the first): tells when an old secret can go.
    pub secret_index: usize,
}

/// Configuration error of a [`Verifier`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// At least one secret is needed.
    #[error("a verifier needs at least one secret")]
    NoSecret,
    /// A secret cannot be used as an HMAC key.
    #[error("secret {index} cannot be used as an HMAC key")]
    BadKey {
        /// Its position.
        index: usize,
    },
}

/// Verifies deliveries of one scheme against one or more active secrets.
///
/// The HMAC key schedule is computed once per secret at construction; verifying clones it.
#[derive(Clone)]
pub struct Verifier {
    scheme: Scheme,
    keys: Vec<HmacSha256>,
    tolerance: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme)
            .field("secrets", &self.keys.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// Builder for [`Verifier`].
#[derive(Debug, Clone)]
#[must_use]
pub struct VerifierBuilder {
    scheme: Scheme,
    secrets: Vec<SigningKey>,
    tolerance: Duration,
}

impl VerifierBuilder {
    /// Add an active secret (add the new one and keep the old one during a rotation).
    pub fn secret(mut self, secret: SigningKey) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Freshness window in either direction (default [`DEFAULT_TOLERANCE`]).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Build.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if self.secrets.is_empty() {
            return Err(ConfigError::NoSecret);
        }
        let keys = self
            .secrets
            .iter()
            .enumerate()
            .map(|(index, s)| {
                HmacSha256::new_from_slice(s.key()).map_err(|_| ConfigError::BadKey { index })
            })
            .collect::<Result<_, _>>()?;
        Ok(Verifier {
            scheme: self.scheme,
            keys,
            tolerance: self.tolerance,
        })
    }
}

const GITHUB_DELIVERY: &str = "X-GitHub-Delivery";
const SLACK_TIMESTAMP: &str = "X-Slack-Request-Timestamp";
const STANDARD_ID: &str = "webhook-id";
const STANDARD_TIMESTAMP: &str = "webhook-timestamp";

/// A header as looked up (pre-parsed, so a lookup is a hash, not a parse) and as named
/// in messages (the provider's spelling).
struct Hdr(HeaderName, &'static str);

const H_GITHUB_SIG: Hdr = Hdr(
    HeaderName::from_static("x-hub-signature-256"),
    "X-Hub-Signature-256",
);
const H_GITHUB_DELIVERY: Hdr = Hdr(
    HeaderName::from_static("x-github-delivery"),
    GITHUB_DELIVERY,
);
const H_STRIPE_SIG: Hdr = Hdr(
    HeaderName::from_static("stripe-signature"),
    "Stripe-Signature",
);
const H_SLACK_SIG: Hdr = Hdr(
    HeaderName::from_static("x-slack-signature"),
    "X-Slack-Signature",
);
const H_SLACK_TS: Hdr = Hdr(
    HeaderName::from_static("x-slack-request-timestamp"),
    SLACK_TIMESTAMP,
);
const H_STD_ID: Hdr = Hdr(HeaderName::from_static("webhook-id"), STANDARD_ID);
const H_STD_TS: Hdr = Hdr(
    HeaderName::from_static("webhook-timestamp"),
    STANDARD_TIMESTAMP,
);
const H_STD_SIG: Hdr = Hdr(
    HeaderName::from_static("webhook-signature"),
    "webhook-signature",
);

impl Verifier {
    /// Start building a verifier for `scheme`.
    pub fn builder(scheme: Scheme) -> VerifierBuilder {
        VerifierBuilder {
            scheme,
            secrets: Vec::new(),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The tolerance.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Verify a delivery: `body` exactly as received, `now` in Unix seconds.
    ///
    /// # Errors
    ///
    /// The [`Rejection`] naming why; never panics on any input.
    pub fn verify<'a>(
        &self,
        headers: &'a HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Verified<'a>, Rejection> {
        match self.scheme {
            Scheme::GitHub => {
                let name = H_GITHUB_SIG.1;
                let value = header(headers, &H_GITHUB_SIG)?;
                let hex = value
                    .strip_prefix("sha256=")
                    .ok_or_else(|| malformed(name, "does not start with `sha256=`"))?;
                let sig = decode_hex32(hex).ok_or_else(|| {
                    malformed(name, "not 64 lowercase hex digits after `sha256=`")
                })?;
                let index = self.find(&[body], std::iter::once(sig), name)?;
                Ok(Verified {
                    scheme: self.scheme,
                    timestamp: None,
                    delivery_id: optional_header_str(headers, &H_GITHUB_DELIVERY)?,
                    secret_index: index,
                })
            }
            Scheme::Stripe => {
                let name = H_STRIPE_SIG.1;
                let value = header(headers, &H_STRIPE_SIG)?;
                let parsed = parse_stripe(value).map_err(|r| malformed(name, r))?;
                let ts = parse_timestamp(parsed.t.as_bytes()).map_err(|r| malformed(name, r))?;
                let index = self.find(
                    &[parsed.t.as_bytes(), b".", body],
                    parsed.signatures(),
                    name,
                )?;
                self.fresh(ts, now)?;
                Ok(Verified {
                    scheme: self.scheme,
                    timestamp: Some(ts),
                    delivery_id: None,
                    secret_index: index,
                })
            }
            Scheme::Slack => {
                let name = H_SLACK_SIG.1;
                let ts_raw = header(headers, &H_SLACK_TS)?;
                let ts = parse_timestamp(ts_raw.as_bytes())
                    .map_err(|r| malformed(SLACK_TIMESTAMP, r))?;
                let value = header(headers, &H_SLACK_SIG)?;
                let hex = value
                    .strip_prefix("v0=")
                    .ok_or_else(|| malformed(name, "does not start with `v0=`"))?;
                let sig = decode_hex32(hex)
                    .ok_or_else(|| malformed(name, "not 64 lowercase hex digits after `v0=`"))?;
                let index = self.find(
                    &[b"v0:", ts_raw.as_bytes(), b":", body],
                    std::iter::once(sig),
                    name,
                )?;
                self.fresh(ts, now)?;
                Ok(Verified {
                    scheme: self.scheme,
                    timestamp: Some(ts),
                    delivery_id: None,
                    secret_index: index,
                })
            }
            Scheme::Standard => {
                let name = H_STD_SIG.1;
                let id = header(headers, &H_STD_ID)?;
                let ts_raw = header_bytes(headers, &H_STD_TS)?;
                let ts = parse_timestamp(ts_raw).map_err(|r| malformed(STANDARD_TIMESTAMP, r))?;
                let sigs = standard_signatures(header_bytes(headers, &H_STD_SIG)?);
                let index = self.find(&[id.as_bytes(), b".", ts_raw, b".", body], sigs, name)?;
                self.fresh(ts, now)?;
                Ok(Verified {
                    scheme: self.scheme,
                    timestamp: Some(ts),
                    delivery_id: Some(id),
                    secret_index: index,
                })
            }
        }
    }

    /// Index of the first secret whose MAC of `parts` equals one of `candidates`.
    fn find(
        &self,
        parts: &[&[u8]],
        candidates: impl Iterator<Item = [u8; 32]> + Clone,
        header: &'static str,
    ) -> Result<usize, Rejection> {
        // The signed prefix (`t.`, `v0:ts:`, `id.ts.`) is joined on the stack so the MAC
        // sees two updates, not five: each small update costs buffer bookkeeping, which is
        // a measurable share of a 1 KiB verification.
        let (body, prefix_parts) = parts.split_last().unwrap_or((&(&[] as &[u8]), &[]));
        let mut joined = [0u8; 192];
        let mut len = 0;
        let prefix_fits = prefix_parts.iter().map(|p| p.len()).sum::<usize>() <= joined.len();
        if prefix_fits {
            for p in prefix_parts {
                joined[len..len + p.len()].copy_from_slice(p);
                len += p.len();
            }
        }
        for (index, key) in self.keys.iter().enumerate() {
            let mut mac = key.clone();
            if prefix_fits {
                mac.update(&joined[..len]);
            } else {
                for p in prefix_parts {
                    mac.update(p);
                }
            }
            mac.update(body);
            let expected: [u8; 32] = mac.finalize().into_bytes().into();
            let mut hit = subtle::Choice::from(0);
            for c in candidates.clone() {
                hit |= ct_eq32(&expected, &c);
            }
            if bool::from(hit) {
                return Ok(index);
            }
        }
        Err(Rejection::NoMatchingSignature {
            header,
            secrets: self.keys.len(),
        })
    }

    fn fresh(&self, timestamp: i64, now: i64) -> Result<(), Rejection> {
        if timestamp.abs_diff(now) > self.tolerance.as_secs() {
            return Err(Rejection::TimestampOutsideTolerance {
                timestamp,
                now,
                tolerance_secs: self.tolerance.as_secs(),
            });
        }
        Ok(())
    }
}

/// Headers a provider would send for `body`, signed with `secret`, in order, as
/// `(name, value)`. `timestamp` is used by every scheme but GitHub; `id` becomes
/// `X-GitHub-Delivery` (GitHub, when given) or `webhook-id` (Standard; derived from the
/// signed content when not given).
pub fn sign(
    scheme: Scheme,
    secret: &SigningKey,
    body: &[u8],
    timestamp: i64,
    id: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mac = |parts: &[&[u8]]| -> [u8; 32] {
        // A key of any length is accepted by HMAC; `SigningKey` is never empty.
        let mut m = match HmacSha256::new_from_slice(secret.key()) {
            Ok(m) => m,
            Err(_) => return [0; 32],
        };
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    };
    let ts = timestamp.to_string();
    match scheme {
        Scheme::GitHub => {
            let mut out = vec![(
                "X-Hub-Signature-256",
                format!("sha256={}", hex::encode(mac(&[body]))),
            )];
            if let Some(id) = id {
                out.push((GITHUB_DELIVERY, id.to_owned()));
            }
            out
        }
        Scheme::Stripe => vec![(
            "Stripe-Signature",
            format!(
                "t={ts},v1={}",
                hex::encode(mac(&[ts.as_bytes(), b".", body]))
            ),
        )],
        Scheme::Slack => vec![
            (SLACK_TIMESTAMP, ts.clone()),
            (
                "X-Slack-Signature",
                format!(
                    "v0={}",
                    hex::encode(mac(&[b"v0:", ts.as_bytes(), b":", body]))
                ),
            ),
        ],
        Scheme::Standard => {
            let id = match id {
                Some(id) => id.to_owned(),
                None => {
                    use sha2::Digest;
                    let digest = Sha256::new()
                        .chain_update(ts.as_bytes())
                        .chain_update(b".")
                        .chain_update(body)
                        .finalize();
                    format!("msg_{}", &hex::encode(digest)[..24])
                }
            };
            let sig = mac(&[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
            vec![
                (STANDARD_ID, id),
                (STANDARD_TIMESTAMP, ts),
                (
                    "webhook-signature",
                    format!(
                        "v1,{}",
                        base64::engine::general_purpose::STANDARD.encode(sig)
                    ),
                ),
            ]
        }
    }
}

fn malformed(name: &'static str, reason: impl Into<String>) -> Rejection {
    Rejection::MalformedHeader {
        name,
        reason: reason.into(),
    }
}

/// A header that must be present exactly once, as UTF-8 text.
fn header<'a>(headers: &'a HeaderMap, h: &Hdr) -> Result<&'a str, Rejection> {
    optional_header_str(headers, h)?.ok_or(Rejection::MissingHeader { name: h.1 })
}

/// A header that must be present exactly once, as bytes: for values whose parser accepts
/// only its own ASCII alphabet anyway (timestamps, base64), so no UTF-8 pass is spent.
fn header_bytes<'a>(headers: &'a HeaderMap, h: &Hdr) -> Result<&'a [u8], Rejection> {
    optional_header_bytes(headers, h)?.ok_or(Rejection::MissingHeader { name: h.1 })
}

fn optional_header_bytes<'a>(
    headers: &'a HeaderMap,
    h: &Hdr,
) -> Result<Option<&'a [u8]>, Rejection> {
    let mut values = headers.get_all(&h.0).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(malformed(h.1, "sent more than once"));
    }
    Ok(Some(first.as_bytes()))
}

fn optional_header_str<'a>(headers: &'a HeaderMap, h: &Hdr) -> Result<Option<&'a str>, Rejection> {
    // `HeaderValue` already excludes control characters; UTF-8 validation is fast on
    // ASCII, and every parser after this accepts only its own ASCII alphabet.
    optional_header_bytes(headers, h)?
        .map(|bytes| std::str::from_utf8(bytes).map_err(|_| malformed(h.1, "not UTF-8")))
        .transpose()
}

/// Every `v1,<base64>` signature of a `webhook-signature` value that decodes, in order.
/// The first entry is taken without a search when it is one signature followed by a
/// space or the end (the usual header); the rest is split on spaces.
fn standard_signatures(value: &[u8]) -> impl Iterator<Item = [u8; 32]> + Clone + '_ {
    const ENTRY: usize = 3 + 44;
    let (first, rest) = match value.get(..ENTRY) {
        Some(head) if head.starts_with(b"v1,") && value.get(ENTRY).is_none_or(|&b| b == b' ') => (
            decode_b64_32(&head[3..]),
            value.get(ENTRY + 1..).unwrap_or(&[]),
        ),
        _ => (None, value),
    };
    first.into_iter().chain(
        rest.split(|&b| b == b' ')
            .filter_map(|entry| entry.strip_prefix(b"v1,"))
            .filter_map(decode_b64_32),
    )
}

/// Unix seconds: ASCII digits only (no sign, no spaces), at most 18 of them.
fn parse_timestamp(raw: &[u8]) -> Result<i64, String> {
    let err = || "timestamp is not Unix seconds (1 to 18 ASCII digits)".to_owned();
    if raw.is_empty() || raw.len() > 18 {
        return Err(err());
    }
    // 18 digits cannot overflow i64.
    let mut n = 0i64;
    for &b in raw {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(err());
        }
        n = n * 10 + i64::from(digit);
    }
    Ok(n)
}

/// 64 lowercase hex digits into 32 bytes (uppercase is refused: every provider sends
/// lowercase, and one spelling per signature keeps "any changed byte fails" true).
///
/// Eight digits at a time in a `u64` (SWAR): the byte-at-a-time table decode was a
/// quarter of the fixed work of a 1 KiB verification under cachegrind.
fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, chunk) in out.chunks_exact_mut(4).zip(b.chunks_exact(8)) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        o.copy_from_slice(&hex8(word)?.to_le_bytes());
    }
    Some(out)
}

/// Eight lowercase hex digits (little-endian in `w`) into four bytes, or `None` when any
/// is not `0-9a-f`. Lane arithmetic never carries: every lane is below 0x80 after the
/// first check and every added constant is too.
fn hex8(w: u64) -> Option<u32> {
    const LANES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x80 * LANES;
    if w & HIGH != 0 {
        return None;
    }
    // High bit of a lane set ⇔ the lane's byte is ≥ lo (x + 0x80 − lo) or > hi (x + 0x7f − hi).
    let ge = |lo: u64| w + (0x80 - lo) * LANES;
    let gt = |hi: u64| w + (0x7f - hi) * LANES;
    let digit = ge(0x30) & !gt(0x39) & HIGH;
    let letter = ge(0x61) & !gt(0x66) & HIGH;
    if digit | letter != HIGH {
        return None;
    }
    // '0'..'9' and 'a'..'f' share their low nibble with their value, letters plus 9.
    let nibbles = (w & (0x0f * LANES)) + (letter >> 7) * 9;
    // Lane pairs (first digit = high nibble) into one byte per 16-bit lane, then pack.
    let pairs = ((nibbles & 0x000f_000f_000f_000f) << 4) | ((nibbles >> 8) & 0x000f_000f_000f_000f);
    let packed = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    let packed = (packed | (packed >> 16)) & 0xffff_ffff;
    u32::try_from(packed).ok()
}

/// Standard base64 of 32 bytes: exactly 43 alphabet characters then `=`, the unused low
/// bits zero (canonical: one spelling per signature, as the base64 crate's default).
fn decode_b64_32(b: &[u8]) -> Option<[u8; 32]> {
    if b.len() != 44 || b[43] != b'=' {
        return None;
    }
    let mut bad = 0u8;
    let mut sextet = |c: u8| {
        let v = B64[usize::from(c)];
        bad |= v;
        u32::from(v)
    };
    let mut out = [0u8; 32];
    // 40 characters in quads → 30 bytes, then 3 characters → the last 2 bytes.
    for (q, o) in b[..40].chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        let n = (sextet(q[0]) << 18) | (sextet(q[1]) << 12) | (sextet(q[2]) << 6) | sextet(q[3]);
        o.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let last = sextet(b[42]);
    let n = (sextet(b[40]) << 18) | (sextet(b[41]) << 12) | (last << 6);
    out[30..].copy_from_slice(&n.to_be_bytes()[1..3]);
    // 43 sextets = 258 bits: the last 2 must be zero.
    (bad & 0x80 == 0 && last & 0b11 == 0).then_some(out)
}

/// Standard base64 alphabet values; 0x80 marks anything else.
const B64: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = 52 + i as u8;
        i += 1;
    }
    t[b'+' as usize] = 62;
    t[b'/' as usize] = 63;
    t
};

/// Constant-time equality of two MACs: XOR word by word, fold, one `subtle` compare at
/// the end (no early exit, no per-byte branch).
fn ct_eq32(a: &[u8; 32], b: &[u8; 32]) -> subtle::Choice {
    let mut acc = 0u64;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let x = u64::from_le_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        let y = u64::from_le_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]);
        acc |= x ^ y;
    }
    acc.ct_eq(&0)
}

/// `Stripe-Signature`, parsed the way stripe-node's `parseHeader` does: items split on
/// `,`, each on the first `=`; `t` once; every `v1` kept; other schemes (`v0`) ignored.
///
/// One hand-written pass over the bytes instead of `split(',')` + `split_once('=')`
/// (those searches were a third of the fixed, non-HMAC work of a 1 KiB verification
/// under cachegrind, BENCHMARKS.md § Webhooks). The first `v1` is decoded during the
/// pass: 64 hex digits cannot hold a `,`, so when one is followed by `,` or the end the
/// item needs no scan; the usual one-signature header is read exactly once.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StripeHeader<'a> {
    pub t: &'a str,
    /// The first `v1` value, decoded (`None`: not 64 lowercase hex digits).
    first: Option<[u8; 32]>,
    /// The header after the item holding the first `v1` (more `v1`s may be in it).
    rest: &'a str,
}

impl<'a> StripeHeader<'a> {
    /// Every `v1` value that decodes, in order (an iterator: verifying allocates nothing).
    pub fn signatures(&self) -> impl Iterator<Item = [u8; 32]> + Clone + 'a {
        let rest = self.rest;
        self.first.into_iter().chain(
            rest.split(',')
                .filter_map(|item| item.strip_prefix("v1="))
                .filter_map(decode_hex32),
        )
    }
}

pub(crate) fn parse_stripe(value: &str) -> Result<StripeHeader<'_>, String> {
    let bytes = value.as_bytes();
    let mut t = None;
    let mut first = None;
    let mut rest = None;
    let mut start = 0;
    loop {
        if rest.is_none() && bytes[start..].starts_with(b"v1=") {
            let end = start + 3 + 64;
            let sig = value.get(start + 3..end).and_then(decode_hex32);
            if sig.is_some() && (end == bytes.len() || bytes[end] == b',') {
                first = sig;
                rest = Some(value.get(end + 1..).unwrap_or(""));
                if end == bytes.len() {
                    break;
                }
                start = end + 1;
                continue;
            }
        }
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b',')
            .map_or(bytes.len(), |i| start + i);
        let item = &value[start..end];
        match item.as_bytes() {
            [b't', b'=', ..] if t.is_some() => return Err("`t` appears more than once".into()),
            [b't', b'=', ..] => t = Some(&item[2..]),
            [b'v', b'1', b'=', ..] if rest.is_none() => {
                first = decode_hex32(&item[3..]);
                rest = Some(value.get(end + 1..).unwrap_or(""));
            }
            i if !i.contains(&b'=') => {
                return Err(format!("item `{}` is not key=value", truncate(item)))
            }
            _ => {}
        }
        if end == bytes.len() {
            break;
        }
        start = end + 1;
    }
    let t = t.ok_or("no `t=` timestamp")?;
    let rest = rest.ok_or("no `v1=` signature")?;
    Ok(StripeHeader { t, first, rest })
}

fn truncate(s: &str) -> String {
    s.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_key_rules_read_as_the_integration_brief_prints_them() {
        let described: Vec<String> = Scheme::ALL
            .iter()
            .map(|s| s.delivery_key().to_string())
            .collect();
        assert_eq!(
            described,
            [
                "header `X-GitHub-Delivery` (required)",
                "the event `id` in the body",
                "`event_id` in the body",
                "header `webhook-id`",
            ]
        );
    }

    #[test]
    fn stripe_header_keeps_every_v1_and_ignores_v0() {
        let (a, b, c) = ("aa".repeat(32), "bb".repeat(32), "cc".repeat(32));
        for header in [
            format!("t=12,v1={a},v0={b},v1={c}"),
            format!("v1={a},t=12,v0={b},v1={c}"),
            format!("v1={a},v0={b},v1=short,v1={c},t=12"),
        ] {
            let h = parse_stripe(&header).unwrap();
            assert_eq!(h.t, "12", "{header}");
            assert_eq!(
                h.signatures().collect::<Vec<_>>(),
                [[0xaa; 32], [0xcc; 32]],
                "{header}"
            );
        }
        // A first `v1` that does not decode is skipped, the next one kept.
        let header = format!("t=1,v1={a}0,v1={c}");
        let h = parse_stripe(&header).unwrap();
        assert_eq!(h.signatures().collect::<Vec<_>>(), [[0xcc; 32]]);
        let header = format!("t=1,v1={a}");
        let h = parse_stripe(&header).unwrap();
        assert_eq!(h.signatures().collect::<Vec<_>>(), [[0xaa; 32]]);
        assert!(parse_stripe(&format!("t=1,v1={a},junk")).is_err());
        assert!(parse_stripe(&format!("v1={a},t=1,t=2")).is_err());
        assert!(parse_stripe("t=1,t=2,v1=aa").is_err());
        assert!(parse_stripe("v1=aa").is_err());
        assert!(parse_stripe("t=1").is_err());
        assert!(parse_stripe("garbage").is_err());
    }

    #[test]
    fn base64_decoding_matches_the_base64_crate_and_is_canonical() {
        for seed in 0u8..64 {
            let bytes: [u8; 32] =
                std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 7));
            let text = base64::engine::general_purpose::STANDARD.encode(bytes);
            assert_eq!(decode_b64_32(text.as_bytes()), Some(bytes), "{text}");
            // Flip the unused low bits of the last character: another spelling, refused
            // (the base64 crate refuses it too).
            let mut other = text.clone().into_bytes();
            let last = other[42];
            let pos = B64[usize::from(last)] | 1;
            other[42] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                [usize::from(pos)];
            let other = String::from_utf8(other).unwrap();
            assert_eq!(decode_b64_32(other.as_bytes()), None);
            assert!(base64::engine::general_purpose::STANDARD
                .decode(&other)
                .is_err());
        }
        for bad in [
            "",
            "v1,",
            &"A".repeat(44),
            &format!("{}==", "A".repeat(42)),
            &format!("{}*=", "A".repeat(42)),
        ] {
            assert_eq!(decode_b64_32(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn standard_header_keeps_every_v1_that_decodes() {
        let enc = |b: u8| base64::engine::general_purpose::STANDARD.encode([b; 32]);
        let (a, c) = (enc(1), enc(3));
        for (header, want) in [
            (format!("v1,{a}"), vec![[1u8; 32]]),
            (format!("v1,{a} v1,{c}"), vec![[1; 32], [3; 32]]),
            (format!("v2,{c} v1,{a}"), vec![[1; 32]]),
            (format!("v1,{a}x v1,{c}"), vec![[3; 32]]),
            (format!("v1,{a}  v1,{c}"), vec![[1; 32], [3; 32]]),
            (format!("v1a{a} v1,{c}"), vec![[3; 32]]),
            (String::new(), vec![]),
            ("v1,".to_owned(), vec![]),
        ] {
            let got: Vec<[u8; 32]> = standard_signatures(header.as_bytes()).collect();
            assert_eq!(got, want, "{header}");
        }
    }

    #[test]
    fn hex_is_strict() {
        assert!(decode_hex32(&"ab".repeat(32)).is_some());
        assert!(decode_hex32(&"AB".repeat(32)).is_none());
        assert!(decode_hex32(&"ab".repeat(31)).is_none());
        assert!(decode_hex32("é").is_none());
    }

    /// Every byte value at every position, against a plain per-character decode.
    #[test]
    fn hex_decoding_matches_a_plain_decoder_for_every_byte() {
        fn plain(b: &[u8]) -> Option<[u8; 32]> {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            let mut out = [0u8; 32];
            for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
                *o = (digit(pair[0])? << 4) | digit(pair[1])?;
            }
            Some(out)
        }
        let base: Vec<u8> = b"0123456789abcdef"
            .iter()
            .cycle()
            .take(64)
            .copied()
            .collect();
        for pos in 0..64 {
            for byte in 0..=255u8 {
                let mut text = base.clone();
                text[pos] = byte;
                let Ok(s) = std::str::from_utf8(&text) else {
                    continue;
                };
                assert_eq!(decode_hex32(s), plain(&text), "byte {byte:#x} at {pos}");
            }
        }
        let all: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37)).collect();
        let text: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode_hex32(&text).map(|d| d.to_vec()), Some(all));
    }

    #[test]
    fn timestamps_are_digits_only() {
        assert_eq!(parse_timestamp(b"1700000000"), Ok(1_700_000_000));
        for bad in ["", "+1", "-1", " 1", "1.0", "9999999999999999999"] {
            assert!(parse_timestamp(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
