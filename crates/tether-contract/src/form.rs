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

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::error::json_type;
use serde_json::{Map, Number, Value};

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

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// Encodes a JSON object as a Stripe-style form body (see the module docs).
///
/// # Errors
///
/// [`FormError::TopLevelNotObject`] if `value` is not an object, and
/// [`FormError::TooDeep`] if it nests more than 32 levels below a top-level key.
pub fn encode(value: &Value) -> Result<String, FormError> {
    let Value::Object(map) = value else {
        return Err(FormError::TopLevelNotObject {
            found: json_type(value),
        });
    };
    let mut out = String::new();
    for (k, v) in map {
        let mut key = String::new();
        push_escaped(&mut key, k, true);
        encode_into(&mut out, &key, v, 0)?;
    }
    Ok(out)
}

fn encode_into(out: &mut String, key: &str, value: &Value, depth: usize) -> Result<(), FormError> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let mut child = nested_key(key, depth)?;
                push_escaped(&mut child, k, true);
                child.push(']');
                encode_into(out, &child, v, depth + 1)?;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let mut child = nested_key(key, depth)?;
                // Writing to a String cannot fail.
                let _ = write!(child, "{i}]");
                encode_into(out, &child, v, depth + 1)?;
            }
        }
        Value::Null => push_pair(out, key, ""),
        Value::Bool(b) => push_pair(out, key, if *b { "true" } else { "false" }),
        Value::Number(n) => push_value(out, key, &number_to_string(n)),
        Value::String(s) => push_value(out, key, s),
    }
    Ok(())
}

/// `key[` for a child one level below `depth`, or `TooDeep`.
fn nested_key(key: &str, depth: usize) -> Result<String, FormError> {
    if depth >= MAX_DEPTH {
        return Err(FormError::TooDeep { depth: depth + 1 });
    }
    let mut child = String::with_capacity(key.len() + 8);
    child.push_str(key);
    child.push('[');
    Ok(child)
}

/// Appends `key=value`; `key` is already escaped, `value` is not.
fn push_value(out: &mut String, key: &str, value: &str) {
    push_pair(out, key, "");
    push_escaped(out, value, false);
}

