//! Properties of the whole output: identical contracts, pointers that resolve in their
//! document and escape `~` and `/`, sort order, serialisation, malformed input.

use super::schemas::{ALL_OF, ONE_OF};
use super::*;

#[test]
fn identical_contracts_have_no_changes() {
    assert_eq!(run(BASE, BASE), vec![]);
    assert_eq!(diff(&Value::Null, &Value::Null), vec![]);
}

#[test]
fn base_contract_resolves_pointers() {
    // Guard the hand-written pointers used below.
    let doc = yaml(BASE);
    for ptr in [GET_REPO, CREATE_REPO, CREATE_BODY] {
        assert!(doc.pointer(ptr).is_some(), "{ptr}");
    }
}

#[test]
fn pointers_escape_tilde_and_slash() {
    let old = r##"
paths:
  /a~b/{c/d}:
    get:
      operationId: odd
      responses:
        '200':
          content:
            application/vnd.api+json:
              schema:
                type: object
                properties:
                  x/y: {type: string}
"##;
    let new = edit(old, "x/y: {type: string}", "x/y: {type: integer}");
    let changes = run(old, &new);
    let pointer = "/paths/~1a~0b~1{c~1d}/get/responses/200/content/application~1vnd.api+json/schema/properties/x~1y";
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::PropertyTypeChanged,
            "odd",
            pointer
        )]
    );
    assert!(yaml(&new).pointer(pointer).is_some());
}

#[test]
fn every_pointer_resolves_in_its_document() {
    let cases = [
        edit(
            BASE,
            "        login: {type: string}",
            "        name: {type: string}",
        ),
        edit(
            BASE,
            "enum: [open, closed, all]",
            "enum: [closed, open, merged]",
        ),
        edit(BASE, "  /user/repos:", "  /users/repos:"),
        edit(BASE, "required: [name]", "required: [private]"),
        edit(BASE, "X-RateLimit-Limit", "X-Limit"),
        edit(
            BASE,
            "size: {type: integer}",
            "size: {type: integer, minimum: 1, exclusiveMinimum: true, multipleOf: 2}",
        ),
        edit(
            BASE,
            "        labels:\n          type: array\n",
            "        labels:\n          type: array\n          uniqueItems: true\n",
        ),
        edit(
            BASE,
            "{name: per_page, in: query, schema: {type: integer}}",
            "{name: per_page, in: query, explode: false, schema: {type: integer}}",
        ),
    ];
    for new in &cases {
        let (old_doc, new_doc) = (yaml(BASE), yaml(new));
        let changes = diff(&old_doc, &new_doc);
        assert!(!changes.is_empty());
        for c in &changes {
            assert!(
                new_doc.pointer(&c.pointer).is_some() || old_doc.pointer(&c.pointer).is_some(),
                "{c}"
            );
        }
    }
}

#[test]
fn output_is_sorted_and_deterministic() {
    let new = edit(
        BASE,
        "        login: {type: string}",
        "        name: {type: integer}",
    );
    let new = edit(&new, "enum: [open, closed, all]", "enum: [all]");
    let new = edit(
        &new,
        "    post:\n      operationId: createRepo",
        "    put:\n      operationId: createRepo",
    );
    let first = run(BASE, &new);
    assert_eq!(first, run(BASE, &new));
    let mut sorted = first.clone();
    sorted.sort_by(|a, b| {
        (&a.operation, &a.pointer, a.kind.as_str(), &a.message).cmp(&(
            &b.operation,
            &b.pointer,
            b.kind.as_str(),
            &b.message,
        ))
    });
    assert_eq!(first, sorted);
    assert!(first.len() >= 5);
}

