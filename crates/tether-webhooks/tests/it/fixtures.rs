//! The payload fixtures (`fixtures/{github,stripe}.webhooks.v1`): every good one — real
//! GitHub payloads from @octokit/webhooks-examples, Stripe events from stripe-mock's
//! fixtures — routes to its operation, validates, and signs and verifies byte for byte;
//! every bad one yields exactly its `expect` set.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tether_contract::fixture::{list, Envelope};
use tether_contract::validate::RequestBody;
use tether_webhooks::payload::PayloadContract;
use tether_webhooks::{sign, Scheme, SigningKey, Verifier};

use crate::headers;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check(provider: &str, scheme: Scheme) -> usize {
    let contract =
        PayloadContract::load(root().join(format!("contracts/{provider}/webhooks.v1.yaml")))
            .unwrap();
    let secret = SigningKey::literal("fixture-secret").unwrap();
    let verifier = Verifier::builder(scheme)
        .secret(secret.clone())
        .build()
        .unwrap();
    let files = list(&root().join(format!("fixtures/{provider}.webhooks.v1")));
    assert!(files.len() >= 7, "{provider}: {} fixtures", files.len());
    for (file, good) in &files {
        let env = Envelope::load(file).unwrap();
        let body = env.body.as_ref().unwrap();
        let ct = env.headers.get("content-type").unwrap();
        let found: BTreeSet<(String, String)> =
            match contract.validate(&env.operation, ct, RequestBody::Json(body)) {
                Ok(()) => BTreeSet::new(),
                Err(errors) => errors.into_iter().map(|e| (e.pointer, e.keyword)).collect(),
            };
        let expected: BTreeSet<(String, String)> = env
            .expect
            .iter()
            .map(|e| (e.pointer.clone(), e.keyword.clone()))
            .collect();
        assert_eq!(found, expected, "{}", file.display());
        if *good {
            let event = match scheme {
                Scheme::GitHub => env.headers.get("x-github-event").unwrap().clone(),
                _ => body["type"].as_str().unwrap().to_owned(),
            };
            assert_eq!(
                contract.operation_for(&event, Some(body)),
                Some(env.operation.as_str()),
                "{}",
                file.display()
            );
            let bytes = serde_json::to_vec_pretty(body).unwrap();
            let signed = headers(&sign(
                scheme,
                &secret,
                &bytes,
                1_700_000_000,
                Some("delivery-1"),
            ));
            assert!(
                verifier.verify(&signed, &bytes, 1_700_000_000).is_ok(),
                "{}",
                file.display()
            );
            let mut changed = bytes.clone();
            changed.push(b'\n');
            assert!(verifier.verify(&signed, &changed, 1_700_000_000).is_err());
        }
    }
    files.len()
}

#[test]
fn github_payload_fixtures() {
    check("github", Scheme::GitHub);
}

#[test]
fn stripe_payload_fixtures() {
    check("stripe", Scheme::Stripe);
}

#[test]
fn events_the_contract_does_not_describe_are_not_routed() {
    let contract = PayloadContract::load(root().join("contracts/github/webhooks.v1.yaml")).unwrap();
    let unpinned = serde_json::json!({"action": "unpinned"});
    assert_eq!(contract.operation_for("issues", Some(&unpinned)), None);
    assert_eq!(contract.operation_for("star", None), None);
    assert_eq!(contract.operation_for("push", None), Some("push"));
}
