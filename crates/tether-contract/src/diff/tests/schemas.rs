//! Tests of schema comparison: types, formats, nullability, properties and `required`,
//! `readOnly`/`writeOnly`, `$ref`s and recursion, `allOf` merging, `oneOf`/`anyOf`.

use super::*;

#[test]
fn response_property_removed_behind_ref_is_reported_for_every_operation() {
    let new = edit(
        BASE,
        "        login: {type: string}",
        "        name: {type: string}",
    );
    let changes = run(BASE, &new);
    let login = "/components/schemas/User/properties/login";
    assert_eq!(
        breaking(&changes),
        vec![
            (
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "createRepo",
                login
            ),
            (
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "getRepo",
                login
            ),
        ]
    );
    assert_eq!(
        message_of(&changes, ChangeKind::ResponsePropertyRemoved, "getRepo"),
        "response 200 body: /owner/login: property was removed"
    );
    assert_eq!(
        message_of(&changes, ChangeKind::ResponsePropertyRemoved, "createRepo"),
        "response 201 body: /owner/login: property was removed"
    );
    // The added `name` is reported too, and is not breaking.
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.kind == ChangeKind::ResponsePropertyAdded
                && c.pointer == "/components/schemas/User/properties/name"
                && !c.is_breaking())
            .count(),
        2
    );
}

#[test]
fn response_property_added_is_additive() {
    let new = edit(
        BASE,
        "        login: {type: string}",
        "        login: {type: string}\n        email: {type: string}",
    );
    let changes = run(BASE, &new);
    assert_eq!(changes.len(), 2);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::ResponsePropertyAdded && !c.is_breaking()));
    assert_eq!(
        message_of(&changes, ChangeKind::ResponsePropertyAdded, "getRepo"),
        "response 200 body: /owner/email: property was added"
    );
}

#[test]
fn response_type_change_is_breaking() {
    let new = edit(
        BASE,
        "        id: {type: integer}",
        "        id: {type: string}",
    );
    let changes = run(BASE, &new);
    let id = "/components/schemas/Repo/properties/id";
    assert_eq!(
        summary(&changes),
        vec![
            (
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "createRepo",
                id
            ),
            (
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "getRepo",
                id
            ),
        ]
    );
    assert_eq!(
        changes[1].message,
        "response 200 body: /id: type changed from `integer` to `string`"
    );
}

#[test]
fn integer_to_number_widening_depends_on_direction() {
    // Response: a client decoding integers may now receive 1.5.
    let new = edit(
        BASE,
        "        id: {type: integer}",
        "        id: {type: number}",
    );
    let changes = run(BASE, &new);
    assert_eq!(changes.len(), 2);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::PropertyTypeChanged && c.is_breaking()));

    // Request: the server now accepts more than before.
    let new = edit(BASE, "size: {type: integer}", "size: {type: number}");
    assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Additive,
                ChangeKind::PropertyTypeChanged,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/size"
            )]
        );

    // Request: an incompatible type is breaking.
    let new = edit(BASE, "size: {type: integer}", "size: {type: string}");
    let changes = run(BASE, &new);
    assert_eq!(
            breaking(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/size"
            )]
        );
    assert_eq!(
        changes[0].message,
        "request body: /size: type changed from `integer` to `string`"
    );
}

#[test]
fn format_change() {
    let new = edit(
        BASE,
        "        id: {type: integer}",
        "        id: {type: integer, format: int64}",
    );
    // Adding a format narrows a response: fine.
    assert!(run(BASE, &new)
        .iter()
        .all(|c| c.kind == ChangeKind::PropertyFormatChanged && !c.is_breaking()));
    // ... and going back widens it: breaking.
    assert!(run(&new, BASE)
        .iter()
        .all(|c| c.kind == ChangeKind::PropertyFormatChanged && c.is_breaking()));
    let a = edit(
        BASE,
        "size: {type: integer}",
        "size: {type: integer, format: int32}",
    );
    let b = edit(
        BASE,
        "size: {type: integer}",
        "size: {type: integer, format: int64}",
    );
    assert_eq!(
            summary(&run(&a, &b)),
            vec![(
                Severity::Additive,
                ChangeKind::PropertyFormatChanged,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/size"
            )]
        );
    assert!(run(&b, &a).iter().all(Change::is_breaking));
}