#[test]
fn change_serialises() {
    let new = edit(BASE, "        login: {type: string}", "");
    let changes = run(BASE, &new);
    let json = serde_json::to_value(&changes[0]).expect("serialises");
    assert_eq!(json["severity"], "Breaking");
    assert_eq!(json["kind"], "ResponsePropertyRemoved");
    assert_eq!(json["operation"], "createRepo");
    assert_eq!(json["pointer"], "/components/schemas/User/properties/login");
    assert_eq!(
            changes[0].to_string(),
            "breaking response_property_removed createRepo: response 201 body: /owner/login: property was removed (at /components/schemas/User/properties/login)"
        );
}

#[test]
fn malformed_documents_never_panic() {
    let samples = [
            "null",
            "42",
            "[1, 2]",
            "paths: 5",
            "paths: {'/x': 5}",
            "paths: {'/x': {get: 5, parameters: 7}}",
            "paths: {'/x': {get: {operationId: 5, parameters: [1, {name: 2}, {$ref: 7}], requestBody: [], responses: 'no'}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {'a/b': 3}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {$ref: '#/nowhere'}}}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {$ref: 'other.yaml#/x'}}}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/L'}}}}}}}}\ncomponents: {schemas: {L: {$ref: '#/components/schemas/L'}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {type: [string, 'null'], properties: 5, required: 3, items: 1, allOf: 2, oneOf: {}, enum: 3}}}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {allOf: [1, {$ref: '#'}, {$ref: '#/%zz'}], enum: [1]}}}}}}}}",
            "paths: {'/x': {$ref: '#/paths/~1x'}}",
            BASE,
            ALL_OF,
            ONE_OF,
        ];
    let docs: Vec<Value> = samples.iter().map(|s| yaml(s)).collect();
    for old in &docs {
        for new in &docs {
            let _ = diff(old, new);
        }
    }
    // Deeply nested inline schemas are compared pair by pair, without recursion.
    let mut deep = serde_json::json!({"type": "string"});
    for _ in 0..300 {
        deep = serde_json::json!({"type": "object", "properties": {"p": deep}});
    }
    let doc = |schema: &Value| {
        serde_json::json!({"paths": {"/d": {"get": {"operationId": "d", "responses": {"200": {
                "content": {"application/json": {"schema": schema}}}}}}}})
    };
    assert_eq!(diff(&doc(&deep), &doc(&deep)), vec![]);

    // A component reached again through inline `allOf` wrappers (AWS's recursive
    // `ComponentChild`, two such properties per level) is compared once, not 2^depth times.
    let recursive = yaml(
            "paths: {'/c': {get: {operationId: c, responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/C'}}}}}}}}
components:
  schemas:
    C:
      type: object
      properties:
        children: {type: array, items: {allOf: [{$ref: '#/components/schemas/C'}]}}
        events: {type: object, additionalProperties: {allOf: [{$ref: '#/components/schemas/C'}]}}
        slots: {type: array, items: {allOf: [{$ref: '#/components/schemas/C'}], description: slot}}",
        );
    assert_eq!(diff(&recursive, &recursive), vec![]);
    let changed = serde_json::to_string(&recursive).unwrap().replace(
        r#""description":"slot""#,
        r#""description":"slot","nullable":true"#,
    );
    let changed: Value = serde_json::from_str(&changed).unwrap();
    let found = diff(&recursive, &changed);
    assert!(
        found.iter().any(|c| c.kind == ChangeKind::NullableAdded),
        "{found:?}"
    );

    // An `allOf` diamond chain (each level refers twice to the next) stays bounded.
    let mut schemas = serde_json::Map::new();
    for i in 0..64 {
        let next = format!("#/components/schemas/D{}", i + 1);
        schemas.insert(
            format!("D{i}"),
            serde_json::json!({"allOf": [{"$ref": next}, {"allOf": [{"$ref": next}]}]}),
        );
    }
    schemas.insert(
        "D64".to_owned(),
        serde_json::json!({"properties": {"x": {"type": "string"}}}),
    );
    let mut diamond = doc(&serde_json::json!({"$ref": "#/components/schemas/D0"}));
    diamond["components"] = serde_json::json!({ "schemas": schemas });
    assert_eq!(diff(&diamond, &diamond), vec![]);
}
