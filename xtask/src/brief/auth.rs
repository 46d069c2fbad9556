//! Section 3: authentication (method, credential env vars, rotation, scopes per operation).

use std::fmt::Write as _;

use super::inputs::{sorted_ops, Inputs};
use super::text::{cell, cite, sourced};
use super::SECTIONS;

impl Inputs {
    pub(super) fn auth(&self, o: &mut String) {
        let p = &self.policy;
        let _ = writeln!(o, "## {}\n", SECTIONS[2]);
        let scheme = match p.auth.scheme {
            tether_contract::policy::AuthScheme::Bearer => {
                "`Authorization: Bearer <token>`".to_owned()
            }
            tether_contract::policy::AuthScheme::Basic => "HTTP Basic".to_owned(),
            tether_contract::policy::AuthScheme::ApiKeyHeader => format!(
                "API key in header `{}`",
                p.auth.header.as_ref().map_or("?", |h| h.value.as_str())
            ),
            tether_contract::policy::AuthScheme::Oauth2ClientCredentials => {
                "OAuth2 client credentials (token cached, refreshed single-flight)".to_owned()
            }
        };
        let _ = writeln!(o, "- Method: {scheme}");
        let _ = writeln!(
            o,
            "- Credential env vars (required in live mode; read in this order, the first set wins): {}",
            sourced(&p.auth.env, |v| v.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "))
        );
        if let Some(note) = &p.auth.env.note {
            let _ = writeln!(o, "  - {note}");
        }
        if let Some(oauth) = &p.auth.oauth2 {
            let _ = writeln!(
                o,
                "- OAuth2: token URL {}, client id env `{}`, client secret env `{}`, scopes {}",
                sourced(&oauth.token_url, |v| format!("`{v}`")),
                oauth.client_id_env,
                oauth.client_secret_env,
                oauth.scopes.join(" ")
            );
        }
        let _ = writeln!(
            o,
            "- Optional env: `{}` (base URL override).",
            p.base_urls.override_env
        );
        let _ = writeln!(
            o,
            "- Rotation: the credential is read from the environment when a client is built \
             (`Credentials::from_env`); rotate by setting the new value and rebuilding clients (restart). \
             Clients built before keep the old credential, so revoke the old one only after every process restarted. \
             A missing variable fails with an error pointing to this file.\n"
        );
        let _ = writeln!(
            o,
            "Scopes per operation:\n\n| operation | scopes | source |\n|---|---|---|"
        );
        for l in self.outbound() {
            for op in sorted_ops(&l.contract) {
                match p.scopes.get(&op.id) {
                    Some(s) => {
                        let scopes = if s.value.is_empty() {
                            "none needed".to_owned()
                        } else {
                            s.value
                                .iter()
                                .map(|x| format!("`{x}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        let _ = writeln!(
                            o,
                            "| `{}` | {}{} | {} |",
                            op.id,
                            scopes,
                            s.note
                                .as_deref()
                                .map(|n| format!(" — {}", cell(n)))
                                .unwrap_or_default(),
                            cite(s.source.as_deref(), s.is_assumed()).trim()
                        );
                    }
                    None => {
                        let _ =
                            writeln!(o, "| `{}` | **not recorded** (see section 10) | - |", op.id);
                    }
                }
            }
        }
        let _ = writeln!(o);
    }
}
