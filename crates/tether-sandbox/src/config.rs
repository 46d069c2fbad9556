//! Fault and drift specifications, parsed from the CLI syntax.

use std::time::Duration;

/// A `--faults`/`--drift` value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}`: {reason}")]
pub struct ParseError {
    /// The text given.
    pub input: String,
    /// What is wrong and what is expected.
    pub reason: String,
}

/// Faults injected into answers, by probability per request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Answer 429 with `Retry-After: 1`.
    pub too_many_requests: f64,
    /// Answer 503.
    pub unavailable: f64,
    /// Close the connection without an answer.
    pub reset: f64,
    /// Delay every answer.
    pub latency: Duration,
}

impl Faults {
    /// Parse `429:0.1,503:0.05,reset:0.01,latency:50ms`.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let err = |reason: &str| ParseError {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let mut f = Self::default();
        for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once(':')
                .ok_or_else(|| err("expected name:value pairs like 429:0.1,latency:50ms"))?;
            if k == "latency" {
                let ms = v
                    .strip_suffix("ms")
                    .ok_or_else(|| err("latency takes milliseconds, e.g. latency:50ms"))?;
                f.latency = Duration::from_millis(
                    ms.parse()
                        .map_err(|_| err("latency must be a whole number of ms"))?,
                );
                continue;
            }
            let p: f64 = v
                .parse()
                .map_err(|_| err("a probability must be a number between 0 and 1"))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(err("a probability must be between 0 and 1"));
            }
            match k {
                "429" => f.too_many_requests = p,
                "503" => f.unavailable = p,
                "reset" => f.reset = p,
                _ => return Err(err("known faults: 429, 503, reset, latency")),
            }
        }
        Ok(f)
    }
}

/// What a drift does to a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftKind {
    /// Remove the value at the pointer.
    Remove(String),
    /// Replace the value at the pointer with one of another JSON type
    /// (`string`, `number`, `boolean`, `null`, `object`, `array`).
    Retype(String, String),
    /// Set the value at the pointer to a value its enum does not list.
    EnumAdd(String, String),
    /// Add a response header (e.g. `Deprecation`).
    Header(String),
    /// Add a field: set the value at the pointer (whose parent must exist) to a JSON value.
    Add(String, serde_json::Value),
}

/// A drift applied to one operation of one contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// `github.repos.v1`.
    pub contract: String,
    /// Operation id.
    pub operation: String,
    /// What changes.
    pub kind: DriftKind,
}

