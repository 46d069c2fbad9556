//! Validating HTTP requests and responses against a contract.
//!
//! [`ContractValidator::new`] converts every request and response body schema of a
//! [`Document`] (OpenAPI 3.0 Schema Objects) into one JSON Schema 2020-12 document and
//! compiles each body schema once, twice over:
//!
//! * for the **fast path** (`fast`): an arena of nodes checked while `serde_json` reads
//!   the bytes, with no [`serde_json::Value`] built (keys and strings borrowed from the
//!   input). It answers valid, invalid, or unsupported (the body's schema reaches a
//!   keyword it does not implement exactly: decided once, when compiling);
//! * for the **`jsonschema` path** (`compile`): the `jsonschema` crate's validator, the
//!   authority on errors.
//!
//! A JSON body given as bytes ([`ContractValidator::validate_response`], a raw JSON
//! [`RequestBody`]) goes through the fast path first; when it says valid, that is the
//! answer. Otherwise (invalid, unsupported, not JSON) the body is parsed into a `Value`,
//! the `jsonschema` validator's `is_valid` decides and, when that fails, the errors are
//! collected, each mapped back to the place in the contract that the value breaks
//! ([`ValidationError::schema_path`]). So errors are exactly what the `jsonschema` path
//! says, and the fast path may only say "valid" where the `jsonschema` path would too
//! (tested on every fixture body and on mutated ones). Bodies handed in as a `Value`
//! (and form bodies, typed from strings first) use the `jsonschema` path only.
//!
//! # OpenAPI 3.0 semantics
//!
//! * `nullable: true` admits `null` (also on `enum`s, on `allOf`/`anyOf`/`oneOf`
//!   wrappers and beside a `$ref`); without it `null` is a `type` error whose message
//!   says the schema is not nullable. This is [`NullableReading::Provider`], the
//!   default; [`NullableReading::Spec`] follows the letter of OpenAPI 3.0.3 instead
//!   (`nullable` only widens a `type` written in the same object).
//! * `exclusiveMinimum` / `exclusiveMaximum` are the 3.0 booleans.
//! * `additionalProperties`: absent allows anything, `false` rejects extra properties
//!   (one `additionalProperties` error per property), a schema checks them.
//! * `discriminator` beside `oneOf` / `anyOf`: an object is checked against the schema
//!   its property value maps to (explicit `mapping`, else the component name) and only
//!   that one; a missing or unknown value is a `discriminator` error. Without
//!   `oneOf`/`anyOf` (allOf-inheritance style) it is an annotation.
//! * `readOnly` properties are not required in requests, `writeOnly` ones not in responses.
//! * Siblings of `$ref` are ignored as 3.0 says, except `nullable: true`.
//! * Annotations (`example`, `x-*`, `xml`, `externalDocs`, `deprecated`, `title`,
//!   `description`, `default`) are dropped; keywords OpenAPI 3.0 does not have are ignored.
//! * Schemas that reach themselves without descending into a property or item
//!   (`a: {$ref: b}`, `b: {allOf: [{$ref: a}]}`) are refused by [`ContractValidator::new`].
//!
//! # Formats
//!
//! With [`FormatPolicy::Assert`] (the default) these formats are asserted:
//!
//! | format | rule |
//! |---|---|
//! | `date-time` | RFC 3339 `date-time` |
//! | `date` | RFC 3339 `full-date` |
//! | `uri` | RFC 3986 URI (absolute, with scheme) |
//! | `email` | RFC 5321 mailbox address |
//! | `uuid` | RFC 4122 textual form |
//! | `ipv4` / `ipv6` | RFC 2673 dotted quad / RFC 4291 |
//! | `int32` | a number that is an integer in −2^31 ..= 2^31−1 |
//! | `int64` | a number that is an integer in the `i64` range (a larger one fails) |
//!
//! Every other format (`unix-time`, `decimal`, `byte`, `binary`, `password`, `float`,
//! `double`, `hostname`, …) is ignored. With [`FormatPolicy::Ignore`] none is asserted.
//!
//! # Bodies
//!
//! * Responses: the status must be declared (exact code, `NXX` range, or `default`);
//!   the `Content-Type` essence (parameters such as `charset` ignored) must match a
//!   declared media type, where any JSON type (`application/json`, `…+json`) matches
//!   any declared JSON type; required response headers must be present; a JSON body is
//!   parsed and validated. Bodies of non-JSON media types are not inspected. A body-less
//!   declared response must come with an empty body.
//! * Requests: a JSON body, or an `application/x-www-form-urlencoded` body decoded with
//!   [`crate::form::decode`], is validated. Form leaves are strings and are typed by the
//!   schema first: a canonical integer (`12`, not `012` or `1.0`) where it says
//!   `integer`, a JSON number where it says `number`, `true`/`false` where it says
//!   `boolean`; under `anyOf`/`oneOf` the first member the value can be typed for
//!   decides; anything else, `""` included (Stripe's "unset"), stays a string. A
//!   [`RequestBody::Json`] value is validated as given, whatever the media type.
//! * Inputs never make it panic: bodies are parsed with `serde_json`'s 128-level nesting
//!   limit, and values handed in directly are refused past 128 levels too.

