//! Credentials: the OAuth2 token fetched once and refreshed before expiry, and the
//! secret never shown in logs, errors or `Debug`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tether_runtime::auth::OAuth2Source;
use tether_runtime::clock::ManualClock;
use tether_runtime::{Credentials, Secret};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{fresh_server, repo_at, CANARY};
use crate::data;

#[tokio::test]
async fn oauth2_token_is_fetched_once_for_50_concurrent_calls() {
    let server = fresh_server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"access_token": "tok_abc", "token_type": "bearer", "expires_in": 3600}),
                )
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .and(header("authorization", "Bearer tok_abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("github-repos-get.json")))
        .expect(50)
        .mount(&server)
        .await;
    let source = Arc::new(OAuth2Source::new(
        "github",
        &format!("{}/oauth/token", server.uri()),
        "client-id".into(),
        Secret::new("client-secret"),
        vec![],
    ));
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::OAuth2(Arc::clone(&source)))
        .build()
        .unwrap();
    let calls = (0..50).map(|_| client.repos_get().owner("o").repo("r").call());
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(source.fetch_count(), 1);
}

#[tokio::test]
async fn oauth2_token_is_refreshed_before_it_expires() {
    let server = fresh_server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "t", "expires_in": 120})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let source = OAuth2Source::new(
        "p",
        &format!("{}/oauth/token", server.uri()),
        "id".into(),
        Secret::new("s"),
        vec!["read".into()],
    );
    let http = tether_runtime::engine::builder::http_client(&github_repos_v1::DEFAULTS).unwrap();
    source.token(&http, &clock).await.unwrap();
    clock.advance(Duration::from_secs(50));
    source.token(&http, &clock).await.unwrap();
    assert_eq!(
        source.fetch_count(),
        1,
        "still 70 s left, above the 60 s margin"
    );
    clock.advance(Duration::from_secs(20));
    source.token(&http, &clock).await.unwrap();
    assert_eq!(source.fetch_count(), 2, "refreshed inside the margin");
    let body =
        String::from_utf8(server.received_requests().await.unwrap()[0].body.clone()).unwrap();
    assert_eq!(body, "grant_type=client_credentials&scope=read");
}

#[tokio::test]
async fn the_canary_secret_never_appears_in_logs_or_errors() {
    let buffer_before = crate::logs::capture();
    let _ = buffer_before;
    // Set in the environment and read the way users do.
    std::env::set_var("GITHUB_TOKEN", CANARY);
    let server = fresh_server().await;
    repo_at("/repos/o/ok").mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/o/denied"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"})),
        )
        .mount(&server)
        .await;
    std::env::set_var("GITHUB_API_BASE_URL", server.uri());
    let client = github_repos_v1::Client::from_env().unwrap();
    std::env::remove_var("GITHUB_API_BASE_URL");
    client
        .repos_get()
        .owner("o")
        .repo("ok")
        .call()
        .await
        .unwrap();
    let err = client
        .repos_get()
        .owner("o")
        .repo("denied")
        .call()
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("CANARY"));
    assert!(
        !format!("{client:?}").contains("CANARY"),
        "Debug of the client"
    );
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received[0].headers.get("authorization").unwrap(),
        &format!("Bearer {CANARY}")
    );

    let logs = crate::logs::text();
    assert!(
        logs.contains("\"tether.call\"") && logs.contains("\"path\":\"/repos/{owner}/{repo}\""),
        "logs were captured"
    );
    assert!(
        !logs.contains("CANARY"),
        "the secret leaked into a log line"
    );
    assert!(
        !logs.to_ascii_lowercase().contains("authorization"),
        "no auth header in logs"
    );
}
