//! Sections 5 and 6: errors, retries & timeouts (the policy table and classifier rules)
//! and rate limits & quotas (limits, client throttle, the sentinel's quota math).

use std::fmt::Write as _;

use tether_contract::policy::{Jitter, RetryRule};

use super::inputs::Inputs;
use super::text::{bytes_text, num, percent, rate, sourced, statuses, thousands, window};
use super::{CHECKS_FILE, SECTIONS};

impl Inputs {
    pub(super) fn errors(&self, o: &mut String) {
        let p = &self.policy;
        let r = &p.retry;
        let t = &p.timeouts;
        let b = &p.circuit_breaker;
        let _ = writeln!(o, "## {}\n", SECTIONS[4]);
        let _ = writeln!(o, "| setting | value |\n|---|---|");
        let rows: Vec<(&str, String)> = vec![
            (
                "connect timeout",
                sourced(&t.connect, |v| format!("{} s", num(*v))),
            ),
            (
                "attempt timeout",
                sourced(&t.attempt, |v| format!("{} s", num(*v))),
            ),
            (
                "overall deadline (all attempts and waits)",
                sourced(&t.overall, |v| format!("{} s", num(*v))),
            ),
            (
                "attempts (including the first)",
                sourced(&r.max_attempts, u32::to_string),
            ),
            (
                "first backoff",
                sourced(&r.initial_backoff_ms, |v| format!("{v} ms")),
            ),
            (
                "backoff cap",
                sourced(&r.max_backoff_ms, |v| format!("{v} ms")),
            ),
            (
                "jitter",
                match r.jitter {
                    Jitter::Full => "full (uniform in [0, delay])".into(),
                    Jitter::Equal => "equal (uniform in [delay/2, delay])".into(),
                    Jitter::None => "none".into(),
                },
            ),
            (
                "retryable statuses",
                sourced(&r.retryable_statuses, |v| statuses(v)),
            ),
            (
                "never retried",
                sourced(&r.never_retry_statuses, |v| statuses(v)),
            ),
            (
                "`Retry-After` honoured",
                sourced(&r.honour_retry_after, bool::to_string),
            ),
            (
                "retry quota capacity (tokens)",
                sourced(&r.quota.capacity, u32::to_string),
            ),
            (
                "retry cost / after timeout",
                format!(
                    "{} / {}",
                    sourced(&r.quota.retry_cost, u32::to_string),
                    sourced(&r.quota.timeout_cost, u32::to_string)
                ),
            ),
            (
                "refill per first-attempt success",
                sourced(&r.quota.success_refill, u32::to_string),
            ),
            (
                "breaker window (attempts)",
                sourced(&b.window, u32::to_string),
            ),
            (
                "breaker minimum attempts",
                sourced(&b.minimum_calls, u32::to_string),
            ),
            (
                "breaker opens at failure rate",
                sourced(&b.failure_rate_percent, |v| format!("{v} %")),
            ),
            (
                "breaker open for",
                sourced(&b.open_seconds, |v| format!("{} s", num(*v))),
            ),
            (
                "half-open probes",
                sourced(&b.half_open_probes, u32::to_string),
            ),
            (
                "largest response body",
                sourced(&p.responses.max_body_bytes, |v| bytes_text(*v)),
            ),
        ];
        for (k, v) in rows {
            let _ = writeln!(o, "| {k} | {v} |");
        }
        let _ = writeln!(
            o,
            "\nClassifier rules, consulted before the status lists:\n"
        );
        if r.rules.is_empty() {
            let _ = writeln!(o, "- none");
        }
        for rule in &r.rules {
            match rule {
                RetryRule::HeaderDecides {
                    header,
                    source,
                    note,
                    ..
                } => {
                    let _ = writeln!(
                        o,
                        "- header `{header}` decides: `true` forces a retry, `false` forbids one [[source]({source})]{}",
                        note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default()
                    );
                }
                RetryRule::RateLimit403 {
                    remaining_header,
                    reset_header,
                    body_contains,
                    fallback_wait_seconds,
                    source,
                    note,
                    ..
                } => {
                    let _ = writeln!(
                        o,
                        "- a 403/429 is a rate limit when `{remaining_header}` is 0 (wait until `{reset_header}`) or the message contains \"{body_contains}\" (wait `retry-after`, else {}); any other 403 is a permission error [[source]({source})]{}",
                        sourced(fallback_wait_seconds, |v| format!("{} s", num(*v))),
                        note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default()
                    );
                }
            }
        }
        let _ = writeln!(
            o,
            "\nErrors are typed (`tether_runtime::Error`): construction, auth, request, timeout, transport, rate limited, \
             circuit open, contract violation, provider (typed `{}` body), invalid response, body too large; each carries \
             every attempt, the provider request id (`{}`) and the correlation id. Non-idempotent operations without a key \
             get one attempt. Response validation in production: `{}`.\n",
            p.error_schema,
            p.request_id_header,
            match p.responses.validation {
                tether_contract::policy::ValidationMode::Enforce => "enforce (a violation is an error)".to_owned(),
                tether_contract::policy::ValidationMode::Report => format!(
                    "report (violations are logged and counted; at most {} checks per second per operation)",
                    sourced(&p.responses.report_sample_per_second, u32::to_string)
                ),
                tether_contract::policy::ValidationMode::Off => "off".to_owned(),
            }
        );
    }