mod coerce;
mod compile;
mod convert;
mod error;
mod fast;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

pub use error::ValidationError;

use compile::{BodyValidator, Engine};
use convert::{Converter, View};
use fast::Verdict;

use crate::error::{escape_token, ContractError};
use crate::model::is_json_media_type;
use crate::Document;

/// Deepest JSON nesting accepted (the same as `serde_json`'s parser limit).
const MAX_DEPTH: usize = 128;

/// Whether `format` is asserted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatPolicy {
    /// Assert the formats listed in the module documentation.
    Assert,
    /// Treat every `format` as an annotation.
    Ignore,
}

/// How `nullable: true` is read.
///
/// OpenAPI 3.0.3 says `nullable` "adds `"null"` to the allowed type specified by the
/// `type` keyword, only if `type` is explicitly defined within the same Schema Object"
/// and that other constraints (an `enum` without `null`, the members of `allOf`/`oneOf`)
/// may still refuse `null`. Providers write it to mean "this field may be null": Stripe's
/// description has 315 `{nullable: true, anyOf: [...]}` wrappers and 90 nullable `enum`s
/// without `null`, GitHub's has both too, and both providers send `null` there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NullableReading {
    /// `null` is admitted wherever `nullable: true` is written: beside `type`, on an
    /// `enum`, on `allOf`/`anyOf`/`oneOf` wrappers and beside `$ref` (the default: what
    /// providers mean and send).
    #[default]
    Provider,
    /// The letter of OpenAPI 3.0.3: `nullable` only widens a `type` of the same object.
    /// For checking a description against other OAS 3.0 validators.
    Spec,
}

/// How a [`ContractValidator`] checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorOptions {
    /// Whether `format` is asserted (default: [`FormatPolicy::Assert`]).
    pub formats: FormatPolicy,
    /// How `nullable` is read (default: [`NullableReading::Provider`]).
    pub nullable: NullableReading,
}

impl Default for ValidatorOptions {
    fn default() -> Self {
        Self {
            formats: FormatPolicy::Assert,
            nullable: NullableReading::Provider,
        }
    }
}

