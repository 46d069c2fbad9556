//! Retries: Retry-After waits, idempotency keys, max attempts, `stripe-should-retry`,
//! the shared retry quota, and a retry sending the same request again.

use std::sync::Arc;
use std::time::Duration;

use github_repos_v1::ClientInfo as _;
use serde_json::json;
use tether_runtime::clock::ManualClock;
use tether_runtime::Error;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, Request, ResponseTemplate};

use super::{fresh_server, github, stripe, Sequence};
use crate::data;

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
