//! Large generated structs boxed where another struct holds them (`BoxLargeFields`),
//! with typify's builder conversions adjusted to match.

use syn::visit_mut::VisitMut;

use super::syntax::generic_args;

/// A generated struct with at least this many fields is boxed where another struct holds
/// it (GitHub's `Repository`: ~90 fields, 2,136 bytes).
const BOX_FIELDS_AT: usize = 32;

/// typify embeds nested structs by value, so a response type is as large as everything it
/// contains: most of GitHub's `FullRepository` was its `parent`, `source` and
/// `template_repository` repositories held by value, and every move of a typed response
/// (each async layer between `serde_json` and the caller) copied all of it (BENCHMARKS.md
/// § Runtime). Fields in `mod types` whose type is a large generated struct — directly, in
/// an `Option`, or behind a one-field newtype such as `NullableRepository` — become
/// `Box<T>` / `Option<Box<T>>`, as octocrab's models hold a repository's parent and source;
/// typify's builder conversions in `types::builder` are adjusted to match. Reading through
/// a `Box` is unchanged (`repo.parent.as_ref().map(|p| &p.name)`), and serde reads and
/// writes the same JSON.
#[derive(Default)]
pub(super) struct BoxLargeFields {
    /// Type names (in `mod types`) that are boxed where a field holds them.
    large: std::collections::BTreeSet<String>,
    /// Struct → field → whether the field is an `Option` (its box is inside it).
    boxed: std::collections::BTreeMap<String, std::collections::BTreeMap<String, bool>>,
}

impl BoxLargeFields {
    /// The large structs among `mod types`' items, and the one-field newtypes around them.
    fn find_large(&mut self, types: &[syn::Item]) {
        let mut newtypes = Vec::new();
        for item in types {
            let syn::Item::Struct(st) = item else {
                continue;
            };
            match &st.fields {
                syn::Fields::Named(n) if n.named.len() >= BOX_FIELDS_AT => {
                    self.large.insert(st.ident.to_string());
                }
                syn::Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                    newtypes.push((st.ident.to_string(), u.unnamed[0].ty.clone()));
                }
                _ => {}
            }
        }
        for (name, inner) in newtypes {
            if self.large_inner(&inner).is_some() {
                self.large.insert(name);
            }
        }
    }

    /// `Some(is_option)` when `ty` is a large type, or an `Option` of one.
    fn large_inner(&self, ty: &syn::Type) -> Option<bool> {
        let syn::Type::Path(p) = ty else { return None };
        let last = p.path.segments.last()?;
        if last.ident == "Option" {
            let inner = generic_args(ty).into_iter().next()?;
            return self
                .large_inner(&inner)
                .filter(|is_option| !is_option)
                .map(|_| true);
        }
        (last.arguments.is_empty() && self.large.contains(&last.ident.to_string())).then_some(false)
    }
}

impl BoxLargeFields {
    /// Box the fields in `mod types`' structs, then patch `mod types::builder`'s
    /// conversions to match.
    pub(super) fn apply(&mut self, file: &mut syn::File) {
        let Some(types) = items_of(&mut file.items, "types") else {
            return;
        };
        self.find_large(types);
        for item in types.iter_mut() {
            if let syn::Item::Struct(st) = item {
                self.box_fields(st);
            }
        }
        let Some(builder) = items_of(types, "builder") else {
            return;
        };
        for item in builder.iter_mut() {
            if let syn::Item::Impl(imp) = item {
                self.patch_conversion(imp);
            }
        }
    }

    fn box_fields(&mut self, item: &mut syn::ItemStruct) {
        let syn::Fields::Named(named) = &mut item.fields else {
            return;
        };
        for field in &mut named.named {
            let (Some(ident), Some(is_option)) = (&field.ident, self.large_inner(&field.ty)) else {
                continue;
            };
            let ty = &field.ty;
            field.ty = if is_option {
                let inner = generic_args(ty).into_iter().next();
                syn::parse_quote!(::std::option::Option<::std::boxed::Box<#inner>>)
            } else {
                syn::parse_quote!(::std::boxed::Box<#ty>)
            };
            self.boxed
                .entry(item.ident.to_string())
                .or_default()
                .insert(ident.to_string(), is_option);
        }
    }

    /// typify's `TryFrom<builder::X> for super::X` (box what the builder holds) and
    /// `From<super::X> for builder::X` (unbox it again).
    fn patch_conversion(&self, item: &mut syn::ItemImpl) {
        let Some((_, trait_path, _)) = &item.trait_ else {
            return;
        };
        let Some(last) = trait_path.segments.last() else {
            return;
        };
        let into_type = match last.ident.to_string().as_str() {
            "TryFrom" => true,
            "From" => false,
            _ => return,
        };
        // The struct is the generated type on one side of the conversion.
        let struct_name = match &*item.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let Some(fields) = struct_name.and_then(|n| self.boxed.get(&n)).cloned() else {
            return;
        };
        RewriteFieldValues { fields, into_type }.visit_item_impl_mut(item);
    }
}

/// The items of the inline module `name` among `items`.
fn items_of<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// Rewrites the field values of the struct expression in one conversion impl.
struct RewriteFieldValues {
    fields: std::collections::BTreeMap<String, bool>,
    into_type: bool,
}

impl VisitMut for RewriteFieldValues {
    fn visit_field_value_mut(&mut self, fv: &mut syn::FieldValue) {
        let syn::Member::Named(ident) = &fv.member else {
            return;
        };
        let Some(&is_option) = self.fields.get(&ident.to_string()) else {
            return;
        };
        let expr = &fv.expr;
        fv.expr = match (self.into_type, is_option) {
            // `field: value.field?` → boxed
            (true, true) => syn::parse_quote!((#expr).map(::std::boxed::Box::new)),
            (true, false) => syn::parse_quote!(::std::boxed::Box::new(#expr)),
            // `field: Ok(value.field)` → unboxed
            (false, true) => syn::parse_quote!(Ok(value.#ident.map(|b| *b))),
            (false, false) => syn::parse_quote!(Ok(*value.#ident)),
        };
    }
}