#[test]
fn response_property_becoming_nullable_is_breaking() {
    let new = edit(
        BASE,
        "        login: {type: string}",
        "        login: {type: string, nullable: true}",
    );
    let changes = run(BASE, &new);
    let login = "/components/schemas/User/properties/login";
    assert_eq!(
        summary(&changes),
        vec![
            (
                Severity::Breaking,
                ChangeKind::NullableAdded,
                "createRepo",
                login
            ),
            (
                Severity::Breaking,
                ChangeKind::NullableAdded,
                "getRepo",
                login
            ),
        ]
    );
    assert_eq!(
        changes[1].message,
        "response 200 body: /owner/login: became nullable"
    );
    // The reverse narrows the response: not breaking.
    let back = run(&new, BASE);
    assert!(back
        .iter()
        .all(|c| c.kind == ChangeKind::NullableRemoved && !c.is_breaking()));
}

#[test]
fn request_nullable_direction() {
    let new = edit(
        BASE,
        "private: {type: boolean}",
        "private: {type: boolean, nullable: true}",
    );
    let pointer = format!("{CREATE_BODY}/properties/private");
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![(
            Severity::Additive,
            ChangeKind::NullableAdded,
            "createRepo",
            pointer.as_str()
        )]
    );
    assert_eq!(
        summary(&run(&new, BASE)),
        vec![(
            Severity::Breaking,
            ChangeKind::NullableRemoved,
            "createRepo",
            pointer.as_str()
        )]
    );
}

#[test]
fn request_property_became_required_is_breaking() {
    let new = edit(BASE, "required: [name]", "required: [name, private]");
    let changes = run(BASE, &new);
    let pointer = format!("{CREATE_BODY}/properties/private");
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestPropertyRequired,
            "createRepo",
            pointer.as_str()
        )]
    );
    assert_eq!(
        changes[0].message,
        "request body: /private: became required"
    );
    // The reverse relaxes the request.
    assert_eq!(
        summary(&run(&new, BASE)),
        vec![(
            Severity::Additive,
            ChangeKind::RequirementRelaxed,
            "createRepo",
            pointer.as_str()
        )]
    );
}

#[test]
fn new_request_property_required_or_optional() {
    let new = edit(
        BASE,
        "required: [name]",
        "required: [name, org]\n              x-unused: 1",
    );
    let new = edit(
        &new,
        "                name: {type: string}\n",
        "                name: {type: string}\n                org: {type: string}\n",
    );
    let pointer = format!("{CREATE_BODY}/properties/org");
    assert_eq!(
        summary(&run(BASE, &new)),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestPropertyRequired,
            "createRepo",
            pointer.as_str()
        )]
    );
    let optional = edit(
        BASE,
        "                name: {type: string}\n",
        "                name: {type: string}\n                org: {type: string}\n",
    );
    assert_eq!(
        summary(&run(BASE, &optional)),
        vec![(
            Severity::Additive,
            ChangeKind::RequestPropertyAdded,
            "createRepo",
            pointer.as_str()
        )]
    );
    // Removing a request property breaks callers that set it.
    assert_eq!(
        summary(&run(&optional, BASE)),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestPropertyRemoved,
            "createRepo",
            pointer.as_str()
        )]
    );
}

#[test]
fn read_only_properties_are_ignored_in_requests() {
    let new = edit(BASE, "id: {type: integer, readOnly: true}", "");
    assert_eq!(run(BASE, &new), vec![]);
}

#[test]
fn array_items_use_bracket_notation() {
    let new = edit(
        BASE,
        "              name: {type: string}\n        parent",
        "        parent",
    );
    let changes = run(BASE, &new);
    let pointer = "/components/schemas/Repo/properties/labels/items/properties/name";
    assert_eq!(
        summary(&changes),
        vec![
            (
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "createRepo",
                pointer
            ),
            (
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "getRepo",
                pointer
            ),
        ]
    );
    assert_eq!(
        changes[1].message,
        "response 200 body: /labels/[]/name: property was removed"
    );
}

#[test]
fn response_property_made_optional_is_breaking() {
    let new = edit(BASE, "required: [id, owner]", "required: [id]");
    let changes = run(BASE, &new);
    assert_eq!(breaking(&changes).len(), 2);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::ResponsePropertyMadeOptional
            && c.pointer == "/components/schemas/Repo/properties/owner"));
    assert!(run(&new, BASE).iter().all(|c| !c.is_breaking()));
}

