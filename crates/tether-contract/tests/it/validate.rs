//! The contract validator against the real contracts (`contracts/github/repos.v1.yaml`,
//! `contracts/stripe/customers.v1.yaml`) and the realistic bodies of
//! `crates/tether-client-tests/tests/data/`. Every expected error below was written by
//! hand from the contract text, not copied from the validator's output.

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{json, Value};
use tether_contract::validate::{
    ContractValidator, FormatPolicy, RequestBody, ValidationError, ValidatorOptions,
};
use tether_contract::Document;

use crate::{manifest_dir, workspace_contracts};

fn load(relative: &str, formats: FormatPolicy) -> ContractValidator {
    let path = workspace_contracts().join(relative);
    let doc = Document::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ContractValidator::new(
        &doc,
        &ValidatorOptions {
            formats,
            ..ValidatorOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn github() -> &'static ContractValidator {
    static V: OnceLock<ContractValidator> = OnceLock::new();
    V.get_or_init(|| load("github/repos.v1.yaml", FormatPolicy::Assert))
}

fn stripe() -> &'static ContractValidator {
    static V: OnceLock<ContractValidator> = OnceLock::new();
    V.get_or_init(|| load("stripe/customers.v1.yaml", FormatPolicy::Assert))
}

fn data(name: &str) -> Value {
    let path = manifest_dir()
        .join("../tether-client-tests/tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_headers() -> Vec<(String, String)> {
    vec![(
        "Content-Type".to_owned(),
        "application/json; charset=utf-8".to_owned(),
    )]
}

/// `(pointer, keyword, schema_path)` of each error.
fn summary(errors: &[ValidationError]) -> Vec<(&str, &str, &str)> {
    errors
        .iter()
        .map(|e| {
            (
                e.pointer.as_str(),
                e.keyword.as_str(),
                e.schema_path.as_str(),
            )
        })
        .collect()
}

fn repos_get(body: &Value) -> Result<(), Vec<ValidationError>> {
    let bytes = serde_json::to_vec(body).unwrap();
    github().validate_response("repos/get", 200, &json_headers(), &bytes)
}

// ---------------------------------------------------------------------------------------
// GitHub responses
// ---------------------------------------------------------------------------------------

#[test]
fn operation_ids_in_document_order() {
    let ids: Vec<&str> = github().operation_ids().collect();
    assert_eq!(
        ids,
        [
            "repos/get",
            "issues/list-for-repo",
            "issues/create",
            "issues/get",
            "users/get-authenticated",
            "repos/list-for-authenticated-user",
        ]
    );
}

#[test]
fn valid_repository_passes() {
    let body = data("github-repos-get.json");
    assert_eq!(repos_get(&body), Ok(()));
    // The same through the parsed-value entry point, with and without a content type.
    assert_eq!(
        github().validate_response_value("repos/get", 200, &json_headers(), Some(&body)),
        Ok(())
    );
    assert_eq!(
        github().validate_response_value("repos/get", 200, &[], Some(&body)),
        Ok(())
    );
}

#[test]
fn vendor_json_media_type_counts_as_json() {
    let bytes = serde_json::to_vec(&data("github-repos-get.json")).unwrap();
    let headers = vec![(
        "content-type".to_owned(),
        "application/vnd.github+json".to_owned(),
    )];
    assert_eq!(
        github().validate_response("repos/get", 200, &headers, &bytes),
        Ok(())
    );
}

#[test]
fn missing_owner_login_is_one_required_error() {
    let mut body = data("github-repos-get.json");
    body["owner"].as_object_mut().unwrap().remove("login");
    let errors = repos_get(&body).unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/owner/login",
            "required",
            "#/components/schemas/simple-user/required"
        )]
    );
    assert_eq!(
        errors[0].message,
        "/owner/login: required property `login` is missing (schema #/components/schemas/simple-user/required)"
    );
}

#[test]
fn string_id_is_a_type_error() {
    let mut body = data("github-repos-get.json");
    body["id"] = json!("x");
    let errors = repos_get(&body).unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/id",
            "type",
            "#/components/schemas/full-repository/properties/id/type"
        )]
    );
}

