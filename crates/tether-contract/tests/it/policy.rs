//! Provider policies: the two real ones load with the values written below by hand, and
//! mutated copies of the GitHub policy are refused with the pointer of the problem.

use std::path::{Path, PathBuf};

use tether_contract::policy::{AuthScheme, Jitter, PaginationStyle};
use tether_contract::{ContractError, Policy};

use crate::workspace_contracts;

fn real(provider: &str) -> PathBuf {
    workspace_contracts().join(provider).join("provider.yaml")
}

fn load_real(provider: &str) -> Policy {
    let path = real(provider);
    Policy::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn github_text() -> String {
    std::fs::read_to_string(real("github")).expect("read the GitHub policy")
}

/// Write `text` as `<tmp>/github/provider.yaml` and load it.
fn load_copy(text: &str) -> Result<Policy, ContractError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("github");
    std::fs::create_dir(&folder).expect("mkdir");
    let path = folder.join("provider.yaml");
    std::fs::write(&path, text).expect("write");
    Policy::load(&path)
}

/// Replace the block that starts with the line `header` (and every following line
/// indented deeper than it) by `replacement`.
fn replace_block(text: &str, header: &str, replacement: &str) -> String {
    let indent = header.len() - header.trim_start().len();
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    let mut found = false;
    while let Some(line) = lines.next() {
        if !found && line == header {
            found = true;
            out.push_str(replacement);
            out.push('\n');
            while let Some(next) = lines.peek() {
                let next_indent = next.len() - next.trim_start().len();
                if next.trim().is_empty() || next_indent <= indent {
                    break;
                }
                lines.next();
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(found, "no line `{header}` in the policy");
    out
}

/// Drop the first line equal to `line` found after the line `after`.
fn remove_line_after(text: &str, after: &str, line: &str) -> String {
    let mut seen_after = false;
    let mut removed = false;
    let mut out = String::new();
    for l in text.lines() {
        if l == after {
            seen_after = true;
        } else if seen_after && !removed && l.trim_start().starts_with(line) {
            removed = true;
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    assert!(removed, "no `{line}` after `{after}`");
    out
}

fn invalid_pointer(result: Result<Policy, ContractError>) -> (String, String) {
    match result {
        Ok(_) => panic!("the mutated policy loaded"),
        Err(e @ ContractError::Invalid { .. }) => (
            e.pointer().expect("Invalid has a pointer").to_owned(),
            e.to_string(),
        ),
        Err(other) => panic!("expected an Invalid error, got {other}"),
    }
}

#[test]
fn github_policy() {
    let p = load_real("github");
    assert_eq!(p.provider, "github");
    assert_eq!(p.headers.version.name, "X-GitHub-Api-Version");
    assert_eq!(p.headers.version.value, "2022-11-28");
    assert_eq!(p.headers.accept.value, "application/vnd.github+json");
    assert_eq!(p.auth.scheme, AuthScheme::Bearer);
    assert_eq!(p.auth.env.value, ["GITHUB_TOKEN", "GH_TOKEN"]);
    assert_eq!(p.base_urls.production.value, "https://api.github.com");
    assert!(p.base_urls.sandbox.is_none());
    assert_eq!(p.base_urls.override_env, "GITHUB_API_BASE_URL");
    assert_eq!(p.retry.max_attempts.value, 4);
    assert!(!p.retry.max_attempts.is_assumed());
    assert_eq!(p.retry.initial_backoff_ms.value, 1000);
    assert_eq!(p.retry.jitter, Jitter::Full);
    assert_eq!(p.retry.retryable_statuses.value, [429, 500, 502, 503, 504]);
    assert!(p.retry.honour_retry_after.value);
    assert_eq!(p.timeouts.connect.value, 5.0);
    assert!(p.timeouts.connect.is_assumed());
    assert_eq!(p.pagination.style, PaginationStyle::LinkHeader);
    assert_eq!(p.pagination.page_size_param, "per_page");
    assert_eq!(p.pagination.max_page_size.value, 100);
    assert!(p.idempotency.header.is_none());
    assert!(p.idempotency.operations.is_empty());
    let limits: Vec<&str> = p.rate_limits.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        limits,
        [
            "primary",
            "unauthenticated",
            "secondary_points",
            "content_creation",
            "content_creation_hourly"
        ]
    );
    assert_eq!(p.request_id_header, "x-github-request-id");
    assert_eq!(
        p.scopes.get("issues/create").map(|s| s.value.clone()),
        Some(vec!["issues:write".to_owned()])
    );
    assert_eq!(p.scopes.len(), 6);
}

#[test]
fn stripe_policy() {
    let p = load_real("stripe");
    assert_eq!(p.provider, "stripe");
    assert_eq!(p.headers.version.name, "Stripe-Version");
    assert_eq!(p.headers.version.value, "2026-07-29.dahlia");
    assert_eq!(p.auth.scheme, AuthScheme::Bearer);
    assert_eq!(p.auth.env.value, ["STRIPE_API_KEY"]);
    assert_eq!(p.retry.max_attempts.value, 3);
    assert_eq!(p.retry.jitter, Jitter::Equal);
    // Stripe sends no Retry-After; Tether honours one if it ever arrives (assumed).
    assert!(p.retry.honour_retry_after.value && p.retry.honour_retry_after.is_assumed());
    assert_eq!(p.pagination.style, PaginationStyle::CursorHasMore);
    assert_eq!(p.pagination.cursor_param.as_deref(), Some("starting_after"));
    assert_eq!(
        p.idempotency.header.as_ref().map(|h| h.value.as_str()),
        Some("Idempotency-Key")
    );
    assert_eq!(
        p.idempotency.operations,
        ["PostCustomers", "PostCustomersCustomer"]
    );
    assert_eq!(p.request_id_header, "request-id");
}

#[test]
fn assumptions_list_the_assumed_values() {
    let p = load_real("github");
    let assumed = p.assumptions();
    let pointers: Vec<&str> = assumed.iter().map(|(p, _)| p.as_str()).collect();
    let mut expected = vec![
        "/timeouts/connect",
        "/timeouts/attempt",
        "/timeouts/overall",
        "/retry/max_backoff_ms",
        "/retry/retryable_statuses",
        "/rate_limits/0/burst",
        "/rate_limits/1/burst",
        "/rate_limits/2/burst",
        "/rate_limits/3/burst",
        "/rate_limits/4/burst",
        "/circuit_breaker/window",
        "/circuit_breaker/minimum_calls",
        "/circuit_breaker/open_seconds",
        "/circuit_breaker/half_open_probes",
        "/responses/max_body_bytes",
        "/responses/report_sample_per_second",
    ];
    expected.sort_unstable();
    let mut got = pointers.clone();
    got.sort_unstable();
    assert_eq!(got, expected);
    let (_, reason) = assumed
        .iter()
        .find(|(p, _)| p == "/timeouts/connect")
        .expect("/timeouts/connect is assumed");
    assert!(reason.contains("connect timeout"), "{reason}");
    // Sourced values are not assumptions.
    assert!(!pointers.contains(&"/retry/max_attempts"));

    let stripe = load_real("stripe").assumptions();
    assert!(stripe.iter().any(|(p, _)| p == "/timeouts/connect"));
    assert!(stripe.iter().any(|(p, _)| p == "/headers/user_agent"));
}

#[test]
fn unchanged_copy_loads() {
    let p = load_copy(&github_text()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p, load_real("github"));
}

#[test]
fn bare_number_is_refused() {
    let text = replace_block(&github_text(), "  max_attempts:", "  max_attempts: 4");
    assert!(text.contains("\n  max_attempts: 4\n  initial_backoff_ms:\n"));
    let (pointer, message) = invalid_pointer(load_copy(&text));
    assert_eq!(pointer, "/retry/max_attempts", "{message}");
    assert!(message.contains("source"), "{message}");
    assert!(message.contains("provider.yaml"), "{message}");
}

#[test]
fn wrapper_without_source_or_assumed_is_refused() {
    // A number wrapper: the number has no provenance.
    let text = remove_line_after(&github_text(), "  max_attempts:", "source:");
    let (pointer, message) = invalid_pointer(load_copy(&text));
    assert_eq!(pointer, "/retry/max_attempts/value", "{message}");

    // A string wrapper: only the schema's provenance rule can catch it.
    let text = remove_line_after(&github_text(), "  accept:", "source:");
    let (pointer, message) = invalid_pointer(load_copy(&text));
    assert_eq!(pointer, "/headers/accept", "{message}");
}

#[test]
fn unknown_top_level_key_is_refused() {
    let text = github_text() + "colour: blue\n";
    let (pointer, message) = invalid_pointer(load_copy(&text));
    assert_eq!(pointer, "", "{message}");
    assert!(message.contains("colour"), "{message}");
}

#[test]
fn policy_parse_errors_and_deep_nesting_do_not_panic() {
    let path = Path::new("github/provider.yaml");
    assert!(matches!(
        Policy::from_text(path, "provider: [github\n"),
        Err(ContractError::Parse { .. })
    ));
    assert!(Policy::from_text(path, &"[".repeat(10_000)).is_err());
    assert!(Policy::from_text(path, "").is_err());
}
