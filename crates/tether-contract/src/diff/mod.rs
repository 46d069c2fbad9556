//! Contract diff: decides whether a change to an OpenAPI 3.0 contract is breaking.
//!
//! [`diff`] compares two contracts (YAML or JSON parsed into [`serde_json::Value`]) and
//! returns one [`Change`] per difference it understands, each classified as
//! [`Severity::Breaking`] or [`Severity::Additive`] ("additive" means "not breaking":
//! it also covers narrowings that are safe for a client). The `cargo xtask check` gate
//! refuses a contract whose diff against the locked version contains a breaking change
//! inside the same `vN`; the sentinel feature reuses the same model.
//!
//! Compatibility is judged from the point of view of a client generated from the *old*
//! contract talking to a server that implements the *new* one (wire compatibility).
//! Things the client sends (parameters, request bodies) may widen but not narrow;
//! things it receives (responses) may narrow but not widen.
//!
//! # Rules
//!
//! Operations are matched by `operationId` (an operation without one is matched by
//! `"METHOD /path"`, which is also what [`Change::operation`] then holds).
//!
//! | kind | severity | pointer into |
//! | --- | --- | --- |
//! | [`ChangeKind::OperationRemoved`] | breaking | old operation |
//! | [`ChangeKind::OperationAdded`] | additive | new operation |
//! | [`ChangeKind::MethodOrPathChanged`] (same operationId) | breaking | new operation |
//! | [`ChangeKind::ParameterRemoved`] | breaking | old `parameters/i` entry |
//! | [`ChangeKind::ParameterAdded`] (optional) | additive | new `parameters/i` entry |
//! | [`ChangeKind::RequestParameterRequired`] (new required, or became required; path parameters are always required) | breaking | new parameter |
//! | [`ChangeKind::RequirementRelaxed`] (parameter, request body or request property no longer required) | additive | new node |
//! | [`ChangeKind::RequestBodyRemoved`] | breaking | old request body |
//! | [`ChangeKind::RequestBodyAdded`] (optional) | additive | new request body |
//! | [`ChangeKind::RequestBodyRequired`] (new required body, or body became required) | breaking | new request body |
//! | [`ChangeKind::RequestPropertyRemoved`] (the generated request type loses a field; strict servers reject it) | breaking | old property |
//! | [`ChangeKind::RequestPropertyAdded`] (optional) | additive | new property |
//! | [`ChangeKind::RequestPropertyRequired`] (new required property, or became required) | breaking | new property |
//! | [`ChangeKind::ResponseStatusRemoved`] | breaking | old `responses/<status>` |
//! | [`ChangeKind::ResponseStatusAdded`] | additive | new `responses/<status>` |
//! | [`ChangeKind::ResponseBodyRemoved`] | breaking | old media type |
//! | [`ChangeKind::ResponseBodyAdded`] | additive | new media type |
//! | [`ChangeKind::MediaTypeChanged`] (compared media type changed, unless both are JSON) | breaking | new media type |
//! | [`ChangeKind::ResponseHeaderRemoved`] | breaking | old header |
//! | [`ChangeKind::ResponseHeaderAdded`] | additive | new header |
//! | [`ChangeKind::ResponsePropertyRemoved`] | breaking | old property |
//! | [`ChangeKind::ResponsePropertyAdded`] | additive | new property |
//! | [`ChangeKind::ResponsePropertyMadeOptional`] (left `required`) | breaking | new property |
//! | [`ChangeKind::ResponsePropertyMadeRequired`] | additive | new property |
//! | [`ChangeKind::PropertyTypeChanged`], incompatible `type` (e.g. `string` -> `integer`) | breaking | new schema |
//! | [`ChangeKind::PropertyTypeChanged`], widened (`integer` -> `number`, or `type` dropped) | request: additive, response: breaking | new schema |
//! | [`ChangeKind::PropertyTypeChanged`], narrowed (`number` -> `integer`, or `type` added) | request: breaking, response: additive | new schema |
//! | [`ChangeKind::PropertyTypeChanged`], `oneOf`/`anyOf` alternative count changed, or appeared/disappeared | breaking | new schema |
//! | [`ChangeKind::PropertyFormatChanged`], same widen/narrow table as types (`int32` -> `int64` and `float` -> `double` widen, dropping `format` widens, adding it narrows, anything else is incompatible) | as for types | new schema |
//! | [`ChangeKind::NullableAdded`] | request: additive, response: breaking | new schema |
//! | [`ChangeKind::NullableRemoved`] | request: breaking, response: additive | new schema |
//! | [`ChangeKind::EnumValueRemoved`] (value removed, or an `enum` constraint added) | request: breaking, response: additive | old `enum/i` (old schema when the constraint was added) |
//! | [`ChangeKind::EnumValueAdded`], a value added | additive | new `enum/i` |
//! | [`ChangeKind::EnumValueAdded`], the `enum` constraint dropped | request: additive, response: breaking | new schema |
//! | [`ChangeKind::MediaTypeRemoved`] (a media type other than the compared one left a `content` map) | breaking | old media type |
//! | [`ChangeKind::MediaTypeAdded`] | additive | new media type |
//! | [`ChangeKind::ConstraintChanged`]: `maxLength`/`maximum`/`maxItems`/`maxProperties` lowered or set, `minLength`/`minimum`/`minItems`/`minProperties` raised or set, `exclusiveMaximum`/`exclusiveMinimum` became true at the same bound, a `pattern` added, a stricter `multipleOf` (set, or changed to a value the old one does not divide into), `uniqueItems` became true (narrowed); the opposite (widened); patterns or `multipleOf` both added and dropped (incompatible) | request: narrowed and incompatible break; response: widened and incompatible break | new keyword (old one when removed) |
//! | [`ChangeKind::ResponseHeaderMadeOptional`] (`required: true` dropped) | breaking | new header |
//! | [`ChangeKind::ResponseHeaderMadeRequired`] | additive | new header |
//! | [`ChangeKind::ParameterDefaultChanged`] (optional parameter's `default` set, changed or removed: the server now assumes another value for clients that omit it) | breaking | new parameter schema |
//! | [`ChangeKind::ParameterStyleChanged`] (effective `style`/`explode`, OpenAPI defaults filled in: the server parses the client's encoding differently) | breaking | new parameter |
//! | [`ChangeKind::SecurityAdded`]: the operation needed no authentication and now does | breaking | new `security` |
//! | [`ChangeKind::SecurityAdded`]: a new alternative requirement | additive | new `security/i` |
//! | [`ChangeKind::SecurityRemoved`] (an alternative the client could use; additive when the operation no longer needs authentication at all) | breaking | old `security/i` |
//! | [`ChangeKind::SecurityScopeAdded`] | breaking | new `security/i` |
//! | [`ChangeKind::SecurityScopeRemoved`] | additive | new `security/i` |
//! | [`ChangeKind::SecuritySchemeChanged`] (a scheme used on both sides changed `type`, `in`, `name`, `scheme`, `openIdConnectUrl`, a flow, or a flow's token/authorization URL) | breaking | new scheme field |
//! | [`ChangeKind::OperationDeprecated`] | additive | new `deprecated` |
//!
//! A request property that became `readOnly` (or a response property that became
//! `writeOnly`) is reported as removed from that side, with a message saying why. A
//! parameter moved to another `in` is a removal plus an addition. Response statuses
//! include `default`.
//!
//! A new enum value in a *response* is not breaking for Tether's clients: every generated
//! response enum reads a value it does not list into its `Unknown(String)` variant (a
//! tolerant reader, as the AWS SDK's generated enums), and response validation and the
//! sentinel report the value as drift. oasdiff rates `response-property-enum-value-added`
//! a warning for the same reason (clients should tolerate it; closed enums do not).
//! Dropping the `enum` constraint of a response stays breaking: the generated type
//! changes from an enum to a string.
//!
//! # Schema comparison
//!
//! - Request bodies and responses compare the schema of `application/json`, else of the
//!   first `+json` media type, else of the first media type listed.
//! - Local `$ref`s (`#/components/...`) are followed everywhere (schemas, parameters,
//!   request bodies, responses, headers). A change behind a `$ref` is reported with the
//!   pointer of the referenced node (so the same pointer can appear for every operation
//!   that uses it) and a message naming the path as seen from the operation, e.g.
//!   `response 200 body: /owner/login`. Array items show as `/[]`, map values
//!   (`additionalProperties`) as `/*`, `oneOf`/`anyOf` alternatives as `/<oneOf 0>`.
//! - Each pair of schemas (old, new, direction) is compared once per diff and the result
//!   is shared by every operation that reaches it. From each comparison root (a parameter,
//!   request body, response body or response header) the pairs reachable through `$ref`s
//!   are walked breadth-first, each once: this is the cycle guard for recursive schemas,
//!   and a change is reported at the shortest property path that reaches it (a schema used
//!   twice in one response is reported once, at the nearer place).
//! - `allOf` members are merged, so a member added, removed or changed is diffed as the
//!   change it makes to the merged schema: the union of `properties` (first definition
//!   wins) and of `required`; the intersection of `enum`s; the tightest of each bound
//!   (`maximum`, `minLength`, ..., an exclusive bound being tighter than an inclusive one
//!   at the same value); every `pattern` and `multipleOf`; `uniqueItems` when any says so.
//!   `type`, `format`, `items`, `additionalProperties`, `oneOf`, `anyOf` come from the
//!   schema itself, else from the first member that has them. The merged schema is
//!   nullable when the schema itself says so, or when every member does.
//! - A missing `type` is inferred as `object` when the schema has `properties` or
//!   `additionalProperties`, and as `array` when it has `items`; otherwise it accepts any type.
//! - `readOnly` properties are ignored in requests and `writeOnly` ones in responses.
//! - Security is the operation's `security`, else the document's; each list holds
//!   alternatives, matched by their set of scheme names.
//! - Not compared: servers, `allowReserved`, `not`, `additionalProperties: false`/`true`,
//!   the `default` of body properties, `x-extensible-enum`, callbacks, links.
//!
//! [`diff`] never panics: what is malformed or unresolvable (non-local refs, refs to
//! nowhere, ref loops, values of the wrong JSON type) is skipped. The output is sorted by
//! operation, then pointer, then kind (by [`ChangeKind::as_str`]), then message, with exact
//! duplicates removed.
//!
//! # Layout
//!
//! - this file: the public types ([`Change`], [`Severity`], [`ChangeKind`]) and [`diff`];
//! - `walk.rs`: walking a document (nodes with their pointers, local `$ref` resolution,
//!   `readOnly`/`writeOnly` visibility);
//! - `operations.rs`: operation-level rules (operations, parameters, request bodies,
//!   responses, headers, media types, security);
//! - `schemas.rs`: the schema-pair differ (types, formats, nullability, `allOf` merging,
//!   `oneOf`/`anyOf`, properties and `required`);
//! - `constraints.rs`: `enum` values and validation keywords (bounds, `pattern`,
//!   `multipleOf`, `uniqueItems`);
//! - `tests/`: the tests, grouped the same way.

