//! The runtime's metrics as an operator scrapes them: real calls through the generated
//! GitHub client against wiremock on 127.0.0.1, recorded by the Prometheus exporter
//! (`tether_runtime::prometheus`), then `render()` parsed and checked series by series.
//!
//! The recorder is thread-local (`metrics::set_default_local_recorder`) and the test
//! runs on tokio's current-thread runtime, so it never competes with another test for
//! the process's global recorder.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use tether_runtime::clock::ManualClock;
use tether_runtime::{Credentials, Error, Secret, ValidationMode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::data;

/// Answers from a list, in order, repeating the last.
struct Sequence(std::sync::Mutex<Vec<ResponseTemplate>>);

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

/// `name{labels}` → value, labels sorted, from the Prometheus text format.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let key = match series.split_once('{') {
            Some((name, labels)) => {
                let mut pairs: Vec<&str> = labels.trim_end_matches('}').split("\",").collect();
                pairs.sort();
                let pairs: Vec<String> = pairs
                    .into_iter()
                    .map(|p| format!("{}\"", p.trim_end_matches('"')))
                    .collect();
                format!("{name}{{{}}}", pairs.join(","))
            }
            None => series.to_owned(),
        };
        out.insert(key, value.parse().unwrap());
    }
    out
}

fn get(samples: &BTreeMap<String, f64>, key: &str) -> f64 {
    *samples.get(key).unwrap_or_else(|| {
        panic!(
            "no series {key} in:\n{}",
            samples.keys().cloned().collect::<Vec<_>>().join("\n")
        )
    })
}

