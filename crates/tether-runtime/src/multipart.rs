//! `multipart/form-data` (RFC 7578) request bodies.
//!
//! progenitor cannot type a multipart body, so the projection types it as the JSON object
//! its schema describes (binary properties as byte lists, `Vec<u8>`) and the runtime
//! writes that object as parts here: one text part per scalar property, one part per
//! element of a list, an object as an `application/json` part, a binary property as a file
//! part of its bytes; `null` properties are left out, as an HTML form leaves out an empty
//! file input. The body is built as bytes, not with reqwest's streaming `multipart::Form`,
//! because a retry sends the same request again and a stream can be read only once.

use serde_json::Value;

/// Why a typed body cannot be written as parts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultipartError {
    /// The typed body is not a JSON object.
    #[error("the body is not an object of fields")]
    NotAnObject,
    /// A binary property does not hold bytes (a list of integers 0..=255).
    #[error("field `{0}` is binary: expected its bytes")]
    NotBytes(String),
    /// The `Content-Type` made is not a header value (its boundary is letters and digits,
    /// so this does not happen; it is an error rather than a panic all the same).
    #[error("`{0}` is not a valid Content-Type header value")]
    ContentType(String),
}

/// A boundary that occurs in none of the parts (RFC 2046 §5.1.1: at most 70 characters).
pub fn boundary_for(parts: &[u8]) -> String {
    loop {
        let token: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(32)
            .collect();
        let boundary = format!("tether-{token}");
        if !contains(parts, boundary.as_bytes()) {
            return boundary;
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One part before framing: its name, file name (binary parts), content type and bytes.
struct Part<'a> {
    name: String,
    file: bool,
    content_type: Option<&'a str>,
    bytes: Vec<u8>,
}

/// The body's parts, in the object's order; `binary` names the properties whose values are
/// bytes, each as `name` or `name=content/type` (the contract's `encoding`).
fn parts<'a>(body: &Value, binary: &[&'a str]) -> Result<Vec<Part<'a>>, MultipartError> {
    let file_type = |name: &str| -> Option<&'a str> {
        binary.iter().find_map(|b| match b.split_once('=') {
            Some((n, ct)) if n == name => Some(ct),
            None if *b == name => Some("application/octet-stream"),
            _ => None,
        })
    };
    let Value::Object(fields) = body else {
        return Err(MultipartError::NotAnObject);
    };
    let mut out = Vec::new();
    for (name, value) in fields {
        if let Some(content_type) = file_type(name) {
            if value.is_null() {
                continue;
            }
            let bytes = value
                .as_array()
                .and_then(|items| {
                    items
                        .iter()
                        .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                        .collect::<Option<Vec<u8>>>()
                })
                .ok_or_else(|| MultipartError::NotBytes(name.clone()))?;
            out.push(Part {
                name: name.clone(),
                file: true,
                content_type: Some(content_type),
                bytes,
            });
            continue;
        }
        let values: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for value in values {
            let (content_type, bytes) = match value {
                Value::Null => continue,
                Value::String(s) => (None, s.clone().into_bytes()),
                Value::Bool(_) | Value::Number(_) => (None, value.to_string().into_bytes()),
                Value::Array(_) | Value::Object(_) => {
                    (Some("application/json"), value.to_string().into_bytes())
                }
            };
            out.push(Part {
                name: name.clone(),
                file: false,
                content_type,
                bytes,
            });
        }
    }
    Ok(out)
}

/// A field name in a `Content-Disposition` parameter: `"`, CR and LF percent-encoded, as
/// browsers do (RFC 7578 §2 leaves the escaping to the form's encoder).
fn quoted(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The body and its `Content-Type` (`multipart/form-data; boundary=…`).
pub fn encode(body: &Value, binary: &[&str]) -> Result<(Vec<u8>, String), MultipartError> {
    let parts = parts(body, binary)?;
    let all: Vec<u8> = parts
        .iter()
        .flat_map(|p| p.bytes.iter().copied().chain(p.name.bytes()))
        .collect();
    let boundary = boundary_for(&all);
    let mut out = Vec::with_capacity(all.len() + parts.len() * 128);
    for part in &parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let name = quoted(&part.name);
        let disposition = if part.file {
            format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n")
        } else {
            format!("Content-Disposition: form-data; name=\"{name}\"\r\n")
        };
        out.extend_from_slice(disposition.as_bytes());
        if let Some(ct) = part.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((out, format!("multipart/form-data; boundary={boundary}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(body: &Value, binary: &[&str]) -> (String, String) {
        let (bytes, content_type) = encode(body, binary).unwrap();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap()
            .to_owned();
        (String::from_utf8_lossy(&bytes).into_owned(), boundary)
    }

    #[test]
    fn each_kind_of_field_becomes_its_part() {
        let body = json!({
            "title": "Q3 report",
            "pages": 12,
            "draft": false,
            "tags": ["a", "b"],
            "meta": {"k": 1},
            "gone": null,
            "file": [104, 105]
        });
        let (got, b) = text(&body, &["file=image/png"]);
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nQ3 report\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"pages\"\r\n\r\n12\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"draft\"\r\n\r\nfalse\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\na\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nb\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"k\":1}}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\nContent-Type: image/png\r\n\r\nhi\r\n\
             --{b}--\r\n"
        );
        assert_eq!(got, want);
    }

    #[test]
    fn the_boundary_never_occurs_in_a_part_and_names_are_escaped() {
        let (got, b) = text(&json!({"a\"b\r\n": "x"}), &[]);
        assert!(got.contains("name=\"a%22b%0D%0A\""), "{got}");
        assert_eq!(got.matches(b.as_str()).count(), 2);
        assert!(b.len() <= 70);
    }

    #[test]
    fn binary_fields_must_hold_bytes() {
        for bad in [json!("text"), json!([1, 256]), json!([-1]), json!({"a": 1})] {
            assert_eq!(
                encode(&json!({ "file": bad }), &["file"]).unwrap_err(),
                MultipartError::NotBytes("file".into())
            );
        }
        assert_eq!(
            encode(&json!([1]), &[]).unwrap_err(),
            MultipartError::NotAnObject
        );
    }
}
