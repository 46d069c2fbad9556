//! Properties: a signature made with a key verifies; any single changed byte in the
//! body, the signature or the timestamp is rejected; header parsers never panic.

use proptest::prelude::*;
use tether_webhooks::{sign, Scheme, SigningKey, Verifier};

use crate::headers;

fn secret_for(scheme: Scheme) -> SigningKey {
    match scheme {
        Scheme::Standard => SigningKey::standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
        _ => SigningKey::literal("prop-secret").unwrap(),
    }
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop::sample::select(Scheme::ALL.to_vec())
}

/// Which header holds the timestamp (none for GitHub).
fn timestamp_header(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::GitHub => None,
        Scheme::Stripe => Some("Stripe-Signature"),
        Scheme::Slack => Some("X-Slack-Request-Timestamp"),
        Scheme::Standard => Some("webhook-timestamp"),
    }
}

const NOW: i64 = 1_700_000_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signed_verifies_and_any_changed_body_byte_fails(
        scheme in scheme(),
        body in prop::collection::vec(any::<u8>(), 1..512),
        index in any::<prop::sample::Index>(),
        delta in 1u8..=255,
    ) {
        let secret = secret_for(scheme);
        let v = Verifier::builder(scheme).secret(secret.clone()).build().unwrap();
        let h = headers(&sign(scheme, &secret, &body, NOW, Some("msg_1")));
        prop_assert!(v.verify(&h, &body, NOW).is_ok());
        let mut changed = body.clone();
        let i = index.index(changed.len());
        changed[i] = changed[i].wrapping_add(delta);
        prop_assert!(v.verify(&h, &changed, NOW).is_err());
    }

    #[test]
    fn any_changed_signature_byte_fails(
        scheme in scheme(),
        body in prop::collection::vec(any::<u8>(), 0..64),
        index in any::<prop::sample::Index>(),
        replacement in 0x21u8..0x7f,
    ) {
        let secret = secret_for(scheme);
        let v = Verifier::builder(scheme).secret(secret.clone()).build().unwrap();
        let mut pairs = sign(scheme, &secret, &body, NOW, Some("msg_1"));
        let slot = pairs.iter().position(|(n, _)| *n == scheme.signature_header()).unwrap();
        let mut bytes = pairs[slot].1.clone().into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        pairs[slot].1 = String::from_utf8(bytes).unwrap();
        prop_assert!(v.verify(&headers(&pairs), &body, NOW).is_err());
    }

    #[test]
    fn any_changed_timestamp_byte_fails(
        scheme in prop::sample::select(vec![Scheme::Stripe, Scheme::Slack, Scheme::Standard]),
        index in any::<prop::sample::Index>(),
        replacement in 0x21u8..0x7f,
    ) {
        let secret = secret_for(scheme);
        let v = Verifier::builder(scheme).secret(secret.clone()).build().unwrap();
        let mut pairs = sign(scheme, &secret, b"{}", NOW, Some("msg_1"));
        let name = timestamp_header(scheme).unwrap();
        let slot = pairs.iter().position(|(n, _)| *n == name).unwrap();
        let ts = NOW.to_string();
        // The timestamp's own bytes (inside `t=…,` for Stripe).
        let start = pairs[slot].1.find(&ts).unwrap();
        let mut bytes = pairs[slot].1.clone().into_bytes();
        let i = start + index.index(ts.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        pairs[slot].1 = String::from_utf8(bytes).unwrap();
        let verdict = v.verify(&headers(&pairs), b"{}", NOW).is_err();
        prop_assert!(verdict, "accepted: {:?}", pairs);
    }

    #[test]
    fn header_parsers_never_panic(
        scheme in scheme(),
        values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..120), 4),
        body in prop::collection::vec(any::<u8>(), 0..64),
        now in any::<i64>(),
    ) {
        let v = Verifier::builder(scheme).secret(secret_for(scheme)).build().unwrap();
        let names = ["X-Hub-Signature-256", "Stripe-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp"];
        let std_names = ["webhook-id", "webhook-timestamp", "webhook-signature", "X-GitHub-Delivery"];
        let mut map = http::HeaderMap::new();
        for (i, raw) in values.iter().enumerate() {
            if let Ok(value) = http::HeaderValue::from_bytes(raw) {
                let name = if scheme == Scheme::Standard { std_names[i] } else { names[i] };
                map.append(name, value);
            }
        }
        let _ = v.verify(&map, &body, now);
    }

    #[test]
    fn structured_garbage_in_stripe_and_standard_headers_never_panics(
        parts in prop::collection::vec("(t|v1|v0|x|v1,|)[=,]?[0-9a-fA-F+/=, ]{0,70}", 0..6),
        now in any::<i64>(),
    ) {
        let joined = parts.join(",");
        for scheme in [Scheme::Stripe, Scheme::Standard] {
            let v = Verifier::builder(scheme).secret(secret_for(scheme)).build().unwrap();
            let mut map = http::HeaderMap::new();
            if let Ok(value) = http::HeaderValue::from_str(&joined) {
                map.insert(scheme.signature_header(), value.clone());
                map.insert("webhook-id", value.clone());
                map.insert("webhook-timestamp", http::HeaderValue::from_static("1700000000"));
            }
            let _ = v.verify(&map, b"{}", now);
        }
    }
}
