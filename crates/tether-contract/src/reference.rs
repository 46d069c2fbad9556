//! `$ref`: the one follower of local references for the whole workspace.
//!
//! A reference is a URI; Tether reads only local ones (`#` + a JSON pointer, RFC 6901),
//! and reads their fragment the way RFC 3986 §3.5 writes it: percent-encoded. So
//! `#/paths/~1v2~1clusters~1%7Bcluster_id%7D/get` names the path `/v2/clusters/{cluster_id}`
//! (DigitalOcean's description writes its references this way). Every crate that follows
//! a `$ref` (loader, validator, diff, codegen, sentinel, brief) goes through here, so they
//! agree on decoding, on the hop limit and on what a failure says.

use serde_json::Value;

use crate::error::escape_token;

/// The longest chain of `$ref`s followed from one node before it is called a cycle.
pub const MAX_HOPS: usize = 64;

/// Why a `$ref` could not be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefError {
    /// `$ref` holds something other than a string.
    #[error("`$ref` must be a string")]
    NotAString,
    /// Another document or a URL: Tether contracts are self-contained.
    #[error("`$ref: {0}` is not local (`#/…`); only references inside the document are read")]
    External(String),
    /// The fragment is not a JSON pointer (`#foo`, or bytes that are not UTF-8 once decoded).
    #[error("`$ref: {0}` is not a JSON pointer (`#/…`)")]
    NotAPointer(String),
    /// The pointer names no node of the document.
    #[error("`$ref: {0}` does not resolve: no such node in this document")]
    Dangling(String),
    /// More than [`MAX_HOPS`] references in a row.
    #[error("`$ref` chain longer than {MAX_HOPS} hops (a cycle?), last `$ref: {0}`")]
    TooLong(String),
}

/// The canonical JSON pointer a local reference names: the fragment percent-decoded and
/// every token escaped once (`~0`, `~1`), so two spellings of one target compare equal.
pub fn target(reference: &str) -> Result<String, RefError> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(RefError::External(reference.to_owned()));
    };
    let decoded =
        percent_decode(fragment).ok_or_else(|| RefError::NotAPointer(reference.into()))?;
    if decoded.is_empty() {
        return Ok(decoded);
    }
    if !decoded.starts_with('/') {
        return Err(RefError::NotAPointer(reference.to_owned()));
    }
    Ok(decoded
        .split('/')
        .skip(1)
        .fold(String::with_capacity(decoded.len()), |mut out, token| {
            out.push('/');
            out.push_str(&escape_token(&token.replace("~1", "/").replace("~0", "~")));
            out
        }))
}

/// The node one reference names.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Result<&'a Value, RefError> {
    let pointer = target(reference)?;
    doc.pointer(&pointer)
        .ok_or_else(|| RefError::Dangling(reference.to_owned()))
}

/// A node reached by following `$ref`s.
#[derive(Debug, Clone, Copy)]
pub struct Followed<'a> {
    /// The first node without a `$ref` (a `$ref` with siblings counts as a reference;
    /// OpenAPI 3.0 ignores the siblings).
    pub node: &'a Value,
    /// How many references were followed to reach it.
    pub hops: usize,
}

/// Follow `$ref`s from `node` until a node without one. A property map's keys are names,
/// so call this on schema positions only (a property called `$ref` is not a reference).
pub fn follow<'a>(doc: &'a Value, node: &'a Value) -> Result<Followed<'a>, RefError> {
    follow_with_pointer(doc, node).map(|(followed, _)| followed)
}

/// [`follow`], also giving the canonical pointer of the node reached (`None` when no
/// reference was followed: the node is where the caller found it).
pub fn follow_with_pointer<'a>(
    doc: &'a Value,
    node: &'a Value,
) -> Result<(Followed<'a>, Option<String>), RefError> {
    let mut node = node;
    let mut at = None;
    for hops in 0..=MAX_HOPS {
        let Some(r) = node.as_object().and_then(|o| o.get("$ref")) else {
            return Ok((Followed { node, hops }, at));
        };
        let r = r.as_str().ok_or(RefError::NotAString)?;
        if hops == MAX_HOPS {
            return Err(RefError::TooLong(r.to_owned()));
        }
        let pointer = target(r)?;
        node = doc
            .pointer(&pointer)
            .ok_or_else(|| RefError::Dangling(r.to_owned()))?;
        at = Some(pointer);
    }
    unreachable!("the loop returns at hops == MAX_HOPS")
}

/// [`follow`] for callers that treat a broken reference as "nothing more to learn here"
/// (drift, briefs, codegen heuristics): the last node reached, never an error. The loader
/// has already refused a document whose references do not resolve.
pub fn follow_or_stop<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..MAX_HOPS {
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve(doc, r).ok())
        {
            Some(next) => node = next,
            None => break,
        }
    }
    node
}

