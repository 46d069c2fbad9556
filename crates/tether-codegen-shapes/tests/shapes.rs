//! Each shape of `contract/shapes/edge.v1.yaml`, generated, compiled and called on
//! loopback (wiremock): what the server received and what the caller got. The contract is
//! what `cargo xtask contract extract` makes of `upstream/edge.openapi.yaml` (the first
//! test holds them together), so these tests follow the README's steps from an upstream
//! description to a typed call for a provider that is not GitHub or Stripe.

#![allow(clippy::unwrap_used)] // tests

use std::sync::Arc;

use futures::TryStreamExt;
use serde_json::json;
use tether_codegen_shapes::{Client, OPERATIONS};
use tether_runtime::clock::ManualClock;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The committed contract is, byte for byte, what `contract extract` writes from the
/// upstream description with the operations its provenance lists (`GET /ping` has no
/// `operationId` upstream: the contract names it `get-ping`).
#[test]
fn the_contract_is_what_extract_makes_of_the_upstream_description() {
    use tether_contract::extract::{extract, to_yaml, ExtractRequest};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let upstream_path = dir.join("upstream/edge.openapi.yaml");
    let bytes = std::fs::read(&upstream_path).unwrap();
    let upstream =
        tether_contract::document::parse_text(&upstream_path, std::str::from_utf8(&bytes).unwrap())
            .unwrap();
    let contract_path = dir.join("contract/shapes/edge.v1.yaml");
    let committed = std::fs::read_to_string(&contract_path).unwrap();
    let contract = tether_contract::Contract::load(&contract_path).unwrap();
    assert_eq!(
        contract.meta.upstream.sha256,
        tether_contract::sha256_hex(&bytes)
    );
    let request = ExtractRequest {
        provider: contract.meta.provider.clone(),
        resource: contract.meta.resource.clone(),
        major: 1,
        operations: contract.meta.upstream.operations.clone(),
        upstream_name: contract.meta.upstream.name.clone(),
        upstream_sha256: contract.meta.upstream.sha256.clone(),
    };
    assert_eq!(to_yaml(&extract(&upstream, &request).unwrap()), committed);
    assert!(contract.doc.operation("get-ping").is_some());
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .clock(Arc::new(ManualClock::default()))
        .build()
        .unwrap()
}

fn runs(ids: &[i64]) -> serde_json::Value {
    let runs: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "status": "completed"}))
        .collect();
    json!({"total_count": 3, "workflow_runs": runs})
}

/// GitHub's `{total_count, workflow_runs: [...]}`: `stream()` yields the items of every
/// page, following `Link: rel="next"`.
#[tokio::test]
async fn a_wrapped_list_streams_its_items_across_pages() {
    let server = MockServer::start().await;
    let next = format!("<{}/runs?per_page=100&page=2>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path("/runs"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(runs(&[3])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/runs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(runs(&[1, 2]))
                .insert_header("link", next.as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let all: Vec<_> = client(&server)
        .runs_list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = all.iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2, 3]);
}

/// A `default` written as text is read as its type: an absent `attempt` is 1.
#[test]
fn a_default_written_as_text_is_read_as_its_type() {
    let run: tether_codegen_shapes::types::Run = serde_json::from_value(json!({"id": 5})).unwrap();
    assert_eq!(run.attempt, 1);
    assert_eq!(run.level.as_str(), "1", "the default, read as a string");
    // `enum: [none, 1, 2]` on a string: the values are the strings "1" and "2".
    let run: tether_codegen_shapes::types::Run =
        serde_json::from_value(json!({"id": 5, "level": "2"})).unwrap();
    assert_eq!(run.level.to_string(), "2");
    assert!(!run.level.is_unknown());
}

/// A page-size parameter alone does not make a page: `keys/list` answers two arrays, so
/// it has no `stream()` and the runtime never pages it; `runs/list` does.
#[test]
fn only_responses_that_are_pages_are_paginated() {
    let paginated = |id: &str| OPERATIONS.iter().find(|o| o.id == id).unwrap().paginated;
    assert!(paginated("runs/list"));
    assert!(!paginated("keys/list"));
    assert!(!paginated("things/get"));
}

/// Optional and required header parameters are sent, on the first attempt and on a retry
/// (whose request is built again).
#[tokio::test]
async fn header_parameters_are_sent_on_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/t1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/things/t1"))
        .and(header("on-behalf-of", "subuser"))
        .and(header("x-request-tag", "tag-7"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "t1", "status": "active"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let thing = client(&server)
        .things_get()
        .id("t1")
        .on_behalf_of("subuser")
        .x_request_tag("tag-7")
        .call()
        .await
        .unwrap();
    assert_eq!(thing.id, "t1");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.headers.get("on-behalf-of").unwrap(), "subuser");
        assert_eq!(request.headers.get("x-request-tag").unwrap(), "tag-7");
    }
}

#[tokio::test]
async fn an_optional_header_left_unset_is_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/t2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "t2"})))
        .mount(&server)
        .await;
    client(&server)
        .things_get()
        .id("t2")
        .x_request_tag("tag")
        .call()
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("on-behalf-of").is_none());
}

