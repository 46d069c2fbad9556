use crate::Repo;

const GH: &str = "contracts/github/repos.v1.yaml";

#[test]
fn a_clean_copy_passes() {
    let repo = Repo::new();
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert!(report.is_ok(), "{report}");
}

#[test]
fn a_broken_ref_fails_with_its_pointer() {
    let repo = Repo::new();
    repo.edit(
        GH,
        "#/components/examples/full-repository-default-response'",
        "#/components/examples/no-such-thing'",
    );
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["contract-invalid"], "{report}");
    assert!(
        report.problems[0]
            .message
            .contains("#/components/examples/no-such-thing` does not resolve"),
        "{report}"
    );
    assert!(
        report.problems[0]
            .message
            .contains("/examples/default-response/$ref"),
        "{report}"
    );
}

#[test]
fn file_version_must_match_info_version() {
    let repo = Repo::new();
    repo.edit(GH, "version: 1.0.0", "version: 2.0.0");
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["contract-invalid"]);
    assert!(
        report.problems[0]
            .message
            .contains("does not have major version 1"),
        "{report}"
    );
}

#[test]
fn changed_bytes_without_a_lock_update_fail() {
    let repo = Repo::new();
    repo.edit(
        GH,
        "title: github repos contract v1",
        "title: github repos contract v1 (edited)",
    );
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["lock-stale"]);
    assert!(report.problems[0].fix.contains("cargo xtask gen"));
    repo.gen();
    assert!(repo.check_kinds().is_empty());
}

#[test]
fn a_missing_lock_fails() {
    let repo = Repo::new();
    std::fs::remove_file(repo.path("contracts.lock")).unwrap();
    assert_eq!(repo.check_kinds(), ["lock-missing"]);
}

#[test]
fn a_version_that_goes_backwards_fails() {
    let repo = Repo::new();
    repo.edit(GH, "version: 1.0.0", "version: 1.2.0");
    repo.gen();
    repo.commit("1.2.0");
    repo.edit(GH, "version: 1.2.0", "version: 1.1.0");
    // Write the lock by hand as a careless edit would (gen itself refuses this).
    let (lock, _) = xtask::gen::compute_lock(repo.root()).unwrap();
    repo.write("contracts.lock", &lock.render());
    assert_eq!(repo.check_kinds(), ["version-backwards"]);
}

#[test]
fn removing_a_response_property_inside_v1_is_breaking() {
    let repo = Repo::new();
    // `full-repository` loses `forks_count`; the lock is updated, so only the diff can catch it.
    let text = repo.read(GH);
    let start = text.find("  full-repository:").unwrap();
    let prop = text[start..].find("        forks_count:\n").unwrap() + start;
    let end = text[prop + 1..].find("\n        ").unwrap() + prop + 1;
    let end = text[end + 1..]
        .find("\n        ")
        .map(|e| e + end + 1)
        .unwrap();
    let mut edited = text.clone();
    edited.replace_range(prop..end + 1, "");
    let required = edited[start..].find("      - forks_count\n").unwrap() + start;
    edited.replace_range(required..required + "      - forks_count\n".len(), "");
    repo.write(GH, &edited);
    repo.gen();

    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["breaking-change"], "{report}");
    assert!(
        report.problems[0].message.contains("forks_count"),
        "{report}"
    );
    assert!(
        report.problems[0]
            .fix
            .contains("contracts/github/repos.v2.yaml"),
        "{report}"
    );
}

#[test]
fn a_breaking_change_is_caught_even_after_it_was_committed() {
    let repo = Repo::new();
    repo.edit(
        GH,
        "      summary: Get a repository\n",
        "      summary: Get a repository\n      deprecated: false\n",
    );
    repo.gen();
    repo.commit("harmless");
    // Remove the whole users/get-authenticated operation and commit it with its lock.
    let text = repo.read(GH);
    let start = text.find("  /user:\n").unwrap();
    let end = text[start + 1..]
        .find("\n  /")
        .map(|e| e + start + 2)
        .unwrap();
    let mut edited = text.clone();
    edited.replace_range(start..end, "");
    repo.write(GH, &edited);
    for dir in ["good", "bad"] {
        for e in std::fs::read_dir(repo.path(&format!("fixtures/github.repos.v1/{dir}"))).unwrap() {
            let p = e.unwrap().path();
            if p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("users.get-authenticated.")
            {
                std::fs::remove_file(p).unwrap();
            }
        }
    }
    repo.gen();
    repo.commit("drop an operation");
    let kinds = repo.check_kinds();
    assert_eq!(kinds, ["breaking-change"]);
}

#[test]
fn an_additive_change_passes() {
    let repo = Repo::new();
    repo.edit(
        GH,
        "      description: Basic Error\n      type: object\n      properties:\n",
        "      description: Basic Error\n      type: object\n      properties:\n        tether_test_new_field:\n          type: string\n",
    );
    repo.edit(GH, "version: 1.0.0", "version: 1.1.0");
    repo.gen();
    assert!(repo.check_kinds().is_empty());
}

