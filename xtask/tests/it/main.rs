//! Every xtask command against a temporary copy of the repository (a real git repo),
//! so each `check` failure mode is made to happen, not assumed.

#![allow(clippy::unwrap_used, clippy::new_without_default)] // test helpers may panic

mod brief;
mod call;
mod check;
mod diff;
mod extract;
mod gen;
mod schedules;
mod sentinel;
mod validate;
mod webhook;

use std::path::{Path, PathBuf};

/// A temporary copy of the parts of the repository the commands read, committed to a
/// fresh git repository.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let src = xtask::default_root();
        copy_dir(&src.join("contracts"), &dir.path().join("contracts"));
        if src.join("fixtures").is_dir() {
            copy_dir(&src.join("fixtures"), &dir.path().join("fixtures"));
        }
        std::fs::copy(
            src.join("contracts.lock"),
            dir.path().join("contracts.lock"),
        )
        .unwrap();
        for krate in ["github-repos-v1", "stripe-customers-v1"] {
            for file in ["Cargo.toml", "build.rs", "src/lib.rs"] {
                let to = dir.path().join("crates").join(krate).join(file);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(src.join("crates").join(krate).join(file), &to).unwrap();
            }
        }
        // Inputs of the Integration Briefs, and the briefs themselves.
        copy_dir(
            &src.join("ops/integrations"),
            &dir.path().join("ops/integrations"),
        );
        for file in [
            "sentinels/checks.yaml",
            "crates/tether-webhooks/receiver.example.toml",
        ] {
            let to = dir.path().join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(src.join(file), &to).unwrap();
        }
        let repo = Self { dir };
        repo.git(&["init", "-q"]);
        repo.commit("initial");
        repo
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    /// Replace exactly one occurrence of `from` in a file.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert_eq!(
            text.matches(from).count(),
            1,
            "{rel}: `{from}` must occur exactly once"
        );
        self.write(rel, &text.replacen(from, to, 1));
    }

    pub fn git(&self, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=tether-test",
                "-c",
                "user.email=test@localhost",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(self.root())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?} failed");
    }

    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// Run `gen` and return its report.
    pub fn gen(&self) -> String {
        xtask::gen::run(self.root(), None).unwrap()
    }

    /// Run `check` against HEAD and return the problem kinds.
    pub fn check_kinds(&self) -> Vec<&'static str> {
        xtask::check::run(self.root(), "HEAD").unwrap().kinds()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Hash of every file under a directory, to prove a command changed nothing.
pub fn tree_digest(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.push((
                    rel,
                    tether_contract::sha256_hex(&std::fs::read(&path).unwrap()),
                ));
            }
        }
    }
    walk(root, root, &mut out);
    out.sort();
    out
}
