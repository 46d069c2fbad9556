//! Logs and events: what reaches INFO and WARN and names the call, and the rate-limit
//! headroom on `call finished`.

use serde_json::json;
use tether_runtime::clock::ManualClock;
use tether_runtime::Error;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{fresh_server, github, repo_at, Sequence};
use crate::data;

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