mod constraints;
mod operations;
mod schemas;
mod walk;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use operations::operations;
use schemas::Differ;

/// One difference between two contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Whether a client built from the old contract breaks against the new one.
    pub severity: Severity,
    /// What changed.
    pub kind: ChangeKind,
    /// The operationId (or `"METHOD /path"` when it has none); `""` for document-level changes.
    pub operation: String,
    /// RFC 6901 JSON pointer into the new document where the change is (into the old
    /// document for removals).
    pub pointer: String,
    /// A sentence for people, naming the place as seen from the operation
    /// (e.g. `response 200 body: /owner/login: property was removed`).
    pub message: String,
}

impl Change {
    /// True when the change breaks clients generated from the old contract.
    pub fn is_breaking(&self) -> bool {
        self.severity == Severity::Breaking
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operation = if self.operation.is_empty() {
            "(document)"
        } else {
            self.operation.as_str()
        };
        write!(
            f,
            "{} {} {}: {} (at {})",
            self.severity, self.kind, operation, self.message, self.pointer
        )
    }
}

/// Whether a change breaks existing clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Severity {
    /// Clients generated from the old contract may fail against the new one.
    Breaking,
    /// Not breaking: an addition, or a narrowing that existing clients tolerate.
    Additive,
}

impl Severity {
    /// A stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::Additive => "additive",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What changed. See the module documentation for the severity of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum ChangeKind {
    /// An operationId disappeared.
    OperationRemoved,
    /// A new operationId appeared.
    OperationAdded,
    /// The same operationId now lives under another method or path.
    MethodOrPathChanged,
    /// A parameter (path, query, header or cookie) disappeared.
    ParameterRemoved,
    /// A new optional parameter.
    ParameterAdded,
    /// A new required parameter, or an existing one became required.
    RequestParameterRequired,
    /// A parameter, request body or request property is no longer required.
    RequirementRelaxed,
    /// The request body disappeared.
    RequestBodyRemoved,
    /// A new optional request body.
    RequestBodyAdded,
    /// A new required request body, or the request body became required.
    RequestBodyRequired,
    /// A request body property disappeared.
    RequestPropertyRemoved,
    /// A new optional request body property.
    RequestPropertyAdded,
    /// A new required request body property, or an existing one became required.
    RequestPropertyRequired,
    /// A response status disappeared.
    ResponseStatusRemoved,
    /// A new response status.
    ResponseStatusAdded,
    /// A response that had a body no longer has one.
    ResponseBodyRemoved,
    /// A response that had no body now has one.
    ResponseBodyAdded,
    /// The media type compared for a request or response body changed.
    MediaTypeChanged,
    /// A response header disappeared.
    ResponseHeaderRemoved,
    /// A new response header.
    ResponseHeaderAdded,
    /// A response body property disappeared.
    ResponsePropertyRemoved,
    /// A new response body property.
    ResponsePropertyAdded,
    /// A response property is no longer listed in `required`.
    ResponsePropertyMadeOptional,
    /// A response property is now listed in `required`.
    ResponsePropertyMadeRequired,
    /// The `type` changed, or the `oneOf`/`anyOf` alternatives no longer line up.
    PropertyTypeChanged,
    /// The `format` changed.
    PropertyFormatChanged,
    /// A schema became `nullable: true`.
    NullableAdded,
    /// A schema is no longer nullable.
    NullableRemoved,
    /// An enum value was removed, or an `enum` constraint was added.
    EnumValueRemoved,
    /// An enum value was added, or the `enum` constraint was dropped.
    EnumValueAdded,
    /// A media type of a request or response `content` map disappeared.
    MediaTypeRemoved,
    /// A media type was added to a request or response `content` map.
    MediaTypeAdded,
    /// A validation bound (`maxLength`, `maximum`, `minItems`, `pattern`, ...) changed.
    ConstraintChanged,
    /// The `default` of an optional request parameter was set, changed or removed.
    ParameterDefaultChanged,
    /// A response header is no longer `required`.
    ResponseHeaderMadeOptional,
    /// A response header is now `required`.
    ResponseHeaderMadeRequired,
    /// A parameter's serialization (`style`, `explode`, defaults included) changed.
    ParameterStyleChanged,
    /// A security requirement the client could satisfy was removed.
    SecurityRemoved,
    /// A security requirement was added (breaking when the operation had none).
    SecurityAdded,
    /// A security requirement needs a scope it did not need before.
    SecurityScopeAdded,
    /// A security requirement no longer needs a scope.
    SecurityScopeRemoved,
    /// A security scheme the operation uses changed (type, location, name, flow URL).
    SecuritySchemeChanged,
    /// The operation became `deprecated: true`.
    OperationDeprecated,
}

