//! `cargo xtask validate <openapi> <FILE|DIR>... [--format human|json]`: validate fixture
//! envelopes against any OpenAPI 3.0 document (a Tether contract or a full upstream
//! description). Exit 0 all valid, 1 any invalid, 2 a file cannot be read or parsed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;
use tether_contract::fixture::{Envelope, Kind};
use tether_contract::validate::{
    ContractValidator, NullableReading, RequestBody, ValidationError, ValidatorOptions,
};
use tether_contract::Document;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per envelope, errors indented.
    Human,
    /// One JSON object per envelope on stdout.
    Json,
}

/// How `nullable: true` is read (see `tether_contract::validate::NullableReading`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Nullable {
    /// `null` wherever `nullable: true` is written (enums, wrappers, beside `$ref`):
    /// what providers mean and send.
    #[default]
    Provider,
    /// The letter of OpenAPI 3.0.3: only a `type` in the same object is widened.
    Spec,
}

/// Outcome of a run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Envelopes checked.
    pub checked: usize,
    /// Envelopes that failed validation.
    pub invalid: usize,
    /// Files that could not be read or parsed.
    pub unreadable: usize,
}

/// Validate one envelope; `Err` when the envelope names something the document lacks in a
/// way that is not a validation finding.
pub fn validate_envelope(validator: &ContractValidator, env: &Envelope) -> Vec<ValidationError> {
    let headers = env.header_pairs();
    let result = match env.kind {
        Kind::Response => {
            let status = env.status.unwrap_or_default();
            match (&env.body, &env.body_raw) {
                (_, Some(raw)) => {
                    validator.validate_response(&env.operation, status, &headers, raw.as_bytes())
                }
                (body, None) => validator.validate_response_value(
                    &env.operation,
                    status,
                    &headers,
                    body.as_ref(),
                ),
            }
        }
        Kind::Request => {
            let content_type = env
                .headers
                .get("content-type")
                .map_or("application/json", String::as_str);
            match (&env.body, &env.body_raw) {
                (_, Some(raw)) => validator.validate_request(
                    &env.operation,
                    content_type,
                    RequestBody::Raw(raw.as_bytes()),
                ),
                (Some(body), None) => validator.validate_request(
                    &env.operation,
                    content_type,
                    RequestBody::Json(body),
                ),
                (None, None) => {
                    validator.validate_request(&env.operation, content_type, RequestBody::Raw(b""))
                }
            }
        }
    };
    result.err().unwrap_or_default()
}

/// Whether a fixture's verdict holds: a good one validates, a bad one fails with exactly
/// the (pointer, keyword) pairs it `expect`s. `Some(message)` says what differs.
pub fn verdict_mismatch(
    validator: &ContractValidator,
    env: &Envelope,
    good: bool,
) -> Option<String> {
    use std::collections::BTreeSet;
    let found: BTreeSet<(String, String)> = validate_envelope(validator, env)
        .into_iter()
        .map(|e| (e.keyword, e.pointer))
        .collect();
    let expected: BTreeSet<(String, String)> = env
        .expect
        .iter()
        .map(|e| (e.keyword.clone(), e.pointer.clone()))
        .collect();
    if found == expected {
        return None;
    }
    let show = |s: &BTreeSet<(String, String)>| {
        s.iter()
            .map(|(keyword, pointer)| {
                format!(
                    "{keyword} {}",
                    if pointer.is_empty() { "\"\"" } else { pointer }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(format!(
        "{} fixture: validator found [{}], the fixture expects [{}]",
        if good { "good" } else { "bad" },
        show(&found),
        show(&expected)
    ))
}

/// Run the command, printing to stdout (results) and stderr (load time, unreadable files).
pub fn run(
    document: &Path,
    inputs: &[PathBuf],
    format: Format,
    nullable: Nullable,
) -> Result<Outcome> {
    let started = Instant::now();
    // Read leniently: this is given contracts and full upstream descriptions alike.
    let doc = Document::load_upstream(document)?;
    let options = ValidatorOptions {
        nullable: match nullable {
            Nullable::Provider => NullableReading::Provider,
            Nullable::Spec => NullableReading::Spec,
        },
        ..ValidatorOptions::default()
    };
    let validator = ContractValidator::new(&doc, &options)
        .with_context(|| format!("cannot compile validators for {}", document.display()))?;
    eprintln!(
        "loaded {} ({} operations) and compiled its validators in {:.1?}",
        document.display(),
        doc.operations.len(),
        started.elapsed()
    );
    crate::diff::print_tolerated(&doc);
    let mut files = Vec::new();
    for input in inputs {
        collect(input, &mut files).with_context(|| format!("cannot read {}", input.display()))?;
    }
    let mut outcome = Outcome::default();
    for file in files {
        let env = match Envelope::load(&file) {
            Ok(env) => env,
            Err(e) => {
                outcome.unreadable += 1;
                eprintln!("error: {e}");
                continue;
            }
        };
        outcome.checked += 1;
        let errors = validate_envelope(&validator, &env);
        if !errors.is_empty() {
            outcome.invalid += 1;
        }
        match format {
            Format::Json => println!(
                "{}",
                json!({
                    "file": file.display().to_string(),
                    "operation": env.operation,
                    "kind": env.kind,
                    "status": env.status,
                    "valid": errors.is_empty(),
                    "errors": errors,
                })
            ),
            Format::Human => {
                if errors.is_empty() {
                    println!("{}: valid", file.display());
                } else {
                    println!("{}: invalid ({} error(s))", file.display(), errors.len());
                    for e in &errors {
                        println!("  {e}");
                    }
                }
            }
        }
    }
    Ok(outcome)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() || entry.extension().and_then(|x| x.to_str()) == Some("json") {
                collect(&entry, out)?;
            }
        }
    } else {
        std::fs::metadata(path)?;
        out.push(path.to_owned());
    }
    Ok(())
}
