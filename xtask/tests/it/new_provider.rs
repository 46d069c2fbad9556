//! The README's "Add a contract in five steps", followed for a provider that is neither
//! GitHub nor Stripe, from a SendGrid-shaped description (no `operationId`s, a list
//! wrapped in an object, an optional header parameter): extract, policy, gen, fixtures,
//! check. Nothing else is edited: the registry, the fixture test and `check` find the new
//! contract by themselves. (Compiling and calling such a client on loopback is
//! `crates/tether-codegen-shapes`.)

use crate::Repo;

const UPSTREAM: &str = r##"openapi: 3.0.1
info: {title: Email API, version: "3.0"}
servers: [{url: "https://api.sendgrid.com"}]
paths:
  /v3/api_keys:
    get:
      summary: Retrieve all API keys
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: on-behalf-of, in: header, schema: {type: string}}
      responses:
        '200':
          description: The keys
          content:
            application/json:
              schema:
                type: object
                properties:
                  result:
                    type: array
                    items: {$ref: '#/components/schemas/api_key'}
              example:
                result: [{api_key_id: k1, name: ci}]
  /v3/designs:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        '201': {description: Created}
components:
  schemas:
    api_key:
      type: object
      required: [api_key_id, name]
      properties:
        api_key_id: {type: string}
        name: {type: string}
"##;

#[test]
fn a_new_provider_goes_from_its_description_to_a_checked_contract_by_the_readme_steps() {
    let repo = Repo::new();
    let upstream = repo.path("sendgrid.yaml");
    std::fs::write(&upstream, UPSTREAM).unwrap();

    // 1. Extract, naming the operation by method and path.
    let ops = vec!["GET /v3/api_keys".to_owned()];
    let contract =
        xtask::extract::run(repo.root(), &upstream, &ops, "sendgrid", "keys", 1, None).unwrap();
    assert_eq!(contract, repo.path("contracts/sendgrid/keys.v1.yaml"));
    assert!(repo
        .read("contracts/sendgrid/keys.v1.yaml")
        .contains("operationId: get-v3-api-keys"));

    // 2. The provider's policy (here GitHub's with the name changed).
    let policy = repo.read("contracts/github/provider.yaml").replacen(
        "provider: github",
        "provider: sendgrid",
        1,
    );
    repo.write("contracts/sendgrid/provider.yaml", &policy);

    // 3. gen: the client crate, the registry entry, the lock.
    let report = repo.gen();
    assert!(report.contains("crates/sendgrid-keys-v1"), "{report}");
    assert!(repo
        .read("crates/tether-clients/src/lib.rs")
        .contains("sendgrid_keys_v1::deserialize_response"));
    assert!(repo
        .read("contracts.lock")
        .contains("contracts/sendgrid/keys.v1.yaml"));

    // Without fixtures, check names what is missing and the command that fixes it.
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert!(report.kinds().contains(&"fixtures-missing"), "{report}");

    // 4. Fixtures: the contract's example as the good one, a bad one by hand.
    let imported = xtask::fixtures::import(repo.root(), &contract).unwrap();
    assert!(imported.contains("get-v3-api-keys"), "{imported}");
    let bad = "fixtures/sendgrid.keys.v1/bad/get-v3-api-keys.missing-name.json";
    std::fs::create_dir_all(repo.path("fixtures/sendgrid.keys.v1/bad")).unwrap();
    repo.write(
        bad,
        r#"{"operation": "get-v3-api-keys", "kind": "response", "status": 200,
            "headers": {"content-type": "application/json"},
            "body": {"result": [{"api_key_id": "k1"}]},
            "expect": [{"pointer": "/result/0/name", "keyword": "required"}]}"#,
    );
    // The brief is regenerated with the fixtures in place.
    repo.gen();

    // 5. check passes, every fixture's verdict included.
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert!(report.is_ok(), "{report}");

    // A bad fixture whose `expect` is wrong is caught by the verdict check.
    repo.write(bad, &repo.read(bad).replace("required", "type"));
    assert_eq!(repo.check_kinds(), ["fixture-mismatch"]);
}
