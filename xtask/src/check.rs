//! `cargo xtask check`: the CI gate. Every problem names the file, what is wrong and the
//! command (or edit) that fixes it.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use anyhow::Result;
use tether_contract::lock::{compare_versions, Lock};
use tether_contract::{diff, Contract, ContractName, Document, Policy};

use crate::gen::{contract_names, orphan_crates, registry, scaffold};
use crate::workspace::{contract_files, rel};

/// One thing `check` found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable kind, for tests and scripts.
    pub kind: &'static str,
    /// File (relative to the root) and, where known, pointer.
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// What fixes it.
    pub fix: String,
}

/// Everything `check` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Problems, in the order found.
    pub problems: Vec<Problem>,
    /// What was checked, for the summary line.
    pub checked: Vec<String>,
}

impl Report {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Kinds found, for tests.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.problems.iter().map(|p| p.kind).collect()
    }

    pub(crate) fn push(
        &mut self,
        kind: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.problems.push(Problem {
            kind,
            location: location.into(),
            message: message.into(),
            fix: fix.into(),
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(
                f,
                "error[{}]: {}: {}\n  fix: {}",
                p.kind, p.location, p.message, p.fix
            )?;
        }
        if self.is_ok() {
            writeln!(f, "check passed: {}", self.checked.join(", "))
        } else {
            writeln!(f, "check failed: {} problem(s)", self.problems.len())
        }
    }
}

/// Run every check against the tree at `root`, comparing with git revision `base`.
pub fn run(root: &Path, base: &str) -> Result<Report> {
    let mut report = Report::default();
    let files = contract_files(root)?;
    let mut contracts = Vec::new();
    for file in &files {
        match Contract::load(file) {
            Ok(c) => contracts.push(c),
            Err(e) => report.push(
                "contract-invalid",
                rel(root, file),
                e.to_string(),
                "correct the contract at the pointer shown (re-extract with `cargo xtask contract extract` if it came from upstream)",
            ),
        }
    }
    report.checked.push(format!("{} contracts", files.len()));

    check_policies(root, &files, &mut report);
    check_lock(root, base, &contracts, &mut report)?;
    check_crates(root, &contracts, &mut report)?;
    // Webhook payload contracts: no client crate and no lock entry, but the same
    // breaking-change and fixture rules, and their fixtures must validate.
    let webhooks = crate::webhook::load_contracts(root, &mut report)?;
    crate::webhook::check_fixture_results(root, &webhooks, &mut report);
    contracts.extend(webhooks);
    check_breaking(root, base, &contracts, &mut report);
    check_fixtures(root, &contracts, &mut report);
    check_briefs(root, &mut report)?;
    Ok(report)
}

/// Every provider's Integration Brief is what `gen` writes now. A provider whose
/// contracts, policy or fixtures already have a problem is compared only once those are
/// fixed (the brief is made from them, and their fix is usually `gen` anyway).
fn check_briefs(root: &Path, report: &mut Report) -> Result<()> {
    let mut compared = 0;
    let mut deferred = Vec::new();
    let providers = crate::brief::providers(root)?;
    for provider in &providers {
        let inputs_broken = report.problems.iter().any(|p| {
            p.location.starts_with(&format!("contracts/{provider}/"))
                || p.location.starts_with(&format!("fixtures/{provider}."))
        });
        if inputs_broken {
            deferred.push(provider.clone());
            continue;
        }
        let path = crate::brief::path_of(provider);
        let expected = match crate::brief::render(root, provider) {
            Ok(text) => text,
            Err(e) => {
                report.push(
                    "brief-invalid",
                    &path,
                    format!("cannot generate the brief: {e:#}"),
                    "fix the input named above, then run `cargo xtask gen`",
                );
                continue;
            }
        };
        compared += 1;
        match std::fs::read_to_string(root.join(&path)) {
            Err(_) => report.push(
                "brief-missing",
                &path,
                format!("the Integration Brief of `{provider}` is missing"),
                "run `cargo xtask gen`",
            ),
            Ok(text) if text != expected => {
                let line = text
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| text.lines().count().min(expected.lines().count()))
                    + 1;
                report.push(
                    "brief-stale",
                    format!("{path}:{line}"),
                    "the Integration Brief differs from what its contracts, policy, fixtures and sentinel checks generate (it is never edited by hand)",
                    "run `cargo xtask gen`",
                );
            }
            Ok(_) => {}
        }
    }
    if let Ok(entries) = std::fs::read_dir(root.join("ops/integrations")) {
        let mut orphans: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().join("README.md").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !providers.contains(name))
            .collect();
        orphans.sort();
        for name in orphans {
            report.push(
                "brief-orphan",
                crate::brief::path_of(&name),
                format!("brief of `{name}`, which has no contracts/{name}/provider.yaml"),
                "delete the folder if the provider is gone, or restore its policy",
            );
        }
    }
    report.checked.push(if deferred.is_empty() {
        format!("{compared} integration briefs")
    } else {
        format!(
            "{compared} integration briefs ({} deferred until the problems above are fixed)",
            deferred.join(", ")
        )
    });
    Ok(())
}