/// An inline type whose derived name is a component's gets its own name
/// (`ThingConditionsInline`), and both decode.
#[test]
fn a_name_collision_after_normalization_gets_distinct_types() {
    use tether_codegen_shapes::types;
    let thing: types::Thing =
        serde_json::from_value(json!({"id": "t", "conditions": {"ref_name": "main"}})).unwrap();
    let Some(types::ThingConditionsInline::ThingConditions(conditions)) = thing.conditions else {
        panic!("{thing:?}");
    };
    let _: types::ThingConditions = conditions;
    let org: types::Thing =
        serde_json::from_value(json!({"id": "t", "conditions": {"org": "acme"}})).unwrap();
    assert!(matches!(
        org.conditions,
        Some(types::ThingConditionsInline::OrgConditions(_))
    ));
}

#[tokio::test]
async fn a_204_is_an_empty_success() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/things/t3"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server)
        .things_delete()
        .id("t3")
        .call()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
}

/// A body the contract declares as `image/png` is sent as the bytes given, with that
/// `Content-Type` (the typed client knows it as `application/octet-stream`).
#[tokio::test]
async fn a_binary_body_is_sent_with_the_contracts_media_type() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/files/f1"))
        .and(header("content-type", "image/png"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let png: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0, 0xff];
    client(&server)
        .files_put()
        .id("f1")
        .body(png.clone())
        .call()
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].body, png);
}

#[tokio::test]
async fn a_text_body_is_sent_as_text_plain() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/notes/n1"))
        .and(header("content-type", "text/plain"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .notes_put()
        .id("n1")
        .body("remember the milk")
        .call()
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].body, b"remember the milk");
}

/// A binary response is read as its bytes.
#[tokio::test]
async fn a_binary_response_is_its_bytes() {
    let server = MockServer::start().await;
    let bytes: Vec<u8> = (0u8..=255).collect();
    Mock::given(method("GET"))
        .and(path("/files/f2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(bytes.clone(), "application/octet-stream"),
        )
        .mount(&server)
        .await;
    let answer = client(&server).files_get().id("f2").call().await.unwrap();
    let got: Vec<u8> = answer
        .into_inner()
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap();
    assert_eq!(got, bytes);
}

/// `application/vnd.…+json` is JSON: the response is typed.
#[tokio::test]
async fn a_vendor_json_response_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/reports/r1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"rows": 42}"#, "application/vnd.shapes.report+json"),
        )
        .mount(&server)
        .await;
    let report = client(&server).reports_get().id("r1").call().await.unwrap();
    assert_eq!(report.rows, 42);
    // `period` refers into `report/definitions`: typed through its hoisted copy.
    let typed: tether_codegen_shapes::types::ReportsGetResponse =
        serde_json::from_value(json!({"rows": 1, "period": "week"})).unwrap();
    assert_eq!(
        typed.period,
        Some(tether_codegen_shapes::types::ReportDefinitionsPeriod::Week)
    );
}

/// A JSON response without a schema is any JSON; a component named like a prelude item is
/// renamed (`DefaultSchema`); of two parameters naming one field, the first is typed.
#[tokio::test]
async fn untyped_json_renamed_components_and_one_field_per_parameter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"pong": [1, 2]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/keys"))
        .and(query_param("maxResults", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": ["k"]})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let pong = c.get_ping().call().await.unwrap();
    assert_eq!(pong.into_inner(), json!({"pong": [1, 2]}));
    let keys = c.keys_list().max_results(5).call().await.unwrap();
    assert_eq!(keys.result, ["k"]);
    let thing: tether_codegen_shapes::types::Thing =
        serde_json::from_value(json!({"id": "t", "defaults": {"on": true}})).unwrap();
    let defaults: tether_codegen_shapes::types::DefaultSchema = thing.defaults.unwrap();
    assert_eq!(defaults.on, Some(true));
}

/// A multipart/form-data body: the typed fields become parts, the bytes a file part.
#[tokio::test]
async fn a_multipart_body_is_sent_as_parts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/uploads"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let body = tether_codegen_shapes::types::UploadsCreateBody {
        title: Some("icon".into()),
        tags: vec!["a".into(), "b".into()],
        file: vec![0x89, b'P', b'N', b'G'],
    };
    client(&server)
        .uploads_create()
        .body(body)
        .call()
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    let content_type = received[0]
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    // In the typed body's field order; the file part has the contract's `encoding` type.
    let mut want: Vec<u8> = Vec::new();
    for (disposition, content) in [
        (
            "name=\"file\"; filename=\"file\"\r\nContent-Type: image/png",
            &[0x89, b'P', b'N', b'G'][..],
        ),
        ("name=\"tags\"", b"a"),
        ("name=\"tags\"", b"b"),
        ("name=\"title\"", b"icon"),
    ] {
        want.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n")
                .as_bytes(),
        );
        want.extend(content);
        want.extend(b"\r\n");
    }
    want.extend(format!("--{boundary}--\r\n").as_bytes());
    assert_eq!(
        received[0].body,
        want,
        "{}",
        String::from_utf8_lossy(&received[0].body)
    );
}

/// A query parameter named `url` (progenitor calls its own URL `_url` then) is sent, on
/// the first attempt and on a retry; descriptions with carriage returns compile.
#[tokio::test]
async fn a_parameter_named_url_is_sent_on_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/extract/e1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/extract/e1"))
        .and(query_param("url", "https://example.com/page"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"title": "Example"})))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .extractor_get()
        .id("e1")
        .url("https://example.com/page")
        .call()
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Example"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
