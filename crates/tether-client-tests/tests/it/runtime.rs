//! The runtime under every generated call, against wiremock (or a raw TCP server) on
//! 127.0.0.1: retries, waits, idempotency keys, breaker, OAuth2, pagination, malformed
//! responses and redaction. Time runs on a `ManualClock`: every backoff and rate-limit
//! wait is recorded instead of slept, so the tests are fast and exact.

use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use github_repos_v1::ClientInfo as _;
use serde_json::json;
use tether_runtime::auth::OAuth2Source;
use tether_runtime::clock::{Clock, ManualClock};
use tether_runtime::limit::{LimitSpec, LocalLimits};
use tether_runtime::{Credentials, Error, Secret, ValidationMode};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::data;

const CANARY: &str = "ghp_CANARY0123456789abcdefCANARY";

fn github(server: &MockServer, clock: &ManualClock) -> github_repos_v1::Client {
    crate::logs::capture();
    github_repos_v1::Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::Bearer(Secret::new(CANARY)))
        .clock(Arc::new(clock.clone()))
        .validation(ValidationMode::Enforce)
        .build()
        .unwrap()
}

fn stripe(server: &MockServer, clock: &ManualClock) -> stripe_customers_v1::Client {
    crate::logs::capture();
    stripe_customers_v1::Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::Bearer(Secret::new("sk_test_CANARYstripe000")))
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

/// GET `at` answered 200 with the recorded GitHub repository (add `.expect(n)`, mount).
fn repo_at(at: &str) -> Mock {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("github-repos-get.json")))
}

/// Answers from a list, in order, repeating the last.
struct Sequence(std::sync::Mutex<Vec<ResponseTemplate>>);

impl Sequence {
    fn new(responses: Vec<ResponseTemplate>) -> Self {
        Self(std::sync::Mutex::new(responses))
    }
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut list = self.0.lock().unwrap();
        if list.len() > 1 {
            list.remove(0)
        } else {
            list[0].clone()
        }
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_that_wait_with_the_same_idempotency_key() {
    let server = fresh_server().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"type": "invalid_request_error", "message": "Too many requests"}})),
            ResponseTemplate::new(200).set_body_json(data("stripe-customer.json")),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = stripe(&server, &clock);

    let customer = client
        .post_customers()
        .body(stripe_customers_v1::types::PostCustomersBody::builder())
        .call()
        .await
        .unwrap();
    assert_eq!(customer.status(), 200);

    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1)],
        "waited exactly Retry-After"
    );
    let received = server.received_requests().await.unwrap();
    let keys: Vec<_> = received
        .iter()
        .map(|r| r.headers.get("idempotency-key").unwrap().clone())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys[0], keys[1],
        "one key per logical call, resent on retry"
    );
    assert_eq!(keys[0].to_str().unwrap().len(), 36, "a UUID");
    assert_eq!(
        received[0].headers.get("authorization").unwrap(),
        "Bearer sk_test_CANARYstripe000"
    );
    assert!(received[0].headers.get("x-correlation-id").is_some());
}

