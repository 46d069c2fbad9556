//! Typing form values by the schema.
//!
//! [`crate::form::decode`] gives every leaf as a JSON string. Before validation each
//! string is converted where the contract's schema (the OpenAPI schema, `$ref`s followed)
//! asks for another type:
//!
//! * `type: integer`: a canonical decimal integer (`12`, `-3`, not `012`, `+1` or `1.0`)
//!   that fits `i64` or `u64` becomes a number;
//! * `type: number`: JSON number syntax (`1.5`, `-2e3`) with a finite value becomes a number;
//! * `type: boolean`: `true` / `false` become booleans;
//! * `anyOf` / `oneOf`: the first member the value can be coerced to decides (a member
//!   that takes strings, or says nothing about type, keeps the string);
//! * `allOf`: the first member that converts the value decides;
//! * everything else stays a string, in particular `""`, which Stripe uses to unset a
//!   field (and which matches `enum: [""]`).
//!
//! Objects and arrays are walked through `properties`, `additionalProperties` and
//! `items`. A value the schema cannot type stays as it is and fails validation with a
//! `type` error that names it.

use serde_json::{Number, Value};

/// Most schema steps (`$ref` hops, composition members, nesting) followed for one body;
/// past it the rest stays as decoded (a cyclic or explosive contract cannot hang us).
const MAX_STEPS: usize = 100_000;

/// Coerce `value` in place by `schema` (an OpenAPI schema inside `doc`).
pub(crate) fn coerce(doc: &Value, schema: &Value, value: &mut Value) {
    let mut budget = MAX_STEPS;
    coerce_at(doc, schema, value, &mut budget, 0);
}

/// Deepest chain of schema steps followed (bounds the recursion).
const MAX_DEPTH: usize = 192;

/// Spend one step at `depth`; false once the budget is gone or too deep.
fn step(budget: &mut usize, depth: usize) -> bool {
    if *budget == 0 || depth > MAX_DEPTH {
        return false;
    }
    *budget -= 1;
    true
}

/// Follow a `$ref` chain to the schema object.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    crate::reference::follow(doc, schema).ok().map(|f| f.node)
}