#[test]
fn null_where_not_nullable_is_a_type_error() {
    let mut body = data("github-repos-get.json");
    body["name"] = Value::Null;
    let errors = repos_get(&body).unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/name",
            "type",
            "#/components/schemas/full-repository/properties/name/type"
        )]
    );
    assert!(
        errors[0].message.contains("null is not allowed") && errors[0].message.contains("nullable"),
        "{}",
        errors[0].message
    );
    // `homepage` is `nullable: true`: null passes.
    let mut body = data("github-repos-get.json");
    body["homepage"] = Value::Null;
    assert_eq!(repos_get(&body), Ok(()));
}

#[test]
fn int64_beyond_range_fails_format() {
    let text = serde_json::to_string(&data("github-repos-get.json")).unwrap();
    let id = data("github-repos-get.json")["id"].to_string();
    let huge = text.replacen(&format!("\"id\":{id}"), "\"id\":99999999999999999999999", 1);
    assert_ne!(huge, text);
    let errors = github()
        .validate_response("repos/get", 200, &json_headers(), huge.as_bytes())
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/id",
            "format",
            "#/components/schemas/full-repository/properties/id/format"
        )]
    );
    // Not asserted under FormatPolicy::Ignore.
    let lax = load("github/repos.v1.yaml", FormatPolicy::Ignore);
    assert_eq!(
        lax.validate_response("repos/get", 200, &json_headers(), huge.as_bytes()),
        Ok(())
    );
}

#[test]
fn bad_date_time_fails_format() {
    let mut body = data("github-repos-get.json");
    body["created_at"] = json!("yesterday");
    let errors = repos_get(&body).unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/created_at",
            "format",
            "#/components/schemas/full-repository/properties/created_at/format"
        )]
    );
}

#[test]
fn undeclared_status_is_a_status_error() {
    let bytes = serde_json::to_vec(&data("github-repos-get.json")).unwrap();
    let errors = github()
        .validate_response("repos/get", 418, &json_headers(), &bytes)
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "",
            "status",
            "#/paths/~1repos~1{owner}~1{repo}/get/responses"
        )]
    );
}

#[test]
fn declared_error_status_uses_its_schema() {
    let ok = br#"{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}"#;
    assert_eq!(
        github().validate_response("repos/get", 404, &json_headers(), ok),
        Ok(())
    );
    let bad = br#"{"message": 404}"#;
    let errors = github()
        .validate_response("repos/get", 404, &json_headers(), bad)
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/message",
            "type",
            "#/components/schemas/basic-error/properties/message/type"
        )]
    );
}

#[test]
fn wrong_content_type_is_a_content_type_error() {
    let bytes = serde_json::to_vec(&data("github-repos-get.json")).unwrap();
    let headers = vec![(
        "Content-Type".to_owned(),
        "text/html; charset=utf-8".to_owned(),
    )];
    let errors = github()
        .validate_response("repos/get", 200, &headers, &bytes)
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "",
            "content-type",
            "#/paths/~1repos~1{owner}~1{repo}/get/responses/200/content"
        )]
    );
}

#[test]
fn body_that_is_not_json_is_a_json_error() {
    let errors = github()
        .validate_response("repos/get", 200, &json_headers(), b"{\"id\": 1,")
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].keyword, "json");
    assert_eq!(
        errors[0].schema_path,
        "#/paths/~1repos~1{owner}~1{repo}/get/responses/200/content/application~1json/schema"
    );
    assert!(
        errors[0].message.contains("line 1 column"),
        "{}",
        errors[0].message
    );
}

#[test]
fn unknown_operation() {
    let errors = github()
        .validate_response("repos/nope", 200, &json_headers(), b"{}")
        .unwrap_err();
    assert_eq!(summary(&errors), [("", "operation", "#/paths")]);
}

#[test]
fn closed_enum_violation() {
    // issue.author_association is `$ref: author-association`, a closed string enum.
    let mut page = data("github-issues-list.json");
    page[0]["author_association"] = json!("BOSS");
    let bytes = serde_json::to_vec(&page).unwrap();
    let errors = github()
        .validate_response("issues/list-for-repo", 200, &json_headers(), &bytes)
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/0/author_association",
            "enum",
            "#/components/schemas/author-association/enum"
        )]
    );
}

