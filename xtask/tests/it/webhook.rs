//! `check` on webhook payload contracts, and the `webhook sign|verify|serve` commands run
//! as the real binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use crate::Repo;

const GH_FIXTURES: &str = "fixtures/github.webhooks.v1";

#[test]
fn webhook_contracts_need_fixtures_not_crates() {
    let repo = Repo::new();
    assert!(repo.path("contracts/github/webhooks.v1.yaml").exists());
    assert!(!repo.path("crates/github-webhooks-v1").exists());
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(
        report.to_string().contains("webhook fixtures validated"),
        "{report}"
    );
}

#[test]
fn a_webhook_fixture_that_does_not_validate_as_it_says_fails() {
    let repo = Repo::new();
    let file = format!("{GH_FIXTURES}/bad/push.ref-number.json");
    repo.edit(&file, r#""keyword": "type""#, r#""keyword": "required""#);
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["fixture-mismatch"], "{report}");
    assert!(report.problems[0]
        .location
        .ends_with("push.ref-number.json"));
    assert!(
        report.problems[0]
            .message
            .contains("validator found [type /ref]"),
        "{report}"
    );
}

#[test]
fn every_webhook_event_needs_good_and_bad_fixtures() {
    let repo = Repo::new();
    for f in std::fs::read_dir(repo.path(&format!("{GH_FIXTURES}/bad"))).unwrap() {
        let f = f.unwrap().path();
        if f.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("issues.labeled.")
        {
            std::fs::remove_file(f).unwrap();
        }
    }
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["fixtures-missing"], "{report}");
    assert!(
        report.problems[0].message.contains("issues/labeled"),
        "{report}"
    );
}

#[test]
fn a_broken_webhook_contract_is_reported() {
    let repo = Repo::new();
    repo.edit(
        "contracts/stripe/webhooks.v1.yaml",
        "version: 1.0.0",
        "version: 2.0.0",
    );
    let kinds = repo.check_kinds();
    assert!(kinds.contains(&"contract-invalid"), "{kinds:?}");
}

