//! Rate and concurrency limits: a provider reset beyond the deadline fails fast, the
//! concurrency cap, and the client-side limiter spacing calls.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tether_runtime::clock::{Clock, ManualClock};
use tether_runtime::limit::{LimitSpec, LocalLimits};
use tether_runtime::{Credentials, Error, Secret, ValidationMode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{fresh_server, github, repo_at, CANARY};
use crate::data;

#[tokio::test]
async fn a_wait_beyond_the_deadline_fails_fast_with_rate_limited_and_the_reset_time() {
    let server = fresh_server().await;
    let clock = ManualClock::default();
    let reset = clock
        .wall()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({"message": "API rate limit exceeded"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = github(&server, &clock);
    let err = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    let Error::RateLimited {
        wait,
        reset_at,
        report,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*wait, Duration::from_secs(600));
    assert_eq!(
        *reset_at,
        Some(std::time::UNIX_EPOCH + Duration::from_secs(reset))
    );
    assert_eq!(report.attempts.len(), 1);
    assert!(
        clock.sleeps().is_empty(),
        "no sleep when the wait cannot fit the 90 s deadline"
    );

    // The next call does not even reach the provider: the limiter learned the reset.
    let again = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    assert!(matches!(again, Error::RateLimited { .. }), "{again:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_cap_holds_requests_in_flight_to_the_policy_ceiling() {
    // GitHub's policy caps concurrent requests at 100 (its secondary limit). 150 calls at
    // once against a server that holds each request 300 ms: never more than 100 are in
    // flight, and every call succeeds (the rest wait for a slot, within the deadline).
    use std::sync::atomic::{AtomicUsize, Ordering};
    #[derive(Clone, Default)]
    struct Gauge {
        now: Arc<AtomicUsize>,
        max: Arc<AtomicUsize>,
    }
    async fn handler(
        axum::extract::State(g): axum::extract::State<Gauge>,
    ) -> axum::response::Response {
        let n = g.now.fetch_add(1, Ordering::SeqCst) + 1;
        g.max.fetch_max(n, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        g.now.fetch_sub(1, Ordering::SeqCst);
        let body = serde_json::to_vec(&data("github-repos-get.json")).unwrap();
        axum::response::IntoResponse::into_response(([("content-type", "application/json")], body))
    }
    let gauge = Gauge::default();
    let router = axum::Router::new()
        .route("/repos/{owner}/{repo}", axum::routing::get(handler))
        .with_state(gauge.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let client = Arc::new(
        github_repos_v1::Client::builder()
            .base_url(&url)
            .credentials(Credentials::Bearer(Secret::new("t")))
            .validation(ValidationMode::Off)
            .without_rate_limits()
            .build()
            .unwrap(),
    );
    let calls: Vec<_> = (0..150)
        .map(|_| {
            let c = Arc::clone(&client);
            tokio::spawn(async move { c.repos_get().owner("o").repo("r").call().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    server.abort();
    let max = gauge.max.load(Ordering::SeqCst);
    assert_eq!(max, 100, "requests in flight at most");
}

/// The engine asks the client-side limiter before every attempt and waits what it says:
/// 2 requests/s with a burst of 1 spaces four calls by 500 ms each.
#[tokio::test]
async fn the_client_side_limit_spaces_calls_through_the_engine() {
    let server = fresh_server().await;
    repo_at("/repos/o/ok").expect(4).mount(&server).await;
    let clock = ManualClock::default();
    let limits = LocalLimits::new(
        vec![LimitSpec {
            name: "two per second".into(),
            requests: 2,
            period: Duration::from_secs(1),
            burst: 1,
            per_endpoint: false,
            methods: vec![],
        }],
        Arc::new(clock.clone()),
    );
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::Bearer(Secret::new(CANARY)))
        .clock(Arc::new(clock.clone()))
        .rate_limit_store(Arc::new(limits))
        .build()
        .unwrap();
    for _ in 0..4 {
        client
            .repos_get()
            .owner("o")
            .repo("ok")
            .call()
            .await
            .unwrap();
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(500); 3]);
}
