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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// How deeply nested inline subschemas (and `allOf` members) are compared; subschemas
/// behind a `$ref` are walked iteratively and do not count.
const MAX_DEPTH: usize = 128;
/// How many `allOf` members (counting nested ones) are merged into one schema.
const MAX_ALL_OF_MEMBERS: usize = 1024;
/// The HTTP methods an OpenAPI 3.0 path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

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

/// A JSON value together with its (normalised, RFC 6901) pointer in its document.
#[derive(Clone, Debug)]
struct Node<'a> {
    value: &'a Value,
    ptr: String,
}

/// Escapes one reference token for a JSON pointer (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn child<'a>(node: &Node<'a>, key: &str) -> Option<Node<'a>> {
    let value = node.value.as_object()?.get(key)?;
    Some(Node {
        value,
        ptr: format!("{}/{}", node.ptr, escape(key)),
    })
}

fn index<'a>(node: &Node<'a>, i: usize) -> Option<Node<'a>> {
    let value = node.value.as_array()?.get(i)?;
    Some(Node {
        value,
        ptr: format!("{}/{i}", node.ptr),
    })
}

/// The elements of an array node, each with its pointer.
fn elements<'a>(node: &Node<'a>) -> Vec<Node<'a>> {
    let len = node.value.as_array().map_or(0, Vec::len);
    (0..len).filter_map(|i| index(node, i)).collect()
}

/// The entries of an object node, each with its key and pointer.
fn entries<'a>(node: &Node<'a>) -> Vec<(&'a str, Node<'a>)> {
    match node.value.as_object() {
        Some(map) => map
            .iter()
            .map(|(k, value)| {
                (
                    k.as_str(),
                    Node {
                        value,
                        ptr: format!("{}/{}", node.ptr, escape(k)),
                    },
                )
            })
            .collect(),
        None => Vec::new(),
    }
}

fn is_true(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool) == Some(true)
}

/// Follows local `$ref`s until a node without one. Returns the node and whether a
/// reference was followed; `None` when a reference cannot be resolved.
fn resolve<'a>(doc: &'a Value, node: Node<'a>) -> Option<(Node<'a>, bool)> {
    let (followed, ptr) = crate::reference::follow_with_pointer(doc, node.value).ok()?;
    Some(match ptr {
        Some(ptr) => (
            Node {
                value: followed.node,
                ptr,
            },
            true,
        ),
        None => (node, false),
    })
}

/// An operation found under `paths`.
struct Operation<'a> {
    path: &'a str,
    method: &'static str,
    node: Node<'a>,
    item: Node<'a>,
}

/// All operations of a document, keyed by operationId (or `"METHOD /path"`); the first
/// of several operations sharing an operationId wins.
fn operations(doc: &Value) -> BTreeMap<String, Operation<'_>> {
    let mut out = BTreeMap::new();
    let root = Node {
        value: doc,
        ptr: String::new(),
    };
    let Some(paths) = child(&root, "paths") else {
        return out;
    };
    for (path, item) in entries(&paths) {
        let Some((item, _)) = resolve(doc, item) else {
            continue;
        };
        for method in METHODS {
            let Some(node) = child(&item, method).filter(|n| n.value.is_object()) else {
                continue;
            };
            let key = match node.value.get("operationId").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_owned(),
                _ => format!("{} {path}", method.to_ascii_uppercase()),
            };
            out.entry(key).or_insert_with(|| Operation {
                path,
                method,
                node,
                item: item.clone(),
            });
        }
    }
    out
}

/// A parameter in effect for an operation.
struct Param<'a> {
    location: String,
    /// The name used for matching (lowercased for headers).
    key: String,
    /// The name as written.
    name: String,
    /// The pointer of the `parameters` entry (which may be a `$ref`).
    site: String,
    /// The resolved parameter object.
    node: Node<'a>,
}

impl<'a> Param<'a> {
    fn label(&self) -> String {
        format!("{} parameter `{}`", self.location, self.name)
    }

    fn required(&self) -> bool {
        self.location == "path" || is_true(self.node.value, "required")
    }

    /// The effective `style` and `explode` (OpenAPI 3.0.3 defaults: `form` for query and
    /// cookie, `simple` for path and header; `explode` is true for `form` only).
    fn style(&self) -> (String, bool) {
        let style = match self.node.value.get("style").and_then(Value::as_str) {
            Some(s) => s.to_owned(),
            None if matches!(self.location.as_str(), "query" | "cookie") => "form".to_owned(),
            None => "simple".to_owned(),
        };
        let explode = self
            .node
            .value
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        (style, explode)
    }

    fn schema(&self) -> Option<Node<'a>> {
        child(&self.node, "schema").or_else(|| {
            let content = child(&self.node, "content")?;
            let (_, media) = pick_media(&content)?;
            child(&media, "schema")
        })
    }
}

/// Path-level parameters overridden by operation-level ones with the same name and location.
fn parameters<'a>(doc: &'a Value, op: &Operation<'a>) -> Vec<Param<'a>> {
    let mut out: Vec<Param<'a>> = Vec::new();
    for owner in [&op.item, &op.node] {
        let Some(list) = child(owner, "parameters") else {
            continue;
        };
        for site in elements(&list) {
            let site_ptr = site.ptr.clone();
            let Some((node, _)) = resolve(doc, site) else {
                continue;
            };
            let (Some(name), Some(location)) = (
                node.value.get("name").and_then(Value::as_str),
                node.value.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let key = if location.eq_ignore_ascii_case("header") {
                name.to_ascii_lowercase()
            } else {
                name.to_owned()
            };
            let param = Param {
                location: location.to_owned(),
                key,
                name: name.to_owned(),
                site: site_ptr,
                node,
            };
            match out
                .iter_mut()
                .find(|p| p.location == param.location && p.key == param.key)
            {
                Some(existing) => *existing = param,
                None => out.push(param),
            }
        }
    }
    out
}

fn show_style((style, explode): &(String, bool)) -> String {
    format!("`style: {style}, explode: {explode}`")
}

/// One security requirement: every scheme it names, each with its scopes.
struct Requirement<'a> {
    ptr: String,
    schemes: Vec<(&'a str, Vec<&'a str>)>,
}

impl Requirement<'_> {
    fn same_schemes(&self, other: &Requirement<'_>) -> bool {
        self.schemes.len() == other.schemes.len()
            && self
                .schemes
                .iter()
                .all(|(s, _)| other.schemes.iter().any(|(t, _)| s == t))
    }

    fn label(&self) -> String {
        if self.schemes.is_empty() {
            return "none".to_owned();
        }
        self.schemes
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// The `security` list in effect for an operation: its own, else the document's, else
/// an empty list (no authentication).
fn security_of<'a>(doc: &'a Value, op: &Operation<'a>) -> Node<'a> {
    let root = Node {
        value: doc,
        ptr: String::new(),
    };
    child(&op.node, "security")
        .or_else(|| child(&root, "security"))
        .filter(|n| n.value.is_array())
        .unwrap_or_else(|| Node {
            value: &EMPTY_LIST,
            ptr: format!("{}/security", op.node.ptr),
        })
}

static EMPTY_LIST: Value = Value::Array(Vec::new());

fn requirements<'a>(list: &Node<'a>) -> Vec<Requirement<'a>> {
    elements(list)
        .into_iter()
        .filter_map(|r| {
            let map = r.value.as_object()?;
            let schemes = map
                .iter()
                .map(|(name, scopes)| {
                    let scopes = scopes
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    (name.as_str(), scopes)
                })
                .collect();
            Some(Requirement {
                ptr: r.ptr,
                schemes,
            })
        })
        .collect()
}

fn is_json(media_type: &str) -> bool {
    let base = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    base == "application/json" || base.ends_with("+json")
}

/// The media type compared in a `content` map: `application/json`, else the first `+json`
/// one, else the first one listed.
fn pick_media<'a>(content: &Node<'a>) -> Option<(&'a str, Node<'a>)> {
    let map = content.value.as_object()?;
    let key = map
        .keys()
        .find(|k| {
            k.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .or_else(|| map.keys().find(|k| is_json(k)))
        .or_else(|| map.keys().next())?;
    Some((key.as_str(), child(content, key)?))
}

/// Which side of the exchange a schema describes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Dir {
    /// Sent by the client: may widen, must not narrow.
    Request,
    /// Received by the client: may narrow, must not widen.
    Response,
}

impl Dir {
    fn pick(self, request: Severity, response: Severity) -> Severity {
        match self {
            Dir::Request => request,
            Dir::Response => response,
        }
    }
}

/// How the set of accepted values changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rel {
    Same,
    Widened,
    Narrowed,
    Incompatible,
}

impl Rel {
    fn severity(self, dir: Dir) -> Severity {
        match (self, dir) {
            (Rel::Same, _) | (Rel::Widened, Dir::Request) | (Rel::Narrowed, Dir::Response) => {
                Severity::Additive
            }
            _ => Severity::Breaking,
        }
    }
}

fn type_rel(old: Option<&str>, new: Option<&str>) -> Rel {
    let (old, new) = match (old, new) {
        (None, None) => return Rel::Same,
        (Some(_), None) => return Rel::Widened,
        (None, Some(_)) => return Rel::Narrowed,
        (Some(o), Some(n)) => (o, n),
    };
    let covers = |wide: &str, narrow: &str| {
        narrow.split('|').all(|t| {
            wide.split('|')
                .any(|u| u == t || (t == "integer" && u == "number"))
        })
    };
    match (covers(new, old), covers(old, new)) {
        (true, true) => Rel::Same,
        (true, false) => Rel::Widened,
        (false, true) => Rel::Narrowed,
        (false, false) => Rel::Incompatible,
    }
}

fn format_rel(old: Option<&str>, new: Option<&str>) -> Rel {
    match (old, new) {
        (o, n) if o == n => Rel::Same,
        (Some(_), None) | (Some("int32"), Some("int64")) | (Some("float"), Some("double")) => {
            Rel::Widened
        }
        (None, Some(_)) | (Some("int64"), Some("int32")) | (Some("double"), Some("float")) => {
            Rel::Narrowed
        }
        _ => Rel::Incompatible,
    }
}

/// A schema with its `allOf` members merged in.
#[derive(Default)]
struct View<'a> {
    ptr: String,
    ty: Option<String>,
    format: Option<&'a str>,
    nullable: bool,
    /// The allowed values: the `enum` of the schema, intersected with its members' ones.
    enum_values: Option<Vec<Node<'a>>>,
    props: Vec<(&'a str, Node<'a>)>,
    required: BTreeSet<&'a str>,
    items: Option<Node<'a>>,
    additional: Option<Node<'a>>,
    one_of: Option<Node<'a>>,
    any_of: Option<Node<'a>>,
    limits: Limits<'a>,
}

/// A numeric bound (`maximum`, `minLength`, ...) and where it is written.
#[derive(Clone, Debug)]
struct Bound {
    value: f64,
    /// `exclusiveMaximum: true` / `exclusiveMinimum: true` beside `maximum` / `minimum`.
    exclusive: bool,
    /// Pointer of the schema that holds the keyword.
    schema: String,
}

/// The validation keywords of a schema and of its `allOf` members: a value must satisfy
/// all of them, so the tightest bound of each kind applies and every `pattern` and
/// `multipleOf` counts.
#[derive(Default, Debug)]
struct Limits<'a> {
    bounds: BTreeMap<&'static str, Bound>,
    /// (pattern, pointer of its keyword)
    patterns: Vec<(&'a str, String)>,
    /// (divisor, pointer of its keyword)
    multiple_of: Vec<(f64, String)>,
    /// Pointer of a `uniqueItems: true`.
    unique_items: Option<String>,
}

/// Upper bounds: lowering or setting one narrows what is accepted.
const UPPER_BOUNDS: [&str; 4] = ["maxLength", "maximum", "maxItems", "maxProperties"];
/// Lower bounds: raising or setting one narrows what is accepted.
const LOWER_BOUNDS: [&str; 4] = ["minLength", "minimum", "minItems", "minProperties"];

impl Bound {
    /// True when `self` accepts strictly less than `other` (both upper or both lower bounds).
    fn tighter_than(&self, other: &Bound, upper: bool) -> bool {
        if self.value == other.value {
            self.exclusive && !other.exclusive
        } else {
            (self.value < other.value) == upper
        }
    }

    fn show(&self) -> String {
        if self.exclusive {
            format!("{} (exclusive)", self.value)
        } else {
            self.value.to_string()
        }
    }
}

impl<'a> Limits<'a> {
    fn read(node: &Node<'a>) -> Limits<'a> {
        let mut limits = Limits::default();
        let Some(obj) = node.value.as_object() else {
            return limits;
        };
        for key in UPPER_BOUNDS.iter().chain(&LOWER_BOUNDS) {
            let exclusive_key = match *key {
                "maximum" => Some("exclusiveMaximum"),
                "minimum" => Some("exclusiveMinimum"),
                _ => None,
            };
            let exclusive = exclusive_key.is_some_and(|k| is_true(node.value, k));
            if let Some(value) = obj.get(*key).and_then(Value::as_f64) {
                limits.bounds.insert(
                    key,
                    Bound {
                        value,
                        exclusive,
                        schema: node.ptr.clone(),
                    },
                );
            }
        }
        if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
            limits.patterns.push((p, format!("{}/pattern", node.ptr)));
        }
        if let Some(m) = obj.get("multipleOf").and_then(Value::as_f64) {
            if m > 0.0 {
                limits
                    .multiple_of
                    .push((m, format!("{}/multipleOf", node.ptr)));
            }
        }
        if is_true(node.value, "uniqueItems") {
            limits.unique_items = Some(format!("{}/uniqueItems", node.ptr));
        }
        limits
    }

    fn merge(&mut self, member: Limits<'a>) {
        for (key, bound) in member.bounds {
            let upper = UPPER_BOUNDS.contains(&key);
            match self.bounds.get(key) {
                Some(mine) if !bound.tighter_than(mine, upper) => {}
                _ => {
                    self.bounds.insert(key, bound);
                }
            }
        }
        for (p, ptr) in member.patterns {
            if !self.patterns.iter().any(|(q, _)| *q == p) {
                self.patterns.push((p, ptr));
            }
        }
        for (m, ptr) in member.multiple_of {
            if !self.multiple_of.iter().any(|(n, _)| *n == m) {
                self.multiple_of.push((m, ptr));
            }
        }
        if self.unique_items.is_none() {
            self.unique_items = member.unique_items;
        }
    }
}

