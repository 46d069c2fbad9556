//! `cargo xtask …`: the commands Tether users type. See `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Tether: contract-first API clients",
    version
)]
struct Cli {
    /// Workspace root (defaults to the checkout this xtask was built from).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scaffold or refresh one client crate per contract and refresh contracts.lock.
    Gen {
        /// Also write the expanded generated Rust of every client into DIR for review.
        #[arg(long, value_name = "DIR")]
        emit: Option<PathBuf>,
    },
    /// CI gate: contracts, lock, versions, breaking changes, client crates, policies.
    Check {
        /// Git revision holding the locked contracts to compare with (default HEAD).
        #[arg(long, default_value = "HEAD")]
        base: String,
    },
    /// Classify every change between two OpenAPI documents as breaking or not.
    /// Exit 0: nothing breaking; 1: breaking changes; 2: a document could not be loaded.
    Diff {
        /// The older description (YAML or JSON).
        old: PathBuf,
        /// The newer description (YAML or JSON).
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: xtask::diff::Format,
    },
    /// Validate fixture envelopes against any OpenAPI 3.0 document.
    Validate {
        /// A contract or any OpenAPI 3.0 description (YAML or JSON).
        document: PathBuf,
        /// Envelope files or folders (searched recursively for *.json).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: xtask::validate::Format,
    },
    /// One call through the full runtime stack; response JSON on stdout, JSON logs on
    /// stderr; exit 0 on 2xx, 1 on a provider error, 2 on anything else.
    Call {
        /// Contract, as `<provider>.<resource>.v<N>` (e.g. github.repos.v1).
        contract: String,
        /// Contract operation id (e.g. repos/get).
        operation: String,
        /// Parameter `name=value` (path, query or header, as the contract says); repeatable.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Request body as JSON (form-encoded for operations that take forms).
        #[arg(long, value_name = "FILE")]
        body: Option<PathBuf>,
        /// Base URL (default: <PROVIDER>_API_BASE_URL, else the policy's production URL).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Call each provider's sentinel checks (sentinels/checks.yaml) and report drift:
    /// live with credentials in env, else offline against the sandbox. Exit 0: no
    /// breaking drift; 1: breaking drift; 2: could not check.
    Sentinel {
        /// Only this provider (repeatable).
        #[arg(long)]
        provider: Vec<String>,
        /// Require live calls (exit 2 when a credential is missing).
        #[arg(long, conflicts_with = "offline")]
        live: bool,
        /// Use the in-process sandbox even when credentials are set.
        #[arg(long)]
        offline: bool,
        /// Where report.json, report.md, junit.xml and observed payloads go.
        #[arg(long, default_value = "target/sentinel")]
        report_dir: PathBuf,
        /// Drift injected into the offline sandbox (demos, tests).
        #[arg(long)]
        drift: Vec<String>,
    },
    /// Serve every contract from its good fixtures on loopback until interrupted.
    Sandbox {
        /// Port (0 picks a free one; the URL is printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Faults, e.g. `429:0.1,503:0.05,reset:0.01,latency:50ms`.
        #[arg(long)]
        faults: Option<String>,
        /// Drift, e.g. `github.repos.v1:repos/get:remove:/owner`; repeatable.
        #[arg(long)]
        drift: Vec<String>,
    },
    /// Fixture maintenance.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
    /// Contract maintenance.
    Contract {
        #[command(subcommand)]
        command: ContractCommand,
    },
    /// Inbound webhooks: sign, verify, serve.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Print the headers a provider would send for BODY, one `Name: value` a line.
    Sign {
        /// github, stripe, slack or standard.
        #[arg(long, value_parser = xtask::webhook::parse_scheme)]
        scheme: tether_webhooks::Scheme,
        /// Environment variable holding the secret.
        #[arg(long, value_name = "NAME")]
        secret_env: String,
        /// The raw body file.
        #[arg(long, value_name = "FILE")]
        body: PathBuf,
        /// Unix seconds (default: now).
        #[arg(long, value_name = "UNIX", allow_hyphen_values = true)]
        timestamp: Option<i64>,
        /// Delivery id (`X-GitHub-Delivery`, `webhook-id`).
        #[arg(long)]
        id: Option<String>,
    },
    /// Verify a delivery: exit 0 and `verified`, or exit 1 and the reason.
    Verify {
        /// github, stripe, slack or standard.
        #[arg(long, value_parser = xtask::webhook::parse_scheme)]
        scheme: tether_webhooks::Scheme,
        /// Environment variable holding a secret (repeat for rotation).
        #[arg(long, value_name = "NAME", required = true)]
        secret_env: Vec<String>,
        /// A received header, `Name: value` (repeat).
        #[arg(long = "header", value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// The raw body file.
        #[arg(long, value_name = "FILE")]
        body: PathBuf,
        /// Unix seconds to verify at (default: now).
        #[arg(long, value_name = "UNIX", allow_hyphen_values = true)]
        now: Option<i64>,
        /// Timestamp tolerance in seconds, either direction (default 300).
        #[arg(long, value_name = "SECS")]
        tolerance: Option<u64>,
    },
    /// Run the receiver described by a TOML config (secrets from the env vars it names).
    Serve {
        /// The config file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum FixturesCommand {
    /// Create good envelopes from the contract's own examples (invalid ones are refused).
    Import {
        /// The contract.
        #[arg(long)]
        contract: PathBuf,
        /// Import the examples of the contract (the only source for now).
        #[arg(long, required = true)]
        from_examples: bool,
    },
}

#[derive(Subcommand)]
enum ContractCommand {
    /// Write a trimmed contract from an upstream OpenAPI description.
    Extract {
        /// Upstream description (JSON or YAML).
        #[arg(long)]
        from: PathBuf,
        /// Comma-separated operation ids.
        #[arg(long, value_delimiter = ',', required = true)]
        operations: Vec<String>,
        /// Provider folder name, e.g. github.
        #[arg(long)]
        provider: String,
        /// Resource name, e.g. repos.
        #[arg(long)]
        resource: String,
        /// Contract major version N.
        #[arg(long)]
        version: u64,
        /// Name recorded as provenance (defaults to the file name).
        #[arg(long)]
        upstream_name: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(xtask::default_root);
    let result = match cli.command {
        Command::Gen { emit } => xtask::gen::run(&root, emit.as_deref()).map(|report| {
            print!("{report}");
            true
        }),
        Command::Check { base } => xtask::check::run(&root, &base).map(|report| {
            print!("{report}");
            report.is_ok()
        }),
        Command::Diff { old, new, format } => match xtask::diff::compare(&old, &new) {
            Ok(changes) => {
                match xtask::diff::render(&old, &new, &changes, format) {
                    Ok(text) => print!("{text}"),
                    Err(e) => {
                        eprintln!("error: {e:#}");
                        return ExitCode::from(2);
                    }
                }
                Ok(!changes.iter().any(|c| c.is_breaking()))
            }
            Err(e) => Err(e),
        },
        Command::Validate {
            document,
            inputs,
            format,
        } => match xtask::validate::run(&document, &inputs, format) {
            Ok(o) if o.unreadable > 0 => return ExitCode::from(2),
            Ok(o) => Ok(o.invalid == 0),
            Err(e) => Err(e),
        },
        Command::Fixtures {
            command:
                FixturesCommand::Import {
                    contract,
                    from_examples: _,
                },
        } => xtask::fixtures::import(&root, &contract).map(|report| {
            print!("{report}");
            true
        }),
        Command::Call {
            contract,
            operation,
            params,
            body,
            base_url,
        } => {
            xtask::logging::json_to_stderr();
            let args = xtask::call::CallArgs {
                contract: &contract,
                operation: &operation,
                params: &params,
                body: body.as_deref(),
                base_url: base_url.as_deref(),
            };
            match xtask::call::run(&root, &args) {
                Ok(xtask::call::Outcome::Success) => return ExitCode::SUCCESS,
                Ok(xtask::call::Outcome::ProviderError) => return ExitCode::from(1),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::from(2);
                }
            }
        }
        Command::Sentinel {
            provider,
            live,
            offline,
            report_dir,
            drift,
        } => {
            xtask::logging::json_to_stderr();
            let mode = if live {
                xtask::sentinel::Mode::Live
            } else if offline {
                xtask::sentinel::Mode::Offline
            } else {
                xtask::sentinel::Mode::Auto
            };
            let report_dir = if report_dir.is_absolute() {
                report_dir
            } else {
                root.join(report_dir)
            };
            let args = xtask::sentinel::Args {
                providers: provider,
                mode,
                report_dir: report_dir.clone(),
                drift,
            };
            match xtask::sentinel::run(&root, &args) {
                Ok(code) => {
                    println!("sentinel: exit {code}; reports in {}", report_dir.display());
                    return ExitCode::from(code);
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::from(2);
                }
            }
        }
        Command::Sandbox {
            port,
            faults,
            drift,
        } => {
            xtask::logging::json_to_stderr();
            match xtask::sandbox::run(&root, port, faults.as_deref(), &drift) {
                Ok(()) => return ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::from(2);
                }
            }
        }
        Command::Contract { command } => match command {
            ContractCommand::Extract {
                from,
                operations,
                provider,
                resource,
                version,
                upstream_name,
            } => xtask::extract::run(
                &root,
                &from,
                &operations,
                &provider,
                &resource,
                version,
                upstream_name,
            )
            .map(|path| {
                println!("wrote {}", path.display());
                println!("next: `cargo xtask gen` to scaffold its client crate and lock it");
                true
            }),
        },
        Command::Webhook { command } => match command {
            WebhookCommand::Sign {
                scheme,
                secret_env,
                body,
                timestamp,
                id,
            } => xtask::webhook::sign_command(scheme, &secret_env, &body, timestamp, id.as_deref())
                .map(|headers| {
                    print!("{headers}");
                    true
                }),
            WebhookCommand::Verify {
                scheme,
                secret_env,
                headers,
                body,
                now,
                tolerance,
            } => {
                xtask::webhook::verify_command(scheme, &secret_env, &headers, &body, now, tolerance)
                    .map(|verdict| match verdict {
                        Ok(()) => {
                            println!("verified");
                            true
                        }
                        Err(rejection) => {
                            println!("rejected ({}): {rejection}", rejection.kind());
                            false
                        }
                    })
            }
            WebhookCommand::Serve { config } => {
                xtask::webhook::serve_command(&config).map(|()| true)
            }
        },
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
