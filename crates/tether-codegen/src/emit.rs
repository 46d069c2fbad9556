//! Running progenitor on the projection and adding Tether's items.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use tether_contract::{Contract, Policy};

use crate::normalize::{project, Projection, Report};
use crate::shape;
use crate::CodegenError;

/// Name and version stamped into every generated file.
pub const GENERATOR: &str = concat!(
    "tether-codegen ",
    env!("CARGO_PKG_VERSION"),
    " (progenitor 0.15.1)"
);

/// A generated client.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The Rust source of `client.rs`.
    pub code: String,
    /// What the projection changed.
    pub report: Report,
    /// The OpenAPI projection progenitor was given.
    pub projection: serde_json::Value,
}

/// Generate the client source for a contract file (its policy is `provider.yaml` beside it).
pub fn render(contract_path: &Path) -> Result<Generated, CodegenError> {
    let contract = Contract::load(contract_path)?;
    let policy = Policy::load(contract.policy_path())?;
    let projection = project(&contract, &policy);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(projection.doc.clone()).map_err(|e| CodegenError::Projection {
            contract: contract_path.to_owned(),
            message: e.to_string(),
        })?;
    let tokens = run_progenitor(contract_path, &spec)?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::Syntax {
        contract: contract_path.to_owned(),
        message: e.to_string(),
    })?;
    RemoveProgenitorNew.visit_file_mut(&mut file);
    let opened = crate::tolerant::apply(&mut file);
    let mut report = projection.report.clone();
    if !opened.is_empty() {
        let list: Vec<String> = opened.iter().map(|(e, u)| format!("{e}::{u}")).collect();
        report.changes.push(format!(
            "response enums read values the contract does not list into an unknown variant (reported as drift): {}",
            list.join(", ")
        ));
    }
    LazyUninitialized.visit_file_mut(&mut file);
    BoxLargeFields::default().apply(&mut file);
    let mut sends = SendSignatures::default();
    sends.visit_file_mut(&mut file);
    let mut direct = DirectSends::default();
    direct.visit_file_mut(&mut file);
    if !direct.unrecognised.is_empty() {
        return Err(CodegenError::Unrouted {
            contract: contract_path.to_owned(),
            builders: direct.unrecognised.join(", "),
        });
    }
    let extras = extras(&contract, &policy, &projection, &sends, contract_path);
    let calls = call_methods(&contract, &policy, &sends);
    let extras: syn::File = syn::parse2(extras).map_err(|e| CodegenError::Syntax {
        contract: contract_path.to_owned(),
        message: e.to_string(),
    })?;
    file.items.extend(extras.items);
    let calls: syn::File = syn::parse2(calls).map_err(|e| CodegenError::Syntax {
        contract: contract_path.to_owned(),
        message: e.to_string(),
    })?;
    file.items.extend(calls.items);
    let body = prettyplease::unparse(&file);
    let header = header(&contract, &report);
    Ok(Generated {
        code: format!("{header}{body}"),
        report,
        projection: projection.doc,
    })
}

/// progenitor's own output for a contract's projection, before any of Tether's rewrites
/// (pretty-printed): the input the golden test (`tests/golden/`) pins.
pub fn progenitor_output(contract_path: &Path) -> Result<String, CodegenError> {
    let contract = Contract::load(contract_path)?;
    let policy = Policy::load(contract.policy_path())?;
    let projection = project(&contract, &policy);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(projection.doc).map_err(|e| CodegenError::Projection {
            contract: contract_path.to_owned(),
            message: e.to_string(),
        })?;
    let tokens = run_progenitor(contract_path, &spec)?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::Syntax {
        contract: contract_path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(prettyplease::unparse(&file))
}

fn run_progenitor(
    contract_path: &Path,
    spec: &openapiv3::OpenAPI,
) -> Result<TokenStream, CodegenError> {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq")
        .with_inner_type(quote!(tether_runtime::Engine))
        .with_hooks(progenitor::HooksMode::Expected);
    // progenitor reports unsupported input with assert!/todo!; keep its panic message
    // and turn it into an error instead of a build-script backtrace.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(&settings).generate_tokens(spec)
    }));
    std::panic::set_hook(previous);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(CodegenError::Progenitor {
            contract: contract_path.to_owned(),
            message: e.to_string(),
        }),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panicked".into());
            Err(CodegenError::Progenitor {
                contract: contract_path.to_owned(),
                message: format!("panicked: {message}"),
            })
        }
    }
}