fn check_policies(root: &Path, files: &[std::path::PathBuf], report: &mut Report) {
    let providers: BTreeSet<_> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    for dir in &providers {
        let path = dir.join("provider.yaml");
        if !path.exists() {
            report.push(
                "policy-missing",
                rel(root, &path),
                "contracts of this provider have no provider policy",
                "write provider.yaml (see contracts/provider.schema.json and contracts/github/provider.yaml)",
            );
            continue;
        }
        match Policy::load(&path) {
            Ok(policy) => {
                let folder = dir.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                if policy.provider != folder {
                    report.push(
                        "policy-invalid",
                        format!("{}#/provider", rel(root, &path)),
                        format!("provider `{}` does not match its folder `{folder}`", policy.provider),
                        format!("set `provider: {folder}`"),
                    );
                }
            }
            Err(e) => report.push(
                "policy-invalid",
                rel(root, &path),
                e.to_string(),
                "fix the value at the pointer; every number needs `source:` or `assumed: true` + `reason:`",
            ),
        }
    }
    report.checked.push(format!("{} policies", providers.len()));
}

fn check_lock(root: &Path, base: &str, contracts: &[Contract], report: &mut Report) -> Result<()> {
    let lock_path = root.join("contracts.lock");
    let lock = match std::fs::read_to_string(&lock_path) {
        Ok(text) => match Lock::parse(&text) {
            Ok(l) => l,
            Err(e) => {
                report.push(
                    "lock-invalid",
                    "contracts.lock",
                    e,
                    "run `cargo xtask gen` to rewrite it",
                );
                return Ok(());
            }
        },
        Err(_) => {
            report.push(
                "lock-missing",
                "contracts.lock",
                "no lock file",
                "run `cargo xtask gen`",
            );
            return Ok(());
        }
    };
    for c in contracts {
        let path = rel(root, &c.doc.path);
        match lock.get(&path) {
            None => report.push(
                "lock-stale",
                &path,
                "contract is not in contracts.lock",
                "run `cargo xtask gen`",
            ),
            Some(entry) => {
                if entry.sha256 != c.doc.sha256 {
                    report.push(
                        "lock-stale",
                        &path,
                        format!("contract bytes changed (sha256 {} in the lock, {} on disk) without a lock update", short(&entry.sha256), short(&c.doc.sha256)),
                        "run `cargo xtask gen` (and raise info.version if the change is meaningful)",
                    );
                }
                if entry.info_version != c.doc.info_version() {
                    report.push(
                        "lock-stale",
                        &path,
                        format!(
                            "info.version is {} but the lock says {}",
                            c.doc.info_version(),
                            entry.info_version
                        ),
                        "run `cargo xtask gen`",
                    );
                }
            }
        }
    }
    for entry in &lock.contracts {
        if !contracts
            .iter()
            .any(|c| rel(root, &c.doc.path) == entry.path)
            && !root.join(&entry.path).exists()
        {
            report.push(
                "lock-stale",
                &entry.path,
                "locked contract no longer exists (a contract version is never deleted silently)",
                "restore the file, or run `cargo xtask gen` to drop it from the lock if the removal is intended",
            );
        }
    }
    // Versions never go backwards against the lock committed at `base`.
    if let Some(old_text) = git_show(root, base, "contracts.lock") {
        if let Ok(old) = Lock::parse(&old_text) {
            for entry in &lock.contracts {
                if let Some(prev) = old.get(&entry.path) {
                    if compare_versions(&entry.info_version, &prev.info_version).is_lt() {
                        report.push(
                            "version-backwards",
                            &entry.path,
                            format!("info.version {} is lower than {} locked at {base}", entry.info_version, prev.info_version),
                            "versions only go up: raise info.version above the locked one, then `cargo xtask gen`",
                        );
                    }
                }
            }
        }
    }
    report.checked.push("contracts.lock".into());
    Ok(())
}