impl<'a> View<'a> {
    fn of(doc: &'a Value, node: &Node<'a>) -> View<'a> {
        let mut seen = vec![node.ptr.clone()];
        let mut budget = MAX_ALL_OF_MEMBERS;
        let mut view = View::build(doc, node, &mut seen, &mut budget);
        if view.ty.is_none() {
            if !view.props.is_empty() || view.additional.is_some() {
                view.ty = Some("object".to_owned());
            } else if view.items.is_some() {
                view.ty = Some("array".to_owned());
            }
        }
        view
    }

    fn build(
        doc: &'a Value,
        node: &Node<'a>,
        seen: &mut Vec<String>,
        budget: &mut usize,
    ) -> View<'a> {
        let mut view = View {
            ptr: node.ptr.clone(),
            ..View::default()
        };
        let Some(obj) = node.value.as_object() else {
            return view;
        };
        match obj.get("type") {
            Some(Value::String(t)) => view.ty = Some(t.clone()),
            Some(Value::Array(list)) => {
                let mut names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                view.nullable = names.contains(&"null");
                names.retain(|n| *n != "null");
                names.sort_unstable();
                names.dedup();
                if !names.is_empty() {
                    view.ty = Some(names.join("|"));
                }
            }
            _ => {}
        }
        view.format = obj.get("format").and_then(Value::as_str);
        view.nullable |= is_true(node.value, "nullable");
        view.enum_values = child(node, "enum")
            .filter(|n| n.value.is_array())
            .map(|n| elements(&n));
        view.limits = Limits::read(node);
        if let Some(props) = child(node, "properties") {
            view.props = entries(&props);
        }
        if let Some(Value::Array(required)) = obj.get("required") {
            view.required = required.iter().filter_map(Value::as_str).collect();
        }
        view.items = child(node, "items").filter(|n| n.value.is_object());
        view.additional = child(node, "additionalProperties").filter(|n| n.value.is_object());
        view.one_of = child(node, "oneOf").filter(|n| n.value.is_array());
        view.any_of = child(node, "anyOf").filter(|n| n.value.is_array());

        let Some(all_of) = child(node, "allOf") else {
            return view;
        };
        let mut members = 0;
        let mut nullable_members = 0;
        for member in elements(&all_of) {
            let Some((member, _)) = resolve(doc, member) else {
                continue;
            };
            if *budget == 0 || seen.len() > MAX_DEPTH || seen.contains(&member.ptr) {
                continue;
            }
            *budget -= 1;
            seen.push(member.ptr.clone());
            let m = View::build(doc, &member, seen, budget);
            seen.pop();
            members += 1;
            nullable_members += usize::from(m.nullable);
            view.merge(m);
        }
        if members > 0 && members == nullable_members {
            view.nullable = true;
        }
        view
    }

    fn merge(&mut self, member: View<'a>) {
        if self.ty.is_none() {
            self.ty = member.ty;
        }
        if self.format.is_none() {
            self.format = member.format;
        }
        match (&mut self.enum_values, member.enum_values) {
            (Some(mine), Some(theirs)) => {
                mine.retain(|v| theirs.iter().any(|t| t.value == v.value));
            }
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
        self.limits.merge(member.limits);
        for (name, node) in member.props {
            if !self.props.iter().any(|(n, _)| *n == name) {
                self.props.push((name, node));
            }
        }
        self.required.extend(member.required);
        self.items = self.items.take().or(member.items);
        self.additional = self.additional.take().or(member.additional);
        self.one_of = self.one_of.take().or(member.one_of);
        self.any_of = self.any_of.take().or(member.any_of);
    }
}

/// Identifies a compared pair of schemas: resolved pointers in the old and new document,
/// and the direction (which decides severities and `readOnly`/`writeOnly` filtering).
#[derive(Clone, PartialEq, Eq, Hash)]
struct PairKey {
    old: String,
    new: String,
    dir: Dir,
}

/// A pair of (resolved) schemas and, once compared, what differs between them.
struct Pair<'a> {
    dir: Dir,
    old: Node<'a>,
    new: Node<'a>,
    local: Option<Local>,
}

/// What differs within one pair of schemas and their inline subschemas. Subschemas reached
/// through a `$ref` are not compared here: they are edges to other pairs.
#[derive(Default)]
struct Local {
    changes: Vec<LocalChange>,
    /// (path relative to this pair, pair id)
    edges: Vec<(String, usize)>,
}

struct LocalChange {
    severity: Severity,
    kind: ChangeKind,
    pointer: String,
    /// Property path relative to the pair, e.g. `/owner/login`.
    path: String,
    /// What happened, e.g. `property was removed`.
    what: String,
}

impl Local {
    fn push(
        &mut self,
        severity: Severity,
        kind: ChangeKind,
        pointer: &str,
        path: &str,
        what: String,
    ) {
        self.changes.push(LocalChange {
            severity,
            kind,
            pointer: pointer.to_owned(),
            path: path.to_owned(),
            what,
        });
    }
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    op: String,
    out: Vec<Change>,
    /// Schema pairs, compared at most once per diff and shared by every operation.
    pairs: Vec<Pair<'a>>,
    ids: HashMap<PairKey, usize>,
    /// Per pair, the generation of the comparison root that last reached it.
    seen: Vec<u64>,
    generation: u64,
}