#[tokio::test(flavor = "current_thread")]
async fn a_scrape_after_real_calls_shows_requests_latency_retries_429s_violations_and_the_breaker()
{
    let recorder = tether_runtime::prometheus::recorder();
    let handle = recorder.handle();
    let _local = ::metrics::set_default_local_recorder(&recorder);

    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("github-repos-get.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues/1"))
        .respond_with(Sequence(std::sync::Mutex::new(vec![
            ResponseTemplate::new(503).set_body_json(json!({"message": "Service unavailable"})),
            ResponseTemplate::new(200).set_body_json(data("github-issue.json")),
        ])))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r/issues"))
        .respond_with(Sequence(std::sync::Mutex::new(vec![
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "API rate limit exceeded"})),
            ResponseTemplate::new(200).set_body_json(data("github-issues-list.json")),
        ])))
        .expect(2)
        .mount(&server)
        .await;
    let mut drifted = data("github-repos-get.json");
    drifted.as_object_mut().unwrap().remove("id");
    Mock::given(method("GET"))
        .and(path("/repos/o/drifted"))
        .respond_with(ResponseTemplate::new(200).set_body_json(drifted))
        .mount(&server)
        .await;

    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::Bearer(Secret::new("ghp_metrics_test")))
        .clock(Arc::new(clock.clone()))
        .validation(ValidationMode::Enforce)
        .build()
        .unwrap();

    for _ in 0..2 {
        client
            .repos_get()
            .owner("o")
            .repo("r")
            .call()
            .await
            .unwrap();
    }
    client
        .issues_get()
        .owner("o")
        .repo("r")
        .issue_number(1)
        .call()
        .await
        .unwrap();
    client
        .issues_list_for_repo()
        .owner("o")
        .repo("r")
        .call()
        .await
        .unwrap();
    let err = client
        .repos_get()
        .owner("o")
        .repo("drifted")
        .call()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ContractViolation { .. }), "{err:?}");

    let text = handle.render();
    let s = samples(&text);
    let requests = |op: &str, class: &str| {
        format!("tether_requests_total{{operation=\"{op}\",provider=\"github\",status_class=\"{class}\"}}")
    };
    // Attempts by status class: 3 repos/get (2 + the drifted one), 503 then 200, 429 then 200.
    assert_eq!(get(&s, &requests("repos/get", "2xx")), 3.0);
    assert_eq!(get(&s, &requests("issues/get", "5xx")), 1.0);
    assert_eq!(get(&s, &requests("issues/get", "2xx")), 1.0);
    assert_eq!(get(&s, &requests("issues/list-for-repo", "4xx")), 1.0);
    assert_eq!(get(&s, &requests("issues/list-for-repo", "2xx")), 1.0);
    // One retry each after the 503 and after the 429; only the 429 is throttling.
    assert_eq!(
        get(
            &s,
            "tether_retries_total{operation=\"issues/get\",provider=\"github\"}"
        ),
        1.0
    );
    assert_eq!(
        get(
            &s,
            "tether_retries_total{operation=\"issues/list-for-repo\",provider=\"github\"}"
        ),
        1.0
    );
    assert_eq!(
        get(
            &s,
            "tether_throttled_total{operation=\"issues/list-for-repo\",provider=\"github\"}"
        ),
        1.0
    );
    assert!(!s
        .keys()
        .any(|k| k.starts_with("tether_throttled_total{operation=\"issues/get\"")));
    // Logical calls by outcome.
    let calls = |op: &str, outcome: &str| {
        format!(
            "tether_calls_total{{operation=\"{op}\",outcome=\"{outcome}\",provider=\"github\"}}"
        )
    };
    assert_eq!(get(&s, &calls("repos/get", "ok")), 2.0);
    assert_eq!(get(&s, &calls("repos/get", "contract_violation")), 1.0);
    assert_eq!(get(&s, &calls("issues/get", "ok")), 1.0);
    assert_eq!(get(&s, &calls("issues/list-for-repo", "ok")), 1.0);
    // The drifted body lacks exactly one required property.
    assert_eq!(
        get(
            &s,
            "tether_contract_violations_total{operation=\"repos/get\",provider=\"github\"}"
        ),
        1.0
    );
    // Latency is a histogram with buckets, one observation per attempt.
    assert_eq!(
        get(
            &s,
            "tether_request_duration_seconds_count{operation=\"issues/get\",provider=\"github\"}"
        ),
        2.0
    );
    assert_eq!(
        get(&s, "tether_request_duration_seconds_bucket{le=\"+Inf\",operation=\"repos/get\",provider=\"github\"}"),
        3.0
    );
    assert!(s.contains_key("tether_request_duration_seconds_bucket{le=\"0.005\",operation=\"repos/get\",provider=\"github\"}"));
    // The breaker of this host is reported closed (0).
    let authority = server.uri().replace("http://", "");
    assert_eq!(
        get(
            &s,
            &format!("tether_breaker_state{{breaker=\"github@http://{authority}\"}}")
        ),
        0.0
    );
    // Help and type lines come from the one metric list.
    assert!(
        text.contains("# TYPE tether_request_duration_seconds histogram"),
        "{text}"
    );
    assert!(text.contains("# TYPE tether_breaker_state gauge"), "{text}");
    assert!(
        text.contains("# HELP tether_requests_total HTTP attempts sent"),
        "{text}"
    );

    // Mounted in an axum app as the README shows, `GET /metrics` over loopback serves it.
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let h = handle.clone();
            async move { tether_runtime::prometheus::scrape(&h) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_task = tokio::spawn(async move { axum::serve(listener, app).await });
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let scraped = samples(&response.text().await.unwrap());
    assert_eq!(
        get(&scraped, &requests("repos/get", "2xx")),
        3.0,
        "the HTTP scrape shows the same series"
    );
    server_task.abort();
}

/// Report mode checks a sample: at 2 per second per operation (burst of one second's
/// worth), 10 responses at one instant get 2 checks, and one second later 3 more get 2.
/// The rest are counted as sampled out.
#[tokio::test(flavor = "current_thread")]
async fn report_mode_samples_per_operation_and_counts_the_rest() {
    let recorder = tether_runtime::prometheus::recorder();
    let handle = recorder.handle();
    let _local = ::metrics::set_default_local_recorder(&recorder);
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path("/repos/o/r"))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("github-repos-get.json")))
        .mount(&server)
        .await;
    let clock = ManualClock::default();
    let client = github_repos_v1::Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::Bearer(Secret::new("ghp_metrics_test")))
        .clock(Arc::new(clock.clone()))
        .validation(ValidationMode::Report)
        .report_sample_per_second(2.0)
        .build()
        .unwrap();
    let sampled_out = || {
        let s = samples(&handle.render());
        s.get("tether_validation_sampled_out_total{operation=\"repos/get\",provider=\"github\"}")
            .copied()
            .unwrap_or(0.0)
    };
    let call = || client.repos_get().owner("o").repo("r").call();
    for _ in 0..10 {
        call().await.unwrap();
    }
    assert_eq!(sampled_out(), 8.0, "burst of 2 at one instant");
    clock.advance(std::time::Duration::from_secs(1));
    for _ in 0..3 {
        call().await.unwrap();
    }
    assert_eq!(sampled_out(), 9.0, "2 more a second later");
}
