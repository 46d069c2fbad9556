//! Response enums read values the contract does not list (`Unknown(String)`), and the
//! drift is still reported; request enums stay closed.

use github_repos_v1::{types, Client};
use tether_runtime::{CallOptions, Error, ValidationMode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::data;

/// An issue carrying two values GitHub's description does not list (yet).
fn drifted_issue() -> serde_json::Value {
    let mut issue = data("github-issue.json");
    issue["author_association"] = "SPONSOR".into();
    issue["state_reason"] = "archived".into();
    issue
}

async fn serve_issue(body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/issues/1347"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_unlisted_response_enum_value_decodes_and_round_trips() {
    let server = serve_issue(drifted_issue()).await;
    let gh = Client::new(&server.uri());
    // Default `report` mode: the call succeeds with the value kept.
    let issue = gh
        .issues_get()
        .owner("octocat")
        .repo("Hello-World")
        .issue_number(1347)
        .call()
        .await
        .unwrap();
    let association = issue.author_association.as_ref().unwrap();
    assert_eq!(
        *association,
        types::AuthorAssociation::Unknown("SPONSOR".into())
    );
    assert!(association.is_unknown());
    assert_eq!(association.to_string(), "SPONSOR");
    assert_eq!(serde_json::to_value(association).unwrap(), "SPONSOR");
    let reason = issue.state_reason.as_ref().unwrap();
    assert_eq!(reason.as_str(), "archived");
    assert!(reason.is_unknown());
    // A listed value is still its own variant, in every direction.
    let listed: types::AuthorAssociation = "COLLABORATOR".parse().unwrap();
    assert_eq!(listed, types::AuthorAssociation::Collaborator);
    assert!(!listed.is_unknown());
    assert_eq!(
        serde_json::from_str::<types::AuthorAssociation>("\"OWNER\"").unwrap(),
        types::AuthorAssociation::Owner
    );
    // Not a string is still an error.
    assert!(serde_json::from_str::<types::AuthorAssociation>("3").is_err());
}

#[tokio::test]
async fn the_unlisted_value_is_still_reported_as_contract_drift() {
    let server = serve_issue(drifted_issue()).await;
    let gh = Client::new(&server.uri());
    let err = gh
        .issues_get()
        .owner("octocat")
        .repo("Hello-World")
        .issue_number(1347)
        .call_with(CallOptions::new().validation(ValidationMode::Enforce))
        .await
        .unwrap_err();
    let Error::ContractViolation { violations, .. } = err else {
        panic!("expected a contract violation, got {err:?}");
    };
    let found: Vec<(&str, &str)> = violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.keyword.as_str()))
        .collect();
    assert!(
        found.contains(&("/author_association", "enum")),
        "{found:?}"
    );
    assert!(found.contains(&("/state_reason", "enum")), "{found:?}");
}

/// Request-only enums have no unknown variant: this match is exhaustive only while the
/// enum is closed (adding a variant fails to compile).
#[test]
fn request_enums_stay_closed() {
    fn wire(state: types::IssuesListForRepoState) -> &'static str {
        match state {
            types::IssuesListForRepoState::Open => "open",
            types::IssuesListForRepoState::Closed => "closed",
            types::IssuesListForRepoState::All => "all",
        }
    }
    assert_eq!(wire(types::IssuesListForRepoState::All), "all");
    assert!("everything"
        .parse::<types::IssuesListForRepoState>()
        .is_err());
}
