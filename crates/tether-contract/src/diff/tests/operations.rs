//! Tests of the operation-level rules: operations, parameters, request bodies,
//! responses and headers, media types, security.

use super::*;

#[test]
fn operation_removed_and_added() {
    let new = edit(
        BASE,
        "    post:\n      operationId: createRepo",
        "    put:\n      operationId: createRepoV2",
    );
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![
            (
                Severity::Breaking,
                ChangeKind::OperationRemoved,
                "createRepo",
                "/paths/~1user~1repos/post"
            ),
            (
                Severity::Additive,
                ChangeKind::OperationAdded,
                "createRepoV2",
                "/paths/~1user~1repos/put"
            ),
        ]
    );
    assert_eq!(
        changes[0].message,
        "operation `createRepo` (POST /user/repos) was removed"
    );
    assert!(changes[0].is_breaking());
    assert!(!changes[1].is_breaking());
}

#[test]
fn method_change_is_breaking() {
    let new = edit(
        BASE,
        "    post:\n      operationId: createRepo",
        "    put:\n      operationId: createRepo",
    );
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![(
            Severity::Breaking,
            ChangeKind::MethodOrPathChanged,
            "createRepo",
            "/paths/~1user~1repos/put"
        )]
    );
}

#[test]
fn path_change_is_breaking() {
    let new = edit(BASE, "  /user/repos:", "  /user/repositories:");
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::MethodOrPathChanged,
            "createRepo",
            "/paths/~1user~1repositories/post"
        )]
    );
    assert_eq!(
        changes[0].message,
        "operation `createRepo` moved from POST /user/repos to POST /user/repositories"
    );
}

#[test]
fn response_status_removed_and_added() {
    let new = edit(
        BASE,
        "        '404': {$ref: '#/components/responses/NotFound'}\n",
        "",
    );
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponseStatusRemoved,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/responses/404"
        )]
    );
    assert_eq!(changes[0].message, "response 404 was removed");

    let new = edit(
            BASE,
            "        '404': {$ref: '#/components/responses/NotFound'}\n",
            "        '404': {$ref: '#/components/responses/NotFound'}\n        '500': {description: oops}\n",
        );
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![(
            Severity::Additive,
            ChangeKind::ResponseStatusAdded,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/responses/500"
        )]
    );
}

#[test]
fn response_behind_component_ref_is_compared() {
    let new = edit(BASE, "              message: {type: string}", "");
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponsePropertyRemoved,
            "getRepo",
            "/components/responses/NotFound/content/application~1json/schema/properties/message"
        )]
    );
    assert_eq!(
        changes[0].message,
        "response 404 body: /message: property was removed"
    );
}

#[test]
fn new_required_parameter_is_breaking() {
    let new = edit(
            BASE,
            "        - {$ref: '#/components/parameters/Page'}\n      responses:\n        '200':",
            "        - {$ref: '#/components/parameters/Page'}\n        - {name: since, in: query, required: true, schema: {type: string}}\n      responses:\n        '200':",
        );
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestParameterRequired,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/parameters/3"
        )]
    );
    assert_eq!(changes[0].message, "new required query parameter `since`");
    // The same parameter, optional, is additive.
    let optional = edit(&new, "since, in: query, required: true", "since, in: query");
    assert_eq!(
        summary(&run(BASE, &optional)),
        vec![(
            Severity::Additive,
            ChangeKind::ParameterAdded,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/parameters/3"
        )]
    );
}

#[test]
fn parameter_became_required_is_breaking() {
    let new = edit(
        BASE,
        "{name: per_page, in: query, schema",
        "{name: per_page, in: query, required: true, schema",
    );
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestParameterRequired,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/parameters/0"
        )]
    );
    assert_eq!(
        changes[0].message,
        "query parameter `per_page` became required"
    );
}

#[test]
fn parameter_removed_is_breaking() {
    let new = edit(
        BASE,
        "        - {name: per_page, in: query, schema: {type: integer}}\n",
        "",
    );
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![(
            Severity::Breaking,
            ChangeKind::ParameterRemoved,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/parameters/0"
        )]
    );
    // A path-level parameter applies to every method of the path.
    let new = edit(
        BASE,
        "      - {name: repo, in: path, required: true, schema: {type: string}}\n",
        "",
    );
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::ParameterRemoved,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/parameters/1"
        )]
    );
    assert_eq!(changes[0].message, "path parameter `repo` was removed");
}

