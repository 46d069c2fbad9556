use github_repos_v1::{types, Client, Error};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::data;

/// The policy headers GitHub requires, as contracts/github/provider.yaml pins them.
fn github_headers(m: wiremock::MockBuilder) -> wiremock::MockBuilder {
    m.and(header("x-github-api-version", "2022-11-28"))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("user-agent", "tether/0.1"))
}

#[tokio::test]
async fn repos_get_returns_a_typed_repository_and_sends_the_pinned_headers() {
    let server = MockServer::start().await;
    github_headers(Mock::given(method("GET")).and(path("/repos/octocat/Hello-World")))
        .respond_with(ResponseTemplate::new(200).set_body_json(data("github-repos-get.json")))
        .expect(1)
        .mount(&server)
        .await;

    let gh = Client::new(&server.uri());
    let repo = gh
        .repos_get()
        .owner("octocat")
        .repo("Hello-World")
        .send()
        .await
        .unwrap();

    assert_eq!(repo.status(), 200);
    assert_eq!(repo.full_name, "octocat/Hello-World");
    assert_eq!(repo.owner.login, "octocat");
    assert_eq!(repo.id, 1296269);
    let received = server.received_requests().await.unwrap();
    assert!(
        received[0].headers.get("api-version").is_none(),
        "progenitor's stray api-version header must not reach the provider"
    );
}

#[tokio::test]
async fn issues_list_for_repo_sends_query_parameters_and_exposes_the_link_header() {
    let server = MockServer::start().await;
    let next = format!(
        "<{}/repositories/1/issues?page=2>; rel=\"next\"",
        server.uri()
    );
    github_headers(Mock::given(method("GET")).and(path("/repos/octocat/Hello-World/issues")))
        .and(query_param("state", "open"))
        .and(query_param("per_page", "30"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(data("github-issues-list.json"))
                .insert_header("link", next.as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;

    let gh = Client::new(&server.uri());
    let page = gh
        .issues_list_for_repo()
        .owner("octocat")
        .repo("Hello-World")
        .state(types::IssuesListForRepoState::Open)
        .per_page(30)
        .send()
        .await
        .unwrap();

    assert_eq!(page.len(), 1);
    assert_eq!(page[0].title, "Found a bug");
    assert_eq!(page[0].number, 1347);
    assert_eq!(
        page.headers().get("link").and_then(|v| v.to_str().ok()),
        Some(next.as_str())
    );
}

#[tokio::test]
async fn issues_create_posts_a_json_body() {
    let server = MockServer::start().await;
    github_headers(Mock::given(method("POST")).and(path("/repos/octocat/Hello-World/issues")))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"title": "Found a bug", "labels": ["bug"]}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(data("github-issue.json")))
        .expect(1)
        .mount(&server)
        .await;

    let gh = Client::new(&server.uri());
    let issue = gh
        .issues_create()
        .owner("octocat")
        .repo("Hello-World")
        .body_map(|b| {
            b.title(types::IssuesCreateBodyTitle::String("Found a bug".into()))
                .labels(vec![types::IssuesCreateBodyLabelsItem::String(
                    "bug".into(),
                )])
        })
        .send()
        .await
        .unwrap();

    assert_eq!(issue.status(), 201);
    assert_eq!(issue.title, "Found a bug");
}

#[tokio::test]
async fn a_404_is_a_typed_error_with_the_providers_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
            "status": "404"
        })))
        .mount(&server)
        .await;

    let gh = Client::new(&server.uri());
    let err = gh
        .repos_get()
        .owner("octocat")
        .repo("missing")
        .send()
        .await
        .unwrap_err();

    match err {
        Error::ErrorResponse(body) => {
            assert_eq!(body.status(), 404);
            assert_eq!(body.message.as_deref(), Some("Not Found"));
        }
        other => panic!("expected a typed error response, got {other:?}"),
    }
}

