//! The provider policy (`contracts/<provider>/provider.yaml`): auth, base URLs, pinned
//! headers, timeouts, retries, rate limits, idempotency, pagination and scopes.
//!
//! Every number (and every provider fact) is a [`Sourced`] value: it cites the provider
//! document it comes from, or says `assumed: true` with a reason. The file is checked
//! against `contracts/provider.schema.json` (embedded here) before it is typed, so a
//! typo or an unsourced number is reported with its JSON pointer.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ContractError;

/// The JSON Schema every `provider.yaml` must satisfy.
pub const POLICY_SCHEMA: &str = include_str!("../../../contracts/provider.schema.json");

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Provider document that states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `true` when no provider document states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed: Option<bool>,
    /// Why an assumed value was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the source was last checked (YYYY-MM-DD).
    pub checked: String,
    /// Free-form note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl<T> Sourced<T> {
    /// True when the value is an assumption rather than a documented fact.
    pub fn is_assumed(&self) -> bool {
        self.assumed == Some(true)
    }
}

/// A typed provider policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Provider name (folder name).
    pub provider: String,
    /// Human name.
    pub display_name: String,
    /// Provider documentation root.
    pub docs: String,
    /// Base URLs.
    pub base_urls: BaseUrls,
    /// Authentication.
    pub auth: Auth,
    /// Headers sent on every request.
    pub headers: Headers,
    /// Timeouts in seconds.
    pub timeouts: Timeouts,
    /// Retry policy.
    pub retry: Retry,
    /// Rate limits.
    pub rate_limits: Vec<RateLimit>,
    /// Circuit breaker per provider host.
    pub circuit_breaker: CircuitBreaker,
    /// Response body handling.
    pub responses: Responses,
    /// Idempotency keys.
    pub idempotency: Idempotency,
    /// Pagination model.
    pub pagination: Pagination,
    /// `components/schemas` key of the provider's error body.
    pub error_schema: String,
    /// Response header carrying the provider's request id.
    pub request_id_header: String,
    /// Response headers that announce deprecation.
    pub deprecation_headers: Vec<String>,
    /// Required scopes per operation id.
    #[serde(default)]
    pub scopes: BTreeMap<String, Sourced<Vec<String>>>,
}

/// Base URLs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseUrls {
    /// Production.
    pub production: Sourced<String>,
    /// Sandbox / test, where the provider has one.
    #[serde(default)]
    pub sandbox: Option<Sourced<String>>,
    /// Env var overriding the base URL (`GITHUB_API_BASE_URL`).
    pub override_env: String,
}

/// Authentication scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// HTTP Basic.
    Basic,
    /// API key in a header.
    ApiKeyHeader,
    /// OAuth2 client credentials.
    Oauth2ClientCredentials,
}

/// Authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// Scheme.
    pub scheme: AuthScheme,
    /// Env vars read in order; the first set wins.
    pub env: Sourced<Vec<String>>,
    /// Header for `api_key_header`.
    #[serde(default)]
    pub header: Option<Sourced<String>>,
    /// OAuth2 client-credentials settings.
    #[serde(default)]
    pub oauth2: Option<OAuth2>,
    /// Runbook path shown when credentials are missing.
    pub docs: String,
}

/// OAuth2 client-credentials settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2 {
    /// Token endpoint.
    pub token_url: Sourced<String>,
    /// Env var with the client id.
    pub client_id_env: String,
    /// Env var with the client secret.
    pub client_secret_env: String,
    /// Scopes requested.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The pinned version header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionHeader {
    /// Header name.
    pub name: String,
    /// Pinned value.
    pub value: String,
    /// Source.
    #[serde(default)]
    pub source: Option<String>,
    /// Assumed.
    #[serde(default)]
    pub assumed: Option<bool>,
    /// Reason for an assumption.
    #[serde(default)]
    pub reason: Option<String>,
    /// Checked date.
    pub checked: String,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Headers on every request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Headers {
    /// Version pin.
    pub version: VersionHeader,
    /// `Accept`.
    pub accept: Sourced<String>,
    /// `User-Agent`.
    pub user_agent: Sourced<String>,
}

/// Timeouts in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// TCP+TLS connect.
    pub connect: Sourced<f64>,
    /// One attempt.
    pub attempt: Sourced<f64>,
    /// Deadline across all attempts.
    pub overall: Sourced<f64>,
}

