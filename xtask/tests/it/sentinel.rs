//! `cargo xtask sentinel` offline, as a new user runs it: no credentials, no network.

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sentinel(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root())
        .arg("sentinel")
        .args(args)
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("STRIPE_API_KEY")
        .output()
        .unwrap()
}

/// report.json against its documented schema (sentinels/report.schema.json).
fn schema_errors(report: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("sentinels/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

fn assert_matches_schema(report: &serde_json::Value) {
    let errors = schema_errors(report);
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema can fail: an unknown severity is refused.
    let mut bad = report.clone();
    bad["checks"][0]["findings"] =
        serde_json::json!([{"severity": "fatal", "kind": "x", "pointer": "", "evidence": ""}]);
    assert!(!schema_errors(&bad).is_empty());
}

#[test]
fn offline_run_passes_and_writes_three_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentinel(&["--report-dir", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = report_of(dir.path());
    assert_matches_schema(&report);
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 4, "sentinels/checks.yaml lists 4 checks");
    assert!(checks.iter().all(|c| c["mode"] == "offline"
        && c["status"] == 200
        && c["findings"].as_array().unwrap().is_empty()));
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("tests=\"4\" failures=\"0\""), "{junit}");
    // It parses as XML: a suite per provider, one testcase per check, none failed.
    let xml = roxmltree::Document::parse(&junit).unwrap_or_else(|e| panic!("{e}: {junit}"));
    let cases: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 4);
    assert!(
        cases
            .iter()
            .all(|c| c.attribute("name").is_some()
                && !c.children().any(|f| f.has_tag_name("failure")))
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("| github.repos.v1 | repos/get | offline | 200 |"),
        "{md}"
    );
    assert!(dir
        .path()
        .join("observed/github.repos.v1/repos.get.observed.json")
        .is_file());
}

#[test]
fn breaking_drift_is_found_with_its_pointer_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentinel(&[
        "--provider",
        "github",
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--drift",
        "github.repos.v1:repos/get:remove:/owner",
        "--drift",
        "github.repos.v1:repos/get:header:Deprecation",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = report_of(dir.path());
    let repos_get = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["operation"] == "repos/get")
        .unwrap();
    let findings = repos_get["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["severity"] == "breaking"
            && f["pointer"] == "/owner"
            && f["kind"] == "required"),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["severity"] == "operational" && f["kind"] == "deprecation-header"),
        "{findings:?}"
    );
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["contract"] == "github.repos.v1"),
        "--provider filters"
    );
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains("failures=\"1\"") && junit.contains("breaking drift: required /owner"),
        "{junit}"
    );
    let xml = roxmltree::Document::parse(&junit).unwrap_or_else(|e| panic!("{e}: {junit}"));
    let failed: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && n.children().any(|f| f.has_tag_name("failure")))
        .map(|n| n.attribute("name").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(failed.len(), 1, "{junit}");
    assert!(failed[0].contains("repos/get"), "{failed:?}");
}

