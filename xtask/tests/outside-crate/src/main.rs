//! Uses `github_repos_v1::Client` exactly as the README shows, against wiremock on 127.0.0.1.

use github_repos_v1::Client;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::start().await;
    let body = include_str!("../../../../crates/tether-client-tests/tests/data/github-repos-get.json");
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World"))
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let gh = Client::new(&server.uri());
    let repo = gh.repos_get().owner("octocat").repo("Hello-World").send().await?;
    println!("outside crate got {}", repo.full_name);
    if repo.full_name != "octocat/Hello-World" {
        return Err("unexpected repository".into());
    }
    Ok(())
}
