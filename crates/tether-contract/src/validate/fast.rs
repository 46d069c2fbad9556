//! The fast path: validating JSON bytes against the converted schemas while parsing them,
//! without building a [`serde_json::Value`].
//!
//! [`Program::compile`] turns the converted document (the one [`super::convert`] writes,
//! with its custom keywords) into an arena of [`Node`]s once; `$ref`s become node indices,
//! so recursive schemas stay recursive. [`FastBody::check`] then checks the body is UTF-8
//! (once) and drives `serde_json::Deserializer::from_str` with one `DeserializeSeed` per
//! node: keys and strings are borrowed from the input, unknown properties are walked (not
//! skipped with `IgnoredAny`, whose scanner is laxer than the parser: it accepts `1e400`),
//! and the value is checked as it is read; `Deserializer::end` refuses trailing characters.
//!
//! The answer is [`Verdict::Valid`], [`Verdict::Invalid`] or [`Verdict::Unsupported`]
//! (decided per body when compiling: a keyword this module does not implement exactly
//! anywhere the body reaches). Only `Valid` is trusted by the caller; anything else runs
//! the `jsonschema` path, which produces the errors. So the rule every piece here follows:
//! **this path says valid only when the `jsonschema` path says valid**. Members of
//! `oneOf`/`anyOf` need more: a member's "invalid" must be exact too, so whatever is
//! only *probably* invalid (duplicate keys, nesting past serde_json's limit, a parse error)
//! aborts the whole check instead of failing one member.
//!
//! Exactness, keyword by keyword:
//!
//! * `type`, `x-tether-integer`, `x-tether-int-format`, `required`, `properties`,
//!   `additionalProperties`, `items`, `minItems`/`maxItems`, `minLength`/`maxLength`
//!   (characters, as `jsonschema` counts them) and string `enum`s are checked here with
//!   the engine's own rules (see `compile.rs` for the custom keywords).
//! * `format: uri` / `ipv4` / `ipv6` call the function the engine calls
//!   (`jsonschema::Uri::parse`, `std::net`'s parsers).
//! * Other formats, `pattern`, number bounds, `multipleOf` and `enum` on numbers are handed
//!   to a tiny `jsonschema` validator of just those keywords, built once per distinct
//!   keyword set with the options the body validators use: same verdicts by construction.
//! * `allOf`/`anyOf`/`oneOf`: when every member accepts different JSON types (Stripe's
//!   expandable `anyOf: [string, object]`, the converter's nullable wrappers), the value's
//!   type picks the only member that can match, with no copy. Otherwise the value is
//!   captured as a `RawValue` and each member checks the captured text.
//! * `discriminator` (the converter's `if`/`then`/`else` form): captured; the property is
//!   read from the object (last occurrence, like `Value`), then the mapped schema checks it.
//! * `uniqueItems`, `minProperties`/`maxProperties` depend on `Value` equality and on
//!   duplicate keys collapsing: the captured array/object is parsed into a `Value` (just
//!   that subtree) and the engine checks those keywords on it.
//! * Everything else (`not`, `const`, other `if` forms, `$ref` with siblings) is
//!   unsupported.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::de::{
    self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use serde_json::{json, Map, Number, Value};

use super::compile::{fits_int_format, integer_literal};
use super::convert::{DISCRIMINATOR_KEYWORD, INTEGER_KEYWORD, INT_FORMAT_KEYWORD};
use super::FormatPolicy;
use crate::error::escape_token;

/// serde_json's nesting limit: the 128th nested array/object is a parse error.
const PARSE_DEPTH: usize = 128;

/// What the fast path says about a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The `jsonschema` path would accept it too.
    Valid,
    /// Probably invalid (or not JSON): ask the `jsonschema` path.
    Invalid,
    /// The body's schema uses a keyword this path does not implement.
    Unsupported,
}

/// JSON kinds as bits. `INTEGER` is a `type` only: a number with no fractional part.
type Kinds = u8;
const NULL: Kinds = 1;
const BOOL: Kinds = 2;
const NUMBER: Kinds = 4;
const STRING: Kinds = 8;
const ARRAY: Kinds = 16;
const OBJECT: Kinds = 32;
const INTEGER: Kinds = 64;
const ALL: Kinds = NULL | BOOL | NUMBER | STRING | ARRAY | OBJECT;

/// Index of each JSON kind in [`Node::Dispatch`].
const KIND_INDEX: [Kinds; 6] = [NULL, BOOL, NUMBER, STRING, ARRAY, OBJECT];

/// The JSON kinds a `type` set admits (`integer` is a number).
fn json_kinds(k: Kinds) -> Kinds {
    if k & INTEGER != 0 {
        (k | NUMBER) & ALL
    } else {
        k & ALL
    }
}

/// The arena's first two nodes.
const ANY: usize = 0;
const NEVER: usize = 1;

