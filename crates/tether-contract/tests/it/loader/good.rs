//! Good contracts: the files under `tests/data/contracts/good/` (3.0, 3.1 converted,
//! JSON) and the workspace's real contracts.

use serde_json::json;
use tether_contract::{Contract, Dialect, ParamLocation};

use super::good;
use crate::{data_dir, sorted_entries, workspace_contracts};

/// Every file under `good/` loads as a contract.
#[test]
fn good_contracts_load() {
    let root = data_dir().join("contracts/good");
    let mut loaded = 0;
    for provider in sorted_entries(&root) {
        for file in sorted_entries(&provider) {
            if let Err(e) = Contract::load(&file) {
                panic!("{}: {e}", file.display());
            }
            loaded += 1;
        }
    }
    assert!(loaded >= 3, "only {loaded} good contracts");
}

#[test]
fn minimal_30_contract() {
    let c = good("acme/things.v1.yaml");
    assert_eq!(c.name.provider, "acme");
    assert_eq!(c.name.resource, "things");
    assert_eq!(c.name.major, 1);
    assert_eq!(c.doc.dialect, Dialect::V30);
    assert_eq!(c.doc.info_version(), "1.4.2");
    assert_eq!(c.meta.upstream.operations, ["things/list", "things/get"]);
    assert_eq!(
        c.policy_path(),
        data_dir().join("contracts/good/acme/provider.yaml")
    );
    assert_eq!(c.doc.sha256.len(), 64);

    let ops: Vec<(&str, &str, &str)> = c
        .doc
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.method.as_str(), o.path.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("things/list", "get", "/things"),
            ("things/get", "get", "/things/{id}")
        ]
    );

    let list = c.doc.operation("things/list").expect("things/list");
    assert_eq!(list.summary.as_deref(), Some("List things"));
    let limit = &list.parameters[0];
    assert_eq!(
        (limit.name.as_str(), limit.location, limit.required),
        ("limit", ParamLocation::Query, false)
    );
    assert_eq!(list.response_for(200).expect("200").status, "200");
    assert_eq!(list.response_for(500).expect("500").status, "default");

    let get = c.doc.operation("things/get").expect("things/get");
    // The path-level `$ref` parameter is resolved and inherited.
    assert_eq!(get.parameters.len(), 1);
    let id = &get.parameters[0];
    assert_eq!(
        (id.name.as_str(), id.location, id.required),
        ("id", ParamLocation::Path, true)
    );
    assert_eq!(id.pointer, "/components/parameters/Id");
    assert_eq!(get.response_for(200).expect("200").status, "200");
    // No exact 404: the 4XX range applies, resolved through its `$ref`.
    let not_found = get.response_for(404).expect("404");
    assert_eq!(not_found.status, "4XX");
    assert_eq!(not_found.pointer, "/components/responses/Error");
    assert_eq!(
        not_found.json_body().expect("problem+json").media_type,
        "application/problem+json"
    );
    // No 5XX and no default.
    assert!(get.response_for(503).is_none());
    let ok = get.response_for(200).expect("200");
    assert_eq!(ok.headers.len(), 1);
    assert_eq!(ok.headers[0].name, "X-Request-Id");
    assert!(ok.headers[0].required);
    assert_eq!(
        ok.json_body().expect("json").schema,
        Some(json!({"$ref": "#/components/schemas/Thing"}))
    );
}

#[test]
fn contract_31_is_converted_to_30() {
    let c = good("acme/widgets.v3.yaml");
    assert_eq!(c.name.major, 3);
    assert_eq!(c.doc.dialect, Dialect::V31);
    assert_eq!(c.doc.value["openapi"], "3.0.3");
    let props = c
        .doc
        .value
        .pointer("/components/schemas/Widget/properties")
        .expect("Widget properties");

    // type: [string, "null"] -> type: string + nullable: true
    assert_eq!(
        props["nickname"],
        json!({"type": "string", "nullable": true})
    );
    // const: widget -> enum: [widget]
    assert_eq!(props["object"], json!({"enum": ["widget"]}));
    // numeric exclusiveMinimum / exclusiveMaximum -> boolean + minimum / maximum
    assert_eq!(
        props["weight"],
        json!({"type": "number", "minimum": 0, "exclusiveMinimum": true})
    );
    assert_eq!(
        props["ratio"],
        json!({"type": "number", "maximum": 1, "exclusiveMaximum": true})
    );
    // examples: [a, b] -> example: a
    assert_eq!(props["id"], json!({"type": "string", "example": "wid_123"}));
    // oneOf [X, {type: "null"}] -> oneOf [X] + nullable: true
    assert_eq!(
        props["parent"],
        json!({"oneOf": [{"$ref": "#/components/schemas/WidgetRef"}], "nullable": true})
    );

    let op = c.doc.operation("GetWidget").expect("GetWidget");
    assert_eq!(
        (op.method.as_str(), op.path.as_str()),
        ("get", "/widgets/{widget}")
    );
}