impl Drift {
    /// Parse `github.repos.v1:repos/get:remove:/owner`, `…:retype:/id:string`,
    /// `…:enum-add:/state:archived`, `…:header:Deprecation`, `…:add:/topics_count:3`
    /// (the value is JSON: `add:/label:"x"`, `add:/meta:{"a":1}`).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let err = |reason: &str| ParseError {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let mut parts = input.splitn(4, ':');
        let (Some(contract), Some(operation), Some(kind), Some(arg)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err(
                "expected <contract>:<operationId>:<remove|retype|enum-add|header|add>:<argument>",
            ));
        };
        let pointer = |p: &str| {
            if p.starts_with('/') {
                Ok(p.to_owned())
            } else {
                Err(err("a JSON pointer starts with `/`"))
            }
        };
        let kind = match kind {
            "remove" => DriftKind::Remove(pointer(arg)?),
            "retype" => {
                let (p, t) = arg
                    .rsplit_once(':')
                    .ok_or_else(|| err("retype takes /pointer:type"))?;
                if !["string", "number", "boolean", "null", "object", "array"].contains(&t) {
                    return Err(err(
                        "retype type is one of string, number, boolean, null, object, array",
                    ));
                }
                DriftKind::Retype(pointer(p)?, t.to_owned())
            }
            "enum-add" => {
                let (p, v) = arg
                    .rsplit_once(':')
                    .ok_or_else(|| err("enum-add takes /pointer:value"))?;
                DriftKind::EnumAdd(pointer(p)?, v.to_owned())
            }
            "header" if !arg.is_empty() => DriftKind::Header(arg.to_owned()),
            "add" => {
                // The pointer ends at the first `:`; the rest is JSON (which may hold `:`).
                let (p, v) = arg.split_once(':').ok_or_else(|| {
                    err("add takes /pointer:<JSON value>, e.g. add:/topics_count:3")
                })?;
                let value = serde_json::from_str(v).map_err(|e| {
                    err(&format!(
                        "add: `{v}` is not JSON ({e}); quote strings: add:/label:\"x\""
                    ))
                })?;
                DriftKind::Add(pointer(p)?, value)
            }
            _ => return Err(err("drift kinds: remove, retype, enum-add, header, add")),
        };
        Ok(Self {
            contract: contract.to_owned(),
            operation: operation.to_owned(),
            kind,
        })
    }

    /// Apply to a body in place; false when the pointer does not exist.
    pub fn apply(&self, body: &mut serde_json::Value) -> bool {
        match &self.kind {
            DriftKind::Remove(p) => {
                let (parent, last) = split(p);
                match body.pointer_mut(parent) {
                    Some(serde_json::Value::Object(m)) => m.remove(&unescape(last)).is_some(),
                    Some(serde_json::Value::Array(a)) => match last.parse::<usize>() {
                        Ok(i) if i < a.len() => {
                            a.remove(i);
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                }
            }
            DriftKind::Retype(p, t) => match body.pointer_mut(p) {
                Some(v) => {
                    *v = match t.as_str() {
                        "string" => serde_json::Value::String(v.to_string()),
                        "number" => serde_json::json!(12345),
                        "boolean" => serde_json::json!(true),
                        "null" => serde_json::Value::Null,
                        "object" => serde_json::json!({}),
                        _ => serde_json::json!([]),
                    };
                    true
                }
                None => false,
            },
            DriftKind::EnumAdd(p, value) => match body.pointer_mut(p) {
                Some(v) => {
                    *v = serde_json::Value::String(value.clone());
                    true
                }
                None => false,
            },
            DriftKind::Header(_) => true,
            DriftKind::Add(p, value) => {
                let (parent, last) = split(p);
                match body.pointer_mut(parent) {
                    Some(serde_json::Value::Object(m)) => {
                        m.insert(unescape(last), value.clone());
                        true
                    }
                    Some(serde_json::Value::Array(a)) => match last.parse::<usize>() {
                        Ok(i) if i <= a.len() => {
                            a.insert(i, value.clone());
                            true
                        }
                        _ if last == "-" => {
                            a.push(value.clone());
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                }
            }
        }
    }
}

fn split(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap_or(("", pointer))
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_and_refuse() {
        let f = Faults::parse("429:0.1,503:0.05,reset:0.01,latency:50ms").unwrap();
        assert_eq!(
            (f.too_many_requests, f.unavailable, f.reset, f.latency),
            (0.1, 0.05, 0.01, Duration::from_millis(50))
        );
        for bad in ["429", "429:2", "418:0.1", "latency:5s", "503:x"] {
            assert!(Faults::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn drift_parse_and_apply() {
        let mut body = serde_json::json!({"id": 1, "owner": {"login": "o"}, "state": "open"});
        Drift::parse("github.repos.v1:repos/get:remove:/owner/login")
            .unwrap()
            .apply(&mut body);
        Drift::parse("github.repos.v1:repos/get:retype:/id:string")
            .unwrap()
            .apply(&mut body);
        Drift::parse("github.repos.v1:repos/get:enum-add:/state:archived")
            .unwrap()
            .apply(&mut body);
        assert_eq!(
            body,
            serde_json::json!({"id": "1", "owner": {}, "state": "archived"})
        );
        assert_eq!(
            Drift::parse("github.repos.v1:repos/get:header:Deprecation")
                .unwrap()
                .kind,
            DriftKind::Header("Deprecation".into())
        );
        for bad in [
            "x",
            "a:b:remove:owner",
            "a:b:retype:/id:float",
            "a:b:explode:/x",
            "a:b:add:/x",
            "a:b:add:/x:not json",
            "a:b:add:x:1",
        ] {
            assert!(Drift::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn add_drift_inserts_a_json_value_where_the_parent_exists() {
        let d = Drift::parse(r#"github.repos.v1:repos/get:add:/owner/badge:{"a:b":[1]}"#).unwrap();
        assert_eq!(
            d.kind,
            DriftKind::Add("/owner/badge".into(), serde_json::json!({"a:b": [1]}))
        );
        let mut body = serde_json::json!({"owner": {"login": "o"}, "tags": ["x"]});
        assert!(d.apply(&mut body));
        assert_eq!(body["owner"]["badge"], serde_json::json!({"a:b": [1]}));
        let mut no_parent = serde_json::json!({"id": 1});
        assert!(!d.apply(&mut no_parent));
        assert_eq!(no_parent, serde_json::json!({"id": 1}));
        let push = Drift::parse("c:o:add:/tags/-:\"y\"").unwrap();
        assert!(push.apply(&mut body));
        assert_eq!(body["tags"], serde_json::json!(["x", "y"]));
    }
}
