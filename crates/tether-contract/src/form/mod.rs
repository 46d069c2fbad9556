//! Stripe-style `application/x-www-form-urlencoded` encoding and decoding.
//!
//! # Why this is hand-rolled
//!
//! Stripe's v1 API takes request bodies (and list queries) as form data with
//! *nested* keys: `metadata[order_id]=6735`, `expand[0]=customer`,
//! `items[0][price]=price_123`. `serde_urlencoded` only writes flat
//! `key=value` pairs and refuses nested maps and sequences, so it cannot
//! produce these bodies. This module turns a [`serde_json::Value`] into that
//! wire format ([`encode`]) and parses it back into nested JSON ([`decode`]),
//! so that incoming form bodies can be checked against the contract's JSON
//! schemas.
//!
//! # Encoding: what the official SDKs do, and what we do
//!
//! The rules follow `stringifyRequestData` / `encodeQueryValue` in
//! stripe-node's `src/utils.ts` (which replaced `qs.stringify(data,
//! {arrayFormat: 'indices'})` plus a `%5B`/`%5D` → `[`/`]` rewrite in
//! January 2026 with a hand-written stringifier that keeps qs' output) and
//! `form.Values.Encode` in stripe-go's `form/form.go`:
//!
//! * The top level must be a JSON object ([`FormError::TopLevelNotObject`]
//!   otherwise). Pairs come out in object order (`preserve_order`), so the
//!   output is deterministic.
//! * Nested objects become `a[b][c]=v`; arrays use indices, `a[0]=x&a[1]=y`,
//!   and arrays of objects `items[0][price]=p`.
//! * Strings are sent as they are, booleans as `true` / `false`, and numbers
//!   the way JavaScript's `String(number)` (which stripe-node uses) writes them:
//!   integers exactly, `2.0` as `2`, `1e21` as `1e+21`, `1.5e-7` as `1.5e-7`
//!   (then percent-encoded like any value, so `+` goes out as `%2B`).
//!   (`serde_json`'s own `Display` would write `2.0`, which is not what the
//!   SDK sends and may be refused for integer parameters.) Integers beyond
//!   2^53 are written exactly, which is more faithful than JavaScript is.
//! * `null` becomes `key=` (an empty value). This is how stripe-node sends
//!   `null` and how the Stripe API is told to *unset* a field; an empty string
//!   is sent the same way.
//! * Empty objects and empty arrays produce **no pair at all**, as in
//!   stripe-node (qs omitted them, and the current stringifier keeps that).
//!   stripe-go differs for arrays only: an explicitly set empty slice is sent
//!   as `key=`. To clear a field such as `metadata`, callers pass an explicit
//!   empty string (`"metadata": ""`) or `null`, which encode to `metadata=`.
//! * Keys and values are percent-encoded byte by byte over UTF-8, keeping only
//!   RFC 3986 "unreserved" characters (`A-Z a-z 0-9 - . _ ~`). That is
//!   `encodeURIComponent` plus escaping `! ' ( ) *`, exactly what stripe-node
//!   does to stay identical to qs. Space is `%20` (as in stripe-node), never
//!   `+` (stripe-go uses `+`; the API accepts both).
//! * `[` and `]` stay literal in keys, as both SDKs do, for readability. In
//!   values they are escaped (`%5B` / `%5D`) as stripe-go does (stripe-node
//!   also leaves them literal in values; the server accepts either). Object
//!   keys are not otherwise altered, so a key that itself contains brackets,
//!   such as a pre-flattened `{"metadata[k]": "v"}`, is sent verbatim and is
//!   read by the server (and by [`decode`]) as nesting, as with the SDKs.
//! * At most 32 levels of nesting below a top-level key, i.e. 32 bracketed
//!   segments per key ([`FormError::TooDeep`]); this bounds recursion. It is
//!   checked while walking the value, so it applies even to a deep chain that
//!   ends in an empty container and would emit nothing.
//!
//! # Decoding
//!
//! [`decode`] is the inverse used for validation. It splits on `&` (empty
//! pieces are skipped), splits each piece at the first `=` (a piece without
//! `=` has an empty value), turns `+` into a space and percent-decodes both
//! sides; `%5B` / `%5D` count as brackets just like literal ones. Keys are
//! `name[seg][seg]…`: a segment that is a canonical decimal number (`0`, `7`,
//! `12`, but not `01`) is an array index, any other segment is an object
//! member, and a final `[]` appends to an array (`a[]=x&a[]=y`; appended
//! items go after any indexed ones). Every leaf is a JSON string: coercion to
//! numbers or booleans happens later, against the schema. Indices must cover
//! `0..n` with no gaps once sorted.
//!
//! Limits of the round trip, shared with the wire format itself: empty
//! containers vanish; an object whose keys are all canonical numbers (e.g.
//! `metadata` `{"0": "x"}`) comes back as an array (or as an
//! [`FormError::IndexGap`] if they are not `0..n`); an empty nested key comes
//! back as an append; keys containing brackets come back nested.
//!
//! Errors carry byte offsets into the input. [`decode`] never panics, on any
//! input.
//!
//! The encoder is in `encode.rs`, the decoder in `decode.rs`; the round-trip tests are
//! here.

mod decode;
mod encode;

pub use decode::decode;
pub use encode::encode;

/// Most bracketed segments allowed in one key (`a[b]` has one).
const MAX_DEPTH: usize = 32;