/// The property path of visit `index` of a breadth-first walk: the edge paths from the root.
fn path_of(pairs: &[Pair<'_>], visits: &[(usize, usize, usize)], mut index: usize) -> String {
    let mut parts = Vec::new();
    while let Some(&(_, parent, edge)) = visits.get(index) {
        let Some(&(parent_id, _, _)) = visits.get(parent) else {
            break;
        };
        let part = pairs
            .get(parent_id)
            .and_then(|p| p.local.as_ref())
            .and_then(|l| l.edges.get(edge))
            .map(|(path, _)| path.as_str());
        parts.push(part.unwrap_or_default());
        index = parent;
    }
    parts.reverse();
    parts.concat()
}

impl<'a> Differ<'a> {
    fn push(&mut self, severity: Severity, kind: ChangeKind, pointer: String, message: String) {
        self.out.push(Change {
            severity,
            kind,
            operation: self.op.clone(),
            pointer,
            message,
        });
    }

    fn operation(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        if !is_true(old.node.value, "deprecated") && is_true(new.node.value, "deprecated") {
            self.push(
                Severity::Additive,
                ChangeKind::OperationDeprecated,
                format!("{}/deprecated", new.node.ptr),
                "the operation was deprecated".to_owned(),
            );
        }
        self.parameters(old, new);
        self.request_body(old, new);
        self.responses(old, new);
        self.security(old, new);
    }

    /// Compares the security requirements in effect (the operation's `security`, else the
    /// document's). The list holds alternatives; each requirement needs all its schemes.
    fn security(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let (old_list, new_list) = (security_of(self.old, old), security_of(self.new, new));
        let (old_reqs, new_reqs) = (requirements(&old_list), requirements(&new_list));
        let anonymous =
            |reqs: &[Requirement<'_>]| reqs.is_empty() || reqs.iter().any(|r| r.schemes.is_empty());
        let (old_anonymous, new_anonymous) = (anonymous(&old_reqs), anonymous(&new_reqs));
        let now_required = old_anonymous && !new_anonymous;
        if now_required {
            let names: Vec<String> = new_reqs.iter().map(Requirement::label).collect();
            self.push(
                Severity::Breaking,
                ChangeKind::SecurityAdded,
                new_list.ptr.clone(),
                format!(
                    "the operation now requires authentication ({})",
                    names.join(" or ")
                ),
            );
        }
        // Two alternatives may name the same schemes with other scopes (Google: `drive`
        // or `drive.readonly`); each is matched with the one of the same scopes first.
        let same_scopes = |a: &Requirement<'_>, b: &Requirement<'_>| {
            a.schemes.iter().all(|(scheme, scopes)| {
                b.schemes.iter().any(|(s, other)| {
                    s == scheme
                        && scopes.iter().all(|x| other.contains(x))
                        && other.iter().all(|x| scopes.contains(x))
                })
            })
        };
        for o in old_reqs.iter().filter(|r| !r.schemes.is_empty()) {
            let same = new_reqs.iter().filter(|n| n.same_schemes(o));
            let Some(n) = same
                .clone()
                .find(|n| same_scopes(o, n))
                .or_else(|| same.clone().next())
            else {
                self.push(
                    if new_anonymous {
                        Severity::Additive
                    } else {
                        Severity::Breaking
                    },
                    ChangeKind::SecurityRemoved,
                    o.ptr.clone(),
                    format!("security requirement `{}` was removed", o.label()),
                );
                continue;
            };
            for (scheme, old_scopes) in &o.schemes {
                let new_scopes = n
                    .schemes
                    .iter()
                    .find(|(s, _)| s == scheme)
                    .map(|(_, scopes)| scopes.clone())
                    .unwrap_or_default();
                for scope in new_scopes.iter().filter(|s| !old_scopes.contains(s)) {
                    self.push(
                        Severity::Breaking,
                        ChangeKind::SecurityScopeAdded,
                        n.ptr.clone(),
                        format!("security scheme `{scheme}` now needs scope `{scope}`"),
                    );
                }
                for scope in old_scopes.iter().filter(|s| !new_scopes.contains(s)) {
                    self.push(
                        Severity::Additive,
                        ChangeKind::SecurityScopeRemoved,
                        n.ptr.clone(),
                        format!("security scheme `{scheme}` no longer needs scope `{scope}`"),
                    );
                }
                self.security_scheme(scheme);
            }
        }
        // When authentication became required, that one change already names them.
        if !now_required {
            for n in new_reqs.iter().filter(|r| !r.schemes.is_empty()) {
                if !old_reqs.iter().any(|o| o.same_schemes(n)) {
                    self.push(
                        Severity::Additive,
                        ChangeKind::SecurityAdded,
                        n.ptr.clone(),
                        format!(
                            "security requirement `{}` was added as an alternative",
                            n.label()
                        ),
                    );
                }
            }
        }
    }

    /// Compares the definition of a security scheme used on both sides.
    fn security_scheme(&mut self, name: &str) {
        let at = format!("/components/securitySchemes/{}", escape(name));
        let resolve_scheme = |doc: &'a Value| {
            let node = Node {
                value: doc.pointer(&at)?,
                ptr: at.clone(),
            };
            resolve(doc, node).map(|(n, _)| n)
        };
        let (Some(o), Some(n)) = (resolve_scheme(self.old), resolve_scheme(self.new)) else {
            return;
        };
        let text = |node: &Node<'_>, pointer: &str| {
            node.value
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let mut fields: Vec<String> = ["/type", "/in", "/name", "/scheme", "/openIdConnectUrl"]
            .iter()
            .map(|f| (*f).to_owned())
            .collect();
        for flow in [
            "implicit",
            "password",
            "clientCredentials",
            "authorizationCode",
        ] {
            if o.value.pointer(&format!("/flows/{flow}")).is_some() {
                fields.push(format!("/flows/{flow}"));
                fields.push(format!("/flows/{flow}/tokenUrl"));
                fields.push(format!("/flows/{flow}/authorizationUrl"));
            }
        }
        for field in fields {
            let (ov, nv) = (text(&o, &field), text(&n, &field));
            let exists = |node: &Node<'_>| node.value.pointer(&field).is_some();
            let same = match field.as_str() {
                // Header names and HTTP auth schemes are case-insensitive.
                "/name" | "/scheme" => {
                    ov.as_deref().map(str::to_ascii_lowercase)
                        == nv.as_deref().map(str::to_ascii_lowercase)
                }
                f if f.matches('/').count() == 2 => exists(&o) == exists(&n),
                _ => ov == nv,
            };
            if !same {
                let show = |v: Option<String>, present: bool| match v {
                    Some(v) => format!("`{v}`"),
                    None if present => "present".to_owned(),
                    None => "none".to_owned(),
                };
                self.push(
                    Severity::Breaking,
                    ChangeKind::SecuritySchemeChanged,
                    format!("{}{}", n.ptr, if exists(&n) { field.as_str() } else { "" }),
                    format!(
                        "security scheme `{name}`: `{}` changed from {} to {}",
                        field.trim_start_matches('/'),
                        show(ov, exists(&o)),
                        show(nv, exists(&n))
                    ),
                );
            }
        }
    }

    fn parameters(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let old_params = parameters(self.old, old);
        let new_params = parameters(self.new, new);
        for o in &old_params {
            let Some(n) = new_params
                .iter()
                .find(|n| n.location == o.location && n.key == o.key)
            else {
                self.push(
                    Severity::Breaking,
                    ChangeKind::ParameterRemoved,
                    o.site.clone(),
                    format!("{} was removed", o.label()),
                );
                continue;
            };
            match (o.required(), n.required()) {
                (false, true) => self.push(
                    Severity::Breaking,
                    ChangeKind::RequestParameterRequired,
                    n.node.ptr.clone(),
                    format!("{} became required", n.label()),
                ),
                (true, false) => self.push(
                    Severity::Additive,
                    ChangeKind::RequirementRelaxed,
                    n.node.ptr.clone(),
                    format!("{} is no longer required", n.label()),
                ),
                _ => {}
            }
            let (old_style, new_style) = (o.style(), n.style());
            if old_style != new_style {
                self.push(
                    Severity::Breaking,
                    ChangeKind::ParameterStyleChanged,
                    n.node.ptr.clone(),
                    format!(
                        "{}: serialization changed from {} to {}",
                        n.label(),
                        show_style(&old_style),
                        show_style(&new_style)
                    ),
                );
            }
            if let (Some(os), Some(ns)) = (o.schema(), n.schema()) {
                let default = |doc: &'a Value, s: &Node<'a>| {
                    resolve(doc, s.clone()).and_then(|(s, _)| s.value.get("default").cloned())
                };
                let (od, nd) = (default(self.old, &os), default(self.new, &ns));
                if !n.required() && od != nd {
                    let show =
                        |v: &Option<Value>| v.as_ref().map_or("none".to_owned(), display_value);
                    self.push(
                        Severity::Breaking,
                        ChangeKind::ParameterDefaultChanged,
                        ns.ptr.clone(),
                        format!(
                            "{}: default changed from `{}` to `{}`",
                            n.label(),
                            show(&od),
                            show(&nd)
                        ),
                    );
                }
                self.compare(Dir::Request, n.label(), os, ns);
            }
        }
        for n in &new_params {
            if old_params
                .iter()
                .any(|o| o.location == n.location && o.key == n.key)
            {
                continue;
            }
            if n.required() {
                self.push(
                    Severity::Breaking,
                    ChangeKind::RequestParameterRequired,
                    n.site.clone(),
                    format!("new required {}", n.label()),
                );
            } else {
                self.push(
                    Severity::Additive,
                    ChangeKind::ParameterAdded,
                    n.site.clone(),
                    format!("new optional {}", n.label()),
                );
            }
        }
    }

    fn request_body(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let ob = child(&old.node, "requestBody").and_then(|b| resolve(self.old, b));
        let nb = child(&new.node, "requestBody").and_then(|b| resolve(self.new, b));
        match (ob, nb) {
            (None, None) => {}
            (None, Some((n, _))) => {
                if is_true(n.value, "required") {
                    self.push(
                        Severity::Breaking,
                        ChangeKind::RequestBodyRequired,
                        n.ptr,
                        "a required request body was added".to_owned(),
                    );
                } else {
                    self.push(
                        Severity::Additive,
                        ChangeKind::RequestBodyAdded,
                        n.ptr,
                        "an optional request body was added".to_owned(),
                    );
                }
            }
            (Some((o, _)), None) => self.push(
                Severity::Breaking,
                ChangeKind::RequestBodyRemoved,
                o.ptr,
                "the request body was removed".to_owned(),
            ),
            (Some((o, _)), Some((n, _))) => {
                match (is_true(o.value, "required"), is_true(n.value, "required")) {
                    (false, true) => self.push(
                        Severity::Breaking,
                        ChangeKind::RequestBodyRequired,
                        n.ptr.clone(),
                        "the request body became required".to_owned(),
                    ),
                    (true, false) => self.push(
                        Severity::Additive,
                        ChangeKind::RequirementRelaxed,
                        n.ptr.clone(),
                        "the request body is no longer required".to_owned(),
                    ),
                    _ => {}
                }
                let (oc, nc) = (child(&o, "content"), child(&n, "content"));
                let om = oc.as_ref().and_then(pick_media);
                let nm = nc.as_ref().and_then(pick_media);
                if let (Some(om), Some(nm)) = (om, nm) {
                    self.media(Dir::Request, "request body".to_owned(), om, nm);
                    self.media_sets("request body", oc.as_ref(), nc.as_ref());
                }
            }
        }
    }

    /// Compares the chosen media types of two bodies and then their schemas.
    fn media(&mut self, dir: Dir, label: String, old: (&str, Node<'a>), new: (&str, Node<'a>)) {
        let (old_type, old_media) = old;
        let (new_type, new_media) = new;
        if old_type != new_type && !(is_json(old_type) && is_json(new_type)) {
            self.push(
                Severity::Breaking,
                ChangeKind::MediaTypeChanged,
                new_media.ptr.clone(),
                format!("{label}: media type changed from `{old_type}` to `{new_type}`"),
            );
        }
        if let (Some(os), Some(ns)) = (child(&old_media, "schema"), child(&new_media, "schema")) {
            self.compare(dir, label, os, ns);
        }
    }

    /// Media types that left or joined a `content` map. The compared ones (see
    /// [`pick_media`]) are left out when they differ: that is a [`ChangeKind::MediaTypeChanged`].
    fn media_sets(&mut self, label: &str, old: Option<&Node<'a>>, new: Option<&Node<'a>>) {
        let old_pick = old.and_then(pick_media).map(|(k, _)| media_base(k));
        let new_pick = new.and_then(pick_media).map(|(k, _)| media_base(k));
        let renamed = old_pick != new_pick;
        let (old_keys, new_keys) = (media_keys(old), media_keys(new));
        for (key, node) in &old_keys {
            if renamed && Some(key) == old_pick.as_ref() {
                continue;
            }
            if !new_keys.iter().any(|(k, _)| k == key) {
                self.push(
                    Severity::Breaking,
                    ChangeKind::MediaTypeRemoved,
                    node.ptr.clone(),
                    format!("{label}: media type `{key}` was removed"),
                );
            }
        }
        for (key, node) in &new_keys {
            if renamed && Some(key) == new_pick.as_ref() {
                continue;
            }
            if !old_keys.iter().any(|(k, _)| k == key) {
                self.push(
                    Severity::Additive,
                    ChangeKind::MediaTypeAdded,
                    node.ptr.clone(),
                    format!("{label}: media type `{key}` was added"),
                );
            }
        }
    }

    fn responses(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let old_responses = child(&old.node, "responses")
            .map(|r| entries(&r))
            .unwrap_or_default();
        let new_responses = child(&new.node, "responses")
            .map(|r| entries(&r))
            .unwrap_or_default();
        for (status, o) in &old_responses {
            match new_responses.iter().find(|(s, _)| s == status) {
                None => self.push(
                    Severity::Breaking,
                    ChangeKind::ResponseStatusRemoved,
                    o.ptr.clone(),
                    format!("response {status} was removed"),
                ),
                Some((_, n)) => self.response(status, o.clone(), n.clone()),
            }
        }
        for (status, n) in &new_responses {
            if !old_responses.iter().any(|(s, _)| s == status) {
                self.push(
                    Severity::Additive,
                    ChangeKind::ResponseStatusAdded,
                    n.ptr.clone(),
                    format!("response {status} was added"),
                );
            }
        }
    }

    fn response(&mut self, status: &str, old: Node<'a>, new: Node<'a>) {
        let (Some((old, _)), Some((new, _))) = (resolve(self.old, old), resolve(self.new, new))
        else {
            return;
        };
        let (oc, nc) = (child(&old, "content"), child(&new, "content"));
        let om = oc.as_ref().and_then(pick_media);
        let nm = nc.as_ref().and_then(pick_media);
        let label = format!("response {status} body");
        match (om, nm) {
            (None, None) => {}
            (Some((_, o)), None) => self.push(
                Severity::Breaking,
                ChangeKind::ResponseBodyRemoved,
                o.ptr,
                format!("{label} was removed"),
            ),
            (None, Some((_, n))) => self.push(
                Severity::Additive,
                ChangeKind::ResponseBodyAdded,
                n.ptr,
                format!("{label} was added"),
            ),
            (Some(om), Some(nm)) => {
                self.media(Dir::Response, label.clone(), om, nm);
                self.media_sets(&label, oc.as_ref(), nc.as_ref());
            }
        }

        let old_headers = child(&old, "headers")
            .map(|h| entries(&h))
            .unwrap_or_default();
        let new_headers = child(&new, "headers")
            .map(|h| entries(&h))
            .unwrap_or_default();
        for (name, o) in &old_headers {
            let label = format!("response {status} header `{name}`");
            match new_headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                None => self.push(
                    Severity::Breaking,
                    ChangeKind::ResponseHeaderRemoved,
                    o.ptr.clone(),
                    format!("{label} was removed"),
                ),
                Some((_, n)) => {
                    let oh = resolve(self.old, o.clone()).map(|(h, _)| h);
                    let nh = resolve(self.new, n.clone()).map(|(h, _)| h);
                    if let (Some(oh), Some(nh)) = (&oh, &nh) {
                        match (is_true(oh.value, "required"), is_true(nh.value, "required")) {
                            (true, false) => self.push(
                                Severity::Breaking,
                                ChangeKind::ResponseHeaderMadeOptional,
                                nh.ptr.clone(),
                                format!("{label} is no longer required and may be absent"),
                            ),
                            (false, true) => self.push(
                                Severity::Additive,
                                ChangeKind::ResponseHeaderMadeRequired,
                                nh.ptr.clone(),
                                format!("{label} is now always sent"),
                            ),
                            _ => {}
                        }
                    }
                    let os = oh.and_then(|h| child(&h, "schema"));
                    let ns = nh.and_then(|h| child(&h, "schema"));
                    if let (Some(os), Some(ns)) = (os, ns) {
                        self.compare(Dir::Response, label, os, ns);
                    }
                }
            }
        }
        for (name, n) in &new_headers {
            if !old_headers
                .iter()
                .any(|(o, _)| o.eq_ignore_ascii_case(name))
            {
                self.push(
                    Severity::Additive,
                    ChangeKind::ResponseHeaderAdded,
                    n.ptr.clone(),
                    format!("response {status} header `{name}` was added"),
                );
            }
        }
    }

    /// Compares two schemas as a comparison root (a parameter, a body or a header): every
    /// pair of schemas reachable from it is reported once, at the shortest property path
    /// that reaches it (breadth-first, in document order). Visiting each pair once per
    /// root is also the cycle guard for recursive schemas.
    fn compare(&mut self, dir: Dir, label: String, old: Node<'a>, new: Node<'a>) {
        let (Some((old, _)), Some((new, _))) = (resolve(self.old, old), resolve(self.new, new))
        else {
            return;
        };
        let root = self.intern(dir, old, new);
        self.generation += 1;
        let generation = self.generation;
        // Breadth-first; each visit is (pair id, parent visit, edge index in the parent).
        let mut visits: Vec<(usize, usize, usize)> = vec![(root, usize::MAX, 0)];
        let mut next = 0;
        while let Some(&(id, _, _)) = visits.get(next) {
            self.ensure_compared(id);
            self.seen.resize(self.pairs.len(), 0);
            let Some(local) = self.pairs.get(id).and_then(|p| p.local.as_ref()) else {
                next += 1;
                continue;
            };
            if let Some(slot) = self.seen.get_mut(id) {
                *slot = generation;
            }
            if !local.changes.is_empty() {
                let prefix = path_of(&self.pairs, &visits, next);
                for c in &local.changes {
                    let path = format!("{prefix}{}", c.path);
                    let path = if path.is_empty() { "/" } else { path.as_str() };
                    self.out.push(Change {
                        severity: c.severity,
                        kind: c.kind,
                        operation: self.op.clone(),
                        pointer: c.pointer.clone(),
                        message: format!("{label}: {path}: {}", c.what),
                    });
                }
            }
            for (edge, (_, target)) in local.edges.iter().enumerate() {
                if let Some(slot) = self.seen.get_mut(*target) {
                    if *slot != generation {
                        *slot = generation;
                        visits.push((*target, next, edge));
                    }
                }
            }
            next += 1;
        }
    }

    /// The id of a pair of resolved schemas, registering it on first sight.
    fn intern(&mut self, dir: Dir, old: Node<'a>, new: Node<'a>) -> usize {
        let key = PairKey {
            old: old.ptr.clone(),
            new: new.ptr.clone(),
            dir,
        };
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = self.pairs.len();
        self.pairs.push(Pair {
            dir,
            old,
            new,
            local: None,
        });
        self.ids.insert(key, id);
        id
    }

    fn ensure_compared(&mut self, id: usize) {
        let Some(pair) = self.pairs.get(id) else {
            return;
        };
        if pair.local.is_some() {
            return;
        }
        let (dir, old, new) = (pair.dir, pair.old.clone(), pair.new.clone());
        let mut local = Local::default();
        self.schema(dir, &mut local, "", &old, &new);
        if let Some(pair) = self.pairs.get_mut(id) {
            pair.local = Some(local);
        }
    }

    /// Compares two subschemas as an edge to their interned pair: behind a `$ref` or not,
    /// a pair of nodes is compared once per diff. Inline nodes are interned too because
    /// `allOf` merging reaches the same inline node again through a recursive component
    /// (AWS's `ComponentChild`: `children[]` → `allOf: [$ref ComponentChild]`), which
    /// compared inline right away grew exponentially with the depth limit.
    fn subschema(
        &mut self,
        dir: Dir,
        local: &mut Local,
        path: &str,
        old: &Node<'a>,
        new: &Node<'a>,
    ) {
        let (Some((old, _)), Some((new, _))) = (
            resolve(self.old, old.clone()),
            resolve(self.new, new.clone()),
        ) else {
            return;
        };
        let id = self.intern(dir, old, new);
        local.edges.push((path.to_owned(), id));
    }

    /// Compares two resolved schemas, descending into inline subschemas.
    fn schema(&mut self, dir: Dir, local: &mut Local, path: &str, old: &Node<'a>, new: &Node<'a>) {
        if !old.value.is_object() || !new.value.is_object() {
            return;
        }
        let ov = View::of(self.old, old);
        let nv = View::of(self.new, new);

        let rel = type_rel(ov.ty.as_deref(), nv.ty.as_deref());
        if rel != Rel::Same {
            local.push(
                rel.severity(dir),
                ChangeKind::PropertyTypeChanged,
                &nv.ptr,
                path,
                format!(
                    "type changed from `{}` to `{}`",
                    ov.ty.as_deref().unwrap_or("any"),
                    nv.ty.as_deref().unwrap_or("any")
                ),
            );
            if rel == Rel::Incompatible {
                return;
            }
        }
        let rel = format_rel(ov.format, nv.format);
        if rel != Rel::Same {
            local.push(
                rel.severity(dir),
                ChangeKind::PropertyFormatChanged,
                &nv.ptr,
                path,
                format!(
                    "format changed from `{}` to `{}`",
                    ov.format.unwrap_or("none"),
                    nv.format.unwrap_or("none")
                ),
            );
        }
        constraints(dir, local, path, &ov, &nv);
        match (ov.nullable, nv.nullable) {
            (false, true) => local.push(
                dir.pick(Severity::Additive, Severity::Breaking),
                ChangeKind::NullableAdded,
                &nv.ptr,
                path,
                "became nullable".to_owned(),
            ),
            (true, false) => local.push(
                dir.pick(Severity::Breaking, Severity::Additive),
                ChangeKind::NullableRemoved,
                &nv.ptr,
                path,
                "is no longer nullable".to_owned(),
            ),
            _ => {}
        }
        enums(dir, local, path, &ov, &nv);
        if !self.compositions(dir, local, path, &ov, &nv) {
            return;
        }
        self.properties(dir, local, path, &ov, &nv);
        if let (Some(o), Some(n)) = (&ov.items, &nv.items) {
            self.subschema(dir, local, &format!("{path}/[]"), o, n);
        }
        if let (Some(o), Some(n)) = (&ov.additional, &nv.additional) {
            self.subschema(dir, local, &format!("{path}/*"), o, n);
        }
    }

    /// Compares `oneOf`/`anyOf`; returns false when the alternatives no longer line up.
    fn compositions(
        &mut self,
        dir: Dir,
        local: &mut Local,
        path: &str,
        ov: &View<'a>,
        nv: &View<'a>,
    ) -> bool {
        let mut aligned = true;
        for (keyword, o, n) in [
            ("oneOf", &ov.one_of, &nv.one_of),
            ("anyOf", &ov.any_of, &nv.any_of),
        ] {
            match (o, n) {
                (None, None) => {}
                (Some(o), Some(n)) => {
                    let (oa, na) = (elements(o), elements(n));
                    if oa.len() == na.len() {
                        for (i, (o, n)) in oa.iter().zip(&na).enumerate() {
                            let path = format!("{path}/<{keyword} {i}>");
                            self.subschema(dir, local, &path, o, n);
                        }
                    } else {
                        aligned = false;
                        local.push(
                            Severity::Breaking,
                            ChangeKind::PropertyTypeChanged,
                            &n.ptr,
                            path,
                            format!(
                                "{keyword} changed from {} to {} alternatives",
                                oa.len(),
                                na.len()
                            ),
                        );
                    }
                }
                (Some(_), None) => {
                    aligned = false;
                    local.push(
                        Severity::Breaking,
                        ChangeKind::PropertyTypeChanged,
                        &nv.ptr,
                        path,
                        format!("is no longer a {keyword}"),
                    );
                }
                (None, Some(n)) => {
                    aligned = false;
                    local.push(
                        Severity::Breaking,
                        ChangeKind::PropertyTypeChanged,
                        &n.ptr,
                        path,
                        format!("became a {keyword}"),
                    );
                }
            }
        }
        aligned
    }

    fn properties(
        &mut self,
        dir: Dir,
        local: &mut Local,
        path: &str,
        ov: &View<'a>,
        nv: &View<'a>,
    ) {
        let old_props: Vec<&(&str, Node<'a>)> = ov
            .props
            .iter()
            .filter(|(_, n)| visible(self.old, dir, n))
            .collect();
        let new_props: Vec<&(&str, Node<'a>)> = nv
            .props
            .iter()
            .filter(|(_, n)| visible(self.new, dir, n))
            .collect();
        for (name, o) in &old_props {
            let path = format!("{path}/{name}");
            let Some((_, n)) = new_props.iter().find(|(k, _)| k == name) else {
                // Still there but now hidden on this side: say why.
                let hidden = nv.props.iter().find(|(k, _)| k == name);
                let (kind, pointer, what) = match (dir, hidden) {
                    (Dir::Request, Some((_, n))) => (
                        ChangeKind::RequestPropertyRemoved,
                        &n.ptr,
                        "became readOnly: requests may no longer send it",
                    ),
                    (Dir::Response, Some((_, n))) => (
                        ChangeKind::ResponsePropertyRemoved,
                        &n.ptr,
                        "became writeOnly: responses no longer carry it",
                    ),
                    (Dir::Request, None) => (
                        ChangeKind::RequestPropertyRemoved,
                        &o.ptr,
                        "property was removed",
                    ),
                    (Dir::Response, None) => (
                        ChangeKind::ResponsePropertyRemoved,
                        &o.ptr,
                        "property was removed",
                    ),
                };
                local.push(Severity::Breaking, kind, pointer, &path, what.to_owned());
                continue;
            };
            let required = (ov.required.contains(name), nv.required.contains(name));
            let change = match (dir, required) {
                (Dir::Request, (false, true)) => Some((
                    Severity::Breaking,
                    ChangeKind::RequestPropertyRequired,
                    "became required",
                )),
                (Dir::Request, (true, false)) => Some((
                    Severity::Additive,
                    ChangeKind::RequirementRelaxed,
                    "is no longer required",
                )),
                (Dir::Response, (true, false)) => Some((
                    Severity::Breaking,
                    ChangeKind::ResponsePropertyMadeOptional,
                    "is no longer required and may be absent",
                )),
                (Dir::Response, (false, true)) => Some((
                    Severity::Additive,
                    ChangeKind::ResponsePropertyMadeRequired,
                    "is now always present",
                )),
                _ => None,
            };
            if let Some((severity, kind, what)) = change {
                local.push(severity, kind, &n.ptr, &path, what.to_owned());
            }
            self.subschema(dir, local, &path, o, n);
        }
        for (name, n) in &new_props {
            if old_props.iter().any(|(k, _)| k == name) {
                continue;
            }
            let (severity, kind, what) = match dir {
                Dir::Response => (
                    Severity::Additive,
                    ChangeKind::ResponsePropertyAdded,
                    "property was added",
                ),
                Dir::Request if nv.required.contains(name) => (
                    Severity::Breaking,
                    ChangeKind::RequestPropertyRequired,
                    "new required property",
                ),
                Dir::Request => (
                    Severity::Additive,
                    ChangeKind::RequestPropertyAdded,
                    "new optional property",
                ),
            };
            local.push(
                severity,
                kind,
                &n.ptr,
                &format!("{path}/{name}"),
                what.to_owned(),
            );
        }
    }
}

/// A JSON value as a person would write it: strings without quotes.
fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn enums(dir: Dir, local: &mut Local, path: &str, ov: &View<'_>, nv: &View<'_>) {
    let removed = dir.pick(Severity::Breaking, Severity::Additive);
    let added = dir.pick(Severity::Additive, Severity::Breaking);
    match (&ov.enum_values, &nv.enum_values) {
        (Some(old_values), Some(new_values)) => {
            for o in old_values {
                if !new_values.iter().any(|n| n.value == o.value) {
                    local.push(
                        removed,
                        ChangeKind::EnumValueRemoved,
                        &o.ptr,
                        path,
                        format!("enum value `{}` was removed", display_value(o.value)),
                    );
                }
            }
            for n in new_values {
                if !old_values.iter().any(|o| o.value == n.value) {
                    // Requests widen; responses are read tolerantly (module doc).
                    local.push(
                        Severity::Additive,
                        ChangeKind::EnumValueAdded,
                        &n.ptr,
                        path,
                        format!("enum value `{}` was added", display_value(n.value)),
                    );
                }
            }
        }
        (Some(_), None) => local.push(
            added,
            ChangeKind::EnumValueAdded,
            &nv.ptr,
            path,
            "enum constraint was dropped, any value is now allowed".to_owned(),
        ),
        (None, Some(new_values)) => local.push(
            removed,
            ChangeKind::EnumValueRemoved,
            &ov.ptr,
            path,
            format!(
                "enum constraint was added, only {} value(s) are now allowed",
                new_values.len()
            ),
        ),
        (None, None) => {}
    }
}

/// Compares the validation keywords of two merged schemas: bounds (with their
/// `exclusiveMinimum`/`exclusiveMaximum` flags), `pattern`, `multipleOf`, `uniqueItems`.
fn constraints(dir: Dir, local: &mut Local, path: &str, ov: &View<'_>, nv: &View<'_>) {
    let (old, new) = (&ov.limits, &nv.limits);
    let bounds = UPPER_BOUNDS
        .iter()
        .map(|k| (*k, true))
        .chain(LOWER_BOUNDS.iter().map(|k| (*k, false)));
    for (key, upper) in bounds {
        let (o, n) = (old.bounds.get(key), new.bounds.get(key));
        let rel = match (o, n) {
            (None, None) => Rel::Same,
            (Some(_), None) => Rel::Widened,
            (None, Some(_)) => Rel::Narrowed,
            (Some(o), Some(n)) if n.tighter_than(o, upper) => Rel::Narrowed,
            (Some(o), Some(n)) if o.tighter_than(n, upper) => Rel::Widened,
            _ => Rel::Same,
        };
        if rel == Rel::Same {
            continue;
        }
        let show = |b: Option<&Bound>| b.map_or("none".to_owned(), Bound::show);
        let exclusive_key = match key {
            "maximum" => "exclusiveMaximum",
            _ => "exclusiveMinimum",
        };
        let (keyword, what) = match (o, n) {
            // Only the flag moved: name the flag.
            (Some(o), Some(n)) if o.value == n.value => (
                exclusive_key,
                format!(
                    "`{exclusive_key}` changed from {} to {} (bound {})",
                    o.exclusive, n.exclusive, n.value
                ),
            ),
            _ => (
                key,
                format!("`{key}` changed from {} to {}", show(o), show(n)),
            ),
        };
        // Into the document that has the keyword: the new one, the old one for a removal
        // (a dropped bound, or an exclusive flag that went back to false).
        let pointer = match (o, n) {
            (Some(o), Some(n)) if keyword == exclusive_key && !n.exclusive => {
                format!("{}/{keyword}", o.schema)
            }
            (_, Some(b)) | (Some(b), None) => format!("{}/{keyword}", b.schema),
            (None, None) => continue,
        };
        local.push(
            rel.severity(dir),
            ChangeKind::ConstraintChanged,
            &pointer,
            path,
            what,
        );
    }

    // Every pattern must match: a new one narrows, a dropped one widens.
    let added: Vec<&(&str, String)> = new
        .patterns
        .iter()
        .filter(|(p, _)| !old.patterns.iter().any(|(q, _)| q == p))
        .collect();
    let dropped: Vec<&(&str, String)> = old
        .patterns
        .iter()
        .filter(|(p, _)| !new.patterns.iter().any(|(q, _)| q == p))
        .collect();
    let rel = match (added.is_empty(), dropped.is_empty()) {
        (true, true) => Rel::Same,
        (false, true) => Rel::Narrowed,
        (true, false) => Rel::Widened,
        (false, false) => Rel::Incompatible,
    };
    if rel != Rel::Same {
        let pointer = added
            .first()
            .or(dropped.first())
            .map(|(_, ptr)| ptr.clone())
            .unwrap_or_default();
        let list = |ps: &[&(&str, String)]| {
            if ps.is_empty() {
                "none".to_owned()
            } else {
                ps.iter()
                    .map(|(p, _)| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        local.push(
            rel.severity(dir),
            ChangeKind::ConstraintChanged,
            &pointer,
            path,
            format!(
                "`pattern` changed from {} to {}",
                list(&dropped),
                list(&added)
            ),
        );
    }

    // `multipleOf: m` is implied by `multipleOf: k m` (every multiple of 10 is one of 5).
    let implied = |m: f64, by: &[(f64, String)]| {
        by.iter().any(|(k, _)| {
            let q = k / m;
            q.is_finite() && (q - q.round()).abs() < 1e-9
        })
    };
    let stricter = new
        .multiple_of
        .iter()
        .find(|(m, _)| !implied(*m, &old.multiple_of));
    let looser = old
        .multiple_of
        .iter()
        .find(|(m, _)| !implied(*m, &new.multiple_of));
    let rel = match (stricter, looser) {
        (None, None) => Rel::Same,
        (Some(_), None) => Rel::Narrowed,
        (None, Some(_)) => Rel::Widened,
        (Some(_), Some(_)) => Rel::Incompatible,
    };
    if rel != Rel::Same {
        let show = |ms: &[(f64, String)]| {
            if ms.is_empty() {
                "none".to_owned()
            } else {
                ms.iter()
                    .map(|(m, _)| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let pointer = stricter
            .or(looser)
            .map(|(_, ptr)| ptr.clone())
            .unwrap_or_default();
        local.push(
            rel.severity(dir),
            ChangeKind::ConstraintChanged,
            &pointer,
            path,
            format!(
                "`multipleOf` changed from {} to {}",
                show(&old.multiple_of),
                show(&new.multiple_of)
            ),
        );
    }

    match (&old.unique_items, &new.unique_items) {
        (None, Some(ptr)) => local.push(
            Rel::Narrowed.severity(dir),
            ChangeKind::ConstraintChanged,
            ptr,
            path,
            "`uniqueItems` became true: repeated items are no longer allowed".to_owned(),
        ),
        (Some(ptr), None) => local.push(
            Rel::Widened.severity(dir),
            ChangeKind::ConstraintChanged,
            ptr,
            path,
            "`uniqueItems` was dropped: items may now repeat".to_owned(),
        ),
        _ => {}
    }
}

/// The media type keys of a `content` map (lowercased, parameters dropped) with their nodes.
fn media_keys<'a>(content: Option<&Node<'a>>) -> Vec<(String, Node<'a>)> {
    content
        .map(entries)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, n)| (media_base(k), n))
        .collect()
}

fn media_base(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `readOnly` properties are not sent and `writeOnly` ones are not received.
fn visible(doc: &Value, dir: Dir, node: &Node<'_>) -> bool {
    let flag = match dir {
        Dir::Request => "readOnly",
        Dir::Response => "writeOnly",
    };
    if is_true(node.value, flag) {
        return false;
    }
    match resolve(doc, node.clone()) {
        Some((target, _)) => !is_true(target.value, flag),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small contract touching every area the diff looks at.
    const BASE: &str = r##"
openapi: 3.0.3
info: {title: test, version: "1.0.0"}
paths:
  /repos/{owner}/{repo}:
    parameters:
      - {name: owner, in: path, required: true, schema: {type: string}}
      - {name: repo, in: path, required: true, schema: {type: string}}
    get:
      operationId: getRepo
      parameters:
        - {name: per_page, in: query, schema: {type: integer}}
        - {name: state, in: query, schema: {type: string, enum: [open, closed, all]}}
        - {$ref: '#/components/parameters/Page'}
      responses:
        '200':
          description: ok
          headers:
            X-RateLimit-Limit: {$ref: '#/components/headers/Limit'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Repo'}
        '404': {$ref: '#/components/responses/NotFound'}
  /user/repos:
    post:
      operationId: createRepo
      parameters:
        - {$ref: '#/components/parameters/Page'}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                private: {type: boolean}
                size: {type: integer}
                topic: {type: string, enum: [web, cli]}
                id: {type: integer, readOnly: true}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Repo'}
components:
  parameters:
    Page: {name: page, in: query, schema: {type: integer}}
  headers:
    Limit: {schema: {type: integer}}
  responses:
    NotFound:
      description: missing
      content:
        application/json:
          schema:
            type: object
            properties:
              message: {type: string}
  schemas:
    Repo:
      type: object
      required: [id, owner]
      properties:
        id: {type: integer}
        owner: {$ref: '#/components/schemas/User'}
        visibility: {type: string, enum: [public, private]}
        labels:
          type: array
          items:
            type: object
            properties:
              name: {type: string}
        parent: {$ref: '#/components/schemas/Repo'}
    User:
      type: object
      properties:
        login: {type: string}
"##;

    const GET_REPO: &str = "/paths/~1repos~1{owner}~1{repo}/get";
    const CREATE_REPO: &str = "/paths/~1user~1repos/post";
    const CREATE_BODY: &str =
        "/paths/~1user~1repos/post/requestBody/content/application~1json/schema";

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).expect("test YAML parses")
    }

    /// Replaces the first occurrence of `from`, which must be present.
    fn edit(base: &str, from: &str, to: &str) -> String {
        assert!(base.contains(from), "edit target missing: {from:?}");
        base.replacen(from, to, 1)
    }

    fn run(old: &str, new: &str) -> Vec<Change> {
        diff(&yaml(old), &yaml(new))
    }

    /// (severity, kind, operation, pointer) of every change, in output order.
    fn summary(changes: &[Change]) -> Vec<(Severity, ChangeKind, &str, &str)> {
        changes
            .iter()
            .map(|c| (c.severity, c.kind, c.operation.as_str(), c.pointer.as_str()))
            .collect()
    }

    fn breaking(changes: &[Change]) -> Vec<(Severity, ChangeKind, &str, &str)> {
        summary(changes)
            .into_iter()
            .filter(|c| c.0 == Severity::Breaking)
            .collect()
    }

    fn message_of<'c>(changes: &'c [Change], kind: ChangeKind, operation: &str) -> &'c str {
        changes
            .iter()
            .find(|c| c.kind == kind && c.operation == operation)
            .map(|c| c.message.as_str())
            .expect("change present")
    }

    #[test]
    fn identical_contracts_have_no_changes() {
        assert_eq!(run(BASE, BASE), vec![]);
        assert_eq!(diff(&Value::Null, &Value::Null), vec![]);
    }

    #[test]
    fn base_contract_resolves_pointers() {
        // Guard the hand-written pointers used below.
        let doc = yaml(BASE);
        for ptr in [GET_REPO, CREATE_REPO, CREATE_BODY] {
            assert!(doc.pointer(ptr).is_some(), "{ptr}");
        }
    }

    #[test]
    fn operation_removed_and_added() {
        let new = edit(
            BASE,
            "    post:\n      operationId: createRepo",
            "    put:\n      operationId: createRepoV2",
        );
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::OperationRemoved,
                    "createRepo",
                    "/paths/~1user~1repos/post"
                ),
                (
                    Severity::Additive,
                    ChangeKind::OperationAdded,
                    "createRepoV2",
                    "/paths/~1user~1repos/put"
                ),
            ]
        );
        assert_eq!(
            changes[0].message,
            "operation `createRepo` (POST /user/repos) was removed"
        );
        assert!(changes[0].is_breaking());
        assert!(!changes[1].is_breaking());
    }

    #[test]
    fn method_change_is_breaking() {
        let new = edit(
            BASE,
            "    post:\n      operationId: createRepo",
            "    put:\n      operationId: createRepo",
        );
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::MethodOrPathChanged,
                "createRepo",
                "/paths/~1user~1repos/put"
            )]
        );
    }

    #[test]
    fn path_change_is_breaking() {
        let new = edit(BASE, "  /user/repos:", "  /user/repositories:");
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::MethodOrPathChanged,
                "createRepo",
                "/paths/~1user~1repositories/post"
            )]
        );
        assert_eq!(
            changes[0].message,
            "operation `createRepo` moved from POST /user/repos to POST /user/repositories"
        );
    }

    #[test]
    fn response_property_removed_behind_ref_is_reported_for_every_operation() {
        let new = edit(
            BASE,
            "        login: {type: string}",
            "        name: {type: string}",
        );
        let changes = run(BASE, &new);
        let login = "/components/schemas/User/properties/login";
        assert_eq!(
            breaking(&changes),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::ResponsePropertyRemoved,
                    "createRepo",
                    login
                ),
                (
                    Severity::Breaking,
                    ChangeKind::ResponsePropertyRemoved,
                    "getRepo",
                    login
                ),
            ]
        );
        assert_eq!(
            message_of(&changes, ChangeKind::ResponsePropertyRemoved, "getRepo"),
            "response 200 body: /owner/login: property was removed"
        );
        assert_eq!(
            message_of(&changes, ChangeKind::ResponsePropertyRemoved, "createRepo"),
            "response 201 body: /owner/login: property was removed"
        );
        // The added `name` is reported too, and is not breaking.
        assert_eq!(
            changes
                .iter()
                .filter(|c| c.kind == ChangeKind::ResponsePropertyAdded
                    && c.pointer == "/components/schemas/User/properties/name"
                    && !c.is_breaking())
                .count(),
            2
        );
    }

    #[test]
    fn response_property_added_is_additive() {
        let new = edit(
            BASE,
            "        login: {type: string}",
            "        login: {type: string}\n        email: {type: string}",
        );
        let changes = run(BASE, &new);
        assert_eq!(changes.len(), 2);
        assert!(changes
            .iter()
            .all(|c| c.kind == ChangeKind::ResponsePropertyAdded && !c.is_breaking()));
        assert_eq!(
            message_of(&changes, ChangeKind::ResponsePropertyAdded, "getRepo"),
            "response 200 body: /owner/email: property was added"
        );
    }

    #[test]
    fn response_type_change_is_breaking() {
        let new = edit(
            BASE,
            "        id: {type: integer}",
            "        id: {type: string}",
        );
        let changes = run(BASE, &new);
        let id = "/components/schemas/Repo/properties/id";
        assert_eq!(
            summary(&changes),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::PropertyTypeChanged,
                    "createRepo",
                    id
                ),
                (
                    Severity::Breaking,
                    ChangeKind::PropertyTypeChanged,
                    "getRepo",
                    id
                ),
            ]
        );
        assert_eq!(
            changes[1].message,
            "response 200 body: /id: type changed from `integer` to `string`"
        );
    }

    #[test]
    fn integer_to_number_widening_depends_on_direction() {
        // Response: a client decoding integers may now receive 1.5.
        let new = edit(
            BASE,
            "        id: {type: integer}",
            "        id: {type: number}",
        );
        let changes = run(BASE, &new);
        assert_eq!(changes.len(), 2);
        assert!(changes
            .iter()
            .all(|c| c.kind == ChangeKind::PropertyTypeChanged && c.is_breaking()));

        // Request: the server now accepts more than before.
        let new = edit(BASE, "size: {type: integer}", "size: {type: number}");
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Additive,
                ChangeKind::PropertyTypeChanged,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/size"
            )]
        );

        // Request: an incompatible type is breaking.
        let new = edit(BASE, "size: {type: integer}", "size: {type: string}");
        let changes = run(BASE, &new);
        assert_eq!(
            breaking(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/size"
            )]
        );
        assert_eq!(
            changes[0].message,
            "request body: /size: type changed from `integer` to `string`"
        );
    }

    #[test]
    fn format_change() {
        let new = edit(
            BASE,
            "        id: {type: integer}",
            "        id: {type: integer, format: int64}",
        );
        // Adding a format narrows a response: fine.
        assert!(run(BASE, &new)
            .iter()
            .all(|c| c.kind == ChangeKind::PropertyFormatChanged && !c.is_breaking()));
        // ... and going back widens it: breaking.
        assert!(run(&new, BASE)
            .iter()
            .all(|c| c.kind == ChangeKind::PropertyFormatChanged && c.is_breaking()));
        let a = edit(
            BASE,
            "size: {type: integer}",
            "size: {type: integer, format: int32}",
        );
        let b = edit(
            BASE,
            "size: {type: integer}",
            "size: {type: integer, format: int64}",
        );
        assert_eq!(
            summary(&run(&a, &b)),
            vec![(
                Severity::Additive,
                ChangeKind::PropertyFormatChanged,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/size"
            )]
        );
        assert!(run(&b, &a).iter().all(Change::is_breaking));
    }

    #[test]
    fn response_property_becoming_nullable_is_breaking() {
        let new = edit(
            BASE,
            "        login: {type: string}",
            "        login: {type: string, nullable: true}",
        );
        let changes = run(BASE, &new);
        let login = "/components/schemas/User/properties/login";
        assert_eq!(
            summary(&changes),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::NullableAdded,
                    "createRepo",
                    login
                ),
                (
                    Severity::Breaking,
                    ChangeKind::NullableAdded,
                    "getRepo",
                    login
                ),
            ]
        );
        assert_eq!(
            changes[1].message,
            "response 200 body: /owner/login: became nullable"
        );
        // The reverse narrows the response: not breaking.
        let back = run(&new, BASE);
        assert!(back
            .iter()
            .all(|c| c.kind == ChangeKind::NullableRemoved && !c.is_breaking()));
    }

    #[test]
    fn request_nullable_direction() {
        let new = edit(
            BASE,
            "private: {type: boolean}",
            "private: {type: boolean, nullable: true}",
        );
        let pointer = format!("{CREATE_BODY}/properties/private");
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Additive,
                ChangeKind::NullableAdded,
                "createRepo",
                pointer.as_str()
            )]
        );
        assert_eq!(
            summary(&run(&new, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::NullableRemoved,
                "createRepo",
                pointer.as_str()
            )]
        );
    }

    #[test]
    fn response_status_removed_and_added() {
        let new = edit(
            BASE,
            "        '404': {$ref: '#/components/responses/NotFound'}\n",
            "",
        );
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::ResponseStatusRemoved,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/responses/404"
            )]
        );
        assert_eq!(changes[0].message, "response 404 was removed");

        let new = edit(
            BASE,
            "        '404': {$ref: '#/components/responses/NotFound'}\n",
            "        '404': {$ref: '#/components/responses/NotFound'}\n        '500': {description: oops}\n",
        );
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Additive,
                ChangeKind::ResponseStatusAdded,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/responses/500"
            )]
        );
    }

    #[test]
    fn response_behind_component_ref_is_compared() {
        let new = edit(BASE, "              message: {type: string}", "");
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "getRepo",
                "/components/responses/NotFound/content/application~1json/schema/properties/message"
            )]
        );
        assert_eq!(
            changes[0].message,
            "response 404 body: /message: property was removed"
        );
    }

    #[test]
    fn request_property_became_required_is_breaking() {
        let new = edit(BASE, "required: [name]", "required: [name, private]");
        let changes = run(BASE, &new);
        let pointer = format!("{CREATE_BODY}/properties/private");
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestPropertyRequired,
                "createRepo",
                pointer.as_str()
            )]
        );
        assert_eq!(
            changes[0].message,
            "request body: /private: became required"
        );
        // The reverse relaxes the request.
        assert_eq!(
            summary(&run(&new, BASE)),
            vec![(
                Severity::Additive,
                ChangeKind::RequirementRelaxed,
                "createRepo",
                pointer.as_str()
            )]
        );
    }

    #[test]
    fn new_request_property_required_or_optional() {
        let new = edit(
            BASE,
            "required: [name]",
            "required: [name, org]\n              x-unused: 1",
        );
        let new = edit(
            &new,
            "                name: {type: string}\n",
            "                name: {type: string}\n                org: {type: string}\n",
        );
        let pointer = format!("{CREATE_BODY}/properties/org");
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestPropertyRequired,
                "createRepo",
                pointer.as_str()
            )]
        );
        let optional = edit(
            BASE,
            "                name: {type: string}\n",
            "                name: {type: string}\n                org: {type: string}\n",
        );
        assert_eq!(
            summary(&run(BASE, &optional)),
            vec![(
                Severity::Additive,
                ChangeKind::RequestPropertyAdded,
                "createRepo",
                pointer.as_str()
            )]
        );
        // Removing a request property breaks callers that set it.
        assert_eq!(
            summary(&run(&optional, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestPropertyRemoved,
                "createRepo",
                pointer.as_str()
            )]
        );
    }

    #[test]
    fn read_only_properties_are_ignored_in_requests() {
        let new = edit(BASE, "id: {type: integer, readOnly: true}", "");
        assert_eq!(run(BASE, &new), vec![]);
    }

    #[test]
    fn new_required_parameter_is_breaking() {
        let new = edit(
            BASE,
            "        - {$ref: '#/components/parameters/Page'}\n      responses:\n        '200':",
            "        - {$ref: '#/components/parameters/Page'}\n        - {name: since, in: query, required: true, schema: {type: string}}\n      responses:\n        '200':",
        );
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestParameterRequired,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/parameters/3"
            )]
        );
        assert_eq!(changes[0].message, "new required query parameter `since`");
        // The same parameter, optional, is additive.
        let optional = edit(&new, "since, in: query, required: true", "since, in: query");
        assert_eq!(
            summary(&run(BASE, &optional)),
            vec![(
                Severity::Additive,
                ChangeKind::ParameterAdded,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/parameters/3"
            )]
        );
    }

    #[test]
    fn parameter_became_required_is_breaking() {
        let new = edit(
            BASE,
            "{name: per_page, in: query, schema",
            "{name: per_page, in: query, required: true, schema",
        );
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestParameterRequired,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/parameters/0"
            )]
        );
        assert_eq!(
            changes[0].message,
            "query parameter `per_page` became required"
        );
    }

    #[test]
    fn parameter_removed_is_breaking() {
        let new = edit(
            BASE,
            "        - {name: per_page, in: query, schema: {type: integer}}\n",
            "",
        );
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::ParameterRemoved,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/parameters/0"
            )]
        );
        // A path-level parameter applies to every method of the path.
        let new = edit(
            BASE,
            "      - {name: repo, in: path, required: true, schema: {type: string}}\n",
            "",
        );
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::ParameterRemoved,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/parameters/1"
            )]
        );
        assert_eq!(changes[0].message, "path parameter `repo` was removed");
    }

    #[test]
    fn operation_level_parameter_overrides_path_level() {
        // Moving a path parameter to the operation is not a change.
        let new = edit(
            BASE,
            "      - {name: repo, in: path, required: true, schema: {type: string}}\n",
            "",
        );
        let new = edit(
            &new,
            "      parameters:\n        - {name: per_page",
            "      parameters:\n        - {name: repo, in: path, schema: {type: string}}\n        - {name: per_page",
        );
        assert_eq!(run(BASE, &new), vec![]);
    }

    #[test]
    fn change_in_shared_parameter_is_reported_for_every_operation() {
        let new = edit(
            BASE,
            "Page: {name: page, in: query, schema: {type: integer}}",
            "Page: {name: page, in: query, required: true, schema: {type: integer}}",
        );
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::RequestParameterRequired,
                    "createRepo",
                    "/components/parameters/Page"
                ),
                (
                    Severity::Breaking,
                    ChangeKind::RequestParameterRequired,
                    "getRepo",
                    "/components/parameters/Page"
                ),
            ]
        );
    }

    #[test]
    fn enum_value_removed_from_request_parameter_is_breaking() {
        let new = edit(BASE, "enum: [open, closed, all]", "enum: [open, closed]");
        let changes = run(BASE, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/parameters/1/schema/enum/2"
            )]
        );
        assert_eq!(
            changes[0].message,
            "query parameter `state`: /: enum value `all` was removed"
        );
        // Adding it back is additive.
        assert_eq!(
            summary(&run(&new, BASE)),
            vec![(
                Severity::Additive,
                ChangeKind::EnumValueAdded,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/parameters/1/schema/enum/2"
            )]
        );
    }

    #[test]
    fn enum_value_removed_from_request_body_is_breaking() {
        let new = edit(BASE, "enum: [web, cli]", "enum: [web]");
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/topic/enum/1"
            )]
        );
        // Adding an enum constraint to a free request string narrows it: breaking,
        // pointing at the old schema.
        let old = edit(
            BASE,
            "topic: {type: string, enum: [web, cli]}",
            "topic: {type: string}",
        );
        assert_eq!(
            summary(&run(&old, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/topic"
            )]
        );
        // Dropping it again widens the request: additive.
        assert!(run(BASE, &old).iter().all(|c| !c.is_breaking()));
    }

    #[test]
    fn enum_value_added_to_a_response_is_breaking_removed_is_not() {
        let removed = edit(BASE, "enum: [public, private]", "enum: [public]");
        let changes = run(BASE, &removed);
        assert_eq!(changes.len(), 2);
        assert!(changes
            .iter()
            .all(|c| c.kind == ChangeKind::EnumValueRemoved
                && !c.is_breaking()
                && c.pointer == "/components/schemas/Repo/properties/visibility/enum/1"));
        let added = edit(
            BASE,
            "enum: [public, private]",
            "enum: [public, private, internal]",
        );
        let changes = run(BASE, &added);
        // Once per operation returning a Repo (getRepo 200, createRepo 201); generated
        // response enums read the new value into `Unknown(String)`.
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.kind == ChangeKind::EnumValueAdded
            && !c.is_breaking()
            && c.pointer == "/components/schemas/Repo/properties/visibility/enum/2"));
        // Dropping the enum in a response: any string may now come back.
        let dropped = edit(
            BASE,
            "visibility: {type: string, enum: [public, private]}",
            "visibility: {type: string}",
        );
        let changes = run(BASE, &dropped);
        assert_eq!(changes.len(), 2);
        assert!(changes
            .iter()
            .all(|c| c.kind == ChangeKind::EnumValueAdded && c.is_breaking()));
    }

    #[test]
    fn enum_value_added_to_a_request_is_not_breaking() {
        let added = edit(BASE, "enum: [web, cli]", "enum: [web, cli, api]");
        assert_eq!(
            summary(&run(BASE, &added)),
            vec![(
                Severity::Additive,
                ChangeKind::EnumValueAdded,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/topic/enum/2"
            )]
        );
    }

    #[test]
    fn path_parameter_renamed_is_breaking() {
        let renamed = BASE
            .replace("/repos/{owner}/{repo}:", "/repos/{org}/{repo}:")
            .replace("{name: owner, in: path", "{name: org, in: path");
        let changes = run(BASE, &renamed);
        let mut kinds: Vec<&str> = breaking(&changes).iter().map(|c| c.1.as_str()).collect();
        kinds.sort_unstable();
        assert_eq!(
            kinds,
            vec![
                "method_or_path_changed",
                "parameter_removed",
                "request_parameter_required"
            ],
            "{changes:#?}"
        );
        assert!(
            message_of(&changes, ChangeKind::ParameterRemoved, "getRepo")
                .contains("path parameter `owner`")
        );
        assert!(
            message_of(&changes, ChangeKind::RequestParameterRequired, "getRepo")
                .contains("path parameter `org`")
        );
    }

    #[test]
    fn media_type_removed_from_a_response_is_breaking_added_is_not() {
        let two = edit(
            BASE,
            "        '201':\n          description: created\n          content:\n",
            "        '201':\n          description: created\n          content:\n            text/csv:\n              schema: {type: string}\n",
        );
        let changes = run(&two, BASE);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::MediaTypeRemoved,
                "createRepo",
                "/paths/~1user~1repos/post/responses/201/content/text~1csv"
            )]
        );
        assert!(changes[0]
            .message
            .contains("response 201 body: media type `text/csv`"));
        assert_eq!(
            summary(&run(BASE, &two)),
            vec![(
                Severity::Additive,
                ChangeKind::MediaTypeAdded,
                "createRepo",
                "/paths/~1user~1repos/post/responses/201/content/text~1csv"
            )]
        );
    }

    #[test]
    fn media_type_removed_from_a_request_is_breaking() {
        let two = edit(
            BASE,
            "        content:\n          application/json:\n            schema:\n              type: object\n              required: [name]",
            "        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object}\n          application/json:\n            schema:\n              type: object\n              required: [name]",
        );
        assert_eq!(
            summary(&run(&two, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::MediaTypeRemoved,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1x-www-form-urlencoded"
            )]
        );
    }

    #[test]
    fn constraints_narrowed_in_a_request_break() {
        let limited = edit(
            BASE,
            "name: {type: string}",
            "name: {type: string, maxLength: 100}",
        );
        let tighter = edit(
            BASE,
            "name: {type: string}",
            "name: {type: string, maxLength: 50}",
        );
        let prop = "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/name";
        let max = format!("{prop}/maxLength");
        // Set where there was none, and lowered: narrowed, breaking in a request.
        for (old, new) in [(BASE, &limited), (&limited, &tighter)] {
            assert_eq!(
                summary(&run(old, new)),
                vec![(
                    Severity::Breaking,
                    ChangeKind::ConstraintChanged,
                    "createRepo",
                    max.as_str()
                )]
            );
        }
        // Raised and removed: widened, fine in a request.
        for (old, new) in [(&tighter, &limited), (&limited, &BASE.to_owned())] {
            assert_eq!(
                summary(&run(old, new)),
                vec![(
                    Severity::Additive,
                    ChangeKind::ConstraintChanged,
                    "createRepo",
                    max.as_str()
                )]
            );
        }
        let minimum = edit(
            BASE,
            "size: {type: integer}",
            "size: {type: integer, minimum: 1}",
        );
        let c = run(BASE, &minimum);
        assert_eq!(breaking(&c).len(), 1, "{c:#?}");
        assert!(c[0].message.contains("`minimum` changed from none to 1"));
        let pattern = edit(
            BASE,
            "name: {type: string}",
            "name: {type: string, pattern: '^[a-z]+$'}",
        );
        let changed = edit(
            BASE,
            "name: {type: string}",
            "name: {type: string, pattern: '^[a-z0-9]+$'}",
        );
        assert!(run(BASE, &pattern).iter().all(Change::is_breaking));
        assert!(run(&pattern, &changed).iter().all(Change::is_breaking));
        assert!(run(&pattern, BASE).iter().all(|c| !c.is_breaking()));
    }

    #[test]
    fn constraints_widened_in_a_response_break() {
        let limited = edit(
            BASE,
            "login: {type: string}",
            "login: {type: string, maxLength: 39}",
        );
        let wider = edit(
            BASE,
            "login: {type: string}",
            "login: {type: string, maxLength: 100}",
        );
        let c = run(&limited, &wider);
        assert!(
            !c.is_empty()
                && c.iter().all(|c| c.is_breaking()
                    && c.kind == ChangeKind::ConstraintChanged
                    && c.pointer == "/components/schemas/User/properties/login/maxLength"),
            "{c:#?}"
        );
        // Narrowing a response is safe.
        assert!(run(&wider, &limited).iter().all(|c| !c.is_breaking()));
        let items = edit(
            BASE,
            "        labels:\n          type: array\n",
            "        labels:\n          type: array\n          minItems: 1\n",
        );
        let c = run(&items, BASE);
        assert!(!c.is_empty() && c.iter().all(|c| c.is_breaking()), "{c:#?}");
    }

    #[test]
    fn parameter_default_changed_is_breaking() {
        let with = edit(
            BASE,
            "{name: per_page, in: query, schema: {type: integer}}",
            "{name: per_page, in: query, schema: {type: integer, default: 30}}",
        );
        let other = edit(
            BASE,
            "{name: per_page, in: query, schema: {type: integer}}",
            "{name: per_page, in: query, schema: {type: integer, default: 100}}",
        );
        let ptr = format!("{GET_REPO}/parameters/0/schema");
        for (old, new) in [
            (BASE, with.as_str()),
            (with.as_str(), other.as_str()),
            (other.as_str(), BASE),
        ] {
            assert_eq!(
                summary(&run(old, new)),
                vec![(
                    Severity::Breaking,
                    ChangeKind::ParameterDefaultChanged,
                    "getRepo",
                    ptr.as_str()
                )]
            );
        }
        assert!(message_of(
            &run(&with, &other),
            ChangeKind::ParameterDefaultChanged,
            "getRepo"
        )
        .contains("default changed from `30` to `100`"));
    }

    #[test]
    fn array_items_use_bracket_notation() {
        let new = edit(
            BASE,
            "              name: {type: string}\n        parent",
            "        parent",
        );
        let changes = run(BASE, &new);
        let pointer = "/components/schemas/Repo/properties/labels/items/properties/name";
        assert_eq!(
            summary(&changes),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::ResponsePropertyRemoved,
                    "createRepo",
                    pointer
                ),
                (
                    Severity::Breaking,
                    ChangeKind::ResponsePropertyRemoved,
                    "getRepo",
                    pointer
                ),
            ]
        );
        assert_eq!(
            changes[1].message,
            "response 200 body: /labels/[]/name: property was removed"
        );
    }

    #[test]
    fn response_property_made_optional_is_breaking() {
        let new = edit(BASE, "required: [id, owner]", "required: [id]");
        let changes = run(BASE, &new);
        assert_eq!(breaking(&changes).len(), 2);
        assert!(changes
            .iter()
            .all(|c| c.kind == ChangeKind::ResponsePropertyMadeOptional
                && c.pointer == "/components/schemas/Repo/properties/owner"));
        assert!(run(&new, BASE).iter().all(|c| !c.is_breaking()));
    }

    #[test]
    fn recursive_schemas_terminate() {
        let old = r##"
paths:
  /tree:
    get:
      operationId: getTree
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
        other: {$ref: '#/components/schemas/Other'}
    Other:
      type: object
      properties:
        back: {$ref: '#/components/schemas/Node'}
        size: {type: integer}
"##;
        assert_eq!(run(old, old), vec![]);
        let new = edit(
            old,
            "        size: {type: integer}",
            "        size: {type: string}",
        );
        let changes = run(old, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "getTree",
                "/components/schemas/Other/properties/size"
            )]
        );
        assert_eq!(
            changes[0].message,
            "response 200 body: /other/size: type changed from `integer` to `string`"
        );
        // A self-referencing $ref chain and mutually recursive allOf must not hang.
        let broken = edit(
            old,
            "    Other:\n",
            "    Loop: {$ref: '#/components/schemas/Loop'}\n    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}], properties: {x: {$ref: '#/components/schemas/Loop'}}}\n    Other:\n",
        );
        let broken = edit(
            &broken,
            "        size: {type: integer}",
            "        size: {type: integer}\n        a: {$ref: '#/components/schemas/A'}\n        l: {$ref: '#/components/schemas/Loop'}",
        );
        assert_eq!(run(&broken, &broken), vec![]);
        let changes = run(old, &broken);
        assert!(changes
            .iter()
            .all(|c| c.kind == ChangeKind::ResponsePropertyAdded));
    }

    const ALL_OF: &str = r##"
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Pet'}
    post:
      operationId: createPet
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses:
        '201': {description: created}
