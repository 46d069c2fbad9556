//! Typed access to the operations of a loaded OpenAPI 3.0 document.
//!
//! Schemas stay `serde_json::Value`s (with their `$ref`s) so that validators, codegen
//! and diffs all see exactly what the contract says; parameters, request bodies and
//! responses given as `$ref` are resolved here.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::document::resolve_ref;
use crate::error::{escape_token, ContractError};

/// HTTP methods an OpenAPI path item may hold, in the order OpenAPI lists them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId`, exactly as written (`repos/get`, `PostCustomers`).
    pub id: String,
    /// Lowercase HTTP method.
    pub method: String,
    /// Path template, e.g. `/repos/{owner}/{repo}`.
    pub path: String,
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// Path-level and operation-level parameters (operation wins on name+location).
    pub parameters: Vec<Parameter>,
    /// Request body, if declared.
    pub request_body: Option<RequestBody>,
    /// Responses in document order.
    pub responses: Vec<Response>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Short summary, when given.
    pub summary: Option<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamLocation {
    /// `in: path`
    Path,
    /// `in: query`
    Query,
    /// `in: header`
    Header,
    /// `in: cookie`
    Cookie,
}

/// A resolved parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Name.
    pub name: String,
    /// Location.
    pub location: ParamLocation,
    /// Required (always true for path parameters).
    pub required: bool,
    /// `style`, when given.
    pub style: Option<String>,
    /// `explode`, when given.
    pub explode: Option<bool>,
    /// Schema (may be a `$ref`); `{}` when absent.
    pub schema: Value,
    /// Pointer of the parameter object (after `$ref` resolution).
    pub pointer: String,
}

/// A media type entry of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaType {
    /// e.g. `application/json`.
    pub media_type: String,
    /// Schema (may be a `$ref`).
    pub schema: Option<Value>,
    /// Pointer of the schema (or of the media type object when there is none).
    pub pointer: String,
}

/// A resolved request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// `required: true`.
    pub required: bool,
    /// Media types in document order.
    pub content: Vec<MediaType>,
}

/// A declared response header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Header name as written.
    pub name: String,
    /// `required: true`.
    pub required: bool,
    /// Schema, `{}` when absent.
    pub schema: Value,
}

/// A resolved response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// `200`, `4XX` or `default`.
    pub status: String,
    /// Media types in document order (empty for body-less responses).
    pub content: Vec<MediaType>,
    /// Declared headers.
    pub headers: Vec<Header>,
    /// Pointer of the response object (after `$ref` resolution).
    pub pointer: String,
}

impl Response {
    /// True for `2XX`-class statuses (`200`, `204`, `2XX`).
    pub fn is_success(&self) -> bool {
        self.status.starts_with('2')
    }

    /// Whether this entry covers `code` (exact, range like `4XX`, or `default`).
    pub fn covers(&self, code: u16) -> bool {
        let s = self.status.as_str();
        if s == "default" {
            return true;
        }
        if let Some(class) = s.strip_suffix("XX") {
            return class.parse::<u16>().ok() == Some(code / 100);
        }
        s.parse::<u16>().ok() == Some(code)
    }

    /// The JSON body media type (`application/json` or any `+json`), if any.
    pub fn json_body(&self) -> Option<&MediaType> {
        self.content
            .iter()
            .find(|m| is_json_media_type(&m.media_type))
    }
}

impl Operation {
    /// The response entry that applies to `code`: exact status, then range, then `default`.
    pub fn response_for(&self, code: u16) -> Option<&Response> {
        let exact = code.to_string();
        self.responses
            .iter()
            .find(|r| r.status == exact)
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status.ends_with("XX") && r.covers(code))
            })
            .or_else(|| self.responses.iter().find(|r| r.status == "default"))
    }

    /// The success responses (2xx).
    pub fn success_responses(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| r.is_success())
    }

    /// GET, HEAD, OPTIONS, TRACE, PUT and DELETE are idempotent (RFC 9110 §9.2.2).
    pub fn is_idempotent_method(&self) -> bool {
        matches!(
            self.method.as_str(),
            "get" | "head" | "options" | "trace" | "put" | "delete"
        )
    }
}

