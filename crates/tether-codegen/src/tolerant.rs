//! Response enums that read values the contract does not list.
//!
//! typify makes every string `enum` a closed Rust enum, so a value a provider adds (GitHub
//! and Stripe add them routinely) fails the typed decode of the whole response. Each
//! unit-only enum reachable from a response type (a `send()`'s success or error type,
//! through struct fields, newtypes and enum payloads) gets an `Unknown(String)` variant
//! (`UnknownValue` when the enum already has an `Unknown`), as smithy-rs does: serde,
//! `Display` and `FromStr` go through one generated `from_wire`/`as_str` pair, so the
//! original text round-trips. Enums only requests use stay closed: a caller cannot send a
//! value the contract does not list by accident.
//!
//! Everything is recognised by syntax-tree shape (a `mod types` enum whose variants carry
//! no fields, impls by their trait's last path segment), not by the text progenitor or
//! typify print.

use std::collections::{BTreeMap, BTreeSet};

use quote::format_ident;
use syn::visit::Visit;

/// Apply the rewrite to the generated file; returns the enums made tolerant, by name, with
/// the name of their unknown variant.
pub(crate) fn apply(file: &mut syn::File) -> BTreeMap<String, String> {
    let roots = response_types(file);
    let Some(types) = types_mut(&mut file.items) else {
        return BTreeMap::new();
    };
    let reachable = reachable(types, roots);
    let mut made = BTreeMap::new();
    let mut opened = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Enum(en) = item else { continue };
        let name = en.ident.to_string();
        if !reachable.contains(&name) {
            continue;
        }
        if let Some((unknown, known)) = open_enum(en) {
            opened.extend(impls(&en.ident, &unknown, &known));
            made.insert(name, unknown);
        }
    }
    if made.is_empty() {
        return made;
    }
    // typify's `Display` and `FromStr` match every variant; they are replaced below.
    types.retain(|item| match item {
        syn::Item::Impl(imp) => {
            !(is_named(&imp.self_ty, &made)
                && trait_name(imp).is_some_and(|t| t == "Display" || t == "FromStr"))
        }
        _ => true,
    });
    types.extend(opened);
    made
}

/// `mod types`' items.
fn types_mut(items: &mut [syn::Item]) -> Option<&mut Vec<syn::Item>> {
    items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The last path segment of an impl's trait (`Display` for `::std::fmt::Display`).
fn trait_name(imp: &syn::ItemImpl) -> Option<String> {
    imp.trait_
        .as_ref()
        .and_then(|(_, path, _)| path.segments.last())
        .map(|s| s.ident.to_string())
}

fn is_named(ty: &syn::Type, names: &BTreeMap<String, String>) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.len() == 1
        && names.contains_key(&p.path.segments[0].ident.to_string()))
}

/// Every identifier used as a path segment inside a syntax node (type names, generic
/// arguments, `types::X`).
#[derive(Default)]
struct Idents(BTreeSet<String>);

impl Visit<'_> for Idents {
    fn visit_path_segment(&mut self, seg: &syn::PathSegment) {
        self.0.insert(seg.ident.to_string());
        syn::visit::visit_path_segment(self, seg);
    }
}

/// The type names in the return types of every async `send` (its success and error types).
fn response_types(file: &syn::File) -> BTreeSet<String> {
    #[derive(Default)]
    struct Sends(Idents);
    impl Visit<'_> for Sends {
        fn visit_impl_item_fn(&mut self, f: &syn::ImplItemFn) {
            if f.sig.ident == "send" && f.sig.asyncness.is_some() {
                self.0.visit_return_type(&f.sig.output);
            }
        }
    }
    let mut sends = Sends::default();
    sends.visit_file(file);
    sends.0 .0
}

/// The `mod types` item names reachable from `roots` through struct fields and enum
/// payloads (the builder submodule is not followed).
fn reachable(types: &[syn::Item], roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in types {
        let (name, fields): (String, Vec<&syn::Field>) = match item {
            syn::Item::Struct(st) => (st.ident.to_string(), st.fields.iter().collect()),
            syn::Item::Enum(en) => (
                en.ident.to_string(),
                en.variants.iter().flat_map(|v| v.fields.iter()).collect(),
            ),
            _ => continue,
        };
        let mut idents = Idents::default();
        for field in fields {
            idents.visit_type(&field.ty);
        }
        uses.insert(name, idents.0);
    }
    let mut seen = BTreeSet::new();
    let mut queue: Vec<String> = roots.into_iter().filter(|r| uses.contains_key(r)).collect();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        for next in uses.get(&name).into_iter().flatten() {
            if uses.contains_key(next) && !seen.contains(next) {
                queue.push(next.clone());
            }
        }
    }
    seen
}

/// The wire value of a unit variant: its `#[serde(rename = "…")]`, else its name.
fn wire_value(variant: &syn::Variant) -> Option<String> {
    let mut value = None;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                value = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Another `key = value` (none expected): read past it.
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    value.or_else(|| Some(variant.ident.to_string()))
}

