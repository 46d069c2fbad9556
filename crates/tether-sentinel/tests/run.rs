//! `run_provider` in-process against the sandbox (loopback only), and bad inputs.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use tether_sentinel::{run_provider, Mode, RunOptions, SentinelError, Severity};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn options(provider: &str, drift: &[&str]) -> RunOptions {
    RunOptions {
        root: root(),
        provider: provider.into(),
        mode: Mode::Offline,
        drift: drift.iter().map(|d| d.to_string()).collect(),
        observed_dir: None,
        linked: Vec::new(),
        repeat: 1,
    }
}

#[test]
fn offline_run_reports_each_check_and_classifies_drift() {
    let mut seen = Vec::new();
    let result = run_provider(
        &options(
            "github",
            &[
                "github.repos.v1:repos/get:add:/license/spdx_family:\"MIT-like\"",
                "github.repos.v1:issues/get:remove:/id",
            ],
        ),
        &mut |c| seen.push(c.operation.clone()),
    )
    .unwrap();
    assert_eq!(result.provider, "github");
    assert_eq!(result.mode, "offline");
    assert_eq!(
        seen,
        vec!["issues/get", "issues/list-for-repo", "repos/get"]
    );
    let repos = result
        .checks
        .iter()
        .find(|c| c.operation == "repos/get")
        .unwrap();
    assert_eq!(repos.findings.len(), 1, "{:?}", repos.findings);
    assert_eq!(repos.findings[0].severity, Severity::Additive);
    assert_eq!(repos.findings[0].pointer, "/license/spdx_family");
    let issue = result
        .checks
        .iter()
        .find(|c| c.operation == "issues/get")
        .unwrap();
    assert!(issue.is_breaking());
    assert!(issue
        .findings
        .iter()
        .any(|f| f.kind == "required" && f.pointer == "/id"));
    assert_eq!(result.exit_code(), 1);
}

#[test]
fn malformed_checks_file_is_a_config_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sentinels")).unwrap();
    std::fs::write(
        dir.path().join("sentinels/checks.yaml"),
        "github.repos.v1: [repos/get]\n",
    )
    .unwrap();
    let mut opts = options("github", &[]);
    opts.root = dir.path().to_owned();
    let err = run_provider(&opts, &mut |_| {}).unwrap_err();
    assert!(matches!(err, SentinelError::Config { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("sentinels/checks.yaml") && text.contains("expected"),
        "{text}"
    );
}

#[test]
fn a_check_of_a_writing_operation_is_refused_when_the_checks_file_loads() {
    // A copy of the repository's contracts with a check of Stripe's POST /v1/customers.
    let dir = tempfile::tempdir().unwrap();
    let contracts = dir.path().join("contracts/stripe");
    std::fs::create_dir_all(&contracts).unwrap();
    for file in ["customers.v1.yaml", "provider.yaml"] {
        std::fs::copy(
            root().join("contracts/stripe").join(file),
            contracts.join(file),
        )
        .unwrap();
    }
    std::fs::create_dir_all(dir.path().join("sentinels")).unwrap();
    std::fs::write(
        dir.path().join("sentinels/checks.yaml"),
        "stripe.customers.v1:\n  GetCustomers: {limit: \"3\"}\n  PostCustomers: {email: a@example.com}\n",
    )
    .unwrap();
    let mut opts = options("stripe", &[]);
    opts.root = dir.path().to_owned();
    let err = run_provider(&opts, &mut |_| panic!("no check may run")).unwrap_err();
    assert!(matches!(err, SentinelError::Config { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("sentinels/checks.yaml")
            && text.contains("`PostCustomers` is POST /v1/customers")
            && text.contains("only call GET and HEAD"),
        "{text}"
    );
}

#[test]
fn unknown_drift_is_refused_before_any_call() {
    let err = run_provider(
        &options("github", &["github.repos.v1:repos/get:explode:/x"]),
        &mut |_| panic!("no check may run"),
    )
    .unwrap_err();
    assert!(matches!(err, SentinelError::Sandbox(_)), "{err:?}");
    assert!(err.to_string().contains("drift kinds"), "{err}");
}

#[test]
fn repeat_calls_each_check_n_times_and_merges_findings() {
    let mut opts = options(
        "github",
        &["github.repos.v1:repos/get:add:/license/spdx_family:\"MIT-like\""],
    );
    opts.repeat = 4;
    let result = run_provider(&opts, &mut |_| {}).unwrap();
    assert_eq!(result.checks.len(), 3);
    for c in &result.checks {
        assert_eq!(c.latency.samples_ms.len(), 4, "{c:?}");
        assert!(c.latency.p50_ms <= c.latency.p95_ms && c.latency.p95_ms <= c.latency.max_ms);
        assert_eq!(c.latency_ms, c.latency.p50_ms);
        assert_eq!(c.status, Some(200));
    }
    let repos = result
        .checks
        .iter()
        .find(|c| c.operation == "repos/get")
        .unwrap();
    // Seen on all four calls, reported once.
    assert_eq!(repos.findings.len(), 1, "{:?}", repos.findings);
    assert_eq!(result.exit_code(), 0);
}

#[test]
fn latency_above_policy_is_judged_on_the_p95() {
    use tether_sentinel::drift::latency;
    use tether_sentinel::target::Target;
    use tether_sentinel::Latency;

    let target = Target::load(&root(), "github.repos.v1").unwrap();
    let timeout = target.defaults.attempt_timeout.as_millis() as u64;
    // One slow call in twenty is above the p95: no finding.
    let mut calls = vec![10; 19];
    calls.push(timeout * 3);
    let one_slow = Latency::of(calls);
    assert_eq!(one_slow.max_ms, timeout * 3);
    assert_eq!(latency(&target, &one_slow), None);
    // Two in twenty are the p95: a finding.
    let mut calls = vec![10; 18];
    calls.extend([timeout + 1, timeout + 1]);
    let finding = latency(&target, &Latency::of(calls)).unwrap();
    assert_eq!(finding.severity, Severity::Operational);
    assert_eq!(finding.kind, "latency");
    assert!(
        finding
            .evidence
            .contains(&format!("p95 {} ms over 20 call(s)", timeout + 1)),
        "{}",
        finding.evidence
    );
    // A single call is its own p95.
    assert!(latency(&target, &Latency::of(vec![timeout + 1])).is_some());
    assert!(latency(&target, &Latency::of(vec![timeout])).is_none());
}