enum Node {
    /// Any value (walked, so its syntax is checked as the parser would).
    Any,
    /// No value.
    Never,
    /// The same as another node.
    Ref(usize),
    /// `null`, or the node.
    Nullable(usize),
    /// One schema without composition.
    Leaf(Box<Leaf>),
    /// Every member (captured).
    All(Vec<usize>),
    /// At least one member (captured).
    AnyOf(Vec<usize>),
    /// Exactly one member (captured).
    OneOf(Vec<usize>),
    /// `anyOf`/`oneOf` whose members admit disjoint JSON kinds: the kind picks the member.
    Dispatch([Option<usize>; 6]),
    /// The converter's discriminator form (captured).
    Discriminator(Box<Discriminator>),
    /// Keywords about a whole array/object that `Value` equality or key counting decides
    /// (`uniqueItems`, `minProperties`, `maxProperties`): the captured value is parsed into
    /// a `Value`, as the `jsonschema` path would have it, and checked by the engine.
    Whole(Arc<jsonschema::Validator>),
    /// A keyword this path does not implement.
    Unsupported(String),
}

#[derive(Default)]
struct Leaf {
    kinds: Kinds,
    /// `x-tether-integer`.
    integer_literal: bool,
    /// `x-tether-int-format`: `Some(true)` for int32.
    int_format: Option<bool>,
    /// Scalar `enum` values.
    enumeration: Option<Vec<Value>>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    /// A `format` checked by calling what the engine calls.
    format: Option<NativeFormat>,
    /// `format` / `pattern` (and non-integer length bounds) on strings.
    string_check: Option<Arc<jsonschema::Validator>>,
    /// Bounds, `multipleOf` and `enum` on numbers.
    number_check: Option<Arc<jsonschema::Validator>>,
    object: Option<Object>,
    items: Option<usize>,
    min_items: Option<u64>,
    max_items: Option<u64>,
}

/// Formats whose engine check is a public function: called directly (no copy into a
/// `Value`). The engine (`keywords/format.rs`) runs exactly these on strings.
#[derive(Clone, Copy)]
enum NativeFormat {
    /// `referencing::Uri::parse(s).is_ok()` (`jsonschema::Uri` is that type).
    Uri,
    /// `Ipv4Addr::from_str(s).is_ok()`.
    Ipv4,
    /// `Ipv6Addr::from_str(s).is_ok()`.
    Ipv6,
}

impl NativeFormat {
    fn check(self, s: &str) -> bool {
        match self {
            NativeFormat::Uri => jsonschema::Uri::parse(s).is_ok(),
            NativeFormat::Ipv4 => s.parse::<std::net::Ipv4Addr>().is_ok(),
            NativeFormat::Ipv6 => s.parse::<std::net::Ipv6Addr>().is_ok(),
        }
    }
}

struct Object {
    /// Property name → slot.
    index: FxHashMap<Box<str>, usize>,
    /// The `properties` schema of each slot (`None`: named in `required` only).
    slots: Vec<Option<usize>>,
    required: Vec<usize>,
    /// `additionalProperties` (ANY when absent).
    additional: usize,
}

struct Discriminator {
    /// The schema's own keywords beside the discriminator.
    own: Option<usize>,
    property: String,
    /// Value → the mapped schema.
    targets: Vec<(String, usize)>,
    /// What non-objects must match (the `oneOf`/`anyOf` as written).
    otherwise: usize,
}

/// Every schema of one converted document, compiled for the fast path.
pub(crate) struct Program {
    nodes: Vec<Node>,
    /// Whether a value checked against the node is captured first.
    capture: Vec<bool>,
    /// Converted-document pointer → node.
    at: HashMap<String, usize>,
    /// serde_json hands numbers over as u64/i64/f64 (not `arbitrary_precision`, under
    /// which they arrive as maps and compare differently): the rules here assume it.
    plain_numbers: bool,
}

/// A body's entry point into a [`Program`].
#[derive(Clone)]
pub(crate) struct FastBody {
    program: Arc<Program>,
    root: usize,
}

struct Compiler<'a> {
    root: &'a Value,
    formats: FormatPolicy,
    nodes: Vec<Node>,
    at: HashMap<String, usize>,
    checks: HashMap<String, Arc<jsonschema::Validator>>,
}

impl Program {
    /// Compile every `$defs` entry of a converted document (and what it references).
    pub fn compile(root: &Value, formats: FormatPolicy) -> Self {
        let mut c = Compiler {
            root,
            formats,
            nodes: vec![Node::Any, Node::Never],
            at: HashMap::new(),
            checks: HashMap::new(),
        };
        if let Some(defs) = root.get("$defs").and_then(Value::as_object) {
            for (name, schema) in defs {
                c.node(schema, &format!("/$defs/{}", escape_token(name)));
            }
        }
        // An integer beyond u64 is read as an f64, unless `arbitrary_precision` keeps
        // its digits (then it is not an f64).
        let plain_numbers =
            serde_json::from_str::<Value>("100000000000000000000000").is_ok_and(|v| v.is_f64());
        let mut program = Program {
            nodes: c.nodes,
            capture: Vec::new(),
            at: c.at,
            plain_numbers,
        };
        program.dispatch_disjoint();
        program.capture = (0..program.nodes.len())
            .map(|i| program.needs_capture(i, 0))
            .collect();
        program
    }

