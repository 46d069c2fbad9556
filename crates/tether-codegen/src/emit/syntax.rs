//! Small syntax helpers the passes share.

use proc_macro2::TokenStream;
use quote::quote;

/// The builder an impl block is for, and its `async fn send`, if it has one.
pub(super) fn builder_send(item: &syn::ItemImpl) -> Option<(String, &syn::ImplItemFn)> {
    let syn::Type::Path(p) = &*item.self_ty else {
        return None;
    };
    let name = p.path.segments.last()?.ident.to_string();
    item.items.iter().find_map(|i| match i {
        syn::ImplItem::Fn(f) if f.sig.ident == "send" && f.sig.asyncness.is_some() => {
            Some((name.clone(), f))
        }
        _ => None,
    })
}

/// Tokens as text without spaces (how `direct_send` recognises progenitor's statements).
pub(super) fn flat(tokens: &dyn quote::ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

pub(super) fn generic_args(ty: &syn::Type) -> Vec<syn::Type> {
    let syn::Type::Path(p) = ty else {
        return Vec::new();
    };
    let Some(last) = p.path.segments.last() else {
        return Vec::new();
    };
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return Vec::new();
    };
    a.args
        .iter()
        .filter_map(|g| match g {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// A type written inside `mod types` (`Customer`), as seen from the crate root.
pub(super) fn from_types_mod(ty: &syn::Type) -> TokenStream {
    if let syn::Type::Path(p) = ty {
        if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
            return quote!(types::#ty);
        }
    }
    quote!(#ty)
}
