//! Compiling converted schemas with the `jsonschema` engine, and turning its errors into
//! [`ValidationError`]s that point into the contract.
//!
//! The converted document is registered once as the resource `urn:tether:contract`; each
//! body gets a validator built from `{"$ref": "urn:tether:contract#/$defs/<key>"}`, so the
//! document is indexed once and never copied per body.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::{LazyLocation, Location};
use jsonschema::{Draft, Keyword, Resource};
use serde_json::{json, Map, Value};

use super::convert::{Converted, DISCRIMINATOR_KEYWORD, INTEGER_KEYWORD, INT_FORMAT_KEYWORD};
use super::error::{display_pointer, short_value};
use super::fast::{FastBody, Program, Verdict};
use super::{FormatPolicy, ValidationError};
use crate::error::{escape_token, json_type, ContractError};

/// URI of the converted document inside the engine's registry.
const BASE: &str = "urn:tether:contract";

/// The compiled form of one converted document (one view).
pub(crate) struct Engine {
    converted: Arc<Converted>,
    registry: jsonschema::Registry,
    formats: FormatPolicy,
    cache: HashMap<String, Arc<BodyValidator>>,
    /// The same document compiled for the fast path.
    fast: Arc<Program>,
}

/// A compiled body schema.
pub(crate) struct BodyValidator {
    validator: jsonschema::Validator,
    /// `/$defs/<key>` in the converted document.
    target: String,
    converted: Arc<Converted>,
    /// `Err`: the schema reaches a keyword the fast path does not implement (which).
    fast: Result<FastBody, String>,
}

/// Why the validator's regex engine refuses `pattern`, or `None` when it compiles it.
pub(crate) fn pattern_error(pattern: &str) -> Option<String> {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .build(&json!({ "pattern": pattern }))
        .err()
        .map(|e| e.to_string())
}

impl Engine {
    /// Index the converted document once.
    pub fn new(
        converted: Converted,
        formats: FormatPolicy,
        file: &Path,
    ) -> Result<Self, ContractError> {
        let resource = Resource::from_contents(converted.root.clone());
        let registry = jsonschema::Registry::options()
            .draft(Draft::Draft202012)
            .build([(BASE, resource)])
            .map_err(|e| engine_error(file, format!("cannot index the converted schemas: {e}")))?;
        let fast = Arc::new(Program::compile(&converted.root, formats));
        Ok(Self {
            converted: Arc::new(converted),
            registry,
            formats,
            cache: HashMap::new(),
            fast,
        })
    }

    /// The validator for `$defs/<key>` (compiled on first request, then shared).
    pub fn body(&mut self, key: &str, file: &Path) -> Result<Arc<BodyValidator>, ContractError> {
        if let Some(v) = self.cache.get(key) {
            return Ok(Arc::clone(v));
        }
        let target = format!("/$defs/{}", escape_token(key));
        let schema =
            json!({ "$ref": format!("{BASE}{}", crate::reference::to_reference(&target)) });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(self.formats == FormatPolicy::Assert)
            .should_ignore_unknown_formats(true)
            .with_keyword(INT_FORMAT_KEYWORD, int_format_keyword)
            .with_keyword(INTEGER_KEYWORD, integer_keyword)
            .with_keyword(DISCRIMINATOR_KEYWORD, discriminator_keyword)
            .with_registry(self.registry.clone())
            .build(&schema)
            .map_err(|e| {
                let at = self
                    .converted
                    .contract_location(&target)
                    .trim_start_matches('#')
                    .to_owned();
                engine_error(file, format!("schema at {at} does not compile: {e}"))
            })?;
        let fast = self.fast.body(&target);
        let body = Arc::new(BodyValidator {
            validator,
            fast,
            target,
            converted: Arc::clone(&self.converted),
        });
        self.cache.insert(key.to_owned(), Arc::clone(&body));
        Ok(body)
    }
}

fn engine_error(file: &Path, message: String) -> ContractError {
    ContractError::Invalid {
        path: file.to_owned(),
        pointer: String::new(),
        message,
        hint: None,
    }
}

