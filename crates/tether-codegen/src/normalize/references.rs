//! Reference rules: nested targets hoisted to components, components renamed away from
//! prelude names, inline schemas whose derived name collides moved to components.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use tether_contract::error::escape_token;

use super::Report;

/// Names the generated code uses unqualified inside `mod types` (`Default::default()`,
/// `Ok(…)`, `Some(…)`): a component typify would give one of these names shadows it there
/// (Botify's `Default` schema: E0599).
const PRELUDE: &[&str] = &[
    "Default", "Option", "Result", "Some", "None", "Ok", "Err", "Box", "Vec", "String", "From",
    "Into", "Clone",
];

/// progenitor follows a `$ref` only to a component; Codat refers into a component's
/// `definitions` (`#/components/schemas/Report/definitions/reportDimension`, "is missing").
/// Each such target is copied to a component of its own (`Report-definitions-reportDimension`,
/// a name no component has) and the references point there; recorded in the header.
pub(super) fn hoist_nested_references(doc: &mut Value, report: &mut Report) {
    fn nested_targets(node: &Value, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    if let Ok(t) = tether_contract::reference::target(r) {
                        let nested = t
                            .strip_prefix("/components/schemas/")
                            .is_some_and(|rest| rest.contains('/'));
                        if nested {
                            out.insert(t);
                        }
                    }
                }
                map.values().for_each(|v| nested_targets(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| nested_targets(v, out)),
            _ => {}
        }
    }
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    // Hoisted schemas may refer into components again: repeat until nothing is nested.
    for _ in 0..8 {
        let mut targets = BTreeSet::new();
        nested_targets(doc, &mut targets);
        targets.retain(|t| !moved.contains_key(t));
        if targets.is_empty() {
            break;
        }
        for target in targets {
            let Some(schema) = doc.pointer(&target).cloned() else {
                continue;
            };
            let rest = target.trim_start_matches("/components/schemas/");
            let base: String = rest
                .split('/')
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect::<Vec<_>>()
                .join("-");
            let Some(schemas) = doc
                .pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)
            else {
                return;
            };
            let mut name = base.clone();
            let mut n = 2;
            while schemas.contains_key(&name) {
                name = format!("{base}-{n}");
                n += 1;
            }
            schemas.insert(name.clone(), schema);
            moved.insert(target, name);
        }
        let targets: BTreeMap<String, String> = moved
            .iter()
            .map(|(t, name)| {
                (
                    t.clone(),
                    format!("#/components/schemas/{}", escape_token(name)),
                )
            })
            .collect();
        rewrite_refs(doc, &targets);
    }
    if !moved.is_empty() {
        report.changes.push(format!(
            "references into a component's nested schemas point to copies of their own: {}",
            moved
                .iter()
                .map(|(t, name)| format!("`#{t}` → `{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// Every `$ref` whose canonical target is a key of `targets` rewritten to its value.
fn rewrite_refs(node: &mut Value, targets: &BTreeMap<String, String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(new) = tether_contract::reference::target(r)
                    .ok()
                    .and_then(|t| targets.get(&t))
                {
                    *r = new.clone();
                }
            }
            map.values_mut().for_each(|v| rewrite_refs(v, targets));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, targets)),
        _ => {}
    }
}

/// A component whose type name would be a [`PRELUDE`] name is renamed `<Name>Schema` (with
/// every `$ref` to it), recorded in the header.
pub(super) fn rename_prelude_components(doc: &mut Value, report: &mut Report) {
    use heck::ToUpperCamelCase;
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let taken: BTreeSet<String> = schemas.keys().map(|k| k.to_upper_camel_case()).collect();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for name in schemas.keys() {
        let pascal = name.to_upper_camel_case();
        if PRELUDE.contains(&pascal.as_str()) {
            let mut new = format!("{pascal}Schema");
            let mut n = 2;
            while taken.contains(&new) || renames.values().any(|v| *v == new) {
                new = format!("{pascal}Schema{n}");
                n += 1;
            }
            renames.insert(name.clone(), new);
        }
    }
    if renames.is_empty() {
        return;
    }
    let targets: BTreeMap<String, String> = renames
        .iter()
        .map(|(old, new)| {
            (
                format!("/components/schemas/{}", escape_token(old)),
                format!("#/components/schemas/{}", escape_token(new)),
            )
        })
        .collect();
    rewrite_refs(doc, &targets);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (old, new) in &renames {
            if let Some(schema) = schemas.remove(old) {
                schemas.insert(new.clone(), schema);
            }
        }
    }
    report.changes.push(format!(
        "components renamed so their types do not shadow a name the generated code uses: {}",
        renames
            .iter()
            .map(|(old, new)| format!("`{old}` → `{new}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

/// typify names an inline schema after its parent type and property
/// (`repository-ruleset` + `conditions` → `RepositoryRulesetConditions`); when a component
/// already has that name (GitHub's `repository-ruleset-conditions`), both are emitted as
/// `RepositoryRulesetConditions` (E0428). Such an inline schema is moved into a component
/// of its own, `<derived name>Inline` (unique), which typify names by its key; the
/// property refers to it (`nullable` stays on the property, around an `allOf` of the
/// reference). Each move is recorded in the generated header.
pub(super) fn name_inline_collisions(doc: &mut Value, report: &mut Report) {
    use heck::ToUpperCamelCase;
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut taken: BTreeSet<String> = schemas.keys().map(|k| k.to_upper_camel_case()).collect();
    let mut lifted: Vec<(String, Value)> = Vec::new();
    let mut moved = Vec::new();
    let names: Vec<String> = schemas.keys().cloned().collect();
    for component in names {
        let Some(schema) = schemas.get_mut(&component) else {
            continue;
        };
        let prefix = component.to_upper_camel_case();
        let mut visit = Lift {
            taken: &mut taken,
            lifted: &mut lifted,
            moved: &mut moved,
        };
        visit.schema(schema, &prefix, &component, 0);
    }
    for (name, schema) in lifted {
        schemas.insert(name, schema);
    }
    if !moved.is_empty() {
        report.changes.push(format!(
            "inline schemas whose derived type name is a component's moved to a component of their own (E0428): {}",
            moved.join(", ")
        ));
    }
}

/// The walk of [`name_inline_collisions`].
struct Lift<'a> {
    taken: &'a mut BTreeSet<String>,
    lifted: &'a mut Vec<(String, Value)>,
    moved: &'a mut Vec<String>,
}

impl Lift<'_> {
    fn schema(&mut self, schema: &mut Value, prefix: &str, at: &str, depth: usize) {
        use heck::ToUpperCamelCase;
        if depth > 32 {
            return;
        }
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        let mut children: Vec<(String, String, &mut Value)> = Vec::new();
        for (key, value) in obj.iter_mut() {
            match key.as_str() {
                "properties" => {
                    if let Some(props) = value.as_object_mut() {
                        for (name, sub) in props.iter_mut() {
                            let derived = format!("{prefix}{}", name.to_upper_camel_case());
                            children.push((derived, format!("{at}.{name}"), sub));
                        }
                    }
                }
                "items" => children.push((format!("{prefix}Item"), format!("{at}[]"), value)),
                _ => {}
            }
        }
        for (derived, at, sub) in children {
            // An inline schema typify makes a named type of (a struct, an enum, a composition).
            let named = ["properties", "enum", "oneOf", "anyOf", "allOf"]
                .iter()
                .any(|k| sub.get(*k).is_some());
            if sub.get("$ref").is_some() || !named {
                continue;
            }
            if !self.taken.contains(&derived) {
                self.taken.insert(derived.clone());
                self.schema(sub, &derived, &at, depth + 1);
                continue;
            }
            let mut name = format!("{derived}Inline");
            let mut n = 2;
            while self.taken.contains(&name) {
                name = format!("{derived}Inline{n}");
                n += 1;
            }
            self.taken.insert(name.clone());
            let mut own = std::mem::take(sub);
            let nullable = own
                .as_object_mut()
                .and_then(|o| o.remove("nullable"))
                .and_then(|v| v.as_bool())
                == Some(true);
            let reference =
                json!({ "$ref": format!("#/components/schemas/{}", escape_token(&name)) });
            *sub = if nullable {
                json!({ "nullable": true, "allOf": [reference] })
            } else {
                reference
            };
            self.moved.push(format!("`{at}` → `{name}`"));
            self.schema(&mut own, &name, &at, depth + 1);
            self.lifted.push((name, own));
        }
    }
}
