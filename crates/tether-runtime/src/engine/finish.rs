//! The final response of a call: validation by mode, the provider's error detail, the
//! next page of a paginated operation.

use reqwest::header::HeaderMap;
use tether_contract::policy::{PaginationStyle, ValidationMode};

use super::read::AttemptResponse;
use super::validation::ValidationJob;
use super::{Engine, FinalResponse};
use crate::error::{CallReport, Error, ProviderDetail};
use crate::meta::OperationMeta;
use crate::options::CallOptions;
use crate::options::NextPage;
use crate::paginate::{cursor_next, link_next, same_origin};

impl Engine {
    pub(super) fn finish(
        &self,
        op: &'static OperationMeta,
        options: &CallOptions,
        origin: Option<&reqwest::Url>,
        url: reqwest::Url,
        report: CallReport,
        received: AttemptResponse,
    ) -> Result<FinalResponse, Error> {
        let s = &*self.0;
        let AttemptResponse {
            status,
            version,
            headers,
            body,
            url: _,
        } = received;
        let mode = options.validation.unwrap_or(s.validation);
        let check = || ValidationJob {
            defaults: s.defaults,
            operation: op.id,
            correlation_id: report.correlation_id.clone(),
            status,
            headers: headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: body.clone(),
        };
        match mode {
            ValidationMode::Off => {}
            // Report mode never changes the result, so it stays off the caller's path:
            // the check runs on the blocking pool while the data is returned.
            ValidationMode::Report => {
                if self.sample(op) {
                    check().spawn();
                } else {
                    crate::telemetry::count(&self.keys(op).sampled_out);
                }
            }
            ValidationMode::Enforce => {
                if let Err(violations) = check().run() {
                    if (200..300).contains(&status) {
                        return Err(Error::ContractViolation {
                            report: Box::new(report),
                            status,
                            violations,
                        });
                    }
                }
            }
        }
        let detail = (status >= 400).then(|| Box::new(ProviderDetail::from_body(&body)));
        let next = if op.paginated && (200..300).contains(&status) {
            self.next_page(&headers, &body, origin.unwrap_or(&url))
                .map(Box::new)
        } else {
            None
        };
        Ok(FinalResponse {
            status,
            version,
            headers,
            body,
            url,
            report,
            detail,
            next,
        })
    }

    fn next_page(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        origin: &reqwest::Url,
    ) -> Option<NextPage> {
        let p = &self.0.policy.pagination;
        match p.style {
            PaginationStyle::LinkHeader => {
                let link = headers.get("link")?.to_str().ok()?;
                let next = reqwest::Url::parse(&link_next(link)?).ok()?;
                if same_origin(origin, &next) {
                    Some(NextPage::Url(next))
                } else {
                    tracing::warn!(target: "tether", next = %next.origin().ascii_serialization(), "next-page link points to another origin; not followed");
                    None
                }
            }
            PaginationStyle::CursorHasMore => {
                let value = cursor_next(
                    body,
                    p.has_more_field.as_deref()?,
                    p.items_field.as_deref()?,
                )?;
                Some(NextPage::Cursor {
                    param: p.cursor_param.clone()?,
                    value,
                })
            }
        }
    }
}