/// Compare each contract with every version of the same file committed in `base`'s
/// history: a breaking change inside one `vN` is refused.
fn check_breaking(root: &Path, base: &str, contracts: &[Contract], report: &mut Report) {
    let mut compared = 0;
    for c in contracts {
        let path = rel(root, &c.doc.path);
        let mut seen = BTreeSet::new();
        for rev in git_revisions(root, base, &path) {
            let Some(text) = git_show(root, &rev, &path) else {
                continue;
            };
            if !seen.insert(tether_contract::sha256_hex(text.as_bytes())) {
                continue;
            }
            let Ok(old) = Document::from_bytes(&c.doc.path, text.as_bytes()) else {
                continue;
            };
            compared += 1;
            let breaking: Vec<_> = diff::diff(&old.value, &c.doc.value)
                .into_iter()
                .filter(|d| d.is_breaking())
                .collect();
            if let Some(first) = breaking.first() {
                let next = ContractName {
                    major: c.name.major + 1,
                    ..c.name.clone()
                };
                let listed: Vec<String> = breaking
                    .iter()
                    .take(5)
                    .map(|b| format!("{} {}: {}", b.operation, b.pointer, b.message))
                    .collect();
                report.push(
                    "breaking-change",
                    format!("{path}#{}", first.pointer),
                    format!(
                        "{} breaking change(s) against the version committed at {}: {}{}",
                        breaking.len(),
                        &rev[..rev.len().min(10)],
                        listed.join("; "),
                        if breaking.len() > 5 { "; …" } else { "" }
                    ),
                    format!(
                        "keep {path} as it was and put the change in a new {} (info.version {}.0.0), then `cargo xtask gen`",
                        next.contract_path(),
                        next.major
                    ),
                );
                break;
            }
        }
    }
    report.checked.push(format!(
        "breaking changes against {compared} committed versions"
    ));
}

fn check_crates(root: &Path, contracts: &[Contract], report: &mut Report) -> Result<()> {
    for c in contracts {
        for (path, content) in scaffold(&c.name) {
            match std::fs::read_to_string(root.join(&path)) {
                Err(_) => report.push(
                    "crate-missing",
                    &path,
                    format!("client crate file for {} is missing", c.name.contract_path()),
                    "run `cargo xtask gen`",
                ),
                Ok(text) if text != content => report.push(
                    "crate-stale",
                    &path,
                    "client crate file differs from what `cargo xtask gen` writes (client crates hold no hand-written code)",
                    "run `cargo xtask gen`; put hand-written code in tether-codegen or tether-runtime",
                ),
                Ok(_) => {}
            }
        }
    }
    for (path, content) in registry(&contract_names(root)?) {
        if std::fs::read_to_string(root.join(&path)).ok().as_deref() != Some(content.as_str()) {
            report.push(
                "registry-stale",
                &path,
                "the client registry does not list exactly the contracts under contracts/",
                "run `cargo xtask gen`",
            );
        }
    }
    for orphan in orphan_crates(root)? {
        report.push(
            "crate-orphan",
            orphan.display().to_string(),
            "client crate whose contract no longer exists",
            "restore the contract, or delete the crate folder if the removal is intended",
        );
    }
    report
        .checked
        .push(format!("{} client crates", contracts.len()));
    Ok(())
}

