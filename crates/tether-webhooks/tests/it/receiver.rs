//! The receiver over real loopback HTTP: what it answers, and what the inbox holds
//! when the answer arrives.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tether_webhooks::inbox::{Consumer, Inbox, RetryPolicy};
use tether_webhooks::payload::{PayloadContract, ValidationMode};
use tether_webhooks::receiver::{Endpoint, Limits, Receiver};
use tether_webhooks::replay::{MemoryReplayStore, ReplayStore};
use tether_webhooks::{sign, FixedClock, Scheme, SigningKey, Verifier};

const NOW: i64 = 1_700_000_000;

const MINI_CONTRACT: &str = r#"
openapi: 3.0.3
info: {title: mini webhooks, version: 1.0.0}
paths:
  /push:
    post:
      operationId: push
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [ref]
              properties:
                ref: {type: string}
      responses:
        '200': {description: accepted}
"#;

pub struct Server {
    pub base: String,
    pub inbox: PathBuf,
    _dir: tempfile::TempDir,
}

fn secret(scheme: Scheme) -> SigningKey {
    match scheme {
        Scheme::Standard => SigningKey::standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
        _ => SigningKey::literal("receiver-secret").unwrap(),
    }
}

async fn start(
    mode: ValidationMode,
    replay: Arc<dyn ReplayStore>,
    inbox_path: Option<&Path>,
) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.path().join("inbox.sqlite3"));
    let contract_path = dir.path().join("mini.v1.yaml");
    std::fs::write(&contract_path, MINI_CONTRACT).unwrap();
    let clock = Arc::new(FixedClock::new(NOW));
    let limits = Limits {
        max_body: 4096,
        ..Limits::default()
    };
    let mut receiver = Receiver::new(Inbox::open(&inbox).unwrap(), replay, clock, limits);
    for scheme in Scheme::ALL {
        let verifier = Verifier::builder(scheme)
            .secret(secret(scheme))
            .build()
            .unwrap();
        let mut ep = Endpoint::new(scheme.name(), format!("/hooks/{scheme}"), verifier);
        if scheme == Scheme::GitHub {
            ep = ep.contract(PayloadContract::load(&contract_path).unwrap(), mode);
        }
        receiver = receiver.endpoint(ep);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(receiver.serve(listener));
    Server {
        base,
        inbox,
        _dir: dir,
    }
}

impl Server {
    async fn post(
        &self,
        scheme: Scheme,
        body: &str,
        extra: &[(&str, &str)],
        id: &str,
    ) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new()
            .post(format!("{}/hooks/{scheme}", self.base))
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (n, v) in sign(scheme, &secret(scheme), body.as_bytes(), NOW, Some(id)) {
            req = req.header(n, v);
        }
        for (n, v) in extra {
            req = req.header(*n, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or_default())
    }