#[test]
fn live_without_credentials_exits_2_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentinel(&[
        "--live",
        "--provider",
        "github",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITHUB_TOKEN"));
}

fn report_of(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

fn findings_of(report: &serde_json::Value, operation: &str) -> Vec<serde_json::Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["operation"] == operation && c["mode"] != "upstream")
        .unwrap()["findings"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn additive_drift_is_a_warning_with_its_pointer_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentinel(&[
        "--provider",
        "github",
        "--offline",
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--drift",
        "github.repos.v1:repos/get:add:/owner/sponsor_tier:\"gold\"",
        "--drift",
        "github.repos.v1:repos/get:add:/topics_count:3",
        "--drift",
        "github.repos.v1:issues/get:header:X-GitHub-Experiment",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = report_of(dir.path());
    assert_matches_schema(&report);
    let repos = findings_of(&report, "repos/get");
    for pointer in ["/owner/sponsor_tier", "/topics_count"] {
        assert!(
            repos.iter().any(|f| f["severity"] == "additive"
                && f["kind"] == "undeclared-field"
                && f["pointer"] == pointer),
            "{pointer}: {repos:?}"
        );
    }
    assert_eq!(repos.len(), 2, "{repos:?}");
    let issue = findings_of(&report, "issues/get");
    assert_eq!(
        issue,
        vec![
            serde_json::json!({"severity": "additive", "kind": "undeclared-header",
            "pointer": "/headers/x-github-experiment",
            "evidence": "response header `x-github-experiment` is not in the contract"})
        ]
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[github] github.repos.v1 repos/get [offline] 200")
            && stdout.contains("2 additive"),
        "progress per provider and check: {stdout}"
    );
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"0\""), "{junit}");
}

#[test]
fn new_value_in_a_response_enum_is_additive_enum_value_added_and_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentinel(&[
        "--provider",
        "github",
        "--offline",
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--drift",
        "github.repos.v1:issues/get:enum-add:/state_reason:archived",
        "--drift",
        "github.repos.v1:repos/get:retype:/id:string",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = report_of(dir.path());
    let issue = findings_of(&report, "issues/get");
    // The contract's view (the value is outside the enum) is reported as additive drift;
    // the generated client reads it (`StateReason::Unknown`), so no `generated-type`.
    assert_eq!(issue.len(), 1, "{issue:?}");
    assert_eq!(issue[0]["severity"], "additive");
    assert_eq!(issue[0]["kind"], "enum_value_added");
    assert_eq!(issue[0]["pointer"], "/state_reason");
    let repos = findings_of(&report, "repos/get");
    assert!(
        repos
            .iter()
            .any(|f| f["severity"] == "breaking" && f["kind"] == "type" && f["pointer"] == "/id"),
        "{repos:?}"
    );
}

#[test]
fn metrics_file_is_prometheus_text_and_report_has_operator_figures() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("textfile/tether_sentinel.prom");
    std::fs::create_dir_all(metrics.parent().unwrap()).unwrap();
    let out = sentinel(&[
        "--offline",
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--metrics-file",
        metrics.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&metrics).unwrap();
    let mut described = std::collections::BTreeSet::new();
    let mut typed = std::collections::BTreeSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap();
            assert!(!help.is_empty());
            described.insert(name.to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert_eq!(kind, "gauge");
            typed.insert(name.to_owned());
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in {line}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                    let labels: Vec<(String, String)> = body
                        .split("\",")
                        .map(|pair| {
                            let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                            assert!(k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
                            (k.to_owned(), v.trim_end_matches('"').to_owned())
                        })
                        .collect();
                    (name, labels)
                }
                None => (series, vec![]),
            };
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{line}"
            );
            assert!(
                typed.contains(name) && described.contains(name),
                "HELP/TYPE before {line}"
            );
            samples.push((name.to_owned(), labels, value));
        }
    }
    let get = |name: &str, label: (&str, &str)| -> Vec<f64> {
        samples
            .iter()
            .filter(|(n, l, _)| n == name && l.iter().any(|(k, v)| k == label.0 && v == label.1))
            .map(|s| s.2)
            .collect()
    };
    let p95 = get(
        "tether_sentinel_latency_p95_seconds",
        ("operation", "repos/get"),
    );
    assert_eq!(p95.len(), 1);
    assert!(p95[0] > 0.0 && p95[0] < 10.0);
    assert_eq!(
        get("tether_sentinel_error_ratio", ("provider", "github")),
        vec![0.0]
    );
    // The sandbox sends GitHub-style x-ratelimit headers for GitHub, none for Stripe.
    let headroom = get(
        "tether_sentinel_ratelimit_headroom_ratio",
        ("provider", "github"),
    );
    assert!(
        headroom.len() == 1 && headroom[0] > 0.9 && headroom[0] <= 1.0,
        "{headroom:?}"
    );
    assert!(get(
        "tether_sentinel_ratelimit_headroom_ratio",
        ("provider", "stripe")
    )
    .is_empty());
    assert_eq!(
        get("tether_sentinel_checks", ("provider", "github")),
        vec![3.0]
    );
    assert!(samples
        .iter()
        .any(|(n, _, v)| n == "tether_sentinel_exit_code" && *v == 0.0));
    // No temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(metrics.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(names.len(), 1);

    let report = report_of(dir.path());
    let github = report["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "github")
        .unwrap()
        .clone();
    assert_eq!(github["mode"], "offline");
    assert_eq!(github["error_rate"], 0.0);
    assert_eq!(github["ratelimit"]["limit"], 5000);
    let ops = github["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    let repos_check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["operation"] == "repos/get")
        .unwrap();
    let repos_fig = ops.iter().find(|o| o["operation"] == "repos/get").unwrap();
    // One call per operation per run: its p95 is that call's latency.
    assert_eq!(repos_fig["p95_latency_ms"], repos_check["latency_ms"]);
}

#[test]
fn upstream_diff_reports_changes_to_operations_we_use() {
    let dir = tempfile::tempdir().unwrap();
    let contract = std::fs::read_to_string(root().join("contracts/github/repos.v1.yaml")).unwrap();
    // A newer upstream where the issue's `state_reason` gained a value and repos/list-for-
    // authenticated-user is gone.
    let needle = "          - not_planned\n          - duplicate\n";
    assert!(contract.contains(needle));
    let mut upstream = contract.replacen(
        needle,
        "          - not_planned\n          - duplicate\n          - archived\n",
        1,
    );
    upstream = upstream.replace(
        "operationId: repos/list-for-authenticated-user",
        "operationId: repos/list-for-the-user",
    );
    let file = dir.path().join("upstream.yaml");
    std::fs::write(&file, upstream).unwrap();
    let reports = dir.path().join("reports");
    let out = sentinel(&[
        "--provider",
        "github",
        "--offline",
        "--report-dir",
        reports.to_str().unwrap(),
        "--upstream",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = report_of(&reports);
    assert_matches_schema(&report);
    let upstream: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["mode"] == "upstream")
        .collect();
    let of = |op: &str| -> Vec<serde_json::Value> {
        upstream
            .iter()
            .filter(|c| c["operation"] == op)
            .flat_map(|c| c["findings"].as_array().unwrap().clone())
            .collect()
    };
    let removed = of("repos/list-for-authenticated-user");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["kind"], "upstream:operation_removed");
    assert_eq!(removed[0]["severity"], "breaking");
    for op in ["issues/get", "issues/list-for-repo", "issues/create"] {
        let f = of(op);
        assert!(
            f.iter().any(|f| f["kind"] == "upstream:enum_value_added"
                && f["severity"] == "additive"
                && f["evidence"].as_str().unwrap().contains("`archived`")),
            "{op}: {f:?}"
        );
    }
    // repos/get does not return an issue: nothing to report.
    assert!(of("repos/get").is_empty());
}

#[test]
fn live_against_an_unreachable_provider_exits_2_with_the_reason_per_check() {
    // A loopback port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root())
        .args(["sentinel", "--live", "--provider", "github", "--report-dir"])
        .arg(dir.path())
        .env("GITHUB_TOKEN", "not-a-real-token")
        .env("GITHUB_API_BASE_URL", format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = report_of(dir.path());
    assert_matches_schema(&report);
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    for c in checks {
        assert_eq!(c["mode"], "live");
        assert!(c["status"].is_null());
        assert!(!c["error"].as_str().unwrap().is_empty(), "{c}");
    }
    assert!(checks
        .iter()
        .any(|c| c["error"].as_str().unwrap().contains("Connection refused")));
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"3\""), "{junit}");
    assert_eq!(report["providers"][0]["error_rate"], 1.0);
}

