//! Sections 1 and 2: overview (contracts, versions, client crates) and APIs &
//! capabilities (base URLs, pinned headers, operations with pagination and idempotency).

use std::fmt::Write as _;

use tether_contract::policy::PaginationStyle;
use tether_contract::Operation;

use super::inputs::{sorted_ops, Inputs};
use super::text::{cell, cite, sourced};
use super::SECTIONS;

impl Inputs {
    pub(super) fn overview(&self, o: &mut String) {
        let _ = writeln!(o, "## {}\n", SECTIONS[0]);
        let kind = match (
            self.outbound().next().is_some(),
            self.inbound().next().is_some(),
        ) {
            (true, true) => "both: outbound API calls and inbound webhooks",
            (true, false) => "outbound API calls",
            (false, true) => "inbound webhooks",
            (false, false) => "none (no contracts)",
        };
        let _ = writeln!(o, "Integration type: **{kind}**.\n");
        let _ = writeln!(
            o,
            "| contract | direction | info.version | operations | upstream | client crate |\n|---|---|---|---|---|---|"
        );
        for l in &self.contracts {
            let c = &l.contract;
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} | {} (version {}) | {} |",
                l.path,
                if l.webhook {
                    "inbound (payloads)"
                } else {
                    "outbound"
                },
                c.doc.info_version(),
                c.doc.operations.len(),
                cell(&c.meta.upstream.name),
                cell(&c.meta.upstream.version),
                if l.webhook {
                    "none (receiver: `tether-webhooks`)".to_owned()
                } else {
                    format!("`{}`", c.name.crate_name())
                }
            );
        }
        let _ = writeln!(
            o,
            "\nPolicy: `contracts/{}/provider.yaml`.\n",
            self.policy.provider
        );
    }

    pub(super) fn apis(&self, o: &mut String) {
        let p = &self.policy;
        let _ = writeln!(o, "## {}\n", SECTIONS[1]);
        let _ = writeln!(
            o,
            "- Production base URL: {}",
            sourced(&p.base_urls.production, |v| format!("`{v}`"))
        );
        match &p.base_urls.sandbox {
            Some(s) => {
                let _ = writeln!(
                    o,
                    "- Sandbox base URL: {}",
                    sourced(s, |v| format!("`{v}`"))
                );
            }
            None => {
                let _ = writeln!(o, "- Sandbox base URL: none in the policy (the provider has no test environment; use `cargo xtask sandbox`)");
            }
        }
        let _ = writeln!(
            o,
            "- Base URL override: env `{}` (tests, sandbox, proxies)",
            p.base_urls.override_env
        );
        let v = &p.headers.version;
        let _ = writeln!(
            o,
            "- Pinned version: `{}: {}`{}{}",
            v.name,
            v.value,
            cite(v.source.as_deref(), v.assumed == Some(true)),
            v.note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            o,
            "- Media type (`Accept`): {}",
            sourced(&p.headers.accept, |v| format!("`{v}`"))
        );
        let _ = writeln!(
            o,
            "- `User-Agent`: {}\n",
            sourced(&p.headers.user_agent, |v| format!("`{v}`"))
        );
        for l in self.outbound() {
            let _ = writeln!(o, "Operations of `{}`:\n", l.path);
            let _ = writeln!(o, "| method | path | operation | purpose | pagination | idempotency |\n|---|---|---|---|---|---|");
            for op in sorted_ops(&l.contract) {
                let _ = writeln!(
                    o,
                    "| {} | `{}` | `{}` | {}{} | {} | {} |",
                    op.method.to_uppercase(),
                    op.path,
                    op.id,
                    cell(op.summary.as_deref().unwrap_or("-")),
                    if op.deprecated {
                        " (**deprecated**)"
                    } else {
                        ""
                    },
                    self.pagination_of(op),
                    self.idempotency_of(op)
                );
            }
            let _ = writeln!(o);
        }
    }

    pub(super) fn pagination_of(&self, op: &Operation) -> String {
        let p = &self.policy.pagination;
        if !self.policy.paginates(op) {
            return "none".into();
        }
        match p.style {
            PaginationStyle::LinkHeader => format!(
                "`Link: rel=\"next\"`, `{}` ≤ {}",
                p.page_size_param, p.max_page_size.value
            ),
            PaginationStyle::CursorHasMore => format!(
                "cursor `{}` + `{}`, `{}` ≤ {}",
                p.cursor_param.as_deref().unwrap_or("?"),
                p.has_more_field.as_deref().unwrap_or("?"),
                p.page_size_param,
                p.max_page_size.value
            ),
        }
    }

    pub(super) fn idempotency_of(&self, op: &Operation) -> String {
        let idem = &self.policy.idempotency;
        if idem.operations.contains(&op.id) {
            let header = idem.header.as_ref().map_or("?", |h| h.value.as_str());
            format!("key `{header}` (generated, reused across retries)")
        } else if op.is_idempotent_method() {
            "idempotent method".into()
        } else {
            "**not idempotent** (never retried)".into()
        }
    }
}