/// RFC 3986 percent-decoding of a fragment; `None` for a `%` not followed by two hex
/// digits or bytes that are not UTF-8 once decoded.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `#` + a pointer, percent-encoded as a URI fragment: the inverse of [`target`].
pub fn to_reference(pointer: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(pointer.len() + 1);
    out.push('#');
    for c in pointer.chars() {
        // RFC 3986 fragment characters: pchar / "/" / "?"; everything else is encoded.
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_percent_encoded_pointer_resolves_like_its_plain_spelling() {
        let doc = json!({"paths": {"/v2/clusters/{cluster_id}": {"get": {"parameters": [{"name": "cluster_id"}]}}}});
        let encoded = "#/paths/~1v2~1clusters~1%7Bcluster_id%7D/get/parameters/0";
        let plain = "#/paths/~1v2~1clusters~1{cluster_id}/get/parameters/0";
        assert_eq!(resolve(&doc, encoded).unwrap()["name"], "cluster_id");
        assert_eq!(target(encoded).unwrap(), target(plain).unwrap());
        assert_eq!(
            target(encoded).unwrap(),
            "/paths/~1v2~1clusters~1{cluster_id}/get/parameters/0"
        );
    }

    #[test]
    fn tokens_are_decoded_then_escaped_canonically() {
        let doc = json!({"components": {"schemas": {"a b": {"type": "string"}}}});
        assert_eq!(
            resolve(&doc, "#/components/schemas/a%20b").unwrap()["type"],
            "string"
        );
        assert_eq!(target("#/a~1b").unwrap(), "/a~1b");
        assert_eq!(target("#/a~0b").unwrap(), "/a~0b");
    }

    #[test]
    fn every_failure_names_its_reference() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}, "c": {"$ref": 3}});
        assert_eq!(
            resolve(&doc, "other.yaml#/x"),
            Err(RefError::External("other.yaml#/x".into()))
        );
        assert_eq!(
            resolve(&doc, "#/missing"),
            Err(RefError::Dangling("#/missing".into()))
        );
        assert_eq!(
            resolve(&doc, "#bad"),
            Err(RefError::NotAPointer("#bad".into()))
        );
        assert_eq!(
            resolve(&doc, "#/a%zz"),
            Err(RefError::NotAPointer("#/a%zz".into()))
        );
        assert!(matches!(follow(&doc, &doc["a"]), Err(RefError::TooLong(_))));
        assert_eq!(follow(&doc, &doc["c"]).unwrap_err(), RefError::NotAString);
        // The lenient form stops at the last node it could reach.
        assert_eq!(
            follow_or_stop(&doc, &json!({"$ref": "#/nope"}))["$ref"],
            "#/nope"
        );
    }

    #[test]
    fn follow_counts_hops_and_gives_the_canonical_pointer() {
        let doc = json!({"components": {"schemas": {
            "a": {"$ref": "#/components/schemas/b"},
            "b": {"$ref": "#/components/schemas/c%20d"},
            "c d": {"type": "integer"}
        }}});
        let start = json!({"$ref": "#/components/schemas/a"});
        let (followed, at) = follow_with_pointer(&doc, &start).unwrap();
        assert_eq!(followed.hops, 3);
        assert_eq!(followed.node["type"], "integer");
        assert_eq!(at.as_deref(), Some("/components/schemas/c d"));
        let plain = json!({"type": "string"});
        let (followed, at) = follow_with_pointer(&doc, &plain).unwrap();
        assert_eq!((followed.hops, at), (0, None));
    }

    #[test]
    fn a_chain_of_max_hops_resolves_and_one_more_does_not() {
        let mut schemas = serde_json::Map::new();
        for i in 0..MAX_HOPS {
            schemas.insert(
                format!("s{i}"),
                json!({"$ref": format!("#/components/schemas/s{}", i + 1)}),
            );
        }
        schemas.insert(format!("s{MAX_HOPS}"), json!({"type": "string"}));
        let doc = json!({"components": {"schemas": schemas}});
        let start = json!({"$ref": "#/components/schemas/s1"});
        assert_eq!(follow(&doc, &start).unwrap().hops, MAX_HOPS);
        let start = json!({"$ref": "#/components/schemas/s0"});
        assert!(matches!(follow(&doc, &start), Err(RefError::TooLong(_))));
    }

    #[test]
    fn to_reference_round_trips_through_target() {
        for pointer in [
            "/components/schemas/a b",
            "/paths/~1v2~1x~1{id}/get",
            "/é/%",
        ] {
            assert_eq!(target(&to_reference(pointer)).unwrap(), pointer);
        }
    }
}
