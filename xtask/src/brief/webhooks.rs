//! Section 7: webhooks (endpoint, scheme, delivery key, tolerance, replay window, body
//! limit, ack rule, events per payload contract).

use std::fmt::Write as _;

use super::inputs::{sorted_ops, Inputs, Loaded};
use super::text::{bytes_text, cell, duration_text, summary};
use super::{RECEIVER_EXAMPLE, SECTIONS};

impl Inputs {
    pub(super) fn webhooks(&self, o: &mut String) {
        let _ = writeln!(o, "## {}\n", SECTIONS[6]);
        let inbound: Vec<&Loaded> = self.inbound().collect();
        if inbound.is_empty() {
            let _ = writeln!(o, "No webhook payload contract (`contracts/{}/webhooks.v<N>.yaml`): this integration receives no webhooks.\n", self.policy.provider);
            return;
        }
        let scheme: Option<tether_webhooks::Scheme> = self.policy.provider.parse().ok();
        let endpoints = self.receiver_endpoints();
        let _ = writeln!(
            o,
            "Received by `tether-webhooks-receiver` (`cargo xtask webhook serve --config FILE`).\n"
        );
        let _ = writeln!(
            o,
            "- Endpoint: {}",
            if endpoints.is_empty() {
                format!("configured per deployment (`[[endpoint]] path`); `{RECEIVER_EXAMPLE}` has none for this provider")
            } else {
                endpoints
                    .iter()
                    .map(|(p, _)| format!("`POST {p}` (in `{RECEIVER_EXAMPLE}`)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        match scheme {
            Some(s) => {
                let _ = writeln!(
                    o,
                    "- Scheme: `{}`, HMAC-SHA256 over the raw body, signature header `{}`; delivery key: {}",
                    s.name(),
                    s.signature_header(),
                    s.delivery_key()
                );
                let tolerance = if s == tether_webhooks::Scheme::GitHub {
                    "not applicable (GitHub signs no timestamp; replay protection is the delivery id alone)".to_owned()
                } else {
                    format!(
                        "± {} s (`tolerance_secs`, default from `crates/tether-webhooks/src/verify.rs`)",
                        tether_webhooks::DEFAULT_TOLERANCE.as_secs()
                    )
                };
                let _ = writeln!(o, "- Timestamp tolerance: {tolerance}");
            }
            None => {
                let _ = writeln!(o, "- Scheme: the receiver has no scheme named `{}`; configure `scheme` per endpoint", self.policy.provider);
            }
        }
        let _ = writeln!(
            o,
            "- Replay window: {} (`replay_ttl_secs`, default from `crates/tether-webhooks/src/receiver.rs`)",
            duration_text(tether_webhooks::receiver::DEFAULT_REPLAY_TTL.as_secs())
        );
        let _ = writeln!(
            o,
            "- Largest body: {} (`max_body_bytes`, default from `crates/tether-webhooks/src/receiver.rs`); larger ⇒ 413",
            bytes_text(tether_webhooks::receiver::DEFAULT_MAX_BODY)
        );
        let _ = writeln!(
            o,
            "- Ack: 2xx only after the delivery is committed in the inbox; bad input ⇒ 400/401/413/415 (never retried usefully), \
             storage failure ⇒ 503 (the provider retries). Handlers run later from the inbox, at least once.\n"
        );
        for l in &inbound {
            let _ = writeln!(
                o,
                "Events of `{}`:\n\n| event | summary | fixtures (good / bad) |\n|---|---|---|",
                l.path
            );
            for op in sorted_ops(&l.contract) {
                let f = l.fixtures.get(&op.id).map_or(&[][..], Vec::as_slice);
                let _ = writeln!(
                    o,
                    "| `{}` | {} | {} / {} |",
                    op.id,
                    cell(&summary(op.summary.as_deref().unwrap_or("-"))),
                    f.iter().filter(|x| x.good).count(),
                    f.iter().filter(|x| !x.good).count()
                );
            }
            let _ = writeln!(o);
        }
        let _ = writeln!(
            o,
            "Events no payload contract describes are stored unvalidated. Provider retry behaviour and the provider's ack \
             deadline are not recorded in the policy (see section 10).\n"
        );
    }
}
