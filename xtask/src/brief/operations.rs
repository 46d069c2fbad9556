//! Sections 8 and 9: config & secrets (env vars per environment, redaction) and
//! observability (log fields, runtime, Redis and receiver metrics, alerts).

use std::fmt::Write as _;

use tether_runtime::telemetry::{LOG_FIELDS, METRICS};

use super::inputs::{sorted_ops, Inputs};
use super::text::{cell, or_dash};
use super::SECTIONS;

impl Inputs {
    pub(super) fn config(&self, o: &mut String) {
        let p = &self.policy;
        let _ = writeln!(o, "## {}\n", SECTIONS[7]);
        let _ = writeln!(
            o,
            "| env var | purpose | local | CI | production |\n|---|---|---|---|---|"
        );
        let creds = p
            .auth
            .env
            .value
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let _ = writeln!(
            o,
            "| {creds} | API credential | unset: `cargo xtask sentinel` runs offline against the sandbox | secret store; unset ⇒ offline sentinel, set ⇒ live | required (secret manager) |"
        );
        if let Some(oauth) = &p.auth.oauth2 {
            let _ = writeln!(
                o,
                "| `{}`, `{}` | OAuth2 client | unset | secret store | required |",
                oauth.client_id_env, oauth.client_secret_env
            );
        }
        let _ = writeln!(
            o,
            "| `{}` | base URL override | `http://127.0.0.1:<port>` of `cargo xtask sandbox` | unset or the sandbox | unset (production URL) |",
            p.base_urls.override_env
        );
        for (path, envs) in self.receiver_endpoints() {
            let _ = writeln!(
                o,
                "| {} | webhook signing secret(s) of `{path}` (two during a rotation) | any test value (`cargo xtask webhook sign`) | secret store | required |",
                envs.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            );
        }
        {
            use tether_runtime::scaleout::RedisConfig as R;
            let _ = writeln!(
                o,
                "| `{}` | shared state for many replicas: rate limits, OAuth2 token, webhook dedup | unset (in-process limiter, SQLite dedup) | set by `.ci/run` (a loopback `redis-server`) for the Redis tests | set when more than one replica runs |",
                R::URL_ENV
            );
            let _ = writeln!(
                o,
                "| `{}`, `{}`, `{}` | Redis failure mode (`fail_open` default / `fail_closed`), command timeout (250 ms), key prefix (`tether`) | unset | unset | per deployment |",
                R::MODE_ENV,
                R::TIMEOUT_ENV,
                R::PREFIX_ENV
            );
        }
        let _ = writeln!(
            o,
            "\nRedaction: credentials are `Secret`s (`Debug`/`Display` print `***`); no log line, error or `Debug` output \
             carries a credential, an `Authorization` header, a cookie, a query string or a body; logs name the path *template*. \
             Sentinel observed envelopes keep bodies but drop headers. Webhook secrets are named by env var, never written in configuration.\n"
        );
    }

    pub(super) fn observability(&self, o: &mut String) {
        let p = &self.policy;
        let _ = writeln!(o, "## {}\n", SECTIONS[8]);
        let _ = writeln!(o, "Logs (`tracing`, target `tether`):\n");
        for (what, fields) in LOG_FIELDS {
            let _ = writeln!(o, "- {what}: {fields}");
        }
        let ops: Vec<String> = self
            .outbound()
            .flat_map(|l| {
                sorted_ops(&l.contract)
                    .into_iter()
                    .map(|op| format!("`{}`", op.id))
            })
            .collect();
        let _ = writeln!(
            o,
            "\nMetrics (through the `metrics` facade; Prometheus exposition with cargo feature `prometheus` of `tether-runtime`: \
             `tether_runtime::prometheus::install()?.render()`). Here `provider=\"{}\"`, `operation` ∈ {{{}}}, \
             `breaker=\"{}@<scheme>://<host>[:port]\"` (production: `{}@{}`).\n",
            p.provider,
            ops.join(", "),
            p.provider,
            p.provider,
            p.base_urls.production.value
        );
        let _ = writeln!(
            o,
            "| metric | type | labels | meaning | alert on |\n|---|---|---|---|---|"
        );
        for m in METRICS {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} | {} |",
                m.name,
                m.kind.as_str(),
                m.labels
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                cell(m.help),
                cell(m.alert)
            );
        }
        for (name, kind, labels, help, alert) in tether_redis_metrics() {
            let _ = writeln!(
                o,
                "| `{name}` | {kind} | {} | {} | {} |",
                cell(&or_dash(labels)),
                cell(help),
                cell(alert)
            );
        }
        if self.inbound().next().is_some() {
            let _ = writeln!(
                o,
                "\nWebhook receiver (`tether-webhooks-receiver`, `cargo xtask webhook serve`): `GET /healthz` (liveness), \
                 `GET /readyz` (503 while the inbox cannot commit, or the shared replay store is down under `fail_closed`), \
                 `GET /metrics` (Prometheus):\n"
            );
            let _ = writeln!(o, "| metric | type | labels | meaning |\n|---|---|---|---|");
            for (name, kind, labels, help) in tether_webhooks::receiver::METRICS {
                let _ = writeln!(
                    o,
                    "| `{name}` | {kind} | {} | {} |",
                    cell(&or_dash(labels)),
                    cell(help)
                );
            }
        }
        let _ = writeln!(
            o,
            "\nAlso alert on: `cargo xtask sentinel` exit 1 (breaking drift) or 2 (could not check), and on `{}` headers \
             (deprecation) in its report.\n",
            p.deprecation_headers.join("`/`")
        );
    }
}

/// The Redis metrics (`tether-redis`), as the runtime re-exports them.
fn tether_redis_metrics() -> &'static [(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
)] {
    tether_runtime::scaleout::REDIS_METRICS
}
