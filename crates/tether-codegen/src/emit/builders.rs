//! Builder rewrites: progenitor's `Client::new` removed (Tether's `Client::new(base_url)`
//! replaces it), and builders' required parameters started without a heap string.

use quote::format_ident;
use syn::visit_mut::VisitMut;

use crate::shape;

/// progenitor's `Client::new(baseurl, inner)` hard-codes 15 s timeouts and unwraps;
/// Tether's `Client::new(base_url)` (policy timeouts, no inner argument) replaces it.
pub(super) struct RemoveProgenitorNew;

impl VisitMut for RemoveProgenitorNew {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let is_client = item.trait_.is_none()
            && matches!(&*item.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if is_client {
            item.items
                .retain(|i| !matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
        }
    }
}

/// progenitor's builder `new()` starts each required parameter as
/// `Err("owner was not initialized".to_string())`: two heap strings per call of a
/// two-parameter operation, made and dropped on every call that sets them (BENCHMARKS.md
/// § Runtime). Here `new()` starts them as `Err(String::new())` (no allocation), and
/// `send()` (which `send_direct` is derived from) puts the same message in when a
/// parameter was never set (its error is empty). A setter's conversion failure keeps
/// its own (never empty) message. A builder whose `send()` does not read every such
/// field in progenitor's `let f = f.map_err(Error::InvalidRequest)?;` is left as it is.
pub(super) struct LazyUninitialized;

/// The method `name` of an impl block.
fn method_mut<'a>(item: &'a mut syn::ItemImpl, name: &str) -> Option<&'a mut syn::ImplItemFn> {
    item.items.iter_mut().find_map(|i| match i {
        syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

impl VisitMut for LazyUninitialized {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let Some(new) = method_mut(item, "new") else {
            return;
        };
        let mut fields = UninitializedFields::default();
        fields.visit_block_mut(&mut new.block.clone());
        let messages = fields.messages;
        if messages.is_empty() {
            return;
        }
        let Some(send) = method_mut(item, "send").filter(|f| f.sig.asyncness.is_some()) else {
            return;
        };
        let mut stmts = send.block.stmts.clone();
        let mut rewritten = 0;
        for stmt in &mut stmts {
            // progenitor's `let f = f.map_err(Error::InvalidRequest)?;`
            let Some(field) = shape::let_binding(stmt).and_then(|(name, value)| {
                let syn::Expr::Try(t) = value else {
                    return None;
                };
                let syn::Expr::MethodCall(m) = &*t.expr else {
                    return None;
                };
                let maps_itself = m.method == "map_err"
                    && shape::is_ident(&m.receiver, &name.to_string())
                    && m.args.len() == 1
                    && shape::last_segment(&m.args[0]).is_some_and(|s| s == "InvalidRequest");
                maps_itself.then(|| name.to_string())
            }) else {
                continue;
            };
            let Some(message) = messages.get(&field) else {
                continue;
            };
            let ident = format_ident!("{}", field);
            *stmt = syn::parse_quote! {
                let #ident = #ident.map_err(|e| {
                    Error::InvalidRequest(if e.is_empty() { #message.to_string() } else { e })
                })?;
            };
            rewritten += 1;
        }
        if rewritten != messages.len() {
            return;
        }
        send.block.stmts = stmts;
        if let Some(new) = method_mut(item, "new") {
            UninitializedFields {
                messages: std::collections::BTreeMap::new(),
                replace: true,
            }
            .visit_block_mut(&mut new.block);
        }
    }
}

/// The `field: Err("<field> was not initialized".to_string())` values of a builder's
/// `new()`: collected, or (with `replace`) made `Err(String::new())`.
#[derive(Default)]
struct UninitializedFields {
    messages: std::collections::BTreeMap<String, syn::LitStr>,
    replace: bool,
}

impl VisitMut for UninitializedFields {
    fn visit_field_value_mut(&mut self, fv: &mut syn::FieldValue) {
        let syn::Member::Named(ident) = &fv.member else {
            return;
        };
        let syn::Expr::Call(call) = &fv.expr else {
            return;
        };
        let (syn::Expr::Path(func), Some(syn::Expr::MethodCall(m)), 1) =
            (&*call.func, call.args.first(), call.args.len())
        else {
            return;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(message),
            ..
        }) = &*m.receiver
        else {
            return;
        };
        if !func.path.is_ident("Err")
            || m.method != "to_string"
            || !message.value().ends_with(" was not initialized")
        {
            return;
        }
        let name = ident.to_string();
        if self.replace {
            fv.expr = syn::parse_quote!(Err(::std::string::String::new()));
        } else {
            self.messages.insert(name, message.clone());
        }
    }
}
