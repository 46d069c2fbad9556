//! Operation-level rules: operations matched by `operationId`, parameters (required,
//! style, default), request bodies, responses and their headers, media types (the one
//! compared, and those that left or joined a `content` map), and security requirements
//! and schemes. The schemas found along the way are compared by `schemas.rs`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::constraints::display_value;
use super::schemas::{Differ, Dir};
use super::walk::{child, elements, entries, escape, is_true, resolve, Node};
use super::{ChangeKind, Severity};
use crate::model::is_json_media_type;

/// The HTTP methods an OpenAPI 3.0 path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An operation found under `paths`.
pub(super) struct Operation<'a> {
    pub(super) path: &'a str,
    pub(super) method: &'static str,
    pub(super) node: Node<'a>,
    item: Node<'a>,
}

/// All operations of a document, keyed by operationId (or `"METHOD /path"`); the first
/// of several operations sharing an operationId wins.
pub(super) fn operations(doc: &Value) -> BTreeMap<String, Operation<'_>> {
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
        .or_else(|| map.keys().find(|k| is_json_media_type(k)))
        .or_else(|| map.keys().next())?;
    Some((key.as_str(), child(content, key)?))
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

// The operation-level half of the differ; the schema-level half is in `schemas.rs`.
impl<'a> Differ<'a> {
    pub(super) fn operation(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
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
        if old_type != new_type && !(is_json_media_type(old_type) && is_json_media_type(new_type)) {
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
}
