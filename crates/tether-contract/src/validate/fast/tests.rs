//! The fast path against the `jsonschema` path: the same verdict on hand-picked edge
//! cases, on every fixture body and on mutated fixture bodies (proptest). The verdict of
//! the `jsonschema` path is the expectation: the fast path may only agree with it.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::super::compile::BodyValidator;
use super::super::{match_media, response_for, ContractValidator, FormatPolicy, ValidatorOptions};
use super::Verdict;
use crate::fixture::{Envelope, Kind};
use crate::Document;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `jsonschema` verdict on bytes: parsed (serde_json's limits) and valid.
fn slow(bv: &BodyValidator, bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok_and(|v| bv.is_valid(&v))
}

/// Both verdicts; panics when the fast path says valid and the slow one does not.
fn both(bv: &BodyValidator, bytes: &[u8]) -> (Verdict, bool) {
    let fast = bv.fast_check(bytes);
    let slow = slow(bv, bytes);
    assert!(
        fast != Verdict::Valid || slow,
        "fast path says valid, jsonschema does not: {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(400)])
    );
    (fast, slow)
}

/// Fast verdict equals the slow one (and the body is not unsupported).
fn agree(bv: &BodyValidator, bytes: &[u8]) -> bool {
    let (fast, slow) = both(bv, bytes);
    assert_ne!(
        fast,
        Verdict::Unsupported,
        "the body fell back to the slow path"
    );
    assert_eq!(
        fast == Verdict::Valid,
        slow,
        "verdicts differ on {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(400)])
    );
    slow
}

/// The response body validator of a one-operation contract whose 200 body is `schema`.
fn body(schema: Value, components: Value, formats: FormatPolicy) -> Arc<BodyValidator> {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/things": {"get": {
            "operationId": "op",
            "responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"schema": schema}}
            }}
        }}},
        "components": {"schemas": components}
    });
    let bytes = serde_json::to_vec(&doc).unwrap();
    let doc = Document::from_bytes(Path::new("t.json"), &bytes).unwrap();
    let v = ContractValidator::new(
        &doc,
        &ValidatorOptions {
            formats,
            ..ValidatorOptions::default()
        },
    )
    .unwrap();
    let op = v.operation("op").unwrap();
    let media = &response_for(op, 200).unwrap().media[0];
    media.compiled().unwrap()
}

fn check_all(bv: &BodyValidator, cases: &[(&str, bool)]) {
    for (text, expected) in cases {
        let got = agree(bv, text.as_bytes());
        assert_eq!(got, *expected, "{text}");
    }
}

