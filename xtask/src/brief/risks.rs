//! Section 10: risks & open questions (assumed policy values, operations without
//! fixtures or sentinel coverage, facts the policy does not record).

use std::fmt::Write as _;

use super::inputs::{sorted_ops, Inputs};
use super::text::compact;
use super::SECTIONS;

impl Inputs {
    pub(super) fn risks(&self, o: &mut String) {
        let p = &self.policy;
        let _ = writeln!(o, "## {}\n", SECTIONS[9]);
        let value = serde_json::to_value(p).unwrap_or_default();
        let assumed = p.assumptions();
        let _ = writeln!(
            o,
            "### Assumed policy values ({})\n\nNo provider document states these; each is Tether's choice with its reason. \
             Confirm with the provider or replace by a sourced value in `contracts/{}/provider.yaml`.\n",
            assumed.len(),
            p.provider
        );
        if assumed.is_empty() {
            let _ = writeln!(o, "- none");
        }
        for (pointer, reason) in &assumed {
            let shown = value
                .pointer(&format!("{pointer}/value"))
                .map(|v| format!(" = `{}`", compact(v)))
                .unwrap_or_default();
            let _ = writeln!(o, "- **`{pointer}`**{shown}: {reason}");
        }
        let _ = writeln!(o, "\n### Operations without fixtures\n");
        let mut none = true;
        for l in &self.contracts {
            for op in sorted_ops(&l.contract) {
                let f = l.fixtures.get(&op.id).map_or(&[][..], Vec::as_slice);
                let mut missing = Vec::new();
                if !f.iter().any(|x| x.good) {
                    missing.push("good");
                }
                if !f.iter().any(|x| !x.good) {
                    missing.push("bad");
                }
                if !missing.is_empty() {
                    none = false;
                    let _ = writeln!(
                        o,
                        "- `{}` in `{}`: no {} fixture",
                        op.id,
                        l.path,
                        missing.join(" and no ")
                    );
                }
            }
        }
        if none {
            let _ = writeln!(o, "- none: every operation has good and bad fixtures");
        }
        let _ = writeln!(o, "\n### Operations without sentinel coverage\n");
        let mut none = true;
        for l in self.outbound() {
            let checks = self.checks_of(l);
            for op in sorted_ops(&l.contract) {
                if !checks.contains_key(&op.id) {
                    none = false;
                    let why = if matches!(op.method.as_str(), "get" | "head" | "options") {
                        "read-only, could be added to `sentinels/checks.yaml`"
                    } else {
                        "writes; sentinels stay read-only, so drift shows only in production (report-mode validation) or in fixture tests"
                    };
                    let _ = writeln!(
                        o,
                        "- `{}` ({} `{}`): {why}",
                        op.id,
                        op.method.to_uppercase(),
                        op.path
                    );
                }
            }
        }
        if none {
            let _ = writeln!(o, "- none: every operation is called by the sentinel");
        }
        let _ = writeln!(o, "\n### Facts not recorded in the policy\n");
        let mut gaps = Vec::new();
        for l in self.outbound() {
            for op in sorted_ops(&l.contract) {
                if !p.scopes.contains_key(&op.id) {
                    gaps.push(format!("- scopes of `{}`", op.id));
                }
            }
        }
        if self.inbound().next().is_some() {
            gaps.push(
                "- how long and how often the provider retries an unacknowledged webhook delivery"
                    .into(),
            );
            gaps.push(
                "- the provider's deadline for the webhook acknowledgement (ack budget)".into(),
            );
        }
        if gaps.is_empty() {
            let _ = writeln!(o, "- none");
        } else {
            let _ = writeln!(o, "{}", gaps.join("\n"));
        }
        let _ = writeln!(o);
    }
}
