//! The typed entry points: what each builder's `send` returns (`SendSignatures`), where a
//! paginated response's items are (`page_items`), and the `call()`/`call_with()`/`stream()`
//! methods and `Page` impls built from them (`call_methods`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use tether_contract::{Contract, Policy};

use super::naming::{pascal, snake};
use super::syntax::{builder_send, flat, from_types_mod, generic_args};

/// What each builder's `send` returns, and the fields of the generated types: the
/// typed `call`/`stream` methods repeat those types.
#[derive(Default)]
pub(super) struct SendSignatures {
    /// Builder name → (success type, error type), as written inside `mod builder`.
    sends: std::collections::BTreeMap<String, (syn::Type, syn::Type)>,
    /// Struct name in `mod types` → field name → field type.
    fields: std::collections::BTreeMap<String, std::collections::BTreeMap<String, syn::Type>>,
    /// Module path while visiting.
    modules: Vec<String>,
}

impl VisitMut for SendSignatures {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let Some((name, f)) = builder_send(item) else {
            return;
        };
        let syn::ReturnType::Type(_, ty) = &f.sig.output else {
            return;
        };
        // Result<ResponseValue<T>, Error<E>>
        let args = generic_args(ty);
        if let [ok, err] = args.as_slice() {
            if let (Some(t), Some(e)) = (
                generic_args(ok).first().cloned(),
                generic_args(err).first().cloned(),
            ) {
                self.sends.insert(name, (t, e));
            }
        }
    }

    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        self.modules.push(item.ident.to_string());
        syn::visit_mut::visit_item_mod_mut(self, item);
        self.modules.pop();
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        // Only `mod types` itself: `types::builder` has same-named builder structs.
        if self.modules != ["types"] {
            return;
        }
        if let syn::Fields::Named(named) = &item.fields {
            let map = named
                .named
                .iter()
                .filter_map(|f| {
                    Some((
                        f.ident
                            .as_ref()?
                            .to_string()
                            .trim_start_matches("r#")
                            .to_owned(),
                        f.ty.clone(),
                    ))
                })
                .collect();
            self.fields.insert(item.ident.to_string(), map);
        }
    }
}

/// Where the items of a paginated operation's response are.
pub(super) enum PageItems {
    /// The body is the list (`Vec<T>`, which is a `Page` already).
    Body,
    /// A field of the body's struct holds them: `(field, item type, optional)`.
    Field(syn::Ident, Box<syn::Type>, bool),
}

/// The items of `op`'s success type when `op` paginates by the policy and its response is a
/// page: the list itself, the policy's `items_field` (Stripe's `data`), or else the one
/// array property of the body (GitHub's `{total_count, workflow_runs: [...]}`). `None`
/// when the response is no page (SendGrid's `GET /api_keys` takes a `limit` but answers
/// `{result: [...]}` with a sibling array): such an operation gets no `stream()`.
pub(super) fn page_items(
    sends: &SendSignatures,
    policy: &Policy,
    op: &tether_contract::Operation,
) -> Option<PageItems> {
    if !policy.paginates(op) {
        return None;
    }
    let (ok, _) = sends.sends.get(&pascal(&snake(&op.id)))?;
    let syn::Type::Path(p) = ok else { return None };
    let last = p.path.segments.last()?;
    if last.ident == "Vec" {
        return Some(PageItems::Body);
    }
    let fields = sends.fields.get(&last.ident.to_string())?;
    // `(field, item, optional)` for a field of type `Vec<T>` or `Option<Vec<T>>`.
    let list = |ty: &syn::Type| -> Option<(syn::Type, bool)> {
        let syn::Type::Path(p) = ty else { return None };
        let seg = p.path.segments.last()?;
        if seg.ident == "Vec" {
            return Some((generic_args(ty).first()?.clone(), false));
        }
        if seg.ident == "Option" {
            let inner = generic_args(ty).first()?.clone();
            let syn::Type::Path(ip) = &inner else {
                return None;
            };
            if ip.path.segments.last()?.ident == "Vec" {
                return Some((generic_args(&inner).first()?.clone(), true));
            }
        }
        None
    };
    let named = |name: &str| {
        let ty = fields.get(name)?;
        let (item, optional) = list(ty)?;
        Some(PageItems::Field(
            format_ident!("{}", name),
            Box::new(item),
            optional,
        ))
    };
    if let Some(items_field) = &policy.pagination.items_field {
        if let Some(found) = named(items_field) {
            return Some(found);
        }
    }
    let mut arrays = fields.iter().filter(|(_, ty)| list(ty).is_some());
    match (arrays.next(), arrays.next()) {
        (Some((name, _)), None) => named(name),
        _ => None,
    }
}