#[test]
fn operation_level_parameter_overrides_path_level() {
    // Moving a path parameter to the operation is not a change.
    let new = edit(
        BASE,
        "      - {name: repo, in: path, required: true, schema: {type: string}}\n",
        "",
    );
    let new = edit(
            &new,
            "      parameters:\n        - {name: per_page",
            "      parameters:\n        - {name: repo, in: path, schema: {type: string}}\n        - {name: per_page",
        );
    assert_eq!(run(BASE, &new), vec![]);
}

#[test]
fn change_in_shared_parameter_is_reported_for_every_operation() {
    let new = edit(
        BASE,
        "Page: {name: page, in: query, schema: {type: integer}}",
        "Page: {name: page, in: query, required: true, schema: {type: integer}}",
    );
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![
            (
                Severity::Breaking,
                ChangeKind::RequestParameterRequired,
                "createRepo",
                "/components/parameters/Page"
            ),
            (
                Severity::Breaking,
                ChangeKind::RequestParameterRequired,
                "getRepo",
                "/components/parameters/Page"
            ),
        ]
    );
}

#[test]
fn path_parameter_renamed_is_breaking() {
    let renamed = BASE
        .replace("/repos/{owner}/{repo}:", "/repos/{org}/{repo}:")
        .replace("{name: owner, in: path", "{name: org, in: path");
    let changes = run(BASE, &renamed);
    let mut kinds: Vec<&str> = breaking(&changes).iter().map(|c| c.1.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        vec![
            "method_or_path_changed",
            "parameter_removed",
            "request_parameter_required"
        ],
        "{changes:#?}"
    );
    assert!(
        message_of(&changes, ChangeKind::ParameterRemoved, "getRepo")
            .contains("path parameter `owner`")
    );
    assert!(
        message_of(&changes, ChangeKind::RequestParameterRequired, "getRepo")
            .contains("path parameter `org`")
    );
}

#[test]
fn media_type_removed_from_a_response_is_breaking_added_is_not() {
    let two = edit(
            BASE,
            "        '201':\n          description: created\n          content:\n",
            "        '201':\n          description: created\n          content:\n            text/csv:\n              schema: {type: string}\n",
        );
    let changes = run(&two, BASE);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::MediaTypeRemoved,
            "createRepo",
            "/paths/~1user~1repos/post/responses/201/content/text~1csv"
        )]
    );
    assert!(changes[0]
        .message
        .contains("response 201 body: media type `text/csv`"));
    assert_eq!(
        summary(&run(BASE, &two)),
        vec![(
            Severity::Additive,
            ChangeKind::MediaTypeAdded,
            "createRepo",
            "/paths/~1user~1repos/post/responses/201/content/text~1csv"
        )]
    );
}

#[test]
fn media_type_removed_from_a_request_is_breaking() {
    let two = edit(
            BASE,
            "        content:\n          application/json:\n            schema:\n              type: object\n              required: [name]",
            "        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object}\n          application/json:\n            schema:\n              type: object\n              required: [name]",
        );
    assert_eq!(
        summary(&run(&two, BASE)),
        vec![(
            Severity::Breaking,
            ChangeKind::MediaTypeRemoved,
            "createRepo",
            "/paths/~1user~1repos/post/requestBody/content/application~1x-www-form-urlencoded"
        )]
    );
}

#[test]
fn parameter_default_changed_is_breaking() {
    let with = edit(
        BASE,
        "{name: per_page, in: query, schema: {type: integer}}",
        "{name: per_page, in: query, schema: {type: integer, default: 30}}",
    );
    let other = edit(
        BASE,
        "{name: per_page, in: query, schema: {type: integer}}",
        "{name: per_page, in: query, schema: {type: integer, default: 100}}",
    );
    let ptr = format!("{GET_REPO}/parameters/0/schema");
    for (old, new) in [
        (BASE, with.as_str()),
        (with.as_str(), other.as_str()),
        (other.as_str(), BASE),
    ] {
        assert_eq!(
            summary(&run(old, new)),
            vec![(
                Severity::Breaking,
                ChangeKind::ParameterDefaultChanged,
                "getRepo",
                ptr.as_str()
            )]
        );
    }
    assert!(message_of(
        &run(&with, &other),
        ChangeKind::ParameterDefaultChanged,
        "getRepo"
    )
    .contains("default changed from `30` to `100`"));
}