#[test]
fn json_contract_loads() {
    let c = good("acme/gadgets.v1.json");
    assert_eq!(c.name.resource, "gadgets");
    assert_eq!(c.doc.dialect, Dialect::V30);
    let op = c.doc.operation("CreateGadget").expect("CreateGadget");
    assert_eq!((op.method.as_str(), op.path.as_str()), ("post", "/gadgets"));
    let body = op.request_body.as_ref().expect("request body");
    assert!(body.required);
    assert_eq!(body.content[0].media_type, "application/json");
    assert_eq!(op.response_for(201).expect("201").status, "201");
    assert!(op.response_for(200).is_none());
}

// ---------------------------------------------------------------------------------------
// The workspace's real contracts
// ---------------------------------------------------------------------------------------

fn sorted_ops(c: &Contract) -> Vec<(String, String, String)> {
    let mut ops: Vec<(String, String, String)> = c
        .doc
        .operations
        .iter()
        .map(|o| (o.id.clone(), o.method.to_uppercase(), o.path.clone()))
        .collect();
    ops.sort();
    ops
}

fn owned(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = list
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    v.sort();
    v
}

#[test]
fn github_repos_contract() {
    let c = Contract::load(workspace_contracts().join("github/repos.v1.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name.to_string(), "github.repos.v1");
    assert_eq!(c.meta.provider, "github");
    assert_eq!(c.meta.resource, "repos");
    assert_eq!(c.doc.dialect, Dialect::V30);
    assert_eq!(
        sorted_ops(&c),
        owned(&[
            ("repos/get", "GET", "/repos/{owner}/{repo}"),
            ("repos/list-for-authenticated-user", "GET", "/user/repos"),
            (
                "issues/list-for-repo",
                "GET",
                "/repos/{owner}/{repo}/issues"
            ),
            ("issues/create", "POST", "/repos/{owner}/{repo}/issues"),
            (
                "issues/get",
                "GET",
                "/repos/{owner}/{repo}/issues/{issue_number}"
            ),
            ("users/get-authenticated", "GET", "/user"),
        ])
    );
    let get = c.doc.operation("repos/get").expect("repos/get");
    assert_eq!(get.response_for(404).expect("404").status, "404");
    assert_eq!(get.response_for(200).expect("200").status, "200");
    let path_params: Vec<&str> = get
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(path_params, ["owner", "repo"]);
    assert!(get.parameters.iter().all(|p| p.required));
}

#[test]
fn stripe_customers_contract() {
    let c = Contract::load(workspace_contracts().join("stripe/customers.v1.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name.to_string(), "stripe.customers.v1");
    assert_eq!(
        sorted_ops(&c),
        owned(&[
            ("GetCustomers", "GET", "/v1/customers"),
            ("PostCustomers", "POST", "/v1/customers"),
            ("GetCustomersCustomer", "GET", "/v1/customers/{customer}"),
            ("PostCustomersCustomer", "POST", "/v1/customers/{customer}"),
            (
                "DeleteCustomersCustomer",
                "DELETE",
                "/v1/customers/{customer}"
            ),
        ])
    );
    for op in &c.doc.operations {
        let r = op.response_for(402).expect("default response");
        assert_eq!(r.status, "default", "{}", op.id);
        assert_eq!(
            op.response_for(200).expect("200").status,
            "200",
            "{}",
            op.id
        );
    }
}