impl BodyValidator {
    /// Check JSON bytes on the fast path ([`Verdict::Valid`] is final; anything else
    /// needs [`is_valid`](Self::is_valid) / [`errors`](Self::errors) on the parsed value).
    pub fn fast_check(&self, bytes: &[u8]) -> Verdict {
        match &self.fast {
            Ok(fast) => fast.check(bytes),
            Err(_) => Verdict::Unsupported,
        }
    }

    /// Why the fast path does not take this body (`None`: it does).
    #[cfg(test)]
    pub fn fast_unsupported(&self) -> Option<&str> {
        self.fast.as_ref().err().map(String::as_str)
    }

    /// Fast check, no error collection.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Every error, mapped to the contract, each (pointer, keyword, schema location) once.
    pub fn errors(&self, instance: &Value) -> Vec<ValidationError> {
        let mut out = self.all_errors(instance);
        let mut seen = std::collections::HashSet::new();
        out.retain(|e| seen.insert((e.pointer.clone(), e.keyword.clone(), e.schema_path.clone())));
        out
    }

    fn all_errors(&self, instance: &Value) -> Vec<ValidationError> {
        let mut out = Vec::new();
        // (pointer, schema node) of each `null` refused by `type`: an `enum` of the same
        // node refusing the same `null` says nothing more.
        let mut null_types: Vec<(String, String)> = Vec::new();
        for e in self.validator.iter_errors(instance) {
            let null = e.instance.is_null();
            let start = out.len();
            self.map_error(&e, instance, &mut out);
            if null {
                for mapped in &out[start..] {
                    if let Some(node) = mapped.schema_path.strip_suffix("/type") {
                        null_types.push((mapped.pointer.clone(), node.to_owned()));
                    }
                }
            }
        }
        if !null_types.is_empty() {
            out.retain(|e| {
                !(e.keyword == "enum"
                    && e.message.contains("null is not one of")
                    && e.schema_path.strip_suffix("/enum").is_some_and(|node| {
                        null_types.iter().any(|(p, n)| *p == e.pointer && n == node)
                    }))
            });
        }
        out
    }

    /// The contract location of an engine schema path (see [`walk`]).
    fn contract_path(&self, schema_path: &Location) -> String {
        let absolute = walk(&self.converted.root, &self.target, schema_path.as_str());
        self.converted.contract_location(&absolute)
    }

