//! [`decode`]: a Stripe-style form body to nested JSON whose leaves are all strings,
//! following the rules in the docs of the parent module (`form`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::{FormError, MAX_DEPTH};
use serde_json::{Map, Value};

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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

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
