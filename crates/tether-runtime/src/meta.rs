//! The static tables a generated client carries: one [`OperationMeta`] per operation and
//! the provider's [`RequestDefaults`], both emitted by `tether-codegen` from the contract
//! and `provider.yaml`.

use std::time::Duration;

/// What the runtime needs to know about one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationMeta {
    /// `operationId` as written in the contract (`repos/get`).
    pub id: &'static str,
    /// The id progenitor reports in `OperationInfo` (`repos_get`), also the method name.
    pub rust_name: &'static str,
    /// Uppercase HTTP method.
    pub method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// Safe to retry without an idempotency key (RFC 9110 idempotent method).
    pub idempotent: bool,
    /// A list operation with provider pagination.
    pub paginated: bool,
    /// The policy marks it to carry an idempotency key.
    pub idempotency_key: bool,
    /// The contract's body is `application/x-www-form-urlencoded`; the typed body is
    /// JSON-shaped and must be form-encoded before sending.
    pub form_body: bool,
    /// The contract's request body media type when the typed client sends raw bytes under
    /// another name (`text/csv`, `image/png`, `application/xml`: progenitor types them as
    /// `application/octet-stream` or `text/plain`); the runtime sends this `Content-Type`.
    pub body_media_type: Option<&'static str>,
    /// The contract's body is `multipart/form-data`: the typed body is the JSON object of
    /// its fields, written as parts before sending; these are the binary fields, as `name`
    /// or `name=content/type`.
    pub multipart: Option<&'static [&'static str]>,
    /// deepObject array query parameters to send as `name[0]=…`.
    pub deep_object_arrays: &'static [&'static str],
    /// Scopes/permissions the policy says the operation needs.
    pub scopes: &'static [&'static str],
}

/// The provider policy values that apply to every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestDefaults {
    /// Provider name.
    pub provider: &'static str,
    /// Production base URL from the policy.
    pub production_base_url: &'static str,
    /// Env var that overrides the base URL.
    pub base_url_env: &'static str,
    /// Headers set on every request (lowercase names): version pin, Accept, User-Agent.
    pub headers: &'static [(&'static str, &'static str)],
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Per-attempt timeout.
    pub attempt_timeout: Duration,
    /// Overall deadline of a call, across attempts and waits.
    pub overall_timeout: Duration,
    /// The provider policy text (`contracts/<provider>/provider.yaml`), parsed once.
    pub policy: &'static str,
    /// The contract text, for response validation.
    pub contract: &'static str,
    /// Repo-relative path of the contract (messages; YAML vs JSON).
    pub contract_path: &'static str,
    /// Every operation of the contract.
    pub operations: &'static [OperationMeta],
}

impl RequestDefaults {
    /// Look an operation up by the id progenitor reports (`repos_get`) or the contract
    /// id (`repos/get`).
    pub fn operation(&self, id: &str) -> Option<&'static OperationMeta> {
        self.operations
            .iter()
            .find(|o| o.rust_name == id || o.id == id)
    }

    /// The base URL to use: `<PROVIDER>_API_BASE_URL` when set and non-empty, else the
    /// policy's production URL.
    pub fn base_url(&self) -> String {
        std::env::var(self.base_url_env)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| self.production_base_url.to_owned())
    }
}
