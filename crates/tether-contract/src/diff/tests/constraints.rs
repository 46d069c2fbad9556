//! Tests of `enum` values and validation keywords (bounds and their exclusive flags,
//! `pattern`, `multipleOf`, `uniqueItems`).

use super::*;

#[test]
fn enum_value_removed_from_request_parameter_is_breaking() {
    let new = edit(BASE, "enum: [open, closed, all]", "enum: [open, closed]");
    let changes = run(BASE, &new);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::EnumValueRemoved,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/parameters/1/schema/enum/2"
        )]
    );
    assert_eq!(
        changes[0].message,
        "query parameter `state`: /: enum value `all` was removed"
    );
    // Adding it back is additive.
    assert_eq!(
        summary(&run(&new, BASE)),
        vec![(
            Severity::Additive,
            ChangeKind::EnumValueAdded,
            "getRepo",
            "/paths/~1repos~1{owner}~1{repo}/get/parameters/1/schema/enum/2"
        )]
    );
}

#[test]
fn enum_value_removed_from_request_body_is_breaking() {
    let new = edit(BASE, "enum: [web, cli]", "enum: [web]");
    assert_eq!(
            summary(&run(BASE, &new)),
            vec![(
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/topic/enum/1"
            )]
        );
    // Adding an enum constraint to a free request string narrows it: breaking,
    // pointing at the old schema.
    let old = edit(
        BASE,
        "topic: {type: string, enum: [web, cli]}",
        "topic: {type: string}",
    );
    assert_eq!(
            summary(&run(&old, BASE)),
            vec![(
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/topic"
            )]
        );
    // Dropping it again widens the request: additive.
    assert!(run(BASE, &old).iter().all(|c| !c.is_breaking()));
}

#[test]
fn enum_value_added_to_a_response_is_breaking_removed_is_not() {
    let removed = edit(BASE, "enum: [public, private]", "enum: [public]");
    let changes = run(BASE, &removed);
    assert_eq!(changes.len(), 2);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::EnumValueRemoved
            && !c.is_breaking()
            && c.pointer == "/components/schemas/Repo/properties/visibility/enum/1"));
    let added = edit(
        BASE,
        "enum: [public, private]",
        "enum: [public, private, internal]",
    );
    let changes = run(BASE, &added);
    // Once per operation returning a Repo (getRepo 200, createRepo 201); generated
    // response enums read the new value into `Unknown(String)`.
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c.kind == ChangeKind::EnumValueAdded
        && !c.is_breaking()
        && c.pointer == "/components/schemas/Repo/properties/visibility/enum/2"));
    // Dropping the enum in a response: any string may now come back.
    let dropped = edit(
        BASE,
        "visibility: {type: string, enum: [public, private]}",
        "visibility: {type: string}",
    );
    let changes = run(BASE, &dropped);
    assert_eq!(changes.len(), 2);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::EnumValueAdded && c.is_breaking()));
}

#[test]
fn enum_value_added_to_a_request_is_not_breaking() {
    let added = edit(BASE, "enum: [web, cli]", "enum: [web, cli, api]");
    assert_eq!(
            summary(&run(BASE, &added)),
            vec![(
                Severity::Additive,
                ChangeKind::EnumValueAdded,
                "createRepo",
                "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/topic/enum/2"
            )]
        );
}

#[test]
fn constraints_narrowed_in_a_request_break() {
    let limited = edit(
        BASE,
        "name: {type: string}",
        "name: {type: string, maxLength: 100}",
    );
    let tighter = edit(
        BASE,
        "name: {type: string}",
        "name: {type: string, maxLength: 50}",
    );
    let prop =
        "/paths/~1user~1repos/post/requestBody/content/application~1json/schema/properties/name";
    let max = format!("{prop}/maxLength");
    // Set where there was none, and lowered: narrowed, breaking in a request.
    for (old, new) in [(BASE, &limited), (&limited, &tighter)] {
        assert_eq!(
            summary(&run(old, new)),
            vec![(
                Severity::Breaking,
                ChangeKind::ConstraintChanged,
                "createRepo",
                max.as_str()
            )]
        );
    }
    // Raised and removed: widened, fine in a request.
    for (old, new) in [(&tighter, &limited), (&limited, &BASE.to_owned())] {
        assert_eq!(
            summary(&run(old, new)),
            vec![(
                Severity::Additive,
                ChangeKind::ConstraintChanged,
                "createRepo",
                max.as_str()
            )]
        );
    }
    let minimum = edit(
        BASE,
        "size: {type: integer}",
        "size: {type: integer, minimum: 1}",
    );
    let c = run(BASE, &minimum);
    assert_eq!(breaking(&c).len(), 1, "{c:#?}");
    assert!(c[0].message.contains("`minimum` changed from none to 1"));
    let pattern = edit(
        BASE,
        "name: {type: string}",
        "name: {type: string, pattern: '^[a-z]+$'}",
    );
    let changed = edit(
        BASE,
        "name: {type: string}",
        "name: {type: string, pattern: '^[a-z0-9]+$'}",
    );
    assert!(run(BASE, &pattern).iter().all(Change::is_breaking));
    assert!(run(&pattern, &changed).iter().all(Change::is_breaking));
    assert!(run(&pattern, BASE).iter().all(|c| !c.is_breaking()));
}

