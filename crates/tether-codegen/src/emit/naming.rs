//! progenitor's names for an operation's method and builder, repeated here to find them.

/// progenitor's operation naming (`util::sanitize` with `Case::Snake`): characters that
/// cannot continue an identifier become `-`, then heck's snake case.
/// progenitor's name for an operation's method (`sanitize(id, Case::Snake)` in
/// progenitor-impl 0.15.1's `util.rs`): snake case of the id with characters that cannot
/// continue an identifier made `-`; `_` in front of a leading digit; `_` after a keyword.
pub(super) fn snake(id: &str) -> String {
    use heck::ToSnakeCase;
    sanitize(id, str::to_snake_case)
}

/// progenitor's name for an operation's builder: its method name, sanitized in Pascal case.
pub(super) fn pascal(snake: &str) -> String {
    use heck::ToPascalCase;
    sanitize(snake, str::to_pascal_case)
}

fn sanitize(input: &str, to_case: fn(&str) -> String) -> String {
    let out = match input {
        "+1" => "plus1".to_owned(),
        "-1" => "minus1".to_owned(),
        _ => to_case(
            &input
                .replace('\'', "")
                .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => to_case("x"),
        Some(c) if c.is_alphabetic() || c == '_' => out,
        Some(_) => format!("_{out}"),
    };
    // A keyword (`type`, `match`) is not an identifier: progenitor appends `_`.
    if syn::parse_str::<syn::Ident>(&out).is_ok() {
        out
    } else {
        format!("{out}_")
    }
}

#[cfg(test)]
mod tests {
    use super::snake;

    #[test]
    fn snake_matches_progenitor_names() {
        assert_eq!(snake("repos/get"), "repos_get");
        assert_eq!(
            snake("repos/list-for-authenticated-user"),
            "repos_list_for_authenticated_user"
        );
        assert_eq!(snake("GetCustomersCustomer"), "get_customers_customer");
        assert_eq!(snake("PostCustomers"), "post_customers");
        // Halo's ids are hex: a leading digit gets `_`, as progenitor names them.
        assert_eq!(
            snake("58acde292109180bdcacc40e"),
            "_58acde292109180bdcacc40e"
        );
        assert_eq!(
            super::pascal(&snake("58acde292109180bdcacc40e")),
            "_58acde292109180bdcacc40e"
        );
        assert_eq!(snake("type"), "type_");
    }
}
