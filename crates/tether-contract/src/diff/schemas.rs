//! The schema-pair differ: the request/response direction and the widen/narrow rules for
//! `type` and `format`, the merged `allOf` view of a schema, and the [`Differ`], which
//! compares each pair of schemas once per diff (type, format, nullability, `oneOf`/`anyOf`,
//! properties and their `required`, array items and map values) and reports each change
//! at the shortest property path that reaches it.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::constraints::{constraints, enums, Limits};
use super::walk::{child, elements, entries, is_true, resolve, visible, Node};
use super::{Change, ChangeKind, Severity};

/// How deeply nested inline subschemas (and `allOf` members) are compared; subschemas
/// behind a `$ref` are walked iteratively and do not count.
const MAX_DEPTH: usize = 128;
/// How many `allOf` members (counting nested ones) are merged into one schema.
const MAX_ALL_OF_MEMBERS: usize = 1024;

/// Which side of the exchange a schema describes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(super) enum Dir {
    /// Sent by the client: may widen, must not narrow.
    Request,
    /// Received by the client: may narrow, must not widen.
    Response,
}

impl Dir {
    pub(super) fn pick(self, request: Severity, response: Severity) -> Severity {
        match self {
            Dir::Request => request,
            Dir::Response => response,
        }
    }
}

/// How the set of accepted values changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Rel {
    Same,
    Widened,
    Narrowed,
    Incompatible,
}

impl Rel {
    pub(super) fn severity(self, dir: Dir) -> Severity {
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
pub(super) struct View<'a> {
    pub(super) ptr: String,
    ty: Option<String>,
    format: Option<&'a str>,
    nullable: bool,
    /// The allowed values: the `enum` of the schema, intersected with its members' ones.
    pub(super) enum_values: Option<Vec<Node<'a>>>,
    props: Vec<(&'a str, Node<'a>)>,
    required: BTreeSet<&'a str>,
    items: Option<Node<'a>>,
    additional: Option<Node<'a>>,
    one_of: Option<Node<'a>>,
    any_of: Option<Node<'a>>,
    pub(super) limits: Limits<'a>,
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
pub(super) struct PairKey {
    old: String,
    new: String,
    dir: Dir,
}

/// A pair of (resolved) schemas and, once compared, what differs between them.
pub(super) struct Pair<'a> {
    dir: Dir,
    old: Node<'a>,
    new: Node<'a>,
    local: Option<Local>,
}

/// What differs within one pair of schemas and their inline subschemas. Subschemas reached
/// through a `$ref` are not compared here: they are edges to other pairs.
#[derive(Default)]
pub(super) struct Local {
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
    pub(super) fn push(
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

pub(super) struct Differ<'a> {
    pub(super) old: &'a Value,
    pub(super) new: &'a Value,
    pub(super) op: String,
    pub(super) out: Vec<Change>,
    /// Schema pairs, compared at most once per diff and shared by every operation.
    pub(super) pairs: Vec<Pair<'a>>,
    pub(super) ids: HashMap<PairKey, usize>,
    /// Per pair, the generation of the comparison root that last reached it.
    pub(super) seen: Vec<u64>,
    pub(super) generation: u64,
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

// The schema-level half of the differ; the operation-level half is in `operations.rs`.
impl<'a> Differ<'a> {
    pub(super) fn push(
        &mut self,
        severity: Severity,
        kind: ChangeKind,
        pointer: String,
        message: String,
    ) {
        self.out.push(Change {
            severity,
            kind,
            operation: self.op.clone(),
            pointer,
            message,
        });
    }

    /// Compares two schemas as a comparison root (a parameter, a body or a header): every
    /// pair of schemas reachable from it is reported once, at the shortest property path
    /// that reaches it (breadth-first, in document order). Visiting each pair once per
    /// root is also the cycle guard for recursive schemas.
    pub(super) fn compare(&mut self, dir: Dir, label: String, old: Node<'a>, new: Node<'a>) {
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