/// progenitor's `Client::new(baseurl, inner)` hard-codes 15 s timeouts and unwraps;
/// Tether's `Client::new(base_url)` (policy timeouts, no inner argument) replaces it.
struct RemoveProgenitorNew;

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
struct LazyUninitialized;

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
struct BoxLargeFields {
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
    fn apply(&mut self, file: &mut syn::File) {
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

/// What each builder's `send` returns, and the fields of the generated types: the
/// typed `call`/`stream` methods repeat those types.
#[derive(Default)]
struct SendSignatures {
    /// Builder name → (success type, error type), as written inside `mod builder`.
    sends: std::collections::BTreeMap<String, (syn::Type, syn::Type)>,
    /// Struct name in `mod types` → field name → field type.
    fields: std::collections::BTreeMap<String, std::collections::BTreeMap<String, syn::Type>>,
    /// Module path while visiting.
    modules: Vec<String>,
}

/// The builder an impl block is for, and its `async fn send`, if it has one.
fn builder_send(item: &syn::ItemImpl) -> Option<(String, &syn::ImplItemFn)> {
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

/// Every builder's way into the engine, derived from progenitor's `send()`:
/// `send_direct(call)`, the same request building, then, in place of progenitor's three
/// hooks, [`tether_runtime::call::Direct::exchange`] (policy headers and wire format,
/// then the engine); and `read_direct(answer)`, the same status `match` reading the
/// engine's bytes (`Answer::decode`). `send()` itself becomes the two through a `Direct`
/// (progenitor's signature and error type kept), as do `call()` and `stream()`
/// ([`call_methods`]): one call path. A `send()` whose shape is not the one recognised
/// here (an upgraded body, hooks written differently by another progenitor version) is
/// named, and the build fails ([`CodegenError::Unrouted`]): a call that bypassed the
/// engine would have no auth, retries, limits or validation.
#[derive(Default)]
struct DirectSends {
    /// Builders whose `send()` was not recognised.
    unrecognised: Vec<String>,
}

impl VisitMut for DirectSends {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let Some((name, direct)) = builder_send(item).map(|(name, send)| (name, direct_send(send)))
        else {
            return;
        };
        let Some((send_direct, read_direct, operation)) = direct else {
            self.unrecognised.push(format!("builder::{name}"));
            return;
        };
        for i in &mut item.items {
            if let syn::ImplItem::Fn(f) = i {
                if f.sig.ident == "send" {
                    f.block = syn::parse_quote!({
                        let mut tether_call = tether_runtime::call::Direct::new(
                            &super::DEFAULTS,
                            #operation,
                            tether_runtime::CallOptions::new(),
                        );
                        match self.send_direct(&mut tether_call).await {
                            Ok(answer) => Self::read_direct(answer),
                            Err(e) => Err(e),
                        }
                    });
                }
            }
        }
        item.items.push(syn::ImplItem::Fn(send_direct));
        item.items.push(syn::ImplItem::Fn(read_direct));
    }
}

/// Whether `c` calls a path of two or more segments ending in `last`
/// (`ResponseValue::from_response`, `Error::UnexpectedResponse`) with one argument.
fn calls_path(c: &syn::ExprCall, last: &str) -> bool {
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let segments = &p.path.segments;
    segments.len() >= 2 && segments.last().is_some_and(|s| s.ident == last) && c.args.len() == 1
}

/// `send_direct` (request building and the engine, returning its `Answer`) and
/// `read_direct` (the status `match` decoding it) derived from progenitor's `send`, with
/// the operation's name in progenitor's `OperationInfo`; `None` when `send` does not
/// have the recognised shape.
fn direct_send(send: &syn::ImplItemFn) -> Option<(syn::ImplItemFn, syn::ImplItemFn, String)> {
    let mut stmts: Vec<syn::Stmt> = Vec::with_capacity(send.block.stmts.len());
    let mut hooks = 0;
    let mut operation = None;
    let mut api_version = false;
    let mut exchange_at = None;
    let mut url_at = None;
    for stmt in &send.block.stmts {
        // progenitor's hook calls: `let info = OperationInfo {…}`, `let result =
        // client.exec(request, &info).await`, `client.post(&result, &info).await?`,
        // `let response = result?`.
        let binding = shape::let_binding(stmt);
        let hook = match binding {
            Some((name, value)) if name == "info" => {
                operation = operation_id(value);
                shape::last_segment(value).is_some_and(|s| s == "OperationInfo")
            }
            Some((name, value)) if name == "result" => {
                shape::calls_method_on(value, "client", "exec")
            }
            Some((name, value)) if name == "response" => {
                matches!(value, syn::Expr::Try(t) if shape::is_ident(&t.expr, "result"))
            }
            _ => {
                shape::expr_stmt(stmt).is_some_and(|e| shape::calls_method_on(e, "client", "post"))
            }
        };
        if hook {
            hooks += 1;
            continue;
        }
        // progenitor's `api-version: <info.version>` header, which `prepare` removes
        // again (the provider's pin is the policy's header): not added at all here.
        if shape::expr_stmt(stmt).is_some_and(is_api_version_append) {
            api_version = true;
            continue;
        }
        // progenitor's `let url = format!("{}/…", client.baseurl, …)` (`_url` when a
        // parameter is called `url`): recognised by its value, not its name.
        if binding.is_some_and(|(_, value)| is_url_format(value)) {
            url_at = Some(stmts.len());
            let (url, segments) = segments_in_url(stmt);
            if segments {
                stmts.push(syn::parse_quote!(
                    use tether_runtime::path::PathSegment as _;
                ));
            }
            stmts.push(url);
            continue;
        }
        if shape::expr_stmt(stmt).is_some_and(|e| shape::calls_method_on(e, "client", "pre")) {
            hooks += 1;
            // The exchange goes here, once the request building is final (below).
            exchange_at = Some(stmts.len());
            continue;
        }
        stmts.push(stmt.clone());
    }
    if hooks != 5 {
        return None;
    }
    if api_version {
        // One header fewer: a map sized for none allocates nothing.
        for stmt in &mut stmts {
            // `let mut header_map = ::reqwest::header::HeaderMap::with_capacity(Nusize);`
            let Some(n) = shape::let_binding(stmt)
                .filter(|(name, _)| *name == "header_map")
                .and_then(|(_, value)| match value {
                    syn::Expr::Call(c)
                        if shape::last_segment(&c.func).is_some_and(|s| s == "with_capacity")
                            && c.args.len() == 1 =>
                    {
                        match &c.args[0] {
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Int(i),
                                ..
                            }) => i.base10_parse::<usize>().ok(),
                            _ => None,
                        }
                    }
                    _ => None,
                })
            else {
                continue;
            };
            let n = n.saturating_sub(1);
            *stmt = syn::parse_quote! {
                #[allow(unused_mut)] // header parameters, when there are any, are appended
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(#n);
            };
        }
    }
    let at = exchange_at?;
    let after = stmts.split_off(at);
    rebuilt_request(&mut stmts, url_at, &send.sig.output);
    stmts.push(syn::Stmt::Expr(syn::parse_quote!(Ok(response)), None));
    // The status `match` on the engine's answer: a plain function, called by the
    // generated `call()` in its own async block, so the decoded value (kilobytes for a
    // large resource) is made in the outermost layer and not returned through one more
    // future's `poll` (BENCHMARKS.md § Runtime).
    let output = &send.sig.output;
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let error = generic_args(ty).get(1).cloned()?;
    let mut read: syn::ImplItemFn = syn::parse_quote! {
        #[doc(hidden)]
        pub(crate) fn read_direct(response: tether_runtime::call::Answer) #output {}
    };
    read.block.stmts = after;
    let mut answers = ReadAnswer { unsupported: false };
    answers.visit_block_mut(&mut read.block);
    // What is left must read only the engine's answer: no progenitor response, no
    // awaiting, no client, no builder.
    let uses = shape::Uses::of(&read.block);
    if answers.unsupported
        || uses.idents.contains("ResponseValue")
        || uses.awaits
        || uses.idents.contains("client")
        || uses.idents.contains("self")
    {
        return None;
    }
    let mut f = send.clone();
    f.block.stmts = stmts;
    if shape::Uses::of(&f.block).calls(Some("client"), "exec") {
        return None;
    }
    f.sig.ident = format_ident!("send_direct");
    f.sig
        .inputs
        .push(syn::parse_quote!(tether_call: &mut tether_runtime::call::Direct));
    f.sig.output = syn::parse_quote!(-> Result<tether_runtime::call::Answer, #error>);
    f.vis = syn::parse_quote!(pub(crate));
    f.attrs = vec![syn::parse_quote!(#[doc(hidden)])];
    Some((f, read, operation?))
}

/// `"repos_get"` of progenitor's `OperationInfo { operation_id: "repos_get" }`.
fn operation_id(value: &syn::Expr) -> Option<String> {
    let syn::Expr::Struct(s) = value else {
        return None;
    };
    s.fields.iter().find_map(|f| match (&f.member, &f.expr) {
        (
            syn::Member::Named(name),
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(id),
                ..
            }),
        ) if name == "operation_id" => Some(id.value()),
        _ => None,
    })
}

/// The request building of a `send_direct` (from its URL to progenitor's `let mut
/// request = client.client.….build()?;`, the last of `stmts`) moved into a closure
/// `build`: the first attempt's request is `build()?`, and the engine calls it again only
/// for a retry (`Direct::exchange_rebuilding`), instead of copying the request (headers
/// and URL: four allocations) for an attempt that is rarely retried (BENCHMARKS.md §
/// Runtime). A request built by moving a value (a streamed body) cannot be built twice:
/// it goes to `Direct::exchange`, which sends a copy per attempt (or the request itself,
/// once).
fn rebuilt_request(stmts: &mut Vec<syn::Stmt>, url_at: Option<usize>, output: &syn::ReturnType) {
    let once = |stmts: &mut Vec<syn::Stmt>| {
        stmts.push(syn::parse_quote! {
            let response = tether_call
                .exchange(&client.inner, &client.client, request)
                .await?;
        });
    };
    // From the URL (and the `use` of `PathSegment` before it) on.
    let start = url_at;
    let error = match output {
        syn::ReturnType::Type(_, ty) => generic_args(ty).get(1).cloned(),
        syn::ReturnType::Default => None,
    };
    let (Some(start), Some(error)) = (start, error) else {
        return once(stmts);
    };
    let region = &stmts[start..];
    // progenitor's `let mut request = client.client.<method>(url)….build()?;`, last.
    let builds_request = stmts.last().and_then(shape::let_binding).is_some_and(|(name, value)| {
        name == "request"
            && matches!(value, syn::Expr::Try(t) if matches!(&*t.expr, syn::Expr::MethodCall(m) if m.method == "build"))
            && request_chain_root(value).is_some_and(|root| shape::is_field_of(root, "client", "client"))
    });
    if !builds_request || shape::Uses::of(region).calls(None, "body") {
        return once(stmts);
    }
    let mut region: Vec<syn::Stmt> = stmts.drain(start..).collect();
    for stmt in &mut region {
        BorrowScrutinees.visit_stmt_mut(stmt);
    }
    stmts.push(syn::parse_quote! {
        let build = || -> Result<::reqwest::Request, #error> {
            #(#region)*
            Ok(request)
        };
    });
    stmts.push(syn::parse_quote! {
        let request = build()?;
    });
    stmts.push(syn::parse_quote! {
        let response = tether_call
            .exchange_rebuilding(
                &client.inner,
                &client.client,
                request,
                &|| build().map_err(|e| e.to_string()),
            )
            .await?;
    });
}

/// In the `build` closure (an `Fn`: it may run once per attempt) a captured parameter
/// cannot be moved: progenitor's `if let Some(value) = on_behalf_of { header_map.append(…,
/// value.to_string()…) }` for an optional header parameter becomes `if let Some(value) =
/// &on_behalf_of`, which reads the same value (`to_string` goes through the reference).
struct BorrowScrutinees;

impl VisitMut for BorrowScrutinees {
    fn visit_expr_let_mut(&mut self, expr: &mut syn::ExprLet) {
        syn::visit_mut::visit_expr_let_mut(self, expr);
        if let syn::Expr::Path(p) = &*expr.expr {
            if p.path.get_ident().is_some() {
                let scrutinee = p.clone();
                *expr.expr = syn::parse_quote!(&#scrutinee);
            }
        }
    }
}

/// progenitor's `let url = format!(…, encode_path(&p.to_string()), …)` with each path
/// parameter written as `p.path_segment()` (`tether_runtime::path`, in scope through the
/// `use` before it): the same URL, without the two intermediate strings per parameter.
/// Anything else in the arguments is kept; a statement of another shape is returned
/// unchanged. `true` when a parameter was rewritten.
fn segments_in_url(stmt: &syn::Stmt) -> (syn::Stmt, bool) {
    use syn::punctuated::Punctuated;
    let mut stmt = stmt.clone();
    let syn::Stmt::Local(local) = &mut stmt else {
        return (stmt, false);
    };
    let Some(init) = &mut local.init else {
        return (stmt, false);
    };
    let syn::Expr::Macro(m) = &mut *init.expr else {
        return (stmt, false);
    };
    let Ok(mut args) = m
        .mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
    else {
        return (stmt, false);
    };
    let mut rewritten = false;
    for arg in args.iter_mut() {
        let syn::Expr::Call(call) = &*arg else {
            continue;
        };
        let (syn::Expr::Path(func), Some(syn::Expr::Reference(r)), 1) =
            (&*call.func, call.args.first(), call.args.len())
        else {
            continue;
        };
        let syn::Expr::MethodCall(to_string) = &*r.expr else {
            continue;
        };
        if !func.path.is_ident("encode_path")
            || to_string.method != "to_string"
            || !to_string.args.is_empty()
        {
            continue;
        }
        let value = &to_string.receiver;
        // Method syntax: it finds `Display` through `Deref` as `to_string()` did.
        *arg = syn::parse_quote!((#value).path_segment());
        rewritten = true;
    }
    m.mac.tokens = quote!(#args);
    // `format!("{}/repos/{}/{}", client.baseurl, …)` starts from an empty string (its
    // literal pieces are too short for `format!`'s estimate) and grows it two or three
    // times; the URL is written instead into one string sized for the base URL, the
    // template's text and room for the parameters (BENCHMARKS.md § Runtime).
    let mut leading = args.iter();
    if let (
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(template),
            ..
        })),
        Some(base),
    ) = (leading.next(), leading.next())
    {
        if m.mac.path.is_ident("format") && shape::is_field_of(base, "client", "baseurl") {
            let room = template.value().len() + 32 * (args.len() - 2);
            let pat = &local.pat;
            stmt = syn::parse_quote! {
                let #pat = {
                    use ::std::fmt::Write as _;
                    let mut url = ::std::string::String::with_capacity(client.baseurl.len() + #room);
                    // Writing into a `String` cannot fail (`format!` would have panicked
                    // where this ignores: on a `Display` impl that reports an error, which
                    // no path parameter's has).
                    let _ = ::std::write!(url, #args);
                    url
                };
            };
        }
    }
    (stmt, rewritten)
}

/// Tokens as text without spaces (how `direct_send` recognises progenitor's statements).
/// `format!("{}/…", client.baseurl, …)`: progenitor's request URL.
fn is_url_format(expr: &syn::Expr) -> bool {
    use syn::punctuated::Punctuated;
    let syn::Expr::Macro(m) = expr else {
        return false;
    };
    if !m.mac.path.is_ident("format") {
        return false;
    }
    let Ok(args) = m
        .mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
    else {
        return false;
    };
    let mut args = args.iter();
    matches!(
        (args.next().and_then(shape::str_lit), args.next()),
        (Some(template), Some(base)) if template.starts_with("{}") && shape::is_field_of(base, "client", "baseurl")
    )
}

/// progenitor's `header_map.append(HeaderName::from_static("api-version"), …)`.
fn is_api_version_append(expr: &syn::Expr) -> bool {
    let syn::Expr::MethodCall(m) = shape::peel(expr) else {
        return false;
    };
    m.method == "append"
        && shape::is_ident(&m.receiver, "header_map")
        && m.args.first().is_some_and(|name| match name {
            syn::Expr::Call(c) => {
                shape::last_segment(&c.func).is_some_and(|s| s == "from_static")
                    && c.args.first().and_then(shape::str_lit).as_deref() == Some("api-version")
            }
            _ => false,
        })
}

/// The receiver a method chain starts from (`client.client` in
/// `client.client.get(url).headers(h).build()?`).
fn request_chain_root(expr: &syn::Expr) -> Option<&syn::Expr> {
    let mut expr = shape::peel(expr);
    while let syn::Expr::MethodCall(m) = expr {
        expr = shape::peel(&m.receiver);
    }
    Some(expr)
}

fn flat(tokens: &dyn quote::ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

/// Rewrites the uses of the response in `send`'s status `match` for the engine's
/// `Answer`: `ResponseValue::from_response(response).await` → `response.decode()`,
/// `ResponseValue::empty(response)` → `response.empty()`,
/// `Error::UnexpectedResponse(response)` → `…(response.into_response())`. Any other
/// `ResponseValue` constructor (a streamed or upgraded body) is unsupported.
struct ReadAnswer {
    unsupported: bool,
}

impl VisitMut for ReadAnswer {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        let call_to = |e: &syn::Expr, last: &str| -> Option<syn::Expr> {
            let syn::Expr::Call(c) = e else { return None };
            calls_path(c, last).then(|| c.args[0].clone())
        };
        match expr {
            syn::Expr::Await(a) => {
                if let Some(arg) = call_to(&a.base, "from_response") {
                    *expr = syn::parse_quote!(#arg.decode());
                    return;
                }
            }
            syn::Expr::Call(_) => {
                if let Some(arg) = call_to(expr, "empty") {
                    *expr = syn::parse_quote!(#arg.empty());
                    return;
                }
                if let Some(arg) = call_to(expr, "UnexpectedResponse") {
                    *expr = syn::parse_quote!(Error::UnexpectedResponse(#arg.into_response()));
                    return;
                }
                if let Some(arg) = call_to(expr, "stream") {
                    *expr = syn::parse_quote!(#arg.stream());
                    return;
                }
                if call_to(expr, "upgrade").is_some() {
                    self.unsupported = true;
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

fn generic_args(ty: &syn::Type) -> Vec<syn::Type> {
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
fn from_types_mod(ty: &syn::Type) -> TokenStream {
    if let syn::Type::Path(p) = ty {
        if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
            return quote!(types::#ty);
        }
    }
    quote!(#ty)
}

/// Where the items of a paginated operation's response are.
enum PageItems {
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
fn page_items(
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
fn call_methods(contract: &Contract, policy: &Policy, sends: &SendSignatures) -> TokenStream {
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

fn header(contract: &Contract, report: &Report) -> String {
    let mut h = String::new();
    h.push_str("// @generated by tether-codegen. Do not edit, do not commit: regenerate from the contract.\n");
    h.push_str(&format!("// contract: {}\n", contract.name.contract_path()));
    h.push_str(&format!(
        "// contract version: {}\n",
        contract.doc.info_version()
    ));
    h.push_str(&format!("// contract sha256: {}\n", contract.doc.sha256));
    h.push_str(&format!(
        "// upstream: {} {} sha256:{}\n",
        contract.meta.upstream.name, contract.meta.upstream.version, contract.meta.upstream.sha256
    ));
    h.push_str(&format!("// generator: {GENERATOR}\n"));
    h.push_str(
        "// normalization (typed projection only; the contract stays the provider's truth):\n",
    );
    for c in &report.changes {
        h.push_str(&format!("//   - {c}\n"));
    }
    h.push('\n');
    h
}

fn extras(
    contract: &Contract,
    policy: &Policy,
    projection: &Projection,
    sends: &SendSignatures,
    contract_path: &Path,
) -> TokenStream {
    let contract_rel = contract.name.contract_path();
    let version = contract.doc.info_version();
    let sha = &contract.doc.sha256;
    let contract_abs = contract_path.display().to_string();
    let policy_abs = contract.policy_path().display().to_string();
    let provider = &policy.provider;
    let production = &policy.base_urls.production.value;
    let override_env = &policy.base_urls.override_env;
    let header_pairs = [
        (
            policy.headers.version.name.to_ascii_lowercase(),
            policy.headers.version.value.clone(),
        ),
        ("accept".to_owned(), policy.headers.accept.value.clone()),
        (
            "user-agent".to_owned(),
            policy.headers.user_agent.value.clone(),
        ),
    ];
    let header_tokens = header_pairs.iter().map(|(n, v)| quote!((#n, #v)));
    let connect_ms = (policy.timeouts.connect.value * 1000.0).round() as u64;
    let attempt_ms = (policy.timeouts.attempt.value * 1000.0).round() as u64;
    let overall_ms = (policy.timeouts.overall.value * 1000.0).round() as u64;
    let ops = contract.doc.operations.iter().map(|op| {
        let id = &op.id;
        let rust_name = snake(&op.id);
        let method = op.method.to_ascii_uppercase();
        let path = &op.path;
        let idempotent = op.is_idempotent_method();
        // Only where `stream()` exists: a response that is no page is never paged.
        let paginated = page_items(sends, policy, op).is_some();
        let idem_key = policy.idempotency.operations.iter().any(|o| o == id);
        let rt = projection.runtime.get(id).cloned().unwrap_or_default();
        let form = rt.form_body;
        let body_media_type = match &rt.body_media_type {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        let multipart = match &rt.multipart {
            Some(fields) => quote!(Some(&[#(#fields),*])),
            None => quote!(None),
        };
        let deep = rt.deep_object_arrays.iter();
        let scopes: Vec<String> = policy
            .scopes
            .get(id)
            .map(|s| s.value.clone())
            .unwrap_or_default();
        quote! {
            tether_runtime::OperationMeta {
                id: #id,
                rust_name: #rust_name,
                method: #method,
                path: #path,
                idempotent: #idempotent,
                paginated: #paginated,
                idempotency_key: #idem_key,
                form_body: #form,
                body_media_type: #body_media_type,
                multipart: #multipart,
                deep_object_arrays: &[#(#deep),*],
                scopes: &[#(#scopes),*],
            }
        }
    });
    // Typed deserialization per operation, types inferred from each builder's `send`.
    let typed_arms = contract.doc.operations.iter().map(|op| {
        let id = &op.id;
        let builder = format_ident!("{}", pascal(&snake(&op.id)));
        let json_success = projection
            .doc
            .pointer(&op.pointer)
            .and_then(|o| o.get("responses"))
            .and_then(serde_json::Value::as_object)
            .is_some_and(|rs| {
                rs.iter().any(|(s, r)| {
                    s.starts_with('2')
                        && r.get("content")
                            .and_then(serde_json::Value::as_object)
                            .is_some_and(|c| c.keys().any(|m| tether_contract::model::is_json_media_type(m)))
                })
            });
        if json_success {
            quote! { #id => tether_runtime::typed::deserialize_as(builder::#builder::send, status, body).map(Some), }
        } else {
            quote! { #id => Ok(Some(tether_runtime::typed::Typed::Untyped)), }
        }
    });
    // A compile-time check that every table entry names a real builder method.
    let method_checks = contract
        .doc
        .operations
        .iter()
        .map(|op| format_ident!("{}", snake(&op.id)));
    quote! {
        /// Path of the contract this client was generated from.
        pub const CONTRACT_PATH: &str = #contract_rel;
        /// `info.version` of the contract.
        pub const CONTRACT_VERSION: &str = #version;
        /// SHA-256 of the contract bytes.
        pub const CONTRACT_SHA256: &str = #sha;
        /// Generator that produced this code.
        pub const GENERATOR: &str = #GENERATOR;
        /// The contract itself (the provider's truth, every status and media type), for
        /// validating raw responses at run time.
        pub const CONTRACT: &str = include_str!(#contract_abs);
        /// The provider policy.
        pub const POLICY: &str = include_str!(#policy_abs);

        /// One entry per contract operation.
        pub static OPERATIONS: &[tether_runtime::OperationMeta] = &[#(#ops),*];

        /// The provider policy values applied to every request.
        pub static DEFAULTS: tether_runtime::RequestDefaults = tether_runtime::RequestDefaults {
            provider: #provider,
            production_base_url: #production,
            base_url_env: #override_env,
            headers: &[#(#header_tokens),*],
            connect_timeout: ::std::time::Duration::from_millis(#connect_ms),
            attempt_timeout: ::std::time::Duration::from_millis(#attempt_ms),
            overall_timeout: ::std::time::Duration::from_millis(#overall_ms),
            policy: POLICY,
            contract: CONTRACT,
            contract_path: CONTRACT_PATH,
            operations: OPERATIONS,
        };

        impl Client {
            /// A client for `base_url` with the provider policy applied (pinned version
            /// header, `Accept`, `User-Agent`, timeouts, retries, limits, breaker,
            /// validation) and no credential. [`Client::from_env`] adds the credential;
            /// [`Client::builder`] sets anything else.
            ///
            /// # Panics
            /// Only if the TLS backend cannot initialise or `base_url` is not a URL;
            /// use [`Client::try_new`] to handle those cases.
            pub fn new(base_url: &str) -> Self {
                match Self::try_new(base_url) {
                    Ok(client) => client,
                    Err(e) => panic!("{e}"),
                }
            }

            /// Like [`Client::new`], returning construction errors.
            pub fn try_new(base_url: &str) -> Result<Self, tether_runtime::Error> {
                Self::builder().base_url(base_url).build()
            }

            /// The credential from the policy's env vars, the base URL from the policy's
            /// override env var or else production.
            pub fn from_env() -> Result<Self, tether_runtime::Error> {
                Self::builder()
                    .credentials_from_env()?
                    .redis_from_env()?
                    .build()
            }

            /// A client for the provider's production base URL (or the override env
            /// var), without a credential.
            pub fn for_production() -> Result<Self, tether_runtime::Error> {
                Self::builder().build()
            }

            /// Every setting, defaulting to the provider policy.
            pub fn builder() -> tether_runtime::ClientBuilder<Self> {
                tether_runtime::ClientBuilder::new(&DEFAULTS, |base, http, inner| {
                    Self::new_with_client(base, http, inner)
                })
            }
        }

        // progenitor's generated code asserts the trait; every call goes through
        // `tether_runtime::call::Direct` instead of the hooks, which keep progenitor's
        // defaults and are never called.
        impl ClientHooks<tether_runtime::Engine> for Client {}

        /// Deserialize a raw response body of `operation` (contract id) into the generated
        /// type for `status`: the success type for 2xx, the error type for 4xx/5xx.
        /// `Ok(None)` for an operation this contract does not have.
        pub fn deserialize_response(
            operation: &str,
            status: u16,
            body: &[u8],
        ) -> ::std::result::Result<Option<tether_runtime::typed::Typed>, serde_json::Error> {
            match operation {
                #(#typed_arms)*
                _ => Ok(None),
            }
        }

        #[allow(dead_code)]
        fn _every_operation_has_a_builder(client: &Client) {
            #( let _ = client.#method_checks(); )*
        }
    }
}

/// progenitor's operation naming (`util::sanitize` with `Case::Snake`): characters that
/// cannot continue an identifier become `-`, then heck's snake case.
/// progenitor's name for an operation's method (`sanitize(id, Case::Snake)` in
/// progenitor-impl 0.15.1's `util.rs`): snake case of the id with characters that cannot
/// continue an identifier made `-`; `_` in front of a leading digit; `_` after a keyword.
fn snake(id: &str) -> String {
    use heck::ToSnakeCase;
    sanitize(id, str::to_snake_case)
}

/// progenitor's name for an operation's builder: its method name, sanitized in Pascal case.
fn pascal(snake: &str) -> String {
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

    /// progenitor 0.15's `send()` for a GET with two path parameters, as it generates it
    /// (the status arms are the input of each case below).
    fn progenitor_send(arms: &str) -> syn::ImplItemFn {
        let text = format!(
            r#"pub async fn send(self) -> Result<ResponseValue<types::FullRepository>, Error<types::BasicError>> {{
                let Self {{ client, owner, repo }} = self;
                let owner = owner.map_err(Error::InvalidRequest)?;
                let url = format!("{{}}/repos/{{}}", client.baseurl, encode_path(&owner.to_string()));
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
                #[allow(unused_mut)]
                let mut request = client.client.get(url).headers(header_map).build()?;
                let info = OperationInfo {{ operation_id: "repos_get" }};
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                client.post(&result, &info).await?;
                let response = result?;
                match response.status().as_u16() {{ {arms} }}
            }}"#
        );
        syn::parse_str(&text).unwrap()
    }

    /// The hooks become one `exchange`, the body is decoded from the engine's bytes, and
    /// an undeclared status still reaches progenitor's `UnexpectedResponse` as a response.
    #[test]
    fn send_direct_replaces_the_hooks_and_reads_the_engines_answer() {
        let send = progenitor_send(
            "200u16 => ResponseValue::from_response(response).await,
             400u16..=499u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
             204u16 => Ok(ResponseValue::empty(response)),
             _ => Err(Error::UnexpectedResponse(response)),",
        );
        let (direct, read, operation) =
            super::direct_send(&send).expect("progenitor's shape is recognised");
        assert_eq!(operation, "repos_get", "from progenitor's OperationInfo");
        let text = super::flat(&direct);
        let read = super::flat(&read);
        assert!(
            text.contains("asyncfnsend_direct(self,tether_call:&muttether_runtime::call::Direct)"),
            "{text}"
        );
        // The request is built by a closure: once for the first attempt, again only
        // for a retry.
        assert!(
            text.contains("letbuild=||->Result<::reqwest::Request,Error<types::BasicError>>{"),
            "{text}"
        );
        assert!(
            text.contains(
                "Ok(request)};letrequest=build()?;letresponse=tether_call.exchange_rebuilding(&client.inner,&client.client,request,&||build().map_err(|e|e.to_string()),).await?;"
            ),
            "{text}"
        );
        // `send_direct` returns the engine's answer; `read_direct` decodes it.
        assert!(
            text.contains("->Result<tether_runtime::call::Answer,Error<types::BasicError>>"),
            "{text}"
        );
        assert!(text.ends_with(".await?;Ok(response)}"), "{text}");
        assert!(
            read.starts_with(
                "#[doc(hidden)]pub(crate)fnread_direct(response:tether_runtime::call::Answer)->Result<ResponseValue<types::FullRepository>,Error<types::BasicError>>{"
            ),
            "{read}"
        );
        assert!(read.contains("200u16=>response.decode(),"), "{read}");
        assert!(
            read.contains("Err(Error::ErrorResponse(response.decode()?))"),
            "{read}"
        );
        assert!(read.contains("204u16=>Ok(response.empty())"), "{read}");
        assert!(
            read.contains("Err(Error::UnexpectedResponse(response.into_response()))"),
            "{read}"
        );
        assert!(!read.contains(".await"), "{read}");
        for gone in [
            "OperationInfo",
            "client.pre",
            "client.exec",
            "client.post",
            "ResponseValue::",
        ] {
            assert!(!text.contains(gone), "`{gone}` left in {text}");
        }
        // The request is built as `send()` builds it, without progenitor's `api-version`
        // header (which `prepare` would remove again).
        assert!(
            text.contains("letmutrequest=client.client.get(url).headers(header_map).build()?;"),
            "{text}"
        );
        assert!(
            text.contains("letmutheader_map=::reqwest::header::HeaderMap::with_capacity(0usize);"),
            "{text}"
        );
        assert!(!text.contains("api-version"), "{text}");
        // Path parameters are encoded straight into the URL.
        assert!(
            text.contains(
                r#"usetether_runtime::path::PathSegmentas_;leturl={use::std::fmt::Writeas_;letmuturl=::std::string::String::with_capacity(client.baseurl.len()+43usize);let_=::std::write!(url,"{}/repos/{}",client.baseurl,(owner).path_segment());url};"#
            ),
            "{text}"
        );
        assert!(!text.contains("encode_path"), "{text}");
    }

    /// A request built by moving its body (a stream) cannot be built twice: its
    /// `send_direct` hands the request to `exchange`, which copies it per attempt.
    #[test]
    fn a_request_built_from_a_moved_body_is_not_rebuilt() {
        let mut send = progenitor_send("_ => Err(Error::UnexpectedResponse(response)),");
        for stmt in &mut send.block.stmts {
            if super::flat(stmt).contains("letmutrequest=") {
                *stmt = syn::parse_quote! {
                    let mut request = client.client.post(url).body(body).headers(header_map).build()?;
                };
            }
        }
        let text = super::flat(&super::direct_send(&send).expect("recognised").0);
        assert!(
            text.contains(
                "letresponse=tether_call.exchange(&client.inner,&client.client,request).await?;"
            ),
            "{text}"
        );
        assert!(!text.contains("letbuild="), "{text}");
    }

    /// A streamed response body is read from the engine's bytes; an upgraded one, or hooks
    /// written differently, get no `send_direct` (and `render` names the builder).
    #[test]
    fn a_streamed_body_is_read_from_the_answer_and_an_unknown_shape_is_refused() {
        let streamed = progenitor_send(
            "200u16 => Ok(ResponseValue::stream(response)), _ => Err(Error::UnexpectedResponse(response)),",
        );
        let (_, read, _) = super::direct_send(&streamed).expect("a stream is recognised");
        assert!(
            super::flat(&read).contains("200u16=>Ok(response.stream()),"),
            "{}",
            super::flat(&read)
        );
        let upgraded = progenitor_send(
            "101u16 => ResponseValue::upgrade(response).await, _ => Err(Error::UnexpectedResponse(response)),",
        );
        assert!(super::direct_send(&upgraded).is_none());
        let mut no_hooks = progenitor_send("_ => Err(Error::UnexpectedResponse(response)),");
        no_hooks
            .block
            .stmts
            .retain(|s| !super::flat(s).starts_with("client.post"));
        assert!(super::direct_send(&no_hooks).is_none());
    }

    /// Every operation of the real contracts gets the direct path (a progenitor upgrade
    /// that changes `send()`'s shape fails here instead of silently slowing every call).
    #[test]
    fn every_operation_of_the_contracts_gets_send_direct() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for contract in [
            "contracts/github/repos.v1.yaml",
            "contracts/stripe/customers.v1.yaml",
        ] {
            let code = super::render(&root.join(contract)).unwrap().code;
            let sends = code.matches("pub async fn send(").count();
            let direct = code.matches("pub(crate) async fn send_direct(").count();
            assert!(sends > 0, "{contract}");
            assert_eq!(
                direct, sends,
                "{contract}: every send() has a send_direct()"
            );
            assert_eq!(
                code.matches("pub(crate) fn read_direct(").count(),
                sends,
                "{contract}: every send_direct() has its read_direct()"
            );
            let flat: String = code.split_whitespace().collect();
            // One call path: progenitor's own send() goes through a Direct too, and
            // nothing calls progenitor's hooks.
            assert_eq!(
                flat.matches("tether_runtime::call::Direct::new(&super::DEFAULTS,")
                    .count(),
                sends,
                "{contract}"
            );
            for hook in ["(&mutrequest,&info)", "(request,&info)", "(&result,&info)"] {
                assert!(!flat.contains(hook), "{contract}: {hook}");
            }
            // No operation of these contracts streams its request body: every one
            // builds its request again for a retry instead of copying it.
            assert_eq!(
                flat.matches("tether_call.exchange_rebuilding(").count(),
                sends,
                "{contract}"
            );
            // Every path parameter is a `path_segment()`: no `encode_path` (progenitor's
            // send() body, which had them, is gone).
            assert!(flat.contains(".path_segment()"), "{contract}");
            assert!(!flat.contains("encode_path("), "{contract}");
            // Bodies are decoded from the engine's bytes, never by progenitor's
            // `from_response`.
            assert!(
                !flat.contains("from_response("),
                "{contract}: a send() still decodes a reqwest::Response"
            );
            // Builders start required parameters without a heap string; `send()` names
            // a parameter never set.
            assert!(
                !flat.contains("wasnotinitialized\".to_string())"),
                "{contract}: a builder's new() still allocates its messages"
            );
            assert_eq!(
                flat.matches("Err(::std::string::String::new())").count(),
                flat.matches("ife.is_empty(){").count(),
                "{contract}: each lazily named parameter is named in send_direct()"
            );
        }
    }

    /// The rewrites read progenitor 0.15.1's real output by syntax-tree shape. The golden
    /// file is that output for the shapes contract: when progenitor changes it (an
    /// upgrade), this test fails with the command that refreshes it, and the assertions
    /// below say whether every rewrite still recognises every operation.
    #[test]
    fn the_rewrites_recognise_progenitors_golden_output() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let contract = manifest.join("../tether-codegen-shapes/contract/shapes/edge.v1.yaml");
        let golden_path = manifest.join("tests/golden/shapes-edge.progenitor-0.15.1.rs");
        let current = super::progenitor_output(&contract).unwrap();
        if std::env::var_os("TETHER_BLESS").is_some() {
            std::fs::write(&golden_path, &current).unwrap();
        }
        let golden = std::fs::read_to_string(&golden_path).unwrap_or_default();
        assert!(
            golden == current,
            "progenitor's output for {} differs from {}: review the difference, then refresh \
             it with `TETHER_BLESS=1 cargo test -p tether-codegen --lib golden`",
            contract.display(),
            golden_path.display()
        );
        use syn::visit_mut::VisitMut;
        let mut file: syn::File = syn::parse_str(&golden).unwrap();
        let sends = golden.matches("pub async fn send(").count();
        let streamed = golden.matches("ResponseValue::stream(").count();
        let uninitialized = golden.matches("was not initialized\".to_string())").count();
        assert!(sends >= 10 && streamed >= 1 && uninitialized >= 1);
        super::LazyUninitialized.visit_file_mut(&mut file);
        let mut direct = super::DirectSends::default();
        direct.visit_file_mut(&mut file);
        let text = prettyplease::unparse(&file);
        // Every send(), the ones reading a stream included, gets its send_direct() and
        // read_direct().
        assert!(direct.unrecognised.is_empty(), "{:?}", direct.unrecognised);
        assert_eq!(
            text.matches("pub(crate) async fn send_direct(").count(),
            sends
        );
        assert_eq!(text.matches("Ok(response.stream())").count(), streamed);
        // Every required parameter's message is made only when it was never set (in send():
        // new() holds no message any more).
        assert_eq!(
            text.matches("was not initialized\".to_string())").count(),
            0,
            "new() still allocates a message"
        );
        // progenitor's `api-version` header is not added by a send_direct(), and each
        // send_direct() builds its URL into one sized string.
        let flat: String = text.split_whitespace().collect();
        assert_eq!(
            flat.matches("String::with_capacity(client.baseurl.len()")
                .count(),
            sends
        );
        // Requests built from a moved body (raw bytes) are sent as built; every other one
        // is rebuilt for a retry.
        assert_eq!(
            flat.matches("tether_call.exchange_rebuilding(").count()
                + flat.matches("tether_call.exchange(").count(),
            sends
        );
        assert!(
            flat.matches("tether_call.exchange(").count() >= 2,
            "raw bodies move"
        );
    }

    /// An input progenitor cannot digest (a `multipart/mixed` body) is an error naming the
    /// contract and construct, never a build-script panic.
    #[test]
    fn unsupported_input_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let provider = dir.path().join("acme");
        std::fs::create_dir_all(&provider).unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let policy = std::fs::read_to_string(root.join("contracts/github/provider.yaml")).unwrap();
        std::fs::write(
            provider.join("provider.yaml"),
            policy.replacen("provider: github", "provider: acme", 1),
        )
        .unwrap();
        let contract = provider.join("files.v1.yaml");
        std::fs::write(
            &contract,
            r#"openapi: 3.0.3
info: {title: t, version: 1.0.0}
x-tether: {provider: acme, resource: files, upstream: {name: hand, version: '1', sha256: '00', operations: [files/upload]}}
paths:
  /files:
    post:
      operationId: files/upload
      requestBody:
        content:
          multipart/mixed:
            schema: {type: object, properties: {file: {type: string, format: binary}}}
      responses:
        '201': {description: created}
"#,
        )
        .unwrap();
        let err = super::render(&contract).unwrap_err().to_string();
        assert!(
            err.contains("files.v1.yaml: progenitor cannot generate a client"),
            "{err}"
        );
        assert!(err.contains("multipart/mixed"), "{err}");
    }

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
