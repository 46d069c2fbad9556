//! Unit tests of the validator on small hand-written contracts. Expected errors are
//! written from the contract text.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use serde_json::{json, Value};

use super::*;
use crate::ContractError;

/// A one-operation contract: `POST /things` (operationId `op`) whose request body and
/// 200 response both use `schema`, plus `components/schemas` from `components`.
fn contract(schema: Value, components: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/things": {"post": {
            "operationId": "op",
            "requestBody": {"content": {"application/json": {"schema": schema.clone()}}},
            "responses": {
                "200": {
                    "description": "ok",
                    "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": schema}}
                },
                "4XX": {"description": "client error", "content": {"text/plain": {}}},
                "204": {"description": "nothing"}
            }
        }}},
        "components": {"schemas": components}
    })
}

fn build(doc: &Value, formats: FormatPolicy) -> Result<ContractValidator, ContractError> {
    let bytes = serde_json::to_vec(doc).unwrap();
    let doc = Document::from_bytes(Path::new("t.json"), &bytes).unwrap();
    ContractValidator::new(
        &doc,
        &ValidatorOptions {
            formats,
            ..ValidatorOptions::default()
        },
    )
}

fn validator(schema: Value, components: Value) -> ContractValidator {
    build(&contract(schema, components), FormatPolicy::Assert).unwrap()
}

fn headers() -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-request-id".into(), "1".into()),
    ]
}

/// Response check of a parsed value; `(pointer, keyword, schema_path)` per error.
fn check(v: &ContractValidator, value: Value) -> Vec<(String, String, String)> {
    match v.validate_response_value("op", 200, &headers(), Some(&value)) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| (e.pointer, e.keyword, e.schema_path))
            .collect(),
    }
}

fn err(pointer: &str, keyword: &str, schema_path: &str) -> (String, String, String) {
    (pointer.into(), keyword.into(), schema_path.into())
}

const BODY: &str = "#/paths/~1things/post/responses/200/content/application~1json/schema";

#[test]
fn nullable_type_and_enum() {
    let v = validator(
        json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "b": {"type": "string"},
            "c": {"type": "string", "enum": ["x", "y"], "nullable": true},
            "d": {"type": "string", "enum": ["x"]}
        }}),
        json!({}),
    );
    assert!(check(&v, json!({"a": null, "c": null, "d": "x"})).is_empty());
    assert_eq!(
        check(&v, json!({"b": null})),
        [err("/b", "type", &format!("{BODY}/properties/b/type"))]
    );
    assert_eq!(
        check(&v, json!({"c": "z", "d": null})),
        [
            err("/c", "enum", &format!("{BODY}/properties/c/enum")),
            err("/d", "type", &format!("{BODY}/properties/d/type")),
        ]
    );
}

