//! Property tests: instances generated from the contract's own response schemas validate
//! and deserialize into the generated types; dropping a required property or changing a
//! property's type is rejected by the validator.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tether_contract::validate::{ContractValidator, ValidatorOptions};
use tether_contract::Contract;

fn contract(path: &str) -> Contract {
    Contract::load(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path),
    )
    .unwrap()
}

/// A small deterministic generator driven by a proptest seed.
struct Gen<'a> {
    doc: &'a Value,
    state: u64,
}

impl Gen<'_> {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn resolve<'s>(&'s self, mut s: &'s Value) -> &'s Value {
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            s = self.doc.pointer(&r[1..]).unwrap();
        }
        s
    }

    fn instance(&mut self, schema: &Value, depth: usize) -> Value {
        let s = self.resolve(schema).clone();
        if s.get("nullable") == Some(&Value::Bool(true)) && (depth > 4 || self.pick(4) == 0) {
            return Value::Null;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for member in all {
                if let Value::Object(o) = self.instance(member, depth) {
                    merged.extend(o);
                }
            }
            return Value::Object(merged);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|m| m.first()) {
                return self.instance(first, depth);
            }
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let choices: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            return choices[self.pick(choices.len())].clone();
        }
        let ty =
            s.get("type")
                .and_then(Value::as_str)
                .unwrap_or(if s.get("properties").is_some() {
                    "object"
                } else {
                    "string"
                });
        match ty {
            "object" => {
                let mut out = Map::new();
                let required: Vec<&str> = s
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(props) = s.get("properties").and_then(Value::as_object) {
                    for (name, p) in props {
                        let include =
                            required.contains(&name.as_str()) || (depth < 3 && self.pick(3) == 0);
                        if include {
                            out.insert(name.clone(), self.instance(p, depth + 1));
                        }
                    }
                }
                Value::Object(out)
            }
            "array" => {
                let n = if depth > 3 { 0 } else { self.pick(3) };
                let items = s.get("items").cloned().unwrap_or(json!({}));
                Value::Array((0..n).map(|_| self.instance(&items, depth + 1)).collect())
            }
            "integer" => {
                let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(0);
                json!(min + self.pick(1000) as i64)
            }
            "number" => json!(self.pick(1000) as f64 / 8.0),
            "boolean" => json!(self.pick(2) == 1),
            _ => match s.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2011-04-10T20:09:31Z"),
                Some("date") => json!("2011-04-10"),
                Some("uri") => json!(format!("https://api.github.com/x/{}", self.pick(100))),
                Some("email") => json!("octocat@github.com"),
                Some("uuid") => json!("123e4567-e89b-12d3-a456-426614174000"),
                _ => match s.get("example").filter(|e| e.is_string()) {
                    Some(e) if s.get("pattern").is_some() => e.clone(),
                    _ => json!(format!("v{}", self.pick(10_000))),
                },
            },
        }
    }
}

type Deserialize =
    fn(&str, u16, &[u8]) -> Result<Option<tether_runtime::typed::Typed>, serde_json::Error>;

struct Case {
    contract: &'static Contract,
    validator: &'static ContractValidator,
    op: &'static str,
    deserialize: Deserialize,
}

/// Contracts and validators are built once for all proptest cases.
fn cases() -> Vec<Case> {
    use std::sync::OnceLock;
    static GITHUB: OnceLock<(Contract, ContractValidator)> = OnceLock::new();
    static STRIPE: OnceLock<(Contract, ContractValidator)> = OnceLock::new();
    let load = |path: &str| {
        let c = contract(path);
        let v = ContractValidator::new(&c.doc, &ValidatorOptions::default()).unwrap();
        (c, v)
    };
    let gh = GITHUB.get_or_init(|| load("contracts/github/repos.v1.yaml"));
    let st = STRIPE.get_or_init(|| load("contracts/stripe/customers.v1.yaml"));
    let case = |(c, v): &'static (Contract, ContractValidator), op, deserialize| Case {
        contract: c,
        validator: v,
        op,
        deserialize,
    };
    vec![
        case(
            gh,
            "repos/get",
            github_repos_v1::deserialize_response as Deserialize,
        ),
        case(gh, "issues/get", github_repos_v1::deserialize_response),
        case(
            gh,
            "issues/list-for-repo",
            github_repos_v1::deserialize_response,
        ),
        case(
            st,
            "DeleteCustomersCustomer",
            stripe_customers_v1::deserialize_response,
        ),
    ]
}

fn schema_of<'c>(c: &'c Contract, op: &str) -> &'c Value {
    let op = c.doc.operation(op).unwrap();
    op.response_for(200)
        .and_then(|r| r.json_body())
        .and_then(|m| m.schema.as_ref())
        .unwrap()
}

const HEADERS: &[(&str, &str)] = &[("content-type", "application/json")];

fn headers() -> Vec<(String, String)> {
    HEADERS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_instances_validate_and_deserialize(seed in 1u64..u64::MAX) {
        for Case { contract: c, validator, op, deserialize } in cases() {
            let mut gen = Gen { doc: &c.doc.value, state: seed };
            let instance = gen.instance(schema_of(c, op), 0);
            let bytes = serde_json::to_vec(&instance).unwrap();
            let verdict = validator.validate_response(op, 200, &headers(), &bytes);
            prop_assert!(verdict.is_ok(), "{op}: {:?}\n{instance}", verdict.err());
            let typed = deserialize(op, 200, &bytes);
            prop_assert!(matches!(typed, Ok(Some(_))), "{op}: {typed:?}\n{instance}");
        }
    }

    #[test]
    fn dropping_a_required_property_or_changing_its_type_is_rejected(seed in 1u64..u64::MAX, retype in any::<bool>()) {
        for Case { contract: c, validator, op, deserialize } in cases() {
            let mut gen = Gen { doc: &c.doc.value, state: seed };
            let schema = gen.resolve(schema_of(c, op)).clone();
            // Lists: mutate inside the first item.
            let (mut instance, item_schema, prefix) = if schema.get("type").and_then(Value::as_str) == Some("array") {
                let item = gen.resolve(&schema["items"]).clone();
                (json!([gen.instance(&item, 0)]), item, "/0")
            } else {
                let inst = gen.instance(&schema, 0);
                (inst, schema, "")
            };
            let required: Vec<String> = item_schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
            let name = required[gen.pick(required.len())].clone();
            let nullable = gen.resolve(&item_schema["properties"][&name]).get("nullable") == Some(&Value::Bool(true));
            let target = if prefix.is_empty() { &mut instance } else { &mut instance[0] };
            let (pointer, keyword) = if retype {
                let current = target[&name].clone();
                target[&name] = if current.is_array() { json!({"not": "an array"}) } else { json!([current]) };
                (format!("{prefix}/{name}"), "type")
            } else {
                target.as_object_mut().unwrap().remove(&name);
                (format!("{prefix}/{name}"), "required")
            };
            let bytes = serde_json::to_vec(&instance).unwrap();
            let errors = validator.validate_response(op, 200, &headers(), &bytes).err().unwrap_or_default();
            prop_assert!(
                errors.iter().any(|e| e.pointer == pointer && (e.keyword == keyword || e.keyword == "oneOf" || e.keyword == "anyOf")),
                "{op}: expected {keyword} at {pointer}, got {errors:?}"
            );
            // The generated type reads a missing nullable field as None (serde's Option
            // default); only the validator can insist on it being present.
            if !retype && !nullable {
                prop_assert!(deserialize(op, 200, &bytes).is_err(), "{op}: typed parse accepted a body without `{name}`");
            }
        }
    }
}
