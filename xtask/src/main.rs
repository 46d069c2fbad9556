//! `cargo xtask …`: the commands Tether users type. See `cargo xtask --help`.

use std::process::ExitCode;

use clap::Parser;
use xtask::cli::{Cli, Command, ContractCommand, FixturesCommand, WebhookCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(xtask::default_root);
    let result = match cli.command {
        Command::Gen { emit } => xtask::gen::run(&root, emit.as_deref()).map(|report| {
            print!("{report}");
            true
        }),
        Command::Corpus {
            from,
            providers,
            per_provider,
            seed,
            out,
            per_operation,
        } => xtask::corpus::run(
            &root,
            &xtask::corpus::Options {
                from,
                providers,
                per_provider,
                seed,
                out: root.join(out),
                per_operation,
            },
        )
        .map(|report| {
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
            nullable,
        } => match xtask::validate::run(&document, &inputs, format, nullable) {
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
            upstream,
            metrics_file,
            repeat,
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
                upstream,
                metrics_file,
                repeat,
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