#[test]
fn request_body_presence_and_requirement() {
    let optional = edit(
        BASE,
        "      requestBody:\n        required: true\n",
        "      requestBody:\n",
    );
    assert_eq!(
        summary(&run(&optional, BASE)),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestBodyRequired,
            "createRepo",
            "/paths/~1user~1repos/post/requestBody"
        )]
    );
    assert_eq!(
        summary(&run(BASE, &optional)),
        vec![(
            Severity::Additive,
            ChangeKind::RequirementRelaxed,
            "createRepo",
            "/paths/~1user~1repos/post/requestBody"
        )]
    );
    let mut without = yaml(BASE);
    if let Some(op) = without
        .pointer_mut(CREATE_REPO)
        .and_then(Value::as_object_mut)
    {
        op.remove("requestBody");
    }
    assert_eq!(
        summary(&diff(&yaml(BASE), &without)),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestBodyRemoved,
            "createRepo",
            "/paths/~1user~1repos/post/requestBody"
        )]
    );
    assert_eq!(
        summary(&diff(&without, &yaml(BASE))),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestBodyRequired,
            "createRepo",
            "/paths/~1user~1repos/post/requestBody"
        )]
    );
}

#[test]
fn media_type_change() {
    let new = edit(
            BASE,
            "        content:\n          application/json:\n            schema:\n              type: object\n              required: [name]",
            "        content:\n          application/x-www-form-urlencoded:\n            schema:\n              type: object\n              required: [name]",
        );
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![(
            Severity::Breaking,
            ChangeKind::MediaTypeChanged,
            "createRepo",
            "/paths/~1user~1repos/post/requestBody/content/application~1x-www-form-urlencoded"
        )]
    );
    // Another JSON media type is not a change.
    let json = edit(
            BASE,
            "        content:\n          application/json:\n            schema:\n              type: object\n              required: [name]",
            "        content:\n          application/vnd.github+json:\n            schema:\n              type: object\n              required: [name]",
        );
    assert_eq!(run(BASE, &json), vec![]);
}

#[test]
fn response_headers() {
    let renamed = edit(BASE, "X-RateLimit-Limit", "X-Limit");
    assert_eq!(
        summary(&run(BASE, &renamed)),
        vec![
            (
                Severity::Additive,
                ChangeKind::ResponseHeaderAdded,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/responses/200/headers/X-Limit"
            ),
            (
                Severity::Breaking,
                ChangeKind::ResponseHeaderRemoved,
                "getRepo",
                "/paths/~1repos~1{owner}~1{repo}/get/responses/200/headers/X-RateLimit-Limit"
            ),
        ]
    );
    // Header names are case-insensitive; its schema is compared as a response.
    let lower = edit(BASE, "X-RateLimit-Limit", "x-ratelimit-limit");
    assert_eq!(run(BASE, &lower), vec![]);
    let typed = edit(
        BASE,
        "Limit: {schema: {type: integer}}",
        "Limit: {schema: {type: string}}",
    );
    let changes = run(BASE, &typed);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::PropertyTypeChanged,
            "getRepo",
            "/components/headers/Limit/schema"
        )]
    );
    assert_eq!(
        changes[0].message,
        "response 200 header `X-RateLimit-Limit`: /: type changed from `integer` to `string`"
    );
    // A required header that may now be absent breaks clients reading it.
    let required = edit(
        BASE,
        "Limit: {schema: {type: integer}}",
        "Limit: {required: true, schema: {type: integer}}",
    );
    assert_eq!(
        summary(&run(&required, BASE)),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponseHeaderMadeOptional,
            "getRepo",
            "/components/headers/Limit"
        )]
    );
    assert_eq!(
        summary(&run(BASE, &required)),
        vec![(
            Severity::Additive,
            ChangeKind::ResponseHeaderMadeRequired,
            "getRepo",
            "/components/headers/Limit"
        )]
    );
}

