//! The README's "Add a contract in six steps", followed for a provider that is neither
//! GitHub nor Stripe, from a SendGrid-shaped description (no `operationId`s, a list
//! wrapped in an object, an optional header parameter): extract, policy, gen, fixtures,
//! check, then a crate of the user's that depends on the new client by path and makes a
//! typed call against a loopback server. Nothing else is edited: the registry, the fixture
//! test and `check` find the new contract by themselves.
//!
//! The last step builds the new client crate with cargo, in a copy of the workspace under
//! `target/tmp` and its own target dir (`target/new-provider`), kept between runs so only
//! the new crate rebuilds (the first run compiles the dependencies: minutes).

use std::path::{Path, PathBuf};
use std::process::Command;

use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

    // 2. The provider's policy: GitHub's copied, with the name, base URL and credential
    // variables changed.
    let policy = repo
        .read("contracts/github/provider.yaml")
        .replacen("provider: github", "provider: sendgrid", 1)
        .replacen("https://api.github.com\n", "https://api.sendgrid.com\n", 1)
        .replacen("GITHUB_API_BASE_URL", "SENDGRID_API_BASE_URL", 1)
        .replacen("[GITHUB_TOKEN, GH_TOKEN]", "[SENDGRID_API_KEY]", 1);
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

    // 6. The user's own crate depends on the new client by path (README: "Use a generated
    // client") and calls it: typed result, credential and base URL from the environment.
    let workspace = workspace_copy(&repo);
    let caller = workspace.join("crates/sendgrid-caller");
    std::fs::create_dir_all(caller.join("src")).unwrap();
    std::fs::write(caller.join("Cargo.toml"), CALLER_MANIFEST).unwrap();
    std::fs::write(caller.join("src/main.rs"), CALLER_MAIN).unwrap();
    let binary = build(&workspace, "sendgrid-caller");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start());
    runtime.block_on(
        Mock::given(method("GET"))
            .and(path("/v3/api_keys"))
            .and(query_param("limit", "10"))
            .and(header("on-behalf-of", "subuser-7"))
            .and(header("authorization", "Bearer SG.test-key"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"result": [{"api_key_id": "k1", "name": "ci"}, {"api_key_id": "k2", "name": "deploy"}]}"#,
                "application/json",
            ))
            .expect(1)
            .mount(&server),
    );
    let out = Command::new(&binary)
        .env("SENDGRID_API_BASE_URL", server.uri())
        .env("SENDGRID_API_KEY", "SG.test-key")
        .env_remove("TETHER_REDIS_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, "k1 ci\nk2 deploy\n");
    runtime.block_on(server.verify());

    // A bad fixture whose `expect` is wrong is caught by the verdict check.
    repo.write(bad, &repo.read(bad).replace("required", "type"));
    assert_eq!(repo.check_kinds(), ["fixture-mismatch"]);
}

const CALLER_MANIFEST: &str = r#"[package]
name = "sendgrid-caller"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
sendgrid-keys-v1 = { path = "../sendgrid-keys-v1" }
tokio = { workspace = true }
"#;

/// What a user writes, as the README's "Use a generated client" shows.
const CALLER_MAIN: &str = r#"use sendgrid_keys_v1::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sendgrid = Client::from_env()?; // SENDGRID_API_KEY; SENDGRID_API_BASE_URL
    let keys = sendgrid
        .get_v3_api_keys()
        .limit(10)
        .on_behalf_of("subuser-7")
        .call()
        .await?;
    for key in &keys.result {
        println!("{} {}", key.api_key_id, key.name);
    }
    Ok(())
}
"#;

/// A buildable copy of the workspace with `repo`'s contracts and generated crates laid over
/// it, at a fixed place so cargo's fingerprints (file times are kept) survive between runs.
fn workspace_copy(repo: &Repo) -> PathBuf {
    let src = xtask::default_root();
    let dst = Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-provider-workspace");
    if dst.exists() {
        std::fs::remove_dir_all(&dst).unwrap();
    }
    std::fs::create_dir_all(&dst).unwrap();
    let copy = |from: &Path, to: &Path| {
        let status = Command::new("cp")
            .arg("-Rp")
            .arg(from)
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success(), "cp {} {}", from.display(), to.display());
    };
    for part in [
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
        "crates",
        "sentinels",
        "xtask",
    ] {
        copy(&src.join(part), &dst);
    }
    for part in ["contracts", "fixtures"] {
        std::fs::remove_dir_all(dst.join(part)).ok();
        copy(&repo.path(part), &dst);
    }
    for krate in ["sendgrid-keys-v1", "tether-clients"] {
        std::fs::remove_dir_all(dst.join("crates").join(krate)).ok();
        copy(&repo.path(&format!("crates/{krate}")), &dst.join("crates"));
    }
    dst
}

/// `cargo build -p package` in `workspace` (offline: every dependency is in the copied
/// lock), returning the binary's path.
fn build(workspace: &Path, package: &str) -> PathBuf {
    let target = xtask::default_root().join("target/new-provider");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--offline", "--quiet", "-p", package])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo build -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("debug").join(package)
}