/// A request body handed to [`ContractValidator::validate_request`].
#[derive(Clone, Copy, Debug)]
pub enum RequestBody<'a> {
    /// An already parsed JSON value (validated as is).
    Json(&'a Value),
    /// The raw bytes as sent (JSON or form data, by the content type).
    Raw(&'a [u8]),
}

/// Every body schema of one document, compiled once; validates exchanges against it.
///
/// `Send + Sync`: share one per contract across threads.
pub struct ContractValidator {
    operations: Vec<OperationCheck>,
    index: HashMap<String, usize>,
    /// The contract document, kept for typing form bodies.
    doc: Option<Arc<Value>>,
}

struct OperationCheck {
    id: String,
    pointer: String,
    responses: Vec<ResponseCheck>,
    request: Option<RequestCheck>,
}

struct ResponseCheck {
    status: String,
    pointer: String,
    media: Vec<MediaCheck>,
    required_headers: Vec<String>,
}

struct RequestCheck {
    pointer: String,
    required: bool,
    media: Vec<MediaCheck>,
}

struct MediaCheck {
    media_type: String,
    /// Lowercase essence (`type/subtype`).
    essence: String,
    json: bool,
    form: bool,
    /// Contract pointer of the schema (or of the media type object).
    pointer: String,
    /// The schema as written in the contract (for typing form values).
    schema: Option<Value>,
    validator: Option<Body>,
}

/// The compiled validator of one body schema: compiled with the contract, or, for a
/// document read leniently, when first needed: an upstream description of thousands of
/// operations (Microsoft Graph) is read to check a few fixtures, and compiling every body
/// up front took most of its load time (BENCHMARKS.md § Real-world descriptions).
enum Body {
    Ready(Arc<BodyValidator>),
    Lazy(Box<LazyBody>),
}

struct LazyBody {
    key: String,
    file: std::path::PathBuf,
    engine: Arc<std::sync::Mutex<Engine>>,
    compiled: std::sync::OnceLock<Result<Arc<BodyValidator>, String>>,
}

impl MediaCheck {
    /// The body's validator, compiling it first if it is lazy; a schema that does not
    /// compile is a validation error naming it (only documents read leniently get here:
    /// a contract's schemas are compiled when it loads).
    fn validator(&self) -> Result<Option<&BodyValidator>, ValidationError> {
        match &self.validator {
            None => Ok(None),
            Some(Body::Ready(v)) => Ok(Some(v)),
            Some(Body::Lazy(lazy)) => {
                let compiled = lazy.compiled.get_or_init(|| {
                    let mut engine = match lazy.engine.lock() {
                        Ok(engine) => engine,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    engine
                        .body(&lazy.key, &lazy.file)
                        .map_err(|e| e.to_string())
                });
                match compiled {
                    Ok(v) => Ok(Some(v)),
                    Err(message) => Err(ValidationError::new(
                        "",
                        "schema",
                        format!("#{}", self.pointer),
                        message.clone(),
                    )),
                }
            }
        }
    }

    /// The compiled validator, shared (tests hold it beyond the `ContractValidator`).
    #[cfg(test)]
    fn compiled(&self) -> Option<Arc<BodyValidator>> {
        match &self.validator {
            Some(Body::Ready(v)) => Some(Arc::clone(v)),
            Some(Body::Lazy(lazy)) => {
                self.validator().ok()?;
                lazy.compiled.get()?.as_ref().ok().map(Arc::clone)
            }
            None => None,
        }
    }

    /// Whether there is a schema to validate against.
    fn has_validator(&self) -> bool {
        self.validator.is_some()
    }
}

impl ContractValidator {
    /// Convert and compile every request/response schema of every operation, once.
    ///
    /// # Errors
    ///
    /// A [`ContractError`] naming the contract pointer of a schema that cannot be
    /// converted or compiled (malformed keyword, unresolvable `$ref`, a schema that
    /// contains itself, an invalid `pattern`).
    pub fn new(doc: &Document, options: &ValidatorOptions) -> Result<Self, ContractError> {
        let file = doc.path.as_path();
        let formats = options.formats;
        let access_flags = uses_access_flags(&doc.value);

        let mut response_conv = Converter::new(&doc.value, file, View::Response, formats)
            .with_nullable(options.nullable);
        response_conv.add_components()?;
        let mut request_conv = if access_flags {
            let mut c = Converter::new(&doc.value, file, View::Request, formats)
                .with_nullable(options.nullable);
            c.add_components()?;
            Some(c)
        } else {
            None
        };
        // Which `$defs` key each body schema got (per view).
        let mut response_keys: HashMap<String, String> = HashMap::new();
        let mut request_keys: HashMap<String, String> = HashMap::new();
        for op in &doc.operations {
            for r in &op.responses {
                for m in &r.content {
                    if let Some(schema) = &m.schema {
                        let key = body_key(&mut response_conv, &m.pointer, schema)?;
                        response_keys.insert(m.pointer.clone(), key);
                    }
                }
            }
            if let Some(body) = &op.request_body {
                for m in &body.content {
                    if let Some(schema) = &m.schema {
                        let conv = request_conv.as_mut().unwrap_or(&mut response_conv);
                        let key = body_key(conv, &m.pointer, schema)?;
                        request_keys.insert(m.pointer.clone(), key);
                    }
                }
            }
        }
        let response_converted = response_conv.finish()?;
        response_converted.check_cycles(file)?;
        let response_engine = Engine::new(response_converted, formats, file)?;
        let request_engine = match request_conv {
            Some(c) => {
                let converted = c.finish()?;
                converted.check_cycles(file)?;
                Some(Engine::new(converted, formats, file)?)
            }
            None => None,
        };
        let lazy = doc.reading == crate::Reading::Lenient;
        let response_engine = Arc::new(std::sync::Mutex::new(response_engine));
        let request_engine = request_engine.map(|e| Arc::new(std::sync::Mutex::new(e)));
        // A contract's bodies are compiled now, so a schema that does not compile fails the
        // load; a lenient document's when first used.
        let compile =
            |engine: &Arc<std::sync::Mutex<Engine>>, key: &str| -> Result<Body, ContractError> {
                if lazy {
                    return Ok(Body::Lazy(Box::new(LazyBody {
                        key: key.to_owned(),
                        file: file.to_owned(),
                        engine: Arc::clone(engine),
                        compiled: std::sync::OnceLock::new(),
                    })));
                }
                let mut engine = match engine.lock() {
                    Ok(engine) => engine,
                    Err(poisoned) => poisoned.into_inner(),
                };
                engine.body(key, file).map(Body::Ready)
            };

        let mut operations = Vec::with_capacity(doc.operations.len());
        let mut index = HashMap::new();
        let mut has_form = false;
        for op in &doc.operations {
            let mut responses = Vec::with_capacity(op.responses.len());
            for r in &op.responses {
                let mut media = Vec::with_capacity(r.content.len());
                for m in &r.content {
                    let validator = match response_keys.get(&m.pointer) {
                        Some(key) => Some(compile(&response_engine, key)?),
                        None => None,
                    };
                    media.push(media_check(m, validator));
                }
                responses.push(ResponseCheck {
                    status: r.status.clone(),
                    pointer: r.pointer.clone(),
                    media,
                    required_headers: r
                        .headers
                        .iter()
                        .filter(|h| h.required && !h.name.eq_ignore_ascii_case("content-type"))
                        .map(|h| h.name.clone())
                        .collect(),
                });
            }
            let request = match &op.request_body {
                Some(body) => {
                    let mut media = Vec::with_capacity(body.content.len());
                    for m in &body.content {
                        let validator = match request_keys.get(&m.pointer) {
                            Some(key) => Some(compile(
                                request_engine.as_ref().unwrap_or(&response_engine),
                                key,
                            )?),
                            None => None,
                        };
                        let check = media_check(m, validator);
                        has_form |= check.form;
                        media.push(check);
                    }
                    Some(RequestCheck {
                        pointer: format!("{}/requestBody", op.pointer),
                        required: body.required,
                        media,
                    })
                }
                None => None,
            };
            index.insert(op.id.clone(), operations.len());
            operations.push(OperationCheck {
                id: op.id.clone(),
                pointer: op.pointer.clone(),
                responses,
                request,
            });
        }
        Ok(Self {
            operations,
            index,
            doc: has_form.then(|| Arc::new(doc.value.clone())),
        })
    }

    /// The operation ids, in document order.
    pub fn operation_ids(&self) -> impl Iterator<Item = &str> {
        self.operations.iter().map(|o| o.id.as_str())
    }

    fn operation(&self, id: &str) -> Result<&OperationCheck, Vec<ValidationError>> {
        self.index
            .get(id)
            .and_then(|i| self.operations.get(*i))
            .ok_or_else(|| {
                vec![ValidationError::new(
                    "",
                    "operation",
                    "#/paths",
                    format!("the contract has no operation `{id}`"),
                )]
            })
    }

    /// Check a whole response as received: status, `Content-Type`, required headers,
    /// and the body (parsed as JSON, then validated).
    ///
    /// # Errors
    ///
    /// Every problem found, in the order: headers, content type, body.
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<(), Vec<ValidationError>> {
        let op = self.operation(operation_id)?;
        let response = response_for(op, status)?;
        let mut errors = header_errors(response, headers);
        let content_type = header(headers, "content-type");
        if response.media.is_empty() {
            if !body.is_empty() {
                errors.push(no_body_declared(op, response, status, body.len()));
            }
            return finish(errors);
        }
        if body.is_empty() && content_type.is_none() {
            errors.push(ValidationError::new(
                "",
                "json",
                format!("#{}/content", response.pointer),
                format!(
                    "the body is empty, but the contract declares {} for status {status}",
                    declared(&response.media)
                ),
            ));
            return finish(errors);
        }
        let Some(content_type) = content_type else {
            errors.push(ValidationError::new(
                "",
                "content-type",
                format!("#{}/content", response.pointer),
                format!(
                    "no Content-Type header; the contract declares {}",
                    declared(&response.media)
                ),
            ));
            return finish(errors);
        };
        let media = match match_media(&response.media, content_type) {
            Some(m) => m,
            None => {
                errors.push(content_type_error(
                    &response.media,
                    &response.pointer,
                    content_type,
                ));
                return finish(errors);
            }
        };
        if !media.json && !is_json_media_type(content_type) {
            // Not JSON: nothing more to check.
            return finish(errors);
        }
        check_bytes(media, body, &mut errors);
        finish(errors)
    }

    /// [`validate_response`](Self::validate_response) for a body that is already parsed
    /// (fixture envelopes). `Content-Type` is checked when `headers` has it; `None` is a
    /// response without a body.
    ///
    /// # Errors
    ///
    /// Every problem found.
    pub fn validate_response_value(
        &self,
        operation_id: &str,
        status: u16,
        headers: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<(), Vec<ValidationError>> {
        let op = self.operation(operation_id)?;
        let response = response_for(op, status)?;
        let mut errors = header_errors(response, headers);
        let Some(body) = body else {
            if !response.media.is_empty() {
                errors.push(ValidationError::new(
                    "",
                    "json",
                    format!("#{}/content", response.pointer),
                    format!(
                        "there is no body, but the contract declares {} for status {status}",
                        declared(&response.media)
                    ),
                ));
            }
            return finish(errors);
        };
        if response.media.is_empty() {
            errors.push(ValidationError::new(
                "",
                "content-type",
                format!("#{}", response.pointer),
                format!(
                    "the contract declares no body for status {status} of {}, but one came",
                    op.id
                ),
            ));
            return finish(errors);
        }
        let media = match header(headers, "content-type") {
            Some(ct) => match match_media(&response.media, ct) {
                Some(m) => m,
                None => {
                    errors.push(content_type_error(&response.media, &response.pointer, ct));
                    return finish(errors);
                }
            },
            None => match response
                .media
                .iter()
                .find(|m| m.json)
                .or_else(|| response.media.iter().find(|m| m.has_validator()))
            {
                Some(m) => m,
                None => return finish(errors),
            },
        };
        if let Err(e) = check_depth(body) {
            errors.push(e);
            return finish(errors);
        }
        match media.validator() {
            Ok(Some(v)) => check_value(v, body, &mut errors),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        finish(errors)
    }

    /// Check a request body: JSON, or `application/x-www-form-urlencoded` decoded with
    /// [`crate::form::decode`] and typed by the schema, then validated.
    ///
    /// # Errors
    ///
    /// Every problem found.
    pub fn validate_request(
        &self,
        operation_id: &str,
        content_type: &str,
        body: RequestBody<'_>,
    ) -> Result<(), Vec<ValidationError>> {
        let op = self.operation(operation_id)?;
        let empty = matches!(body, RequestBody::Raw(b) if b.is_empty());
        let Some(request) = &op.request else {
            if empty {
                return Ok(());
            }
            return Err(vec![ValidationError::new(
                "",
                "content-type",
                format!("#{}", op.pointer),
                format!("{} declares no request body, but one came", op.id),
            )]);
        };
        if empty && !request.required {
            return Ok(());
        }
        let Some(media) = match_media(&request.media, content_type) else {
            return Err(vec![content_type_error(
                &request.media,
                &request.pointer,
                content_type,
            )]);
        };
        let mut errors = Vec::new();
        match body {
            RequestBody::Json(value) => {
                if let Err(e) = check_depth(value) {
                    return Err(vec![e]);
                }
                match media.validator() {
                    Ok(Some(v)) => check_value(v, value, &mut errors),
                    Ok(None) => {}
                    Err(e) => errors.push(e),
                }
            }
            RequestBody::Raw(bytes) if media.form => {
                let mut value = match decode_form(bytes) {
                    Ok(v) => v,
                    Err(what) => {
                        return Err(vec![ValidationError::new(
                            "",
                            "form",
                            format!("#{}", media.pointer),
                            what,
                        )])
                    }
                };
                if let (Some(doc), Some(schema)) = (&self.doc, &media.schema) {
                    coerce::coerce(doc, schema, &mut value);
                }
                match media.validator() {
                    Ok(Some(v)) => check_value(v, &value, &mut errors),
                    Ok(None) => {}
                    Err(e) => errors.push(e),
                }
            }
            RequestBody::Raw(bytes) if media.json || is_json_media_type(content_type) => {
                check_bytes(media, bytes, &mut errors);
            }
            // Neither JSON nor form: the schema does not describe bytes.
            RequestBody::Raw(_) => {}
        }
        finish(errors)
    }
}

fn finish(errors: Vec<ValidationError>) -> Result<(), Vec<ValidationError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The `$defs` key for a body schema: the component itself for a plain
/// `$ref: '#/components/schemas/<name>'`, a converted copy otherwise.
fn body_key(
    conv: &mut Converter<'_>,
    pointer: &str,
    schema: &Value,
) -> Result<String, ContractError> {
    if let Some(obj) = schema.as_object() {
        let nullable = obj.get("nullable").and_then(Value::as_bool) == Some(true);
        let target = obj
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| crate::reference::target(r).ok());
        if let (Some(target), false) = (target, nullable) {
            if let Some(name) = target.strip_prefix("/components/schemas/") {
                if !name.contains('/') && conv.has_component(name) {
                    return Ok(name.replace("~1", "/").replace("~0", "~"));
                }
            }
        }
    }
    conv.add_body(pointer, schema)
}

fn media_check(m: &crate::model::MediaType, validator: Option<Body>) -> MediaCheck {
    let essence = essence(&m.media_type);
    MediaCheck {
        json: is_json_media_type(&m.media_type),
        form: essence == "application/x-www-form-urlencoded",
        essence,
        media_type: m.media_type.clone(),
        pointer: m.pointer.clone(),
        schema: m.schema.clone(),
        validator,
    }
}

/// `type/subtype`, lowercase, parameters dropped.
fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The declared media type an actual `Content-Type` matches: same essence, JSON for
/// JSON, or a declared range (`application/*`, `*/*`).
fn match_media<'a>(declared: &'a [MediaCheck], content_type: &str) -> Option<&'a MediaCheck> {
    let actual = essence(content_type);
    let actual_json = is_json_media_type(&actual);
    declared
        .iter()
        .find(|m| m.essence == actual)
        .or_else(|| declared.iter().find(|m| actual_json && m.json))
        .or_else(|| {
            declared.iter().find(|m| {
                m.essence == "*/*"
                    || m.essence
                        .strip_suffix("/*")
                        .is_some_and(|t| actual.split('/').next() == Some(t))
            })
        })
}

fn declared(media: &[MediaCheck]) -> String {
    media
        .iter()
        .map(|m| format!("`{}`", m.media_type))
        .collect::<Vec<_>>()
        .join(", ")
}

fn content_type_error(media: &[MediaCheck], at: &str, content_type: &str) -> ValidationError {
    ValidationError::new(
        "",
        "content-type",
        format!("#{at}/content"),
        format!(
            "Content-Type `{content_type}` is not declared; the contract declares {}",
            declared(media)
        ),
    )
}

fn no_body_declared(
    op: &OperationCheck,
    response: &ResponseCheck,
    status: u16,
    len: usize,
) -> ValidationError {
    ValidationError::new(
        "",
        "content-type",
        format!("#{}", response.pointer),
        format!(
            "the contract declares no body for status {status} of {}, but {len} bytes came",
            op.id
        ),
    )
}

fn json_error(media: &MediaCheck, e: &serde_json::Error) -> ValidationError {
    ValidationError::new(
        "",
        "json",
        format!("#{}", media.pointer),
        format!("the body is not JSON: {e}"),
    )
}

/// First value of a header, by case-insensitive name.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn response_for(op: &OperationCheck, status: u16) -> Result<&ResponseCheck, Vec<ValidationError>> {
    let exact = status.to_string();
    let class = format!("{}XX", status / 100);
    op.responses
        .iter()
        .find(|r| r.status == exact)
        .or_else(|| op.responses.iter().find(|r| r.status.eq_ignore_ascii_case(&class)))
        .or_else(|| op.responses.iter().find(|r| r.status == "default"))
        .ok_or_else(|| {
            let list: Vec<&str> = op.responses.iter().map(|r| r.status.as_str()).collect();
            vec![ValidationError::new(
                "",
                "status",
                format!("#{}/responses", op.pointer),
                format!(
                    "status {status} is not declared for {} (declared: {}) and there is no `default` response",
                    op.id,
                    list.join(", ")
                ),
            )]
        })
}