    /// The entry of the body at `pointer` (`/$defs/<key>`), unless it reaches a keyword
    /// this path does not implement.
    /// `Err` names the first such keyword.
    pub fn body(self: &Arc<Self>, pointer: &str) -> Result<FastBody, String> {
        if !self.plain_numbers {
            return Err("serde_json is built with `arbitrary_precision`".into());
        }
        let root = *self
            .at
            .get(pointer)
            .ok_or_else(|| format!("{pointer}: not compiled"))?;
        self.supported(root)?;
        Ok(FastBody {
            program: Arc::clone(self),
            root,
        })
    }

    fn supported(&self, root: usize) -> Result<(), String> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            match &self.nodes[i] {
                Node::Unsupported(why) => return Err(why.clone()),
                Node::Any | Node::Never | Node::Whole(_) => {}
                Node::Ref(t) | Node::Nullable(t) => stack.push(*t),
                Node::All(m) | Node::AnyOf(m) | Node::OneOf(m) => stack.extend(m),
                Node::Dispatch(m) => stack.extend(m.iter().flatten()),
                Node::Leaf(l) => {
                    stack.extend(l.items);
                    if let Some(o) = &l.object {
                        stack.push(o.additional);
                        stack.extend(o.slots.iter().flatten());
                    }
                }
                Node::Discriminator(d) => {
                    stack.extend(d.own);
                    stack.push(d.otherwise);
                    stack.extend(d.targets.iter().map(|(_, t)| *t));
                }
            }
        }
        Ok(())
    }

    /// The JSON kinds a node can accept (a superset; `ALL` when unsure).
    fn kinds(&self, i: usize, depth: usize) -> Kinds {
        if depth > 64 {
            return ALL;
        }
        match &self.nodes[i] {
            Node::Any | Node::Unsupported(_) | Node::Discriminator(_) | Node::Whole(_) => ALL,
            Node::Never => 0,
            Node::Ref(t) => self.kinds(*t, depth + 1),
            Node::Nullable(t) => NULL | self.kinds(*t, depth + 1),
            Node::Leaf(l) => {
                let mut k = json_kinds(l.kinds);
                if let Some(values) = &l.enumeration {
                    k &= values.iter().map(kind_of).fold(0, |a, b| a | b);
                }
                k
            }
            Node::All(m) => m.iter().fold(ALL, |a, t| a & self.kinds(*t, depth + 1)),
            Node::AnyOf(m) | Node::OneOf(m) => {
                m.iter().fold(0, |a, t| a | self.kinds(*t, depth + 1))
            }
            Node::Dispatch(m) => m
                .iter()
                .flatten()
                .fold(0, |a, t| a | self.kinds(*t, depth + 1)),
        }
    }

    /// `anyOf`/`oneOf` whose members admit pairwise disjoint kinds become a
    /// [`Node::Dispatch`]: a value of kind K can only match the member admitting K, so
    /// "any" and "exactly one" both mean "that member".
    fn dispatch_disjoint(&mut self) {
        for i in 0..self.nodes.len() {
            let members = match &self.nodes[i] {
                Node::AnyOf(m) | Node::OneOf(m) => m.clone(),
                _ => continue,
            };
            let mut table = [None; 6];
            let mut used: Kinds = 0;
            let mut disjoint = true;
            for m in &members {
                let k = self.kinds(*m, 0);
                if k & used != 0 {
                    disjoint = false;
                    break;
                }
                used |= k;
                for (slot, kind) in table.iter_mut().zip(KIND_INDEX) {
                    if k & kind != 0 {
                        *slot = Some(*m);
                    }
                }
            }
            if disjoint {
                self.nodes[i] = Node::Dispatch(table);
            }
        }
    }

    fn needs_capture(&self, i: usize, depth: usize) -> bool {
        if depth > 64 {
            return true;
        }
        match &self.nodes[i] {
            Node::All(_)
            | Node::AnyOf(_)
            | Node::OneOf(_)
            | Node::Discriminator(_)
            | Node::Whole(_) => true,
            Node::Ref(t) | Node::Nullable(t) => self.needs_capture(*t, depth + 1),
            Node::Dispatch(m) => m
                .iter()
                .flatten()
                .any(|t| self.needs_capture(*t, depth + 1)),
            Node::Any | Node::Never | Node::Leaf(_) | Node::Unsupported(_) => false,
        }
    }

    /// Follow [`Node::Ref`]s.
    fn resolve(&self, mut i: usize) -> usize {
        for _ in 0..64 {
            match &self.nodes[i] {
                Node::Ref(t) => i = *t,
                _ => return i,
            }
        }
        i
    }
}

fn kind_of(v: &Value) -> Kinds {
    match v {
        Value::Null => NULL,
        Value::Bool(_) => BOOL,
        Value::Number(_) => NUMBER,
        Value::String(_) => STRING,
        Value::Array(_) => ARRAY,
        Value::Object(_) => OBJECT,
    }
}