/// Every operation has good and bad fixtures; every fixture names an operation (and, for
/// responses, a status) its contract has.
fn check_fixtures(root: &Path, contracts: &[Contract], report: &mut Report) {
    use tether_contract::fixture::{file_prefix, list, name_matches, Envelope, Kind};
    let mut count = 0;
    for c in contracts {
        // Each fixture's verdict is checked too (a good one validates, a bad one fails
        // exactly as it `expect`s), not only that it exists.
        let validator = tether_contract::validate::ContractValidator::new(
            &c.doc,
            &tether_contract::validate::ValidatorOptions::default(),
        );
        if let (Err(e), false) = (&validator, c.name.resource == "webhooks") {
            report.push(
                "contract-invalid",
                rel(root, &c.doc.path),
                e.to_string(),
                "fix the schema at the pointer shown",
            );
        }
        let dir_rel = format!("fixtures/{}", c.name.fixture_dir());
        let dir = root.join(&dir_rel);
        let mut good = BTreeSet::new();
        let mut bad = BTreeSet::new();
        for (file, is_good) in list(&dir) {
            count += 1;
            let file_rel = rel(root, &file);
            let env = match Envelope::load(&file) {
                Ok(env) => env,
                Err(e) => {
                    report.push(
                        "fixture-invalid",
                        &file_rel,
                        e.to_string(),
                        "fix the envelope (format: fixtures/README.md)",
                    );
                    continue;
                }
            };
            let Some(op) = c.doc.operation(&env.operation) else {
                report.push(
                    "fixture-unknown-operation",
                    &file_rel,
                    format!("operation `{}` is not in {}", env.operation, c.name.contract_path()),
                    "use an operationId of the contract, or move the fixture to the contract that has it",
                );
                continue;
            };
            if !name_matches(&file, &op.id) {
                report.push(
                    "fixture-name",
                    &file_rel,
                    format!("file name must start with `{}.` (the operation id, `/` as `.`) and carry a slug", file_prefix(&op.id)),
                    format!("rename it to `{}.<slug>.json`", file_prefix(&op.id)),
                );
            }
            if !is_good && env.expect.is_empty() {
                report.push(
                    "fixture-invalid",
                    &file_rel,
                    "a bad fixture must list the errors it `expect`s",
                    "add `expect: [{pointer, keyword}]`",
                );
            }
            let expects_status = env.expect.iter().any(|e| e.keyword == "status");
            let mut status_reported = false;
            if let (Kind::Response, Some(status)) = (env.kind, env.status) {
                let intended = expects_status && !is_good;
                if op.response_for(status).is_none() && !intended {
                    status_reported = true;
                    report.push(
                        "fixture-unknown-status",
                        &file_rel,
                        format!("{} declares no response {status} (and no `default`)", op.id),
                        "use a declared status, or make it a bad fixture that expects keyword `status`",
                    );
                }
            }
            // Payload contracts' fixtures are validated by `webhook::check`; a fixture
            // already reported for an undeclared status is not reported twice.
            let webhook = c.name.resource == "webhooks";
            if let (Ok(validator), false, false) = (&validator, webhook, status_reported) {
                if let Some(mismatch) = crate::validate::verdict_mismatch(validator, &env, is_good)
                {
                    report.push(
                        "fixture-mismatch",
                        &file_rel,
                        mismatch,
                        "run `cargo xtask validate <contract> <file>` to see each finding; fix the fixture (or the contract, with a version bump)",
                    );
                }
            }
            if is_good { &mut good } else { &mut bad }.insert(op.id.clone());
        }
        for op in &c.doc.operations {
            for (set, which) in [(&good, "good"), (&bad, "bad")] {
                if !set.contains(&op.id) {
                    report.push(
                        "fixtures-missing",
                        format!("{dir_rel}/{which}"),
                        format!("operation `{}` has no {which} fixture", op.id),
                        if which == "good" {
                            format!("add {dir_rel}/good/{}.<slug>.json (`cargo xtask fixtures import --contract {} --from-examples` imports the contract's examples)", file_prefix(&op.id), c.name.contract_path())
                        } else {
                            format!("add {dir_rel}/bad/{}.<slug>.json with its `expect` list", file_prefix(&op.id))
                        },
                    );
                }
            }
        }
    }
    // Names come from the contract files, loaded or not (a broken contract is reported as such).
    let known: Vec<String> = contract_files(root)
        .unwrap_or_default()
        .iter()
        .chain(&crate::workspace::webhook_contract_files(root).unwrap_or_default())
        .filter_map(|f| ContractName::from_path(f).ok())
        .map(|n| n.fixture_dir())
        .collect();
    if let Ok(entries) = std::fs::read_dir(root.join("fixtures")) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() && !known.contains(&name) {
                report.push(
                    "fixture-orphan",
                    format!("fixtures/{name}"),
                    "fixture folder with no contract",
                    "name it <provider>.<resource>.v<N> after an existing contract, or remove it",
                );
            }
        }
    }
    report.checked.push(format!("{count} fixtures"));
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// stdout of a git command run in `root`, when it succeeds (None outside git).
fn git(root: &Path, args: &[&str]) -> Option<String> {
    duct::cmd("git", args)
        .dir(root)
        .stderr_null()
        .stdout_capture()
        .unchecked()
        .run()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn git_show(root: &Path, rev: &str, path: &str) -> Option<String> {
    git(root, &["show", &format!("{rev}:{path}")])
}

/// Commits in `base`'s history that touched `path`, newest first (empty outside git).
fn git_revisions(root: &Path, base: &str, path: &str) -> Vec<String> {
    git(root, &["log", "--format=%H", base, "--", path])
        .map(|out| out.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}
