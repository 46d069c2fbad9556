//! Pagination streams: GitHub `Link` headers, Stripe `has_more`, no next link to
//! another origin, an error ending the stream.

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use tether_runtime::clock::ManualClock;
use tether_runtime::Error;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use super::{fresh_server, github, stripe};
use crate::data;

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
