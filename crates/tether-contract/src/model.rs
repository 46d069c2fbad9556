//! Typed access to the operations of a loaded OpenAPI 3.0 document.
//!
//! Schemas stay `serde_json::Value`s (with their `$ref`s) so that validators, codegen
//! and diffs all see exactly what the contract says; parameters, request bodies and
//! responses given as `$ref` are resolved here.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

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

/// The essence of a media type (RFC 9110 §8.3.1): `type/subtype`, lower case, without
/// parameters (`Application/JSON; charset=utf-8` → `application/json`).
pub fn media_essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// True for `application/json`, `application/vnd.github+json`, `…; charset=…`: the one
/// JSON media-type check of the workspace (validator, diff, codegen, webhook receiver).
pub fn is_json_media_type(media: &str) -> bool {
    is_json_essence(&media_essence(media))
}

/// [`is_json_media_type`] for an essence already taken ([`media_essence`]).
pub fn is_json_essence(essence: &str) -> bool {
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Follow `$ref` chains to the referenced object and its pointer.
fn deref<'a>(
    doc: &'a Value,
    node: &'a Value,
    at: String,
    file: &Path,
) -> Result<(&'a Value, String), ContractError> {
    match crate::reference::follow_with_pointer(doc, node) {
        Ok((followed, pointer)) => Ok((followed.node, pointer.unwrap_or(at))),
        Err(e) => Err(ContractError::invalid(
            file,
            format!("{at}/$ref"),
            e.to_string(),
            None,
        )),
    }
}

/// How strictly a document is read.
///
/// Contracts are read [`Reading::Strict`]: every rule Tether relies on holds, or loading
/// fails. Upstream descriptions (what `validate`, `diff`, `sentinel --upstream` and
/// `contract extract` are given) are read [`Reading::Lenient`], the way oasdiff and
/// openapi-schema-validator read them: what strict reading would refuse but can still be
/// understood is kept, with a fallback, and recorded in [`Document::tolerated`](crate::Document::tolerated). Only what
/// cannot be read at all (broken YAML/JSON, external or dangling `$ref`s) fails both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reading {
    /// Every rule holds (contracts).
    #[default]
    Strict,
    /// Tolerate what can be understood (upstream descriptions).
    Lenient,
}

impl Reading {
    /// Strict: `error`. Lenient: `error` remembered in `tolerated`, and the caller goes on
    /// with its fallback.
    pub(crate) fn tolerate(
        self,
        error: ContractError,
        tolerated: &mut Vec<Tolerated>,
    ) -> Result<(), ContractError> {
        match self {
            Reading::Strict => Err(error),
            Reading::Lenient => {
                tolerated.push(Tolerated::from(&error));
                Ok(())
            }
        }
    }
}

/// Something a lenient reading accepted that a strict one refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tolerated {
    /// JSON pointer of the construct.
    pub pointer: String,
    /// What strict reading says about it (file, pointer, rule, fix).
    pub message: String,
}

impl From<&ContractError> for Tolerated {
    fn from(error: &ContractError) -> Self {
        Self {
            pointer: error.pointer().unwrap_or_default().to_owned(),
            message: error.to_string(),
        }
    }
}

/// The key of an operation without an `operationId` when read leniently: `GET /designs`.
pub fn method_path_key(method: &str, path: &str) -> String {
    format!("{} {path}", method.to_ascii_uppercase())
}

/// Reads operations under one [`Reading`], collecting what it tolerated.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    file: &'a Path,
    doc: &'a Value,
    reading: Reading,
    /// In lenient reading, what strict reading would have refused, in document order.
    pub(crate) tolerated: Vec<Tolerated>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(file: &'a Path, doc: &'a Value, reading: Reading) -> Self {
        Self {
            file,
            doc,
            reading,
            tolerated: Vec::new(),
        }
    }

    /// Strict: the error. Lenient: remembered, and the caller goes on with its fallback.
    fn tolerate(&mut self, error: ContractError) -> Result<(), ContractError> {
        self.reading.tolerate(error, &mut self.tolerated)
    }

    pub(crate) fn invalid(
        &mut self,
        at: impl Into<String>,
        message: impl Into<String>,
        hint: Option<&str>,
    ) -> Result<(), ContractError> {
        let error = ContractError::invalid(self.file, at, message, hint);
        self.tolerate(error)
    }
}

/// Read every operation of the document (strictly), in path then method order.
pub fn operations(file: &Path, doc: &Value) -> Result<Vec<Operation>, ContractError> {
    Reader::new(file, doc, Reading::Strict).operations()
}

