//! [`encode`]: a JSON object to a Stripe-style form body, following the rules in the
//! docs of the parent module (`form`).

use std::fmt::Write as _;

use super::{FormError, MAX_DEPTH};
use crate::error::json_type;
use serde_json::{Number, Value};

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
pub(super) fn number_to_string(n: &Number) -> String {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::form::decode;
    use proptest::prelude::*;
    use serde_json::json;

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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn numbers_read_back_as_the_same_f64(
            f in any::<f64>().prop_filter("finite", |f| f.is_finite())
        ) {
            let text = number_to_string(&Number::from_f64(f).unwrap());
            // JavaScript writes -0 as `0`.
            let expected = if f.to_bits() == (-0.0_f64).to_bits() { 0.0 } else { f };
            prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), expected.to_bits(), "{}", text);
        }
    }
}