/// True for `application/json`, `application/vnd.github+json`, `…; charset=…`.
pub fn is_json_media_type(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Follow `$ref` chains (at most 32 hops) to the referenced object and its pointer.
fn deref<'a>(
    doc: &'a Value,
    node: &'a Value,
    at: String,
    file: &Path,
) -> Result<(&'a Value, String), ContractError> {
    let mut node = node;
    let mut at = at;
    for _ in 0..32 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let target = resolve_ref(doc, r).ok_or_else(|| {
                    ContractError::invalid(
                        file,
                        format!("{at}/$ref"),
                        format!("`$ref: {r}` does not resolve"),
                        None,
                    )
                })?;
                at = r.trim_start_matches('#').to_owned();
                node = target;
            }
            None => return Ok((node, at)),
        }
    }
    Err(ContractError::invalid(
        file,
        at,
        "`$ref` chain longer than 32 hops (a cycle?)",
        None,
    ))
}

/// Read every operation of the document, in path then method order.
pub fn operations(file: &Path, doc: &Value) -> Result<Vec<Operation>, ContractError> {
    let paths = match doc.get("paths") {
        Some(Value::Object(p)) => p,
        Some(_) => {
            return Err(ContractError::invalid(
                file,
                "/paths",
                "`paths` must be a mapping",
                None,
            ))
        }
        None => {
            return Err(ContractError::invalid(
                file,
                "/paths",
                "missing `paths`",
                Some("a contract holds at least one operation"),
            ))
        }
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, item) in paths {
        if path.starts_with("x-") {
            continue; // specification extension (OpenAPI 3.0.3 §4.7.8)
        }
        let item_ptr = format!("/paths/{}", escape_token(path));
        if !path.starts_with('/') {
            return Err(ContractError::invalid(
                file,
                item_ptr,
                format!("path `{path}` must start with `/`"),
                None,
            ));
        }
        let Some(item_obj) = item.as_object() else {
            return Err(ContractError::invalid(
                file,
                item_ptr,
                "path item must be a mapping",
                None,
            ));
        };
        if item_obj.contains_key("$ref") {
            return Err(ContractError::Unsupported {
                path: file.to_owned(),
                pointer: format!("{item_ptr}/$ref"),
                construct: "path item $ref".into(),
                message: "inline the path item; `cargo xtask contract extract` does this".into(),
            });
        }
        let shared = match item_obj.get("parameters") {
            Some(p) => parameters(file, doc, p, &format!("{item_ptr}/parameters"))?,
            None => Vec::new(),
        };
        for method in METHODS {
            let Some(op) = item_obj.get(*method) else {
                continue;
            };
            let op_ptr = format!("{item_ptr}/{method}");
            let Some(op_obj) = op.as_object() else {
                return Err(ContractError::invalid(
                    file,
                    op_ptr,
                    "operation must be a mapping",
                    None,
                ));
            };
            let id = match op_obj.get("operationId") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                _ => {
                    return Err(ContractError::invalid(
                        file,
                        op_ptr,
                        format!("{} {path} has no operationId", method.to_uppercase()),
                        Some("add a unique `operationId`; generated method names and fixtures are keyed by it"),
                    ))
                }
            };
            if !seen.insert(id.clone()) {
                return Err(ContractError::invalid(
                    file,
                    format!("{op_ptr}/operationId"),
                    format!("operationId `{id}` is used twice"),
                    Some("operationIds must be unique in a document"),
                ));
            }
            let mut params = shared.clone();
            if let Some(p) = op_obj.get("parameters") {
                for own in parameters(file, doc, p, &format!("{op_ptr}/parameters"))? {
                    params.retain(|q| !(q.name == own.name && q.location == own.location));
                    params.push(own);
                }
            }
            for segment in path_template_names(path) {
                if !params
                    .iter()
                    .any(|p| p.location == ParamLocation::Path && p.name == segment)
                {
                    return Err(ContractError::invalid(
                        file,
                        op_ptr.clone(),
                        format!("path template `{path}` uses `{{{segment}}}` but {id} declares no path parameter `{segment}`"),
                        Some("declare it under `parameters` with `in: path, required: true`"),
                    ));
                }
            }
            let request_body = match op_obj.get("requestBody") {
                Some(b) => Some(request_body(file, doc, b, format!("{op_ptr}/requestBody"))?),
                None => None,
            };
            let responses = match op_obj.get("responses") {
                Some(Value::Object(rs)) if !rs.is_empty() => {
                    let mut list = Vec::new();
                    for (status, r) in rs.iter().filter(|(s, _)| !s.starts_with("x-")) {
                        let at = format!("{op_ptr}/responses/{}", escape_token(status));
                        if !valid_status(status) {
                            return Err(ContractError::invalid(
                                file,
                                at,
                                format!("`{status}` is not a status code, a range like `4XX`, or `default`"),
                                None,
                            ));
                        }
                        list.push(response(file, doc, status, r, at)?);
                    }
                    list
                }
                _ => {
                    return Err(ContractError::invalid(
                        file,
                        format!("{op_ptr}/responses"),
                        format!("{id} declares no responses"),
                        Some("declare at least the success response"),
                    ))
                }
            };
            out.push(Operation {
                id,
                method: (*method).to_owned(),
                path: path.clone(),
                pointer: op_ptr,
                parameters: params,
                request_body,
                responses,
                deprecated: op_obj
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                summary: op_obj
                    .get("summary")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
    }
    Ok(out)
}

fn valid_status(s: &str) -> bool {
    if s == "default" {
        return true;
    }
    let b = s.as_bytes();
    b.len() == 3
        && (b'1'..=b'5').contains(&b[0])
        && ((b[1].is_ascii_digit() && b[2].is_ascii_digit()) || (b[1] == b'X' && b[2] == b'X'))
}

/// Names used in `{…}` segments of a path template.
pub fn path_template_names(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        names.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    names
}

fn parameters(
    file: &Path,
    doc: &Value,
    list: &Value,
    at: &str,
) -> Result<Vec<Parameter>, ContractError> {
    let Some(items) = list.as_array() else {
        return Err(ContractError::invalid(
            file,
            at,
            "`parameters` must be a list",
            None,
        ));
    };
    let mut out = Vec::new();
    for (i, p) in items.iter().enumerate() {
        let (p, ptr) = deref(doc, p, format!("{at}/{i}"), file)?;
        let name = p.get("name").and_then(Value::as_str).ok_or_else(|| {
            ContractError::invalid(file, ptr.clone(), "parameter has no `name`", None)
        })?;
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("cookie") => ParamLocation::Cookie,
            other => {
                return Err(ContractError::invalid(
                    file,
                    format!("{ptr}/in"),
                    format!(
                    "parameter `{name}`: `in` is {other:?}; expected path, query, header or cookie"
                ),
                    None,
                ))
            }
        };
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        if location == ParamLocation::Path && !required {
            return Err(ContractError::invalid(
                file,
                format!("{ptr}/required"),
                format!("path parameter `{name}` must have `required: true` (OpenAPI 3.0 §4.7.12)"),
                None,
            ));
        }
        out.push(Parameter {
            name: name.to_owned(),
            location,
            required,
            style: p.get("style").and_then(Value::as_str).map(str::to_owned),
            explode: p.get("explode").and_then(Value::as_bool),
            schema: p
                .get("schema")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default())),
            pointer: ptr,
        });
    }
    Ok(out)
}