    fn map_error(
        &self,
        e: &jsonschema::ValidationError<'_>,
        root: &Value,
        out: &mut Vec<ValidationError>,
    ) {
        let at = e.instance_path.as_str().to_owned();
        let schema_path = self.contract_path(&e.schema_path);
        let instance: &Value = &e.instance;
        match &e.kind {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let pointer = format!("{at}/{}", escape_token(name));
                out.push(ValidationError::new(
                    pointer,
                    "required",
                    schema_path,
                    format!("required property `{name}` is missing"),
                ));
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    out.push(ValidationError::new(
                        format!("{at}/{}", escape_token(name)),
                        "additionalProperties",
                        schema_path.clone(),
                        format!(
                            "property `{name}` is not allowed here (additionalProperties: false)"
                        ),
                    ));
                }
            }
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    jsonschema::error::TypeKind::Single(t) => t.to_string(),
                    jsonschema::error::TypeKind::Multiple(set) => set
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                let what = if instance.is_null() {
                    format!(
                        "null is not allowed: expected {expected} (the schema is not `nullable`)"
                    )
                } else {
                    format!(
                        "expected {expected}, found {} {}",
                        json_type(instance),
                        short_value(instance)
                    )
                };
                out.push(ValidationError::new(at, "type", schema_path, what));
            }
            ValidationErrorKind::Enum { options } => {
                let what = if instance.is_null() {
                    format!(
                        "null is not one of {} (the schema is not `nullable`)",
                        short_value(options)
                    )
                } else {
                    format!(
                        "{} is not one of {}",
                        short_value(instance),
                        short_value(options)
                    )
                };
                out.push(ValidationError::new(at, "enum", schema_path, what));
            }
            ValidationErrorKind::Format { format } => {
                out.push(ValidationError::new(
                    at,
                    "format",
                    schema_path,
                    format!("{} is not a valid `{format}`", short_value(instance)),
                ));
            }
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                let keyword = if matches!(e.kind, ValidationErrorKind::AnyOf { .. }) {
                    "anyOf"
                } else {
                    "oneOf"
                };
                let mut what = format!(
                    "{} matches none of the {} alternatives of `{keyword}`",
                    short_value(instance),
                    context.len()
                );
                for (i, errors) in context.iter().enumerate() {
                    if let Some(first) = errors.first() {
                        let inner =
                            format!("{}: {first}", display_pointer(first.instance_path.as_str()));
                        what.push_str(&format!("; [{i}] {inner}"));
                    }
                }
                out.push(ValidationError::new(at, keyword, schema_path, what));
            }
            // `additionalProperties: false` on an object without `properties` is compiled
            // to a false schema applied to each extra property.
            // The engine reports it at the object, so name every property from the instance
            // (with no `properties`, every property is extra).
            ValidationErrorKind::FalseSchema
                if e.schema_path.as_str().contains("additionalProperties") =>
            {
                let names: Vec<String> = root
                    .pointer(&at)
                    .and_then(Value::as_object)
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                for name in names {
                    out.push(ValidationError::new(
                        format!("{at}/{}", escape_token(&name)),
                        "additionalProperties",
                        schema_path.clone(),
                        format!(
                            "property `{name}` is not allowed here (additionalProperties: false)"
                        ),
                    ));
                }
            }
            ValidationErrorKind::OneOfMultipleValid { .. } => {
                out.push(ValidationError::new(
                    at,
                    "oneOf",
                    schema_path,
                    "matches more than one alternative of `oneOf` (exactly one must match)",
                ));
            }
            ValidationErrorKind::Custom { message } => {
                let keyword = schema_path
                    .rsplit('/')
                    .next()
                    .filter(|k| matches!(*k, "format" | "discriminator" | "type"))
                    .unwrap_or("custom")
                    .to_owned();
                out.push(ValidationError::new(at, &keyword, schema_path, message));
            }
            kind => {
                let keyword = keyword_of(kind);
                out.push(ValidationError::new(at, keyword, schema_path, e));
            }
        }
    }
}

/// The JSON Schema keyword of an engine error kind.
fn keyword_of(kind: &ValidationErrorKind) -> &'static str {
    use ValidationErrorKind as K;
    match kind {
        K::AdditionalItems { .. } => "additionalItems",
        K::AdditionalProperties { .. } => "additionalProperties",
        K::AnyOf { .. } => "anyOf",
        K::BacktrackLimitExceeded { .. } | K::Pattern { .. } => "pattern",
        K::Constant { .. } => "const",
        K::Contains => "contains",
        K::ContentEncoding { .. } | K::FromUtf8 { .. } => "contentEncoding",
        K::ContentMediaType { .. } => "contentMediaType",
        K::Custom { .. } => "custom",
        K::Enum { .. } => "enum",
        K::ExclusiveMaximum { .. } => "exclusiveMaximum",
        K::ExclusiveMinimum { .. } => "exclusiveMinimum",
        K::FalseSchema => "false",
        K::Format { .. } => "format",
        K::MaxItems { .. } => "maxItems",
        K::Maximum { .. } => "maximum",
        K::MaxLength { .. } => "maxLength",
        K::MaxProperties { .. } => "maxProperties",
        K::MinItems { .. } => "minItems",
        K::Minimum { .. } => "minimum",
        K::MinLength { .. } => "minLength",
        K::MinProperties { .. } => "minProperties",
        K::MultipleOf { .. } => "multipleOf",
        K::Not { .. } => "not",
        K::OneOfMultipleValid { .. } | K::OneOfNotValid { .. } => "oneOf",
        K::PropertyNames { .. } => "propertyNames",
        K::Required { .. } => "required",
        K::Type { .. } => "type",
        K::UnevaluatedItems { .. } => "unevaluatedItems",
        K::UnevaluatedProperties { .. } => "unevaluatedProperties",
        K::UniqueItems => "uniqueItems",
        K::Referencing(_) => "$ref",
    }
}

