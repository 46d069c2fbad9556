//! OpenAPI 3.0 Schema Objects → one JSON Schema 2020-12 document.
//!
//! Every `components/schemas/<name>` becomes `$defs/<name>`; request and response body
//! schemas (and any other `$ref` target) become `$defs/tether:body:<n>` /
//! `$defs/tether:ref:<n>` (`:` cannot occur in an OpenAPI component name, so these keys
//! never collide). `$ref`s are rewritten to point into `$defs`, never inlined, so
//! recursive schemas stay recursive.
//!
//! Alongside the document the converter records, for every schema node it wrote, the
//! contract pointer it came from; [`Converted::contract_location`] uses that table to
//! turn a keyword location inside the converted document back into a location in the
//! contract.
//!
//! The rules (OpenAPI 3.0.3 §4.7.24 read against JSON Schema 2020-12):
//!
//! * `nullable: true` adds `"null"` to `type` and, when there is an `enum`, `null` to the
//!   enum. A nullable schema that composes (`$ref`, `allOf`, `anyOf`, `oneOf`, `not`,
//!   `discriminator`) is wrapped as `if: {type: null}, else: <schema>` so null passes and
//!   every other value gets the schema's own errors. Under [`NullableReading::Spec`] only
//!   the first half holds: `"null"` is added to a `type` of the same object, nothing else.
//! * `$ref` siblings are ignored, as OpenAPI 3.0 says, except `nullable: true`, which is
//!   honoured through the wrapper above.
//! * `exclusiveMinimum: true` + `minimum: m` → `exclusiveMinimum: m` (likewise maximum).
//! * `format`: see the parent module; formats that are not asserted are removed, so the
//!   JSON Schema engine never asserts a format this crate did not promise.
//! * `anyOf`/`oneOf` with exactly one member become `allOf` with that member (same
//!   meaning, but the member's own errors are reported instead of "matches none").
//! * `discriminator` on `oneOf`/`anyOf`: objects are dispatched on the property value to
//!   the mapped schema only (explicit `mapping` plus implicit component names); an unknown
//!   or missing value is a `discriminator` error. Non-objects keep the `oneOf`/`anyOf`.
//!   A `discriminator` without `oneOf`/`anyOf` (allOf inheritance) is an annotation only.
//! * `readOnly` properties are removed from `required` in the request view, `writeOnly`
//!   ones in the response view.
//! * Annotations (`title`, `description`, `default`, `example`, `deprecated`, `xml`,
//!   `externalDocs`, `readOnly`, `writeOnly`, `x-*`) and keywords that OpenAPI 3.0 does
//!   not have are dropped.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{json, Map, Value};

use super::{FormatPolicy, NullableReading};
use crate::error::{escape_token, ContractError};
use crate::reference;

/// Custom keyword asserting `int32` / `int64` on numbers.
pub(crate) const INT_FORMAT_KEYWORD: &str = "x-tether-int-format";
/// Custom keyword for OpenAPI's `integer`: a JSON number without a fraction or exponent
/// part (OAS 3.0.3 Data Types). JSON Schema 2020-12 would accept `1.0`.
pub(crate) const INTEGER_KEYWORD: &str = "x-tether-integer";
/// Custom keyword checking a discriminator property: `{propertyName, values}`.
pub(crate) const DISCRIMINATOR_KEYWORD: &str = "x-tether-discriminator";

/// String formats asserted under [`FormatPolicy::Assert`] (handed to the engine as is).
pub(crate) const STRING_FORMATS: &[&str] =
    &["date-time", "date", "uri", "email", "uuid", "ipv4", "ipv6"];
/// Number formats asserted under [`FormatPolicy::Assert`] (custom keyword).
pub(crate) const INT_FORMATS: &[&str] = &["int32", "int64"];

/// Deepest inline schema nesting accepted in a contract.
const MAX_SCHEMA_DEPTH: usize = 256;

/// How a `discriminator` dispatches.
struct Dispatch {
    /// `oneOf` or `anyOf`.
    list_key: &'static str,
    property: String,
    /// Discriminator value → contract pointer of its schema.
    mapping: Vec<(String, String)>,
}

/// Which side of the exchange a schema describes (`readOnly` / `writeOnly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// Request bodies: `readOnly` properties are not required.
    Request,
    /// Response bodies: `writeOnly` properties are not required.
    Response,
}

