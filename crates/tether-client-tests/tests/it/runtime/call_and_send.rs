//! `call()` and progenitor's `send()`: both through the engine (`send()` keeping
//! progenitor's error type), bodies decoded exactly as progenitor's `from_response`, the
//! same path on the wire, and the URL kept on a response handed back to progenitor.

use serde_json::json;
use tether_runtime::clock::ManualClock;
use tether_runtime::{Error, ValidationMode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{fresh_server, github, repo_at};
use crate::data;

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