/// Make a unit-only enum with serde derives open: drop `Copy` and the serde derives and
/// attributes (hand-written impls replace them), add the unknown variant. Returns the
/// unknown variant's name and each listed variant with its wire value; `None` (enum left
/// as it is) for an enum of another shape.
fn open_enum(en: &mut syn::ItemEnum) -> Option<(String, Vec<(syn::Ident, String)>)> {
    if en.variants.is_empty() || en.variants.iter().any(|v| !v.fields.is_empty()) {
        return None;
    }
    let derives_serde = en.attrs.iter().any(|a| {
        a.path().is_ident("derive") && {
            let mut found = false;
            let _ = a.parse_nested_meta(|m| {
                found |= m
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Deserialize");
                Ok(())
            });
            found
        }
    });
    // An enum-level `#[serde(...)]` (e.g. `untagged`, `rename_all`) is not typify's plain
    // string enum.
    if !derives_serde || en.attrs.iter().any(|a| a.path().is_ident("serde")) {
        return None;
    }
    let unknown = if en.variants.iter().any(|v| v.ident == "Unknown") {
        "UnknownValue"
    } else {
        "Unknown"
    };
    for attr in en.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let mut kept: Vec<syn::Path> = Vec::new();
        let _ = attr.parse_nested_meta(|m| {
            let last = m.path.segments.last().map(|s| s.ident.to_string());
            if !matches!(last.as_deref(), Some("Copy" | "Serialize" | "Deserialize")) {
                kept.push(m.path.clone());
            }
            Ok(())
        });
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    let known: Vec<(syn::Ident, String)> = en
        .variants
        .iter()
        .filter_map(|v| wire_value(v).map(|w| (v.ident.clone(), w)))
        .collect();
    for variant in en.variants.iter_mut() {
        variant.attrs.retain(|a| !a.path().is_ident("serde"));
    }
    let ident = format_ident!("{unknown}");
    en.variants.push(syn::parse_quote! {
        /// A value the contract does not list, as the provider sent it (reported as
        /// drift by validation; see `tether_runtime::tolerant`).
        #ident(::std::string::String)
    });
    Some((unknown.to_owned(), known))
}

/// `as_str`/`from_wire`, serde, `Display` and `FromStr` for an opened enum.
fn impls(name: &syn::Ident, unknown: &str, known: &[(syn::Ident, String)]) -> Vec<syn::Item> {
    let unknown = format_ident!("{unknown}");
    let idents: Vec<&syn::Ident> = known.iter().map(|(i, _)| i).collect();
    let values: Vec<&String> = known.iter().map(|(_, w)| w).collect();
    let file: syn::File = syn::parse_quote! {
        impl #name {
            /// The value as the provider writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #values,)*
                    Self::#unknown(value) => value.as_str(),
                }
            }

            /// A wire value: its variant, or the unknown variant holding it.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    #(#values => Self::#idents,)*
                    other => Self::#unknown(other.to_owned()),
                }
            }

            /// Whether the contract does not list this value.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::#unknown(_))
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::tether_runtime::tolerant::deserialize(deserializer, Self::from_wire)
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for #name {
            type Err = self::error::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                Ok(Self::from_wire(value))
            }
        }
    };
    file.items
}

#[cfg(test)]
mod tests {
    use super::*;

    /// typify's shape for a string enum, as progenitor 0.15.1 emits it.
    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
                pub enum State {
                    #[serde(rename = "open")]
                    Open,
                    #[serde(rename = "unknown")]
                    Unknown,
                }
                impl ::std::fmt::Display for State {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self { Self::Open => f.write_str("open"), Self::Unknown => f.write_str("unknown") }
                    }
                }
                impl ::std::str::FromStr for State {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value { "open" => Ok(Self::Open), _ => Err("invalid value".into()) }
                    }
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Direction {
                    #[serde(rename = "asc")]
                    Asc,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Issue {
                    pub state: ::std::option::Option<State>,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum Label { Name(::std::string::String), Other(Issue) }
            }
            pub mod builder {
                impl<'a> IssuesGet<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Issue>, Error<()>> { todo!() }
                }
                impl<'a> IssuesList<'a> {
                    pub fn direction(mut self, v: types::Direction) -> Self { self }
                }
            }
        }
    }

    #[test]
    fn response_enums_open_and_request_enums_stay_closed() {
        let mut file = generated();
        let made = apply(&mut file);
        assert_eq!(
            made,
            BTreeMap::from([("State".to_owned(), "UnknownValue".to_owned())])
        );
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("UnknownValue(::std::string::String)"),
            "{text}"
        );
        assert!(
            !text.contains("Err(\"invalid value\""),
            "typify's FromStr is replaced"
        );
        assert!(text.contains("\"unknown\" => Self::Unknown,"), "{text}");
        // Direction is only a request parameter: closed, derives untouched.
        let direction = text.split("pub enum Direction").next().unwrap();
        assert!(direction.ends_with("Copy, Debug)]\n    "), "{direction}");
        // Label is untagged (not a plain string enum): unchanged.
        assert!(text.contains("#[serde(untagged)]\n    pub enum Label"));
    }
}
