//! The request building of a `send_direct`: progenitor's URL written into one sized
//! string with path segments, its `api-version` header recognised, and the request built
//! by a closure a retry calls again.

use quote::quote;
use syn::visit_mut::VisitMut;

use super::syntax::generic_args;
use crate::shape;

/// The request building of a `send_direct` (from its URL to progenitor's `let mut
/// request = client.client.….build()?;`, the last of `stmts`) moved into a closure
/// `build`: the first attempt's request is `build()?`, and the engine calls it again only
/// for a retry (`Direct::exchange_rebuilding`), instead of copying the request (headers
/// and URL: four allocations) for an attempt that is rarely retried (BENCHMARKS.md §
/// Runtime). A request built by moving a value (a streamed body) cannot be built twice:
/// it goes to `Direct::exchange`, which sends a copy per attempt (or the request itself,
/// once).
pub(super) fn rebuilt_request(
    stmts: &mut Vec<syn::Stmt>,
    url_at: Option<usize>,
    output: &syn::ReturnType,
) {
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
pub(super) fn segments_in_url(stmt: &syn::Stmt) -> (syn::Stmt, bool) {
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

/// `format!("{}/…", client.baseurl, …)`: progenitor's request URL.
pub(super) fn is_url_format(expr: &syn::Expr) -> bool {
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
pub(super) fn is_api_version_append(expr: &syn::Expr) -> bool {
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
