//! Corpus check for upstream descriptions (BENCHMARKS.md § Real-world descriptions):
//! every file under a directory is read the way `cargo xtask validate` and `cargo xtask
//! diff` read it (lenient load, validators compiled, the document diffed against itself,
//! which must find nothing), each in its own process so a crash or a hang is counted
//! against that file instead of ending the run.
//!
//! ```sh
//! cargo run --release -p tether-contract --example corpus_load -- DIR [--limit-secs 10]
//! ```
//!
//! Prints one line per refusal class with a count and an example, the share loaded, the
//! slowest files, and exits 1 when a file panicked, crashed or exceeded the limit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tether_contract::validate::{ContractValidator, ValidatorOptions};
use tether_contract::{ContractError, Document};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, file] = args.as_slice() {
        if flag == "--one" {
            one(Path::new(file));
            return;
        }
    }
    let Some(dir) = args.first() else {
        eprintln!("usage: corpus_load DIR [--limit-secs N]");
        std::process::exit(2);
    };
    let limit = args
        .iter()
        .position(|a| a == "--limit-secs")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(10u64);
    let mut files = Vec::new();
    collect(Path::new(dir), &mut files);
    files.sort();
    let me = std::env::current_exe().unwrap_or_else(|_| "corpus_load".into());
    let mut classes: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut times = Vec::new();
    let mut loaded = 0;
    let mut fatal = 0;
    for file in &files {
        let started = Instant::now();
        let outcome = run_one(&me, file, Duration::from_secs(limit * 3));
        let took = started.elapsed();
        times.push((took, file.clone()));
        let class = match outcome {
            Ok(line) if line == "ok" => {
                loaded += 1;
                if took > Duration::from_secs(limit) {
                    fatal += 1;
                    Some(format!("slower than {limit} s"))
                } else {
                    None
                }
            }
            Ok(line) => Some(line),
            Err(why) => {
                fatal += 1;
                Some(why)
            }
        };
        if let Some(class) = &class {
            // As it goes, so a long run shows its findings early.
            eprintln!("{}: {class}", file.display());
        }
        if let Some(class) = class {
            let entry = classes
                .entry(class)
                .or_insert((0, file.display().to_string()));
            entry.0 += 1;
        }
    }
    times.sort();
    println!(
        "files: {}, loaded: {} ({:.1} %)",
        files.len(),
        loaded,
        100.0 * loaded as f64 / files.len().max(1) as f64
    );
    println!("refusal classes (count, example):");
    for (class, (count, example)) in &classes {
        println!("  {count:5}  {class}  [{example}]");
    }
    println!("slowest:");
    for (took, file) in times.iter().rev().take(5) {
        println!("  {:7.2} s  {}", took.as_secs_f64(), file.display());
    }
    let median = times.get(times.len() / 2).map(|t| t.0).unwrap_or_default();
    println!(
        "median per file: {:.3} s (each in its own process)",
        median.as_secs_f64()
    );
    if fatal > 0 {
        println!("{fatal} file(s) panicked, crashed or exceeded the limit");
        std::process::exit(1);
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml")
        ) {
            out.push(path);
        }
    }
}

/// The child's one-line verdict, or why there is none (crash, hang).
fn run_one(me: &Path, file: &Path, hard_limit: Duration) -> Result<String, String> {
    let mut child = Command::new(me)
        .arg("--one")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut out = String::new();
                if let Some(mut stdout) = child.stdout.take() {
                    use std::io::Read;
                    let _ = stdout.read_to_string(&mut out);
                }
                return match (status.success(), out.trim()) {
                    (true, line) if !line.is_empty() => Ok(line.to_owned()),
                    (_, line) if line.starts_with("panic") => Err(line.to_owned()),
                    _ => Err(format!("crashed ({status})")),
                };
            }
            Ok(None) if started.elapsed() > hard_limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("killed after {} s", hard_limit.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    }
}

/// In the child: load, compile, self-diff; print `ok` or the refusal class.
fn one(file: &Path) {
    std::panic::set_hook(Box::new(|info| {
        println!("panic: {}", class_of(&info.to_string()));
    }));
    // Stage timings on stderr (the parent discards them; run `--one FILE` to see them).
    let started = Instant::now();
    let loaded = Document::load_upstream(file);
    eprintln!("load {:.2?}", started.elapsed());
    let verdict = match loaded {
        Err(e) => format!("load: {}", error_class(&e)),
        Ok(doc) => match timed("validators", || {
            ContractValidator::new(&doc, &ValidatorOptions::default())
        }) {
            Err(e) => format!("validators: {}", error_class(&e)),
            Ok(_) => {
                let started = Instant::now();
                let changes = tether_contract::diff::diff(&doc.value, &doc.value);
                eprintln!("self-diff {:.2?}", started.elapsed());
                if changes.is_empty() {
                    "ok".to_owned()
                } else {
                    format!(
                        "diff of a document with itself found {} change(s)",
                        changes.len()
                    )
                }
            }
        },
    };
    println!("{verdict}");
}

fn timed<T>(stage: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = f();
    eprintln!("{stage} {:.2?}", started.elapsed());
    value
}

fn error_class(e: &ContractError) -> String {
    let text = match e {
        ContractError::Invalid { message, .. } => message.clone(),
        ContractError::Unsupported { construct, .. } => format!("unsupported {construct}"),
        ContractError::Parse { format, .. } => format!("not valid {format}"),
        other => other.to_string(),
    };
    class_of(&text)
}

/// A message with names, numbers and quoted text blanked, so alike refusals count as one.
fn class_of(message: &str) -> String {
    let mut out = String::new();
    let mut in_tick = false;
    for c in message.chars() {
        match c {
            '`' => {
                in_tick = !in_tick;
                if in_tick {
                    out.push_str("`…`");
                }
            }
            _ if in_tick => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            c => out.push(c),
        }
    }
    out.chars().take(110).collect()
}