    fn rows(&self) -> Vec<tether_webhooks::inbox::Delivery> {
        Consumer::open(&self.inbox, RetryPolicy::default())
            .unwrap()
            .all()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scheme_is_stored_before_the_ack_and_once() {
    let s = start(
        ValidationMode::Enforce,
        Arc::new(MemoryReplayStore::new()),
        None,
    )
    .await;
    for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
        let body = format!(r#"{{"id":"evt_{i}","ref":"refs/heads/main","type":"push"}}"#);
        let extra: &[(&str, &str)] = if scheme == Scheme::GitHub {
            &[("X-GitHub-Event", "push")]
        } else {
            &[]
        };
        let (status, json) = s.post(scheme, &body, extra, &format!("id-{i}")).await;
        assert_eq!(status, 200, "{scheme}: {json}");
        assert_eq!(json["status"], "accepted", "{scheme}");
        // The ack arrived: the row is committed and readable from another connection.
        let rows = s.rows();
        assert_eq!(rows.len(), i + 1, "{scheme}");
        assert_eq!(rows[i].body, body.as_bytes(), "raw body kept byte for byte");
        assert_eq!(rows[i].source, scheme.name());
        let (again, json) = s.post(scheme, &body, extra, &format!("id-{i}")).await;
        assert_eq!(
            (again, json["status"].as_str()),
            (200, Some("duplicate")),
            "{scheme}"
        );
        assert_eq!(
            s.rows().len(),
            i + 1,
            "{scheme}: a duplicate makes no second record"
        );
    }
    let keys: Vec<String> = s.rows().into_iter().map(|r| r.key).collect();
    // GitHub and Standard: the header id; Stripe: the event id; Slack without event_id: a signature digest.
    assert_eq!(&keys[..3], ["id-0", "evt_1", &keys[2]]);
    assert!(keys[2].starts_with("sig:"));
    assert_eq!(keys[3], "id-3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_4xx_and_is_not_stored() {
    let s = start(
        ValidationMode::Enforce,
        Arc::new(MemoryReplayStore::new()),
        None,
    )
    .await;
    let client = reqwest::Client::new();
    let url = format!("{}/hooks/github", s.base);
    let body = r#"{"ref":"x"}"#;
    let sig = sign(
        Scheme::GitHub,
        &secret(Scheme::GitHub),
        body.as_bytes(),
        0,
        None,
    )
    .remove(0)
    .1;
    let send =
        |ct: &'static str, sig: Option<String>, delivery: Option<&'static str>, body: String| {
            let mut r = client
                .post(&url)
                .header("content-type", ct)
                .header("X-GitHub-Event", "push")
                .body(body);
            if let Some(sig) = sig {
                r = r.header("X-Hub-Signature-256", sig);
            }
            if let Some(d) = delivery {
                r = r.header("X-GitHub-Delivery", d);
            }
            async move {
                let resp = r.send().await.unwrap();
                let status = resp.status().as_u16();
                (
                    status,
                    resp.json::<serde_json::Value>().await.unwrap()["error"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            }
        };
    assert_eq!(
        send("application/json", None, Some("d"), body.into()).await,
        (400, "missing-header".into())
    );
    assert_eq!(
        send(
            "application/json",
            Some("sha256=zz".into()),
            Some("d"),
            body.into()
        )
        .await,
        (400, "malformed-header".into())
    );
    let wrong = format!("sha256={}", "0".repeat(64));
    assert_eq!(
        send("application/json", Some(wrong), Some("d"), body.into()).await,
        (401, "no-matching-signature".into())
    );
    assert_eq!(
        send("text/plain", Some(sig.clone()), Some("d"), body.into()).await,
        (415, "unsupported-content-type".into())
    );
    assert_eq!(
        send(
            "application/json",
            Some(sig.clone()),
            Some("d"),
            "x".repeat(5000)
        )
        .await,
        (413, "body-too-large".into())
    );
    assert_eq!(
        send("application/json", Some(sig.clone()), None, body.into()).await,
        (400, "missing-header".into())
    );
    // Signed, but breaks the payload contract (ref must be a string).
    let bad = r#"{"ref":1}"#;
    let bad_sig = sign(
        Scheme::GitHub,
        &secret(Scheme::GitHub),
        bad.as_bytes(),
        0,
        None,
    )
    .remove(0)
    .1;
    assert_eq!(
        send("application/json", Some(bad_sig), Some("d2"), bad.into()).await,
        (400, "contract".into())
    );
    // Stale Stripe timestamp.
    let stale = sign(
        Scheme::Stripe,
        &secret(Scheme::Stripe),
        b"{}",
        NOW - 301,
        None,
    )
    .remove(0)
    .1;
    let resp = client
        .post(format!("{}/hooks/stripe", s.base))
        .header("content-type", "application/json")
        .header("Stripe-Signature", stale)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(s.rows().is_empty(), "nothing refused was stored");
    // And the good one still goes through.
    assert_eq!(
        send("application/json", Some(sig), Some("d"), body.into())
            .await
            .0,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_mode_stores_with_findings_and_unknown_events_pass() {
    let s = start(
        ValidationMode::Report,
        Arc::new(MemoryReplayStore::new()),
        None,
    )
    .await;
    let (status, _) = s
        .post(
            Scheme::GitHub,
            r#"{"ref":1}"#,
            &[("X-GitHub-Event", "push")],
            "r1",
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .post(
            Scheme::GitHub,
            r#"{"zen":"x"}"#,
            &[("X-GitHub-Event", "star")],
            "r2",
        )
        .await;
    assert_eq!(
        status, 200,
        "an event the contract does not describe is accepted"
    );
    let rows = s.rows();
    let findings = rows[0].findings.as_deref().unwrap();
    assert!(
        findings.contains("\"pointer\":\"/ref\"") && findings.contains("\"keyword\":\"type\""),
        "{findings}"
    );
    assert_eq!(rows[1].event.as_deref(), Some("star"));
    assert_eq!(rows[1].findings, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_replay_store_cannot_cause_a_second_record() {
    // As after a crash between the inbox commit and the replay-store write.
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("shared-inbox.sqlite3");
    let first = start(
        ValidationMode::Enforce,
        Arc::new(MemoryReplayStore::new()),
        Some(&inbox),
    )
    .await;
    let body = r#"{"ref":"refs/heads/main"}"#;
    assert_eq!(
        first
            .post(Scheme::GitHub, body, &[("X-GitHub-Event", "push")], "once")
            .await
            .0,
        200
    );
    let second = start(
        ValidationMode::Enforce,
        Arc::new(MemoryReplayStore::new()),
        Some(&inbox),
    )
    .await;
    let (status, json) = second
        .post(Scheme::GitHub, body, &[("X-GitHub-Event", "push")], "once")
        .await;
    assert_eq!((status, json["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(second.rows().len(), 1);
}

#[test]
fn the_example_config_loads_and_secrets_come_only_from_the_environment() {
    use tether_webhooks::receiver::{ReceiverConfig, SetupError};
    use tether_webhooks::SystemClock;
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("receiver.example.toml");
    let cfg = ReceiverConfig::load(&example).unwrap();
    assert_eq!(cfg.endpoints.len(), 2);
    for ep in &cfg.endpoints {
        assert!(ep.contract.as_ref().unwrap().exists(), "{:?}", ep.contract);
    }
    // Build against a temporary inbox: a missing variable is named, its value never shown.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = cfg;
    cfg.inbox = dir.path().join("inbox.sqlite3");
    let only_github =
        |name: &str| (name == "GITHUB_WEBHOOK_SECRET").then(|| "s3cr3t-value".to_owned());
    let err = cfg.build(&only_github, Arc::new(SystemClock)).unwrap_err();
    assert!(
        matches!(&err, SetupError::SigningKey { var, .. } if var == "GITHUB_WEBHOOK_SECRET_PREVIOUS"),
        "{err}"
    );
    assert!(!err.to_string().contains("s3cr3t"));
    // Every secret set (and no TETHER_REDIS_URL: the receiver keeps its SQLite store).
    let all = |name: &str| (!name.starts_with("TETHER_REDIS")).then(|| "s3cr3t-value".to_owned());
    assert!(cfg.build(&all, Arc::new(SystemClock)).is_ok());
    // A TETHER_REDIS_URL that is not a URL is refused by name, not ignored.
    let bad_redis = |name: &str| match name {
        "TETHER_REDIS_URL" => Some("not a url".to_owned()),
        n if n.starts_with("TETHER_REDIS") => None,
        _ => Some("s3cr3t-value".to_owned()),
    };
    let err = cfg.build(&bad_redis, Arc::new(SystemClock)).unwrap_err();
    assert!(err.to_string().contains("TETHER_REDIS_URL"), "{err}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "inbox = \"x\"\n[[endpoint]]\nname = \"a\"\npath = \"/a\"\nscheme = \"svix\"\nsecret_envs = [\"A\"]\n").unwrap();
    assert!(ReceiverConfig::load(&bad)
        .unwrap_err()
        .to_string()
        .contains("unknown scheme `svix`"));
    std::fs::write(&bad, "inbox = \"x\"\n").unwrap();
    assert!(ReceiverConfig::load(&bad)
        .unwrap_err()
        .to_string()
        .contains("no [[endpoint]]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_is_413_and_slack_forms_are_accepted() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = start(
        ValidationMode::Enforce,
        Arc::new(MemoryReplayStore::new()),
        None,
    )
    .await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    // No Content-Length: the limit is enforced while reading.
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let chunk = "y".repeat(1000);
    let mut req = String::from(
        "POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    for _ in 0..5 {
        req.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    req.push_str("0\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    tcp.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains("body-too-large"), "{resp}");

    let form = "token=abc&command=%2Fdeploy&text=now";
    let headers = sign(
        Scheme::Slack,
        &secret(Scheme::Slack),
        form.as_bytes(),
        NOW,
        None,
    );
    let mut r = reqwest::Client::new()
        .post(format!("{}/hooks/slack", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    for (n, v) in headers {
        r = r.header(n, v);
    }
    assert_eq!(r.send().await.unwrap().status().as_u16(), 200);
    let rows = s.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].body, form.as_bytes());
    assert!(rows[0].key.starts_with("sig:"));
}