/// Turn an engine schema path, which is relative to the body validator's root
/// (`{"$ref": <target>}`) and may pass through `$ref`s (`/$ref/properties/owner/$ref/required`),
/// into an absolute pointer in the converted document (`/$defs/simple-user/required`).
fn walk(root: &Value, target: &str, path: &str) -> String {
    // Position before the first token: the wrapper, whose only keyword is `$ref`.
    let mut at: Option<String> = None;
    for token in path.split('/').skip(1) {
        match &at {
            None => {
                // `$ref` of the wrapper (any other token cannot occur; stay robust).
                at = Some(target.to_owned());
                if token != "$ref" {
                    at = Some(format!("{target}/{token}"));
                }
            }
            Some(cur) => {
                let jump = (token == "$ref" && !cur.ends_with("/properties"))
                    .then(|| {
                        root.pointer(cur)
                            .and_then(|n| n.get("$ref"))
                            .and_then(Value::as_str)
                    })
                    .flatten()
                    .and_then(|r| crate::reference::target(r).ok());
                at = Some(match jump {
                    Some(pointer) => pointer,
                    None => format!("{cur}/{token}"),
                });
            }
        }
    }
    at.unwrap_or_else(|| target.to_owned())
}

// ---------------------------------------------------------------------------------------
// Custom keywords
// ---------------------------------------------------------------------------------------

/// `x-tether-int-format: int32 | int64`: a number must be an integer in range.
struct IntFormat {
    bits32: bool,
    location: Location,
}

// The factory signature is the engine's (`with_keyword`).
#[allow(clippy::result_large_err)]
fn int_format_keyword<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    location: Location,
) -> Result<Box<dyn Keyword>, jsonschema::ValidationError<'a>> {
    Ok(Box::new(IntFormat {
        bits32: value.as_str() == Some("int32"),
        location,
    }))
}

/// Whether a number is an integer in the `int32` (`bits32`) or `int64` range.
pub(crate) fn fits_int_format(bits32: bool, n: &serde_json::Number) -> bool {
    let (lo, hi) = if bits32 {
        (i64::from(i32::MIN), i64::from(i32::MAX))
    } else {
        (i64::MIN, i64::MAX)
    };
    if let Some(i) = n.as_i64() {
        return (lo..=hi).contains(&i);
    }
    if n.as_u64().is_some() {
        // Beyond i64::MAX.
        return false;
    }
    // A float: integral and inside the range (2^63 is the first f64 past i64::MAX).
    n.as_f64().is_some_and(|f| {
        // `hi as f64 + 1.0` is 2^31, or 2^63 (i64::MAX rounds up to it).
        f.fract() == 0.0 && f >= lo as f64 && f < (hi as f64) + 1.0
    })
}

/// `x-tether-integer` on a number: written without a fraction or exponent part.
///
/// serde_json reads a literal without `.`/exponent as i64/u64 when it fits; an f64 inside
/// that range therefore had a fraction or exponent part. Beyond it the literal form is
/// lost, and `int64` (format) reports the range instead.
pub(crate) fn integer_literal(n: &serde_json::Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.abs() >= 9_223_372_036_854_775_808.0)
}

impl IntFormat {
    fn fits(&self, n: &serde_json::Number) -> bool {
        fits_int_format(self.bits32, n)
    }
}

impl Keyword for IntFormat {
    fn validate<'i>(
        &self,
        instance: &'i Value,
        location: &LazyLocation,
    ) -> Result<(), jsonschema::ValidationError<'i>> {
        if self.is_valid(instance) {
            return Ok(());
        }
        let name = if self.bits32 { "int32" } else { "int64" };
        let range = if self.bits32 {
            "-2147483648..=2147483647"
        } else {
            "-9223372036854775808..=9223372036854775807"
        };
        Err(jsonschema::ValidationError::custom(
            self.location.clone(),
            location.into(),
            instance,
            format!(
                "{} is not a valid `{name}` (an integer in {range})",
                short_value(instance)
            ),
        ))
    }

    fn is_valid(&self, instance: &Value) -> bool {
        match instance {
            Value::Number(n) => self.fits(n),
            _ => true,
        }
    }
}

/// `x-tether-integer: true`: a number must have no fraction or exponent part.
struct Integer {
    location: Location,
}