#[test]
fn constraints_widened_in_a_response_break() {
    let limited = edit(
        BASE,
        "login: {type: string}",
        "login: {type: string, maxLength: 39}",
    );
    let wider = edit(
        BASE,
        "login: {type: string}",
        "login: {type: string, maxLength: 100}",
    );
    let c = run(&limited, &wider);
    assert!(
        !c.is_empty()
            && c.iter().all(|c| c.is_breaking()
                && c.kind == ChangeKind::ConstraintChanged
                && c.pointer == "/components/schemas/User/properties/login/maxLength"),
        "{c:#?}"
    );
    // Narrowing a response is safe.
    assert!(run(&wider, &limited).iter().all(|c| !c.is_breaking()));
    let items = edit(
        BASE,
        "        labels:\n          type: array\n",
        "        labels:\n          type: array\n          minItems: 1\n",
    );
    let c = run(&items, BASE);
    assert!(!c.is_empty() && c.iter().all(|c| c.is_breaking()), "{c:#?}");
}

#[test]
fn exclusive_bounds_follow_the_direction_of_minimum_and_maximum() {
    let size = format!("{CREATE_BODY}/properties/size");
    // Request: `minimum: 1` becoming exclusive narrows what the server accepts.
    let inclusive = edit(
        BASE,
        "size: {type: integer}",
        "size: {type: integer, minimum: 1}",
    );
    let exclusive = edit(
        BASE,
        "size: {type: integer}",
        "size: {type: integer, minimum: 1, exclusiveMinimum: true}",
    );
    let pointer = format!("{size}/exclusiveMinimum");
    let changes = run(&inclusive, &exclusive);
    assert_eq!(
        summary(&changes),
        vec![(
            Severity::Breaking,
            ChangeKind::ConstraintChanged,
            "createRepo",
            pointer.as_str()
        )]
    );
    assert_eq!(
        changes[0].message,
        "request body: /size: `exclusiveMinimum` changed from false to true (bound 1)"
    );
    // ... and the reverse widens it (the pointer is into the old document, which has
    // the flag).
    let back = run(&exclusive, &inclusive);
    assert!(yaml(&exclusive).pointer(&back[0].pointer).is_some());
    assert_eq!(
        summary(&back),
        vec![(
            Severity::Additive,
            ChangeKind::ConstraintChanged,
            "createRepo",
            pointer.as_str()
        )]
    );
    // An exclusive bound that moves outward is wider than an inclusive one inside it.
    let exclusive_zero = edit(
        BASE,
        "size: {type: integer}",
        "size: {type: integer, minimum: 0, exclusiveMinimum: true}",
    );
    let c = run(&inclusive, &exclusive_zero);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert!(!c[0].is_breaking(), "{c:#?}");
    assert_eq!(
        c[0].message,
        "request body: /size: `minimum` changed from 1 to 0 (exclusive)"
    );

    // Response: becoming exclusive narrows what the client receives (fine), the
    // reverse widens it (breaking).
    let id = "/components/schemas/Repo/properties/id";
    let max = edit(
        BASE,
        "        id: {type: integer}",
        "        id: {type: integer, maximum: 100}",
    );
    let max_exclusive = edit(
        BASE,
        "        id: {type: integer}",
        "        id: {type: integer, maximum: 100, exclusiveMaximum: true}",
    );
    let pointer = format!("{id}/exclusiveMaximum");
    assert_eq!(
        of_op(&run(&max, &max_exclusive), "getRepo"),
        vec![(
            Severity::Additive,
            ChangeKind::ConstraintChanged,
            pointer.as_str()
        )]
    );
    assert_eq!(
        of_op(&run(&max_exclusive, &max), "getRepo"),
        vec![(
            Severity::Breaking,
            ChangeKind::ConstraintChanged,
            pointer.as_str()
        )]
    );
}

