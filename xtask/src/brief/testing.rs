//! Section 11: testing & validation (fixtures and the negative cases they cover,
//! sentinel checks, commands).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::inputs::{sorted_ops, Fixture, Inputs};
use super::text::{cell, or_dash};
use super::{CHECKS_FILE, SECTIONS};

impl Inputs {
    pub(super) fn testing(&self, o: &mut String) {
        let _ = writeln!(o, "## {}\n", SECTIONS[10]);
        let _ = writeln!(
            o,
            "Fixtures are envelopes under `fixtures/<contract>/{{good,bad}}/` (format: `fixtures/README.md`); every one is a \
             test case (`cargo test -p tether-client-tests --test fixtures`). Bad fixtures list the errors they must produce.\n"
        );
        let _ = writeln!(o, "| contract | operation | good | bad | negative cases covered (keyword at pointer) |\n|---|---|---|---|---|");
        for l in &self.contracts {
            for op in sorted_ops(&l.contract) {
                let f = l.fixtures.get(&op.id).map_or(&[][..], Vec::as_slice);
                let negative: BTreeSet<String> = f
                    .iter()
                    .filter(|x| !x.good)
                    .flat_map(|x| {
                        x.expect.iter().map(move |e| {
                            let what = match x.status {
                                Some(s) if x.kind == "response" => format!("{s}"),
                                _ => x.kind.to_owned(),
                            };
                            format!("{e} ({what})")
                        })
                    })
                    .collect();
                let good: Vec<&Fixture> = f.iter().filter(|x| x.good).collect();
                let _ = writeln!(
                    o,
                    "| {} | `{}` | {} | {} | {} |",
                    l.contract.name.fixture_dir(),
                    op.id,
                    good.len(),
                    f.len() - good.len(),
                    or_dash(
                        &negative
                            .into_iter()
                            .map(|n| cell(&n))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                );
            }
        }
        let _ = writeln!(o, "\nSentinel checks (`{CHECKS_FILE}`, read-only):\n");
        let mut any = false;
        for l in self.outbound() {
            for (op, params) in self.checks_of(l) {
                any = true;
                let params: Vec<String> =
                    params.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
                let _ = writeln!(
                    o,
                    "- `{}` `{op}` {}",
                    l.contract.name.fixture_dir(),
                    params.join(" ")
                );
            }
        }
        if !any {
            let _ = writeln!(o, "- none");
        }
        let _ = writeln!(
            o,
            "\nCommands:\n\n- `cargo xtask sentinel --provider {p}` — live with credentials, else offline against the in-process sandbox; \
             `--offline` forces the sandbox; exit 0 clean, 1 breaking drift, 2 could not check.\n\
             - `cargo xtask sandbox` — this provider's operations on loopback from the good fixtures, with fault (`--faults 429:0.1,503:0.05`) \
             and drift injection.\n\
             - `cargo xtask call` — one operation by hand through the runtime.\n\
             - `cargo xtask check` — contracts, policy, lock, fixtures and this brief are consistent.",
            p = self.policy.provider
        );
    }
}
