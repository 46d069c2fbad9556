//! No panics, whatever the input: deep nesting, alias bombs, and random bytes, text and
//! OpenAPI-shaped documents.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::load_bytes;

fn nested(open: &str, close: &str, depth: usize) -> String {
    format!("{}{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn deeply_nested_input_is_refused_without_overflow() {
    let depth = 10_000;
    let inputs: Vec<(&str, String)> = vec![
        ("acme/things.v1.yaml", "[".repeat(depth)),
        ("acme/things.v1.yaml", nested("[", "]", depth)),
        ("acme/things.v1.yaml", nested("{a: ", "}", depth)),
        ("acme/things.v1.yaml", "- ".repeat(depth) + "x\n"),
        (
            "acme/things.v1.yaml",
            // Block mappings, one more space of indentation per line (2,000 deep:
            // the text grows with the square of the depth).
            (0..2_000)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect::<String>(),
        ),
        (
            "acme/things.v1.yaml",
            format!("openapi: 3.1.0\npaths: {}\n", nested("{a: ", "}", depth)),
        ),
        ("acme/things.v1.json", "[".repeat(depth)),
        ("acme/things.v1.json", nested("[", "]", depth)),
        ("acme/things.v1.json", nested("{\"a\":", "}", depth)),
    ];
    for (name, text) in inputs {
        let result = load_bytes(name, text.as_bytes());
        assert!(
            result.is_err(),
            "{name}: {} bytes of nesting loaded",
            text.len()
        );
    }
}

/// Nesting just under the parsers' limit goes all the way through conversion, `$ref`
/// checking and operation reading.
#[test]
fn nesting_below_the_parser_limit_loads_or_fails_cleanly() {
    for depth in [100, 120, 125] {
        let schema = nested("{properties: {p: ", "}}", depth / 2);
        let text = format!(
            "openapi: 3.1.0\ninfo: {{version: 1.0.0}}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n"
        );
        let _ = load_bytes("acme/things.v1.yaml", text.as_bytes());
    }
}

#[test]
fn alias_bombs_are_refused() {
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n\
                  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
                  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n\
                  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n\
                  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n\
                  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    assert!(load_bytes("acme/things.v1.yaml", laughs.as_bytes()).is_err());
    // An alias to the node that is still being defined.
    let recursive = "a: &a [*a]\n";
    assert!(load_bytes("acme/things.v1.yaml", recursive.as_bytes()).is_err());
}

/// Keys and strings an OpenAPI loader looks at, so that random documents reach the
/// 3.1 conversion, the `$ref` checks and the operation reader.
const WORDS: &[&str] = &[
    "openapi",
    "3.0.3",
    "3.1.0",
    "info",
    "version",
    "1.0.0",
    "paths",
    "/a",
    "/a/{id}",
    "/{x}/{",
    "get",
    "post",
    "delete",
    "operationId",
    "parameters",
    "name",
    "id",
    "in",
    "path",
    "query",
    "required",
    "requestBody",
    "responses",
    "200",
    "4XX",
    "default",
    "content",
    "application/json",
    "headers",
    "schema",
    "$ref",
    "#/components/schemas/A",
    "#/components/responses/A",
    "#/components/parameters/A",
    "#/paths/~1a",
    "#/",
    "#",
    "components",
    "schemas",
    "A",
    "type",
    "string",
    "null",
    "items",
    "properties",
    "additionalProperties",
    "not",
    "oneOf",
    "anyOf",
    "allOf",
    "nullable",
    "const",
    "examples",
    "example",
    "value",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "prefixItems",
    "webhooks",
    "x-tether",
    "",
    "~",
    "~1",
    "é",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_owned)
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        word().prop_map(Value::String),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(8, 256, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A document with the right top level and random `paths` and `components`.
fn document() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&["3.0.3", "3.1.0", "2.0", ""][..]),
        value(),
        value(),
    )
        .prop_map(|(openapi, paths, components)| {
            serde_json::json!({
                "openapi": openapi,
                "info": {"version": "1.0.0"},
                "paths": paths,
                "components": components,
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_bytes("acme/things.v1.yaml", &bytes);
        let _ = load_bytes("acme/things.v1.json", &bytes);
    }

    #[test]
    fn yaml_ish_text(text in "([-\\[\\]{}:,?&*!|>'\"#%@`~ \t\n]|[a-z0-9$/.]{1,6}|openapi: 3\\.1\\.0\n|paths:\n|  /a:\n|    get:\n|\\$ref: '#/x'\n){0,64}") {
        let _ = load_bytes("acme/things.v1.yaml", text.as_bytes());
    }

    #[test]
    fn openapi_shaped_documents(doc in document()) {
        let yaml = serde_yaml::to_string(&doc).unwrap_or_default();
        let _ = load_bytes("acme/things.v1.yaml", yaml.as_bytes());
        let json = doc.to_string();
        let _ = load_bytes("acme/things.v1.json", json.as_bytes());
    }
}