// The factory signature is the engine's (`with_keyword`).
#[allow(clippy::result_large_err)]
fn integer_keyword<'a>(
    _parent: &'a Map<String, Value>,
    _value: &'a Value,
    location: Location,
) -> Result<Box<dyn Keyword>, jsonschema::ValidationError<'a>> {
    Ok(Box::new(Integer { location }))
}

impl Keyword for Integer {
    fn validate<'i>(
        &self,
        instance: &'i Value,
        location: &LazyLocation,
    ) -> Result<(), jsonschema::ValidationError<'i>> {
        if self.is_valid(instance) {
            return Ok(());
        }
        Err(jsonschema::ValidationError::custom(
            self.location.clone(),
            location.into(),
            instance,
            format!(
                "expected integer, found {} (OpenAPI integers have no fraction or exponent part)",
                short_value(instance)
            ),
        ))
    }

    fn is_valid(&self, instance: &Value) -> bool {
        match instance {
            Value::Number(n) => integer_literal(n),
            _ => true,
        }
    }
}

/// `x-tether-discriminator: {propertyName, values}`: an object must carry the property
/// with one of the mapped values.
struct Discriminator {
    property: String,
    values: Vec<String>,
    location: Location,
}

// The factory signature is the engine's (`with_keyword`).
#[allow(clippy::result_large_err)]
fn discriminator_keyword<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    location: Location,
) -> Result<Box<dyn Keyword>, jsonschema::ValidationError<'a>> {
    let property = value
        .get("propertyName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let values = value
        .get("values")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Box::new(Discriminator {
        property,
        values,
        location,
    }))
}

impl Keyword for Discriminator {
    fn validate<'i>(
        &self,
        instance: &'i Value,
        location: &LazyLocation,
    ) -> Result<(), jsonschema::ValidationError<'i>> {
        if self.is_valid(instance) {
            return Ok(());
        }
        let here = location.push(self.property.as_str());
        let message = match instance.get(&self.property) {
            None => format!(
                "discriminator property `{}` is missing (expected one of {})",
                self.property,
                self.values.join(", ")
            ),
            Some(v) => format!(
                "discriminator value {} is not mapped (expected one of {})",
                short_value(v),
                self.values.join(", ")
            ),
        };
        Err(jsonschema::ValidationError::custom(
            self.location.clone(),
            (&here).into(),
            instance,
            message,
        ))
    }

    fn is_valid(&self, instance: &Value) -> bool {
        let Value::Object(map) = instance else {
            return true;
        };
        map.get(&self.property)
            .and_then(Value::as_str)
            .is_some_and(|v| self.values.iter().any(|m| m == v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_follows_refs_and_properties_named_ref() {
        let root = json!({
            "$defs": {
                "a": {"properties": {"owner": {"$ref": "#/$defs/b"}, "$ref": {"type": "string"}}},
                "b": {"required": ["login"]}
            }
        });
        assert_eq!(
            walk(&root, "/$defs/a", "/$ref/properties/owner/$ref/required"),
            "/$defs/b/required"
        );
        assert_eq!(
            walk(&root, "/$defs/a", "/$ref/properties/$ref/type"),
            "/$defs/a/properties/$ref/type"
        );
        assert_eq!(walk(&root, "/$defs/a", ""), "/$defs/a");
    }

    #[test]
    fn int_formats() {
        let k32 = IntFormat {
            bits32: true,
            location: Location::new(),
        };
        let k64 = IntFormat {
            bits32: false,
            location: Location::new(),
        };
        for (v, ok32, ok64) in [
            (json!(0), true, true),
            (json!(2147483647), true, true),
            (json!(2147483648_u64), false, true),
            (json!(-2147483648_i64), true, true),
            (json!(-2147483649_i64), false, true),
            (json!(i64::MAX), false, true),
            (json!(i64::MIN), false, true),
            (json!(u64::MAX), false, false),
            (json!(1e30), false, false),
            (json!(1.5), false, false),
            (json!(2.0), true, true),
            (json!(-9.3e18), false, false),
            (json!("12"), true, true),
        ] {
            assert_eq!(k32.is_valid(&v), ok32, "int32 {v}");
            assert_eq!(k64.is_valid(&v), ok64, "int64 {v}");
        }
    }
}