#[test]
fn response_body_removed_and_added() {
    let old = r##"
paths:
  /x:
    delete:
      operationId: del
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {type: object}
"##;
    let new = edit(
        old,
        "          content:\n            application/json:\n              schema: {type: object}\n",
        "",
    );
    assert_eq!(
        summary(&run(old, &new)),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponseBodyRemoved,
            "del",
            "/paths/~1x/delete/responses/200/content/application~1json"
        )]
    );
    assert_eq!(
        summary(&run(&new, old)),
        vec![(
            Severity::Additive,
            ChangeKind::ResponseBodyAdded,
            "del",
            "/paths/~1x/delete/responses/200/content/application~1json"
        )]
    );
}

#[test]
fn operations_without_id_are_matched_by_method_and_path() {
    let old = r##"
paths:
  /ping:
    get:
      responses:
        '200': {description: ok}
"##;
    let new = edit(
        old,
        "        '200': {description: ok}",
        "        '204': {description: ok}",
    );
    assert_eq!(
        summary(&run(old, &new)),
        vec![
            (
                Severity::Breaking,
                ChangeKind::ResponseStatusRemoved,
                "GET /ping",
                "/paths/~1ping/get/responses/200"
            ),
            (
                Severity::Additive,
                ChangeKind::ResponseStatusAdded,
                "GET /ping",
                "/paths/~1ping/get/responses/204"
            ),
        ]
    );
}

#[test]
fn parameter_style_and_explode_changes_are_breaking() {
    let param = "{name: per_page, in: query, schema: {type: integer}}";
    let pointer = format!("{GET_REPO}/parameters/0");
    // Spelling out the defaults changes nothing.
    let explicit = edit(
        BASE,
        param,
        "{name: per_page, in: query, style: form, explode: true, schema: {type: integer}}",
    );
    assert_eq!(run(BASE, &explicit), vec![]);
    for changed in [
        "{name: per_page, in: query, explode: false, schema: {type: integer}}",
        "{name: per_page, in: query, style: spaceDelimited, schema: {type: integer}}",
    ] {
        let new = edit(BASE, param, changed);
        let c = run(BASE, &new);
        assert_eq!(
            summary(&c),
            vec![(
                Severity::Breaking,
                ChangeKind::ParameterStyleChanged,
                "getRepo",
                pointer.as_str()
            )],
            "{changed}"
        );
    }
    let c = run(
        BASE,
        &edit(
            BASE,
            param,
            "{name: per_page, in: query, explode: false, schema: {type: integer}}",
        ),
    );
    assert_eq!(
            c[0].message,
            "query parameter `per_page`: serialization changed from `style: form, explode: true` to `style: form, explode: false`"
        );
}

#[test]
fn parameter_moved_to_another_location_is_breaking() {
    let new = edit(
        BASE,
        "{name: per_page, in: query, schema: {type: integer}}",
        "{name: per_page, in: header, schema: {type: integer}}",
    );
    let c = run(BASE, &new);
    let pointer = format!("{GET_REPO}/parameters/0");
    assert_eq!(
        summary(&c),
        vec![
            (
                Severity::Additive,
                ChangeKind::ParameterAdded,
                "getRepo",
                pointer.as_str()
            ),
            (
                Severity::Breaking,
                ChangeKind::ParameterRemoved,
                "getRepo",
                pointer.as_str()
            ),
        ]
    );
}

#[test]
fn operation_deprecated_is_reported_not_breaking() {
    let new = edit(
        BASE,
        "      operationId: getRepo\n",
        "      operationId: getRepo\n      deprecated: true\n",
    );
    let pointer = format!("{GET_REPO}/deprecated");
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![(
            Severity::Additive,
            ChangeKind::OperationDeprecated,
            "getRepo",
            pointer.as_str()
        )]
    );
    assert_eq!(run(&new, &new), vec![]);
}

#[test]
fn default_response_removed_is_breaking() {
    let new = edit(
            BASE,
            "        '404': {$ref: '#/components/responses/NotFound'}\n",
            "        '404': {$ref: '#/components/responses/NotFound'}\n        default: {description: error}\n",
        );
    assert_eq!(
        summary(&run(&new, BASE)),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponseStatusRemoved,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/responses/default"
        )]
    );
}

const SECURED: &str = r##"
openapi: 3.0.3
security:
  - token: [repo]
paths:
  /repos:
    get:
      operationId: listRepos
      responses:
        '200': {description: ok}
  /meta:
    get:
      operationId: getMeta
      security: []
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    token: {type: apiKey, in: header, name: Authorization}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: 'https://example.com/token', scopes: {repo: r}}
"##;

