//! The circuit breaker: opens on failures, half-opens after its wait, closes on
//! successful probes.

use std::sync::Arc;
use std::time::Duration;

use tether_runtime::clock::ManualClock;
use tether_runtime::Error;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use super::fresh_server;
use crate::data;

#[tokio::test]
async fn the_breaker_opens_half_opens_and_closes() {
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .clock(Arc::new(clock.clone()))
        .max_attempts(1)
        .build()
        .unwrap();
    // Policy: window 20, minimum 10 calls, 50% failures, open 30 s, 3 probes.
    for _ in 0..10 {
        let e = client
            .repos_get()
            .owner("o")
            .repo("r")
            .call()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Provider { status: 502, .. }), "{e:?}");
    }
    let open = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    assert!(matches!(open, Error::CircuitOpen { .. }), "{open:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        10,
        "open = no request"
    );

    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("github-repos-get.json")))
        .mount(&server)
        .await;
    clock.advance(Duration::from_secs(30));
    for _ in 0..3 {
        client
            .repos_get()
            .owner("o")
            .repo("r")
            .call()
            .await
            .unwrap();
    }
    assert_eq!(
        client
            .repos_get()
            .owner("o")
            .repo("r")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let states = crate::logs::text();
    for state in ["\"open\"", "\"half_open\"", "\"closed\""] {
        assert!(
            states.contains(state),
            "breaker transition to {state} logged"
        );
    }
}