    pub(super) fn rate_limits(&self, o: &mut String) {
        let p = &self.policy;
        let _ = writeln!(o, "## {}\n", SECTIONS[5]);
        let _ = writeln!(
            o,
            "| limit | quota | ≈ per second | client burst | scope | applies to | concurrency |\n|---|---|---|---|---|---|---|"
        );
        for l in &p.rate_limits {
            let _ = writeln!(
                o,
                "| `{}`{} | {} | {} | {} | {} | {} | {} |",
                l.name,
                l.mode
                    .as_deref()
                    .map(|m| format!(" ({m} mode)"))
                    .unwrap_or_default(),
                if l.per_seconds.source == l.requests.source && !l.per_seconds.is_assumed() {
                    sourced(&l.requests, |v| {
                        format!("{} per {}", thousands(*v), window(l.per_seconds.value))
                    })
                } else {
                    format!(
                        "{} per {}",
                        sourced(&l.requests, |v| thousands(*v)),
                        sourced(&l.per_seconds, |v| window(*v))
                    )
                },
                rate(l.requests.value, l.per_seconds.value),
                sourced(&l.burst, u64::to_string),
                l.scope,
                l.applies_to
                    .as_ref()
                    .map_or("all methods".into(), |a| a.join(", ")),
                l.concurrency
                    .as_ref()
                    .map_or("-".into(), |c| sourced(c, u64::to_string)),
            );
        }
        let notes: Vec<String> = p
            .rate_limits
            .iter()
            .filter_map(|l| {
                l.requests
                    .note
                    .as_ref()
                    .map(|n| format!("- `{}`: {n}", l.name))
            })
            .collect();
        if !notes.is_empty() {
            let _ = writeln!(o, "\n{}", notes.join("\n"));
        }
        let _ = writeln!(
            o,
            "\nClient-side throttle: one GCRA limiter per applicable limit (emission interval = window / quota, \
             up to `burst` at once), the concurrency cap, and adaptive pacing from `x-ratelimit-*` headers and 429s. \
             A wait longer than the time left in the deadline fails fast with a rate-limit error carrying the wait.\n"
        );
        // Quota math for one sentinel run.
        let _ = writeln!(o, "### Sentinel quota math\n");
        let mut reads = 0u64;
        let mut lines = Vec::new();
        for l in self.outbound() {
            for (op_id, params) in self.checks_of(l) {
                let Some(op) = l.contract.doc.operation(&op_id) else {
                    continue;
                };
                reads += 1;
                let page = if self.policy.paginates(op) {
                    let size = params
                        .get(&p.pagination.page_size_param)
                        .cloned()
                        .unwrap_or_else(|| {
                            format!("{} (default)", p.pagination.default_page_size.value)
                        });
                    format!("one page of {size} items (next pages are not followed)")
                } else {
                    "one request".to_owned()
                };
                lines.push(format!(
                    "- `{op_id}` ({} `{}`): {page}",
                    op.method.to_uppercase(),
                    op.path
                ));
            }
        }
        if self.checks.is_none() {
            let _ = writeln!(
                o,
                "`{CHECKS_FILE}` does not exist: no sentinel checks, so no sentinel traffic.\n"
            );
        } else if reads == 0 {
            let _ = writeln!(
                o,
                "No sentinel checks for this provider in `{CHECKS_FILE}`: no sentinel traffic.\n"
            );
        } else {
            let attempts = u64::from(p.retry.max_attempts.value);
            let _ = writeln!(
                o,
                "One `cargo xtask sentinel` run sends **{reads} request(s)** (one per check in `{CHECKS_FILE}`), \
                 at most {} with retries ({reads} × {attempts} attempts); with `--repeat N` it sends N times \
                 as many (and N times fewer runs fit the limits below):\n",
                reads * attempts
            );
            let _ = writeln!(o, "{}\n", lines.join("\n"));
            for l in &p.rate_limits {
                let reads_apply = l
                    .applies_to
                    .as_ref()
                    .is_none_or(|a| a.iter().any(|m| m.eq_ignore_ascii_case("GET")));
                let q = l.requests.value;
                let w = l.per_seconds.value;
                if !reads_apply {
                    let _ = writeln!(
                        o,
                        "- `{}`: {} req/{} — not used by sentinel runs (read-only).",
                        l.name,
                        thousands(q),
                        window(w)
                    );
                    continue;
                }
                let per_run = if l.scope == "per_endpoint" { 1 } else { reads };
                let runs = q / per_run.max(1);
                let per_second = if w == 1 {
                    String::new()
                } else {
                    format!(" ≈ {} req/s", rate(q, w))
                };
                let _ = writeln!(
                    o,
                    "- `{}`{}: {} req/{}{per_second}; one run uses {per_run} of {} ({}), so at most {} runs per {} fit{}.",
                    l.name,
                    l.mode.as_deref().map(|m| format!(" ({m} mode)")).unwrap_or_default(),
                    thousands(q),
                    window(w),
                    thousands(q),
                    percent(per_run, q),
                    thousands(runs),
                    window(w),
                    if l.scope == "per_endpoint" { " (per endpoint: each check hits a different endpoint once)" } else { "" }
                );
            }
            let _ = writeln!(o);
        }
    }
}
