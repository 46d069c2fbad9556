//! Attempt timeouts: a GET that times out is retried, a POST without an idempotency
//! key is not.

use std::sync::Arc;
use std::time::Duration;

use tether_runtime::clock::ManualClock;
use tether_runtime::{Credentials, Error, Secret};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{fresh_server, Sequence, CANARY};
use crate::data;

#[tokio::test]
async fn a_post_without_idempotency_key_that_times_out_is_not_retried() {
    let server = fresh_server().await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(data("github-issue.json"))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::Bearer(Secret::new(CANARY)))
        .clock(Arc::new(clock.clone()))
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client
        .issues_create()
        .owner("o")
        .repo("r")
        .body(github_repos_v1::types::IssuesCreateBody::builder().title(
            github_repos_v1::types::IssuesCreateBodyTitle::String("t".into()),
        ))
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.attempts().len(),
        1,
        "a POST without a key must not be repeated"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_get_that_times_out_is_retried() {
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(200)
                .set_body_json(data("github-repos-get.json"))
                .set_delay(Duration::from_secs(3)),
            ResponseTemplate::new(200).set_body_json(data("github-repos-get.json")),
        ]))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .clock(Arc::new(clock.clone()))
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let repo = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap();
    assert_eq!(repo.owner.login, "octocat");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
