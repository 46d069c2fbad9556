use std::path::Path;

use crate::Repo;

/// A small upstream description written for this test (GitHub-shaped).
const UPSTREAM: &str = r##"{
  "openapi": "3.0.3",
  "info": {"title": "Upstream", "version": "7.1.0", "license": {"name": "MIT"}},
  "servers": [{"url": "https://api.example.com"}],
  "paths": {
    "/things/{id}": {
      "get": {"operationId": "things/get", "parameters": [{"$ref": "#/components/parameters/id"}],
              "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}},
                            "404": {"$ref": "#/components/responses/not_found"}}},
      "delete": {"operationId": "things/delete", "parameters": [{"$ref": "#/components/parameters/id"}],
                 "responses": {"204": {"description": "gone"}}}
    },
    "/others": {"get": {"operationId": "others/list", "responses": {"200": {"description": "ok"}}}}
  },
  "components": {
    "parameters": {"id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}},
    "responses": {"not_found": {"description": "missing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}}}},
    "schemas": {
      "thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "owner": {"$ref": "#/components/schemas/owner"}}},
      "owner": {"type": "object", "properties": {"login": {"type": "string"}}},
      "error": {"type": "object", "properties": {"message": {"type": "string"}}},
      "unused": {"type": "string"}
    }
  }
}"##;

fn run(repo: &Repo, upstream: &Path, ops: &[&str]) -> anyhow::Result<std::path::PathBuf> {
    let ops: Vec<String> = ops.iter().map(|s| s.to_string()).collect();
    xtask::extract::run(
        repo.root(),
        upstream,
        &ops,
        "acme",
        "things",
        1,
        Some("acme upstream".into()),
    )
}

#[test]
fn extract_is_deterministic_and_keeps_only_the_closure() {
    let repo = Repo::new();
    let upstream = repo.path("upstream.json");
    std::fs::write(&upstream, UPSTREAM).unwrap();

    let path = run(&repo, &upstream, &["things/get"]).unwrap();
    let first = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    run(&repo, &upstream, &["things/get"]).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        first,
        "same input must give the same bytes"
    );

    let contract = tether_contract::Contract::load(&path).unwrap();
    assert_eq!(
        contract
            .doc
            .operations
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        ["things/get"]
    );
    let schemas = contract.doc.value["components"]["schemas"]
        .as_object()
        .unwrap();
    assert_eq!(
        schemas.keys().collect::<Vec<_>>(),
        ["error", "owner", "thing"]
    );
    assert_eq!(contract.meta.upstream.version, "7.1.0");
    assert_eq!(
        contract.meta.upstream.sha256,
        tether_contract::sha256_hex(UPSTREAM.as_bytes())
    );
    assert_eq!(contract.doc.info_version(), "1.0.0");
}

#[test]
fn extract_names_an_unknown_operation_and_writes_nothing() {
    let repo = Repo::new();
    let upstream = repo.path("upstream.json");
    std::fs::write(&upstream, UPSTREAM).unwrap();
    let err = run(&repo, &upstream, &["things/gett"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("operation `things/gett` is not in the upstream description"),
        "{err}"
    );
    assert!(err.contains("did you mean `things/get`"), "{err}");
    assert!(!repo.path("contracts/acme/things.v1.yaml").exists());
}

#[test]
fn extract_reproduces_the_committed_github_contract() {
    // The committed contract was made by extract; re-extracting its own operations from it
    // must give a loadable contract with the same operations and schemas.
    let repo = Repo::new();
    let src = repo.path("contracts/github/repos.v1.yaml");
    let original = tether_contract::Contract::load(&src).unwrap();
    let ops: Vec<String> = original.meta.upstream.operations.clone();
    let out = xtask::extract::run(repo.root(), &src, &ops, "github", "again", 1, None).unwrap();
    let again = tether_contract::Contract::load(out).unwrap();
    assert_eq!(again.doc.operations.len(), original.doc.operations.len());
    assert_eq!(
        again.doc.value["components"]["schemas"],
        original.doc.value["components"]["schemas"]
    );
}
