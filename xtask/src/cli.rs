//! The `cargo xtask` command line (clap derive), in the library so tests can check that a
//! command written elsewhere (CI workflows, schedules) is one the CLI accepts:
//! `Cli::try_parse_from(["cargo xtask", "sentinel", ...])`.

#![allow(missing_docs)] // clap turns the doc comments into help text

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Tether: contract-first API clients",
    version
)]
pub struct Cli {
    /// Workspace root (defaults to the checkout this xtask was built from).
    #[arg(long, global = true)]
    pub root: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Measure codegen on real descriptions: a fixed-seed sample of operations, each
    /// extracted as a one-operation contract, generated and type-checked (BENCHMARKS.md).
    Corpus {
        /// A description file, or a directory searched for *.json / *.yaml.
        #[arg(long)]
        from: PathBuf,
        /// Descriptions to take from a directory (with one file: operations = this × per-provider).
        #[arg(long, default_value_t = 30)]
        providers: usize,
        /// Operations per description.
        #[arg(long, default_value_t = 2)]
        per_provider: usize,
        /// Seed of the sample.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Work folder: contracts, generated code, the check crate and report.md.
        #[arg(long, default_value = "target/corpus")]
        out: PathBuf,
        /// Also time `cargo check` of each passing operation alone (median, p90).
        #[arg(long)]
        per_operation: bool,
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
        format: crate::diff::Format,
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
        format: crate::validate::Format,
        /// How `nullable: true` is read: `provider` (default) admits null wherever it is
        /// written; `spec` follows OpenAPI 3.0.3 to the letter (only a sibling `type`).
        #[arg(long, value_enum, default_value = "provider")]
        nullable: crate::validate::Nullable,
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
    /// Build and run the sentinel binaries (sentinels/<provider>): each calls its
    /// provider's checks (sentinels/checks.yaml) and reports drift, live with credentials
    /// in env, else offline against the sandbox. Exit 0: no breaking drift; 1: breaking
    /// drift; 2: could not check.
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
        /// Also diff each contract against this newer upstream description (operations we use).
        #[arg(long, value_name = "FILE")]
        upstream: Option<PathBuf>,
        /// Write p95 latency, error rate and rate-limit headroom as Prometheus text here
        /// (for a node-exporter textfile collector; written atomically).
        #[arg(long, value_name = "FILE")]
        metrics_file: Option<PathBuf>,
        /// Call each check N times; the report gives latency p50/p95/max per check and
        /// judges "latency above policy" on the p95.
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..=1000))]
        repeat: u32,
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
pub enum WebhookCommand {
    /// Print the headers a provider would send for BODY, one `Name: value` a line.
    Sign {
        /// github, stripe, slack or standard.
        #[arg(long, value_parser = crate::webhook::parse_scheme)]
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
        #[arg(long, value_parser = crate::webhook::parse_scheme)]
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
pub enum FixturesCommand {
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
pub enum ContractCommand {
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