fn header_errors(response: &ResponseCheck, headers: &[(String, String)]) -> Vec<ValidationError> {
    response
        .required_headers
        .iter()
        .filter(|name| header(headers, name).is_none())
        .map(|name| {
            let token = escape_token(name);
            ValidationError::new(
                format!("/headers/{token}"),
                "header",
                format!("#{}/headers/{token}/required", response.pointer),
                format!("required response header `{name}` is missing"),
            )
        })
        .collect()
}

/// Validate a JSON body: the fast path first; when it does not say valid, parse into a
/// `Value` and let the `jsonschema` validator decide and explain.
fn check_bytes(media: &MediaCheck, bytes: &[u8], errors: &mut Vec<ValidationError>) {
    let validator = match media.validator() {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    if let Some(v) = validator {
        if v.fast_check(bytes) == Verdict::Valid {
            return;
        }
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => {
            if let Some(v) = validator {
                check_value(v, &value, errors);
            }
        }
        Err(e) => errors.push(json_error(media, &e)),
    }
}

fn check_value(v: &BodyValidator, value: &Value, errors: &mut Vec<ValidationError>) {
    if !v.is_valid(value) {
        errors.extend(v.errors(value));
    }
}

/// Refuse values nested deeper than [`MAX_DEPTH`] (checked without recursion).
fn check_depth(value: &Value) -> Result<(), ValidationError> {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        let nested = match v {
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
            _ => false,
        };
        if !nested {
            continue;
        }
        if depth > MAX_DEPTH {
            return Err(ValidationError::new(
                "",
                "json",
                "#",
                format!("the value nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

fn decode_form(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("the form body is not UTF-8 (byte {})", e.valid_up_to()))?;
    crate::form::decode(text).map_err(|e| format!("the form body does not decode: {e}"))
}

/// Whether any schema marks a property `readOnly` or `writeOnly` (then requests and
/// responses need different `required` lists).
fn uses_access_flags(doc: &Value) -> bool {
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if ["readOnly", "writeOnly"]
                    .iter()
                    .any(|k| map.get(*k).and_then(Value::as_bool) == Some(true))
                {
                    return true;
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    false
}

/// For a lenient load: schema keywords the validator cannot read are removed and listed in
/// `tolerated`, so the rest of the document validates instead of none of it. A strict
/// load keeps them and the validator refuses the contract, naming the keyword.
///
/// - a `pattern` that is not a string, or that the validator's regex engine cannot
///   compile (Java's `\p{Print}`, `[a&&b]`, lone surrogates: AWS writes them, ECMA-262
///   does not read them);
/// - a `type` that is not one of OpenAPI 3.0's six names (Codat nests a schema there);
/// - a `discriminator.mapping` entry whose target does not resolve (DigitalOcean points
///   into files that are not part of the description).
pub fn tolerate_unreadable_keywords(
    path: &std::path::Path,
    doc: &mut Value,
    tolerated: &mut Vec<crate::model::Tolerated>,
) {
    /// A finding, or a discriminator mapping entry to check once the walk is over (its
    /// target is looked up in the whole document, which the walk holds mutably).
    enum Found {
        Dropped(String, String),
        Mapping {
            at: String,
            key: String,
            target: Value,
        },
    }
    let mut found = Vec::new();
    visit_schemas(doc, &mut String::new(), false, &mut |at, schema| {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        if let Some(pattern) = obj.get("pattern") {
            let why = match pattern.as_str() {
                None => Some("not a string".to_owned()),
                Some(p) => compile::pattern_error(p),
            };
            if let Some(why) = why {
                let pattern = obj.remove("pattern").unwrap_or_default();
                found.push(Found::Dropped(
                    format!("{at}/pattern"),
                    format!("`pattern: {pattern}` is not a regular expression the validator reads ({why}); not checked"),
                ));
            }
        }
        let known = |t: &Value| {
            matches!(
                t.as_str(),
                Some("string" | "number" | "integer" | "boolean" | "array" | "object")
            )
        };
        if obj.get("type").is_some_and(|t| !known(t)) {
            let ty = obj.remove("type").unwrap_or_default();
            found.push(Found::Dropped(
                format!("{at}/type"),
                format!("`type: {ty}` is not an OpenAPI 3.0 type; any type accepted"),
            ));
        }
        if let Some(mapping) = obj
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
        {
            for (key, target) in mapping {
                found.push(Found::Mapping {
                    at: at.to_owned(),
                    key: key.clone(),
                    target: target.clone(),
                });
            }
        }
    });
    let resolves = |target: &Value| {
        target.as_str().is_some_and(|t| {
            if t.starts_with('#') {
                crate::reference::resolve(doc, t).is_ok()
            } else {
                doc.pointer(&format!("/components/schemas/{}", escape_token(t)))
                    .is_some()
            }
        })
    };
    let mut unresolved = Vec::new();
    let found: Vec<(String, String)> = found
        .into_iter()
        .filter_map(|f| match f {
            Found::Dropped(pointer, message) => Some((pointer, message)),
            Found::Mapping { target, .. } if resolves(&target) => None,
            Found::Mapping { at, key, target } => {
                let pointer = format!("{at}/discriminator/mapping/{}", escape_token(&key));
                unresolved.push((format!("{at}/discriminator/mapping"), key));
                Some((pointer, format!("mapping target `{target}` does not resolve; the value dispatches by trying each member")))
            }
        })
        .collect();
    for (mapping, key) in unresolved {
        if let Some(mapping) = doc.pointer_mut(&mapping).and_then(Value::as_object_mut) {
            mapping.shift_remove(&key);
        }
    }
    for (pointer, message) in found {
        tolerated.push(crate::model::Tolerated::from(&ContractError::invalid(
            path,
            pointer,
            message,
            Some("correct the schema in the upstream description"),
        )));
    }
}

/// Call `f` on every schema of an OpenAPI document: under `components/schemas` and every
/// `schema` key, and recursively inside them. Keys of maps of schemas (`properties`,
/// `definitions`, …) are names, not keywords; examples and defaults are data.
fn visit_schemas(
    node: &mut Value,
    at: &mut String,
    schema: bool,
    f: &mut dyn FnMut(&str, &mut Value),
) {
    const NAMED: &[&str] = &["properties", "patternProperties", "definitions", "$defs"];
    const DATA: &[&str] = &[
        "example",
        "examples",
        "default",
        "enum",
        "const",
        "x-examples",
    ];
    if schema {
        f(at, node);
    }
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if DATA.contains(&key.as_str()) {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&escape_token(key));
                // A map whose values are schemas: `properties` & co. inside a schema, and
                // `components/schemas` itself.
                let names_schemas = (schema && NAMED.contains(&key.as_str()))
                    || (!schema && at == "/components/schemas");
                match value {
                    Value::Object(named) if names_schemas => {
                        for (name, sub) in named.iter_mut() {
                            let len = at.len();
                            at.push('/');
                            at.push_str(&escape_token(name));
                            visit_schemas(sub, at, true, f);
                            at.truncate(len);
                        }
                    }
                    _ if names_schemas => {}
                    _ => visit_schemas(value, at, schema || key == "schema", f),
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                visit_schemas(item, at, schema, f);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