/// Appends `key=value`, both already escaped.
fn push_pair(out: &mut String, key: &str, escaped_value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(key);
    out.push('=');
    out.push_str(escaped_value);
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and, in
/// keys, `[` and `]`), with upper-case hex digits.
fn push_escaped(out: &mut String, s: &str, is_key: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (is_key && matches!(b, b'[' | b']'));
        if keep {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
}

/// Writes a number the way JavaScript's `String(number)` does, except that
/// `u64` / `i64` integers are always exact.
fn number_to_string(n: &Number) -> String {
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    // serde_json writes the shortest digits that read back as the same `f64`,
    // breaking ties to even as ECMAScript does (Rust's own `{}` / `{:e}` break
    // them upwards: 761013190333930.25 gives `…930.3`, JS gives `…930.2`).
    // Only the layout differs (`2.0`, `1e+21`), so re-lay those digits out.
    let text = n.to_string();
    js_layout(&text).unwrap_or(text)
}

/// Lays out the decimal number in JSON text `text` as ECMAScript's
/// `Number::toString` would; `None` if `text` is not a plain JSON number.
fn js_layout(text: &str) -> Option<String> {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], unsigned[at + 1..].parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    // value = 0.<digits> × 10^n
    let all = format!("{int}{frac}");
    let trimmed = all.trim_start_matches('0');
    let leading_zeros = i64::try_from(all.len() - trimmed.len()).ok()?;
    let digits = trimmed.trim_end_matches('0');
    if digits.is_empty() {
        return Some("0".to_owned()); // also -0
    }
    let k = i64::try_from(digits.len()).ok()?;
    let n = i64::try_from(int.len())
        .ok()?
        .checked_add(exponent)?
        .checked_sub(leading_zeros)?;

    let mut out = String::from(sign);
    if k <= n && n <= 21 {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', usize::try_from(n - k).ok()?));
    } else if 0 < n && n <= 21 {
        let (before, after) = digits.split_at(usize::try_from(n).ok()?);
        out.push_str(before);
        out.push('.');
        out.push_str(after);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', usize::try_from(-n).ok()?));
        out.push_str(digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        if n > 0 {
            out.push('+');
        }
        let _ = write!(out, "{}", n - 1);
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// Parses a Stripe-style form body into nested JSON whose leaves are all
/// strings (see the module docs).
///
/// # Errors
///
/// [`FormError::Malformed`] for a bad percent-escape or bracket syntax,
/// [`FormError::InvalidUtf8`] when decoded bytes are not UTF-8,
/// [`FormError::Conflict`] / [`FormError::Duplicate`] for keys used
/// inconsistently or twice, [`FormError::IndexGap`] for array indices that do
/// not cover `0..n`, and [`FormError::TooDeep`] past 32 bracketed segments.
pub fn decode(input: &str) -> Result<Value, FormError> {
    let mut root = Node::Obj(Obj::default());
    let bytes = input.as_bytes();
    let mut start = 0;
    while start <= bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'&')
            .map_or(bytes.len(), |p| start + p);
        let piece = &bytes[start..end];
        if !piece.is_empty() {
            let (raw_key, raw_value, value_start) = match piece.iter().position(|&b| b == b'=') {
                Some(eq) => (&piece[..eq], &piece[eq + 1..], start + eq + 1),
                None => (piece, &piece[piece.len()..], end),
            };
            let key = decode_component(raw_key, start)?;
            let value = decode_component(raw_value, value_start)?;
            let (name, segments) = parse_key(&key, raw_key, start)?;
            insert(&mut root, name, &segments, value)?;
        }
        start = end + 1;
    }
    to_value(root, None)
}

/// Percent-decodes one key or value (`+` is a space). `base` is the offset of
/// `raw` in the input, for error positions.
fn decode_component(raw: &[u8], base: usize) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(hex_value);
                let lo = raw.get(i + 2).copied().and_then(hex_value);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(FormError::Malformed {
                        position: base + i,
                        reason: "`%` is not followed by two hex digits".to_owned(),
                    });
                };
                out.push((hi << 4) | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| FormError::InvalidUtf8 {
        position: base + raw_offset(raw, e.utf8_error().valid_up_to()),
    })
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Offset in `raw` of the byte that decodes to decoded byte `decoded_index`.
/// Only called on input that `decode_component` accepted.
fn raw_offset(raw: &[u8], decoded_index: usize) -> usize {
    let mut i = 0;
    let mut d = 0;
    while i < raw.len() {
        if d == decoded_index {
            return i;
        }
        i += if raw[i] == b'%' { 3 } else { 1 };
        d += 1;
    }
    raw.len()
}

enum Segment<'a> {
    Name(&'a str),
    Index(usize),
    Append,
}

/// Splits a decoded key `name[a][0][]` into its name and segments.
fn parse_key<'k>(
    key: &'k str,
    raw_key: &[u8],
    base: usize,
) -> Result<(&'k str, Vec<Segment<'k>>), FormError> {
    let malformed = |decoded_index: usize, reason: &str| FormError::Malformed {
        position: base + raw_offset(raw_key, decoded_index),
        reason: reason.to_owned(),
    };
    let bytes = key.as_bytes();
    let name_end = bytes
        .iter()
        .position(|&b| b == b'[' || b == b']')
        .unwrap_or(bytes.len());
    if bytes.get(name_end) == Some(&b']') {
        return Err(malformed(name_end, "`]` without a matching `[` in key"));
    }
    if name_end == 0 && !bytes.is_empty() {
        return Err(malformed(0, "key starts with `[` instead of a name"));
    }
    let name = &key[..name_end];

    let mut segments = Vec::new();
    let mut i = name_end;
    while i < bytes.len() {
        if bytes[i] != b'[' {
            return Err(malformed(i, "expected `[` or the end of the key after `]`"));
        }
        let open = i;
        let close = loop {
            i += 1;
            match bytes.get(i) {
                None => return Err(malformed(open, "`[` is never closed in key")),
                Some(b'[') => return Err(malformed(i, "`[` inside brackets in key")),
                Some(b']') => break i,
                Some(_) => {}
            }
        };
        let text = &key[open + 1..close];
        let segment = if text.is_empty() {
            Segment::Append
        } else if is_canonical_index(text) {
            match text.parse::<usize>() {
                Ok(index) => Segment::Index(index),
                Err(_) => return Err(malformed(open + 1, "array index is too large")),
            }
        } else {
            Segment::Name(text)
        };
        segments.push(segment);
        i = close + 1;
    }

    if segments.len() > MAX_DEPTH {
        return Err(FormError::TooDeep {
            depth: segments.len(),
        });
    }
    let appends_only_last = segments
        .iter()
        .rev()
        .skip(1)
        .all(|s| !matches!(s, Segment::Append));
    if !appends_only_last {
        let first = key.find("[]").unwrap_or(0);
        return Err(malformed(
            first,
            "`[]` is only allowed as the last segment of a key",
        ));
    }
    Ok((name, segments))
}

