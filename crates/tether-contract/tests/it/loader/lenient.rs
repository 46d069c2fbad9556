//! Upstream descriptions read leniently (`Reading::Lenient`): what is tolerated, what
//! it becomes, and the validators compiled from it.

use std::path::Path;

use serde_json::json;
use tether_contract::Document;

use super::errors::{case_contract, variant};
use crate::{data_dir, sorted_entries};

/// The same bad cases read as upstream descriptions (`Reading::Lenient`): a case with a
/// `lenient.txt` loads, and its first line (when not empty) is the pointer of something
/// the load tolerated; every other case fails exactly as the strict load does (what cannot
/// be read at all: broken YAML/JSON, external or dangling `$ref`s, ...).
#[test]
fn bad_contracts_read_leniently_as_lenient_txt_says() {
    let root = data_dir().join("contracts/bad");
    let mut accepted = 0;
    let mut failures = Vec::new();
    for case in sorted_entries(&root).into_iter().filter(|p| p.is_dir()) {
        let file = match case_contract(&case) {
            Ok(f) => f,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let lenient = std::fs::read_to_string(case.join("lenient.txt")).ok();
        let loaded = Document::load_upstream(&file);
        match (lenient, loaded) {
            (Some(text), Ok(doc)) => {
                accepted += 1;
                let pointer = text.lines().next().unwrap_or_default();
                let pointers: Vec<&str> =
                    doc.tolerated.iter().map(|t| t.pointer.as_str()).collect();
                if !pointer.is_empty() && !pointers.contains(&pointer) {
                    failures.push(format!(
                        "{}: tolerated {pointers:?}, expected `{pointer}`",
                        case.display()
                    ));
                }
                if let Some(t) = doc
                    .tolerated
                    .iter()
                    .find(|t| !t.message.contains(&file.display().to_string()))
                {
                    failures.push(format!(
                        "{}: a tolerated message does not name the file: {}",
                        case.display(),
                        t.message
                    ));
                }
            }
            (Some(_), Err(e)) => {
                failures.push(format!("{}: lenient load failed: {e}", case.display()))
            }
            (None, Ok(_)) => failures.push(format!(
                "{}: lenient load succeeded; add lenient.txt or make it fail",
                case.display()
            )),
            (None, Err(lenient)) => {
                let strict = Document::load(&file).err();
                let same = strict.as_ref().is_some_and(|s| {
                    variant(s) == variant(&lenient) && s.pointer() == lenient.pointer()
                });
                if !same {
                    failures.push(format!(
                        "{}: lenient error `{lenient}` differs from strict `{strict:?}`",
                        case.display()
                    ));
                }
            }
        }
    }
    assert!(accepted >= 15, "only {accepted} cases read leniently");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Read strictly, a document keys no operation by `METHOD /path`; read leniently, each
/// operation without an id is keyed so, tolerated constructs are listed, and what the
/// strict read would have said is kept word for word.
#[test]
fn lenient_reading_keys_operations_by_method_and_path() {
    let text = r#"
openapi: 3.0.0
info: {title: SendGrid-like, version: "3"}
paths:
  /designs:
    post:
      requestBody:
        content:
      responses:
        '201': {description: created}
    get:
      operationId: ListDesigns
      x-internal: true
      responses: {}
"#;
    let path = Path::new("upstream.yaml");
    let strict = Document::from_bytes(path, text.as_bytes()).unwrap_err();
    assert!(
        strict
            .to_string()
            .contains("ListDesigns declares no responses"),
        "{strict}"
    );
    let doc = Document::from_bytes_with(path, text.as_bytes(), tether_contract::Reading::Lenient)
        .unwrap();
    let ids: Vec<&str> = doc.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["ListDesigns", "POST /designs"]);
    assert!(doc
        .operation("POST /designs")
        .unwrap()
        .request_body
        .as_ref()
        .unwrap()
        .content
        .is_empty());
    assert!(doc.operation("ListDesigns").unwrap().responses.is_empty());
    let tolerated: Vec<&str> = doc.tolerated.iter().map(|t| t.pointer.as_str()).collect();
    assert_eq!(
        tolerated,
        [
            "/paths/~1designs/get/responses",
            "/paths/~1designs/post",
            "/paths/~1designs/post/requestBody/content"
        ]
    );
    assert_eq!(doc.tolerated[0].message, strict.to_string());
    assert!(doc.tolerated[1]
        .message
        .contains("POST /designs has no operationId"));
}

/// What a 3.1 upstream description writes and a contract may not (Adyen's `$ref` with
/// siblings, top-level `webhooks`, AWS's Java-flavoured `pattern`s) reads leniently with
/// its nearest 3.0 meaning, and the validators compile.
#[test]
fn lenient_reading_gives_31_constructs_their_nearest_30_meaning() {
    let text = r#"
openapi: 3.1.0
info: {title: t, version: "1"}
webhooks:
  paid: {post: {responses: {'200': {description: ok}}}}
paths:
  /things:
    get:
      operationId: list
      callbacks:
        done: {'{$request.body#/url}': {post: {responses: {'200': {description: ok}}}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  amount: {$ref: '#/components/schemas/Amount', description: d, minimum: 1}
                  name: {type: string, pattern: '\p{Print}+'}
                  pair: {type: array, prefixItems: [{type: string}]}
                  id: {type: [string, integer]}
components:
  schemas:
    Amount: {type: integer}
"#;
    let path = Path::new("upstream.yaml");
    assert!(Document::from_bytes(path, text.as_bytes()).is_err());
    let doc = Document::from_bytes_with(path, text.as_bytes(), tether_contract::Reading::Lenient)
        .unwrap();
    let mut pointers: Vec<&str> = doc.tolerated.iter().map(|t| t.pointer.as_str()).collect();
    pointers.sort_unstable();
    let base = "/paths/~1things/get/responses/200/content/application~1json/schema/properties";
    assert_eq!(
        pointers,
        [
            "/paths/~1things/get/callbacks".to_owned(),
            format!("{base}/amount/minimum"),
            format!("{base}/id/type"),
            format!("{base}/name/pattern"),
            format!("{base}/pair/prefixItems"),
            "/webhooks".to_owned(),
        ]
    );
    let amount = &doc.value.pointer(base).unwrap()["amount"];
    assert_eq!(
        *amount,
        json!({"allOf": [{"$ref": "#/components/schemas/Amount"}], "description": "d", "minimum": 1})
    );
    let validator = tether_contract::validate::ContractValidator::new(
        &doc,
        &tether_contract::validate::ValidatorOptions::default(),
    )
    .unwrap();
    // The `allOf` keeps the sibling's meaning: 0 is below `minimum: 1`.
    let errors = validator
        .validate_response_value("list", 200, &[], Some(&json!({"amount": 0, "id": true})))
        .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].pointer, "/amount");
}

/// Schema keywords the validator cannot read (Codat's nested `type`, api.video's numeric
/// `pattern`, DigitalOcean's mapping into another file) are dropped when read leniently,
/// and the validators compile; read strictly, the validator refuses them.
#[test]
fn lenient_reading_drops_keywords_the_validator_cannot_read() {
    let text = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /records:
    post:
      operationId: create
      requestBody:
        content:
          application/json:
            schema:
              oneOf: [{$ref: '#/components/schemas/A'}]
              discriminator:
                propertyName: type
                mapping: {A: 'models/other.yml#/a', B: '#/components/schemas/A'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  kind: {type: {type: string}}
                  timecode: {type: string, pattern: 12}
                  type: {type: string}
components:
  schemas:
    A: {type: object, properties: {type: {type: string}}}
"#;
    let path = Path::new("upstream.yaml");
    let strict = Document::from_bytes(path, text.as_bytes()).unwrap();
    let options = tether_contract::validate::ValidatorOptions::default();
    assert!(tether_contract::validate::ContractValidator::new(&strict, &options).is_err());
    let doc = Document::from_bytes_with(path, text.as_bytes(), tether_contract::Reading::Lenient)
        .unwrap();
    let pointers: Vec<&str> = doc.tolerated.iter().map(|t| t.pointer.as_str()).collect();
    let body = "/paths/~1records/post/requestBody/content/application~1json/schema";
    let response =
        "/paths/~1records/post/responses/200/content/application~1json/schema/properties";
    assert_eq!(
        pointers,
        [
            format!("{body}/discriminator/mapping/A"),
            format!("{response}/kind/type"),
            format!("{response}/timecode/pattern"),
        ]
    );
    // The property named `type` is a name, not a keyword: kept.
    assert!(doc
        .value
        .pointer(&format!("{response}/type/type"))
        .is_some());
    tether_contract::validate::ContractValidator::new(&doc, &options).unwrap();
}

/// Read leniently, body validators are compiled when first used: a schema that does not
/// compile fails only the validations that need it (as a `schema` error naming it), not
/// the whole validator; read strictly, it fails the validator. Stays `Send + Sync`.
#[test]
fn lenient_validators_compile_each_body_when_first_used() {
    let text = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /good:
    get:
      operationId: good
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: integer}}}}
  /broken:
    get:
      operationId: broken
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: string, pattern: '\p{Print}+'}}}}
"#;
    fn shared<T: Send + Sync>(_: &T) {}
    let path = Path::new("upstream.yaml");
    let options = tether_contract::validate::ValidatorOptions::default();
    let mut doc = Document::from_bytes(path, text.as_bytes()).unwrap();
    assert!(tether_contract::validate::ContractValidator::new(&doc, &options).is_err());
    // The same document, pattern kept, taken as read leniently.
    doc.reading = tether_contract::Reading::Lenient;
    let validator = tether_contract::validate::ContractValidator::new(&doc, &options).unwrap();
    shared(&validator);
    let json = [("content-type".to_owned(), "application/json".to_owned())];
    let ok = validator.validate_response("good", 200, &json, b"3");
    assert!(ok.is_ok(), "{ok:?}");
    let errors = validator
        .validate_response("good", 200, &json, b"\"x\"")
        .unwrap_err();
    assert_eq!(errors[0].keyword, "type");
    let errors = validator
        .validate_response("broken", 200, &json, b"\"x\"")
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].keyword, "schema");
    assert!(
        errors[0].to_string().contains("does not compile"),
        "{}",
        errors[0]
    );
}
