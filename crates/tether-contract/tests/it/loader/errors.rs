//! Loads that must fail: the bad cases under `tests/data/contracts/bad/`, each against
//! its `expected.txt`, bytes that are not UTF-8 and a missing file.

use std::path::{Path, PathBuf};

use tether_contract::{Contract, ContractError};

use crate::{data_dir, sorted_entries};

/// What `expected.txt` says: variant, pointer (or `line:N`; empty for the whole document
/// and for I/O errors), message substring. Lines after the third are notes for people.
#[derive(Debug)]
struct Expected {
    variant: String,
    location: String,
    message: String,
}

fn read_expected(case: &Path) -> Result<Expected, String> {
    let path = case.join("expected.txt");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut lines = text.lines();
    let mut next = |what: &str| {
        lines
            .next()
            .map(str::to_owned)
            .ok_or_else(|| format!("{}: no {what} line", path.display()))
    };
    let expected = Expected {
        variant: next("variant (first)")?,
        location: next("pointer or line:N (second)")?,
        message: next("message substring (third)")?,
    };
    if !matches!(
        expected.variant.as_str(),
        "Parse" | "Invalid" | "Unsupported" | "Io"
    ) {
        return Err(format!(
            "{}: first line `{}` is not Parse|Invalid|Unsupported|Io",
            path.display(),
            expected.variant
        ));
    }
    if expected.message.is_empty() {
        return Err(format!(
            "{}: the third line (message substring) is empty",
            path.display()
        ));
    }
    Ok(expected)
}

/// The one contract file (or, for an I/O case, directory) of a bad case:
/// `<case>/<provider>/<resource>.v<N>.(yaml|yml|json)`.
pub(super) fn case_contract(case: &Path) -> Result<PathBuf, String> {
    let providers: Vec<PathBuf> = sorted_entries(case)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    let [provider] = providers.as_slice() else {
        return Err(format!(
            "{}: expected exactly one provider folder, found {providers:?}",
            case.display()
        ));
    };
    let files = sorted_entries(provider);
    let [file] = files.as_slice() else {
        return Err(format!(
            "{}: expected exactly one contract file, found {files:?}",
            provider.display()
        ));
    };
    Ok(file.clone())
}

pub(super) fn variant(e: &ContractError) -> &'static str {
    match e {
        ContractError::Io { .. } => "Io",
        ContractError::Parse { .. } => "Parse",
        ContractError::Invalid { .. } => "Invalid",
        ContractError::Unsupported { .. } => "Unsupported",
        _ => "(new variant)",
    }
}

/// Load one bad case and compare with its `expected.txt`.
fn check_bad_case(case: &Path) -> Result<(), String> {
    let expected = read_expected(case)?;
    let file = case_contract(case)?;
    let err = match Contract::load(&file) {
        Ok(_) => return Err(format!("{}: loaded, but should fail", file.display())),
        Err(e) => e,
    };
    let shown = err.to_string();
    let mut problems = Vec::new();
    if variant(&err) != expected.variant {
        problems.push(format!(
            "variant {} (expected {})",
            variant(&err),
            expected.variant
        ));
    }
    let location = match &err {
        ContractError::Parse { line, .. } => format!("line:{line}"),
        other => other.pointer().unwrap_or_default().to_owned(),
    };
    if location != expected.location {
        problems.push(format!(
            "location `{location}` (expected `{}`)",
            expected.location
        ));
    }
    if !shown.contains(&expected.message) {
        problems.push(format!("message lacks `{}`", expected.message));
    }
    if !shown.contains(&file.display().to_string()) {
        problems.push("message does not name the file".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}\n    error was: {shown}",
            case.display(),
            problems.join("; ")
        ))
    }
}

#[test]
fn bad_contracts_fail_as_expected() {
    let root = data_dir().join("contracts/bad");
    let cases: Vec<PathBuf> = sorted_entries(&root)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    assert!(
        cases.len() >= 20,
        "only {} bad cases under {}",
        cases.len(),
        root.display()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| check_bad_case(case).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad cases did not fail as expected:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Bytes that are not UTF-8 (`é` in Latin-1 on line 3) are a parse error with the line.
#[test]
fn non_utf8_bytes_are_a_parse_error_with_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = dir.path().join("acme");
    std::fs::create_dir(&provider).expect("mkdir");
    let file = provider.join("things.v1.yaml");
    let mut bytes = b"openapi: 3.0.3\ninfo:\n  title: caf".to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(b"\n  version: 1.0.0\npaths: {}\n");
    std::fs::write(&file, &bytes).expect("write");

    let err = Contract::load(&file).expect_err("non-UTF-8 must be refused");
    match &err {
        ContractError::Parse { line, format, .. } => {
            assert_eq!(*line, 3, "{err}");
            assert_eq!(*format, "UTF-8", "{err}");
        }
        other => panic!("expected a Parse error, got {other}"),
    }
    assert!(err.to_string().contains("things.v1.yaml"), "{err}");
}

/// A file that does not exist is an I/O error naming it.
#[test]
fn missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("acme/things.v1.yaml");
    let err = Contract::load(&file).expect_err("no such file");
    assert!(matches!(err, ContractError::Io { .. }), "{err}");
    assert!(err.to_string().contains("cannot read"), "{err}");
    assert_eq!(err.pointer(), None);
}