/// Jitter mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// Uniform in `[0, delay]`.
    Full,
    /// Uniform in `[delay/2, delay]`.
    Equal,
    /// No jitter.
    None,
}

/// Retry policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Attempts including the first.
    pub max_attempts: Sourced<u32>,
    /// First backoff.
    pub initial_backoff_ms: Sourced<u64>,
    /// Backoff cap.
    pub max_backoff_ms: Sourced<u64>,
    /// Jitter.
    pub jitter: Jitter,
    /// Statuses retried.
    pub retryable_statuses: Sourced<Vec<u16>>,
    /// Statuses never retried (unless a rule says otherwise).
    pub never_retry_statuses: Sourced<Vec<u16>>,
    /// Provider rules, in order.
    #[serde(default)]
    pub rules: Vec<RetryRule>,
    /// Whether `Retry-After` is honoured.
    pub honour_retry_after: Sourced<bool>,
    /// Retry quota (token bucket shared by the calls of one client partition).
    pub quota: RetryQuota,
}

/// A provider classifier rule, consulted before the status lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RetryRule {
    /// A response header decides: `true` forces a retry, `false` forbids one
    /// (Stripe's `Stripe-Should-Retry`).
    HeaderDecides {
        /// Header name.
        header: String,
        /// Where the provider documents it.
        source: String,
        /// When the source was read.
        checked: String,
        /// Note.
        #[serde(default)]
        note: Option<String>,
    },
    /// A 403 or 429 is a rate limit when the remaining header is `0` or the body names a
    /// secondary limit (GitHub); any other 403 is a permission error.
    #[serde(rename = "rate_limit_403")]
    RateLimit403 {
        /// Header with the requests left in the window.
        remaining_header: String,
        /// Header with the window reset (epoch seconds).
        reset_header: String,
        /// Text in the error message that marks a secondary limit.
        body_contains: String,
        /// Wait when neither `retry-after` nor a reset applies.
        fallback_wait_seconds: Sourced<f64>,
        /// Where the provider documents it.
        source: String,
        /// When the source was read.
        checked: String,
        /// Note.
        #[serde(default)]
        note: Option<String>,
    },
}

/// Retry quota numbers (AWS SDK standard mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryQuota {
    /// Initial and maximum tokens.
    pub capacity: Sourced<u32>,
    /// Tokens one retry takes.
    pub retry_cost: Sourced<u32>,
    /// Tokens one retry after a timeout/transport error takes.
    pub timeout_cost: Sourced<u32>,
    /// Tokens a first-attempt success returns.
    pub success_refill: Sourced<u32>,
}

/// Circuit breaker numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Attempts in the sliding window.
    pub window: Sourced<u32>,
    /// Attempts needed before a rate is computed.
    pub minimum_calls: Sourced<u32>,
    /// Failure rate that opens the breaker, in percent.
    pub failure_rate_percent: Sourced<u32>,
    /// Seconds open before half-open probes.
    pub open_seconds: Sourced<f64>,
    /// Probes while half-open.
    pub half_open_probes: Sourced<u32>,
}

/// Response validation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationMode {
    /// A contract violation is an error.
    Enforce,
    /// Log and count a violation, return the data.
    Report,
    /// Do not validate.
    Off,
}

/// Response handling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Responses {
    /// Validation mode.
    pub validation: ValidationMode,
    /// Largest body read.
    pub max_body_bytes: Sourced<u64>,
    /// Report-mode validations per second per operation.
    pub report_sample_per_second: Sourced<u32>,
}

/// One rate limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Name.
    pub name: String,
    /// Requests per window.
    pub requests: Sourced<u64>,
    /// Window length in seconds.
    pub per_seconds: Sourced<u64>,
    /// Client-side burst.
    pub burst: Sourced<u64>,
    /// What the limit is counted against.
    pub scope: String,
    /// Methods it applies to (all when absent).
    #[serde(default)]
    pub applies_to: Option<Vec<String>>,
    /// Concurrency ceiling.
    #[serde(default)]
    pub concurrency: Option<Sourced<u64>>,
    /// `live` or `test` where the provider distinguishes them.
    #[serde(default)]
    pub mode: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Idempotency keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Idempotency {
    /// Header name, where the provider supports keys.
    #[serde(default)]
    pub header: Option<Sourced<String>>,
    /// Maximum key length.
    #[serde(default)]
    pub max_length: Option<Sourced<u64>>,
    /// How long the provider keeps keys.
    #[serde(default)]
    pub key_retention_hours: Option<Sourced<u64>>,
    /// Operations that get a generated key.
    #[serde(default)]
    pub operations: Vec<String>,
}