#[test]
fn missing_and_stale_client_crates_fail() {
    let repo = Repo::new();
    std::fs::remove_file(repo.path("crates/github-repos-v1/build.rs")).unwrap();
    let lib = "crates/stripe-customers-v1/src/lib.rs";
    repo.write(
        lib,
        &format!("{}\npub fn hand_written() {{}}\n", repo.read(lib)),
    );
    assert_eq!(repo.check_kinds(), ["crate-missing", "crate-stale"]);
}

/// The client registry lists exactly the contracts: one left out (or added by hand) is
/// `registry-stale`, and `gen` puts it right.
#[test]
fn a_stale_client_registry_fails_until_gen() {
    let repo = Repo::new();
    let lib = "crates/tether-clients/src/lib.rs";
    let text = repo.read(lib);
    assert!(
        text.contains("stripe_customers_v1::deserialize_response"),
        "{text}"
    );
    let start = text
        .find("    Client {\n        name: \"stripe.customers.v1\"")
        .unwrap();
    let end = text[start..].find("    },\n").unwrap() + start + "    },\n".len();
    let mut edited = text.clone();
    edited.replace_range(start..end, "");
    repo.write(lib, &edited);
    assert_eq!(repo.check_kinds(), ["registry-stale"]);
    repo.gen();
    assert!(repo.check_kinds().is_empty());
    assert_eq!(repo.read(lib), text);
}

/// `check` runs each fixture through the validator: a good fixture that no longer
/// validates, or a bad one that fails otherwise than it `expect`s, is `fixture-mismatch`.
#[test]
fn a_fixture_whose_verdict_does_not_hold_fails() {
    let repo = Repo::new();
    let good = "fixtures/github.repos.v1/good/repos.get.fork-with-parent.json";
    let text = repo.read(good);
    repo.write(
        good,
        &text.replacen("\"login\": \"hubot\"", "\"login\": 7", 1),
    );
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["fixture-mismatch"], "{report}");
    assert!(
        report.problems[0]
            .message
            .contains("good fixture: validator found [type /owner/login]"),
        "{report}"
    );
}

#[test]
fn an_orphan_client_crate_fails() {
    let repo = Repo::new();
    let dir = repo.path("crates/acme-gone-v1");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "# {} from contracts/acme/gone.v1.yaml.\n",
            xtask::gen::MARKER
        ),
    )
    .unwrap();
    assert_eq!(repo.check_kinds(), ["crate-orphan"]);
}

#[test]
fn an_unsourced_policy_number_fails() {
    let repo = Repo::new();
    let policy = "contracts/github/provider.yaml";
    let text = repo.read(policy);
    let start = text.find("  max_attempts:\n").unwrap();
    let end = text[start..].find("  initial_backoff_ms:").unwrap() + start;
    let mut edited = text.clone();
    edited.replace_range(start..end, "  max_attempts: 4\n");
    repo.write(policy, &edited);
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["policy-invalid"]);
    assert!(
        report.problems[0].message.contains("/retry/max_attempts"),
        "{report}"
    );
}

#[test]
fn the_binary_exits_0_1_and_2() {
    let repo = Repo::new();
    let bin = env!("CARGO_BIN_EXE_xtask");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .arg("--root")
            .arg(repo.root())
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["check"]).status.code(), Some(0));
    repo.edit(GH, "title: github repos contract v1", "title: edited");
    let out = run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fix: run `cargo xtask gen`"));
    let out = run(&[
        "contract",
        "extract",
        "--from",
        "/nonexistent.json",
        "--operations",
        "a",
        "--provider",
        "p",
        "--resource",
        "r",
        "--version",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read upstream description"));
}

const FX: &str = "fixtures/github.repos.v1";

#[test]
fn an_operation_without_bad_fixtures_fails() {
    let repo = Repo::new();
    for e in std::fs::read_dir(repo.path(&format!("{FX}/bad"))).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("issues.get.")
        {
            std::fs::remove_file(p).unwrap();
        }
    }
    let report = xtask::check::run(repo.root(), "HEAD").unwrap();
    assert_eq!(report.kinds(), ["fixtures-missing"]);
    assert!(
        report.problems[0]
            .message
            .contains("`issues/get` has no bad fixture"),
        "{report}"
    );
}

#[test]
fn a_fixture_for_an_unknown_operation_or_status_fails() {
    let repo = Repo::new();
    let good = format!("{FX}/good/repos.get.hello-world.json");
    let text = repo.read(&good);
    repo.write(
        &format!("{FX}/good/repos.delete.gone.json"),
        &text.replacen("\"repos/get\"", "\"repos/delete\"", 1),
    );
    repo.write(
        &format!("{FX}/good/repos.get.teapot.json"),
        &text.replacen("\"status\": 200", "\"status\": 418", 1),
    );
    repo.write(&format!("{FX}/good/wrong-prefix.hello.json"), &text);
    assert_eq!(
        repo.check_kinds(),
        [
            "fixture-unknown-operation",
            "fixture-unknown-status",
            "fixture-name"
        ]
    );
}

#[test]
fn a_fixture_folder_without_a_contract_fails() {
    let repo = Repo::new();
    std::fs::create_dir_all(repo.path("fixtures/github.gone.v1/good")).unwrap();
    assert_eq!(repo.check_kinds(), ["fixture-orphan"]);
}
