//! The normalization stage: derive from a contract the projection progenitor 0.15 can
//! digest, and record every change.
//!
//! The contract file stays the provider's truth (every status, error body and media
//! type): validation and drift detection read it. Only the typed client is built from
//! this projection, and what the projection drops is restored at run time by
//! `tether-runtime` (form encoding, deepObject query parameters, error bodies parsed with
//! the contract's own schemas).
//!
//! Why each rule exists (progenitor 0.15.1 / typify 0.8 probe, see ARCHITECTURE.md):
//! - one success and one error body type per operation (`assert!(response_types.len() <= 1)`);
//! - schema `title`s make typify name two types the same (E0428);
//! - `application/x-www-form-urlencoded` bodies with `encoding` hit `todo!`, and its
//!   encoder cannot write Stripe's nested `a[b]=c`; we generate JSON-shaped types and the
//!   runtime form-encodes them;
//! - `deepObject` query parameters are rejected;
//! - string enums whose Rust variant names collide (`+1`/`-1`) panic in typify;
//! - Stripe's expandable fields (`anyOf: [id, Object…]` with `x-expansionResources`) pull
//!   megabytes of types: kept as ids.

mod operations;
mod references;
mod schemas;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tether_contract::{Contract, Policy};

pub use operations::ERROR_COMPONENT;
use operations::{project_body, project_parameters, project_responses, shallow_error_schema};
use references::{hoist_nested_references, name_inline_collisions, rename_prelude_components};
use schemas::{
    any_of_to_one_of, conform_defaults, dedupe_enums, formats_only_on_scalars,
    keep_expandable_as_ids, no_bare_carriage_returns, strip_titles, trim_components,
};

/// What the projection changed, one line per change, for the generated header and
/// `cargo xtask gen --emit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Human-readable changes, each naming the operation or pointer.
    pub changes: Vec<String>,
}

/// How one operation's body and parameters must be restored at run time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpRuntime {
    /// The contract says `application/x-www-form-urlencoded`; the projection sends JSON.
    pub form_body: bool,
    /// deepObject array query parameters sent as `name[0]=a&name[1]=b`.
    pub deep_object_arrays: Vec<String>,
    /// Parameters the typed builder does not expose.
    pub dropped_params: Vec<String>,
    /// The contract's request media type when the projection sends raw bytes under
    /// `application/octet-stream` or `text/plain` instead (the runtime restores it).
    pub body_media_type: Option<String>,
    /// The contract's body is `multipart/form-data`, typed as the JSON object of its
    /// fields; these are the binary ones (typed as byte lists), as `name` or
    /// `name=content/type` when the contract's `encoding` gives the part's type.
    pub multipart: Option<Vec<String>>,
}

