use std::collections::HashMap;

use serde_json::json;
use stripe_customers_v1::{types, Client};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::data;

#[tokio::test]
async fn post_customers_sends_a_stripe_form_body_with_nested_fields() {
    let server = MockServer::start().await;
    // Written by hand from Stripe's documented encoding: nested objects as `a[b]=c`,
    // arrays with indices, values percent-encoded (space as %20, `@` as %40).
    let expected = "email=jenny.rosen%40example.com&metadata[order_id]=6735&name=Jenny%20Rosen\
                    &preferred_locales[0]=en&preferred_locales[1]=fr";
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("stripe-version", "2026-07-29.dahlia"))
        .and(header("accept", "application/json"))
        .and(body_string(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("stripe-customer.json")))
        .expect(1)
        .mount(&server)
        .await;

    let stripe = Client::new(&server.uri());
    let metadata: HashMap<String, String> = [("order_id".to_owned(), "6735".to_owned())].into();
    let customer = stripe
        .post_customers()
        .body_map(|b| {
            b.email(Some("jenny.rosen@example.com".parse().unwrap()))
                .name(Some("Jenny Rosen".parse().unwrap()))
                .metadata(Some(types::PostCustomersBodyMetadata::Object(metadata)))
                .preferred_locales(vec!["en".parse().unwrap(), "fr".parse().unwrap()])
        })
        .send()
        .await
        .unwrap();

    assert_eq!(customer.id.as_str(), "cus_QXg1o8vcGmoR32");
}

#[tokio::test]
async fn deep_object_expand_is_sent_with_indices() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/customers"))
        .and(query_param("limit", "3"))
        .and(query_param("expand[0]", "data.default_source"))
        .and(query_param("expand[1]", "data.test_clock"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "url": "/v1/customers", "has_more": false,
            "data": [data("stripe-customer.json")]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let stripe = Client::new(&server.uri());
    let list = stripe
        .get_customers()
        .limit(3)
        .expand(vec![
            "data.default_source".parse().unwrap(),
            "data.test_clock".parse().unwrap(),
        ])
        .send()
        .await
        .unwrap();

    assert!(!list.has_more);
    assert_eq!(list.data.len(), 1);
    let received = server.received_requests().await.unwrap();
    let query = received[0].url.query().unwrap_or_default().to_owned();
    assert!(
        !query.contains("expand=data"),
        "unindexed deepObject form leaked: {query}"
    );
}

#[tokio::test]
async fn get_customers_customer_distinguishes_deleted_customers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/customers/cus_gone"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cus_gone", "object": "customer", "deleted": true
        })))
        .mount(&server)
        .await;
    let stripe = Client::new(&server.uri());
    let got = stripe
        .get_customers_customer()
        .customer("cus_gone")
        .send()
        .await
        .unwrap();
    match got.into_inner() {
        types::GetCustomersCustomerResponse::DeletedCustomer(d) => {
            assert_eq!(d.id.as_str(), "cus_gone")
        }
        other => panic!("expected a deleted customer, got {other:?}"),
    }
}

#[tokio::test]
async fn stripe_errors_are_typed_with_the_error_schema() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/customers/cus_missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"type": "invalid_request_error", "code": "resource_missing",
                      "message": "No such customer: 'cus_missing'", "param": "id"}
        })))
        .mount(&server)
        .await;
    let stripe = Client::new(&server.uri());
    let err = stripe
        .delete_customers_customer()
        .customer("cus_missing")
        .send()
        .await
        .unwrap_err();
    match err {
        stripe_customers_v1::Error::ErrorResponse(body) => {
            assert_eq!(body.status(), 404);
            assert_eq!(
                body.error.code.as_ref().map(|c| c.as_str()),
                Some("resource_missing")
            );
        }
        other => panic!("expected a typed error, got {other:?}"),
    }
}