/// The converted document and the way back to the contract.
#[derive(Debug)]
pub(crate) struct Converted {
    /// `{"$schema": …, "$defs": {…}}`.
    pub root: Value,
    /// Pointer of each converted schema node → pointer of the contract schema it came from.
    locations: HashMap<String, String>,
}

impl Converted {
    /// Map a keyword location inside [`Converted::root`] (a JSON pointer such as
    /// `/$defs/simple-user/required`) to the contract (`#/components/schemas/simple-user/required`).
    pub fn contract_location(&self, location: &str) -> String {
        // Longest prefix, on token boundaries, that is a converted schema node.
        let mut end = location.len();
        loop {
            let prefix = &location[..end];
            if let Some(contract) = self.locations.get(prefix) {
                let rest = &location[end..];
                return format!("#{contract}{}", keyword_back(rest));
            }
            match prefix.rfind('/') {
                Some(i) => end = i,
                None => return format!("#{location}"),
            }
        }
    }
}

impl Converted {
    /// Refuse schemas that apply themselves to the same value without end
    /// (`a: {$ref: b}`, `b: {allOf: [{$ref: a}]}`): validating them could never finish.
    /// Recursion through `properties` / `items` is fine (the value gets smaller).
    pub fn check_cycles(&self, file: &Path) -> Result<(), ContractError> {
        // 1: on the current path, 2: done.
        let mut state: HashMap<String, u8> = HashMap::new();
        let mut starts: Vec<&String> = self.locations.keys().collect();
        starts.sort();
        for start in starts {
            if state.contains_key(start.as_str()) {
                continue;
            }
            let mut stack: Vec<(String, Vec<String>)> = Vec::new();
            state.insert(start.clone(), 1);
            stack.push((start.clone(), self.same_value_children(start)));
            while let Some((at, children)) = stack.last_mut() {
                let Some(next) = children.pop() else {
                    state.insert(at.clone(), 2);
                    stack.pop();
                    continue;
                };
                match state.get(&next) {
                    Some(1) => {
                        let contract = self.contract_location(&next);
                        return Err(ContractError::Unsupported {
                            path: file.to_owned(),
                            pointer: contract.trim_start_matches('#').to_owned(),
                            construct: "schema that contains itself".into(),
                            message: "this schema reaches itself through `$ref`/`allOf`/`anyOf`/`oneOf`/`not` without descending into a property or item, so no value could ever be checked against it".into(),
                        });
                    }
                    Some(_) => {}
                    None => {
                        state.insert(next.clone(), 1);
                        let grandchildren = self.same_value_children(&next);
                        stack.push((next, grandchildren));
                    }
                }
            }
        }
        Ok(())
    }

    /// Subschemas applied to the same value as the schema at `at`.
    fn same_value_children(&self, at: &str) -> Vec<String> {
        let Some(Value::Object(obj)) = self.root.pointer(at) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(Ok(pointer)) = obj
            .get("$ref")
            .and_then(Value::as_str)
            .map(reference::target)
        {
            out.push(pointer);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(list) = obj.get(key).and_then(Value::as_array) {
                out.extend((0..list.len()).map(|i| format!("{at}/{key}/{i}")));
            }
        }
        for key in ["not", "if", "then", "else"] {
            if obj.get(key).is_some_and(Value::is_object) {
                out.push(format!("{at}/{key}"));
            }
        }
        out
    }
}

/// Keyword part of a converted location, as the contract spells it.
fn keyword_back(rest: &str) -> String {
    let mut tokens = rest.split('/').skip(1);
    let Some(first) = tokens.next() else {
        return String::new();
    };
    let first = match first {
        INT_FORMAT_KEYWORD => "format",
        INTEGER_KEYWORD => "type",
        DISCRIMINATOR_KEYWORD => "discriminator",
        // Synthetic wrappers: the keyword is the schema's own.
        "if" | "then" | "else" => return String::new(),
        other => other,
    };
    let mut out = format!("/{first}");
    for t in tokens {
        out.push('/');
        out.push_str(t);
    }
    out
}

/// Builds a [`Converted`] document from a contract.
pub(crate) struct Converter<'a> {
    doc: &'a Value,
    file: &'a Path,
    view: View,
    formats: FormatPolicy,
    nullable: NullableReading,
    defs: Map<String, Value>,
    locations: HashMap<String, String>,
    /// Contract pointer → converted pointer of the node written for it (outermost).
    primary: HashMap<String, String>,
    /// `$ref`s to patch at the end: (converted pointer of the object holding `$ref`,
    /// contract pointer of the target).
    deferred: Vec<(String, String)>,
    bodies: HashMap<String, String>,
    next_ref: usize,
}

