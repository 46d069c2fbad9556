use crate::Repo;

fn xtask(repo: &Repo, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(repo.root())
        .args(args)
        .current_dir(repo.root())
        .output()
        .unwrap()
}

#[test]
fn validate_exits_0_for_good_fixtures_and_1_with_json_errors_for_a_bad_one() {
    let repo = Repo::new();
    let ok = xtask(
        &repo,
        &[
            "validate",
            "contracts/github/repos.v1.yaml",
            "fixtures/github.repos.v1/good",
        ],
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stderr)
        .contains("(6 operations) and compiled its validators in"));

    let bad = xtask(
        &repo,
        &[
            "validate",
            "contracts/github/repos.v1.yaml",
            "fixtures/github.repos.v1/bad/repos.get.missing-owner-login.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(line["valid"], false);
    assert_eq!(line["operation"], "repos/get");
    assert_eq!(line["status"], 200);
    assert_eq!(line["errors"][0]["pointer"], "/owner/login");
    assert_eq!(line["errors"][0]["keyword"], "required");
    assert_eq!(
        line["errors"][0]["schema_path"],
        "#/components/schemas/simple-user/required"
    );
}

#[test]
fn validate_exits_2_for_an_unreadable_envelope_and_names_it() {
    let repo = Repo::new();
    repo.write("broken.json", "{\"operation\": ");
    let out = xtask(
        &repo,
        &["validate", "contracts/github/repos.v1.yaml", "broken.json"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken.json:1:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fixtures_import_writes_valid_examples_and_refuses_invalid_ones() {
    let repo = Repo::new();
    std::fs::remove_dir_all(repo.path("fixtures/github.repos.v1")).unwrap();
    let report =
        xtask::fixtures::import(repo.root(), &repo.path("contracts/github/repos.v1.yaml")).unwrap();
    // GitHub's full-repository example lacks the required `language` (see fixtures/README.md).
    assert!(
        report.contains("refused  repos/get 200 example `default-response`"),
        "{report}"
    );
    assert!(report.contains("/language: required property"), "{report}");
    assert!(
        report.contains("wrote    fixtures/github.repos.v1/good/issues.list-for-repo.default.json"),
        "{report}"
    );
    // GitHub writes `value: {$ref: …}` for issues/get: an example value is literal data in OpenAPI.
    assert!(
        report.contains("refused  issues/get 200 example `default`"),
        "{report}"
    );
    let again =
        xtask::fixtures::import(repo.root(), &repo.path("contracts/github/repos.v1.yaml")).unwrap();
    assert!(
        !again.contains("wrote"),
        "import must be idempotent:\n{again}"
    );
}