#[test]
fn recursive_schemas_terminate() {
    let old = r##"
paths:
  /tree:
    get:
      operationId: getTree
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
        other: {$ref: '#/components/schemas/Other'}
    Other:
      type: object
      properties:
        back: {$ref: '#/components/schemas/Node'}
        size: {type: integer}
"##;
    assert_eq!(run(old, old), vec![]);
    let new = edit(
        old,
        "        size: {type: integer}",
        "        size: {type: string}",
    );
    let changes = run(old, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::PropertyTypeChanged,
            "getTree",
            "/components/schemas/Other/properties/size"
        )]
    );
    assert_eq!(
        changes[0].message,
        "response 200 body: /other/size: type changed from `integer` to `string`"
    );
    // A self-referencing $ref chain and mutually recursive allOf must not hang.
    let broken = edit(
            old,
            "    Other:\n",
            "    Loop: {$ref: '#/components/schemas/Loop'}\n    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}], properties: {x: {$ref: '#/components/schemas/Loop'}}}\n    Other:\n",
        );
    let broken = edit(
            &broken,
            "        size: {type: integer}",
            "        size: {type: integer}\n        a: {$ref: '#/components/schemas/A'}\n        l: {$ref: '#/components/schemas/Loop'}",
        );
    assert_eq!(run(&broken, &broken), vec![]);
    let changes = run(old, &broken);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::ResponsePropertyAdded));
}

pub(super) const ALL_OF: &str = r##"
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Pet'}
    post:
      operationId: createPet
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses:
        '201': {description: created}
components:
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: integer}
        tag: {type: string}
    Pet:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            name: {type: string}
    NewPet:
      allOf:
        - type: object
          required: [name]
          properties:
            name: {type: string}
        - type: object
          properties:
            age: {type: integer}
"##;

#[test]
fn all_of_members_are_merged() {
    assert_eq!(run(ALL_OF, ALL_OF), vec![]);
    // Moving a property from one member to another is no change.
    let moved = edit(ALL_OF, "        tag: {type: string}\n", "");
    let moved = edit(
        &moved,
        "            name: {type: string}\n    NewPet",
        "            name: {type: string}\n            tag: {type: string}\n    NewPet",
    );
    assert_eq!(run(ALL_OF, &moved), vec![]);

    // Removing a property of a member is a removal from the merged schema.
    let removed = edit(ALL_OF, "        tag: {type: string}\n", "");
    let changes = run(ALL_OF, &removed);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponsePropertyRemoved,
            "listPets",
            "/components/schemas/Base/properties/tag"
        )]
    );
    assert_eq!(
        changes[0].message,
        "response 200 body: /[]/tag: property was removed"
    );

    // `required` of one member applies to properties of another.
    let required = edit(
        ALL_OF,
        "          required: [name]",
        "          required: [name, age]",
    );
    assert_eq!(
        summary(&run(ALL_OF, &required)),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestPropertyRequired,
            "createPet",
            "/components/schemas/NewPet/allOf/1/properties/age"
        )]
    );
}

pub(super) const ONE_OF: &str = r##"
paths:
  /events:
    get:
      operationId: getEvent
      responses:
        '200':
          content:
            application/json:
              schema:
                oneOf:
                  - {type: object, properties: {a: {type: string}}}
                  - {type: object, properties: {b: {type: string}}}
"##;

#[test]
fn one_of_members_compared_by_index() {
    let new = edit(ONE_OF, "{b: {type: string}}", "{b: {type: integer}}");
    let changes = run(ONE_OF, &new);
    assert_eq!(
            summary(&changes),
            vec![(
                Severity::Breaking,
                ChangeKind::PropertyTypeChanged,
                "getEvent",
                "/paths/~1events/get/responses/200/content/application~1json/schema/oneOf/1/properties/b"
            )]
        );
    assert_eq!(
        changes[0].message,
        "response 200 body: /<oneOf 1>/b: type changed from `string` to `integer`"
    );
}

#[test]
fn one_of_count_change_is_a_type_change() {
    let new = edit(
        ONE_OF,
        "                  - {type: object, properties: {b: {type: string}}}\n",
        "",
    );
    assert_eq!(
        summary(&run(ONE_OF, &new)),
        vec![(
            Severity::Breaking,
            ChangeKind::PropertyTypeChanged,
            "getEvent",
            "/paths/~1events/get/responses/200/content/application~1json/schema/oneOf"
        )]
    );
}

