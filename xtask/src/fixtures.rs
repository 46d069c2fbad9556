//! `cargo xtask fixtures import --contract C --from-examples`: good envelopes from the
//! contract's own examples, each validated first; invalid examples are refused and named.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Result};
use serde_json::Value;
use tether_contract::fixture::{file_prefix, Envelope, Kind};
use tether_contract::validate::{ContractValidator, ValidatorOptions};
use tether_contract::{Contract, Operation};

use crate::validate::validate_envelope;
use crate::workspace::{rel, write_atomic};

/// An example found in the contract.
struct Example {
    name: String,
    kind: Kind,
    status: Option<u16>,
    media: String,
    value: Value,
}

fn examples_of(doc: &Value, op: &Operation) -> Vec<Example> {
    let mut out = Vec::new();
    let mut from_media = |kind: Kind, status: Option<u16>, media: &str, mt: &Value| {
        if let Some(v) = mt.get("example") {
            out.push(Example {
                name: "example".into(),
                kind,
                status,
                media: media.into(),
                value: v.clone(),
            });
        }
        if let Some(map) = mt.get("examples").and_then(Value::as_object) {
            for (name, ex) in map {
                let ex = match ex.get("$ref").and_then(Value::as_str) {
                    Some(r) => tether_contract::reference::resolve(doc, r).unwrap_or(&Value::Null),
                    None => ex,
                };
                if let Some(v) = ex.get("value") {
                    out.push(Example {
                        name: name.clone(),
                        kind,
                        status,
                        media: media.into(),
                        value: v.clone(),
                    });
                }
            }
        }
    };
    for r in &op.responses {
        let Ok(status) = r.status.parse::<u16>() else {
            continue;
        };
        if let Some(node) = doc
            .pointer(&r.pointer)
            .and_then(|n| n.get("content"))
            .and_then(Value::as_object)
        {
            for (media, mt) in node {
                from_media(Kind::Response, Some(status), media, mt);
            }
        }
    }
    if let Some(body) = &op.request_body {
        for m in &body.content {
            let mt_ptr = m.pointer.strip_suffix("/schema").unwrap_or(&m.pointer);
            if let Some(mt) = doc.pointer(mt_ptr) {
                from_media(Kind::Request, None, &m.media_type, mt);
            }
        }
    }
    out
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Run the import; returns the report.
pub fn import(root: &Path, contract_path: &Path) -> Result<String> {
    let contract = Contract::load(contract_path)?;
    let validator = ContractValidator::new(&contract.doc, &ValidatorOptions::default())?;
    let dir = root
        .join("fixtures")
        .join(contract.name.fixture_dir())
        .join("good");
    let mut report = String::new();
    let (mut written, mut refused) = (0, 0);
    for op in &contract.doc.operations {
        for ex in examples_of(&contract.doc.value, op) {
            let mut headers = BTreeMap::new();
            headers.insert("content-type".to_owned(), ex.media.clone());
            let env = Envelope {
                operation: op.id.clone(),
                kind: ex.kind,
                status: ex.status,
                headers,
                body: Some(ex.value),
                body_raw: None,
                source: Some(format!(
                    "{} example `{}` ({})",
                    contract.name.contract_path(),
                    ex.name,
                    contract.meta.upstream.name
                )),
                expect: Vec::new(),
            };
            let errors = validate_envelope(&validator, &env);
            let what = format!(
                "{} {} example `{}`",
                op.id,
                ex.status.map_or("request".into(), |s| s.to_string()),
                ex.name
            );
            if !errors.is_empty() {
                refused += 1;
                writeln!(report, "refused  {what}: invalid against the contract:")?;
                for e in errors.iter().take(5) {
                    writeln!(report, "           {e}")?;
                }
                continue;
            }
            let kind = if ex.kind == Kind::Request {
                "request-"
            } else {
                ""
            };
            let file = dir.join(format!(
                "{}.{kind}{}.json",
                file_prefix(&op.id),
                slug(&ex.name)
            ));
            let text = format!("{}\n", serde_json::to_string_pretty(&env)?);
            match std::fs::read_to_string(&file) {
                Ok(existing) if existing == text => {
                    writeln!(report, "ok       {}", rel(root, &file))?
                }
                Ok(_) => writeln!(
                    report,
                    "kept     {} (exists with other content; not overwritten)",
                    rel(root, &file)
                )?,
                Err(_) => {
                    write_atomic(&file, text.as_bytes())?;
                    written += 1;
                    writeln!(report, "wrote    {}", rel(root, &file))?;
                }
            }
        }
    }
    writeln!(report, "{written} written, {refused} refused as invalid")?;
    if written == 0 && refused == 0 && report.lines().count() == 1 {
        bail!(
            "{} has no examples to import",
            contract.name.contract_path()
        );
    }
    Ok(report)
}
