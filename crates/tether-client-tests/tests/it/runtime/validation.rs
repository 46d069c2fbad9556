//! Contract validation of responses: malformed JSON, a wrong content type and drift
//! are typed errors in enforce mode; report mode returns the data and logs.

use std::time::Duration;

use serde_json::json;
use tether_runtime::clock::ManualClock;
use tether_runtime::{Error, ValidationMode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{fresh_server, github};
use crate::data;

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