#[test]
fn all_of_member_added_removed_or_changed_is_diffed_as_the_merged_schema() {
    // A member added to a request schema that requires a new property: breaking.
    let added = edit(
            ALL_OF,
            "        - type: object\n          properties:\n            age: {type: integer}\n",
            "        - type: object\n          properties:\n            age: {type: integer}\n        - type: object\n          required: [owner]\n          properties:\n            owner: {type: string}\n",
        );
    assert_eq!(
        summary(&run(ALL_OF, &added)),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestPropertyRequired,
            "createPet",
            "/components/schemas/NewPet/allOf/2/properties/owner"
        )]
    );
    // ... and removing that member again takes the property out of the request type,
    // like any request property removal.
    assert_eq!(
        summary(&run(&added, ALL_OF)),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestPropertyRemoved,
            "createPet",
            "/components/schemas/NewPet/allOf/2/properties/owner"
        )]
    );

    // A member removed from a response schema takes its properties along: breaking.
    let removed = edit(ALL_OF, "        - $ref: '#/components/schemas/Base'\n", "");
    let c = run(ALL_OF, &removed);
    assert_eq!(
        summary(&c),
        vec![
            (
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "listPets",
                "/components/schemas/Base/properties/id"
            ),
            (
                Severity::Breaking,
                ChangeKind::ResponsePropertyRemoved,
                "listPets",
                "/components/schemas/Base/properties/tag"
            ),
        ]
    );

    // Validation keywords of a member count: a bound set in a member of a request
    // property narrows it, and the tightest of several members applies.
    let bounded = |member: &str| {
        edit(
            ALL_OF,
            "            age: {type: integer}\n",
            &format!("            age: {{allOf: [{{type: integer, maximum: 30}}, {member}]}}\n"),
        )
    };
    let loose = bounded("{maximum: 50}");
    let tight = bounded("{maximum: 20}");
    let c = run(&loose, &tight);
    assert_eq!(
        summary(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::ConstraintChanged,
            "createPet",
            "/components/schemas/NewPet/allOf/1/properties/age/allOf/1/maximum"
        )]
    );
    assert_eq!(
        c[0].message,
        "request body: /age: `maximum` changed from 30 to 20"
    );
    assert!(run(&tight, &loose).iter().all(|c| !c.is_breaking()));
    // A member pattern, multipleOf or enum joins the merged schema too.
    for member in [
        "{pattern: '^[0-9]+$'}",
        "{multipleOf: 5}",
        "{enum: [1, 2, 3]}",
        "{minimum: 1, exclusiveMinimum: true}",
    ] {
        let c = run(&loose, &bounded(&format!("{{maximum: 50}}, {member}")));
        assert!(
            !c.is_empty() && c.iter().all(Change::is_breaking),
            "{member}: {c:#?}"
        );
    }
    // Enums of several members intersect: only values every member allows remain.
    let two_enums = bounded("{enum: [1, 2, 3]}, {enum: [2, 3, 4]}");
    let narrower = bounded("{enum: [1, 2, 3]}, {enum: [3, 4]}");
    let c = run(&two_enums, &narrower);
    assert_eq!(
        summary(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::EnumValueRemoved,
            "createPet",
            "/components/schemas/NewPet/allOf/1/properties/age/allOf/1/enum/1"
        )]
    );
    assert_eq!(
        c[0].message,
        "request body: /age: enum value `2` was removed"
    );
}

#[test]
fn property_becoming_read_only_or_write_only_is_named() {
    let new = edit(
        BASE,
        "private: {type: boolean}",
        "private: {type: boolean, readOnly: true}",
    );
    let c = run(BASE, &new);
    let pointer = format!("{CREATE_BODY}/properties/private");
    assert_eq!(
        summary(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::RequestPropertyRemoved,
            "createRepo",
            pointer.as_str()
        )]
    );
    assert_eq!(
        c[0].message,
        "request body: /private: became readOnly: requests may no longer send it"
    );
    // Back to writable: a new optional request property.
    assert_eq!(
        summary(&run(&new, BASE)),
        vec![(
            Severity::Additive,
            ChangeKind::RequestPropertyAdded,
            "createRepo",
            pointer.as_str()
        )]
    );
    let new = edit(
        BASE,
        "        login: {type: string}",
        "        login: {type: string, writeOnly: true}",
    );
    let c = run(BASE, &new);
    assert_eq!(
        of_op(&c, "getRepo"),
        vec![(
            Severity::Breaking,
            ChangeKind::ResponsePropertyRemoved,
            "/components/schemas/User/properties/login"
        )]
    );
    assert_eq!(
        message_of(&c, ChangeKind::ResponsePropertyRemoved, "getRepo"),
        "response 200 body: /owner/login: became writeOnly: responses no longer carry it"
    );
}