fn xtask() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xtask"));
    // `serve` here is about the receiver with its own SQLite stores; a shared Redis from
    // the environment would remember these fixed delivery ids across runs.
    c.env_remove("TETHER_REDIS_URL")
        .env("WH_SECRET", "It's a Secret to Everybody")
        .env("WH_OLD", "an-old-secret")
        .env("WH_STD", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .env("WH_STD_OLD", "whsec_c2VjcmV0");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = xtask().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn sign_prints_the_published_github_signature() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body");
    std::fs::write(&body, "Hello, World!").unwrap();
    let (code, out, err) = run(&[
        "webhook",
        "sign",
        "--scheme",
        "github",
        "--secret-env",
        "WH_SECRET",
        "--body",
        body.to_str().unwrap(),
        "--id",
        "d-1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17\nX-GitHub-Delivery: d-1\n"
    );
}

#[test]
fn sign_then_verify_round_trips_for_every_scheme_and_tampering_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&body, r#"{"id":"evt_1","n":1}"#).unwrap();
    std::fs::write(&tampered, r#"{"id":"evt_1","n":2}"#).unwrap();
    // The signing secret is the second of two active ones (rotation).
    for (scheme, env, old) in [
        ("github", "WH_SECRET", "WH_OLD"),
        ("stripe", "WH_SECRET", "WH_OLD"),
        ("slack", "WH_SECRET", "WH_OLD"),
        ("standard", "WH_STD", "WH_STD_OLD"),
    ] {
        let (code, out, err) = run(&[
            "webhook",
            "sign",
            "--scheme",
            scheme,
            "--secret-env",
            env,
            "--body",
            body.to_str().unwrap(),
            "--timestamp",
            "1700000000",
            "--id",
            "msg_1",
        ]);
        assert_eq!(code, 0, "{scheme}: {err}");
        let mut args: Vec<String> = [
            "webhook",
            "verify",
            "--scheme",
            scheme,
            "--secret-env",
            old,
            "--secret-env",
            env,
            "--now",
            "1700000100",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for line in out.lines() {
            args.push("--header".into());
            args.push(line.into());
        }
        let verify = |file: &std::path::Path, extra: &[&str]| {
            let mut a = args.clone();
            a.extend(["--body".to_owned(), file.to_str().unwrap().to_owned()]);
            a.extend(extra.iter().map(|s| s.to_string()));
            let refs: Vec<&str> = a.iter().map(String::as_str).collect();
            run(&refs)
        };
        assert_eq!(verify(&body, &[]).0, 0, "{scheme}");
        assert_eq!(verify(&body, &[]).1, "verified\n");
        let (code, out, _) = verify(&tampered, &[]);
        assert_eq!(
            (code, out.starts_with("rejected (no-matching-signature)")),
            (1, true),
            "{scheme}: {out}"
        );
        if scheme != "github" {
            let (code, out, _) = verify(&body, &["--tolerance", "60"]);
            assert_eq!(code, 1, "{scheme}");
            assert!(
                out.starts_with("rejected (timestamp-outside-tolerance)"),
                "{out}"
            );
        }
    }
}

#[test]
fn verify_reports_missing_headers_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("b");
    std::fs::write(&body, "x").unwrap();
    let (code, out, _) = run(&[
        "webhook",
        "verify",
        "--scheme",
        "stripe",
        "--secret-env",
        "WH_SECRET",
        "--body",
        body.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "rejected (missing-header): missing header `Stripe-Signature`\n"
    );
    let (code, _, err) = run(&[
        "webhook",
        "verify",
        "--scheme",
        "stripe",
        "--secret-env",
        "NO_SUCH_VAR_FOR_TETHER",
        "--body",
        body.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("NO_SUCH_VAR_FOR_TETHER") && err.contains("unset"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "webhook",
        "verify",
        "--scheme",
        "svix",
        "--secret-env",
        "WH_SECRET",
        "--body",
        body.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn serve_acknowledges_a_signed_delivery_after_storing_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("receiver.toml");
    let contract = xtask::default_root().join("contracts/github/webhooks.v1.yaml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ninbox = \"inbox.sqlite3\"\n\n[[endpoint]]\nname = \"github\"\npath = \"/webhooks/github\"\nscheme = \"github\"\nsecret_envs = [\"WH_SECRET\"]\ncontract = {:?}\nvalidation = \"enforce\"\n",
            contract.to_str().unwrap()
        ),
    )
    .unwrap();
    let mut child = xtask()
        .args(["webhook", "serve", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let body = std::fs::read_to_string(
        xtask::default_root().join(format!("{GH_FIXTURES}/good/ping.octokit-example-1.json")),
    )
    .unwrap();
    let body = serde_json::from_str::<serde_json::Value>(&body).unwrap()["body"].to_string();
    let post = |body: &str, sig: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: ping\r\nX-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958\r\nX-Hub-Signature-256: {sig}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        resp
    };
    let sig = {
        let f = dir.path().join("body.json");
        std::fs::write(&f, &body).unwrap();
        let (_, out, _) = run(&[
            "webhook",
            "sign",
            "--scheme",
            "github",
            "--secret-env",
            "WH_SECRET",
            "--body",
            f.to_str().unwrap(),
        ]);
        out.trim()
            .strip_prefix("X-Hub-Signature-256: ")
            .unwrap()
            .to_owned()
    };
    let first = post(&body, &sig);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(first.contains("\"accepted\""), "{first}");
    assert!(post(&body, &sig).contains("\"duplicate\""));
    assert!(post(&body.replace("\"zen\"", "\"Zen\""), &sig).starts_with("HTTP/1.1 401"));
    // The consumer prints what it handled.
    let mut handled = String::new();
    stdout.read_line(&mut handled).unwrap();
    assert!(
        handled.starts_with("handled github 72d3162e-cc78-11e3-81ab-4c9367dc0958 ping"),
        "{handled}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