impl Compiler<'_> {
    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The node of the schema at `pointer` (compiled once per pointer).
    fn node(&mut self, schema: &Value, pointer: &str) -> usize {
        if let Some(i) = self.at.get(pointer) {
            return *i;
        }
        // Placeholder first, so a schema that reaches itself gets this index.
        let i = self.push(Node::Never);
        self.at.insert(pointer.to_owned(), i);
        let node = self.build(schema, pointer);
        self.nodes[i] = node;
        i
    }

    fn build(&mut self, schema: &Value, at: &str) -> Node {
        let obj = match schema {
            Value::Bool(true) => return Node::Any,
            Value::Bool(false) => return Node::Never,
            Value::Object(obj) => obj,
            _ => return Node::Unsupported(format!("{at}: not a schema")),
        };
        if obj.is_empty() {
            return Node::Any;
        }
        if let Some(r) = obj.get("$ref") {
            if obj.len() != 1 {
                return Node::Unsupported(format!("{at}: `$ref` with siblings"));
            }
            return match self.reference(r) {
                Some(t) => Node::Ref(t),
                None => Node::Unsupported(format!("{at}: unresolved `$ref`")),
            };
        }
        if obj.contains_key(DISCRIMINATOR_KEYWORD) {
            return self.discriminator(obj, at);
        }
        if obj.contains_key("if") || obj.contains_key("then") || obj.contains_key("else") {
            // The converter's nullable wrapper: `{if: {type: null}, else: S}`.
            return match (obj.len(), obj.get("if"), obj.get("else")) {
                (2, Some(cond), Some(inner)) if *cond == json!({"type": "null"}) => {
                    Node::Nullable(self.node(inner, &format!("{at}/else")))
                }
                _ => Node::Unsupported(format!("{at}: `if`/`then`/`else`")),
            };
        }
        let composes = ["allOf", "anyOf", "oneOf"]
            .iter()
            .any(|k| obj.contains_key(*k));
        if !composes {
            return match self.leaf(obj, at) {
                Ok((leaf, None)) => Node::Leaf(Box::new(leaf)),
                Ok((leaf, Some(whole))) => {
                    let leaf = self.push(Node::Leaf(Box::new(leaf)));
                    Node::All(vec![leaf, self.push(Node::Whole(whole))])
                }
                Err(why) => Node::Unsupported(why),
            };
        }
        let mut parts = Vec::new();
        let own: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "allOf" | "anyOf" | "oneOf"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !own.is_empty() {
            match self.leaf(&own, at) {
                Ok((leaf, whole)) => {
                    parts.push(self.push(Node::Leaf(Box::new(leaf))));
                    if let Some(whole) = whole {
                        parts.push(self.push(Node::Whole(whole)));
                    }
                }
                Err(why) => return Node::Unsupported(why),
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            let Some(list) = obj.get(key) else { continue };
            let Some(list) = list.as_array() else {
                return Node::Unsupported(format!("{at}/{key}: not a list"));
            };
            let members: Vec<usize> = list
                .iter()
                .enumerate()
                .map(|(i, m)| self.node(m, &format!("{at}/{key}/{i}")))
                .collect();
            match key {
                "allOf" => parts.extend(members),
                "anyOf" => parts.push(self.push(Node::AnyOf(members))),
                _ => parts.push(self.push(Node::OneOf(members))),
            }
        }
        match parts.len() {
            0 => Node::Any,
            1 => Node::Ref(parts[0]),
            _ => Node::All(parts),
        }
    }

    fn reference(&mut self, r: &Value) -> Option<usize> {
        let pointer = crate::reference::target(r.as_str()?).ok()?;
        let target = self.root.pointer(&pointer)?;
        Some(self.node(target, &pointer))
    }

    /// One schema's own keywords, and the engine check of those about the whole value;
    /// `Err` names the first keyword not implemented.
    fn leaf(
        &mut self,
        obj: &Map<String, Value>,
        at: &str,
    ) -> Result<(Leaf, Option<Arc<jsonschema::Validator>>), String> {
        let mut leaf = Leaf {
            kinds: ALL | INTEGER,
            ..Leaf::default()
        };
        let mut string_check = Map::new();
        let mut number_check = Map::new();
        let mut whole = Map::new();
        let unsupported = |key: &str| format!("{at}/{key}");
        let mut object: Option<Object> = None;
        for (key, value) in obj {
            match key.as_str() {
                "type" => {
                    let names: Vec<&str> = match value {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                        _ => return Err(unsupported(key)),
                    };
                    let mut k = 0;
                    for name in names {
                        k |= match name {
                            "null" => NULL,
                            "boolean" => BOOL,
                            "number" => NUMBER,
                            "integer" => INTEGER,
                            "string" => STRING,
                            "array" => ARRAY,
                            "object" => OBJECT,
                            _ => return Err(unsupported(key)),
                        };
                    }
                    if value
                        .as_array()
                        .is_some_and(|l| l.len() != k.count_ones() as usize)
                    {
                        return Err(unsupported(key));
                    }
                    leaf.kinds = k;
                }
                INTEGER_KEYWORD => leaf.integer_literal = true,
                INT_FORMAT_KEYWORD => leaf.int_format = Some(value.as_str() == Some("int32")),
                "enum" => {
                    let Some(values) = value.as_array() else {
                        return Err(unsupported(key));
                    };
                    if values.iter().any(|v| v.is_array() || v.is_object()) {
                        return Err(unsupported(key));
                    }
                    leaf.enumeration = Some(values.clone());
                    number_check.insert(key.clone(), value.clone());
                }
                "minLength" | "maxLength" => match value.as_u64() {
                    Some(n) if key == "minLength" => leaf.min_length = Some(n),
                    Some(n) => leaf.max_length = Some(n),
                    None => {
                        string_check.insert(key.clone(), value.clone());
                    }
                },
                "format" if self.formats == FormatPolicy::Assert => {
                    leaf.format = match value.as_str() {
                        Some("uri") => Some(NativeFormat::Uri),
                        Some("ipv4") => Some(NativeFormat::Ipv4),
                        Some("ipv6") => Some(NativeFormat::Ipv6),
                        _ => None,
                    };
                    if leaf.format.is_none() {
                        string_check.insert(key.clone(), value.clone());
                    }
                }
                "format" | "pattern" => {
                    string_check.insert(key.clone(), value.clone());
                }
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
                    number_check.insert(key.clone(), value.clone());
                }
                "minItems" | "maxItems" => {
                    let Some(n) = value.as_u64() else {
                        return Err(unsupported(key));
                    };
                    if key == "minItems" {
                        leaf.min_items = Some(n);
                    } else {
                        leaf.max_items = Some(n);
                    }
                }
                "items" => {
                    if value.is_array() {
                        return Err(unsupported(key));
                    }
                    leaf.items = Some(self.node(value, &format!("{at}/items")));
                }
                "uniqueItems" | "minProperties" | "maxProperties" => {
                    whole.insert(key.clone(), value.clone());
                }
                "properties" | "required" | "additionalProperties" => {
                    if object.is_none() {
                        object = Some(self.object(obj, at).ok_or_else(|| unsupported(key))?);
                    }
                }
                _ => return Err(unsupported(key)),
            }
        }
        leaf.object = object;
        if !string_check.is_empty() {
            leaf.string_check = Some(
                self.check(string_check)
                    .ok_or_else(|| unsupported("format"))?,
            );
        }
        if !number_check.is_empty() {
            leaf.number_check = Some(
                self.check(number_check)
                    .ok_or_else(|| unsupported("enum"))?,
            );
        }
        let whole = if whole.is_empty() {
            None
        } else {
            Some(
                self.check(whole)
                    .ok_or_else(|| unsupported("uniqueItems"))?,
            )
        };
        Ok((leaf, whole))
    }

    fn object(&mut self, obj: &Map<String, Value>, at: &str) -> Option<Object> {
        let mut index: FxHashMap<Box<str>, usize> = FxHashMap::default();
        let mut slots = Vec::new();
        if let Some(props) = obj.get("properties") {
            for (name, schema) in props.as_object()? {
                let node = self.node(schema, &format!("{at}/properties/{}", escape_token(name)));
                index.insert(name.as_str().into(), slots.len());
                slots.push(Some(node));
            }
        }
        let mut required = Vec::new();
        if let Some(names) = obj.get("required") {
            for name in names.as_array()? {
                let name = name.as_str()?;
                let slot = match index.get(name) {
                    Some(s) => *s,
                    None => {
                        index.insert(name.into(), slots.len());
                        slots.push(None);
                        slots.len() - 1
                    }
                };
                required.push(slot);
            }
        }
        let additional = match obj.get("additionalProperties") {
            None => ANY,
            Some(schema) => self.node(schema, &format!("{at}/additionalProperties")),
        };
        Some(Object {
            index,
            slots,
            required,
            additional,
        })
    }

    /// A `jsonschema` validator of just `keywords`, built as the body validators are.
    fn check(&mut self, keywords: Map<String, Value>) -> Option<Arc<jsonschema::Validator>> {
        let schema = Value::Object(keywords);
        let key = schema.to_string();
        if let Some(v) = self.checks.get(&key) {
            return Some(Arc::clone(v));
        }
        let v = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(self.formats == FormatPolicy::Assert)
                .should_ignore_unknown_formats(true)
                .build(&schema)
                .ok()?,
        );
        self.checks.insert(key, Arc::clone(&v));
        Some(v)
    }

    /// The converter's discriminator form:
    /// `{…own, x-tether-discriminator, if: {type: object}, then: {allOf: [{if: {properties:
    /// {p: {const: v}}, required: [p]}, then: {$ref}}…]}, else: {oneOf|anyOf: […]}}`.
    fn discriminator(&mut self, obj: &Map<String, Value>, at: &str) -> Node {
        let unsupported = || Node::Unsupported(format!("{at}: discriminator form"));
        let Some(property) = obj
            .get(DISCRIMINATOR_KEYWORD)
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
        else {
            return unsupported();
        };
        if obj.get("if") != Some(&json!({"type": "object"})) {
            return unsupported();
        }
        let Some(branches) = obj
            .get("then")
            .filter(|t| t.as_object().is_some_and(|t| t.len() == 1))
            .and_then(|t| t.get("allOf"))
            .and_then(Value::as_array)
        else {
            return unsupported();
        };
        let mut targets = Vec::new();
        for (i, b) in branches.iter().enumerate() {
            let cond = b.get("if");
            let value = cond
                .and_then(|c| c.get("properties"))
                .and_then(|p| p.get(property))
                .and_then(|p| p.get("const"))
                .and_then(Value::as_str);
            let expected = value
                .map(|v| json!({"properties": {property: {"const": v}}, "required": [property]}));
            let (Some(value), true, Some(then)) = (
                value,
                cond.is_some() && cond == expected.as_ref(),
                b.get("then"),
            ) else {
                return unsupported();
            };
            if b.as_object().map(Map::len) != Some(2) {
                return unsupported();
            }
            let target = self.node(then, &format!("{at}/then/allOf/{i}/then"));
            targets.push((value.to_owned(), target));
        }
        let Some(otherwise) = obj.get("else") else {
            return unsupported();
        };
        let otherwise = self.node(otherwise, &format!("{at}/else"));
        let own: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| {
                !matches!(k.as_str(), "if" | "then" | "else") && *k != DISCRIMINATOR_KEYWORD
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let own = if own.is_empty() {
            None
        } else {
            // The own keywords may compose too; compile them as a schema of their own.
            let node = self.build(&Value::Object(own), at);
            Some(self.push(node))
        };
        Node::Discriminator(Box::new(Discriminator {
            own,
            property: property.to_owned(),
            targets,
            otherwise,
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fail {
    None,
    /// The value breaks the schema (exact).
    Schema,
    /// Give up on the whole body (duplicate key, nesting limit): not exact.
    Abort,
}

struct Ctx<'p> {
    program: &'p Program,
    /// Arrays/objects enclosing the current value.
    depth: usize,
    fail: Fail,
    /// A string value handed to the `jsonschema` checks (reused).
    scratch: Value,
}

fn schema_error<E: de::Error>(ctx: &mut Ctx<'_>) -> E {
    ctx.fail = Fail::Schema;
    E::custom("schema")
}

fn abort<E: de::Error>(ctx: &mut Ctx<'_>) -> E {
    ctx.fail = Fail::Abort;
    E::custom("abort")
}

impl FastBody {
    /// Check JSON bytes; see [`Verdict`].
    pub fn check(&self, bytes: &[u8]) -> Verdict {
        let mut ctx = Ctx {
            program: &self.program,
            depth: 0,
            fail: Fail::None,
            scratch: Value::String(String::new()),
        };
        // One UTF-8 check for the whole body instead of one per string (`from_slice`):
        // bytes that are not UTF-8 do not parse into a `Value` either.
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Verdict::Invalid;
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let seed = Seed {
            ctx: &mut ctx,
            node: self.root,
        };
        match seed.deserialize(&mut de).and_then(|()| de.end()) {
            Ok(()) => Verdict::Valid,
            Err(_) => Verdict::Invalid,
        }
    }
}

/// Check a whole captured value against a node: `Ok(valid)`, or `Err(())` to abort.
fn check_raw(ctx: &mut Ctx<'_>, node: usize, raw: &str) -> Result<bool, ()> {
    let program = ctx.program;
    let node = program.resolve(node);
    match &program.nodes[node] {
        Node::Nullable(inner) => {
            if raw.trim_start().starts_with('n') {
                Ok(true)
            } else {
                check_raw(ctx, *inner, raw)
            }
        }
        Node::Dispatch(members) => {
            let kind = match raw.trim_start().as_bytes().first() {
                Some(b'n') => 0,
                Some(b't' | b'f') => 1,
                Some(b'"') => 3,
                Some(b'[') => 4,
                Some(b'{') => 5,
                _ => 2,
            };
            match members[kind] {
                Some(m) => check_raw(ctx, m, raw),
                None => Ok(false),
            }
        }
        Node::All(members) => {
            for m in members {
                if !check_raw(ctx, *m, raw)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Node::AnyOf(members) => {
            for m in members {
                if check_raw(ctx, *m, raw)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Node::OneOf(members) => {
            let mut valid = 0;
            for m in members {
                if check_raw(ctx, *m, raw)? {
                    valid += 1;
                    if valid > 1 {
                        return Ok(false);
                    }
                }
            }
            Ok(valid == 1)
        }
        Node::Discriminator(d) => {
            let own = match d.own {
                Some(own) => check_raw(ctx, own, raw)?,
                None => true,
            };
            if !own {
                return Ok(false);
            }
            if !raw.trim_start().starts_with('{') {
                return check_raw(ctx, d.otherwise, raw);
            }
            let value = discriminator_value(raw, &d.property)?;
            match value.and_then(|v| d.targets.iter().find(|(t, _)| *t == v)) {
                Some((_, target)) => check_raw(ctx, *target, raw),
                None => Ok(false),
            }
        }
        Node::Whole(check) => {
            // Parsed on its own, the value gets serde_json's nesting limit afresh: the
            // depth so far counts too.
            let nesting = max_nesting(raw);
            if ctx.depth + nesting >= PARSE_DEPTH {
                return Err(());
            }
            match serde_json::from_str::<Value>(raw) {
                Ok(value) => Ok(check.is_valid(&value)),
                Err(_) => Err(()),
            }
        }
        Node::Any | Node::Never | Node::Leaf(_) | Node::Unsupported(_) | Node::Ref(_) => {
            check_text(ctx, node, raw)
        }
    }
}

/// How deeply arrays/objects nest in a JSON text (brackets inside strings skipped).
fn max_nesting(raw: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in raw.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parse `raw` again and check it against a node that does not capture.
fn check_text(ctx: &mut Ctx<'_>, node: usize, raw: &str) -> Result<bool, ()> {
    ctx.fail = Fail::None;
    let depth = ctx.depth;
    let mut de = serde_json::Deserializer::from_str(raw);
    let result = Seed { ctx, node }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    let fail = std::mem::replace(&mut ctx.fail, Fail::None);
    // A failure leaves the containers it was in counted.
    ctx.depth = depth;
    match (result, fail) {
        (Ok(()), _) => Ok(true),
        (Err(_), Fail::Schema) => Ok(false),
        (Err(_), _) => Err(()),
    }
}

/// The string value of `property` in the object `raw` (last occurrence, as `Value` keeps).
fn discriminator_value(raw: &str, property: &str) -> Result<Option<String>, ()> {
    struct Find<'a>(&'a str);
    impl<'de> Visitor<'de> for Find<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key_seed(KeySeed)? {
                if key == self.0 {
                    found = map.next_value::<Value>()?.as_str().map(str::to_owned);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_str(raw);
    de.deserialize_map(Find(property)).map_err(|_| ())
}

/// Checks the next value against a node.
struct Seed<'c, 'p> {
    ctx: &'c mut Ctx<'p>,
    node: usize,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let program = self.ctx.program;
        let node = program.resolve(self.node);
        if program.capture[node] {
            let raw = <&RawValue as de::Deserialize>::deserialize(d)?;
            return match check_raw(self.ctx, node, raw.get()) {
                Ok(true) => Ok(()),
                Ok(false) => Err(schema_error(self.ctx)),
                Err(()) => Err(abort(self.ctx)),
            };
        }
        d.deserialize_any(NodeVisitor {
            ctx: self.ctx,
            node,
        })
    }
}

/// A key, borrowed from the input unless escapes forced a copy.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeySeed)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// What a node says about a value of one kind, after `$ref`s, nullable wrappers and
/// dispatch.
enum Target<'p> {
    Any,
    Fail,
    Abort,
    Leaf(&'p Leaf),
}

fn target(program: &Program, mut node: usize, kind: usize) -> Target<'_> {
    for _ in 0..64 {
        match &program.nodes[node] {
            Node::Any => return Target::Any,
            Node::Never => return Target::Fail,
            Node::Ref(t) => node = *t,
            Node::Nullable(inner) => {
                if kind == 0 {
                    return Target::Any;
                }
                node = *inner;
            }
            Node::Dispatch(members) => match members[kind] {
                Some(m) => node = m,
                None => return Target::Fail,
            },
            Node::Leaf(l) => return Target::Leaf(l),
            // Capturing nodes never get here (the seed captured); be safe.
            _ => return Target::Abort,
        }
    }
    Target::Abort
}

struct NodeVisitor<'c, 'p> {
    ctx: &'c mut Ctx<'p>,
    node: usize,
}

impl<'p> NodeVisitor<'_, 'p> {
    /// The leaf for a scalar of `kind`, `None` when the value is accepted as is.
    fn scalar<E: de::Error>(&mut self, kind: usize, bit: Kinds) -> Result<Option<&'p Leaf>, E> {
        let program = self.ctx.program;
        match target(program, self.node, kind) {
            Target::Any => Ok(None),
            Target::Fail => Err(schema_error(self.ctx)),
            Target::Abort => Err(abort(self.ctx)),
            Target::Leaf(l) => {
                if l.kinds & bit == 0 {
                    return Err(schema_error(self.ctx));
                }
                Ok(Some(l))
            }
        }
    }

    fn scalar_enum<E: de::Error>(
        &mut self,
        kind: usize,
        bit: Kinds,
        value: &Value,
    ) -> Result<(), E> {
        let Some(l) = self.scalar::<E>(kind, bit)? else {
            return Ok(());
        };
        match &l.enumeration {
            Some(values) if !values.contains(value) => Err(schema_error(self.ctx)),
            _ => Ok(()),
        }
    }

    fn number<E: de::Error>(&mut self, n: Number) -> Result<(), E> {
        let program = self.ctx.program;
        let l = match target(program, self.node, 2) {
            Target::Any => return Ok(()),
            Target::Fail => return Err(schema_error(self.ctx)),
            Target::Abort => return Err(abort(self.ctx)),
            Target::Leaf(l) => l,
        };
        let kind_ok = l.kinds & NUMBER != 0 || (l.kinds & INTEGER != 0 && is_integer(&n));
        let ok = kind_ok
            && (!l.integer_literal || integer_literal(&n))
            && l.int_format
                .is_none_or(|bits32| fits_int_format(bits32, &n))
            && l.number_check
                .as_ref()
                .is_none_or(|v| v.is_valid(&Value::Number(n)));
        if ok {
            Ok(())
        } else {
            Err(schema_error(self.ctx))
        }
    }

    fn string<E: de::Error>(&mut self, s: &str) -> Result<(), E> {
        let Some(l) = self.scalar::<E>(3, STRING)? else {
            return Ok(());
        };
        let mut ok = true;
        let bytes = s.len() as u64;
        // Characters, as `jsonschema` counts them; never more than bytes, so a byte
        // length within `maxLength` (and no `minLength`) needs no count.
        if l.min_length.is_some_and(|m| m > 0) || l.max_length.is_some_and(|m| bytes > m) {
            let chars = s.chars().count() as u64;
            ok &= l.min_length.is_none_or(|m| chars >= m);
            ok &= l.max_length.is_none_or(|m| chars <= m);
        }
        if let Some(values) = &l.enumeration {
            ok &= values.iter().any(|v| v.as_str() == Some(s));
        }
        if let Some(format) = l.format {
            ok &= format.check(s);
        }
        if ok {
            if let Some(check) = &l.string_check {
                if let Value::String(buf) = &mut self.ctx.scratch {
                    buf.clear();
                    buf.push_str(s);
                }
                ok = check.is_valid(&self.ctx.scratch);
            }
        }
        if ok {
            Ok(())
        } else {
            Err(schema_error(self.ctx))
        }
    }

    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        self.ctx.depth += 1;
        if self.ctx.depth >= PARSE_DEPTH {
            return Err(abort(self.ctx));
        }
        Ok(())
    }
}

/// `integer` as `jsonschema` decides it (no arbitrary precision).
fn is_integer(n: &Number) -> bool {
    n.is_u64() || n.is_i64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

impl<'de> Visitor<'de> for NodeVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        self.scalar_enum(0, NULL, &Value::Null)
    }

    fn visit_bool<E: de::Error>(mut self, v: bool) -> Result<(), E> {
        self.scalar_enum(1, BOOL, &Value::Bool(v))
    }

    fn visit_u64<E: de::Error>(mut self, v: u64) -> Result<(), E> {
        self.number(Number::from(v))
    }

    fn visit_i64<E: de::Error>(mut self, v: i64) -> Result<(), E> {
        self.number(Number::from(v))
    }

    fn visit_f64<E: de::Error>(mut self, v: f64) -> Result<(), E> {
        match Number::from_f64(v) {
            Some(n) => self.number(n),
            None => Err(abort(self.ctx)),
        }
    }

    fn visit_borrowed_str<E: de::Error>(mut self, v: &'de str) -> Result<(), E> {
        self.string(v)
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<(), E> {
        self.string(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.enter()?;
        let program = self.ctx.program;
        let (item, min, max) = match target(program, self.node, 4) {
            Target::Any => (ANY, None, None),
            Target::Fail => return Err(schema_error(self.ctx)),
            Target::Abort => return Err(abort(self.ctx)),
            Target::Leaf(l) => {
                if l.kinds & ARRAY == 0 {
                    return Err(schema_error(self.ctx));
                }
                (l.items.unwrap_or(ANY), l.min_items, l.max_items)
            }
        };
        let mut count: u64 = 0;
        while let Some(()) = seq.next_element_seed(Seed {
            ctx: self.ctx,
            node: item,
        })? {
            count += 1;
        }
        if min.is_some_and(|m| count < m) || max.is_some_and(|m| count > m) {
            return Err(schema_error(self.ctx));
        }
        self.ctx.depth -= 1;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.enter()?;
        let program = self.ctx.program;
        let object = match target(program, self.node, 5) {
            Target::Any => None,
            Target::Fail => return Err(schema_error(self.ctx)),
            Target::Abort => return Err(abort(self.ctx)),
            Target::Leaf(l) => {
                if l.kinds & OBJECT == 0 {
                    return Err(schema_error(self.ctx));
                }
                l.object.as_ref()
            }
        };
        let Some(object) = object else {
            while let Some(_key) = map.next_key_seed(KeySeed)? {
                map.next_value_seed(Seed {
                    ctx: self.ctx,
                    node: ANY,
                })?;
            }
            self.ctx.depth -= 1;
            return Ok(());
        };
        let mut seen = Bits::new(object.slots.len());
        // Extra property names, kept only when a schema checks them: a repeated one
        // would be checked twice where `Value` keeps the last.
        let track_extra = object.additional != ANY && object.additional != NEVER;
        let mut extra: Vec<Cow<'de, str>> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let node = match object.index.get(key.as_ref()) {
                Some(slot) => {
                    if seen.set(*slot) {
                        return Err(abort(self.ctx));
                    }
                    object.slots[*slot].unwrap_or(object.additional)
                }
                None => {
                    if object.additional == NEVER {
                        return Err(schema_error(self.ctx));
                    }
                    if track_extra {
                        if extra.contains(&key) {
                            return Err(abort(self.ctx));
                        }
                        extra.push(key);
                    }
                    object.additional
                }
            };
            map.next_value_seed(Seed {
                ctx: self.ctx,
                node,
            })?;
        }
        if !object.required.iter().all(|s| seen.get(*s)) {
            return Err(schema_error(self.ctx));
        }
        self.ctx.depth -= 1;
        Ok(())
    }
}

/// Which slots of an object were seen.
enum Bits {
    Small(u128),
    Large(Vec<bool>),
}

impl Bits {
    fn new(n: usize) -> Self {
        if n <= 128 {
            Bits::Small(0)
        } else {
            Bits::Large(vec![false; n])
        }
    }

    /// Set a slot; whether it was set already.
    fn set(&mut self, i: usize) -> bool {
        match self {
            Bits::Small(b) => {
                let was = *b & (1u128 << i) != 0;
                *b |= 1u128 << i;
                was
            }
            Bits::Large(v) => std::mem::replace(&mut v[i], true),
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Bits::Small(b) => *b & (1u128 << i) != 0,
            Bits::Large(v) => v[i],
        }
    }
}

#[cfg(test)]
mod tests;
