//! `cargo xtask webhook sign|verify|serve`, and the `check` of payload contracts
//! (`contracts/<provider>/webhooks.v<N>.yaml`), which have fixtures but no client crate.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use tether_contract::fixture::{list, Envelope};
use tether_contract::validate::{ContractValidator, ValidatorOptions};
use tether_contract::Contract;
use tether_webhooks::inbox::Delivery;
use tether_webhooks::receiver::{shutdown_signal, ReceiverConfig};
use tether_webhooks::{sign, Clock, Rejection, Scheme, SigningKey, SystemClock, Verifier};

use crate::check::Report;
use crate::workspace::rel;

fn secret_from_env(scheme: Scheme, var: &str) -> Result<SigningKey> {
    let value = std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            anyhow!(
                "environment variable `{var}` is unset or empty (it must hold the signing secret)"
            )
        })?;
    SigningKey::for_scheme(scheme, &value).map_err(|e| anyhow!("`{var}`: {e}"))
}

fn read_body(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read body file {}", path.display()))
}

/// `webhook sign`: the headers a provider would send, one `Name: value` per line.
pub fn sign_command(
    scheme: Scheme,
    secret_env: &str,
    body: &Path,
    timestamp: Option<i64>,
    id: Option<&str>,
) -> Result<String> {
    let secret = secret_from_env(scheme, secret_env)?;
    let body = read_body(body)?;
    let ts = timestamp.unwrap_or_else(|| SystemClock.now_unix());
    Ok(sign(scheme, &secret, &body, ts, id)
        .into_iter()
        .map(|(n, v)| format!("{n}: {v}\n"))
        .collect())
}

/// `webhook verify`: `Ok(Ok(()))` verified, `Ok(Err(rejection))` refused, `Err` usage error.
pub fn verify_command(
    scheme: Scheme,
    secret_envs: &[String],
    headers: &[String],
    body: &Path,
    now: Option<i64>,
    tolerance: Option<u64>,
) -> Result<std::result::Result<(), Rejection>> {
    let mut builder = Verifier::builder(scheme);
    for var in secret_envs {
        builder = builder.secret(secret_from_env(scheme, var)?);
    }
    if let Some(t) = tolerance {
        builder = builder.tolerance(Duration::from_secs(t));
    }
    let verifier = builder.build()?;
    let mut map = http::HeaderMap::new();
    for line in headers {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| anyhow!("--header `{line}` is not `Name: value`"))?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .with_context(|| format!("--header `{line}`: bad header name"))?;
        let value = http::HeaderValue::from_str(value.trim())
            .with_context(|| format!("--header `{line}`: bad header value"))?;
        map.append(name, value);
    }
    let body = read_body(body)?;
    let now = now.unwrap_or_else(|| SystemClock.now_unix());
    Ok(verifier.verify(&map, &body, now).map(|_| ()))
}

/// `webhook serve --config FILE`: run the receiver until interrupted, printing one line
/// per handled delivery.
pub fn serve_command(config: &Path) -> Result<()> {
    let cfg = ReceiverConfig::load(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let handler = Arc::new(|d: &Delivery| {
            println!(
                "handled {} {} {} ({} bytes)",
                d.source,
                d.key,
                d.event.as_deref().unwrap_or("-"),
                d.body.len()
            );
            Ok::<(), String>(())
        });
        cfg.run(
            &|name| std::env::var(name).ok(),
            Arc::new(SystemClock),
            handler,
            shutdown_signal(),
            |addr| println!("listening on {addr}"),
        )
        .await?;
        Ok(())
    })
}

/// Load the payload contracts, reporting those that do not load.
pub fn load_contracts(root: &Path, report: &mut Report) -> Result<Vec<Contract>> {
    let mut out = Vec::new();
    for file in crate::workspace::webhook_contract_files(root)? {
        match Contract::load(&file) {
            Ok(c) => out.push(c),
            Err(e) => report.push(
                "contract-invalid",
                rel(root, &file),
                e.to_string(),
                "correct the payload contract at the pointer shown (see crates/tether-webhooks/scripts/webhook_upstream.py for how it was made)",
            ),
        }
    }
    report
        .checked
        .push(format!("{} webhook payload contracts", out.len()));
    Ok(out)
}

/// Every fixture of every payload contract validates as it says: good ones with no
/// finding, bad ones with exactly their `expect`ed `{pointer, keyword}` set.
pub fn check_fixture_results(root: &Path, contracts: &[Contract], report: &mut Report) {
    let mut count = 0;
    for c in contracts {
        let validator = match ContractValidator::new(&c.doc, &ValidatorOptions::default()) {
            Ok(v) => v,
            Err(e) => {
                report.push(
                    "contract-invalid",
                    rel(root, &c.doc.path),
                    e.to_string(),
                    "fix the schema at the pointer shown",
                );
                continue;
            }
        };
        let dir = root.join("fixtures").join(c.name.fixture_dir());
        for (file, good) in list(&dir) {
            let Ok(env) = Envelope::load(&file) else {
                continue; // reported by the shared fixture check
            };
            if c.doc.operation(&env.operation).is_none() {
                continue; // idem
            }
            count += 1;
            if let Some(mismatch) = crate::validate::verdict_mismatch(&validator, &env, good) {
                report.push(
                    "fixture-mismatch",
                    rel(root, &file),
                    mismatch,
                    "run `cargo xtask validate <contract> <file>` to see each finding; fix the fixture (or the contract, with a version bump)",
                );
            }
        }
    }
    report
        .checked
        .push(format!("{count} webhook fixtures validated"));
}

/// Parse a scheme name for clap.
pub fn parse_scheme(s: &str) -> Result<Scheme> {
    s.parse::<Scheme>().map_err(|m| anyhow!(m))
}