/// `0`, `1`, `42`, but not `01`, `+1` or the empty string.
fn is_canonical_index(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

#[derive(Default)]
struct Obj {
    entries: Vec<(String, Node)>,
    positions: HashMap<String, usize>,
}

#[derive(Default)]
struct Arr {
    indexed: BTreeMap<usize, Node>,
    appended: Vec<Node>,
}

enum Node {
    /// Just created; becomes a leaf or a container before `decode` returns.
    Pending,
    Leaf(String),
    Obj(Obj),
    Arr(Arr),
}

/// Stores `value` at `name[segments…]` under `root`.
fn insert(
    root: &mut Node,
    name: &str,
    segments: &[Segment<'_>],
    value: String,
) -> Result<(), FormError> {
    let mut path = String::new();
    let mut cursor = child(root, &Segment::Name(name), &path)?;
    path.push_str(name);
    for segment in segments {
        cursor = child(cursor, segment, &path)?;
        match segment {
            Segment::Name(s) => {
                path.push('[');
                path.push_str(s);
                path.push(']');
            }
            Segment::Index(i) => {
                let _ = write!(path, "[{i}]");
            }
            Segment::Append => path.push_str("[]"),
        }
    }
    match cursor {
        Node::Pending => {
            *cursor = Node::Leaf(value);
            Ok(())
        }
        Node::Leaf(_) => Err(FormError::Duplicate { key: path }),
        Node::Obj(_) | Node::Arr(_) => Err(FormError::Conflict { key: path }),
    }
}

/// The child of `node` named by `segment`, turning a pending `node` into the
/// container that `segment` calls for. `path` is `node`'s key, for errors.
fn child<'n>(
    node: &'n mut Node,
    segment: &Segment<'_>,
    path: &str,
) -> Result<&'n mut Node, FormError> {
    if matches!(node, Node::Pending) {
        *node = match segment {
            Segment::Name(_) => Node::Obj(Obj::default()),
            Segment::Index(_) | Segment::Append => Node::Arr(Arr::default()),
        };
    }
    match (node, segment) {
        (Node::Obj(obj), Segment::Name(name)) => {
            let at = if let Some(&at) = obj.positions.get(*name) {
                at
            } else {
                obj.entries.push(((*name).to_owned(), Node::Pending));
                let at = obj.entries.len() - 1;
                obj.positions.insert((*name).to_owned(), at);
                at
            };
            match obj.entries.get_mut(at) {
                Some((_, child)) => Ok(child),
                None => Err(conflict(path)),
            }
        }
        (Node::Arr(arr), Segment::Index(i)) => Ok(arr.indexed.entry(*i).or_insert(Node::Pending)),
        (Node::Arr(arr), Segment::Append) => {
            arr.appended.push(Node::Pending);
            match arr.appended.last_mut() {
                Some(child) => Ok(child),
                None => Err(conflict(path)),
            }
        }
        _ => Err(conflict(path)),
    }
}

fn conflict(path: &str) -> FormError {
    FormError::Conflict {
        key: path.to_owned(),
    }
}

