//! Shared by the runtime tests: servers, clients and scripted responses.
//!
//! The runtime under every generated call, against wiremock (or a raw TCP server) on
//! 127.0.0.1: retries, waits, idempotency keys, breaker, OAuth2, pagination, malformed
//! responses and redaction. Time runs on a `ManualClock`: every backoff and rate-limit
//! wait is recorded instead of slept, so the tests are fast and exact.

mod auth;
mod body;
mod breaker;
mod call_and_send;
mod limits;
mod pagination;
mod retry;
mod telemetry;
mod timeouts;
mod validation;

use std::sync::Arc;

use tether_runtime::clock::ManualClock;
use tether_runtime::{Credentials, Secret, ValidationMode};
use wiremock::matchers::{method, path};
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

/// A server of its own (not from wiremock's pool): the runtime shares breaker, limiter
/// and quota state per provider + host:port + credential, as the provider counts them,
/// so a pooled server reused by another test would inherit that test's state.
async fn fresh_server() -> MockServer {
    MockServer::builder().start().await
}
