//! Every builder's `send()` routed through the engine (`DirectSends`): `send_direct`
//! (progenitor's request building, then the engine) and `read_direct` (progenitor's status
//! `match` reading the engine's answer), derived from progenitor's `send()`.

use quote::format_ident;
use syn::visit_mut::VisitMut;

use super::request::{is_api_version_append, is_url_format, rebuilt_request, segments_in_url};
use super::syntax::{builder_send, generic_args};
use crate::shape;

#[cfg(test)]
use super::syntax::flat;

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
///
/// [`call_methods`]: super::calls::call_methods
/// [`CodegenError::Unrouted`]: crate::CodegenError::Unrouted
#[derive(Default)]
pub(super) struct DirectSends {
    /// Builders whose `send()` was not recognised.
    pub(super) unrecognised: Vec<String>,
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

#[cfg(test)]
mod tests {
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
}
