//! Typed errors of a call. Every variant that follows a request carries a
//! [`CallReport`]: provider, operation id, provider request id and every attempt made.

use std::fmt;
use std::time::{Duration, SystemTime};

use tether_contract::validate::ValidationError;

use crate::auth::AuthError;

/// One attempt of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// 1-based.
    pub number: u32,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// What happened (`200`, `503 transient status`, `timeout`, `connect error`…).
    /// Borrowed for a success (the status alone, no string made per call).
    pub outcome: std::borrow::Cow<'static, str>,
    /// Time the attempt took.
    pub elapsed: Duration,
    /// Time waited before it (backoff, rate-limit wait).
    pub waited: Duration,
}

/// What a call did, attached to its result or error.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallReport {
    /// Provider.
    pub provider: &'static str,
    /// Contract operation id.
    pub operation: &'static str,
    /// The provider's request id from the last response (`x-github-request-id`,
    /// Stripe `request-id`).
    pub request_id: Option<String>,
    /// Our correlation id, sent as `x-correlation-id`.
    pub correlation_id: String,
    /// Idempotency key sent, if any.
    pub idempotency_key: Option<String>,
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
}

impl fmt::Display for CallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.attempts.len();
        write!(f, "{n} attempt{}", if n == 1 { "" } else { "s" })?;
        if n > 0 {
            let list: Vec<&str> = self.attempts.iter().map(|a| a.outcome.as_ref()).collect();
            write!(f, " [{}]", list.join(", "))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, "; provider request id {id}")?;
        }
        Ok(())
    }
}

/// What the provider's error body says, read from the raw JSON whatever the generated
/// type: GitHub `message`/`documentation_url`, Stripe `error.{type,code,param,message}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProviderDetail {
    /// Human message.
    pub message: Option<String>,
    /// GitHub `documentation_url`.
    pub documentation_url: Option<String>,
    /// Stripe `error.type`.
    pub kind: Option<String>,
    /// Stripe `error.code`.
    pub code: Option<String>,
    /// Stripe `error.param`.
    pub param: Option<String>,
}

impl ProviderDetail {
    /// Read the known fields from a body; nothing when it is not JSON.
    pub fn from_body(body: &[u8]) -> Self {
        let Ok(v) = crate::json::from_body::<serde_json::Value>(body) else {
            return Self::default();
        };
        let s = |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).map(str::to_owned);
        let inner = v.get("error").filter(|e| e.is_object()).unwrap_or(&v);
        Self {
            message: s(inner.get("message")),
            documentation_url: s(v.get("documentation_url")),
            kind: s(inner.get("type")),
            code: s(inner.get("code")),
            param: s(inner.get("param")),
        }
    }
}

