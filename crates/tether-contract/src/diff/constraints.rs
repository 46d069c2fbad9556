//! Validation keywords: `enum` values, and the bounds (with their exclusive flags),
//! `pattern`, `multipleOf` and `uniqueItems` of a schema, read, merged across `allOf`
//! members and compared.

use std::collections::BTreeMap;

use serde_json::Value;

use super::schemas::{Dir, Local, Rel, View};
use super::walk::{is_true, Node};
use super::{ChangeKind, Severity};

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
pub(super) struct Limits<'a> {
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
    pub(super) fn read(node: &Node<'a>) -> Limits<'a> {
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

    pub(super) fn merge(&mut self, member: Limits<'a>) {
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

/// A JSON value as a person would write it: strings without quotes.
pub(super) fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn enums(dir: Dir, local: &mut Local, path: &str, ov: &View<'_>, nv: &View<'_>) {
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
pub(super) fn constraints(dir: Dir, local: &mut Local, path: &str, ov: &View<'_>, nv: &View<'_>) {
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