/// Converts the parsed tree to JSON. `path` is `node`'s key (`None` for the
/// top level), for errors.
fn to_value(node: Node, path: Option<&str>) -> Result<Value, FormError> {
    Ok(match node {
        Node::Pending => Value::Null,
        Node::Leaf(s) => Value::String(s),
        Node::Obj(obj) => {
            let mut map = Map::with_capacity(obj.entries.len());
            for (name, child) in obj.entries {
                let child_path = match path {
                    None => name.clone(),
                    Some(path) => format!("{path}[{name}]"),
                };
                let child = to_value(child, Some(&child_path))?;
                map.insert(name, child);
            }
            Value::Object(map)
        }
        Node::Arr(arr) => {
            let mut items = Vec::with_capacity(arr.indexed.len() + arr.appended.len());
            for (expected, (index, child)) in arr.indexed.into_iter().enumerate() {
                if index != expected {
                    return Err(FormError::IndexGap {
                        key: path.unwrap_or_default().to_owned(),
                        missing: expected,
                    });
                }
                items.push(to_value(
                    child,
                    Some(&format!("{}[{index}]", path.unwrap_or_default())),
                )?);
            }
            for child in arr.appended {
                items.push(to_value(
                    child,
                    Some(&format!("{}[]", path.unwrap_or_default())),
                )?);
            }
            Value::Array(items)
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

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
    fn decodes_line_items() {
        let form = "line_items[0][price]=price_123&line_items[0][quantity]=2\
                    &line_items[1][price]=price_456&line_items[1][quantity]=1&mode=payment";
        assert_eq!(
            decode(form).unwrap(),
            json!({
                "line_items": [
                    {"price": "price_123", "quantity": "2"},
                    {"price": "price_456", "quantity": "1"}
                ],
                "mode": "payment"
            })
        );
    }

    // Expected strings in the next tests are those of stripe-node's
    // test/utils.spec.ts (`queryStringifyRequestData`), except where noted.

    #[test]
    fn encodes_like_stripe_node_spec() {
        let check = |value: Value, expected: &str| {
            assert_eq!(encode(&value).unwrap(), expected, "for {value}");
        };
        check(json!({"a": {"b": {"c": {"d": 2}}}}), "a[b][c][d]=2");
        check(
            json!({"a": [{"b": "c"}, {"b": "d"}]}),
            "a[0][b]=c&a[1][b]=d",
        );
        check(
            json!({
                "test": 1,
                "foo": "baz",
                "somethingElse": "::\"\"%&",
                "nested": {"1": 2, "a n o t h e r": null}
            }),
            "test=1&foo=baz&somethingElse=%3A%3A%22%22%25%26\
             &nested[1]=2&nested[a%20n%20o%20t%20h%20e%20r]=",
        );
        check(json!({}), "");
        check(json!({"a": ""}), "a=");
        check(json!({"t": true, "f": false}), "t=true&f=false");
        check(json!({"a": null}), "a=");
        check(json!({"arr": [1, 2, 3]}), "arr[0]=1&arr[1]=2&arr[2]=3");
        check(json!({"arr": []}), "");
        check(json!({"a": {}}), "");
        check(json!({"a": {"b": {}}}), "");
        check(json!({"arr": [{}, {"a": 1}]}), "arr[1][a]=1");
        check(json!({"arr": [[], [1, 2]]}), "arr[1][0]=1&arr[1][1]=2");
        check(
            json!({"special": "!@#$%^&*()+="}),
            "special=%21%40%23%24%25%5E%26%2A%28%29%2B%3D",
        );
        check(
            json!({"emoji": "\u{1F600}", "chinese": "\u{4E2D}\u{6587}"}),
            "emoji=%F0%9F%98%80&chinese=%E4%B8%AD%E6%96%87",
        );
        check(
            json!({"euro": "€", "hebrew": "א", "surrogate": "𐐷"}),
            "euro=%E2%82%AC&hebrew=%D7%90&surrogate=%F0%90%90%B7",
        );
        check(
            json!({"key with spaces": "value"}),
            "key%20with%20spaces=value",
        );
        check(json!({"a": {"b": null, "c": "value"}}), "a[b]=&a[c]=value");
        check(json!({"arr": [1, null, 3]}), "arr[0]=1&arr[1]=&arr[2]=3");
        check(
            json!({"arr": [0, false, "", null]}),
            "arr[0]=0&arr[1]=false&arr[2]=&arr[3]=",
        );
        check(
            json!({"big": 9_007_199_254_740_991_u64, "scientific": 1e10}),
            "big=9007199254740991&scientific=10000000000",
        );
        check(json!({"a[b]": "c"}), "a[b]=c");
        check(json!({"a=b": "c"}), "a%3Db=c");
        check(json!({"a&b": "c"}), "a%26b=c");
        check(json!({"a": "b=c"}), "a=b%3Dc");
        check(json!({"a": "b&c"}), "a=b%26c");
        check(json!({"": "value"}), "=value");
        check(json!({"a": "b+c"}), "a=b%2Bc");
        check(json!({"a": "~test~"}), "a=~test~");
        check(json!({"text": "line1\r\nline2"}), "text=line1%0D%0Aline2");
        check(
            json!({"path": "C:\\Users\\test"}),
            "path=C%3A%5CUsers%5Ctest",
        );
        check(
            json!({"single": "it's", "double": "say \"hello\""}),
            "single=it%27s&double=say%20%22hello%22",
        );
        check(json!({"discount": "20%"}), "discount=20%25");
        check(
            json!({"time": "12:30:00", "list": "a;b;c", "color": "#ffffff"}),
            "time=12%3A30%3A00&list=a%3Bb%3Bc&color=%23ffffff",
        );
        check(
            json!({"matrix": [[1, 2], [3, 4]]}),
            "matrix[0][0]=1&matrix[0][1]=2&matrix[1][0]=3&matrix[1][1]=4",
        );
        check(
            json!({"a": {"shallow": ["x"], "deep": {"arr": ["y", "z"]}}}),
            "a[shallow][0]=x&a[deep][arr][0]=y&a[deep][arr][1]=z",
        );
        check(
            json!({"created": {"gte": 1_609_459_200, "lte": 1_640_995_199}, "limit": 100}),
            "created[gte]=1609459200&created[lte]=1640995199&limit=100",
        );
        // Not in stripe-node's spec: brackets in values are escaped
        // (stripe-go style; stripe-node would leave them literal).
        check(json!({"q": "a[b]"}), "q=a%5Bb%5D");
    }

    #[test]
    fn numbers_are_written_like_javascript() {
        let cases = [
            (json!(0), "0"),
            (json!(-0.0), "0"),
            (json!(2.0), "2"),
            (json!(1.5), "1.5"),
            (json!(-0.5), "-0.5"),
            (json!(0.1), "0.1"),
            (json!(123_456_789.125), "123456789.125"),
            (json!(0.000_001), "0.000001"),
            (json!(1.5e-7), "1.5e-7"),
            (json!(1e21), "1e%2B21"),
            (json!(1.2345e22), "1.2345e%2B22"),
            (json!(1e20), "100000000000000000000"),
            (json!(-1e300), "-1e%2B300"),
            (json!(5e-324), "5e-324"),
            // Exact ties between two shortest forms go to the even digit.
            (json!(761_013_190_333_930.0 + 0.25), "761013190333930.2"),
            (json!(108_759_644_735_042.0 + 0.125), "108759644735042.12"),
            (json!(1e-6), "0.000001"),
            (json!(1e-7), "1e-7"),
            (json!(123e-20), "1.23e-18"),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(i64::MIN), "-9223372036854775808"),
        ];
        for (number, expected) in cases {
            let form = encode(&json!({ "n": number })).unwrap();
            assert_eq!(form, format!("n={expected}"), "for {number}");
        }
    }

    #[test]
    fn number_layout_from_json_text() {
        // Texts serde_json's `arbitrary_precision` feature could hand over.
        let cases = [
            ("2.50", "2.5"),
            ("0.0", "0"),
            ("-0", "0"),
            ("-0.0e5", "0"),
            ("1E3", "1000"),
            ("0.000123e2", "0.0123"),
            // Digits are kept as given, not rounded to an f64.
            ("123456789012345678901234", "1.23456789012345678901234e+23"),
            ("1.2345678901234568e+23", "1.2345678901234568e+23"),
            ("1e400", "1e+400"),
        ];
        for (text, expected) in cases {
            assert_eq!(js_layout(text).as_deref(), Some(expected), "for {text}");
        }
        assert_eq!(js_layout("1e99999999999999999999"), None);
        assert_eq!(js_layout("abc"), None);
        assert_eq!(js_layout(".5"), None);
    }

    #[test]
    fn top_level_must_be_an_object() {
        for (value, found) in [
            (json!(null), "null"),
            (json!(true), "boolean"),
            (json!(1), "number"),
            (json!("x"), "string"),
            (json!([1]), "array"),
        ] {
            assert_eq!(encode(&value), Err(FormError::TopLevelNotObject { found }));
        }
    }

    fn nested(depth: usize) -> Value {
        let mut v = json!("leaf");
        for _ in 0..depth {
            v = json!({ "k": v });
        }
        v
    }

    #[test]
    fn encode_depth_limit() {
        // `nested(33)` is `{"k": …}` with 33 objects: key `k` plus 32 segments.
        let ok = encode(&nested(MAX_DEPTH + 1)).unwrap();
        assert_eq!(ok.matches('[').count(), MAX_DEPTH);
        assert_eq!(decode(&ok).unwrap(), nested(MAX_DEPTH + 1));
        assert_eq!(
            encode(&nested(MAX_DEPTH + 2)),
            Err(FormError::TooDeep {
                depth: MAX_DEPTH + 1
            })
        );
        // The limit is on nesting, even where nothing would be emitted.
        let mut empty = json!({});
        for _ in 0..100 {
            empty = json!({ "k": empty });
        }
        assert_eq!(
            encode(&empty),
            Err(FormError::TooDeep {
                depth: MAX_DEPTH + 1
            })
        );
        let mut shallow_empty = nested(MAX_DEPTH);
        shallow_empty["k"] = json!([]);
        assert_eq!(encode(&shallow_empty).unwrap(), "");
    }

    #[test]
    fn decodes_appends_and_edge_syntax() {
        assert_eq!(decode("").unwrap(), json!({}));
        assert_eq!(decode("&&").unwrap(), json!({}));
        assert_eq!(
            decode("expand[]=a&expand[]=b&&flag&x=1&").unwrap(),
            json!({"expand": ["a", "b"], "flag": "", "x": "1"})
        );
        assert_eq!(
            decode("a[]=z&a[1]=y&a[0]=x").unwrap(),
            json!({"a": ["x", "y", "z"]})
        );
        assert_eq!(decode("a[01]=x").unwrap(), json!({"a": {"01": "x"}}));
        assert_eq!(decode("0=x&=y").unwrap(), json!({"0": "x", "": "y"}));
        assert_eq!(
            decode("v=a=b%26c%2Bd+e&w=%E2%82%AC").unwrap(),
            json!({"v": "a=b&c+d e", "w": "€"})
        );
        assert_eq!(decode("metadata=").unwrap(), json!({"metadata": ""}));
        assert_eq!(decode("q=%5B%5D").unwrap(), json!({"q": "[]"}));
        assert_eq!(decode("q=[]").unwrap(), json!({"q": "[]"}));
    }

    fn malformed_at(input: &str) -> usize {
        match decode(input) {
            Err(FormError::Malformed { position, .. }) => position,
            other => panic!("{input:?}: expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn malformed_input_reports_byte_position() {
        assert_eq!(malformed_at("a=%zz"), 2);
        assert_eq!(malformed_at("a=1&b=%4"), 6);
        assert_eq!(malformed_at("a=1&b=%"), 6);
        assert_eq!(malformed_at("a%G1=1"), 1);
        assert_eq!(malformed_at("a[b=1"), 1);
        assert_eq!(malformed_at("x=1&a]=1"), 5);
        assert_eq!(malformed_at("a[b]c=1"), 4);
        assert_eq!(malformed_at("a[b[c]]=1"), 3);
        assert_eq!(malformed_at("[a]=1"), 0);
        assert_eq!(malformed_at("x=1&%5Ba%5D=1"), 4);
        assert_eq!(malformed_at("a%5Bb%5Dc=1"), 8);
        assert_eq!(malformed_at("a[][b]=1"), 1);
        assert_eq!(malformed_at("a[99999999999999999999999]=1"), 2);
    }

    #[test]
    fn invalid_utf8_reports_byte_position() {
        assert_eq!(decode("a=%FF"), Err(FormError::InvalidUtf8 { position: 2 }));
        assert_eq!(
            decode("a=ok&b%C3=1"),
            Err(FormError::InvalidUtf8 { position: 6 })
        );
        assert_eq!(
            decode("a=x%E2%82"),
            Err(FormError::InvalidUtf8 { position: 3 })
        );
    }

    #[test]
    fn structural_errors() {
        let conflict = |key: &str| {
            Err(FormError::Conflict {
                key: key.to_owned(),
            })
        };
        assert_eq!(decode("a=1&a[b]=2"), conflict("a"));
        assert_eq!(decode("a[b]=2&a=1"), conflict("a"));
        assert_eq!(decode("a[b][c]=1&a[b]=2"), conflict("a[b]"));
        assert_eq!(decode("a[0]=x&a[b]=y"), conflict("a"));
        assert_eq!(decode("a[b]=x&a[0]=y"), conflict("a"));
        assert_eq!(decode("a[]=x&a[k]=y"), conflict("a"));
        assert_eq!(decode("a[0][b]=x&a[0]=y"), conflict("a[0]"));
        assert_eq!(
            decode("a=1&a=2"),
            Err(FormError::Duplicate {
                key: "a".to_owned()
            })
        );
        assert_eq!(
            decode("a[0]=1&a%5B0%5D=2"),
            Err(FormError::Duplicate {
                key: "a[0]".to_owned()
            })
        );
        assert_eq!(
            decode("a[0]=x&a[2]=y"),
            Err(FormError::IndexGap {
                key: "a".to_owned(),
                missing: 1
            })
        );
        assert_eq!(
            decode("m[k][1]=x"),
            Err(FormError::IndexGap {
                key: "m[k]".to_owned(),
                missing: 0
            })
        );
        assert_eq!(
            decode("a[4294967295]=x"),
            Err(FormError::IndexGap {
                key: "a".to_owned(),
                missing: 0
            })
        );
    }

    #[test]
    fn decode_depth_limit() {
        let key = |n: usize| format!("a{}", "[b]".repeat(n));
        assert!(decode(&format!("{}=1", key(MAX_DEPTH))).is_ok());
        assert_eq!(
            decode(&format!("{}=1", key(MAX_DEPTH + 1))),
            Err(FormError::TooDeep {
                depth: MAX_DEPTH + 1
            })
        );
        assert_eq!(
            decode(&format!("{}=1", key(100_000))),
            Err(FormError::TooDeep { depth: 100_000 })
        );
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

        #[test]
        fn numbers_read_back_as_the_same_f64(
            f in any::<f64>().prop_filter("finite", |f| f.is_finite())
        ) {
            let text = number_to_string(&Number::from_f64(f).unwrap());
            // JavaScript writes -0 as `0`.
            let expected = if f.to_bits() == (-0.0_f64).to_bits() { 0.0 } else { f };
            prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), expected.to_bits(), "{}", text);
        }

        #[test]
        fn decode_never_panics_on_any_string(s in any::<String>()) {
            let _ = decode(&s);
        }

        #[test]
        fn decode_never_panics_on_form_like_strings(s in "[\\[\\]a0-9%+=&bcFz é]{0,40}") {
            let _ = decode(&s);
        }

        #[test]
        fn decode_never_panics_on_arbitrary_bytes(
            bytes in prop::collection::vec(any::<u8>(), 0..64)
        ) {
            let _ = decode(&String::from_utf8_lossy(&bytes));
        }
    }
}
