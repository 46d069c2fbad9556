//! `cargo xtask diff` on real GitHub Enterprise Server history (xtask/tests/data/ghes,
//! provenance in its README) and on bad input.

use std::path::{Path, PathBuf};
use std::process::Output;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ghes")
        .join(name)
}

fn diff(old: &Path, new: &Path, format: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("diff")
        .arg(old)
        .arg(new)
        .args(["--format", format])
        .output()
        .unwrap()
}

fn changes(out: &Output) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["changes"].as_array().unwrap().clone()
}

fn find<'a>(
    changes: &'a [serde_json::Value],
    kind: &str,
    operation: &str,
) -> Vec<&'a serde_json::Value> {
    changes
        .iter()
        .filter(|c| c["kind"] == kind && c["operation"] == operation)
        .collect()
}

#[test]
fn ghes_3_9_to_3_10_request_enum_value_removed_is_breaking() {
    let out = diff(&data("ghes-3.9.json"), &data("ghes-3.10.json"), "json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changes = changes(&out);
    let removed = find(
        &changes,
        "enum_value_removed",
        "code-scanning/list-alerts-for-repo",
    );
    assert_eq!(removed.len(), 1, "{changes:#?}");
    assert_eq!(removed[0]["severity"], "breaking");
    assert!(removed[0]["message"]
        .as_str()
        .unwrap()
        .contains("query parameter `sort`: /: enum value `number` was removed"));
    // A request enum that grows (state=closed) and a new optional parameter do not break.
    let added = find(
        &changes,
        "enum_value_added",
        "code-scanning/list-alerts-for-repo",
    );
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["severity"], "additive");
    assert!(added[0]["message"].as_str().unwrap().contains("`closed`"));
    let param = find(
        &changes,
        "parameter_added",
        "code-scanning/list-alerts-for-repo",
    );
    assert!(param[0]["message"]
        .as_str()
        .unwrap()
        .contains("optional query parameter `severity`"));
    // repos/get gained a response field: additive.
    let field = find(&changes, "response_property_added", "repos/get");
    assert_eq!(field.len(), 1, "{changes:#?}");
    assert!(field[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("/security_and_analysis/dependabot_security_updates: property was added"));
    assert_eq!(
        changes
            .iter()
            .filter(|c| c["severity"] == "breaking")
            .count(),
        1
    );
}

#[test]
fn ghes_3_18_to_3_19_request_property_no_longer_nullable_is_breaking() {
    let out = diff(&data("ghes-3.18.json"), &data("ghes-3.19.json"), "json");
    assert_eq!(out.status.code(), Some(1));
    let changes = changes(&out);
    let narrowed = find(
        &changes,
        "nullable_removed",
        "code-security/update-configuration",
    );
    assert_eq!(narrowed.len(), 1, "{changes:#?}");
    assert_eq!(narrowed[0]["severity"], "breaking");
    assert!(narrowed[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("request body: /code_scanning_default_setup_options"));
    assert!(find(
        &changes,
        "response_property_added",
        "code-security/update-configuration"
    )
    .iter()
    .all(|c| c["severity"] == "additive"));
}

#[test]
fn reverse_history_shows_removals_as_breaking() {
    // Going back from 3.10 to 3.9 removes a response field and a parameter.
    let out = diff(&data("ghes-3.10.json"), &data("ghes-3.9.json"), "json");
    assert_eq!(out.status.code(), Some(1));
    let changes = changes(&out);
    let removed = find(&changes, "response_property_removed", "repos/get");
    assert_eq!(removed.len(), 1, "{changes:#?}");
    assert_eq!(removed[0]["severity"], "breaking");
    let param = find(
        &changes,
        "parameter_removed",
        "code-scanning/list-alerts-for-repo",
    );
    assert_eq!(param.len(), 1);
}

#[test]
fn same_document_exits_0_and_human_and_md_formats_render() {
    let out = diff(&data("ghes-3.9.json"), &data("ghes-3.9.json"), "human");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 breaking, 0 non-breaking"));
    let out = diff(&data("ghes-3.9.json"), &data("ghes-3.10.json"), "md");
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| severity | kind | operation | change | pointer |"));
    assert!(md.contains("| breaking | enum_value_removed | code-scanning/list-alerts-for-repo |"));
    let out = diff(&data("ghes-3.9.json"), &data("ghes-3.10.json"), "human");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("breaking enum_value_removed"), "{text}");
}

#[test]
fn unloadable_document_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.yaml");
    std::fs::write(&bad, "openapi: 3.0.3\ninfo: [not, a, mapping\n").unwrap();
    let out = diff(&data("ghes-3.9.json"), &bad, "human");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.yaml") && err.contains("OpenAPI"),
        "{err}"
    );
    let missing = dir.path().join("missing.json");
    let out = diff(&missing, &data("ghes-3.9.json"), "json");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

#[test]
fn yaml_contracts_diff_and_a_removed_response_field_breaks() {
    let contract = xtask::default_root().join("contracts/github/repos.v1.yaml");
    let text = std::fs::read_to_string(&contract).unwrap();
    // Drop `node_id` from the `issue` schema (the first property after `id` there).
    let needle = "    issue:\n      title: Issue\n";
    let at = text.find(needle).unwrap();
    let (head, tail) = text.split_at(at);
    let tail = tail.replacen("        node_id:\n          type: string\n", "", 1);
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("repos.v1.yaml");
    std::fs::write(&newer, format!("{head}{tail}")).unwrap();
    let same = diff(&contract, &contract, "json");
    assert_eq!(same.status.code(), Some(0));
    assert!(changes(&same).is_empty());
    let out = diff(&contract, &newer, "json");
    assert_eq!(out.status.code(), Some(1));
    let changes = changes(&out);
    let removed: Vec<&serde_json::Value> = changes
        .iter()
        .filter(|c| c["kind"] == "response_property_removed")
        .collect();
    assert!(!removed.is_empty(), "{changes:#?}");
    assert!(removed.iter().all(|c| c["severity"] == "breaking"
        && c["pointer"] == "/components/schemas/issue/properties/node_id"));
    // issues/get and issues/list-for-repo both return issues.
    for op in ["issues/get", "issues/list-for-repo"] {
        assert!(removed.iter().any(|c| c["operation"] == op), "{op}");
    }
    // In the request of issues/create the issue schema is not used: nothing else changed.
    assert!(changes
        .iter()
        .all(|c| c["kind"] == "response_property_removed"));
}
