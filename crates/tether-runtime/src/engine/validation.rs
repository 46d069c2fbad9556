//! Response validation against the contract: the report-mode sampler and the check job
//! (on the blocking pool in report mode, inline in enforce mode).

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::registry::validator;
use super::Engine;
use crate::meta::{OperationMeta, RequestDefaults};

/// One response to check against the contract.
pub(super) struct ValidationJob {
    pub(super) defaults: &'static RequestDefaults,
    pub(super) operation: &'static str,
    /// The call's, for the violation's log line.
    pub(super) correlation_id: String,
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Bytes,
}

/// Report-mode checks waiting on the blocking pool; beyond the cap a check is skipped
/// and counted (`tether_validation_skipped_total`) rather than queued without bound.
static PENDING_CHECKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const MAX_PENDING_CHECKS: usize = 64;

impl ValidationJob {
    /// Validate, log and count violations.
    pub(super) fn run(&self) -> Result<(), Vec<tether_contract::validate::ValidationError>> {
        let provider = self.defaults.provider;
        let v = match validator(self.defaults) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(target: "tether::contract", provider, error = %e, "contract validator unavailable; response not validated");
                return Ok(());
            }
        };
        let result = v.validate_response(self.operation, self.status, &self.headers, &self.body);
        if let Err(violations) = &result {
            metrics::counter!(crate::telemetry::names::CONTRACT_VIOLATIONS, "provider" => provider, "operation" => self.operation)
                .increment(violations.len() as u64);
            let pointers: Vec<String> = violations
                .iter()
                .map(|v| {
                    let at = if v.pointer.is_empty() {
                        "(body)"
                    } else {
                        &v.pointer
                    };
                    format!("{at} ({})", v.keyword)
                })
                .collect();
            tracing::warn!(target: "tether::contract", provider, operation = self.operation, correlation_id = self.correlation_id.as_str(), status = self.status, violations = %pointers.join(", "), "response violates the contract");
        }
        result
    }

    /// Run in the background (inline when there is no tokio runtime).
    pub(super) fn spawn(self) {
        use std::sync::atomic::Ordering;
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            let _ = self.run();
            return;
        };
        if PENDING_CHECKS.fetch_add(1, Ordering::AcqRel) >= MAX_PENDING_CHECKS {
            PENDING_CHECKS.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!(crate::telemetry::names::VALIDATION_SKIPPED, "provider" => self.defaults.provider, "operation" => self.operation).increment(1);
            return;
        }
        let span = tracing::Span::current();
        handle.spawn_blocking(move || {
            let _enter = span.enter();
            let _ = self.run();
            PENDING_CHECKS.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

impl Engine {
    /// Whether to validate this report-mode response: at most `report_sample` per
    /// second per operation and client, with a burst of one second's worth, the first
    /// response always. A GCRA on one atomic per operation: a response not sampled (the
    /// common case) only reads it, so threads do not fight over a lock per call.
    pub(super) fn sample(&self, op: &'static OperationMeta) -> bool {
        let s = &*self.0;
        if s.report_sample.is_infinite() {
            return true;
        }
        let Some(i) = self.op_index(op) else {
            return true; // an operation outside the generated table: always checked
        };
        let interval = if s.report_sample > 0.0 {
            (1e9 / s.report_sample) as u64
        } else {
            u64::MAX
        };
        let tolerance = interval.saturating_mul(s.report_sample.max(1.0) as u64 - 1);
        let now = s
            .clock
            .now()
            .saturating_duration_since(s.sample_base)
            .as_nanos() as u64;
        s.samplers[i]
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                (now.saturating_add(tolerance) >= tat)
                    .then(|| tat.max(now).saturating_add(interval))
            })
            .is_ok()
    }
}