impl Reader<'_> {
    /// Every operation, in path then method order.
    pub(crate) fn operations(&mut self) -> Result<Vec<Operation>, ContractError> {
        let (file, doc) = (self.file, self.doc);
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
                self.invalid(
                    "/paths",
                    "missing `paths`",
                    Some("a contract holds at least one operation"),
                )?;
                return Ok(Vec::new());
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
                self.invalid(
                    item_ptr.clone(),
                    format!("path `{path}` must start with `/`"),
                    None,
                )?;
            }
            let Some(mut item_obj) = item.as_object() else {
                self.invalid(item_ptr, "path item must be a mapping", None)?;
                continue;
            };
            let mut item_ptr = item_ptr;
            if item_obj.contains_key("$ref") {
                self.tolerate(ContractError::Unsupported {
                    path: file.to_owned(),
                    pointer: format!("{item_ptr}/$ref"),
                    construct: "path item $ref".into(),
                    message: "inline the path item; `cargo xtask contract extract` does this"
                        .into(),
                })?;
                let (target, at) = deref(doc, item, item_ptr.clone(), file)?;
                let Some(target) = target.as_object() else {
                    self.invalid(at, "path item must be a mapping", None)?;
                    continue;
                };
                (item_obj, item_ptr) = (target, at);
            }
            let shared = match item_obj.get("parameters") {
                Some(p) => self.parameters(p, &format!("{item_ptr}/parameters"))?,
                None => Vec::new(),
            };
            for method in METHODS {
                let Some(op) = item_obj.get(*method) else {
                    continue;
                };
                let op_ptr = format!("{item_ptr}/{method}");
                let Some(op_obj) = op.as_object() else {
                    self.invalid(op_ptr, "operation must be a mapping", None)?;
                    continue;
                };
                let key = method_path_key(method, path);
                let mut id = match op_obj.get("operationId") {
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    _ => {
                        self.invalid(
                            op_ptr.clone(),
                            format!("{key} has no operationId"),
                            Some("add a unique `operationId`; generated method names and fixtures are keyed by it"),
                        )?;
                        key.clone()
                    }
                };
                if !seen.insert(id.clone()) {
                    self.invalid(
                        format!("{op_ptr}/operationId"),
                        format!("operationId `{id}` is used twice"),
                        Some("operationIds must be unique in a document"),
                    )?;
                    id = key;
                    seen.insert(id.clone());
                }
                let mut params = shared.clone();
                if let Some(p) = op_obj.get("parameters") {
                    for own in self.parameters(p, &format!("{op_ptr}/parameters"))? {
                        params.retain(|q| !(q.name == own.name && q.location == own.location));
                        params.push(own);
                    }
                }
                for segment in path_template_names(path) {
                    if !params
                        .iter()
                        .any(|p| p.location == ParamLocation::Path && p.name == segment)
                    {
                        self.invalid(
                            op_ptr.clone(),
                            format!("path template `{path}` uses `{{{segment}}}` but {id} declares no path parameter `{segment}`"),
                            Some("declare it under `parameters` with `in: path, required: true`"),
                        )?;
                        // What every reader of such a description assumes: a string.
                        params.push(Parameter {
                            name: segment,
                            location: ParamLocation::Path,
                            required: true,
                            style: None,
                            explode: None,
                            schema: serde_json::json!({"type": "string"}),
                            pointer: op_ptr.clone(),
                        });
                    }
                }
                let request_body = match op_obj.get("requestBody") {
                    Some(b) => Some(self.request_body(b, format!("{op_ptr}/requestBody"))?),
                    None => None,
                };
                let mut responses = Vec::new();
                match op_obj.get("responses") {
                    Some(Value::Object(rs)) if !rs.is_empty() => {
                        for (status, r) in rs.iter().filter(|(s, _)| !s.starts_with("x-")) {
                            let at = format!("{op_ptr}/responses/{}", escape_token(status));
                            if !valid_status(status) {
                                self.invalid(
                                    at,
                                    format!("`{status}` is not a status code, a range like `4XX`, or `default`"),
                                    None,
                                )?;
                                continue;
                            }
                            responses.push(self.response(status, r, at)?);
                        }
                    }
                    _ => self.invalid(
                        format!("{op_ptr}/responses"),
                        format!("{id} declares no responses"),
                        Some("declare at least the success response"),
                    )?,
                }
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

impl Reader<'_> {
    fn parameters(&mut self, list: &Value, at: &str) -> Result<Vec<Parameter>, ContractError> {
        let (file, doc) = (self.file, self.doc);
        let Some(items) = list.as_array() else {
            self.invalid(at, "`parameters` must be a list", None)?;
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (i, p) in items.iter().enumerate() {
            let (p, ptr) = deref(doc, p, format!("{at}/{i}"), file)?;
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                self.invalid(ptr, "parameter has no `name`", None)?;
                continue;
            };
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                Some("cookie") => ParamLocation::Cookie,
                other => {
                    self.invalid(
                        format!("{ptr}/in"),
                        format!("parameter `{name}`: `in` is {other:?}; expected path, query, header or cookie"),
                        None,
                    )?;
                    continue;
                }
            };
            let mut required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            if location == ParamLocation::Path && !required {
                self.invalid(
                    format!("{ptr}/required"),
                    format!(
                        "path parameter `{name}` must have `required: true` (OpenAPI 3.0 §4.7.12)"
                    ),
                    None,
                )?;
                required = true;
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

    fn content(&mut self, node: &Value, at: &str) -> Result<Vec<MediaType>, ContractError> {
        let map = match node.get("content") {
            None => return Ok(Vec::new()),
            Some(Value::Object(map)) => map,
            // `content:` written and left empty reads as YAML null.
            Some(_) => {
                self.invalid(format!("{at}/content"), "`content` must be a mapping", None)?;
                return Ok(Vec::new());
            }
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

    fn request_body(&mut self, body: &Value, at: String) -> Result<RequestBody, ContractError> {
        let (body, ptr) = deref(self.doc, body, at, self.file)?;
        Ok(RequestBody {
            required: body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            content: self.content(body, &ptr)?,
        })
    }

    fn response(&mut self, status: &str, r: &Value, at: String) -> Result<Response, ContractError> {
        let (file, doc) = (self.file, self.doc);
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
            content: self.content(r, &ptr)?,
            headers,
            pointer: ptr,
        })
    }
}
