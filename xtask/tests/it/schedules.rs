//! `ops/schedules/`: each definition parses, and the command it runs is one the real
//! `cargo xtask` CLI accepts (clap's `try_parse_from` on xtask's own `Cli`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Parser;
use serde_yaml::Value;
use xtask::cli::{Cli, Command};

fn schedules() -> PathBuf {
    xtask::default_root().join("ops/schedules")
}

fn yaml(rel: &str) -> Value {
    let path = schedules().join(rel);
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The sentinel arguments of a `cargo xtask sentinel …` command line, checked by the CLI;
/// returns the `--report-dir` it uses.
fn accepted(words: &[String]) -> String {
    assert!(
        words.len() >= 3 && words[0] == "cargo" && words[1] == "xtask",
        "not a cargo xtask command: {words:?}"
    );
    let argv = std::iter::once("cargo xtask".to_owned()).chain(words[2..].iter().cloned());
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{words:?}: {e}"));
    match cli.command {
        Command::Sentinel { report_dir, .. } => report_dir.display().to_string(),
        _ => panic!("{words:?} does not run the sentinel"),
    }
}

/// A five-field cron expression whose fields use only cron characters.
fn assert_cron(expr: &str) {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "cron `{expr}`");
    for f in fields {
        assert!(
            f.chars().all(|c| c.is_ascii_digit() || "*/,-".contains(c)),
            "cron `{expr}`"
        );
    }
}

/// Credential variables every provider's policy reads (`auth.env`).
fn credential_vars() -> Vec<Vec<String>> {
    let root = xtask::default_root();
    ["github", "stripe"]
        .iter()
        .map(|p| {
            let path = root.join("contracts").join(p).join("provider.yaml");
            let text = std::fs::read_to_string(&path).unwrap();
            let policy = tether_contract::Policy::from_text(&path, &text).unwrap();
            policy.auth.env.value
        })
        .collect()
}

#[test]
fn github_actions_workflow_runs_the_cli_uploads_reports_and_fails_on_drift() {
    let wf = yaml("github-actions/sentinel.yml");
    let cron = wf["on"]["schedule"][0]["cron"].as_str().unwrap();
    assert_cron(cron);
    let steps = wf["jobs"]["sentinel"]["steps"].as_sequence().unwrap();
    let run_step = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("cargo xtask sentinel"))
        })
        .expect("a step runs cargo xtask sentinel");
    let line = run_step["run"]
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.trim_start().starts_with("cargo xtask sentinel"))
        .unwrap();
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    let report_dir = accepted(&words);
    // Its exit code is kept, the reports are uploaded whatever happened, and a later step
    // fails the run when the exit code is not 0.
    let id = run_step["id"].as_str().unwrap();
    assert!(run_step["run"].as_str().unwrap().contains("set +e"));
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("an upload-artifact step");
    assert_eq!(upload["if"].as_str(), Some("always()"));
    assert_eq!(upload["with"]["path"].as_str(), Some(report_dir.as_str()));
    let fail = steps.last().unwrap();
    assert_eq!(
        fail["if"].as_str(),
        Some(format!("steps.{id}.outputs.exit != '0'").as_str())
    );
    assert!(fail["run"].as_str().unwrap().contains("exit 1"));
    // Credentials go in under a name the policies read.
    let env = run_step["env"].as_mapping().unwrap();
    for names in credential_vars() {
        assert!(
            names
                .iter()
                .any(|n| env.contains_key(Value::String(n.clone()))),
            "none of {names:?} is set for the sentinel step"
        );
    }
}

#[test]
fn kubernetes_cronjob_runs_the_cli_and_writes_reports_to_a_volume() {
    let job = yaml("kubernetes/cronjob.yaml");
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("CronJob"));
    assert_cron(job["spec"]["schedule"].as_str().unwrap());
    assert_eq!(job["spec"]["concurrencyPolicy"].as_str(), Some("Forbid"));
    let pod = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    let words: Vec<String> = container["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .chain(container["args"].as_sequence().unwrap())
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let report_dir = accepted(&words);
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap())
        .collect();
    assert!(
        mounts.iter().any(|m| report_dir.starts_with(m)),
        "{report_dir} is on no volume: {mounts:?}"
    );
    // Every mount names a declared volume.
    let volumes: Vec<&str> = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    for m in container["volumeMounts"].as_sequence().unwrap() {
        assert!(volumes.contains(&m["name"].as_str().unwrap()));
    }
}

/// A small reader for systemd unit files: `[Section]` headers, `Key=Value` lines, `#`/`;`
/// comments, repeated keys kept in order. Hand-rolled: the INI crates disagree with
/// systemd on repeated keys and comments, and two files need only this much.
fn unit(rel: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let path = schedules().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut section: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.to_owned());
            out.entry(name.to_owned()).or_default();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}:{}: not Key=Value", path.display(), n + 1));
        let s = section
            .clone()
            .unwrap_or_else(|| panic!("{}:{}: key before a section", path.display(), n + 1));
        out.entry(s)
            .or_default()
            .push((k.trim().to_owned(), v.trim().to_owned()));
    }
    out
}

fn get<'a>(u: &'a BTreeMap<String, Vec<(String, String)>>, s: &str, k: &str) -> &'a str {
    u.get(s)
        .and_then(|kv| kv.iter().find(|(key, _)| key == k))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("[{s}] {k} missing"))
}

#[test]
fn systemd_service_runs_the_cli_and_the_timer_starts_it() {
    let service = unit("systemd/tether-sentinel.service");
    assert_eq!(get(&service, "Service", "Type"), "oneshot");
    let exec = get(&service, "Service", "ExecStart");
    let mut words: Vec<String> = exec.split_whitespace().map(str::to_owned).collect();
    if words.first().map(String::as_str) == Some("/usr/bin/env") {
        words.remove(0);
    }
    let report_dir = accepted(&words);
    assert!(report_dir.starts_with("/var/lib/"));
    let timer = unit("systemd/tether-sentinel.timer");
    assert_eq!(get(&timer, "Timer", "Unit"), "tether-sentinel.service");
    assert!(schedules()
        .join("systemd")
        .join(get(&timer, "Timer", "Unit"))
        .is_file());
    assert!(!get(&timer, "Timer", "OnCalendar").is_empty());
    assert_eq!(get(&timer, "Install", "WantedBy"), "timers.target");
}

#[test]
fn a_command_the_cli_refuses_is_caught() {
    // The check above can fail: a misspelt flag is refused by the same parser.
    let words: Vec<String> = ["cargo", "xtask", "sentinel", "--report-directory", "x"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let argv = std::iter::once("cargo xtask".to_owned()).chain(words[2..].iter().cloned());
    assert!(Cli::try_parse_from(argv).is_err());
}