impl<'a> Converter<'a> {
    /// A converter for `doc` (read from `file`, for messages).
    pub fn new(doc: &'a Value, file: &'a Path, view: View, formats: FormatPolicy) -> Self {
        Self {
            doc,
            file,
            view,
            formats,
            nullable: NullableReading::Provider,
            defs: Map::new(),
            locations: HashMap::new(),
            primary: HashMap::new(),
            deferred: Vec::new(),
            bodies: HashMap::new(),
            next_ref: 0,
        }
    }

    /// How `nullable: true` is read (default [`NullableReading::Provider`]).
    pub fn with_nullable(mut self, reading: NullableReading) -> Self {
        self.nullable = reading;
        self
    }

    /// Convert every `components/schemas` entry to `$defs/<name>`.
    pub fn add_components(&mut self) -> Result<(), ContractError> {
        let Some(schemas) = self
            .doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return Ok(());
        };
        for (name, schema) in schemas {
            let src = format!("/components/schemas/{}", escape_token(name));
            let dst = format!("/$defs/{}", escape_token(name));
            let converted = self.convert(schema, &src, &dst, 0)?;
            self.defs.insert(name.clone(), converted);
        }
        Ok(())
    }

    /// Whether `components/schemas` has `name` (given as a JSON pointer token).
    pub fn has_component(&self, token: &str) -> bool {
        self.doc
            .pointer(&format!("/components/schemas/{token}"))
            .is_some()
    }

    /// Convert a body schema found at contract pointer `src`; returns its `$defs` key.
    pub fn add_body(&mut self, src: &str, schema: &Value) -> Result<String, ContractError> {
        if let Some(key) = self.bodies.get(src) {
            return Ok(key.clone());
        }
        let key = format!("tether:body:{}", self.bodies.len());
        let dst = format!("/$defs/{}", escape_token(&key));
        let converted = self.convert(schema, src, &dst, 0)?;
        self.defs.insert(key.clone(), converted);
        self.bodies.insert(src.to_owned(), key.clone());
        Ok(key)
    }

    /// Resolve every `$ref` and return the document.
    pub fn finish(mut self) -> Result<Converted, ContractError> {
        // Targets that are not converted yet (a `$ref` to a parameter schema, to a
        // property inside a component, ...) are converted as extra `$defs` entries; that
        // can defer more references, hence the loop.
        while !self.deferred.is_empty() {
            let pending = std::mem::take(&mut self.deferred);
            let mut patches = Vec::with_capacity(pending.len());
            for (holder, target) in pending {
                let converted_target = match self.primary.get(&target) {
                    Some(p) => p.clone(),
                    None => {
                        let Some(schema) = self.doc.pointer(&target) else {
                            return Err(ContractError::invalid(
                                self.file,
                                self.contract_of(&holder),
                                format!("`$ref: #{target}` does not resolve"),
                                None,
                            ));
                        };
                        let key = format!("tether:ref:{}", self.next_ref);
                        self.next_ref += 1;
                        let dst = format!("/$defs/{}", escape_token(&key));
                        let converted = self.convert(schema, &target, &dst, 0)?;
                        self.defs.insert(key, converted);
                        dst
                    }
                };
                patches.push((holder, converted_target));
            }
            let mut root = Value::Object(std::mem::take(&mut self.defs));
            for (holder, target) in patches {
                let inside = holder.strip_prefix("/$defs").unwrap_or(&holder);
                if let Some(Value::Object(obj)) = root.pointer_mut(inside) {
                    obj.insert(
                        "$ref".into(),
                        Value::String(reference::to_reference(&target)),
                    );
                }
            }
            if let Value::Object(defs) = root {
                self.defs = defs;
            }
        }
        Ok(Converted {
            root: json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": Value::Object(self.defs),
            }),
            locations: self.locations,
        })
    }

    fn contract_of(&self, converted: &str) -> String {
        self.locations.get(converted).cloned().unwrap_or_default()
    }

    fn record(&mut self, dst: &str, src: &str) {
        self.locations.insert(dst.to_owned(), src.to_owned());
        self.primary
            .entry(src.to_owned())
            .or_insert_with(|| dst.to_owned());
    }

    fn invalid(&self, src: &str, message: impl Into<String>) -> ContractError {
        ContractError::invalid(self.file, src, message, None)
    }

    /// Convert one schema (`src`: its contract pointer, `dst`: where it goes).
    fn convert(
        &mut self,
        schema: &Value,
        src: &str,
        dst: &str,
        depth: usize,
    ) -> Result<Value, ContractError> {
        if depth > MAX_SCHEMA_DEPTH {
            return Err(ContractError::Unsupported {
                path: self.file.to_owned(),
                pointer: src.to_owned(),
                construct: "schema nesting".into(),
                message: format!(
                    "inline schemas nest deeper than {MAX_SCHEMA_DEPTH} levels; use `$ref`"
                ),
            });
        }
        let obj = match schema {
            Value::Object(obj) => obj,
            Value::Bool(_) => {
                self.record(dst, src);
                return Ok(schema.clone());
            }
            _ => return Err(self.invalid(src, "a schema must be a mapping")),
        };
        self.record(dst, src);
        let nullable_flag = obj.get("nullable").and_then(Value::as_bool) == Some(true);
        // Under the letter of OpenAPI 3.0.3 `nullable` only widens a `type` of the same
        // object: beside `$ref`, on a composing wrapper or for an `enum` it does nothing.
        let nullable = nullable_flag && self.nullable == NullableReading::Provider;

        if let Some(r) = obj.get("$ref") {
            let target = match r.as_str() {
                Some(r) => reference::target(r),
                None => Err(reference::RefError::NotAString),
            }
            .map_err(|e| self.invalid(&format!("{src}/$ref"), e.to_string()))?;
            if !nullable {
                self.deferred.push((dst.to_owned(), target));
                return Ok(json!({ "$ref": "" }));
            }
            // `nullable: true` beside `$ref`: null, or the referenced schema.
            let inner = format!("{dst}/else");
            self.record(&inner, src);
            self.deferred.push((inner, target));
            return Ok(json!({ "if": { "type": "null" }, "else": { "$ref": "" } }));
        }

        // A nullable schema that composes is wrapped: `if: {type: null}, else: <schema>`,
        // so its keywords are written one level down.
        let composes = ["allOf", "anyOf", "oneOf", "not"]
            .iter()
            .any(|k| obj.contains_key(*k));
        let wrap = nullable && composes;
        let base = if wrap {
            let inner = format!("{dst}/else");
            self.record(&inner, src);
            inner
        } else {
            dst.to_owned()
        };
        let dispatch = match obj.get("discriminator") {
            Some(d) => self.dispatch_plan(obj, d, src)?,
            None => None,
        };

        let mut out = Map::new();
        for (key, value) in obj {
            match key.as_str() {
                "type" => {
                    let Some(t) = value.as_str().filter(|t| {
                        matches!(
                            *t,
                            "string" | "number" | "integer" | "boolean" | "array" | "object"
                        )
                    }) else {
                        return Err(self.invalid(
                            &format!("{src}/type"),
                            format!("`type: {value}` is not an OpenAPI 3.0 type (string, number, integer, boolean, array, object)"),
                        ));
                    };
                    out.insert("type".into(), Value::String(t.to_owned()));
                    if t == "integer" {
                        out.insert(INTEGER_KEYWORD.into(), Value::Bool(true));
                    }
                }
                "enum" => {
                    if !value.is_array() {
                        return Err(self.invalid(&format!("{src}/enum"), "`enum` must be a list"));
                    }
                    out.insert("enum".into(), value.clone());
                }
                "properties" => {
                    let Some(props) = value.as_object() else {
                        return Err(self.invalid(
                            &format!("{src}/properties"),
                            "`properties` must be a mapping",
                        ));
                    };
                    let mut converted = Map::new();
                    for (name, p) in props {
                        let t = escape_token(name);
                        let c = self.convert(
                            p,
                            &format!("{src}/properties/{t}"),
                            &format!("{base}/properties/{t}"),
                            depth + 1,
                        )?;
                        converted.insert(name.clone(), c);
                    }
                    out.insert("properties".into(), Value::Object(converted));
                }
                "required" => {
                    let Some(names) = value.as_array() else {
                        return Err(
                            self.invalid(&format!("{src}/required"), "`required` must be a list")
                        );
                    };
                    let props = obj.get("properties").and_then(Value::as_object);
                    let kept: Vec<Value> = names
                        .iter()
                        .filter(|n| {
                            let Some(name) = n.as_str() else { return true };
                            !props
                                .and_then(|p| p.get(name))
                                .is_some_and(|p| self.hidden_in_view(p))
                        })
                        .cloned()
                        .collect();
                    if !kept.is_empty() {
                        out.insert("required".into(), Value::Array(kept));
                    }
                }
                "additionalProperties" | "items" | "not" => {
                    let c = self.convert(
                        value,
                        &format!("{src}/{key}"),
                        &format!("{base}/{key}"),
                        depth + 1,
                    )?;
                    out.insert(key.clone(), c);
                }
                "allOf" | "anyOf" | "oneOf" => {
                    let Some(members) = value.as_array() else {
                        return Err(self
                            .invalid(&format!("{src}/{key}"), format!("`{key}` must be a list")));
                    };
                    if members.is_empty() {
                        return Err(self.invalid(
                            &format!("{src}/{key}"),
                            format!("`{key}` must not be empty"),
                        ));
                    }
                    let dispatched = dispatch.as_ref().is_some_and(|d| d.list_key == key);
                    // One-member anyOf/oneOf means the member itself: write it as allOf
                    // so the member's errors are reported (unless allOf is taken).
                    let as_all_of = key != "allOf"
                        && members.len() == 1
                        && !dispatched
                        && !obj.contains_key("allOf");
                    let out_key = if as_all_of { "allOf" } else { key.as_str() };
                    let at = if dispatched {
                        self.record(&format!("{base}/else"), src);
                        format!("{base}/else/{out_key}")
                    } else {
                        format!("{base}/{out_key}")
                    };
                    let mut converted = Vec::with_capacity(members.len());
                    for (i, m) in members.iter().enumerate() {
                        converted.push(self.convert(
                            m,
                            &format!("{src}/{key}/{i}"),
                            &format!("{at}/{i}"),
                            depth + 1,
                        )?);
                    }
                    out.insert(out_key.into(), Value::Array(converted));
                }
                "format" => {
                    let Some(f) = value.as_str() else { continue };
                    if self.formats == FormatPolicy::Ignore {
                        continue;
                    }
                    if STRING_FORMATS.contains(&f) {
                        out.insert("format".into(), value.clone());
                    } else if INT_FORMATS.contains(&f) {
                        out.insert(INT_FORMAT_KEYWORD.into(), value.clone());
                    }
                }
                "minimum" | "maximum" => {
                    let excl = if key == "minimum" {
                        "exclusiveMinimum"
                    } else {
                        "exclusiveMaximum"
                    };
                    if !value.is_number() {
                        return Err(self.invalid(
                            &format!("{src}/{key}"),
                            format!("`{key}` must be a number"),
                        ));
                    }
                    if obj.get(excl).and_then(Value::as_bool) == Some(true) {
                        out.insert(excl.into(), value.clone());
                    } else {
                        out.insert(key.clone(), value.clone());
                    }
                }
                // The boolean form is folded into minimum/maximum above; a number (not
                // OpenAPI 3.0, but unambiguous) is kept as the 2020-12 bound.
                "exclusiveMinimum" | "exclusiveMaximum" if value.is_number() => {
                    out.insert(key.clone(), value.clone());
                }
                "multipleOf" | "maxLength" | "minLength" | "maxItems" | "minItems"
                | "maxProperties" | "minProperties" => {
                    if !value.is_number() {
                        return Err(self.invalid(
                            &format!("{src}/{key}"),
                            format!("`{key}` must be a number"),
                        ));
                    }
                    out.insert(key.clone(), value.clone());
                }
                "pattern" => {
                    if !value.is_string() {
                        return Err(
                            self.invalid(&format!("{src}/pattern"), "`pattern` must be a string")
                        );
                    }
                    out.insert(key.clone(), value.clone());
                }
                "uniqueItems" if value.as_bool() == Some(true) => {
                    out.insert(key.clone(), value.clone());
                }
                // Annotations, handled elsewhere, or not OpenAPI 3.0.
                _ => {}
            }
        }

        if let Some(plan) = dispatch {
            // Objects: the mapped schema only. Anything else: the list as written.
            let list = out.remove(plan.list_key).unwrap_or(Value::Null);
            let mut branches = Vec::with_capacity(plan.mapping.len());
            for (i, (value, target)) in plan.mapping.iter().enumerate() {
                let holder = format!("{base}/then/allOf/{i}/then");
                self.record(&holder, &format!("{src}/discriminator"));
                self.deferred.push((holder, target.clone()));
                branches.push(json!({
                    "if": {
                        "properties": { plan.property.as_str(): { "const": value } },
                        "required": [plan.property.as_str()],
                    },
                    "then": { "$ref": "" },
                }));
            }
            let values: Vec<Value> = plan
                .mapping
                .iter()
                .map(|(v, _)| Value::String(v.clone()))
                .collect();
            out.insert(
                DISCRIMINATOR_KEYWORD.into(),
                json!({ "propertyName": plan.property, "values": values }),
            );
            out.insert("if".into(), json!({ "type": "object" }));
            out.insert("then".into(), json!({ "allOf": branches }));
            out.insert("else".into(), json!({ plan.list_key: list }));
        }

        if nullable {
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                if !values.contains(&Value::Null) {
                    values.push(Value::Null);
                }
            }
            if wrap {
                return Ok(json!({ "if": { "type": "null" }, "else": Value::Object(out) }));
            }
        }
        if nullable_flag {
            if let Some(Value::String(t)) = out.get("type") {
                let t = t.clone();
                out.insert("type".into(), json!([t, "null"]));
            }
        }
        Ok(Value::Object(out))
    }

    /// `discriminator` next to `oneOf`/`anyOf`: the values and their target schemas
    /// (explicit `mapping`, then the component name of each `$ref` member not mapped).
    /// `None` when there is no list to choose from (an annotation, e.g. allOf inheritance).
    fn dispatch_plan(
        &self,
        obj: &Map<String, Value>,
        d: &Value,
        src: &str,
    ) -> Result<Option<Dispatch>, ContractError> {
        let Some((list_key, members)) = ["oneOf", "anyOf"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(Value::as_array).map(|m| (*k, m)))
        else {
            return Ok(None);
        };
        let Some(property) = d.get("propertyName").and_then(Value::as_str) else {
            return Err(self.invalid(
                &format!("{src}/discriminator"),
                "`discriminator` needs a `propertyName` string",
            ));
        };
        let mut mapping: Vec<(String, String)> = Vec::new();
        let mut targeted = HashSet::new();
        if let Some(m) = d.get("mapping") {
            let Some(m) = m.as_object() else {
                return Err(self.invalid(
                    &format!("{src}/discriminator/mapping"),
                    "`mapping` must be a mapping",
                ));
            };
            for (value, target) in m {
                let at = format!("{src}/discriminator/mapping/{}", escape_token(value));
                let Some(target) = target.as_str() else {
                    return Err(self.invalid(&at, "a mapping target must be a string"));
                };
                let pointer = match target.starts_with('#') {
                    true => {
                        reference::target(target).map_err(|e| self.invalid(&at, e.to_string()))?
                    }
                    false => format!("/components/schemas/{}", escape_token(target)),
                };
                if self.doc.pointer(&pointer).is_none() {
                    return Err(
                        self.invalid(&at, format!("mapping target `{target}` does not resolve"))
                    );
                }
                targeted.insert(pointer.clone());
                mapping.push((value.clone(), pointer));
            }
        }
        for m in members {
            let Some(r) = m.get("$ref").and_then(Value::as_str) else {
                continue;
            };
            let Ok(pointer) = reference::target(r) else {
                continue;
            };
            if targeted.contains(&pointer) {
                continue;
            }
            if let Some(name) = pointer.strip_prefix("/components/schemas/") {
                if !name.contains('/') {
                    let name = name.replace("~1", "/").replace("~0", "~");
                    if !mapping.iter().any(|(v, _)| *v == name) {
                        mapping.push((name, pointer.clone()));
                    }
                }
            }
        }
        if mapping.is_empty() {
            return Ok(None);
        }
        Ok(Some(Dispatch {
            list_key,
            property: property.to_owned(),
            mapping,
        }))
    }

    /// Whether a property schema is left out of `required` in this view.
    fn hidden_in_view(&self, property: &Value) -> bool {
        let flag = match self.view {
            View::Request => "readOnly",
            View::Response => "writeOnly",
        };
        let mut node = property;
        for _ in 0..reference::MAX_HOPS {
            if node.get(flag).and_then(Value::as_bool) == Some(true) {
                return true;
            }
            match node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| reference::resolve(self.doc, r).ok())
            {
                Some(next) => node = next,
                None => return false,
            }
        }
        false
    }
}