#[test]
fn security_requirements_and_scopes() {
    assert_eq!(run(SECURED, SECURED), vec![]);
    // Alternatives naming the same scheme with other scopes (Google's `drive` or
    // `drive.readonly`) are matched scope for scope: nothing changed, in any order.
    let alternatives = edit(
        SECURED,
        "  - token: [repo]",
        "  - token: [repo]\n  - token: [public_repo]",
    );
    assert_eq!(run(&alternatives, &alternatives), vec![]);
    let swapped = edit(
        SECURED,
        "  - token: [repo]",
        "  - token: [public_repo]\n  - token: [repo]",
    );
    assert_eq!(run(&alternatives, &swapped), vec![]);
    // An operation that needed no authentication now needs it: breaking.
    let c = run(
        SECURED,
        &edit(
            SECURED,
            "      security: []\n",
            "      security: [{token: []}]\n",
        ),
    );
    assert_eq!(
        summary(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::SecurityAdded,
            "getMeta",
            "/paths/~1meta/get/security"
        )]
    );
    assert_eq!(
        c[0].message,
        "the operation now requires authentication (token)"
    );
    // ... the reverse removes a requirement the client meets anyway: fine.
    let c = run(
        &edit(
            SECURED,
            "      security: []\n",
            "      security: [{token: []}]\n",
        ),
        SECURED,
    );
    assert!(
        !c.is_empty()
            && c.iter()
                .all(|c| c.kind == ChangeKind::SecurityRemoved && !c.is_breaking()),
        "{c:#?}"
    );

    // A scope added to the document-level requirement: breaking for every operation
    // that uses it (not for getMeta, which overrides it).
    let more_scopes = edit(SECURED, "  - token: [repo]", "  - token: [repo, admin]");
    assert_eq!(
        summary(&run(SECURED, &more_scopes)),
        vec![(
            Severity::Breaking,
            ChangeKind::SecurityScopeAdded,
            "listRepos",
            "/security/0"
        )]
    );
    assert_eq!(
        summary(&run(&more_scopes, SECURED)),
        vec![(
            Severity::Additive,
            ChangeKind::SecurityScopeRemoved,
            "listRepos",
            "/security/0"
        )]
    );

    // A new alternative is fine; removing the one the client used is not.
    let alternative = edit(
        SECURED,
        "      operationId: listRepos\n",
        "      operationId: listRepos\n      security: [{token: [repo]}, {oauth: [repo]}]\n",
    );
    assert_eq!(
        summary(&run(SECURED, &alternative)),
        vec![(
            Severity::Additive,
            ChangeKind::SecurityAdded,
            "listRepos",
            "/paths/~1repos/get/security/1"
        )]
    );
    let only_oauth = edit(
        SECURED,
        "      operationId: listRepos\n",
        "      operationId: listRepos\n      security: [{oauth: [repo]}]\n",
    );
    let c = run(SECURED, &only_oauth);
    assert_eq!(
        breaking(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::SecurityRemoved,
            "listRepos",
            "/security/0"
        )]
    );
    assert_eq!(
        message_of(&c, ChangeKind::SecurityRemoved, "listRepos"),
        "security requirement `token` was removed"
    );

    // The scheme itself changed: the client sends its key in the wrong place.
    let renamed_header = edit(SECURED, "name: Authorization}", "name: X-Api-Key}");
    let c = run(SECURED, &renamed_header);
    assert_eq!(
        summary(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::SecuritySchemeChanged,
            "listRepos",
            "/components/securitySchemes/token/name"
        )]
    );
    assert_eq!(
        c[0].message,
        "security scheme `token`: `name` changed from `Authorization` to `X-Api-Key`"
    );
    // Header names are case-insensitive.
    assert_eq!(
        run(
            SECURED,
            &edit(SECURED, "name: Authorization}", "name: authorization}")
        ),
        vec![]
    );
    let new_token_url = edit(
        &alternative,
        "https://example.com/token",
        "https://example.com/oauth/token",
    );
    let c = run(&alternative, &new_token_url);
    assert_eq!(
        summary(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::SecuritySchemeChanged,
            "listRepos",
            "/components/securitySchemes/oauth/flows/clientCredentials/tokenUrl"
        )]
    );
}
