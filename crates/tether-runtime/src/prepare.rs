//! Make a request built by progenitor's typed builder (or by a tool) into the request
//! the provider expects: policy headers, wire format, a stream's page.

use reqwest::header::{HeaderValue, CONTENT_TYPE};

use crate::meta::OperationMeta;
use crate::options::CallOptions;

/// A request could not be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The generated client reported an operation its own table does not list.
    #[error("{provider}: operation `{id}` is not in the generated operation table (regenerate the client)")]
    UnknownOperation {
        /// Provider.
        provider: &'static str,
        /// Id reported by progenitor.
        id: String,
    },
    /// The typed body could not be re-encoded as a form.
    #[error("{operation}: cannot form-encode the request body: {reason}")]
    Form {
        /// Operation id.
        operation: &'static str,
        /// Why.
        reason: String,
    },
    /// The typed body could not be written as `multipart/form-data` parts.
    #[error("{operation}: cannot write the request body as multipart/form-data: {source}")]
    Multipart {
        /// Operation id.
        operation: &'static str,
        /// Why.
        #[source]
        source: crate::multipart::MultipartError,
    },
}

impl crate::engine::Engine {
    /// Apply the policy headers and restore the contract's wire format (a request built
    /// outside generated code: the sentinel's, `xtask call`'s).
    pub fn prepare(
        &self,
        request: &mut reqwest::Request,
        rust_name: &str,
    ) -> Result<&'static OperationMeta, PrepareError> {
        self.prepare_call(request, rust_name, &CallOptions::default())
    }

    /// [`Engine::prepare`] for one call of generated code, with its options: a stream's
    /// page (the next link followed, or the cursor set; the policy's largest page size
    /// unless the caller chose one).
    pub(crate) fn prepare_call(
        &self,
        request: &mut reqwest::Request,
        rust_name: &str,
        options: &CallOptions,
    ) -> Result<&'static OperationMeta, PrepareError> {
        let d = self.defaults();
        let op = d
            .operation(rust_name)
            .ok_or_else(|| PrepareError::UnknownOperation {
                provider: d.provider,
                id: rust_name.to_owned(),
            })?;
        let headers = request.headers_mut();
        // Built and checked once with the client: no name parsed, no value copied here.
        for (name, value) in self.policy_headers() {
            headers.insert(name.clone(), value.clone());
        }
        if op.form_body {
            encode_form_body(request, op)?;
        }
        if let Some(binary) = op.multipart {
            encode_multipart_body(request, op, binary)?;
        }
        if let Some(media_type) = op.body_media_type {
            // Codegen only records media types that are valid header values.
            if let Ok(value) = reqwest::header::HeaderValue::from_str(media_type) {
                request
                    .headers_mut()
                    .insert(reqwest::header::CONTENT_TYPE, value);
            }
        }
        if !op.deep_object_arrays.is_empty() {
            rewrite_deep_object_arrays(request.url_mut(), op.deep_object_arrays);
        }
        self.apply_page(request, options);
        Ok(op)
    }

    /// A stream's page request: follow the next link, or set the cursor; and ask for the
    /// largest page the policy allows unless the caller chose a size. Nothing for a call
    /// that is not a stream's page.
    fn apply_page(&self, request: &mut reqwest::Request, options: &CallOptions) {
        let p = &self.policy().pagination;
        match &options.page {
            Some(crate::options::NextPage::Url(next)) => {
                *request.url_mut() = next.clone();
                return;
            }
            Some(crate::options::NextPage::Cursor { param, value }) => {
                set_query(request.url_mut(), param, value);
            }
            None => {}
        }
        if options.page_size_default
            && !request
                .url()
                .query_pairs()
                .any(|(k, _)| k == p.page_size_param.as_str())
        {
            set_query(
                request.url_mut(),
                &p.page_size_param,
                &p.max_page_size.value.to_string(),
            );
        }
    }
}

/// The typed (JSON) body re-encoded by `encode`, which gives the bytes and their
/// `Content-Type`; no body, nothing to do.
fn reencode_body(
    request: &mut reqwest::Request,
    encode: impl FnOnce(
        Result<serde_json::Value, String>,
    ) -> Result<(Vec<u8>, HeaderValue), PrepareError>,
) -> Result<(), PrepareError> {
    let Some(bytes) = request.body().and_then(reqwest::Body::as_bytes) else {
        return Ok(());
    };
    let json = serde_json::from_slice(bytes).map_err(|e| format!("typed body is not JSON: {e}"));
    let (body, content_type) = encode(json)?;
    *request.body_mut() = Some(reqwest::Body::from(body));
    request.headers_mut().insert(CONTENT_TYPE, content_type);
    Ok(())
}

fn encode_form_body(
    request: &mut reqwest::Request,
    op: &'static OperationMeta,
) -> Result<(), PrepareError> {
    let form = |reason| PrepareError::Form {
        operation: op.id,
        reason,
    };
    reencode_body(request, |json| {
        let encoded = crate::form::encode(&json.map_err(form)?).map_err(|e| form(e.to_string()))?;
        Ok((
            encoded.into_bytes(),
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        ))
    })
}

fn encode_multipart_body(
    request: &mut reqwest::Request,
    op: &'static OperationMeta,
    binary: &[&str],
) -> Result<(), PrepareError> {
    let multipart = |source| PrepareError::Multipart {
        operation: op.id,
        source,
    };
    reencode_body(request, |json| {
        let json = json.map_err(|_| multipart(crate::multipart::MultipartError::NotAnObject))?;
        let (body, content_type) = crate::multipart::encode(&json, binary).map_err(multipart)?;
        let content_type = HeaderValue::from_str(&content_type).map_err(|_| {
            multipart(crate::multipart::MultipartError::ContentType(
                content_type.clone(),
            ))
        })?;
        Ok((body, content_type))
    })
}

/// `expand=a&expand=b` → `expand[0]=a&expand[1]=b` for the listed names; other pairs
/// keep their order and bytes.
pub fn rewrite_deep_object_arrays(url: &mut reqwest::Url, names: &[&str]) {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !pairs.iter().any(|(k, _)| names.contains(&k.as_str())) {
        return;
    }
    let mut counters = std::collections::HashMap::<String, usize>::new();
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        if names.contains(&k.as_str()) {
            let i = counters.entry(k.clone()).or_default();
            out.append_pair(&format!("{k}[{i}]"), v);
            *i += 1;
        } else {
            out.append_pair(k, v);
        }
    }
    url.set_query(Some(&out.finish()));
}

/// Set `name=value` in the query, replacing any existing `name`.
fn set_query(url: &mut reqwest::Url, name: &str, value: &str) {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut q = url.query_pairs_mut();
    q.clear();
    for (k, v) in &pairs {
        q.append_pair(k, v);
    }
    q.append_pair(name, value);
}