/// `call()`, `call_with(options)` on every builder and `stream()` on paginated ones:
/// the typed entry points through the runtime, each through the builder's
/// `send_direct`/`read_direct` ([`DirectSends`]).
///
/// [`DirectSends`]: super::direct::DirectSends
pub(super) fn call_methods(
    contract: &Contract,
    policy: &Policy,
    sends: &SendSignatures,
) -> TokenStream {
    let items = contract.doc.operations.iter().filter_map(|op| {
        let rust_name = snake(&op.id);
        let builder_name = pascal(&rust_name);
        let (ok, err) = sends.sends.get(&builder_name)?;
        let builder = format_ident!("{}", builder_name);
        // Progenitor's request building, then the engine, then the body decoded once.
        // The `Direct` is made before the block, so the block holds it (options
        // included) once rather than the options and then the `Direct` as well.
        let body = quote! {
            let mut call = tether_runtime::call::Direct::new(&DEFAULTS, #rust_name, options);
            async move {
                let result = match self.send_direct(&mut call).await {
                    Ok(answer) => Self::read_direct(answer),
                    Err(e) => Err(e),
                };
                call.finish(result)
            }
        };
        let call = quote! {
            /// Send through the Tether runtime (auth, limits, retries, validation,
            /// telemetry) and get [`tether_runtime::Error`] on failure.
            pub fn call(
                self,
            ) -> impl ::std::future::Future<
                Output = Result<ResponseValue<#ok>, tether_runtime::Error<#err>>,
            > + 'a {
                self.call_with(tether_runtime::CallOptions::new())
            }
            /// Like `call`, with per-call options (idempotency key, correlation id,
            /// validation mode, deadline).
            pub fn call_with(
                self,
                options: tether_runtime::CallOptions,
            ) -> impl ::std::future::Future<
                Output = Result<ResponseValue<#ok>, tether_runtime::Error<#err>>,
            > + 'a {
                #body
            }
        };
        let stream = page_items(sends, policy, op).is_some().then(|| {
            quote! {
                /// Every item of every page, following the provider's pagination; the
                /// page size is the policy's maximum unless set on the builder.
                pub fn stream(
                    self,
                ) -> impl tether_runtime::futures::Stream<
                    Item = Result<<#ok as tether_runtime::Page>::Item, tether_runtime::Error<#err>>,
                > + 'a {
                    tether_runtime::paginate::stream(
                        self,
                        |b: Self, options| async move {
                            let mut call =
                                tether_runtime::call::Direct::new(&DEFAULTS, #rust_name, options);
                            let result = match b.send_direct(&mut call).await {
                                Ok(answer) => Self::read_direct(answer),
                                Err(e) => Err(e),
                            };
                            call.finish_page(result)
                        },
                        tether_runtime::CallOptions::new(),
                    )
                }
            }
        });
        Some(quote! {
            impl<'a> builder::#builder<'a> {
                #call
                #stream
            }
        })
    });
    // Object-wrapped list pages (Stripe `{data: [...], has_more}`, GitHub's
    // `{total_count, workflow_runs: [...]}`) get a `Page` impl, once per type.
    let mut paged = std::collections::BTreeSet::new();
    let pages: Vec<TokenStream> = contract
        .doc
        .operations
        .iter()
        .filter_map(|op| {
            let PageItems::Field(field, item, optional) = page_items(sends, policy, op)? else {
                return None;
            };
            let (ok, _) = sends.sends.get(&pascal(&snake(&op.id)))?;
            if !paged.insert(flat(ok)) {
                return None;
            }
            let item = from_types_mod(&item);
            let items = if optional {
                quote!(self.#field.unwrap_or_default())
            } else {
                quote!(self.#field)
            };
            Some(quote! {
                impl tether_runtime::Page for #ok {
                    type Item = #item;
                    fn into_items(self) -> Vec<Self::Item> {
                        #items
                    }
                }
            })
        })
        .collect();
    quote! {
        #(#items)*
        #(#pages)*
    }
}