/// The projection and its bookkeeping.
#[derive(Debug, Clone)]
pub struct Projection {
    /// The OpenAPI document handed to progenitor.
    pub doc: Value,
    /// What changed.
    pub report: Report,
    /// Per operation id.
    pub runtime: BTreeMap<String, OpRuntime>,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Build the projection of `contract` under `policy`.
pub fn project(contract: &Contract, policy: &Policy) -> Projection {
    let mut doc = contract.doc.value.clone();
    let mut report = Report::default();
    let mut runtime: BTreeMap<String, OpRuntime> = BTreeMap::new();
    if let Some(obj) = doc.as_object_mut() {
        obj.remove("x-tether");
    }

    keep_expandable_as_ids(&mut doc, &mut report);
    no_bare_carriage_returns(&mut doc, &mut report);
    strip_titles(&mut doc, &mut report);
    conform_defaults(&mut doc, &mut report);
    formats_only_on_scalars(&mut doc, &mut report);
    any_of_to_one_of(&mut doc, &mut report);

    let error_ref = shallow_error_schema(&mut doc, &policy.error_schema, &mut report);
    let has_error_schema = error_ref.is_some();
    let error_ref = error_ref.unwrap_or_default();
    let original = doc.clone();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            // Inline path-level parameters so each operation can be projected alone.
            let shared = item.remove("parameters");
            for method in METHODS {
                let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let rt = runtime.entry(id.clone()).or_default();
                if let Some(Value::Array(shared)) = &shared {
                    let own = op.entry("parameters").or_insert_with(|| json!([]));
                    if let Some(own) = own.as_array_mut() {
                        let mut merged = shared.clone();
                        merged.append(own);
                        *own = merged;
                    }
                }
                project_parameters(&original, &id, op, rt, &mut report);
                project_body(&original, &id, method, op, rt, &mut report);
                project_responses(
                    &id,
                    path,
                    op,
                    has_error_schema.then_some(error_ref.as_str()),
                    &mut report,
                );
            }
        }
    }
    dedupe_enums(&mut doc, &mut report);
    hoist_nested_references(&mut doc, &mut report);
    trim_components(&mut doc, &mut report);
    rename_prelude_components(&mut doc, &mut report);
    name_inline_collisions(&mut doc, &mut report);
    Projection {
        doc,
        report,
        runtime,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn load(rel: &str) -> (Contract, Policy) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let contract = Contract::load(root.join(rel)).unwrap();
        let policy = Policy::load(contract.policy_path()).unwrap();
        (contract, policy)
    }

    fn op<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
        &doc["paths"][path][method]
    }

    #[test]
    fn github_errors_collapse_to_one_typed_error_and_3xx_are_dropped() {
        let (c, p) = load("contracts/github/repos.v1.yaml");
        let proj = project(&c, &p);
        let get = op(&proj.doc, "/repos/{owner}/{repo}", "get");
        let statuses: Vec<&String> = get["responses"].as_object().unwrap().keys().collect();
        assert_eq!(statuses, ["200", "4XX", "5XX"]);
        assert_eq!(
            get["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/basic-error"
        );
        assert!(proj
            .report
            .changes
            .iter()
            .any(|c| c.contains("repos/get (/repos/{owner}/{repo}): non-error statuses 301")));
        // The contract itself is untouched: every status is still there.
        let original = c.doc.operation("repos/get").unwrap();
        assert_eq!(
            original
                .responses
                .iter()
                .map(|r| r.status.as_str())
                .collect::<Vec<_>>(),
            ["200", "301", "403", "404"]
        );
    }

    #[test]
    fn titles_are_removed_everywhere() {
        let (c, p) = load("contracts/github/repos.v1.yaml");
        let proj = project(&c, &p);
        assert!(!proj.doc["components"]
            .to_string()
            .contains("\"title\":\"Repository\""));
        assert!(c.doc.value["components"]
            .to_string()
            .contains("\"title\":\"Repository\""));
    }

    #[test]
    fn stripe_form_bodies_deep_objects_expandables_and_errors() {
        let (c, p) = load("contracts/stripe/customers.v1.yaml");
        let proj = project(&c, &p);
        let post = op(&proj.doc, "/v1/customers", "post");
        let content = post["requestBody"]["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), ["application/json"]);
        assert!(content["application/json"].get("encoding").is_none());
        assert!(proj.runtime["PostCustomers"].form_body);

        let list = op(&proj.doc, "/v1/customers", "get");
        assert!(
            list.get("requestBody").is_none(),
            "the empty GET form body is dropped"
        );
        assert_eq!(proj.runtime["GetCustomers"].deep_object_arrays, ["expand"]);
        assert_eq!(proj.runtime["GetCustomers"].dropped_params, ["created"]);
        let expand = list["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "expand")
            .unwrap();
        assert_eq!(
            (expand["style"].as_str(), expand["explode"].as_bool()),
            (Some("form"), Some(true))
        );

        // `default_source` is `anyOf: [id, bank_account, card, source]` with x-expansionResources.
        let customer = &proj.doc["components"]["schemas"]["customer"]["properties"];
        assert_eq!(customer["default_source"]["type"], "string");
        assert_eq!(customer["default_source"]["nullable"], true);

        // The error body is one reference deep; payment intents are not in the projection.
        assert_eq!(
            post["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/tether_error_body"
        );
        let schemas = proj.doc["components"]["schemas"].as_object().unwrap();
        assert!(!schemas.contains_key("payment_intent"));
        assert!(schemas.len() < 100, "{} schemas", schemas.len());
        assert!(c.doc.value["components"]["schemas"]
            .as_object()
            .unwrap()
            .contains_key("payment_intent"));
    }
}