/// Why a value could not be encoded or a form body could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum FormError {
    /// [`encode`] was given something other than a JSON object.
    #[error("form data must be a JSON object at the top level, found {found}")]
    TopLevelNotObject {
        /// JSON type that was found: `null`, `boolean`, `number`, `string` or `array`.
        found: &'static str,
    },
    /// The input is not well-formed (bad percent-escape, bad brackets, ...).
    #[error("malformed form data at byte {position}: {reason}")]
    Malformed {
        /// Byte offset into the input where the problem starts.
        position: usize,
        /// What is wrong.
        reason: String,
    },
    /// A percent-decoded key or value is not valid UTF-8.
    #[error("invalid UTF-8 after percent-decoding at byte {position}")]
    InvalidUtf8 {
        /// Byte offset into the input of the escape that starts the bad sequence.
        position: usize,
    },
    /// The key is used both as a leaf and as a container, or both as an
    /// object and as an array.
    #[error(
        "key `{key}` is used both as a value and as a container, or as both an object and an array"
    )]
    Conflict {
        /// The key, in bracket form (`a[b]`), that is used inconsistently.
        key: String,
    },
    /// The same leaf key is given more than once.
    #[error("key `{key}` is given more than once")]
    Duplicate {
        /// The repeated key, in bracket form.
        key: String,
    },
    /// Array indices under a key are not contiguous from 0.
    #[error("array `{key}` has no element at index {missing}")]
    IndexGap {
        /// The array's key, in bracket form.
        key: String,
        /// The first index that is missing.
        missing: usize,
    },
    /// A key has more than 32 bracketed segments.
    #[error("nesting depth {depth} exceeds the limit of 32")]
    TooDeep {
        /// Depth that was reached (at least 33).
        depth: usize,
    },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::encode::number_to_string;
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// Customer-create body using every shape Stripe's docs show.
    fn customer() -> Value {
        json!({
            "name": "Jenny Rosen",
            "email": "jenny.rosen@example.com",
            "metadata": {"order_id": "6735"},
            "address": {"line1": "510 Townsend St", "city": "San Francisco"},
            "preferred_locales": ["en", "fr-FR"],
            "expand": ["invoice_settings.default_payment_method", "tax"],
            "invoice_settings": {
                "custom_fields": [{"name": "PO number", "value": "PO-1234"}]
            }
        })
    }

    /// Written by hand from Stripe's documented form format, not from `encode`.
    const CUSTOMER_FORM: &str = "name=Jenny%20Rosen\
        &email=jenny.rosen%40example.com\
        &metadata[order_id]=6735\
        &address[line1]=510%20Townsend%20St\
        &address[city]=San%20Francisco\
        &preferred_locales[0]=en\
        &preferred_locales[1]=fr-FR\
        &expand[0]=invoice_settings.default_payment_method\
        &expand[1]=tax\
        &invoice_settings[custom_fields][0][name]=PO%20number\
        &invoice_settings[custom_fields][0][value]=PO-1234";

    #[test]
    fn encodes_customer_create_body() {
        assert_eq!(encode(&customer()).unwrap(), CUSTOMER_FORM);
    }

    #[test]
    fn decodes_customer_create_body() {
        assert_eq!(decode(CUSTOMER_FORM).unwrap(), customer());
    }

    #[test]
    fn decodes_customer_body_with_escaped_brackets_and_plus_spaces() {
        let escaped = "name=Jenny+Rosen&email=jenny.rosen%40example.com\
            &metadata%5Border_id%5D=6735&address%5bline1%5d=510+Townsend+St\
            &address[city]=San%20Francisco&preferred_locales[0]=en&preferred_locales[1]=fr-FR\
            &expand[0]=invoice_settings.default_payment_method&expand[1]=tax\
            &invoice_settings[custom_fields][0][name]=PO+number\
            &invoice_settings[custom_fields][0][value]=PO-1234";
        assert_eq!(decode(escaped).unwrap(), customer());
    }

    #[test]
    fn errors_display() {
        let e = FormError::Conflict {
            key: "a[b]".to_owned(),
        };
        assert!(e.to_string().contains("a[b]"));
        let e = FormError::Malformed {
            position: 3,
            reason: "x".to_owned(),
        };
        assert_eq!(e.to_string(), "malformed form data at byte 3: x");
    }

    /// What `decode` gives back for `v`: same shape, every leaf a string.
    fn stringify_leaves(v: &Value) -> Value {
        match v {
            Value::Null => Value::String(String::new()),
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Number(n) => Value::String(number_to_string(n)),
            Value::String(s) => Value::String(s.clone()),
            Value::Array(items) => Value::Array(items.iter().map(stringify_leaves).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), stringify_leaves(v)))
                    .collect(),
            ),
        }
    }

    /// Object keys that survive the wire format: non-empty, no brackets, not
    /// an array index. Includes characters that need escaping.
    fn key_strategy() -> impl Strategy<Value = String> {
        "[a-zA-Z_ %&=+.~é€😀-][a-zA-Z0-9_ %&=+.~é€😀'!*()#-]{0,6}"
    }

    fn leaf_strategy() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[a-z\\[\\]&=+% ]{0,8}".prop_map(Value::String),
        ]
    }

    fn value_strategy() -> impl Strategy<Value = Value> {
        leaf_strategy().prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..5).prop_map(Value::Array),
                prop::collection::vec((key_strategy(), inner), 1..5)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    fn top_level_strategy() -> impl Strategy<Value = Value> {
        prop::collection::vec((key_strategy(), value_strategy()), 0..6)
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn decode_inverts_encode(v in top_level_strategy()) {
            let form = encode(&v).unwrap();
            prop_assert_eq!(decode(&form).unwrap(), stringify_leaves(&v));
        }

        #[test]
        fn encode_output_uses_only_safe_characters(v in top_level_strategy()) {
            let form = encode(&v).unwrap();
            prop_assert!(form.bytes().all(|b| b.is_ascii_alphanumeric()
                || b"-._~%[]=&".contains(&b)), "{}", form);
        }
    }
}
