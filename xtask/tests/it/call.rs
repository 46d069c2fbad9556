//! `cargo xtask call` as a user runs it: a real process, a real server on 127.0.0.1.

use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "ghp_XTASKCANARY000111222333";

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn xtask(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root())
        .args(args)
        .env("GITHUB_TOKEN", CANARY)
        .env("STRIPE_API_KEY", "sk_test_XTASKCANARY")
        .env_remove("GH_TOKEN")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn call_prints_the_response_and_logs_json_without_secrets() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octo%20cat/hello"))
        .and(header("authorization", format!("Bearer {CANARY}").as_str()))
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 1, "name": "hello"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let out = xtask(&[
        "call",
        "github.repos.v1",
        "repos/get",
        "--param",
        "owner=octo cat",
        "--param",
        "repo=hello",
        "--base-url",
        &server.uri(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let body: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(body["name"], "hello");
    // Every stderr line is a JSON object; the call is logged; the token never is.
    for line in stderr.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
    }
    assert!(
        stderr.contains("\"tether.call\""),
        "the call span is logged: {stderr}"
    );
    assert!(!stderr.contains("XTASKCANARY") && !stdout.contains("XTASKCANARY"));
}

#[tokio::test]
async fn call_exit_codes_provider_error_1_usage_error_2() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})))
        .mount(&server)
        .await;
    let out = xtask(&[
        "call",
        "github.repos.v1",
        "repos/get",
        "--param",
        "owner=o",
        "--param",
        "repo=r",
        "--base-url",
        &server.uri(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Not Found"));

    let out = xtask(&[
        "call",
        "github.repos.v1",
        "repos/nope",
        "--base-url",
        &server.uri(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("has no operation `repos/nope`; it has: repos/get"));
    let out = xtask(&[
        "call",
        "github.repos.v1",
        "repos/get",
        "--param",
        "owner=o",
        "--base-url",
        &server.uri(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --param repo="));
    // Nothing listening: a transport error after the retries is exit 2.
    let out = xtask(&[
        "call",
        "github.repos.v1",
        "repos/get",
        "--param",
        "owner=o",
        "--param",
        "repo=r",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn call_form_encodes_a_json_body_for_stripe() {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("email=jenny%40example.com&metadata[plan]=pro"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"id": "cus_1", "object": "customer"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(
        &body,
        r#"{"email": "jenny@example.com", "metadata": {"plan": "pro"}}"#,
    )
    .unwrap();
    let out = xtask(&[
        "call",
        "stripe.customers.v1",
        "PostCustomers",
        "--body",
        body.to_str().unwrap(),
        "--base-url",
        &server.uri(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("idempotency-key").is_some());
}

#[test]
fn sandbox_prints_its_url_and_serves_the_contracts() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root())
        .args([
            "sandbox",
            "--port",
            "0",
            "--drift",
            "github.repos.v1:repos/get:remove:/owner",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.split_whitespace().nth(2).unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    // A call through the full runtime sees the injected drift.
    let out = xtask(&[
        "call",
        "github.repos.v1",
        "repos/get",
        "--param",
        "owner=o",
        "--param",
        "repo=r",
        "--base-url",
        &url,
    ]);
    child.kill().unwrap();
    child.wait().unwrap();
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        body.get("full_name").is_some() && body.get("owner").is_none(),
        "{body}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/owner (required)"),
        "the runtime reports the drift"
    );

    let bad = xtask(&["sandbox", "--faults", "429:7"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("between 0 and 1"));
}