/// `NullableReading::Spec`: the OpenAPI 3.0.3 text read to the letter, as independent
/// OAS 3.0 validators do: only a sibling `type` admits `null`.
#[test]
fn nullable_read_to_the_letter_of_the_spec() {
    let doc = contract(
        json!({"type": "object", "properties": {
            "typed": {"type": "string", "nullable": true},
            "closed": {"type": "string", "enum": ["x", "y"], "nullable": true},
            "wrapped": {"allOf": [{"$ref": "#/components/schemas/Pet"}], "nullable": true},
            "any": {"anyOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "integer"}], "nullable": true},
            "sibling": {"$ref": "#/components/schemas/Pet", "nullable": true},
            "object": {"type": "object", "nullable": true, "allOf": [{"$ref": "#/components/schemas/Pet"}]}
        }}),
        json!({"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}),
    );
    let bytes = serde_json::to_vec(&doc).unwrap();
    let doc = Document::from_bytes(Path::new("t.json"), &bytes).unwrap();
    let spec = ContractValidator::new(
        &doc,
        &ValidatorOptions {
            nullable: NullableReading::Spec,
            ..ValidatorOptions::default()
        },
    )
    .unwrap();
    let provider = ContractValidator::new(&doc, &ValidatorOptions::default()).unwrap();
    let keywords = |v: &ContractValidator, value: Value| -> Vec<(String, String)> {
        check(v, value)
            .into_iter()
            .map(|(p, k, _)| (p, k))
            .collect()
    };
    let pk = |p: &str, k: &str| (p.to_owned(), k.to_owned());
    assert!(keywords(
        &spec,
        json!({"typed": null, "closed": "x", "wrapped": {"name": "a"}})
    )
    .is_empty());
    assert_eq!(
        keywords(&spec, json!({"closed": null})),
        [pk("/closed", "enum")]
    );
    assert_eq!(
        keywords(&spec, json!({"wrapped": null})),
        [pk("/wrapped", "type")]
    );
    assert_eq!(keywords(&spec, json!({"any": null})), [pk("/any", "anyOf")]);
    assert_eq!(
        keywords(&spec, json!({"sibling": null})),
        [pk("/sibling", "type")]
    );
    // `type: object, nullable` admits null at its own level; the `allOf` member does not.
    assert_eq!(
        keywords(&spec, json!({"object": null})),
        [pk("/object", "type")]
    );
    // The default reading admits every one of them.
    let all_null = json!({"typed": null, "closed": null, "wrapped": null, "any": null, "sibling": null, "object": null});
    assert!(keywords(&provider, all_null.clone()).is_empty());
    assert_eq!(keywords(&spec, all_null).len(), 5);
}

#[test]
fn nullable_on_compositions_and_ref_siblings() {
    let v = validator(
        json!({"type": "object", "properties": {
            "wrapped": {"allOf": [{"$ref": "#/components/schemas/Pet"}], "nullable": true},
            "any": {"anyOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "integer"}], "nullable": true},
            "sibling": {"$ref": "#/components/schemas/Pet", "nullable": true},
            "plain": {"$ref": "#/components/schemas/Pet"}
        }}),
        json!({"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}),
    );
    assert!(check(&v, json!({"wrapped": null, "any": null, "sibling": null})).is_empty());
    assert!(check(
        &v,
        json!({"wrapped": {"name": "rex"}, "any": 3, "sibling": {"name": "x"}})
    )
    .is_empty());
    assert_eq!(
        check(&v, json!({"wrapped": {}, "sibling": {}})),
        [
            err(
                "/wrapped/name",
                "required",
                "#/components/schemas/Pet/required"
            ),
            err(
                "/sibling/name",
                "required",
                "#/components/schemas/Pet/required"
            ),
        ]
    );
    assert_eq!(
        check(&v, json!({"plain": null})),
        [err("/plain", "type", "#/components/schemas/Pet/type")]
    );
    let any = check(&v, json!({"any": "s"}));
    assert_eq!(
        any,
        [err(
            "/any",
            "anyOf",
            &format!("{BODY}/properties/any/anyOf")
        )]
    );
}

#[test]
fn one_member_any_of_reports_the_member_errors() {
    let v = validator(
        json!({"anyOf": [{"$ref": "#/components/schemas/Pet"}]}),
        json!({"Pet": {"type": "object", "required": ["name"]}}),
    );
    assert_eq!(
        check(&v, json!({})),
        [err(
            "/name",
            "required",
            "#/components/schemas/Pet/required"
        )]
    );
}

#[test]
fn exclusive_bounds_are_booleans() {
    let v = validator(
        json!({"type": "object", "properties": {
            "n": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": false}
        }}),
        json!({}),
    );
    assert!(check(&v, json!({"n": 0.5})).is_empty());
    assert!(check(&v, json!({"n": 10})).is_empty());
    assert_eq!(
        check(&v, json!({"n": 0})),
        [err(
            "/n",
            "exclusiveMinimum",
            &format!("{BODY}/properties/n/exclusiveMinimum")
        )]
    );
    assert_eq!(
        check(&v, json!({"n": 10.5})),
        [err(
            "/n",
            "maximum",
            &format!("{BODY}/properties/n/maximum")
        )]
    );
}

#[test]
fn additional_properties_three_ways() {
    let v = validator(
        json!({"type": "object", "properties": {
            "open": {"type": "object", "properties": {"a": {"type": "string"}}},
            "closed": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false},
            "typed": {"type": "object", "additionalProperties": {"type": "integer"}}
        }}),
        json!({}),
    );
    assert!(check(
        &v,
        json!({"open": {"zzz": 1}, "closed": {"a": "x"}, "typed": {"k": 1}})
    )
    .is_empty());
    assert_eq!(
        check(&v, json!({"closed": {"b": 1, "c": 2}, "typed": {"k": "x"}})),
        [
            err(
                "/closed/b",
                "additionalProperties",
                &format!("{BODY}/properties/closed/additionalProperties")
            ),
            err(
                "/closed/c",
                "additionalProperties",
                &format!("{BODY}/properties/closed/additionalProperties")
            ),
            err(
                "/typed/k",
                "type",
                &format!("{BODY}/properties/typed/additionalProperties/type")
            ),
        ]
    );
}

#[test]
fn formats_asserted_and_ignored() {
    let schema = json!({"type": "object", "properties": {
        "when": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "link": {"type": "string", "format": "uri"},
        "mail": {"type": "string", "format": "email"},
        "id": {"type": "string", "format": "uuid"},
        "v4": {"type": "string", "format": "ipv4"},
        "v6": {"type": "string", "format": "ipv6"},
        "small": {"type": "integer", "format": "int32"},
        "big": {"type": "integer", "format": "int64"},
        "unix": {"type": "integer", "format": "unix-time"},
        "other": {"type": "string", "format": "made-up"}
    }});
    let good = json!({
        "when": "2024-02-29T12:00:00Z", "day": "2024-02-29", "link": "https://a.example/x?y=1",
        "mail": "a@b.example", "id": "123e4567-e89b-12d3-a456-426614174000",
        "v4": "192.0.2.1", "v6": "2001:db8::1", "small": 2147483647, "big": -9223372036854775808_i64,
        "unix": 1, "other": "anything"
    });
    let v = validator(schema.clone(), json!({}));
    assert!(check(&v, good).is_empty());
    let bad = json!({
        "when": "2024-02-29 12:00", "day": "2024-02-30", "link": "not a uri", "mail": "nope",
        "id": "123", "v4": "256.0.0.1", "v6": "::g", "small": 2147483648_u64, "big": 9223372036854775808_u64
    });
    let errors = check(&v, bad.clone());
    let mut pointers: Vec<&str> = errors.iter().map(|e| e.0.as_str()).collect();
    pointers.sort_unstable();
    assert_eq!(
        pointers,
        ["/big", "/day", "/id", "/link", "/mail", "/small", "/v4", "/v6", "/when"]
    );
    assert!(
        errors
            .iter()
            .all(|e| e.1 == "format" && e.2.ends_with("/format")),
        "{errors:?}"
    );
    let lax = build(&contract(schema, json!({})), FormatPolicy::Ignore).unwrap();
    assert!(check(&lax, bad).is_empty());
}

#[test]
fn discriminator_with_implicit_mapping() {
    let v = validator(
        json!({
            "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "kind", "mapping": {"kitty": "#/components/schemas/Cat"}}
        }),
        json!({
            "Cat": {"type": "object", "required": ["kind", "meow"], "properties": {"kind": {"type": "string"}}},
            "Dog": {"type": "object", "required": ["kind", "bark"], "properties": {"kind": {"type": "string"}}}
        }),
    );
    assert!(check(&v, json!({"kind": "kitty", "meow": true})).is_empty());
    // Implicit mapping by component name for Dog (Cat is mapped explicitly).
    assert!(check(&v, json!({"kind": "Dog", "bark": true})).is_empty());
    assert_eq!(
        check(&v, json!({"kind": "Dog", "meow": true})),
        [err(
            "/bark",
            "required",
            "#/components/schemas/Dog/required"
        )]
    );
    assert_eq!(
        check(&v, json!({"kind": "Cat"})),
        [err(
            "/kind",
            "discriminator",
            &format!("{BODY}/discriminator")
        )]
    );
    assert_eq!(
        check(&v, json!({"meow": true})),
        [err(
            "/kind",
            "discriminator",
            &format!("{BODY}/discriminator")
        )]
    );
    // Not an object: the oneOf as written.
    assert_eq!(
        check(&v, json!(3)),
        [err("", "oneOf", &format!("{BODY}/oneOf"))]
    );
}

#[test]
fn read_only_and_write_only() {
    let v = validator(
        json!({"$ref": "#/components/schemas/User"}),
        json!({
            "User": {"type": "object", "required": ["id", "password", "name"], "properties": {
                "id": {"type": "integer", "readOnly": true},
                "password": {"$ref": "#/components/schemas/Secret"},
                "name": {"type": "string"}
            }},
            "Secret": {"type": "string", "writeOnly": true}
        }),
    );
    // Response: password (writeOnly) may be absent, id may not.
    assert!(check(&v, json!({"id": 1, "name": "a"})).is_empty());
    assert_eq!(
        check(&v, json!({"name": "a"})),
        [err("/id", "required", "#/components/schemas/User/required")]
    );
    // Request: id (readOnly) may be absent, password may not.
    let req = |body: Value| v.validate_request("op", "application/json", RequestBody::Json(&body));
    assert_eq!(req(json!({"password": "p", "name": "a"})), Ok(()));
    let errors = req(json!({"name": "a"})).unwrap_err();
    assert_eq!(
        (
            errors[0].pointer.as_str(),
            errors[0].keyword.as_str(),
            errors[0].schema_path.as_str()
        ),
        (
            "/password",
            "required",
            "#/components/schemas/User/required"
        )
    );
    assert_eq!(errors.len(), 1);
}

#[test]
fn recursive_schemas_validate() {
    let v = validator(
        json!({"$ref": "#/components/schemas/Node"}),
        json!({"Node": {"type": "object", "required": ["v"], "properties": {
            "v": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
        }}}),
    );
    assert!(check(
        &v,
        json!({"v": 1, "children": [{"v": 2, "children": [{"v": 3}]}]})
    )
    .is_empty());
    assert_eq!(
        check(
            &v,
            json!({"v": 1, "children": [{"v": 2, "children": [{"v": "x"}]}]})
        ),
        [err(
            "/children/0/children/0/v",
            "type",
            "#/components/schemas/Node/properties/v/type"
        )]
    );
    // As deep as the parser allows.
    let mut deep = json!({"v": 0});
    for _ in 0..60 {
        deep = json!({"v": 0, "children": [deep]});
    }
    assert!(check(&v, deep).is_empty());
}

#[test]
fn self_containing_schema_is_refused() {
    let doc = contract(
        json!({"$ref": "#/components/schemas/A"}),
        json!({"A": {"allOf": [{"$ref": "#/components/schemas/B"}]}, "B": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "string"}]}}),
    );
    match build(&doc, FormatPolicy::Assert) {
        Err(ContractError::Unsupported { construct, .. }) => {
            assert_eq!(construct, "schema that contains itself");
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a self-containing schema was accepted"),
    }
}

#[test]
fn component_names_needing_escapes() {
    let v = validator(
        json!({"$ref": "#/components/schemas/a b~1c"}),
        json!({"a b/c": {"type": "object", "required": ["x"]}}),
    );
    assert_eq!(
        check(&v, json!({})),
        [err(
            "/x",
            "required",
            "#/components/schemas/a b~1c/required"
        )]
    );
}

#[test]
fn malformed_schemas_are_contract_errors() {
    for (schema, pointer) in [
        (json!({"type": "strin"}), "/type"),
        (json!({"type": "string", "pattern": "("}), ""),
        (json!({"allOf": []}), "/allOf"),
        (json!({"properties": 3}), "/properties"),
    ] {
        let doc = contract(schema, json!({}));
        let e = build(&doc, FormatPolicy::Assert)
            .err()
            .unwrap_or_else(|| panic!("accepted {doc}"));
        let at = e.pointer().unwrap_or_default().to_owned();
        assert!(at.ends_with(pointer), "{at} / {e}");
    }
}

#[test]
fn status_ranges_headers_and_media() {
    let v = validator(json!({"type": "object"}), json!({}));
    // 4XX declares text/plain: the body is not inspected.
    let text = vec![("Content-Type".to_owned(), "text/plain".to_owned())];
    assert_eq!(v.validate_response("op", 404, &text, b"not json"), Ok(()));
    // Required header missing.
    let only_ct = vec![("content-type".to_owned(), "application/json".to_owned())];
    let errors = v.validate_response("op", 200, &only_ct, b"{}").unwrap_err();
    assert_eq!(
        (
            errors[0].pointer.as_str(),
            errors[0].keyword.as_str(),
            errors[0].schema_path.as_str()
        ),
        (
            "/headers/X-Request-Id",
            "header",
            "#/paths/~1things/post/responses/200/headers/X-Request-Id/required"
        )
    );
    // No content type on a JSON response.
    let errors = v
        .validate_response(
            "op",
            200,
            &[("x-request-id".to_owned(), "1".to_owned())],
            b"{}",
        )
        .unwrap_err();
    assert_eq!(errors[0].keyword, "content-type");
    // 500: not declared, no default.
    let errors = v
        .validate_response("op", 500, &headers(), b"{}")
        .unwrap_err();
    assert_eq!(errors[0].keyword, "status");
    // 204: no body declared.
    assert_eq!(v.validate_response("op", 204, &[], b""), Ok(()));
}

#[test]
fn raw_json_request() {
    let v = validator(
        json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}),
        json!({}),
    );
    let req = |b: &[u8]| v.validate_request("op", "application/json", RequestBody::Raw(b));
    assert_eq!(req(br#"{"n": 1}"#), Ok(()));
    // JSON is not coerced: "1" stays a string.
    assert_eq!(req(br#"{"n": "1"}"#).unwrap_err()[0].keyword, "type");
    assert_eq!(req(b"{").unwrap_err()[0].keyword, "json");
    assert_eq!(
        v.validate_request("op", "text/plain", RequestBody::Raw(b"x"))
            .unwrap_err()[0]
            .keyword,
        "content-type"
    );
}

#[test]
fn integers_have_no_fraction_or_exponent_part() {
    let v = validator(
        json!({"$ref": "#/components/schemas/n"}),
        json!({"n": {"type": "integer"}}),
    );
    assert!(check(&v, json!(1)).is_empty());
    assert_eq!(
        check(&v, json!(1.0)),
        [err("", "type", "#/components/schemas/n/type")]
    );
    assert_eq!(
        check(&v, json!(1.5)),
        [err("", "type", "#/components/schemas/n/type")]
    );
}

#[test]
fn additional_properties_false_without_properties_names_each_extra_property() {
    let v = validator(
        json!({"$ref": "#/components/schemas/closed"}),
        json!({"closed": {"type": "object", "additionalProperties": false}}),
    );
    let got = check(&v, json!({"a": 1, "b": 2}));
    let pairs: Vec<(String, String)> = got.into_iter().map(|(p, k, _)| (p, k)).collect();
    assert_eq!(
        pairs,
        [
            ("/a".to_owned(), "additionalProperties".to_owned()),
            ("/b".to_owned(), "additionalProperties".to_owned())
        ]
    );
}
