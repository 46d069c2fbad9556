//! `$ref` resolution: percent-encoded pointers, and a property named `$ref` that is a
//! name, not a reference.

use std::path::Path;

use serde_json::json;
use tether_contract::Document;

use super::good;
use crate::data_dir;

/// A `$ref` whose pointer is percent-encoded (RFC 3986 fragment) resolves in both readings.
#[test]
fn a_percent_encoded_reference_loads() {
    let text = r#"
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /v2/clusters/{cluster_id}:
    get:
      operationId: get
      parameters:
        - {name: cluster_id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
  /v2/clusters/{cluster_id}/pools:
    get:
      operationId: pools
      parameters:
        - $ref: '#/paths/~1v2~1clusters~1%7Bcluster_id%7D/get/parameters/0'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/a%20pool'}
components:
  schemas:
    a pool: {type: object}
"#;
    let doc = Document::from_bytes(Path::new("t.yaml"), text.as_bytes()).unwrap();
    let pools = doc.operation("pools").unwrap();
    assert_eq!(pools.parameters[0].name, "cluster_id");
    assert_eq!(
        pools.parameters[0].pointer,
        "/paths/~1v2~1clusters~1{cluster_id}/get/parameters/0"
    );
}

/// `properties: {$ref: {...}}` declares a property named `$ref` (GitHub's SCIM schemas
/// have one): the loader, the validator and the diff all treat it as a name.
#[test]
fn property_named_ref_is_a_property_not_a_reference() {
    use tether_contract::diff::{diff, ChangeKind};
    use tether_contract::validate::{ContractValidator, RequestBody, ValidatorOptions};

    let path = data_dir().join("contracts/good/acme/scim.v1.yaml");
    let contract = good("acme/scim.v1.yaml");
    let validator = ContractValidator::new(&contract.doc, &ValidatorOptions::default()).unwrap();
    let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let group = json!({
        "id": "g1",
        "members": [{"value": "u1", "$ref": "https://example.com/scim/v2/Users/u1"}],
        "properties": {"example": "x"}
    });
    validator
        .validate_response_value("scim/get-group", 200, &headers, Some(&group))
        .unwrap();
    // The property is checked like any other: required, and typed.
    let missing = json!({"id": "g1", "members": [{"value": "u1"}]});
    let errors = validator
        .validate_response_value("scim/get-group", 200, &headers, Some(&missing))
        .unwrap_err();
    let got = triples(&errors);
    assert_eq!(
        got,
        [(
            // Required errors point at the missing property.
            "/members/0/$ref",
            "required",
            "#/components/schemas/Member/required"
        )]
    );
    let retyped = json!({"id": "g1", "members": [{"value": "u1", "$ref": 7}]});
    let errors = validator
        .validate_response_value("scim/get-group", 200, &headers, Some(&retyped))
        .unwrap_err();
    let got = triples(&errors);
    assert_eq!(
        got,
        [(
            "/members/0/$ref",
            "type",
            "#/components/schemas/Member/properties/$ref/type"
        )]
    );
    let request = br#"{"members": [{"value": "u1", "$ref": "https://example.com/u1"}]}"#;
    validator
        .validate_request(
            "scim/patch-group",
            "application/json",
            RequestBody::Raw(request),
        )
        .unwrap();

    // The diff compares it as a property: retyping it breaks the response and the request.
    let text = std::fs::read_to_string(&path).unwrap();
    let old = contract.doc.value.clone();
    let retyped_text = text.replace(
        "        $ref:\n          type: string\n          format: uri\n",
        "        $ref:\n          type: integer\n",
    );
    assert_ne!(retyped_text, text);
    let new = Document::from_bytes(&path, retyped_text.as_bytes())
        .unwrap()
        .value;
    assert_eq!(diff(&old, &old), vec![]);
    let changes = diff(&old, &new);
    let kinds: Vec<(&str, ChangeKind, &str, bool)> = changes
        .iter()
        .map(|c| {
            (
                c.operation.as_str(),
                c.kind,
                c.pointer.as_str(),
                c.is_breaking(),
            )
        })
        .collect();
    let pointer = "/components/schemas/Member/properties/$ref";
    assert_eq!(
        kinds,
        [
            (
                "scim/get-group",
                ChangeKind::PropertyTypeChanged,
                pointer,
                true
            ),
            (
                "scim/patch-group",
                ChangeKind::PropertyTypeChanged,
                pointer,
                true
            ),
        ]
    );
    assert_eq!(
        changes[0].message,
        "response 200 body: /members/[]/$ref: type changed from `string` to `integer`"
    );
    // Removing it is a removed response property (not a dangling reference).
    let removed_text = text.replace(
        "        $ref:\n          type: string\n          format: uri\n          example: https://example.com/scim/v2/Users/1\n",
        "",
    );
    assert_ne!(removed_text, text);
    let removed = Document::from_bytes(&path, removed_text.as_bytes())
        .unwrap()
        .value;
    assert!(diff(&old, &removed)
        .iter()
        .any(|c| c.kind == ChangeKind::ResponsePropertyRemoved && c.pointer == pointer));
}

/// `(pointer, keyword, schema_path)` of each validation error, in order.
fn triples(errors: &[tether_contract::validate::ValidationError]) -> Vec<(&str, &str, &str)> {
    errors
        .iter()
        .map(|e| {
            (
                e.pointer.as_str(),
                e.keyword.as_str(),
                e.schema_path.as_str(),
            )
        })
        .collect()
}
