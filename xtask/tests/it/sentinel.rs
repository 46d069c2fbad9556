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
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 4, "sentinels/checks.yaml lists 4 checks");
    assert!(checks.iter().all(|c| c["mode"] == "offline"
        && c["status"] == 200
        && c["findings"].as_array().unwrap().is_empty()));
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("tests=\"4\" failures=\"0\""), "{junit}");
    assert_eq!(junit.matches("<testcase ").count(), 4);
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
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
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