impl ChangeKind {
    /// A stable snake_case name, e.g. `response_property_removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::OperationRemoved => "operation_removed",
            ChangeKind::OperationAdded => "operation_added",
            ChangeKind::MethodOrPathChanged => "method_or_path_changed",
            ChangeKind::ParameterRemoved => "parameter_removed",
            ChangeKind::ParameterAdded => "parameter_added",
            ChangeKind::RequestParameterRequired => "request_parameter_required",
            ChangeKind::RequirementRelaxed => "requirement_relaxed",
            ChangeKind::RequestBodyRemoved => "request_body_removed",
            ChangeKind::RequestBodyAdded => "request_body_added",
            ChangeKind::RequestBodyRequired => "request_body_required",
            ChangeKind::RequestPropertyRemoved => "request_property_removed",
            ChangeKind::RequestPropertyAdded => "request_property_added",
            ChangeKind::RequestPropertyRequired => "request_property_required",
            ChangeKind::ResponseStatusRemoved => "response_status_removed",
            ChangeKind::ResponseStatusAdded => "response_status_added",
            ChangeKind::ResponseBodyRemoved => "response_body_removed",
            ChangeKind::ResponseBodyAdded => "response_body_added",
            ChangeKind::MediaTypeChanged => "media_type_changed",
            ChangeKind::ResponseHeaderRemoved => "response_header_removed",
            ChangeKind::ResponseHeaderAdded => "response_header_added",
            ChangeKind::ResponsePropertyRemoved => "response_property_removed",
            ChangeKind::ResponsePropertyAdded => "response_property_added",
            ChangeKind::ResponsePropertyMadeOptional => "response_property_made_optional",
            ChangeKind::ResponsePropertyMadeRequired => "response_property_made_required",
            ChangeKind::PropertyTypeChanged => "property_type_changed",
            ChangeKind::PropertyFormatChanged => "property_format_changed",
            ChangeKind::NullableAdded => "nullable_added",
            ChangeKind::NullableRemoved => "nullable_removed",
            ChangeKind::EnumValueRemoved => "enum_value_removed",
            ChangeKind::EnumValueAdded => "enum_value_added",
            ChangeKind::MediaTypeRemoved => "media_type_removed",
            ChangeKind::MediaTypeAdded => "media_type_added",
            ChangeKind::ConstraintChanged => "constraint_changed",
            ChangeKind::ParameterDefaultChanged => "parameter_default_changed",
            ChangeKind::ResponseHeaderMadeOptional => "response_header_made_optional",
            ChangeKind::ResponseHeaderMadeRequired => "response_header_made_required",
            ChangeKind::ParameterStyleChanged => "parameter_style_changed",
            ChangeKind::SecurityRemoved => "security_removed",
            ChangeKind::SecurityAdded => "security_added",
            ChangeKind::SecurityScopeAdded => "security_scope_added",
            ChangeKind::SecurityScopeRemoved => "security_scope_removed",
            ChangeKind::SecuritySchemeChanged => "security_scheme_changed",
            ChangeKind::OperationDeprecated => "operation_deprecated",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares two OpenAPI 3.0 contracts and lists their differences, sorted.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let old_ops = operations(old);
    let new_ops = operations(new);
    let mut differ = Differ {
        old,
        new,
        op: String::new(),
        out: Vec::new(),
        pairs: Vec::new(),
        ids: HashMap::new(),
        seen: Vec::new(),
        generation: 0,
    };
    for (key, o) in &old_ops {
        differ.op.clone_from(key);
        match new_ops.get(key) {
            None => differ.push(
                Severity::Breaking,
                ChangeKind::OperationRemoved,
                o.node.ptr.clone(),
                format!(
                    "operation `{key}` ({} {}) was removed",
                    o.method.to_ascii_uppercase(),
                    o.path
                ),
            ),
            Some(n) => {
                if o.path != n.path || o.method != n.method {
                    differ.push(
                        Severity::Breaking,
                        ChangeKind::MethodOrPathChanged,
                        n.node.ptr.clone(),
                        format!(
                            "operation `{key}` moved from {} {} to {} {}",
                            o.method.to_ascii_uppercase(),
                            o.path,
                            n.method.to_ascii_uppercase(),
                            n.path
                        ),
                    );
                }
                differ.operation(o, n);
            }
        }
    }
    for (key, n) in &new_ops {
        if !old_ops.contains_key(key) {
            differ.op.clone_from(key);
            differ.push(
                Severity::Additive,
                ChangeKind::OperationAdded,
                n.node.ptr.clone(),
                format!(
                    "operation `{key}` ({} {}) was added",
                    n.method.to_ascii_uppercase(),
                    n.path
                ),
            );
        }
    }
    let mut out = differ.out;
    out.sort_by(|a, b| {
        (&a.operation, &a.pointer, a.kind.as_str(), &a.message).cmp(&(
            &b.operation,
            &b.pointer,
            b.kind.as_str(),
            &b.message,
        ))
    });
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
