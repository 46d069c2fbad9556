//! The sandbox as clients see it: generated clients through the full runtime, on
//! 127.0.0.1, against the repository's own contracts and fixtures.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use futures::TryStreamExt;
use tether_runtime::{Credentials, Error, Secret, ValidationMode};
use tether_sandbox::{Drift, Faults, Sandbox};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn start(sandbox: Sandbox) -> (String, Arc<Sandbox>) {
    let sb = Arc::new(sandbox);
    let (addr, _task) = Arc::clone(&sb)
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (format!("http://{addr}"), sb)
}

fn github(url: &str) -> github_repos_v1::Client {
    github_repos_v1::Client::builder()
        .base_url(url)
        .credentials(Credentials::Bearer(Secret::new("sandbox-token")))
        .validation(ValidationMode::Enforce)
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_contract_is_served_and_github_answers_from_good_fixtures() {
    let (url, sb) = start(Sandbox::load(&root()).unwrap()).await;
    // Every contract the client registry lists (generated from contracts/) is served.
    let mut registered: Vec<&str> = tether_clients::CLIENTS.iter().map(|c| c.name).collect();
    registered.sort_unstable();
    let mut served = sb.contracts();
    served.sort();
    assert_eq!(served, registered);
    assert!(served.len() >= 2);
    let repo = github(&url)
        .repos_get()
        .owner("any")
        .repo("thing")
        .call()
        .await
        .unwrap();
    assert!(!repo.full_name.is_empty());
    assert!(
        repo.headers().contains_key("x-ratelimit-remaining"),
        "GitHub-style rate-limit headers"
    );
    let issues: Vec<_> = github(&url)
        .issues_list_for_repo()
        .owner("o")
        .repo("r")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!issues.is_empty());
}

#[tokio::test]
async fn pagination_the_providers_way() {
    let (url, _) = start(Sandbox::load(&root()).unwrap()).await;
    let http = reqwest::Client::new();
    let all = http
        .get(format!("{url}/repos/o/r/issues?per_page=100"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let n = all.json::<Vec<serde_json::Value>>().await.unwrap().len();
    assert!(n >= 2, "fixture has {n} issues; need 2 to paginate");
    let first = http
        .get(format!("{url}/repos/o/r/issues?per_page=1"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let link = first
        .headers()
        .get("link")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        link.contains("page=2") && link.contains("rel=\"next\""),
        "{link}"
    );
    let paged: Vec<_> = github(&url)
        .issues_list_for_repo()
        .owner("o")
        .repo("r")
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(paged.len(), n, "stream follows Link across {n} pages");

    let stripe = stripe_customers_v1::Client::builder()
        .base_url(&url)
        .credentials(Credentials::Bearer(Secret::new("sk_test_sandbox")))
        .validation(ValidationMode::Enforce)
        .build()
        .unwrap();
    let ids: Vec<String> = stripe
        .get_customers()
        .limit(1)
        .stream()
        .map_ok(|c| c.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert!(!ids.is_empty());
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(sorted, ids, "starting_after moves forward");
}

#[tokio::test]
async fn missing_auth_is_401_and_an_invalid_body_is_400_with_pointers() {
    let (url, _) = start(Sandbox::load(&root()).unwrap()).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{url}/repos/o/r")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{url}/repos/o/r/issues"))
        .bearer_auth("t")
        .header("content-type", "application/json")
        .body(r#"{"labels": "not-an-array"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = r.json().await.unwrap();
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/title"), "{problem}");
    let r = http
        .get(format!("{url}/nope"))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn drift_is_seen_by_an_enforcing_client() {
    let drift = vec![
        Drift::parse("github.repos.v1:repos/get:remove:/owner").unwrap(),
        Drift::parse("github.repos.v1:repos/get:header:Deprecation").unwrap(),
    ];
    let (url, _) = start(Sandbox::load(&root()).unwrap().with_drift(drift).unwrap()).await;
    let err = github(&url)
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    let Error::ContractViolation { violations, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        violations
            .iter()
            .any(|v| v.pointer == "/owner" && v.keyword == "required"),
        "{violations:?}"
    );
    assert!(Sandbox::load(&root())
        .unwrap()
        .with_drift(vec![Drift::parse("github.repos.v9:x:remove:/a").unwrap()])
        .is_err());
}

#[tokio::test]
async fn faults_are_injected_and_the_runtime_copes() {
    let faults = Faults::parse("429:1.0").unwrap();
    let (url, _) = start(Sandbox::load(&root()).unwrap().with_faults(faults)).await;
    let err = github(&url)
        .repos_get()
        .owner("o")
        .repo("r")
        .call_with(
            tether_runtime::CallOptions::new().timeout(std::time::Duration::from_millis(500)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited { .. } | Error::Provider { status: 429, .. }
        ),
        "{err:?}"
    );

    let (url, sb) = start(
        Sandbox::load(&root())
            .unwrap()
            .with_faults(Faults::parse("503:0.5").unwrap())
            .with_seed(3),
    )
    .await;
    // Backoff waits on a manual clock: recorded, not slept.
    let client = github_repos_v1::Client::builder()
        .base_url(&url)
        .credentials(Credentials::Bearer(Secret::new("sandbox-token")))
        .clock(Arc::new(tether_runtime::clock::ManualClock::default()))
        .build()
        .unwrap();
    for _ in 0..5 {
        client
            .repos_get()
            .owner("o")
            .repo("r")
            .call()
            .await
            .unwrap();
    }
    assert!(
        sb.request_count() > 5,
        "some 503s were retried ({} requests)",
        sb.request_count()
    );
}