components:
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: integer}
        tag: {type: string}
    Pet:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            name: {type: string}
    NewPet:
      allOf:
        - type: object
          required: [name]
          properties:
            name: {type: string}
        - type: object
          properties:
            age: {type: integer}
"##;

    #[test]
    fn all_of_members_are_merged() {
        assert_eq!(run(ALL_OF, ALL_OF), vec![]);
        // Moving a property from one member to another is no change.
        let moved = edit(ALL_OF, "        tag: {type: string}\n", "");
        let moved = edit(
            &moved,
            "            name: {type: string}\n    NewPet",
            "            name: {type: string}\n            tag: {type: string}\n    NewPet",
        );
        assert_eq!(run(ALL_OF, &moved), vec![]);

        // Removing a property of a member is a removal from the merged schema.
        let removed = edit(ALL_OF, "        tag: {type: string}\n", "");
        let changes = run(ALL_OF, &removed);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "listPets",
                "/components/schemas/Base/properties/tag"
            )]
        );
        assert_eq!(
            changes[0].message,
            "response 200 body: /[]/tag: property was removed"
        );

        // `required` of one member applies to properties of another.
        let required = edit(
            ALL_OF,
            "          required: [name]",
            "          required: [name, age]",
        );
        assert_eq!(
            summary(&run(ALL_OF, &required)),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestPropertyRequired,
                "createPet",
                "/components/schemas/NewPet/allOf/1/properties/age"
            )]
        );
    }

    const ONE_OF: &str = r##"