#[tokio::test]
async fn a_caller_supplied_idempotency_key_is_sent() {
    let server = fresh_server().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .and(header("idempotency-key", "order-42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("stripe-customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = stripe(&server, &clock);
    client
        .post_customers()
        .body(stripe_customers_v1::types::PostCustomersBody::builder())
        .call_with(tether_runtime::CallOptions::new().idempotency_key("order-42"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_503_forever_stops_at_max_attempts_and_the_error_lists_them() {
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-github-request-id", "ABCD:1234")
                .set_body_json(json!({"message": "Service unavailable", "documentation_url": "https://docs.github.com"})),
        )
        .expect(4)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github(&server, &clock);

    let err = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    let Error::Provider {
        status,
        detail,
        report,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 503);
    assert_eq!(detail.message.as_deref(), Some("Service unavailable"));
    assert_eq!(report.attempts.len(), 4, "policy retry.max_attempts");
    assert!(report.attempts.iter().all(|a| a.status == Some(503)));
    assert_eq!(report.request_id.as_deref(), Some("ABCD:1234"));
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3, "no sleep after the last attempt");
    for (i, s) in sleeps.iter().enumerate() {
        assert!(
            *s <= Duration::from_millis(1000 << i),
            "full jitter under the cap: {sleeps:?}"
        );
    }
    let shown = err.to_string();
    assert!(
        shown.contains("4 attempts") && shown.contains("ABCD:1234"),
        "{shown}"
    );
    // Every attempt is the same request: method, URL and every header (the engine
    // copies the request per attempt).
    let received = server.received_requests().await.unwrap();
    let sent = |r: &Request| {
        let mut headers: Vec<String> = [
            "authorization",
            "accept",
            "user-agent",
            "x-github-api-version",
            "x-correlation-id",
        ]
        .iter()
        .map(|h| format!("{h}: {:?}", r.headers.get(*h)))
        .collect();
        headers.push(format!("{} {}", r.method, r.url));
        headers
    };
    assert!(
        sent(&received[0]).iter().all(|h| !h.contains("None")),
        "{:?}",
        sent(&received[0])
    );
    assert!(received.iter().all(|r| sent(r) == sent(&received[0])));
}

#[tokio::test]
async fn stripe_should_retry_false_on_a_500_is_not_retried() {
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .and(path("/v1/customers/cus_1"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("stripe-should-retry", "false")
                .insert_header("request-id", "req_123")
                .set_body_json(json!({"error": {"type": "api_error", "message": "boom"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = stripe(&server, &clock);
    let err = client
        .get_customers_customer()
        .customer("cus_1")
        .call()
        .await
        .unwrap_err();
    let Error::Provider {
        status,
        detail,
        report,
        body,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*status, report.attempts.len()), (500, 1));
    assert_eq!(detail.kind.as_deref(), Some("api_error"));
    assert!(body.is_some(), "typed Stripe error body");
    assert_eq!(report.request_id.as_deref(), Some("req_123"));
    assert!(clock.sleeps().is_empty());
}

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

#[tokio::test]
async fn a_response_handed_to_progenitor_keeps_the_url_that_answered() {
    // A 301 the contract declares but progenitor's projection has no arm for comes back
    // from `send()` as the response itself; the runtime rebuilt it from the bytes it
    // read, and its `url()` must still be the real one (reqwest puts a placeholder there
    // when a response is rebuilt without it). No `Location`: nothing to follow.
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .respond_with(
            ResponseTemplate::new(301).set_body_json(json!({"message": "Moved Permanently"})),
        )
        .mount(&server)
        .await;
    let client = github(&server, &ManualClock::default());
    let err = client
        .repos_get()
        .owner("o")
        .repo("r")
        .send()
        .await
        .unwrap_err();
    let github_repos_v1::Error::UnexpectedResponse(response) = err else {
        panic!("expected progenitor's UnexpectedResponse, got {err:?}");
    };
    assert_eq!(response.status(), 301);
    assert_eq!(
        response.url().as_str(),
        format!("{}/repos/o/r", server.uri())
    );
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
    let http = tether_runtime::prepare::http_client(&github_repos_v1::DEFAULTS).unwrap();
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
async fn github_pagination_follows_link_headers_across_three_pages() {
    let server = fresh_server().await;
    let issues: Vec<serde_json::Value> =
        data("github-issues-list.json").as_array().unwrap().clone();
    let one = issues[0].clone();
    let page = |n: u64, last: bool| {
        let mut t = ResponseTemplate::new(200).set_body_json(json!([one.clone(), one.clone()]));
        if !last {
            t = t.insert_header("link", format!("<{}/repositories/1/issues?page={}&per_page=2>; rel=\"next\", <{}/repositories/1/issues?page=3&per_page=2>; rel=\"last\"", server.uri(), n + 1, server.uri()).as_str());
        }
        t
    };
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues"))
        .and(query_param("per_page", "100"))
        .respond_with(page(1, false))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repositories/1/issues"))
        .and(query_param("page", "2"))
        .respond_with(page(2, false))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repositories/1/issues"))
        .and(query_param("page", "3"))
        .respond_with(page(3, true))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github(&server, &clock);
    let all: Vec<_> = client
        .issues_list_for_repo()
        .owner("o")
        .repo("r")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    let received = server.received_requests().await.unwrap();
    assert!(
        received
            .iter()
            .all(|r| r.headers.get("authorization").is_some()),
        "auth on every page"
    );
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed() {
    let server = fresh_server().await;
    let one = data("github-issues-list.json")[0].clone();
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([one]))
                .insert_header(
                    "link",
                    "<https://attacker.example/steal?page=2>; rel=\"next\"",
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let items: Vec<_> = github(&server, &clock)
        .issues_list_for_repo()
        .owner("o")
        .repo("r")
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
}

#[tokio::test]
async fn stripe_pagination_follows_has_more_with_starting_after() {
    let server = fresh_server().await;
    let customer = data("stripe-customer.json");
    let with_id = |id: &str| {
        let mut c = customer.clone();
        c["id"] = json!(id);
        c
    };
    let list = |ids: &[&str], more: bool| {
        ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "url": "/v1/customers", "has_more": more,
            "data": ids.iter().map(|i| with_id(i)).collect::<Vec<_>>()
        }))
    };
    Mock::given(method("GET"))
        .and(path("/v1/customers"))
        .and(query_param("starting_after", "cus_2"))
        .respond_with(list(&["cus_3", "cus_4"], true))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/customers"))
        .and(query_param("starting_after", "cus_4"))
        .respond_with(list(&["cus_5"], false))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/customers"))
        .and(query_param("limit", "100"))
        .respond_with(list(&["cus_1", "cus_2"], true))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let ids: Vec<String> = stripe(&server, &clock)
        .get_customers()
        .stream()
        .map_ok(|c| c.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["cus_1", "cus_2", "cus_3", "cus_4", "cus_5"]);
}

#[tokio::test]
async fn an_error_mid_stream_is_yielded_and_ends_the_stream() {
    let server = fresh_server().await;
    let one = data("github-issues-list.json")[0].clone();
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([one]))
                .insert_header(
                    "link",
                    format!("<{}/next?page=2>; rel=\"next\"", server.uri()).as_str(),
                ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/next"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let items: Vec<_> = github(&server, &clock)
        .issues_list_for_repo()
        .owner("o")
        .repo("r")
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert!(
        matches!(items[1], Err(Error::Provider { status: 404, .. })),
        "{:?}",
        items[1]
    );
}

#[tokio::test]
async fn malformed_json_wrong_content_type_and_contract_violations_are_typed_errors() {
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/bad-json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"id\": 1,", "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/html"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
        )
        .mount(&server)
        .await;
    let mut repo = data("github-repos-get.json");
    repo["owner"].as_object_mut().unwrap().remove("login");
    Mock::given(method("GET"))
        .and(path("/repos/o/drifted"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github(&server, &clock);
    for (name, pointer) in [("bad-json", ""), ("html", ""), ("drifted", "/owner/login")] {
        let err = client
            .repos_get()
            .owner("o")
            .repo(name)
            .call()
            .await
            .unwrap_err();
        let Error::ContractViolation {
            violations,
            status: 200,
            ..
        } = &err
        else {
            panic!("{name}: {err:?}")
        };
        assert!(
            violations.iter().any(|v| v.pointer == pointer),
            "{name}: {violations:?}"
        );
    }
    // In report mode the same drift is logged, and the typed parse decides.
    let report = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .validation(ValidationMode::Report)
        .build()
        .unwrap();
    let err = report
        .repos_get()
        .owner("o")
        .repo("bad-json")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
    let err = report
        .repos_get()
        .owner("o")
        .repo("html")
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
}

#[tokio::test]
async fn report_mode_returns_the_data_and_logs_the_violation() {
    let server = fresh_server().await;
    let mut repo = data("github-repos-get.json");
    repo["html_url"] = json!("not a uri at all");
    Mock::given(method("GET"))
        .and(path("/repos/o/report-mode"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo))
        .mount(&server)
        .await;
    crate::logs::capture();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .validation(ValidationMode::Report)
        .build()
        .unwrap();
    let value = client
        .repos_get()
        .owner("o")
        .repo("report-mode")
        .call()
        .await
        .unwrap();
    assert_eq!(value.html_url, "not a uri at all");
    // The check runs in the background; wait for its log line (bounded).
    for _ in 0..100 {
        if crate::logs::text().contains("/html_url (format)") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no contract violation logged for /html_url");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = fresh_server().await;
    repo_at("/repos/o/r").mount(&server).await;
    assert_body_too_large(server.uri(), 1024).await;
}

/// `repos/get` against `base` with a body limit of `limit` bytes fails as `BodyTooLarge`.
async fn assert_body_too_large(base: String, limit: u64) {
    let client = github_repos_v1::Client::builder()
        .base_url(base)
        .max_body_bytes(limit)
        .build()
        .unwrap();
    let err = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: l, .. } if l == limit),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_oversized_chunked_body_is_refused() {
    // No Content-Length, so the size is only known while reading: chunks of 512 bytes,
    // 64 KiB in all, against a 1 KiB limit.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        sock.write_all(head).await.unwrap();
        let chunk = format!("200\r\n{}\r\n", "a".repeat(512));
        for _ in 0..128 {
            if sock.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
        let _ = sock.write_all(b"0\r\n\r\n").await;
    });
    assert_body_too_large(format!("http://{addr}"), 1024).await;
    server.abort();
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_after_retries() {
    // A raw server that promises 1000 bytes and closes after 10.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut served = 0;
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\": 12")
                .await;
            drop(sock);
            served += 1;
            if served == 4 {
                break;
            }
        }
        served
    });
    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(format!("http://{addr}"))
        .clock(Arc::new(clock))
        .build()
        .unwrap();
    let err = client
        .repos_get()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts().len(), 4);
    assert_eq!(server.await.unwrap(), 4);
}

#[tokio::test]
async fn each_retry_takes_its_cost_from_the_shared_retry_quota() {
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .clock(Arc::new(clock.clone()))
        .without_rate_limits()
        .build()
        .unwrap();
    // 500 tokens at 5 per retry (policy retry.quota): at most 100 retries in a row
    // across all calls; the exhaustion itself is tested in tether-runtime's unit tests.
    let before = client.inner().retry_quota_available();
    assert_eq!(before, 500);
    let _ = client.repos_get().owner("o").repo("r").call().await;
    assert_eq!(client.inner().retry_quota_available(), 500 - 3 * 5);
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

/// At INFO (the level a service runs at) a call that succeeds first time records
/// nothing; what does reach INFO (`retrying`) and WARN (`call failed`) names the call in
/// its own fields, since the DEBUG `tether.call` span is filtered out there.
#[tokio::test]
async fn at_info_only_retries_and_failures_are_logged_and_each_line_names_the_call() {
    let server = fresh_server().await;
    repo_at("/repos/o/ok").mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/o/flaky"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(503).set_body_json(json!({"message": "Service unavailable"})),
            // Enforce mode: a body off the contract fails the call in the engine.
            ResponseTemplate::new(200).set_body_json(json!({"id": "not a number"})),
        ]))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github(&server, &clock);
    let buffer = crate::logs::Buffer::default();
    let writer = buffer.clone();
    let info = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    let _scope = tracing::subscriber::set_default(info);

    let ok = |repo: &'static str| client.repos_get().owner("o").repo(repo).call();
    ok("ok").await.unwrap();
    let quiet = buffer.text();
    assert!(
        quiet.is_empty(),
        "a first-time success logs nothing at INFO: {quiet}"
    );

    let options = tether_runtime::CallOptions::new().correlation_id("corr-flaky-1");
    let err = client
        .repos_get()
        .owner("o")
        .repo("flaky")
        .call_with(options)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ContractViolation { .. }), "{err:?}");
    let lines: Vec<serde_json::Value> = buffer
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let messages: Vec<&str> = lines
        .iter()
        .map(|l| l["fields"]["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["retrying", "response violates the contract", "call failed"],
        "{lines:#?}"
    );
    for line in &lines {
        let f = &line["fields"];
        assert_eq!(f["provider"], "github", "{line}");
        assert_eq!(f["operation"], "repos/get", "{line}");
        assert_eq!(f["correlation_id"], "corr-flaky-1", "{line}");
    }
    assert_eq!(lines[0]["level"], "INFO");
    let violations = lines[1]["fields"]["violations"].as_str().unwrap();
    assert!(violations.starts_with("/id (type), "), "{violations}");
    assert_eq!(lines[2]["level"], "WARN");
    assert_eq!(lines[2]["fields"]["kind"], "contract_violation");
}