impl fmt::Display for ProviderDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(k) = &self.kind {
            parts.push(k.clone());
        }
        if let Some(c) = &self.code {
            parts.push(format!("code {c}"));
        }
        if let Some(p) = &self.param {
            parts.push(format!("param {p}"));
        }
        if let Some(m) = &self.message {
            parts.push(format!("\"{m}\""));
        }
        if let Some(d) = &self.documentation_url {
            parts.push(format!("see {d}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// A call failed. `E` is the operation's generated error body type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E = serde_json::Value> {
    /// The client could not be built (bad base URL, TLS backend, policy).
    #[error("{provider}: cannot build the client: {message}")]
    Construction {
        /// Provider.
        provider: String,
        /// Why.
        message: String,
    },
    /// No credential, or the OAuth2 token could not be fetched.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request could not be built from the arguments.
    #[error("{provider} {operation}: invalid request: {message}")]
    Request {
        /// Provider.
        provider: &'static str,
        /// Operation.
        operation: &'static str,
        /// Why (missing required argument, body that cannot be encoded…).
        message: String,
    },
    /// The overall deadline (or the last attempt's timeout) passed.
    #[error("{} {}: timed out after {:.1?} ({report})", report.provider, report.operation, elapsed)]
    Timeout {
        /// Attempts.
        report: Box<CallReport>,
        /// Time spent in total.
        elapsed: Duration,
    },
    /// No HTTP response (connection refused/reset, DNS, TLS).
    #[error("{} {}: transport error: {message} ({report})", report.provider, report.operation)]
    Transport {
        /// Attempts.
        report: Box<CallReport>,
        /// The last transport error.
        message: String,
    },
    /// The provider (or our limiter) says wait longer than the deadline allows.
    #[error("{} {}: rate limited; retry after {wait:.1?}{} ({report})", report.provider, report.operation, reset_at.map(|r| format!(" (resets at {})", httpdate::fmt_http_date(r))).unwrap_or_default())]
    RateLimited {
        /// Attempts.
        report: Box<CallReport>,
        /// How long to wait.
        wait: Duration,
        /// When the window resets, if known.
        reset_at: Option<SystemTime>,
    },
    /// The shared rate-limit store (Redis) cannot answer and its mode is `fail_closed`
    /// (`TETHER_REDIS_MODE`); nothing was sent.
    #[error("{} {}: shared rate limiter unavailable ({message}); nothing was sent: restore Redis, or set TETHER_REDIS_MODE=fail_open to fall back to the per-process limiter", report.provider, report.operation)]
    LimiterUnavailable {
        /// Attempts made before the limiter refused (none for a first attempt).
        report: Box<CallReport>,
        /// What the store said.
        message: String,
    },
    /// The breaker for the provider host is open.
    #[error("{provider} {operation}: circuit open for {host}; retry in {retry_in:.1?}")]
    CircuitOpen {
        /// Provider.
        provider: &'static str,
        /// Operation.
        operation: &'static str,
        /// Host.
        host: String,
        /// Time until half-open.
        retry_in: Duration,
    },
    /// The response does not match the contract (validation mode `enforce`).
    #[error("{} {}: response {status} violates the contract: {} ({report})", report.provider, report.operation, summarize(violations))]
    ContractViolation {
        /// Attempts.
        report: Box<CallReport>,
        /// Status.
        status: u16,
        /// Every violation (pointer, keyword, schema path, message).
        violations: Vec<ValidationError>,
    },
    /// The provider answered with an error status.
    #[error("{} {}: HTTP {status}{} ({report})", report.provider, report.operation, if detail.message.is_some() || detail.kind.is_some() { format!(": {detail}") } else { String::new() })]
    Provider {
        /// Attempts.
        report: Box<CallReport>,
        /// Status.
        status: u16,
        /// The typed error body, when it parsed.
        body: Option<E>,
        /// The known error fields, read from the raw body.
        detail: Box<ProviderDetail>,
    },
    /// The response cannot be read: not JSON, truncated, wrong content type, a status
    /// the generated client has no type for, or a body that does not fit the type.
    #[error("{} {}: unreadable response (HTTP {status}): {message} ({report})", report.provider, report.operation)]
    InvalidResponse {
        /// Attempts.
        report: Box<CallReport>,
        /// Status.
        status: u16,
        /// What is wrong.
        message: String,
    },
    /// The body is larger than the policy's `responses.max_body_bytes`.
    #[error("{} {}: response body larger than the {limit}-byte limit (provider policy responses.max_body_bytes) ({report})", report.provider, report.operation)]
    BodyTooLarge {
        /// Attempts.
        report: Box<CallReport>,
        /// Limit.
        limit: u64,
    },
}

fn summarize(violations: &[ValidationError]) -> String {
    let mut s: Vec<String> = violations
        .iter()
        .take(3)
        .map(|v| {
            format!(
                "{} ({}): {}",
                if v.pointer.is_empty() {
                    "/"
                } else {
                    &v.pointer
                },
                v.keyword,
                v.message
            )
        })
        .collect();
    if violations.len() > 3 {
        s.push(format!("and {} more", violations.len() - 3));
    }
    s.join("; ")
}

impl<E> Error<E> {
    /// The call report, for every variant that made a request.
    pub fn report(&self) -> Option<&CallReport> {
        match self {
            Self::Timeout { report, .. }
            | Self::Transport { report, .. }
            | Self::RateLimited { report, .. }
            | Self::LimiterUnavailable { report, .. }
            | Self::ContractViolation { report, .. }
            | Self::Provider { report, .. }
            | Self::InvalidResponse { report, .. }
            | Self::BodyTooLarge { report, .. } => Some(report.as_ref()),
            _ => None,
        }
    }

    /// HTTP status of the final response, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::ContractViolation { status, .. }
            | Self::Provider { status, .. }
            | Self::InvalidResponse { status, .. } => Some(*status),
            _ => self
                .report()
                .and_then(|r| r.attempts.last())
                .and_then(|a| a.status),
        }
    }

    /// Attempts made.
    pub fn attempts(&self) -> &[Attempt] {
        self.report().map_or(&[], |r| r.attempts.as_slice())
    }

    /// The same error for another body type; `Provider` loses its typed body (the raw
    /// detail stays).
    pub fn erase_body<F>(self) -> Error<F> {
        match self {
            Self::Construction { provider, message } => Error::Construction { provider, message },
            Self::Auth(a) => Error::Auth(a),
            Self::Request {
                provider,
                operation,
                message,
            } => Error::Request {
                provider,
                operation,
                message,
            },
            Self::Timeout { report, elapsed } => Error::Timeout { report, elapsed },
            Self::Transport { report, message } => Error::Transport { report, message },
            Self::RateLimited {
                report,
                wait,
                reset_at,
            } => Error::RateLimited {
                report,
                wait,
                reset_at,
            },
            Self::LimiterUnavailable { report, message } => {
                Error::LimiterUnavailable { report, message }
            }
            Self::CircuitOpen {
                provider,
                operation,
                host,
                retry_in,
            } => Error::CircuitOpen {
                provider,
                operation,
                host,
                retry_in,
            },
            Self::ContractViolation {
                report,
                status,
                violations,
            } => Error::ContractViolation {
                report,
                status,
                violations,
            },
            Self::Provider {
                report,
                status,
                detail,
                ..
            } => Error::Provider {
                report,
                status,
                body: None,
                detail,
            },
            Self::InvalidResponse {
                report,
                status,
                message,
            } => Error::InvalidResponse {
                report,
                status,
                message,
            },
            Self::BodyTooLarge { report, limit } => Error::BodyTooLarge { report, limit },
        }
    }
}

/// A reqwest error in words, without the URL (which may carry a query string with
/// secrets or personal data).
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect error"
    } else if e.is_body() || e.is_decode() {
        "body error"
    } else if e.is_request() {
        "request error"
    } else {
        "error"
    };
    let mut msg = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