/// Pagination style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaginationStyle {
    /// RFC 8288 `Link: <…>; rel="next"` (GitHub).
    LinkHeader,
    /// `starting_after` cursor + `has_more` (Stripe).
    CursorHasMore,
}

/// Pagination model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// Style.
    pub style: PaginationStyle,
    /// Page size parameter.
    pub page_size_param: String,
    /// Maximum page size.
    pub max_page_size: Sourced<u64>,
    /// Default page size.
    pub default_page_size: Sourced<u64>,
    /// Cursor parameter.
    #[serde(default)]
    pub cursor_param: Option<String>,
    /// `has_more` field.
    #[serde(default)]
    pub has_more_field: Option<String>,
    /// Items field.
    #[serde(default)]
    pub items_field: Option<String>,
}

fn schema_validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(POLICY_SCHEMA).map_err(|e| e.to_string())?;
            jsonschema::validator_for(&schema).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Policy {
    /// Whether `op` is a list operation with this provider's pagination: a GET taking the
    /// page-size or cursor parameter. Codegen (`stream()`), the runtime table, `xtask
    /// call` and the sandbox all decide it here.
    pub fn paginates(&self, op: &crate::Operation) -> bool {
        op.method == "get"
            && op.parameters.iter().any(|p| {
                p.name == self.pagination.page_size_param
                    || Some(&p.name) == self.pagination.cursor_param.as_ref()
            })
    }

    /// Load, schema-check and type a policy file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ContractError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ContractError::Io {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        Self::from_text(path, &text)
    }

    /// Check a policy held in memory.
    pub fn from_text(path: &Path, text: &str) -> Result<Self, ContractError> {
        let value = crate::document::parse_text(path, text)?;
        let problems = Self::problems(&value);
        if let Some((pointer, message)) = problems.into_iter().next() {
            return Err(ContractError::invalid(
                path,
                pointer,
                message,
                Some("see contracts/provider.schema.json; every number needs `source:` (a URL) or `assumed: true` with a `reason:`, plus `checked:`"),
            ));
        }
        serde_json::from_value(value).map_err(|e| {
            ContractError::invalid(
                path,
                "",
                format!("policy does not fit the model: {e}"),
                None,
            )
        })
    }

    /// Every schema violation and every unsourced number, as (pointer, message).
    pub fn problems(value: &Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        unsourced_numbers(value, &mut String::new(), false, &mut out);
        match schema_validator() {
            Ok(v) => {
                for e in v.iter_errors(value) {
                    out.push((
                        e.instance_path.to_string(),
                        format!("{e} (schema {})", e.schema_path),
                    ));
                }
            }
            Err(e) => out.push((
                String::new(),
                format!("the policy schema itself does not compile: {e}"),
            )),
        }
        out
    }

    /// Every value marked `assumed: true`, as (pointer, reason).
    pub fn assumptions(&self) -> Vec<(String, String)> {
        let value = serde_json::to_value(self).unwrap_or_default();
        let mut out = Vec::new();
        collect_assumed(&value, &mut String::new(), &mut out);
        out
    }
}

/// A number is sourced when some enclosing object (itself or an ancestor up to the
/// nearest wrapper) carries `source` or `assumed: true`.
fn unsourced_numbers(v: &Value, at: &mut String, covered: bool, out: &mut Vec<(String, String)>) {
    match v {
        Value::Number(n) if !covered => {
            out.push((at.clone(), format!("number {n} has no `source:` URL and is not marked `assumed: true` with a `reason:`")));
        }
        Value::Object(map) => {
            let here = covered
                || map
                    .get("source")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
                || map.get("assumed") == Some(&Value::Bool(true));
            for (k, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&crate::error::escape_token(k));
                unsourced_numbers(child, at, here, out);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                unsourced_numbers(child, at, covered, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

fn collect_assumed(v: &Value, at: &mut String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            if map.get("assumed") == Some(&Value::Bool(true)) {
                let reason = map
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("(no reason given)");
                out.push((at.clone(), reason.to_owned()));
            }
            for (k, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&crate::error::escape_token(k));
                collect_assumed(child, at, out);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                collect_assumed(child, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}