#[test]
fn multiple_of_added_or_changed() {
    let size = format!("{CREATE_BODY}/properties/size/multipleOf");
    let with = |m: &str| {
        edit(
            BASE,
            "size: {type: integer}",
            &format!("size: {{type: integer, multipleOf: {m}}}"),
        )
    };
    let (two, four, three) = (with("2"), with("4"), with("3"));
    let request = |old: &str, new: &str| run(old, new);
    // Added, or made stricter (every multiple of 4 is one of 2, not the other way):
    // narrowed, breaking in a request.
    for (old, new) in [(BASE, &two), (&two, &four), (&two, &three)] {
        assert_eq!(
            summary(&request(old, new)),
            vec![(
                Severity::Breaking,
                ChangeKind::ConstraintChanged,
                "createRepo",
                size.as_str()
            )],
            "{old} -> {new}"
        );
    }
    // Relaxed or dropped: widened, fine in a request.
    let relaxed = request(&four, &two);
    assert_eq!(
        summary(&relaxed),
        vec![(
            Severity::Additive,
            ChangeKind::ConstraintChanged,
            "createRepo",
            size.as_str()
        )]
    );
    assert_eq!(
        relaxed[0].message,
        "request body: /size: `multipleOf` changed from 4 to 2"
    );
    assert!(request(&two, BASE).iter().all(|c| !c.is_breaking()));
    assert_eq!(request(&two, &two), vec![]);

    // Response: relaxing breaks a client that relied on the stricter values.
    let id = |m: &str| {
        edit(
            BASE,
            "        id: {type: integer}",
            &format!("        id: {{type: integer, multipleOf: {m}}}"),
        )
    };
    let c = run(&id("4"), &id("2"));
    assert_eq!(
        of_op(&c, "getRepo"),
        vec![(
            Severity::Breaking,
            ChangeKind::ConstraintChanged,
            "/components/schemas/Repo/properties/id/multipleOf"
        )]
    );
    assert!(run(&id("2"), &id("4")).iter().all(|c| !c.is_breaking()));
}

#[test]
fn unique_items_added_breaks_requests_only() {
    let tags = "                size: {type: integer}\n";
    let plain = edit(
            BASE,
            tags,
            "                size: {type: integer}\n                tags: {type: array, items: {type: string}}\n",
        );
    let unique = edit(
            BASE,
            tags,
            "                size: {type: integer}\n                tags: {type: array, items: {type: string}, uniqueItems: true}\n",
        );
    let pointer = format!("{CREATE_BODY}/properties/tags/uniqueItems");
    let c = run(&plain, &unique);
    assert_eq!(
        summary(&c),
        vec![(
            Severity::Breaking,
            ChangeKind::ConstraintChanged,
            "createRepo",
            pointer.as_str()
        )]
    );
    assert_eq!(
        c[0].message,
        "request body: /tags: `uniqueItems` became true: repeated items are no longer allowed"
    );
    assert_eq!(
        summary(&run(&unique, &plain)),
        vec![(
            Severity::Additive,
            ChangeKind::ConstraintChanged,
            "createRepo",
            pointer.as_str()
        )]
    );
    // `uniqueItems: false` is the default: no change.
    let explicit_false = edit(
            BASE,
            tags,
            "                size: {type: integer}\n                tags: {type: array, items: {type: string}, uniqueItems: false}\n",
        );
    assert_eq!(run(&plain, &explicit_false), vec![]);

    // Response: added is a narrowing (fine), dropped a widening (breaking).
    let labels = "        labels:\n          type: array\n";
    let unique_labels = edit(
        BASE,
        labels,
        "        labels:\n          type: array\n          uniqueItems: true\n",
    );
    let pointer = "/components/schemas/Repo/properties/labels/uniqueItems";
    assert_eq!(
        of_op(&run(BASE, &unique_labels), "getRepo"),
        vec![(Severity::Additive, ChangeKind::ConstraintChanged, pointer)]
    );
    assert_eq!(
        of_op(&run(&unique_labels, BASE), "getRepo"),
        vec![(Severity::Breaking, ChangeKind::ConstraintChanged, pointer)]
    );
}