#[test]
fn issue_pages_pass() {
    let one = data("github-issues-list.json");
    let item = one[0].clone();
    let page = Value::Array(vec![item; 30]);
    let bytes = serde_json::to_vec(&page).unwrap();
    assert_eq!(
        github().validate_response("issues/list-for-repo", 200, &json_headers(), &bytes),
        Ok(())
    );
    let issue = serde_json::to_vec(&data("github-issue.json")).unwrap();
    assert_eq!(
        github().validate_response("issues/get", 200, &json_headers(), &issue),
        Ok(())
    );
}

#[test]
fn nullable_enum_admits_null_but_not_other_values() {
    // issue.state_reason: `type: string, nullable: true, enum: [completed, …]`.
    let mut issue = data("github-issue.json");
    issue["state_reason"] = Value::Null;
    let ok = serde_json::to_vec(&issue).unwrap();
    assert_eq!(
        github().validate_response("issues/get", 200, &json_headers(), &ok),
        Ok(())
    );
    issue["state_reason"] = json!("forgotten");
    let bad = serde_json::to_vec(&issue).unwrap();
    let errors = github()
        .validate_response("issues/get", 200, &json_headers(), &bad)
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/state_reason",
            "enum",
            "#/components/schemas/issue/properties/state_reason/enum"
        )]
    );
}

#[test]
fn discriminator_dispatches_users() {
    // users/get-authenticated: oneOf [private-user, public-user] with discriminator
    // `user_view_type` (public → public-user, private → private-user).
    let owner = data("github-repos-get.json")["owner"].clone();
    let mut user = owner.as_object().unwrap().clone();
    for (k, v) in [
        ("name", json!("monalisa")),
        ("company", Value::Null),
        ("blog", json!("")),
        ("location", Value::Null),
        ("email", Value::Null),
        ("hireable", Value::Null),
        ("bio", Value::Null),
        ("public_repos", json!(2)),
        ("public_gists", json!(1)),
        ("followers", json!(20)),
        ("following", json!(0)),
        ("created_at", json!("2008-01-14T04:33:35Z")),
        ("updated_at", json!("2008-01-14T04:33:35Z")),
        ("user_view_type", json!("public")),
    ] {
        user.insert(k.to_owned(), v);
    }
    let user = Value::Object(user);
    let check = |v: &Value| {
        let bytes = serde_json::to_vec(v).unwrap();
        github().validate_response("users/get-authenticated", 200, &json_headers(), &bytes)
    };
    assert_eq!(check(&user), Ok(()));

    let mut unknown = user.clone();
    unknown["user_view_type"] = json!("secret");
    let errors = check(&unknown).unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/user_view_type",
            "discriminator",
            "#/paths/~1user/get/responses/200/content/application~1json/schema/discriminator"
        )]
    );
    assert!(
        errors[0].message.contains("\"secret\""),
        "{}",
        errors[0].message
    );

    // "private" selects private-user only, whose required list is longer.
    let mut private = user.clone();
    private["user_view_type"] = json!("private");
    let errors = check(&private).unwrap_err();
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|e| e.keyword == "required"
            && e.schema_path == "#/components/schemas/private-user/required"),
        "{errors:#?}"
    );
}

#[test]
fn required_response_header() {
    // Stripe and GitHub declare no required response header in these contracts; a
    // missing optional one (`Link` on issues/list-for-repo) is fine.
    let bytes = b"[]";
    assert_eq!(
        github().validate_response("issues/list-for-repo", 200, &json_headers(), bytes),
        Ok(())
    );
}

#[test]
fn body_less_response_with_empty_body_passes() {
    // issues/get 304 is `not_modified`, which declares no content.
    assert_eq!(
        github().validate_response("issues/get", 304, &[], b""),
        Ok(())
    );
    assert_eq!(
        github().validate_response_value("issues/get", 304, &[], None),
        Ok(())
    );
    let errors = github()
        .validate_response("issues/get", 304, &[], b"{}")
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].keyword, "content-type");
}

// ---------------------------------------------------------------------------------------
// Stripe
// ---------------------------------------------------------------------------------------

fn post_customers(form: &str) -> Result<(), Vec<ValidationError>> {
    stripe().validate_request(
        "PostCustomers",
        "application/x-www-form-urlencoded",
        RequestBody::Raw(form.as_bytes()),
    )
}