#[test]
fn repeat_records_latency_percentiles_per_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = sentinel(&[
        "--provider",
        "github",
        "--repeat",
        "5",
        "--report-dir",
        dir.path().to_str().unwrap(),
        "--drift",
        "github.repos.v1:repos/get:add:/license/spdx_family:\"MIT-like\"",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = report_of(dir.path());
    assert_matches_schema(&report);
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    for c in checks {
        let l = &c["latency"];
        let samples: Vec<u64> = l["samples_ms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(samples.len(), 5, "{c}");
        // Nearest rank over 5 samples: p50 is the 3rd smallest, p95 and max the largest.
        let mut sorted = samples.clone();
        sorted.sort_unstable();
        assert_eq!(l["p50_ms"], sorted[2], "{c}");
        assert_eq!(l["p95_ms"], sorted[4], "{c}");
        assert_eq!(l["max_ms"], sorted[4], "{c}");
        assert_eq!(c["latency_ms"], l["p50_ms"], "{c}");
    }
    // The drift shows on every call but is reported once.
    let repos = checks
        .iter()
        .find(|c| c["operation"] == "repos/get")
        .unwrap();
    assert_eq!(repos["findings"].as_array().unwrap().len(), 1, "{repos}");
    // The operation figures pool every call.
    let ops = report["providers"][0]["operations"].as_array().unwrap();
    assert!(ops.iter().all(|o| o["samples"] == 5), "{ops:?}");
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("| calls | latency p50 | p95 | max |")
            && md.contains("| github.repos.v1 | repos/get | offline | 200 | 5 |"),
        "{md}"
    );
    // Progress lines name the percentiles.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("over 5 calls"), "{stdout}");
}

#[test]
fn repeat_must_be_at_least_one() {
    let out = sentinel(&["--repeat", "0", "--offline"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