paths:
  /events:
    get:
      operationId: getEvent
      responses:
        '200':
          content:
            application/json:
              schema:
                oneOf:
                  - {type: object, properties: {a: {type: string}}}
                  - {type: object, properties: {b: {type: string}}}
"##;

    #[test]
    fn one_of_members_compared_by_index() {
        let new = edit(ONE_OF, "{b: {type: string}}", "{b: {type: integer}}");
        let changes = run(ONE_OF, &new);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "getEvent",
                "/paths/~1events/get/responses/200/content/application~1json/schema/oneOf/1/properties/b"
            )]
        );
        assert_eq!(
            changes[0].message,
            "response 200 body: /<oneOf 1>/b: type changed from `string` to `integer`"
        );
    }

    #[test]
    fn one_of_count_change_is_a_type_change() {
        let new = edit(
            ONE_OF,
            "                  - {type: object, properties: {b: {type: string}}}\n",
            "",
        );
        assert_eq!(
            summary(&run(ONE_OF, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "getEvent",
                "/paths/~1events/get/responses/200/content/application~1json/schema/oneOf"
            )]
        );
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let old = r##"
paths:
  /a~b/{c/d}:
    get:
      operationId: odd
      responses:
        '200':
          content:
            application/vnd.api+json:
              schema:
                type: object
                properties:
                  x/y: {type: string}
"##;
        let new = edit(old, "x/y: {type: string}", "x/y: {type: integer}");
        let changes = run(old, &new);
        let pointer = "/paths/~1a~0b~1{c~1d}/get/responses/200/content/application~1vnd.api+json/schema/properties/x~1y";
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "odd",
                pointer
            )]
        );
        assert!(yaml(&new).pointer(pointer).is_some());
    }

    #[test]
    fn every_pointer_resolves_in_its_document() {
        let cases = [
            edit(
                BASE,
                "        login: {type: string}",
                "        name: {type: string}",
            ),
            edit(
                BASE,
                "enum: [open, closed, all]",
                "enum: [closed, open, merged]",
            ),
            edit(BASE, "  /user/repos:", "  /users/repos:"),
            edit(BASE, "required: [name]", "required: [private]"),
            edit(BASE, "X-RateLimit-Limit", "X-Limit"),
            edit(
                BASE,
                "size: {type: integer}",
                "size: {type: integer, minimum: 1, exclusiveMinimum: true, multipleOf: 2}",
            ),
            edit(
                BASE,
                "        labels:\n          type: array\n",
                "        labels:\n          type: array\n          uniqueItems: true\n",
            ),
            edit(
                BASE,
                "{name: per_page, in: query, schema: {type: integer}}",
                "{name: per_page, in: query, explode: false, schema: {type: integer}}",
            ),
        ];
        for new in &cases {
            let (old_doc, new_doc) = (yaml(BASE), yaml(new));
            let changes = diff(&old_doc, &new_doc);
            assert!(!changes.is_empty());
            for c in &changes {
                assert!(
                    new_doc.pointer(&c.pointer).is_some() || old_doc.pointer(&c.pointer).is_some(),
                    "{c}"
                );
            }
        }
    }

    #[test]
    fn request_body_presence_and_requirement() {
        let optional = edit(
            BASE,
            "      requestBody:\n        required: true\n",
            "      requestBody:\n",
        );
        assert_eq!(
            summary(&run(&optional, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestBodyRequired,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody"
            )]
        );
        assert_eq!(
            summary(&run(BASE, &optional)),
            vec![(
                Severity::Additive,
                ChangeKind::RequirementRelaxed,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody"
            )]
        );
        let mut without = yaml(BASE);
        if let Some(op) = without
            .pointer_mut(CREATE_REPO)
            .and_then(Value::as_object_mut)
        {
            op.remove("requestBody");
        }
        assert_eq!(
            summary(&diff(&yaml(BASE), &without)),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestBodyRemoved,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody"
            )]
        );
        assert_eq!(
            summary(&diff(&without, &yaml(BASE))),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestBodyRequired,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody"
            )]
        );
    }

    #[test]
    fn media_type_change() {
        let new = edit(
            BASE,
            "        content:\n          application/json:\n            schema:\n              type: object\n              required: [name]",
            "        content:\n          application/x-www-form-urlencoded:\n            schema:\n              type: object\n              required: [name]",
        );
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::MediaTypeChanged,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1x-www-form-urlencoded"
            )]
        );
        // Another JSON media type is not a change.
        let json = edit(
            BASE,
            "        content:\n          application/json:\n            schema:\n              type: object\n              required: [name]",
            "        content:\n          application/vnd.github+json:\n            schema:\n              type: object\n              required: [name]",
        );
        assert_eq!(run(BASE, &json), vec![]);
    }

    #[test]
    fn response_headers() {
        let renamed = edit(BASE, "X-RateLimit-Limit", "X-Limit");
        assert_eq!(
            summary(&run(BASE, &renamed)),
            vec![
                (
                    Severity::Additive,
                    ChangeKind::ResponseHeaderAdded,
                    "getRepo",
                    "/paths/~1repos~1{owner}~1{repo}/get/responses/200/headers/X-Limit"
                ),
                (
                    Severity::Breaking,
                    ChangeKind::ResponseHeaderRemoved,
                    "getRepo",
                    "/paths/~1repos~1{owner}~1{repo}/get/responses/200/headers/X-RateLimit-Limit"
                ),
            ]
        );
        // Header names are case-insensitive; its schema is compared as a response.
        let lower = edit(BASE, "X-RateLimit-Limit", "x-ratelimit-limit");
        assert_eq!(run(BASE, &lower), vec![]);
        let typed = edit(
            BASE,
            "Limit: {schema: {type: integer}}",
            "Limit: {schema: {type: string}}",
        );
        let changes = run(BASE, &typed);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "getRepo",
                "/components/headers/Limit/schema"
            )]
        );
        assert_eq!(
            changes[0].message,
            "response 200 header `X-RateLimit-Limit`: /: type changed from `integer` to `string`"
        );
        // A required header that may now be absent breaks clients reading it.
        let required = edit(
            BASE,
            "Limit: {schema: {type: integer}}",
            "Limit: {required: true, schema: {type: integer}}",
        );
        assert_eq!(
            summary(&run(&required, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::ResponseHeaderMadeOptional,
                "getRepo",
                "/components/headers/Limit"
            )]
        );
        assert_eq!(
            summary(&run(BASE, &required)),
            vec![(
                Severity::Additive,
                ChangeKind::ResponseHeaderMadeRequired,
                "getRepo",
                "/components/headers/Limit"
            )]
        );
    }

    #[test]
    fn response_body_removed_and_added() {
        let old = r##"
paths:
  /x:
    delete:
      operationId: del
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {type: object}
"##;
        let new = edit(
            old,
            "          content:\n            application/json:\n              schema: {type: object}\n",
            "",
        );
        assert_eq!(
            summary(&run(old, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::ResponseBodyRemoved,
                "del",
                "/paths/~1x/delete/responses/200/content/application~1json"
            )]
        );
        assert_eq!(
            summary(&run(&new, old)),
            vec![(
                Severity::Additive,
                ChangeKind::ResponseBodyAdded,
                "del",
                "/paths/~1x/delete/responses/200/content/application~1json"
            )]
        );
    }

    #[test]
    fn operations_without_id_are_matched_by_method_and_path() {
        let old = r##"
paths:
  /ping:
    get:
      responses:
        '200': {description: ok}
"##;
        let new = edit(
            old,
            "        '200': {description: ok}",
            "        '204': {description: ok}",
        );
        assert_eq!(
            summary(&run(old, &new)),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::ResponseStatusRemoved,
                    "GET /ping",
                    "/paths/~1ping/get/responses/200"
                ),
                (
                    Severity::Additive,
                    ChangeKind::ResponseStatusAdded,
                    "GET /ping",
                    "/paths/~1ping/get/responses/204"
                ),
            ]
        );
    }

    #[test]
    fn output_is_sorted_and_deterministic() {
        let new = edit(
            BASE,
            "        login: {type: string}",
            "        name: {type: integer}",
        );
        let new = edit(&new, "enum: [open, closed, all]", "enum: [all]");
        let new = edit(
            &new,
            "    post:\n      operationId: createRepo",
            "    put:\n      operationId: createRepo",
        );
        let first = run(BASE, &new);
        assert_eq!(first, run(BASE, &new));
        let mut sorted = first.clone();
        sorted.sort_by(|a, b| {
            (&a.operation, &a.pointer, a.kind.as_str(), &a.message).cmp(&(
                &b.operation,
                &b.pointer,
                b.kind.as_str(),
                &b.message,
            ))
        });
        assert_eq!(first, sorted);
        assert!(first.len() >= 5);
    }

    #[test]
    fn change_serialises() {
        let new = edit(BASE, "        login: {type: string}", "");
        let changes = run(BASE, &new);
        let json = serde_json::to_value(&changes[0]).expect("serialises");
        assert_eq!(json["severity"], "Breaking");
        assert_eq!(json["kind"], "ResponsePropertyRemoved");
        assert_eq!(json["operation"], "createRepo");
        assert_eq!(json["pointer"], "/components/schemas/User/properties/login");
        assert_eq!(
            changes[0].to_string(),
            "breaking response_property_removed createRepo: response 201 body: /owner/login: property was removed (at /components/schemas/User/properties/login)"
        );
    }

    #[test]
    fn malformed_documents_never_panic() {
        let samples = [
            "null",
            "42",
            "[1, 2]",
            "paths: 5",
            "paths: {'/x': 5}",
            "paths: {'/x': {get: 5, parameters: 7}}",
            "paths: {'/x': {get: {operationId: 5, parameters: [1, {name: 2}, {$ref: 7}], requestBody: [], responses: 'no'}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {'a/b': 3}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {$ref: '#/nowhere'}}}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {$ref: 'other.yaml#/x'}}}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/L'}}}}}}}}\ncomponents: {schemas: {L: {$ref: '#/components/schemas/L'}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {type: [string, 'null'], properties: 5, required: 3, items: 1, allOf: 2, oneOf: {}, enum: 3}}}}}}}}",
            "paths: {'/x': {get: {operationId: a, responses: {'200': {content: {application/json: {schema: {allOf: [1, {$ref: '#'}, {$ref: '#/%zz'}], enum: [1]}}}}}}}}",
            "paths: {'/x': {$ref: '#/paths/~1x'}}",
            BASE,
            ALL_OF,
            ONE_OF,
        ];
        let docs: Vec<Value> = samples.iter().map(|s| yaml(s)).collect();
        for old in &docs {
            for new in &docs {
                let _ = diff(old, new);
            }
        }
        // Deeply nested inline schemas are compared pair by pair, without recursion.
        let mut deep = serde_json::json!({"type": "string"});
        for _ in 0..300 {
            deep = serde_json::json!({"type": "object", "properties": {"p": deep}});
        }
        let doc = |schema: &Value| {
            serde_json::json!({"paths": {"/d": {"get": {"operationId": "d", "responses": {"200": {
                "content": {"application/json": {"schema": schema}}}}}}}})
        };
        assert_eq!(diff(&doc(&deep), &doc(&deep)), vec![]);

        // A component reached again through inline `allOf` wrappers (AWS's recursive
        // `ComponentChild`, two such properties per level) is compared once, not 2^depth times.
        let recursive = yaml(
            "paths: {'/c': {get: {operationId: c, responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/C'}}}}}}}}
components:
  schemas:
    C:
      type: object
      properties:
        children: {type: array, items: {allOf: [{$ref: '#/components/schemas/C'}]}}
        events: {type: object, additionalProperties: {allOf: [{$ref: '#/components/schemas/C'}]}}
        slots: {type: array, items: {allOf: [{$ref: '#/components/schemas/C'}], description: slot}}",
        );
        assert_eq!(diff(&recursive, &recursive), vec![]);
        let changed = serde_json::to_string(&recursive).unwrap().replace(
            r#""description":"slot""#,
            r#""description":"slot","nullable":true"#,
        );
        let changed: Value = serde_json::from_str(&changed).unwrap();
        let found = diff(&recursive, &changed);
        assert!(
            found.iter().any(|c| c.kind == ChangeKind::NullableAdded),
            "{found:?}"
        );

        // An `allOf` diamond chain (each level refers twice to the next) stays bounded.
        let mut schemas = serde_json::Map::new();
        for i in 0..64 {
            let next = format!("#/components/schemas/D{}", i + 1);
            schemas.insert(
                format!("D{i}"),
                serde_json::json!({"allOf": [{"$ref": next}, {"allOf": [{"$ref": next}]}]}),
            );
        }
        schemas.insert(
            "D64".to_owned(),
            serde_json::json!({"properties": {"x": {"type": "string"}}}),
        );
        let mut diamond = doc(&serde_json::json!({"$ref": "#/components/schemas/D0"}));
        diamond["components"] = serde_json::json!({ "schemas": schemas });
        assert_eq!(diff(&diamond, &diamond), vec![]);
    }

    /// (severity, kind, pointer) of the changes of one operation.
    fn of_op<'c>(changes: &'c [Change], operation: &str) -> Vec<(Severity, ChangeKind, &'c str)> {
        changes
            .iter()
            .filter(|c| c.operation == operation)
            .map(|c| (c.severity, c.kind, c.pointer.as_str()))
            .collect()
    }

    #[test]
    fn exclusive_bounds_follow_the_direction_of_minimum_and_maximum() {
        let size = format!("{CREATE_BODY}/properties/size");
        // Request: `minimum: 1` becoming exclusive narrows what the server accepts.
        let inclusive = edit(
            BASE,
            "size: {type: integer}",
            "size: {type: integer, minimum: 1}",
        );
        let exclusive = edit(
            BASE,
            "size: {type: integer}",
            "size: {type: integer, minimum: 1, exclusiveMinimum: true}",
        );
        let pointer = format!("{size}/exclusiveMinimum");
        let changes = run(&inclusive, &exclusive);
        assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::ConstraintChanged,
                "createRepo",
                pointer.as_str()
            )]
        );
        assert_eq!(
            changes[0].message,
            "request body: /size: `exclusiveMinimum` changed from false to true (bound 1)"
        );
        // ... and the reverse widens it (the pointer is into the old document, which has
        // the flag).
        let back = run(&exclusive, &inclusive);
        assert!(yaml(&exclusive).pointer(&back[0].pointer).is_some());
        assert_eq!(
            summary(&back),
            vec![(
                Severity::Additive,
                ChangeKind::ConstraintChanged,
                "createRepo",
                pointer.as_str()
            )]
        );
        // An exclusive bound that moves outward is wider than an inclusive one inside it.
        let exclusive_zero = edit(
            BASE,
            "size: {type: integer}",
            "size: {type: integer, minimum: 0, exclusiveMinimum: true}",
        );
        let c = run(&inclusive, &exclusive_zero);
        assert_eq!(c.len(), 1, "{c:#?}");
        assert!(!c[0].is_breaking(), "{c:#?}");
        assert_eq!(
            c[0].message,
            "request body: /size: `minimum` changed from 1 to 0 (exclusive)"
        );

        // Response: becoming exclusive narrows what the client receives (fine), the
        // reverse widens it (breaking).
        let id = "/components/schemas/Repo/properties/id";
        let max = edit(
            BASE,
            "        id: {type: integer}",
            "        id: {type: integer, maximum: 100}",
        );
        let max_exclusive = edit(
            BASE,
            "        id: {type: integer}",
            "        id: {type: integer, maximum: 100, exclusiveMaximum: true}",
        );
        let pointer = format!("{id}/exclusiveMaximum");
        assert_eq!(
            of_op(&run(&max, &max_exclusive), "getRepo"),
            vec![(
                Severity::Additive,
                ChangeKind::ConstraintChanged,
                pointer.as_str()
            )]
        );
        assert_eq!(
            of_op(&run(&max_exclusive, &max), "getRepo"),
            vec![(
                Severity::Breaking,
                ChangeKind::ConstraintChanged,
                pointer.as_str()
            )]
        );
    }

    #[test]
    fn multiple_of_added_or_changed() {
        let size = format!("{CREATE_BODY}/properties/size/multipleOf");
        let with = |m: &str| {
            edit(
                BASE,
                "size: {type: integer}",
                &format!("size: {{type: integer, multipleOf: {m}}}"),
            )
        };
        let (two, four, three) = (with("2"), with("4"), with("3"));
        let request = |old: &str, new: &str| run(old, new);
        // Added, or made stricter (every multiple of 4 is one of 2, not the other way):
        // narrowed, breaking in a request.
        for (old, new) in [(BASE, &two), (&two, &four), (&two, &three)] {
            assert_eq!(
                summary(&request(old, new)),
                vec![(
                    Severity::Breaking,
                    ChangeKind::ConstraintChanged,
                    "createRepo",
                    size.as_str()
                )],
                "{old} -> {new}"
            );
        }
        // Relaxed or dropped: widened, fine in a request.
        let relaxed = request(&four, &two);
        assert_eq!(
            summary(&relaxed),
            vec![(
                Severity::Additive,
                ChangeKind::ConstraintChanged,
                "createRepo",
                size.as_str()
            )]
        );
        assert_eq!(
            relaxed[0].message,
            "request body: /size: `multipleOf` changed from 4 to 2"
        );
        assert!(request(&two, BASE).iter().all(|c| !c.is_breaking()));
        assert_eq!(request(&two, &two), vec![]);

        // Response: relaxing breaks a client that relied on the stricter values.
        let id = |m: &str| {
            edit(
                BASE,
                "        id: {type: integer}",
                &format!("        id: {{type: integer, multipleOf: {m}}}"),
            )
        };
        let c = run(&id("4"), &id("2"));
        assert_eq!(
            of_op(&c, "getRepo"),
            vec![(
                Severity::Breaking,
                ChangeKind::ConstraintChanged,
                "/components/schemas/Repo/properties/id/multipleOf"
            )]
        );
        assert!(run(&id("2"), &id("4")).iter().all(|c| !c.is_breaking()));
    }

    #[test]
    fn unique_items_added_breaks_requests_only() {
        let tags = "                size: {type: integer}\n";
        let plain = edit(
            BASE,
            tags,
            "                size: {type: integer}\n                tags: {type: array, items: {type: string}}\n",
        );
        let unique = edit(
            BASE,
            tags,
            "                size: {type: integer}\n                tags: {type: array, items: {type: string}, uniqueItems: true}\n",
        );
        let pointer = format!("{CREATE_BODY}/properties/tags/uniqueItems");
        let c = run(&plain, &unique);
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::ConstraintChanged,
                "createRepo",
                pointer.as_str()
            )]
        );
        assert_eq!(
            c[0].message,
            "request body: /tags: `uniqueItems` became true: repeated items are no longer allowed"
        );
        assert_eq!(
            summary(&run(&unique, &plain)),
            vec![(
                Severity::Additive,
                ChangeKind::ConstraintChanged,
                "createRepo",
                pointer.as_str()
            )]
        );
        // `uniqueItems: false` is the default: no change.
        let explicit_false = edit(
            BASE,
            tags,
            "                size: {type: integer}\n                tags: {type: array, items: {type: string}, uniqueItems: false}\n",
        );
        assert_eq!(run(&plain, &explicit_false), vec![]);

        // Response: added is a narrowing (fine), dropped a widening (breaking).
        let labels = "        labels:\n          type: array\n";
        let unique_labels = edit(
            BASE,
            labels,
            "        labels:\n          type: array\n          uniqueItems: true\n",
        );
        let pointer = "/components/schemas/Repo/properties/labels/uniqueItems";
        assert_eq!(
            of_op(&run(BASE, &unique_labels), "getRepo"),
            vec![(Severity::Additive, ChangeKind::ConstraintChanged, pointer)]
        );
        assert_eq!(
            of_op(&run(&unique_labels, BASE), "getRepo"),
            vec![(Severity::Breaking, ChangeKind::ConstraintChanged, pointer)]
        );
    }

    #[test]
    fn all_of_member_added_removed_or_changed_is_diffed_as_the_merged_schema() {
        // A member added to a request schema that requires a new property: breaking.
        let added = edit(
            ALL_OF,
            "        - type: object\n          properties:\n            age: {type: integer}\n",
            "        - type: object\n          properties:\n            age: {type: integer}\n        - type: object\n          required: [owner]\n          properties:\n            owner: {type: string}\n",
        );
        assert_eq!(
            summary(&run(ALL_OF, &added)),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestPropertyRequired,
                "createPet",
                "/components/schemas/NewPet/allOf/2/properties/owner"
            )]
        );
        // ... and removing that member again takes the property out of the request type,
        // like any request property removal.
        assert_eq!(
            summary(&run(&added, ALL_OF)),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestPropertyRemoved,
                "createPet",
                "/components/schemas/NewPet/allOf/2/properties/owner"
            )]
        );

        // A member removed from a response schema takes its properties along: breaking.
        let removed = edit(ALL_OF, "        - $ref: '#/components/schemas/Base'\n", "");
        let c = run(ALL_OF, &removed);
        assert_eq!(
            summary(&c),
            vec![
                (
                    Severity::Breaking,
                    ChangeKind::ResponsePropertyRemoved,
                    "listPets",
                    "/components/schemas/Base/properties/id"
                ),
                (
                    Severity::Breaking,
                    ChangeKind::ResponsePropertyRemoved,
                    "listPets",
                    "/components/schemas/Base/properties/tag"
                ),
            ]
        );

        // Validation keywords of a member count: a bound set in a member of a request
        // property narrows it, and the tightest of several members applies.
        let bounded = |member: &str| {
            edit(
                ALL_OF,
                "            age: {type: integer}\n",
                &format!(
                    "            age: {{allOf: [{{type: integer, maximum: 30}}, {member}]}}\n"
                ),
            )
        };
        let loose = bounded("{maximum: 50}");
        let tight = bounded("{maximum: 20}");
        let c = run(&loose, &tight);
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::ConstraintChanged,
                "createPet",
                "/components/schemas/NewPet/allOf/1/properties/age/allOf/1/maximum"
            )]
        );
        assert_eq!(
            c[0].message,
            "request body: /age: `maximum` changed from 30 to 20"
        );
        assert!(run(&tight, &loose).iter().all(|c| !c.is_breaking()));
        // A member pattern, multipleOf or enum joins the merged schema too.
        for member in [
            "{pattern: '^[0-9]+$'}",
            "{multipleOf: 5}",
            "{enum: [1, 2, 3]}",
            "{minimum: 1, exclusiveMinimum: true}",
        ] {
            let c = run(&loose, &bounded(&format!("{{maximum: 50}}, {member}")));
            assert!(
                !c.is_empty() && c.iter().all(Change::is_breaking),
                "{member}: {c:#?}"
            );
        }
        // Enums of several members intersect: only values every member allows remain.
        let two_enums = bounded("{enum: [1, 2, 3]}, {enum: [2, 3, 4]}");
        let narrower = bounded("{enum: [1, 2, 3]}, {enum: [3, 4]}");
        let c = run(&two_enums, &narrower);
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                "createPet",
                "/components/schemas/NewPet/allOf/1/properties/age/allOf/1/enum/1"
            )]
        );
        assert_eq!(
            c[0].message,
            "request body: /age: enum value `2` was removed"
        );
    }

    #[test]
    fn parameter_style_and_explode_changes_are_breaking() {
        let param = "{name: per_page, in: query, schema: {type: integer}}";
        let pointer = format!("{GET_REPO}/parameters/0");
        // Spelling out the defaults changes nothing.
        let explicit = edit(
            BASE,
            param,
            "{name: per_page, in: query, style: form, explode: true, schema: {type: integer}}",
        );
        assert_eq!(run(BASE, &explicit), vec![]);
        for changed in [
            "{name: per_page, in: query, explode: false, schema: {type: integer}}",
            "{name: per_page, in: query, style: spaceDelimited, schema: {type: integer}}",
        ] {
            let new = edit(BASE, param, changed);
            let c = run(BASE, &new);
            assert_eq!(
                summary(&c),
                vec![(
                    Severity::Breaking,
                    ChangeKind::ParameterStyleChanged,
                    "getRepo",
                    pointer.as_str()
                )],
                "{changed}"
            );
        }
        let c = run(
            BASE,
            &edit(
                BASE,
                param,
                "{name: per_page, in: query, explode: false, schema: {type: integer}}",
            ),
        );
        assert_eq!(
            c[0].message,
            "query parameter `per_page`: serialization changed from `style: form, explode: true` to `style: form, explode: false`"
        );
    }

    #[test]
    fn parameter_moved_to_another_location_is_breaking() {
        let new = edit(
            BASE,
            "{name: per_page, in: query, schema: {type: integer}}",
            "{name: per_page, in: header, schema: {type: integer}}",
        );
        let c = run(BASE, &new);
        let pointer = format!("{GET_REPO}/parameters/0");
        assert_eq!(
            summary(&c),
            vec![
                (
                    Severity::Additive,
                    ChangeKind::ParameterAdded,
                    "getRepo",
                    pointer.as_str()
                ),
                (
                    Severity::Breaking,
                    ChangeKind::ParameterRemoved,
                    "getRepo",
                    pointer.as_str()
                ),
            ]
        );
    }

    #[test]
    fn operation_deprecated_is_reported_not_breaking() {
        let new = edit(
            BASE,
            "      operationId: getRepo\n",
            "      operationId: getRepo\n      deprecated: true\n",
        );
        let pointer = format!("{GET_REPO}/deprecated");
        assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Additive,
                ChangeKind::OperationDeprecated,
                "getRepo",
                pointer.as_str()
            )]
        );
        assert_eq!(run(&new, &new), vec![]);
    }

    #[test]
    fn property_becoming_read_only_or_write_only_is_named() {
        let new = edit(
            BASE,
            "private: {type: boolean}",
            "private: {type: boolean, readOnly: true}",
        );
        let c = run(BASE, &new);
        let pointer = format!("{CREATE_BODY}/properties/private");
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::RequestPropertyRemoved,
                "createRepo",
                pointer.as_str()
            )]
        );
        assert_eq!(
            c[0].message,
            "request body: /private: became readOnly: requests may no longer send it"
        );
        // Back to writable: a new optional request property.
        assert_eq!(
            summary(&run(&new, BASE)),
            vec![(
                Severity::Additive,
                ChangeKind::RequestPropertyAdded,
                "createRepo",
                pointer.as_str()
            )]
        );
        let new = edit(
            BASE,
            "        login: {type: string}",
            "        login: {type: string, writeOnly: true}",
        );
        let c = run(BASE, &new);
        assert_eq!(
            of_op(&c, "getRepo"),
            vec![(
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "/components/schemas/User/properties/login"
            )]
        );
        assert_eq!(
            message_of(&c, ChangeKind::ResponsePropertyRemoved, "getRepo"),
            "response 200 body: /owner/login: became writeOnly: responses no longer carry it"
        );
    }

    #[test]
    fn default_response_removed_is_breaking() {
        let new = edit(
            BASE,
            "        '404': {$ref: '#/components/responses/NotFound'}\n",
            "        '404': {$ref: '#/components/responses/NotFound'}\n        default: {description: error}\n",
        );
        assert_eq!(
            summary(&run(&new, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::ResponseStatusRemoved,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/responses/default"
            )]
        );
    }

    const SECURED: &str = r##"