#[tokio::test]
async fn metadata_table_and_provenance_describe_the_contract() {
    let ids: Vec<&str> = github_repos_v1::OPERATIONS.iter().map(|o| o.id).collect();
    assert_eq!(
        ids,
        [
            "repos/get",
            "issues/list-for-repo",
            "issues/create",
            "issues/get",
            "users/get-authenticated",
            "repos/list-for-authenticated-user"
        ]
    );
    let create = github_repos_v1::DEFAULTS
        .operation("issues_create")
        .unwrap();
    assert_eq!(
        (create.method, create.idempotent, create.path),
        ("POST", false, "/repos/{owner}/{repo}/issues")
    );
    assert_eq!(create.scopes, ["issues:write"]);
    let list = github_repos_v1::DEFAULTS
        .operation("issues/list-for-repo")
        .unwrap();
    assert!(list.paginated && list.idempotent);
    assert_eq!(
        github_repos_v1::CONTRACT_PATH,
        "contracts/github/repos.v1.yaml"
    );
    assert_eq!(github_repos_v1::CONTRACT_VERSION, "1.0.0");
    assert!(github_repos_v1::CONTRACT.contains("operationId: repos/get"));
    assert_eq!(
        github_repos_v1::DEFAULTS.production_base_url,
        "https://api.github.com"
    );
}

#[test]
fn deserialize_response_uses_the_generated_type_of_each_operation_and_status() {
    use github_repos_v1::deserialize_response;
    use tether_runtime::typed::Typed;
    let repo = serde_json::to_vec(&data("github-repos-get.json")).unwrap();
    assert_eq!(
        deserialize_response("repos/get", 200, &repo).unwrap(),
        Some(Typed::Success)
    );
    // The same body is not an issue page.
    assert!(deserialize_response("issues/list-for-repo", 200, &repo).is_err());
    let error = br#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#;
    assert_eq!(
        deserialize_response("repos/get", 404, error).unwrap(),
        Some(Typed::Error)
    );
    assert_eq!(
        deserialize_response("repos/get", 301, b"").unwrap(),
        Some(Typed::Untyped)
    );
    assert_eq!(
        deserialize_response("repos/nope", 200, &repo).unwrap(),
        None
    );
    let mut broken = data("github-repos-get.json");
    broken["owner"].as_object_mut().unwrap().remove("login");
    let err =
        deserialize_response("repos/get", 200, &serde_json::to_vec(&broken).unwrap()).unwrap_err();
    assert!(err.to_string().contains("missing field `login`"), "{err}");
}

#[test]
fn large_nested_repositories_are_boxed_and_read_and_write_the_same_json() {
    // `parent`, `source` and `template_repository` are whole repositories (~90 fields
    // each); held by value they made `FullRepository` 9,208 bytes, copied on every move of
    // a response. Boxed, the type is a fraction of that and the JSON is unchanged.
    let body = data("github-repos-get.json");
    let repo: types::FullRepository = serde_json::from_value(body.clone()).unwrap();
    let parent: &Option<Box<types::Repository>> = &repo.parent;
    assert_eq!(
        parent.as_ref().map(|p| p.full_name.as_str()),
        body["parent"]["full_name"].as_str()
    );
    assert_eq!(
        repo.template_repository
            .as_ref()
            .and_then(|t| t.0.as_ref())
            .map(|t| t.full_name.as_str()),
        body["template_repository"]["full_name"].as_str()
    );
    let size = std::mem::size_of::<types::FullRepository>();
    assert!(size <= 4096, "FullRepository is {size} bytes");
    // serde writes what it read (compared as the typed value: the JSON may hold fields
    // the projection does not model).
    let again: types::FullRepository =
        serde_json::from_value(serde_json::to_value(&repo).unwrap()).unwrap();
    assert_eq!(again, repo);
    // typify's builder conversions box and unbox the same fields.
    let rebuilt: types::FullRepository = types::builder::FullRepository::from(repo.clone())
        .try_into()
        .unwrap();
    assert_eq!(rebuilt, repo);
}

/// A required parameter never set is refused before anything is sent, with progenitor's
/// message naming it, through `send()` and `call()` alike; a setter's failed conversion
/// keeps its own message.
#[tokio::test]
async fn a_required_parameter_left_unset_is_refused_naming_it_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let gh = Client::new(&server.uri());

    match gh.repos_get().owner("octocat").send().await {
        Err(Error::InvalidRequest(message)) => assert_eq!(message, "repo was not initialized"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    let err = gh.repos_get().repo("Hello-World").call().await.unwrap_err();
    match &err {
        tether_runtime::Error::Request { message, .. } => {
            assert_eq!(message, "owner was not initialized")
        }
        other => panic!("expected a request error, got {other:?}"),
    }
    let err = gh
        .issues_get()
        .owner("octocat")
        .repo("Hello-World")
        .call()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("issue_number was not initialized"),
        "{err}"
    );
    // A value that does not convert: the setter's message, not "not initialized".
    let err = gh
        .issues_get()
        .owner("octocat")
        .repo("Hello-World")
        .issue_number(u64::MAX)
        .call()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("issue_number failed"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
