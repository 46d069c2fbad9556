//! The data-driven fixture test: every file under `fixtures/<provider>.<resource>.v<N>/`
//! becomes one test case.
//!
//! - `good/*.json` must validate against the contract **and**, for a JSON response body,
//!   deserialize into the generated type of that operation and status.
//! - `bad/*.json` must fail with exactly the `expect`ed (pointer, keyword) pairs: failing
//!   for another reason, or for more reasons, is a failure.

#![allow(clippy::unwrap_used)] // test harness

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use tether_contract::fixture::{list, Envelope, Kind};
use tether_contract::validate::{ContractValidator, RequestBody, ValidatorOptions};
use tether_contract::Contract;

type Deserialize = tether_clients::Deserialize;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    let fixtures = root().join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains(".webhooks.") {
            // Webhook payload contracts have no generated client: tether-webhooks'
            // tests and `cargo xtask check` validate their fixtures.
            continue;
        }
        let mut parts = name.split('.');
        let (provider, resource, version) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let contract_path = root().join(format!("contracts/{provider}/{resource}.{version}.yaml"));
        let setup = Contract::load(&contract_path)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                ContractValidator::new(&c.doc, &ValidatorOptions::default())
                    .map_err(|e| e.to_string())
            })
            .map(std::sync::Arc::new);
        // Every client crate, from the registry `cargo xtask gen` writes: a new contract's
        // fixtures are tested without touching this file.
        let deserialize = tether_clients::client(&name).map(|c| c.deserialize_response);
        for (file, good) in list(&dir) {
            let test_name = format!(
                "{name}/{}/{}",
                if good { "good" } else { "bad" },
                file.file_name().unwrap().to_string_lossy()
            );
            let setup = setup.clone();
            let name = name.clone();
            trials.push(Trial::test(test_name, move || {
                let validator =
                    setup.map_err(|e| Failed::from(format!("contract for {name}: {e}")))?;
                let deserialize = deserialize.ok_or_else(|| {
                    format!(
                        "no generated client for fixtures/{name} in crates/tether-clients: run `cargo xtask gen`"
                    )
                })?;
                run(&validator, deserialize, &file, good)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn run(
    validator: &ContractValidator,
    deserialize: Deserialize,
    file: &Path,
    good: bool,
) -> Result<(), Failed> {
    let env = Envelope::load(file).map_err(|e| e.to_string())?;
    let headers = env.header_pairs();
    let raw_json = env.body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
    let result = match env.kind {
        Kind::Response => {
            let status = env.status.unwrap_or_default();
            match (&env.body_raw, &raw_json) {
                (Some(raw), _) => {
                    validator.validate_response(&env.operation, status, &headers, raw.as_bytes())
                }
                (None, Some(bytes)) => {
                    validator.validate_response(&env.operation, status, &headers, bytes)
                }
                (None, None) => validator.validate_response(&env.operation, status, &headers, b""),
            }
        }
        Kind::Request => {
            let ct = env
                .headers
                .get("content-type")
                .map_or("application/json", String::as_str);
            match (&env.body_raw, &env.body) {
                (Some(raw), _) => {
                    validator.validate_request(&env.operation, ct, RequestBody::Raw(raw.as_bytes()))
                }
                (None, Some(body)) => {
                    validator.validate_request(&env.operation, ct, RequestBody::Json(body))
                }
                (None, None) => {
                    validator.validate_request(&env.operation, ct, RequestBody::Raw(b""))
                }
            }
        }
    };
    let errors = result.err().unwrap_or_default();
    if good {
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return Err(format!("good fixture is invalid:\n  {}", list.join("\n  ")).into());
        }
        if let (Kind::Response, Some(bytes)) = (env.kind, &raw_json) {
            let status = env.status.unwrap_or_default();
            match deserialize(&env.operation, status, bytes) {
                Ok(Some(_)) => {}
                Ok(None) => return Err(format!("the generated client has no operation `{}`", env.operation).into()),
                Err(e) => return Err(format!("valid against the contract but does not deserialize into the generated type: {e}").into()),
            }
        }
        return Ok(());
    }
    let got: BTreeSet<(String, String)> = errors
        .iter()
        .map(|e| (e.pointer.clone(), e.keyword.clone()))
        .collect();
    let want: BTreeSet<(String, String)> = env
        .expect
        .iter()
        .map(|e| (e.pointer.clone(), e.keyword.clone()))
        .collect();
    if want.is_empty() {
        return Err("bad fixture has no `expect` list".into());
    }
    if got != want {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(format!(
            "expected exactly {want:?}\n got {got:?}\n  {}",
            list.join("\n  ")
        )
        .into());
    }
    // A response whose only fault is a string the contract's enum does not list (a value
    // the provider added) is reported above, and still decodes: generated response enums
    // read it into their `Unknown` variant.
    let unlisted_strings_only = env.expect.iter().all(|e| {
        e.keyword == "enum"
            && env
                .body
                .as_ref()
                .and_then(|b| b.pointer(&e.pointer))
                .is_some_and(serde_json::Value::is_string)
    });
    if let (Kind::Response, Some(bytes), true) = (env.kind, &raw_json, unlisted_strings_only) {
        let status = env.status.unwrap_or_default();
        if let Err(e) = deserialize(&env.operation, status, bytes) {
            return Err(format!(
                "an unlisted enum value must decode into the generated type (tolerant reader): {e}"
            )
            .into());
        }
    }
    Ok(())
}