openapi: 3.0.3
security:
  - token: [repo]
paths:
  /repos:
    get:
      operationId: listRepos
      responses:
        '200': {description: ok}
  /meta:
    get:
      operationId: getMeta
      security: []
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    token: {type: apiKey, in: header, name: Authorization}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: 'https://example.com/token', scopes: {repo: r}}
"##;

    #[test]
    fn security_requirements_and_scopes() {
        assert_eq!(run(SECURED, SECURED), vec![]);
        // Alternatives naming the same scheme with other scopes (Google's `drive` or
        // `drive.readonly`) are matched scope for scope: nothing changed, in any order.
        let alternatives = edit(
            SECURED,
            "  - token: [repo]",
            "  - token: [repo]\n  - token: [public_repo]",
        );
        assert_eq!(run(&alternatives, &alternatives), vec![]);
        let swapped = edit(
            SECURED,
            "  - token: [repo]",
            "  - token: [public_repo]\n  - token: [repo]",
        );
        assert_eq!(run(&alternatives, &swapped), vec![]);
        // An operation that needed no authentication now needs it: breaking.
        let c = run(
            SECURED,
            &edit(
                SECURED,
                "      security: []\n",
                "      security: [{token: []}]\n",
            ),
        );
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::SecurityAdded,
                "getMeta",
                "/paths/~1meta/get/security"
            )]
        );
        assert_eq!(
            c[0].message,
            "the operation now requires authentication (token)"
        );
        // ... the reverse removes a requirement the client meets anyway: fine.
        let c = run(
            &edit(
                SECURED,
                "      security: []\n",
                "      security: [{token: []}]\n",
            ),
            SECURED,
        );
        assert!(
            !c.is_empty()
                && c.iter()
                    .all(|c| c.kind == ChangeKind::SecurityRemoved && !c.is_breaking()),
            "{c:#?}"
        );

        // A scope added to the document-level requirement: breaking for every operation
        // that uses it (not for getMeta, which overrides it).
        let more_scopes = edit(SECURED, "  - token: [repo]", "  - token: [repo, admin]");
        assert_eq!(
            summary(&run(SECURED, &more_scopes)),
            vec![(
                Severity::Breaking,
                ChangeKind::SecurityScopeAdded,
                "listRepos",
                "/security/0"
            )]
        );
        assert_eq!(
            summary(&run(&more_scopes, SECURED)),
            vec![(
                Severity::Additive,
                ChangeKind::SecurityScopeRemoved,
                "listRepos",
                "/security/0"
            )]
        );

        // A new alternative is fine; removing the one the client used is not.
        let alternative = edit(
            SECURED,
            "      operationId: listRepos\n",
            "      operationId: listRepos\n      security: [{token: [repo]}, {oauth: [repo]}]\n",
        );
        assert_eq!(
            summary(&run(SECURED, &alternative)),
            vec![(
                Severity::Additive,
                ChangeKind::SecurityAdded,
                "listRepos",
                "/paths/~1repos/get/security/1"
            )]
        );
        let only_oauth = edit(
            SECURED,
            "      operationId: listRepos\n",
            "      operationId: listRepos\n      security: [{oauth: [repo]}]\n",
        );
        let c = run(SECURED, &only_oauth);
        assert_eq!(
            breaking(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::SecurityRemoved,
                "listRepos",
                "/security/0"
            )]
        );
        assert_eq!(
            message_of(&c, ChangeKind::SecurityRemoved, "listRepos"),
            "security requirement `token` was removed"
        );

        // The scheme itself changed: the client sends its key in the wrong place.
        let renamed_header = edit(SECURED, "name: Authorization}", "name: X-Api-Key}");
        let c = run(SECURED, &renamed_header);
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::SecuritySchemeChanged,
                "listRepos",
                "/components/securitySchemes/token/name"
            )]
        );
        assert_eq!(
            c[0].message,
            "security scheme `token`: `name` changed from `Authorization` to `X-Api-Key`"
        );
        // Header names are case-insensitive.
        assert_eq!(
            run(
                SECURED,
                &edit(SECURED, "name: Authorization}", "name: authorization}")
            ),
            vec![]
        );
        let new_token_url = edit(
            &alternative,
            "https://example.com/token",
            "https://example.com/oauth/token",
        );
        let c = run(&alternative, &new_token_url);
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::SecuritySchemeChanged,
                "listRepos",
                "/components/securitySchemes/oauth/flows/clientCredentials/tokenUrl"
            )]
        );
    }
}