fn members<'a>(schema: &'a Value, key: &str) -> &'a [Value] {
    schema
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn coerce_at(doc: &Value, schema: &Value, value: &mut Value, budget: &mut usize, depth: usize) {
    if !step(budget, depth) {
        return;
    }
    let Some(schema) = resolve(doc, schema) else {
        return;
    };
    match value {
        Value::String(s) => {
            if let Some(typed) = leaf(doc, schema, s, budget, depth + 1) {
                *value = typed;
            }
        }
        Value::Object(_) | Value::Array(_) => {
            let is_object = value.is_object();
            let want = if is_object { "object" } else { "array" };
            // anyOf / oneOf: the first member that takes this kind of container.
            for key in ["anyOf", "oneOf"] {
                let list = members(schema, key);
                if list.is_empty() {
                    continue;
                }
                if let Some(m) = list.iter().find(|m| takes(doc, m, want, budget, depth + 1)) {
                    coerce_at(doc, m, value, budget, depth + 1);
                }
            }
            for m in members(schema, "allOf") {
                coerce_at(doc, m, value, budget, depth + 1);
            }
            match value {
                Value::Object(map) => {
                    let props = schema.get("properties").and_then(Value::as_object);
                    let extra = schema.get("additionalProperties").filter(|a| a.is_object());
                    for (k, v) in map.iter_mut() {
                        if let Some(p) = props.and_then(|p| p.get(k)).or(extra) {
                            coerce_at(doc, p, v, budget, depth + 1);
                        }
                    }
                }
                Value::Array(items) => {
                    if let Some(item) = schema.get("items") {
                        for v in items.iter_mut() {
                            coerce_at(doc, item, v, budget, depth + 1);
                        }
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// Whether a schema can hold a container of JSON type `want` (`object` / `array`).
fn takes(doc: &Value, schema: &Value, want: &str, budget: &mut usize, depth: usize) -> bool {
    if !step(budget, depth) {
        return false;
    }
    let Some(schema) = resolve(doc, schema) else {
        return false;
    };
    match schema.get("type").and_then(Value::as_str) {
        Some(t) => t == want,
        None => {
            let lists: Vec<&Value> = ["anyOf", "oneOf", "allOf"]
                .iter()
                .flat_map(|k| members(schema, k))
                .collect();
            lists.is_empty() || lists.iter().any(|m| takes(doc, m, want, budget, depth + 1))
        }
    }
}

/// What a string leaf becomes under `schema`: `Some(typed)`, or `None` to keep the string.
fn leaf(doc: &Value, schema: &Value, s: &str, budget: &mut usize, depth: usize) -> Option<Value> {
    match leaf_choice(doc, schema, s, budget, depth) {
        Choice::Typed(v) => Some(v),
        Choice::KeepString | Choice::No => None,
    }
}

enum Choice {
    /// The schema takes the value once typed.
    Typed(Value),
    /// The schema takes it as a string (or does not say).
    KeepString,
    /// The schema cannot take it.
    No,
}

fn leaf_choice(doc: &Value, schema: &Value, s: &str, budget: &mut usize, depth: usize) -> Choice {
    if !step(budget, depth) {
        return Choice::No;
    }
    let Some(schema) = resolve(doc, schema) else {
        return Choice::No;
    };
    for key in ["anyOf", "oneOf"] {
        let list = members(schema, key);
        if list.is_empty() {
            continue;
        }
        for m in list {
            match leaf_choice(doc, m, s, budget, depth + 1) {
                Choice::No => continue,
                decided => return decided,
            }
        }
        return Choice::No;
    }
    for m in members(schema, "allOf") {
        if let Choice::Typed(v) = leaf_choice(doc, m, s, budget, depth + 1) {
            return Choice::Typed(v);
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        None | Some("string") => Choice::KeepString,
        Some("integer") => integer(s).map_or(Choice::No, Choice::Typed),
        Some("number") => number(s).map_or(Choice::No, Choice::Typed),
        Some("boolean") => match s {
            "true" => Choice::Typed(Value::Bool(true)),
            "false" => Choice::Typed(Value::Bool(false)),
            _ => Choice::No,
        },
        Some(_) => Choice::No,
    }
}

/// `-?(0|[1-9][0-9]*)` that fits i64 or u64.
fn integer(s: &str) -> Option<Value> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return None;
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::Number(Number::from(i)));
    }
    s.parse::<u64>()
        .ok()
        .map(|u| Value::Number(Number::from(u)))
}

/// JSON number syntax with a finite value.
fn number(s: &str) -> Option<Value> {
    if let Some(i) = integer(s) {
        return Some(i);
    }
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_part = &b[int_start..i];
    if int_part.is_empty() || (int_part.len() > 1 && int_part[0] == b'0') {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "components": {"schemas": {
                "amount": {"type": "integer"},
                "body": {
                    "type": "object",
                    "properties": {
                        "balance": {"type": "integer"},
                        "ratio": {"type": "number"},
                        "flag": {"type": "boolean"},
                        "ref": {"$ref": "#/components/schemas/amount"},
                        "unset": {"anyOf": [{"type": "integer"}, {"type": "string", "enum": [""]}]},
                        "metadata": {"anyOf": [
                            {"type": "object", "additionalProperties": {"type": "string"}},
                            {"type": "string", "enum": [""]}
                        ]},
                        "list": {"type": "array", "items": {"type": "integer"}},
                        "both": {"allOf": [{"description": "x"}, {"type": "integer"}]},
                        "name": {"type": "string"}
                    }
                }
            }}
        })
    }

    fn run(v: Value) -> Value {
        let d = doc();
        let mut v = v;
        coerce(&d, &json!({"$ref": "#/components/schemas/body"}), &mut v);
        v
    }

    #[test]
    fn typed_by_schema() {
        let out = run(json!({
            "balance": "12", "ratio": "1.5", "flag": "true", "ref": "-3",
            "unset": "7", "metadata": {"k": "1"}, "list": ["1", "2"], "both": "4", "name": "12"
        }));
        assert_eq!(
            out,
            json!({
                "balance": 12, "ratio": 1.5, "flag": true, "ref": -3,
                "unset": 7, "metadata": {"k": "1"}, "list": [1, 2], "both": 4, "name": "12"
            })
        );
    }

    #[test]
    fn untypeable_values_stay_strings() {
        let out = run(json!({
            "balance": "abc", "ratio": "1e999", "flag": "yes", "unset": "", "metadata": "",
            "list": ["01", "+1", "1.0"], "ref": "99999999999999999999"
        }));
        assert_eq!(
            out,
            json!({
                "balance": "abc", "ratio": "1e999", "flag": "yes", "unset": "", "metadata": "",
                "list": ["01", "+1", "1.0"], "ref": "99999999999999999999"
            })
        );
    }

    #[test]
    fn number_syntax() {
        for ok in ["0", "-0", "1.25", "-2e3", "1E+2", "18446744073709551615"] {
            assert!(number(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "-", ".5", "5.", "1e", "0x10", "NaN", "inf", " 1", "1 ", "00", "1e400",
        ] {
            assert!(number(bad).is_none(), "{bad}");
        }
        assert_eq!(integer("-9223372036854775808"), Some(json!(i64::MIN)));
        assert_eq!(integer("18446744073709551616"), None);
    }

    #[test]
    fn cyclic_refs_end() {
        let d = json!({"components": {"schemas": {
            "a": {"anyOf": [{"$ref": "#/components/schemas/b"}]},
            "b": {"anyOf": [{"$ref": "#/components/schemas/a"}]}
        }}});
        let mut v = json!({"x": "1"});
        coerce(&d, &json!({"$ref": "#/components/schemas/a"}), &mut v);
        assert_eq!(v, json!({"x": "1"}));
        let mut s = json!("1");
        coerce(&d, &json!({"$ref": "#/components/schemas/a"}), &mut s);
        assert_eq!(s, json!("1"));
        // Two-way branching cycles stop at the step budget instead of exploding.
        let d = json!({"components": {"schemas": {
            "a": {"anyOf": [{"$ref": "#/components/schemas/a"}, {"$ref": "#/components/schemas/a"}]}
        }}});
        let mut s = json!({"x": ["1", "2"]});
        coerce(&d, &json!({"$ref": "#/components/schemas/a"}), &mut s);
        assert_eq!(s, json!({"x": ["1", "2"]}));
    }
}
