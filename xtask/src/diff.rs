//! `cargo xtask diff OLD NEW [--format human|json|md]`: every change between two OpenAPI
//! documents, each classified breaking or not by `tether_contract::diff` (the same rules
//! `cargo xtask check` enforces). Exit 0: nothing breaking; 1: breaking changes; 2: a
//! document could not be loaded.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;
use tether_contract::diff::{diff, Change};
use tether_contract::Document;

/// Output format. JSON: `{old, new, breaking, additive, changes: [{severity: breaking|additive,
/// kind (snake_case, e.g. response_property_removed), operation, pointer, message}]}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per change, breaking ones first, and a summary line.
    Human,
    /// One JSON object: `{old, new, breaking, additive, changes: [...]}`.
    Json,
    /// A Markdown table for a pull request or issue.
    Md,
}

/// Load one side of the diff, read leniently as an upstream description (an operation
/// without `operationId` is keyed `METHOD /path`); the error names the file and what to do.
pub fn load(path: &Path) -> Result<Document> {
    Document::load_upstream(path).with_context(|| {
        format!(
            "cannot load {} as an OpenAPI 3.x document (YAML or JSON); pass the path of an \
             OpenAPI description whose `$ref`s are all local",
            path.display()
        )
    })
}

/// One stderr line per document read leniently with something a contract may not have
/// (the first three named), so a reader knows which operations are keyed `METHOD /path`.
pub fn print_tolerated(doc: &Document) {
    if doc.tolerated.is_empty() {
        return;
    }
    let first: Vec<&str> = doc
        .tolerated
        .iter()
        .take(3)
        .map(|t| t.message.as_str())
        .collect();
    eprintln!(
        "note: {} read leniently, {} construct(s) a contract may not have; first: {}",
        doc.path.display(),
        doc.tolerated.len(),
        first.join("; ")
    );
}

/// Diff two files. Returns the changes, sorted breaking first (stable within a severity).
pub fn compare(old: &Path, new: &Path) -> Result<Vec<Change>> {
    let old = load(old)?;
    let new = load(new)?;
    print_tolerated(&old);
    print_tolerated(&new);
    let mut changes = diff(&old.value, &new.value);
    changes.sort_by_key(|c| !c.is_breaking());
    Ok(changes)
}

/// Render the changes in a format.
pub fn render(old: &Path, new: &Path, changes: &[Change], format: Format) -> Result<String> {
    let breaking = changes.iter().filter(|c| c.is_breaking()).count();
    let additive = changes.len() - breaking;
    let mut out = String::new();
    match format {
        Format::Human => {
            for c in changes {
                writeln!(out, "{c}")?;
            }
            writeln!(
                out,
                "{} → {}: {breaking} breaking, {additive} non-breaking change(s)",
                old.display(),
                new.display()
            )?;
        }
        Format::Json => {
            let value = json!({
                "old": old.display().to_string(),
                "new": new.display().to_string(),
                "breaking": breaking,
                "additive": additive,
                "changes": changes.iter().map(change_json).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
        Format::Md => {
            writeln!(
                out,
                "**{} → {}**: {breaking} breaking, {additive} non-breaking change(s)\n",
                old.display(),
                new.display()
            )?;
            if !changes.is_empty() {
                writeln!(
                    out,
                    "| severity | kind | operation | change | pointer |\n|---|---|---|---|---|"
                )?;
                for c in changes {
                    writeln!(
                        out,
                        "| {} | {} | {} | {} | `{}` |",
                        c.severity,
                        c.kind,
                        md_cell(&c.operation),
                        md_cell(&c.message),
                        c.pointer.replace('|', "\\|").replace('`', "'")
                    )?;
                }
            }
        }
    }
    Ok(out)
}

/// One change as JSON, with the stable snake_case names of severity and kind.
pub fn change_json(c: &Change) -> serde_json::Value {
    json!({
        "severity": c.severity.as_str(),
        "kind": c.kind.as_str(),
        "operation": c.operation,
        "pointer": c.pointer,
        "message": c.message,
    })
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