/// A server of its own (not from wiremock's pool): the runtime shares breaker, limiter
/// and quota state per provider + host:port + credential, as the provider counts them,
/// so a pooled server reused by another test would inherit that test's state.
async fn fresh_server() -> MockServer {
    MockServer::builder().start().await
}

/// What a caller can observe of a call's result, without the per-call ids and timings.
fn observed<T: std::fmt::Debug>(
    result: Result<github_repos_v1::ResponseValue<T>, Error<github_repos_v1::types::BasicError>>,
) -> String {
    match result {
        Ok(v) => format!("ok {} {:?}", v.status(), v.into_inner()),
        Err(e) => {
            let debug = format!("{e:?}");
            let variant = debug
                .split([' ', '{', '('])
                .next()
                .unwrap_or_default()
                .to_owned();
            let attempts: Vec<_> = e
                .attempts()
                .iter()
                .map(|a| (a.status, a.outcome.clone()))
                .collect();
            let detail = match &e {
                Error::Provider { detail, body, .. } => format!("{detail} {body:?}"),
                Error::InvalidResponse { message, .. } => message.clone(),
                _ => String::new(),
            };
            format!("err {variant} {:?} {attempts:?} {detail}", e.status())
        }
    }
}

#[tokio::test]
async fn send_goes_through_the_engine_as_call_does_with_progenitors_error_type() {
    // One call path: `call()` and progenitor's own `send()` both run the generated
    // `send_direct` through the engine (policy headers, validation, retries); `send()`
    // keeps progenitor's error type, an engine failure being `Error::Custom`.
    let server = fresh_server().await;
    repo_at("/repos/o/ok").mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/o/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/moved"))
        .respond_with(ResponseTemplate::new(301).set_body_json(json!({"message": "Moved"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/garbled"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"id": 1, "name": "#),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github(&server, &clock);
    for repo in ["ok", "missing", "moved", "garbled"] {
        let called = observed(client.repos_get().owner("o").repo(repo).call().await);
        let sent = match client.repos_get().owner("o").repo(repo).send().await {
            Ok(v) => format!("ok {} {}", v.status(), v.into_inner().full_name),
            Err(github_repos_v1::Error::ErrorResponse(v)) => {
                format!("error response {} {:?}", v.status(), v.into_inner().message)
            }
            Err(github_repos_v1::Error::UnexpectedResponse(r)) => {
                format!("unexpected {}", r.status())
            }
            Err(github_repos_v1::Error::Custom(message)) => format!("custom {message}"),
            Err(other) => format!("other {other:?}"),
        };
        let (call_expected, send_expected) = match repo {
            "ok" => ("ok 200 OK FullRepository", "ok 200 OK octocat/Hello-World"),
            "missing" => (
                "err Provider Some(404)",
                "error response 404 Not Found Some(\"Not Found\")",
            ),
            "moved" => (
                "err InvalidResponse Some(301)",
                "unexpected 301 Moved Permanently",
            ),
            // The client validates in `enforce`: a body that is not JSON violates the
            // contract, on both paths (the engine decides, not the entry point).
            _ => (
                "err ContractViolation Some(200)",
                "custom github repos/get: response 200 violates the contract",
            ),
        };
        let shown: String = called.chars().take(300).collect();
        assert!(called.starts_with(call_expected), "{repo}: {shown}");
        assert!(sent.starts_with(send_expected), "{repo}: {sent}");
    }
    // Both went through the engine: every request carried the policy's pinned version.
    for request in server.received_requests().await.unwrap() {
        assert_eq!(
            request
                .headers
                .get("x-github-api-version")
                .map(|v| v.to_str().unwrap()),
            Some("2022-11-28"),
            "{}",
            request.url
        );
    }
}

#[tokio::test]
async fn send_and_call_decode_bodies_exactly_as_progenitors_from_response_does() {
    // Generated code reads bodies with `tether_runtime::json::from_body` (one UTF-8 check
    // per body), `send()` as `call()`: whatever the bytes, the caller gets what
    // progenitor's own `from_response` (`from_slice`) gives.
    let server = fresh_server().await;
    let good = serde_json::to_vec(&data("github-repos-get.json")).unwrap();
    let splice = |marker: &str, bytes: &[u8]| -> Vec<u8> {
        let text = String::from_utf8(good.clone()).unwrap();
        let at = text.find(marker).unwrap() + marker.len();
        let mut body = good[..at].to_vec();
        body.extend_from_slice(bytes);
        body.extend_from_slice(&good[at..]);
        body
    };
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("good", good.clone()),
        // Invalid UTF-8 inside a string the type reads (`name`) and one it skips.
        ("bad-read", splice("\"name\":\"", b"\xff")),
        ("bad-skipped", splice("{", b"\"x_unknown\":\"\xfe\xff\",")),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("escaped", splice("\"name\":\"", b"\\u00e9\\ud83d\\ude00")),
    ];
    for (repo, body) in &bodies {
        Mock::given(method("GET"))
            .and(path(format!("/repos/o/{repo}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json")
                    .set_body_bytes(body.clone()),
            )
            .mount(&server)
            .await;
    }
    crate::logs::capture();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .validation(ValidationMode::Off)
        .build()
        .unwrap();
    let plain = reqwest::Client::new();
    let show = |r: Result<
        github_repos_v1::ResponseValue<github_repos_v1::types::FullRepository>,
        String,
    >| match r {
        Ok(v) => format!("ok {} {:?}", v.status(), v.into_inner()),
        Err(e) => format!("err {e}"),
    };
    // progenitor's error, as comparable text: the serde error of a body that does not fit.
    let payload_error = |e: github_repos_v1::Error<github_repos_v1::types::BasicError>| match e {
        github_repos_v1::Error::InvalidResponsePayload(_, e) => e.to_string(),
        other => format!("{other:?}"),
    };
    for (repo, _) in &bodies {
        let raw = plain
            .get(format!("{}/repos/o/{repo}", server.uri()))
            .send()
            .await
            .unwrap();
        let reference = show(
            github_repos_v1::ResponseValue::<github_repos_v1::types::FullRepository>::from_response::<
                github_repos_v1::types::BasicError,
            >(raw)
            .await
            .map_err(payload_error),
        );
        let sent = show(
            client
                .repos_get()
                .owner("o")
                .repo(*repo)
                .send()
                .await
                .map_err(payload_error),
        );
        let called = show(
            client
                .repos_get()
                .owner("o")
                .repo(*repo)
                .call()
                .await
                .map_err(|e| match e {
                    // `call()` types the same serde error, with a prefix of its own.
                    Error::InvalidResponse { message, .. } => message
                        .strip_prefix("body does not fit the generated type: ")
                        .map_or(message.clone(), str::to_owned),
                    other => format!("{other:?}"),
                }),
        );
        assert!(
            sent == reference,
            "{repo}: send {sent:.300}\n!= {reference:.300}"
        );
        assert!(
            called == reference,
            "{repo}: call {called:.300}\n!= {reference:.300}"
        );
        let expected = match *repo {
            "good" | "bad-skipped" | "escaped" => "ok 200 OK FullRepository",
            _ => "err ",
        };
        assert!(reference.starts_with(expected), "{repo}: {reference:.300}");
    }
}

#[tokio::test]
async fn call_and_send_put_the_same_path_on_the_wire_for_awkward_parameters() {
    // `call()` writes path parameters through `tether_runtime::path::Segment`, `send()`
    // through progenitor's `encode_path`: the provider must see the same request line.
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github(&server, &clock);
    let owners = [
        "a b",
        "x/y",
        "q?r#s",
        "100%",
        "café",
        "{t}`<u>\"",
        "plain-name_1.2~",
    ];
    for owner in owners {
        let _ = client.repos_get().owner(owner).repo("r/2").call().await;
        let _ = client.repos_get().owner(owner).repo("r/2").send().await;
    }
    let seen: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(seen.len(), owners.len() * 2, "{seen:?}");
    for pair in seen.chunks(2) {
        assert_eq!(pair[0], pair[1], "call() and send() differ");
    }
    // Escaped, not split: a `/` in a parameter stays inside its segment.
    assert_eq!(seen[2], "/repos/x%2Fy/r%2F2");
    assert_eq!(seen[4], "/repos/q%3Fr%23s/r%2F2");
}

/// A retry of a generated `call()` is built again from the builder rather than copied
/// from the first request: it must be the same request on the wire (method, path and
/// query, every header including the idempotency key and correlation id, the
/// form-encoded body), for a Stripe POST with a nested form body and a GitHub GET with
/// query parameters.
#[tokio::test]
async fn a_retried_call_sends_the_same_request_again() {
    let server = fresh_server().await;
    let fail_then_ok = |ok: serde_json::Value| {
        Sequence::new(vec![
            ResponseTemplate::new(503).set_body_json(json!({"message": "try again"})),
            ResponseTemplate::new(200).set_body_json(ok),
        ])
    };
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(fail_then_ok(data("stripe-customer.json")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello%20World/issues"))
        .respond_with(fail_then_ok(json!([])))
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::default();

    let metadata: std::collections::HashMap<String, String> =
        [("order_id".to_owned(), "6735".to_owned())].into();
    stripe(&server, &clock)
        .post_customers()
        .body_map(|b| {
            b.email(Some("jenny.rosen@example.com".parse().unwrap()))
                .metadata(Some(
                    stripe_customers_v1::types::PostCustomersBodyMetadata::Object(metadata),
                ))
                .preferred_locales(vec!["en".parse().unwrap(), "fr".parse().unwrap()])
        })
        .call()
        .await
        .unwrap();
    github(&server, &clock)
        .issues_list_for_repo()
        .owner("octocat")
        .repo("Hello World")
        .labels("bug,ui")
        .per_page(5)
        .call()
        .await
        .unwrap();

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 4, "one retry each");
    for pair in received.chunks(2) {
        let (first, retry) = (&pair[0], &pair[1]);
        assert_eq!(first.method, retry.method);
        assert_eq!(first.url, retry.url);
        assert_eq!(
            String::from_utf8_lossy(&first.body),
            String::from_utf8_lossy(&retry.body)
        );
        let headers = |r: &Request| {
            let mut h: Vec<(String, String)> = r
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
                .collect();
            h.sort();
            h
        };
        assert_eq!(headers(first), headers(retry), "{}", first.url);
    }
    // What was sent is what the builders asked for (not merely the same twice).
    let post = &received[0];
    assert_eq!(
        std::str::from_utf8(&post.body).unwrap(),
        "email=jenny.rosen%40example.com&metadata[order_id]=6735\
         &preferred_locales[0]=en&preferred_locales[1]=fr"
    );
    assert_eq!(post.headers.get("idempotency-key").unwrap().len(), 36);
    let get = &received[2];
    assert_eq!(get.url.query(), Some("labels=bug%2Cui&per_page=5"));
    assert!(get.headers.get("x-correlation-id").is_some());
    // progenitor's own `api-version` header is never added on this path.
    for r in &received {
        assert!(r.headers.get("api-version").is_none(), "{}", r.url);
    }
    assert_eq!(clock.sleeps().len(), 2, "one backoff per call");
}

/// The DEBUG `call finished` event reports the provider's rate-limit headroom (read only
/// when that event is enabled, as here: the test binary captures TRACE).
#[tokio::test]
async fn the_call_finished_event_reports_the_rate_limit_headroom() {
    let server = fresh_server().await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/headroom"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "4321")
                .insert_header("x-ratelimit-limit", "5000")
                .set_body_json(data("github-repos-get.json")),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    github(&server, &clock)
        .repos_get()
        .owner("octocat")
        .repo("headroom")
        .call_with(tether_runtime::CallOptions::new().correlation_id("headroom-event-7"))
        .await
        .unwrap();
    let text = crate::logs::text();
    let line = text
        .lines()
        .find(|l| l.contains("call finished") && l.contains("headroom-event-7"))
        .unwrap_or_else(|| panic!("no `call finished` line for the call in:\n{text}"));
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["fields"]["ratelimit_remaining"], 4321, "{line}");
}
