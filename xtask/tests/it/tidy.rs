//! Tidy checks over the source tree, in the style of rust-analyzer's `tidy`: what a
//! reviewer would otherwise have to remember. Each failure names the file and what to do.

use std::path::{Path, PathBuf};

/// Source files may not grow past this many lines without a reason recorded here: past
/// it, a reader no longer holds the file (split it by concept, as `diff/`, `engine/`,
/// `brief/` and `receiver/` are).
const MAX_LINES: usize = 1_000;

/// Files allowed past [`MAX_LINES`], each with why. Shrinking one below the limit makes
/// its entry stale, which fails too: the list only ever holds real exceptions.
const LONG_FILES: &[(&str, &str)] = &[
    (
        "crates/tether-contract/src/validate/fast.rs",
        "the fast-path validator's compiler and interpreter, kept together for the shared instruction set",
    ),
    (
        "crates/tether-contract/src/validate/mod.rs",
        "the validator's entry points; the compile and convert stages are already their own files",
    ),
];

fn root() -> PathBuf {
    xtask::default_root()
}

/// Every `.rs` file under `crates/`, `xtask/` and `sentinels/`, except build output and
/// golden files (progenitor's output, pinned as test input).
fn rust_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != "golden" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for top in ["crates", "xtask", "sentinels"] {
        walk(&root().join(top), &mut out);
    }
    out.sort();
    assert!(out.len() > 100, "found only {} source files", out.len());
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn every_library_module_starts_with_its_docs() {
    let mut missing = Vec::new();
    for file in rust_files() {
        let path = rel(&file);
        if !path.contains("/src/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // Scaffolded crates put their "do not edit" line first.
        let first = text
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty() && (!l.starts_with("//") || l.starts_with("//!")));
        if !first.is_some_and(|l| l.starts_with("//!") || l.starts_with("#![doc")) {
            missing.push(path);
        }
    }
    assert!(
        missing.is_empty(),
        "start each of these with a `//!` line saying what the module holds:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_source_file_is_past_the_length_limit_without_a_recorded_reason() {
    let mut long = Vec::new();
    let mut stale = Vec::new();
    let files = rust_files();
    for file in &files {
        let path = rel(file);
        let lines = std::fs::read_to_string(file).unwrap().lines().count();
        let allowed = LONG_FILES.iter().any(|(p, _)| *p == path);
        if lines > MAX_LINES && !allowed {
            long.push(format!("{path}: {lines} lines"));
        }
        if allowed && lines <= MAX_LINES {
            stale.push(format!("{path}: {lines} lines, remove it from LONG_FILES"));
        }
    }
    for (path, _) in LONG_FILES {
        if !files.iter().any(|f| rel(f) == *path) {
            stale.push(format!("{path}: no such file, remove it from LONG_FILES"));
        }
    }
    assert!(
        long.is_empty(),
        "past {MAX_LINES} lines: split by concept, or record why in LONG_FILES (xtask/tests/it/tidy.rs):\n{}",
        long.join("\n")
    );
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// A measured figure in a comment goes stale the day it is re-measured; BENCHMARKS.md
/// holds the current one. A comment may say *why* (and cite the section), not how much.
#[test]
fn comments_citing_benchmarks_carry_no_figures() {
    let mut found = Vec::new();
    // Benches are left out: their comments state the measurement's own settings (rates,
    // durations, payloads), which are code, not results.
    for file in rust_files()
        .into_iter()
        .filter(|f| !rel(f).contains("/benches/"))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Blocks of consecutive comment lines.
        let mut i = 0;
        while i < lines.len() {
            if !is_comment(lines[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < lines.len() && is_comment(lines[i]) {
                i += 1;
            }
            let block = lines[start..i].join("\n");
            if block.contains("BENCHMARKS.md") {
                if let Some(figure) = figure_in(&block) {
                    found.push(format!("{}:{}: `{figure}`", rel(&file), start + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "comments that cite BENCHMARKS.md carry measured figures (keep the reason, drop the number):\n{}",
        found.join("\n")
    );
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

/// A number with a unit of measure (`0.7 %`, `264-byte`, `3,392 B`, `45k`, `6.7 µs`,
/// `×2`), if the text has one.
fn figure_in(text: &str) -> Option<String> {
    const UNITS: &[&str] = &[
        "%",
        "µs",
        "us",
        "ns",
        "ms",
        "s ",
        "s)",
        "s,",
        "b ",
        "b)",
        "kb",
        "mb",
        "byte",
        "k ",
        "k)",
        "x ",
        "×",
        "allocation",
        "instruction",
        "cycle",
        "copies",
        "times",
    ];
    // Lower case, and a space at the end so a unit can end the text.
    let lower = format!("{} ", text.to_lowercase());
    let chars: Vec<(usize, char)> = lower.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (at, c) = chars[k];
        let starts_number = c.is_ascii_digit()
            && (k == 0 || !(chars[k - 1].1.is_alphanumeric() || chars[k - 1].1 == '_'));
        if !starts_number {
            k += 1;
            continue;
        }
        let mut end = k;
        while end < chars.len()
            && (chars[end].1.is_ascii_digit() || matches!(chars[end].1, '.' | ','))
        {
            end += 1;
        }
        // Only the digits: a trailing `.` or `,` ends the sentence, not the number.
        let mut last = end;
        while last > k && matches!(chars[last - 1].1, '.' | ',') {
            last -= 1;
        }
        let after = chars.get(last).map_or(lower.len(), |(i, _)| *i);
        let rest = lower[after..].trim_start_matches([' ', '-']);
        if let Some(unit) = UNITS.iter().find(|u| rest.starts_with(*u)) {
            let shown_end = lower.len() - rest.len() + unit.len();
            return Some(lower[at..shown_end].trim().to_owned());
        }
        k = end.max(k + 1);
    }
    None
}

#[test]
fn the_figure_finder_tells_figures_from_names() {
    for (text, figure) in [
        (
            "cost 0.7 % of a call (BENCHMARKS.md § Runtime)",
            Some("0.7 %"),
        ),
        ("the 264-byte request", Some("264-byte")),
        ("3,392 → 2,408 B", Some("2,408 b")),
        ("6.7 µs of a call", Some("6.7 µs")),
        ("RFC 8288 links, UTF-8 checks, sha256, 4XX", None),
        ("(BENCHMARKS.md § Runtime)", None),
        ("1 worker", None),
    ] {
        assert_eq!(figure_in(text).as_deref(), figure, "{text}");
    }
}

/// Every repository path ARCHITECTURE.md names in backticks exists: the code map is
/// what a new contributor navigates by.
#[test]
fn every_path_architecture_names_exists() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (i, part) in text.split('`').enumerate() {
        // Odd parts are inside backticks.
        if i % 2 == 0 || part.contains(' ') || part.contains('<') || part.contains('*') {
            continue;
        }
        let tops = [
            "crates/",
            "xtask/",
            "contracts/",
            "fixtures/",
            "ops/",
            "sentinels/",
            ".ci/",
        ];
        if !tops.iter().any(|t| part.starts_with(t)) {
            continue;
        }
        let path = part.trim_end_matches(['.', ',', ':', ')']);
        checked += 1;
        if !root().join(path).exists() {
            missing.push(path.to_owned());
        }
    }
    assert!(
        checked > 20,
        "only {checked} paths found in ARCHITECTURE.md"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist (update the code map):\n{}",
        missing.join("\n")
    );
}