fn content(file: &Path, node: &Value, at: &str) -> Result<Vec<MediaType>, ContractError> {
    let Some(c) = node.get("content") else {
        return Ok(Vec::new());
    };
    let Some(map) = c.as_object() else {
        return Err(ContractError::invalid(
            file,
            format!("{at}/content"),
            "`content` must be a mapping",
            None,
        ));
    };
    Ok(map
        .iter()
        .map(|(media, mt)| {
            let mt_ptr = format!("{at}/content/{}", escape_token(media));
            let schema = mt.get("schema").cloned();
            let pointer = if schema.is_some() {
                format!("{mt_ptr}/schema")
            } else {
                mt_ptr
            };
            MediaType {
                media_type: media.clone(),
                schema,
                pointer,
            }
        })
        .collect())
}

fn request_body(
    file: &Path,
    doc: &Value,
    body: &Value,
    at: String,
) -> Result<RequestBody, ContractError> {
    let (body, ptr) = deref(doc, body, at, file)?;
    Ok(RequestBody {
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content: content(file, body, &ptr)?,
    })
}

fn response(
    file: &Path,
    doc: &Value,
    status: &str,
    r: &Value,
    at: String,
) -> Result<Response, ContractError> {
    let (r, ptr) = deref(doc, r, at, file)?;
    let mut headers = Vec::new();
    if let Some(hs) = r.get("headers").and_then(Value::as_object) {
        for (name, h) in hs {
            let (h, _) = deref(
                doc,
                h,
                format!("{ptr}/headers/{}", escape_token(name)),
                file,
            )?;
            headers.push(Header {
                name: name.clone(),
                required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema: h
                    .get("schema")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default())),
            });
        }
    }
    Ok(Response {
        status: status.to_owned(),
        content: content(file, r, &ptr)?,
        headers,
        pointer: ptr,
    })
}