#[test]
fn scalars_and_numbers() {
    let bv = body(
        json!({"type": "object", "properties": {
            "i": {"type": "integer"},
            "i32": {"type": "integer", "format": "int32"},
            "i64": {"type": "integer", "format": "int64"},
            "n": {"type": "number", "minimum": 0, "exclusiveMaximum": true, "maximum": 10},
            "m": {"type": "number", "multipleOf": 0.5},
            "b": {"type": "boolean", "nullable": true},
            "e": {"type": "integer", "enum": [1, 2]},
            "s": {"type": "string", "minLength": 2, "maxLength": 3},
            "p": {"type": "string", "pattern": "^[a-z]+\\d$"},
            "se": {"type": "string", "enum": ["a", "b\"c"], "nullable": true}
        }}),
        json!({}),
        FormatPolicy::Assert,
    );
    check_all(
        &bv,
        &[
            (r#"{}"#, true),
            (r#"{"i": 1}"#, true),
            (r#"{"i": 1.0}"#, false),
            (r#"{"i": 1e2}"#, false),
            (r#"{"i": -0}"#, false),
            (r#"{"i": 18446744073709551615}"#, true),
            (r#"{"i": 18446744073709551616}"#, true),
            (r#"{"i": 1e400}"#, false),
            (r#"{"i": "1"}"#, false),
            (r#"{"i": null}"#, false),
            (r#"{"i32": 2147483647}"#, true),
            (r#"{"i32": 2147483648}"#, false),
            (r#"{"i32": -2147483649}"#, false),
            (r#"{"i64": 9223372036854775807}"#, true),
            (r#"{"i64": 9223372036854775808}"#, false),
            (r#"{"i64": -9223372036854775808}"#, true),
            (r#"{"n": 0}"#, true),
            (r#"{"n": 9.99}"#, true),
            (r#"{"n": 10}"#, false),
            (r#"{"n": -0.1}"#, false),
            (r#"{"m": 1.5}"#, true),
            (r#"{"m": 1.25}"#, false),
            (r#"{"b": null}"#, true),
            (r#"{"b": false}"#, true),
            (r#"{"b": 0}"#, false),
            (r#"{"e": 2}"#, true),
            (r#"{"e": 3}"#, false),
            (r#"{"s": "ab"}"#, true),
            (r#"{"s": "a"}"#, false),
            (r#"{"s": "abcd"}"#, false),
            (r#"{"s": "äöü"}"#, true),
            (r#"{"s": "äöüß"}"#, false),
            (r#"{"s": "\u00e4\u00f6"}"#, true),
            (r#"{"p": "abc1"}"#, true),
            (r#"{"p": "abc"}"#, false),
            (r#"{"se": "b\"c"}"#, true),
            (r#"{"se": null}"#, true),
            (r#"{"se": "c"}"#, false),
            (r#"{"i": 1} x"#, false),
            (r#"{"i": 1"#, false),
            (r#"{"s": "\ud800"}"#, false),
            (r#"{"x": "\ud800"}"#, false),
            (r#"{"x": [1e400]}"#, false),
            (r#"{"x": {"y": [true, null, "z"]}}"#, true),
        ],
    );
}

#[test]
fn formats_asserted_and_ignored() {
    let schema = json!({"type": "object", "properties": {
        "u": {"type": "string", "format": "uri"},
        "d": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "e": {"type": "string", "format": "email"},
        "id": {"type": "string", "format": "uuid"},
        "v4": {"type": "string", "format": "ipv4"},
        "v6": {"type": "string", "format": "ipv6"},
        "h": {"type": "string", "format": "hostname"}
    }});
    let cases = [
        (r#"{"u": "https://api.github.com/repos/a/b"}"#, true),
        (r#"{"u": "not a uri"}"#, false),
        (r#"{"u": "/relative"}"#, false),
        (r#"{"d": "2011-01-26T19:01:12Z"}"#, true),
        (r#"{"d": "2011-01-26 19:01:12"}"#, false),
        (r#"{"d": "2011-02-30T19:01:12Z"}"#, false),
        (r#"{"day": "2024-02-29"}"#, true),
        (r#"{"day": "2023-02-29"}"#, false),
        (r#"{"e": "octocat@github.com"}"#, true),
        (r#"{"e": "octocat"}"#, false),
        (r#"{"id": "123e4567-e89b-12d3-a456-426614174000"}"#, true),
        (r#"{"id": "123e4567"}"#, false),
        (r#"{"v4": "127.0.0.1"}"#, true),
        (r#"{"v4": "256.0.0.1"}"#, false),
        (r#"{"v6": "::1"}"#, true),
        (r#"{"v6": ":::1"}"#, false),
        (r#"{"h": "-not-a-host-"}"#, true),
    ];
    let bv = body(schema.clone(), json!({}), FormatPolicy::Assert);
    check_all(&bv, &cases);
    let bv = body(schema, json!({}), FormatPolicy::Ignore);
    for (text, _) in cases {
        assert!(agree(&bv, text.as_bytes()), "{text}");
    }
}

#[test]
fn objects_required_additional_and_duplicates() {
    let bv = body(
        json!({"type": "object", "required": ["a", "z"], "additionalProperties": false,
               "properties": {"a": {"type": "string"}, "b": {"$ref": "#/components/schemas/B"}, "z": {}}}),
        json!({"B": {"type": "object", "additionalProperties": {"type": "integer"}}}),
        FormatPolicy::Assert,
    );
    check_all(
        &bv,
        &[
            (r#"{"a": "x"}"#, false),
            (r#"{"a": "x", "z": 1}"#, true),
            (r#"{"a": "x", "z": 1, "c": 1}"#, false),
            (r#"{"a": "x", "z": 1, "b": {"k": 1, "l": 2}}"#, true),
            (r#"{"a": "x", "z": 1, "b": {"k": "1"}}"#, false),
            (r#"{"a": "x", "z": 1, "b": []}"#, false),
            (r#"[]"#, false),
            (r#""a""#, false),
        ],
    );
    // Duplicate keys: `Value` keeps the last; the fast path gives up (never "valid"
    // where the slow path would not be).
    for text in [
        r#"{"a": 1, "a": "x", "z": 1}"#,
        r#"{"a": "x", "a": "y", "z": 1}"#,
        r#"{"a": "x", "z": 1, "b": {"k": "1", "k": 1}}"#,
    ] {
        let (fast, _) = both(&bv, text.as_bytes());
        assert_eq!(fast, Verdict::Invalid, "{text}");
    }
}

#[test]
fn arrays_and_nesting_limit() {
    let bv = body(
        json!({"type": "array", "minItems": 1, "maxItems": 3, "items": {}}),
        json!({}),
        FormatPolicy::Assert,
    );
    let nested = |n: usize| format!("[{}{}]", "[".repeat(n - 1), "]".repeat(n - 1));
    check_all(
        &bv,
        &[
            ("[]", false),
            ("[1]", true),
            ("[1, 2, 3, 4]", false),
            (&nested(126), true),
            (&nested(127), true),
            (&nested(128), false),
            (&nested(300), false),
        ],
    );
    // The same limit inside a captured `oneOf` member (parsed again from the capture).
    let bv = body(
        json!({"type": "object", "properties": {"x": {"oneOf": [
            {"type": "array"}, {"type": "array", "maxItems": 0}
        ]}}}),
        json!({}),
        FormatPolicy::Assert,
    );
    let wrapped = |n: usize| format!(r#"{{"x": {}}}"#, nested(n));
    check_all(
        &bv,
        &[
            (r#"{"x": []}"#, false),
            (r#"{"x": [1]}"#, true),
            (&wrapped(126), true),
            (&wrapped(127), false),
            (&wrapped(200), false),
        ],
    );
}

#[test]
fn compositions() {
    let components = json!({
        "Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        "Cat": {"type": "object", "required": ["kind", "claws"], "properties": {"kind": {"type": "string"}, "claws": {"type": "integer"}}},
        "Dog": {"type": "object", "required": ["kind", "bark"], "properties": {"kind": {"type": "string"}, "bark": {"type": "boolean"}}}
    });
    let bv = body(
        json!({"type": "object", "properties": {
            "wrapped": {"allOf": [{"$ref": "#/components/schemas/Pet"}], "nullable": true},
            "sibling": {"$ref": "#/components/schemas/Pet", "nullable": true},
            "expandable": {"anyOf": [{"type": "string", "maxLength": 3}, {"$ref": "#/components/schemas/Pet"}], "nullable": true},
            "one": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}]},
            "any": {"anyOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]},
            "all": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"required": ["age"]}]},
            "mixed": {"type": "object", "required": ["x"], "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]},
            "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                    "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}}
        }}),
        components,
        FormatPolicy::Assert,
    );
    check_all(
        &bv,
        &[
            (
                r#"{"wrapped": null, "sibling": null, "expandable": null}"#,
                true,
            ),
            (
                r#"{"wrapped": {"name": "a"}, "sibling": {"name": "b"}}"#,
                true,
            ),
            (r#"{"wrapped": {}}"#, false),
            (r#"{"sibling": 1}"#, false),
            (r#"{"expandable": "cus"}"#, true),
            (r#"{"expandable": "cus_1"}"#, false),
            (r#"{"expandable": {"name": "x"}}"#, true),
            (r#"{"expandable": {"name": 1}}"#, false),
            (r#"{"expandable": 1}"#, false),
            (r#"{"one": 1}"#, true),
            (r#"{"one": 12}"#, false),
            (r#"{"one": 12.5}"#, true),
            (r#"{"one": 1.5}"#, false),
            (r#"{"any": {"kind": "c", "claws": 1}}"#, true),
            (r#"{"any": {"kind": "c", "claws": 1, "bark": true}}"#, true),
            (r#"{"any": {"kind": "c"}}"#, false),
            (r#"{"all": {"name": "a", "age": 1}}"#, true),
            (r#"{"all": {"name": "a"}}"#, false),
            (r#"{"mixed": {"x": 1, "kind": "c", "claws": 1}}"#, true),
            (r#"{"mixed": {"kind": "c", "claws": 1}}"#, false),
            (
                r#"{"mixed": {"x": 1, "kind": "c", "claws": 1, "bark": true}}"#,
                false,
            ),
            (r#"{"pet": {"kind": "cat", "claws": 1}}"#, true),
            (r#"{"pet": {"kind": "Dog", "bark": true}}"#, true),
            (r#"{"pet": {"kind": "Dog", "claws": 1}}"#, false),
            (r#"{"pet": {"kind": "dog", "bark": true}}"#, false),
            (r#"{"pet": {"bark": true}}"#, false),
            (
                r#"{"pet": {"kind": "cat", "claws": 1, "kind": "Dog"}}"#,
                false,
            ),
            (r#"{"pet": "cat"}"#, false),
        ],
    );
}

#[test]
fn recursive_schema() {
    let bv = body(
        json!({"$ref": "#/components/schemas/Node"}),
        json!({"Node": {"type": "object", "required": ["v"], "properties": {
            "v": {"type": "integer"},
            "next": {"$ref": "#/components/schemas/Node"}
        }}}),
        FormatPolicy::Assert,
    );
    check_all(
        &bv,
        &[
            (r#"{"v": 1, "next": {"v": 2, "next": {"v": 3}}}"#, true),
            (r#"{"v": 1, "next": {"v": 2, "next": {}}}"#, false),
        ],
    );
}

#[test]
fn unsupported_keywords_fall_back() {
    for schema in [
        json!({"not": {"type": "string"}}),
        json!({"type": "object", "properties": {"a": {"not": {"type": "string"}}}}),
    ] {
        let bv = body(schema.clone(), json!({}), FormatPolicy::Assert);
        assert!(bv.fast_unsupported().is_some(), "{schema}");
        assert_eq!(bv.fast_check(b"[]"), Verdict::Unsupported);
    }
}

#[test]
fn whole_value_keywords() {
    let bv = body(
        json!({"type": "object", "minProperties": 1, "maxProperties": 2, "properties": {
            "u": {"type": "array", "uniqueItems": true, "items": {"nullable": true}},
            "o": {"type": "object", "additionalProperties": {"type": "integer"}, "maxProperties": 1}
        }}),
        json!({}),
        FormatPolicy::Assert,
    );
    assert_eq!(bv.fast_unsupported(), None);
    check_all(
        &bv,
        &[
            (r#"{}"#, false),
            (r#"{"u": []}"#, true),
            (r#"{"u": [1, 2, "1"]}"#, true),
            (r#"{"u": [1, 1.0]}"#, false),
            // The engine's verdict on objects differing only in key order (whatever it
            // is, the fast path must give the same).
            (r#"{"u": [{"a": 1, "b": [2]}, {"b": [2], "a": 1}]}"#, true),
            (r#"{"u": [{"a": 1, "b": [2]}, {"a": 1, "b": [2]}]}"#, false),
            (r#"{"u": [{"a": 1}, {"a": 2}, null]}"#, true),
            (r#"{"u": [null, null]}"#, false),
            (r#"{"u": "x"}"#, false),
            (r#"{"o": {"a": 1}}"#, true),
            (r#"{"o": {"a": 1, "b": 2}}"#, false),
            (r#"{"o": {"a": "1"}}"#, false),
            (r#"{"u": [], "o": {}, "x": 1}"#, false),
            (r#"{"u": [[[[1]]], [[[1]]]]}"#, false),
        ],
    );
    // A repeated key counts once in a `Value`; the fast path gives up on it.
    let (fast, slow) = both(&bv, br#"{"o": {"a": 1, "a": 2}}"#);
    assert_eq!((fast, slow), (Verdict::Invalid, true));
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

/// Every fixture envelope with a JSON body: (file, its body validator, the body bytes).
fn fixture_bodies() -> Vec<(PathBuf, Arc<BodyValidator>, Vec<u8>)> {
    fixture_bodies_with(&ValidatorOptions::default())
}

/// [`fixture_bodies`] with validators built with `options`.
fn fixture_bodies_with(options: &ValidatorOptions) -> Vec<(PathBuf, Arc<BodyValidator>, Vec<u8>)> {
    let mut out = Vec::new();
    let fixtures = root().join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        // `<provider>.<resource>.v<N>` → contracts/<provider>/<resource>.v<N>.yaml
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let (provider, rest) = name.split_once('.').unwrap();
        let contract = root().join(format!("contracts/{provider}/{rest}.yaml"));
        let doc = Document::load(&contract).unwrap();
        let v = ContractValidator::new(&doc, options).unwrap();
        for sub in ["good", "bad"] {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for file in files {
                let env = Envelope::load(&file).unwrap();
                let Some(body) = &env.body else { continue };
                let Ok(op) = v.operation(&env.operation) else {
                    continue;
                };
                let content_type = env
                    .headers
                    .get("content-type")
                    .cloned()
                    .unwrap_or_else(|| "application/json".into());
                let media = match env.kind {
                    Kind::Response => {
                        let Ok(r) = response_for(op, env.status.unwrap_or(0)) else {
                            continue;
                        };
                        match_media(&r.media, &content_type)
                    }
                    Kind::Request => op
                        .request
                        .as_ref()
                        .and_then(|r| match_media(&r.media, &content_type)),
                };
                let Some(bv) = media.and_then(|m| m.compiled()) else {
                    continue;
                };
                out.push((file, bv, serde_json::to_vec(body).unwrap()));
            }
        }
    }
    out
}

/// Every body's fast verdict (when it has one) equals the `jsonschema` verdict, and most
/// bodies take the fast path (the rest fall back by design). Returns how many the
/// `jsonschema` path refuses.
fn assert_same_verdicts(bodies: &[(PathBuf, Arc<BodyValidator>, Vec<u8>)]) -> usize {
    let (mut fast, mut invalid) = (0, 0);
    for (file, bv, bytes) in bodies {
        let (verdict, slow) = both(bv, bytes);
        if let Some(why) = bv.fast_unsupported() {
            eprintln!("{}: slow path only ({why})", file.display());
        }
        if verdict != Verdict::Unsupported {
            fast += 1;
            assert_eq!(
                verdict == Verdict::Valid,
                slow,
                "{}: fast {verdict:?}, jsonschema {slow}",
                file.display()
            );
        }
        invalid += usize::from(!slow);
    }
    assert!(fast * 10 >= bodies.len() * 8, "{fast} of {}", bodies.len());
    invalid
}

#[test]
fn fixtures_same_verdict() {
    let bodies = fixture_bodies();
    assert!(bodies.len() > 100, "only {} fixture bodies", bodies.len());
    assert_same_verdicts(&bodies);
}

/// Under `NullableReading::Spec` the converter writes no null wrappers and `nullable`
/// enums keep their values, so many good fixtures (Stripe's and GitHub's nulls) become
/// invalid: the fast path must still agree with the `jsonschema` path on every one.
#[test]
fn fixtures_same_verdict_under_the_spec_nullable_reading() {
    let options = ValidatorOptions {
        nullable: super::super::NullableReading::Spec,
        ..ValidatorOptions::default()
    };
    let invalid = assert_same_verdicts(&fixture_bodies_with(&options));
    // The reading changes verdicts: more bodies are refused than under the default.
    let default_invalid = assert_same_verdicts(&fixture_bodies());
    assert!(invalid > default_invalid, "{invalid} vs {default_invalid}");
}

#[test]
fn benchmarked_bodies_take_the_fast_path() {
    let bodies = fixture_bodies();
    for prefix in [
        "github.repos.v1/good/repos.get.",
        "github.repos.v1/good/issues.list-for-repo.",
        "stripe.customers.v1/good/GetCustomers.",
    ] {
        let matching: Vec<_> = bodies
            .iter()
            .filter(|(f, _, _)| f.to_str().unwrap().contains(prefix))
            .collect();
        assert!(!matching.is_empty(), "{prefix}");
        for (file, bv, bytes) in matching {
            assert_eq!(bv.fast_unsupported(), None, "{}", file.display());
            assert_eq!(bv.fast_check(bytes), Verdict::Valid, "{}", file.display());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Mutated fixture bodies
// ---------------------------------------------------------------------------------------

/// Good fixture bodies of the benchmarked operations plus a few others, parsed.
fn seeds() -> &'static [(Arc<BodyValidator>, Value)] {
    static SEEDS: std::sync::OnceLock<Vec<(Arc<BodyValidator>, Value)>> =
        std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        fixture_bodies()
            .into_iter()
            .filter(|(f, bv, _)| {
                f.to_str().unwrap().contains("/good/") && bv.fast_unsupported().is_none()
            })
            .map(|(_, bv, bytes)| (bv, serde_json::from_slice(&bytes).unwrap()))
            .collect()
    })
}

/// Every JSON pointer inside a value.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, c) in map {
                pointers(
                    c,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

#[derive(Clone, Debug)]
enum Mutation {
    Remove,
    Replace(Value),
    Wrap,
    Nest(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::Remove),
        1 => Just(Mutation::Wrap),
        1 => (100usize..140).prop_map(Mutation::Nest),
        6 => prop_oneof![
            Just(Value::Null),
            Just(json!("x")),
            Just(json!("")),
            Just(json!("not a uri")),
            Just(json!("https://example.com/a")),
            Just(json!("2011-01-26T19:01:12Z")),
            Just(json!("2011-13-26T19:01:12Z")),
            Just(json!("open")),
            Just(json!("private")),
            Just(json!(0)),
            Just(json!(-1)),
            Just(json!(1.5)),
            Just(json!(2147483648_u64)),
            Just(json!(9223372036854775808_u64)),
            Just(json!(1e300)),
            Just(json!(true)),
            Just(json!({})),
            Just(json!([])),
            Just(json!({"id": 1})),
            "[a-z]{0,8}".prop_map(Value::String),
        ]
        .prop_map(Mutation::Replace),
    ]
}

fn apply(mut v: Value, pointer: &str, m: &Mutation) -> Value {
    match m {
        Mutation::Remove => {
            if let Some((parent, key)) = pointer.rsplit_once('/') {
                match v.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.shift_remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = key.parse::<usize>() {
                            if i < items.len() {
                                items.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Replace(new) => {
            if let Some(slot) = v.pointer_mut(pointer) {
                *slot = new.clone();
            }
        }
        Mutation::Wrap => {
            if let Some(slot) = v.pointer_mut(pointer) {
                *slot = Value::Array(vec![slot.take()]);
            }
        }
        Mutation::Nest(depth) => {
            if let Some(slot) = v.pointer_mut(pointer) {
                let mut inner = json!(1);
                for _ in 0..*depth {
                    inner = Value::Array(vec![inner]);
                }
                *slot = inner;
            }
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_fixture_bodies_same_verdict(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..3),
    ) {
        let seeds = seeds();
        let (bv, value) = &seeds[which.index(seeds.len())];
        let mut value = value.clone();
        for (at, m) in &mutations {
            let mut ps = Vec::new();
            pointers(&value, String::new(), &mut ps);
            let p = ps[at.index(ps.len())].clone();
            value = apply(value, &p, m);
        }
        // Serialized by hand past serde_json's own nesting limit.
        let bytes = serde_json::to_vec(&value).unwrap();
        agree(bv, &bytes);
    }

    #[test]
    fn arbitrary_bytes_never_valid_alone(
        which in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        noise in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        // A fixture body cut short and followed by noise: whatever the fast path says,
        // "valid" must be the slow path's verdict too.
        let seeds = seeds();
        let (bv, value) = &seeds[which.index(seeds.len())];
        let mut bytes = serde_json::to_vec(value).unwrap();
        bytes.truncate(cut.index(bytes.len() + 1));
        bytes.extend(noise);
        both(bv, &bytes);
    }

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let seeds = seeds();
        for (bv, _) in seeds.iter().take(3) {
            both(bv, &bytes);
        }
    }
}