#[test]
fn stripe_form_body_passes() {
    assert_eq!(
        post_customers("email=a%40b.c&metadata[k]=v&balance=12"),
        Ok(())
    );
    // `""` unsets (metadata: anyOf [object, enum [""]]).
    assert_eq!(post_customers("metadata=&description=x"), Ok(()));
    assert_eq!(post_customers(""), Ok(()));
    // The content type may carry parameters.
    assert_eq!(
        stripe().validate_request(
            "PostCustomers",
            "application/x-www-form-urlencoded; charset=utf-8",
            RequestBody::Raw(b"balance=-5"),
        ),
        Ok(())
    );
}

#[test]
fn stripe_form_balance_not_a_number() {
    let errors = post_customers("balance=abc").unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/balance",
            "type",
            "#/paths/~1v1~1customers/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/balance/type"
        )]
    );
}

#[test]
fn stripe_form_unknown_property() {
    let errors = post_customers("email=a%40b.c&nope=1").unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/nope",
            "additionalProperties",
            "#/paths/~1v1~1customers/post/requestBody/content/application~1x-www-form-urlencoded/schema/additionalProperties"
        )]
    );
}

#[test]
fn stripe_form_that_does_not_decode() {
    let errors = post_customers("a[=1").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].keyword, "form");
}

#[test]
fn stripe_wrong_request_content_type() {
    let errors = stripe()
        .validate_request(
            "PostCustomers",
            "application/json",
            RequestBody::Json(&json!({"email": "a@b.c"})),
        )
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "",
            "content-type",
            "#/paths/~1v1~1customers/post/requestBody/content"
        )]
    );
}

#[test]
fn stripe_error_status_uses_default() {
    let card_error = json!({"error": {"type": "card_error", "message": "Your card was declined."}});
    let bytes = serde_json::to_vec(&card_error).unwrap();
    assert_eq!(
        stripe().validate_response("PostCustomers", 402, &json_headers(), &bytes),
        Ok(())
    );
    let wrong = json!({"error": {"type": "teapot_error"}});
    let bytes = serde_json::to_vec(&wrong).unwrap();
    let errors = stripe()
        .validate_response("PostCustomers", 402, &json_headers(), &bytes)
        .unwrap_err();
    assert_eq!(
        summary(&errors),
        [(
            "/error/type",
            "enum",
            "#/components/schemas/api_errors/properties/type/enum"
        )]
    );
}

#[test]
fn stripe_customer_response_passes() {
    let customer = data("stripe-customer.json");
    let bytes = serde_json::to_vec(&customer).unwrap();
    assert_eq!(
        stripe().validate_response("GetCustomersCustomer", 200, &json_headers(), &bytes),
        Ok(())
    );
}

// ---------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    let errors = github()
        .validate_response("repos/get", 200, &json_headers(), deep.as_bytes())
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].keyword, "json");

    // A value built by hand past the limit (dropped iteratively below, as serde_json
    // would recurse).
    let mut v = Value::Null;
    for _ in 0..1000 {
        v = Value::Array(vec![v]);
    }
    let errors = github()
        .validate_response_value("repos/get", 200, &[], Some(&v))
        .unwrap_err();
    assert_eq!(errors[0].keyword, "json");
    let mut v = v;
    while let Value::Array(mut items) = v {
        v = items.pop().unwrap_or(Value::Null);
    }
}

#[test]
fn validator_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ContractValidator>();
    let v = github();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let body = data("github-repos-get.json");
                assert_eq!(repos_get(&body), Ok(()));
                let _ = v.operation_ids().count();
            });
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        status in 100u16..600,
        op in 0usize..6,
    ) {
        let ids: Vec<&str> = github().operation_ids().collect();
        let id = ids[op % ids.len()];
        let _ = github().validate_response(id, status, &json_headers(), &bytes);
        let _ = github().validate_response(id, status, &[], &bytes);
        let _ = stripe().validate_request(
            "PostCustomers",
            "application/x-www-form-urlencoded",
            RequestBody::Raw(&bytes),
        );
    }

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        for id in ["repos/get", "issues/list-for-repo", "users/get-authenticated"] {
            let _ = github().validate_response(id, 200, &json_headers(), &bytes);
        }
        let _ = stripe().validate_response("GetCustomersCustomer", 200, &json_headers(), &bytes);
        let _ = stripe().validate_request(
            "PostCustomers",
            "application/x-www-form-urlencoded",
            RequestBody::Json(&value),
        );
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z0-9:/._-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("owner".to_owned()),
                    Just("login".to_owned()),
                    Just("user_view_type".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
