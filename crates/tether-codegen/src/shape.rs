//! Recognising progenitor's statements by syntax-tree shape.
//!
//! The rewrites in `emit` find progenitor's hook calls, its `let url = format!(…)`, its
//! header map and its request building. They match the parsed statement (a `let` of this
//! name, a method call of that name on that receiver), never its printed text, so a
//! progenitor release that spaces, qualifies or orders its output differently still
//! matches, and one that changes its shape fails the golden test
//! (`tests/golden/`) instead of silently skipping a rewrite.

use syn::visit::Visit;

/// The name a `let` statement binds (`let x = …`, `let mut x = …`), and its value.
pub(crate) fn let_binding(stmt: &syn::Stmt) -> Option<(&syn::Ident, &syn::Expr)> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Pat::Ident(pat) = &local.pat else {
        return None;
    };
    Some((&pat.ident, &local.init.as_ref()?.expr))
}

/// The expression of an expression statement (`x;` or a trailing `x`).
pub(crate) fn expr_stmt(stmt: &syn::Stmt) -> Option<&syn::Expr> {
    match stmt {
        syn::Stmt::Expr(e, _) => Some(e),
        _ => None,
    }
}

/// `e?` and `e.await` unwrapped to `e`, any number of times.
pub(crate) fn peel(mut expr: &syn::Expr) -> &syn::Expr {
    loop {
        match expr {
            syn::Expr::Try(t) => expr = &t.expr,
            syn::Expr::Await(a) => expr = &a.base,
            syn::Expr::Paren(p) => expr = &p.expr,
            _ => return expr,
        }
    }
}

/// Whether `expr` is the plain path `name` (`client`, `result`).
pub(crate) fn is_ident(expr: &syn::Expr, name: &str) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

/// Whether `expr` (under `?`/`.await`) is a call of method `method` on the plain path
/// `receiver`: `client.exec(request, &info).await`.
pub(crate) fn calls_method_on(expr: &syn::Expr, receiver: &str, method: &str) -> bool {
    matches!(peel(expr), syn::Expr::MethodCall(m) if m.method == method && is_ident(&m.receiver, receiver))
}

/// The last segment of a path expression or a call's function path.
pub(crate) fn last_segment(expr: &syn::Expr) -> Option<&syn::Ident> {
    match expr {
        syn::Expr::Path(p) => p.path.segments.last().map(|s| &s.ident),
        syn::Expr::Call(c) => last_segment(&c.func),
        syn::Expr::Struct(s) => s.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// A string literal's value.
pub(crate) fn str_lit(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// Whether `expr` is the field access `<base>.<field>` on a plain path.
pub(crate) fn is_field_of(expr: &syn::Expr, base: &str, field: &str) -> bool {
    matches!(expr, syn::Expr::Field(f)
        if is_ident(&f.base, base)
            && matches!(&f.member, syn::Member::Named(m) if m == field))
}

/// What a block uses, for deciding whether it can move elsewhere.
#[derive(Debug, Default)]
pub(crate) struct Uses {
    /// Every path segment named (`ResponseValue`, `client`, `self`).
    pub(crate) idents: std::collections::BTreeSet<String>,
    /// Every method called, with its receiver when that is a plain path.
    pub(crate) methods: Vec<(Option<String>, String)>,
    /// An `.await` occurs.
    pub(crate) awaits: bool,
}

impl Uses {
    pub(crate) fn of<N: VisitNode + ?Sized>(node: &N) -> Self {
        let mut uses = Self::default();
        node.visit_with(&mut uses);
        uses
    }

    /// Whether `receiver.method(…)` is called anywhere (`receiver` a plain path).
    pub(crate) fn calls(&self, receiver: Option<&str>, method: &str) -> bool {
        self.methods
            .iter()
            .any(|(r, m)| m == method && (receiver.is_none() || r.as_deref() == receiver))
    }
}

impl Visit<'_> for Uses {
    fn visit_path_segment(&mut self, seg: &syn::PathSegment) {
        self.idents.insert(seg.ident.to_string());
        syn::visit::visit_path_segment(self, seg);
    }

    fn visit_expr_method_call(&mut self, call: &syn::ExprMethodCall) {
        let receiver = match &*call.receiver {
            syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
            _ => None,
        };
        self.methods.push((receiver, call.method.to_string()));
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_await(&mut self, a: &syn::ExprAwait) {
        self.awaits = true;
        syn::visit::visit_expr_await(self, a);
    }

    fn visit_expr_path(&mut self, p: &syn::ExprPath) {
        if p.path.is_ident("self") {
            self.idents.insert("self".into());
        }
        syn::visit::visit_expr_path(self, p);
    }
}

/// A syntax node [`Uses::of`] can walk.
pub(crate) trait VisitNode {
    fn visit_with(&self, v: &mut Uses);
}

impl VisitNode for syn::Stmt {
    fn visit_with(&self, v: &mut Uses) {
        v.visit_stmt(self);
    }
}

impl VisitNode for syn::Block {
    fn visit_with(&self, v: &mut Uses) {
        v.visit_block(self);
    }
}

impl VisitNode for [syn::Stmt] {
    fn visit_with(&self, v: &mut Uses) {
        for stmt in self {
            v.visit_stmt(stmt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(text: &str) -> syn::Stmt {
        syn::parse_str(text).unwrap()
    }

    #[test]
    fn shapes_match_whatever_the_spacing_or_the_qualification() {
        let s = stmt("let   result =client . exec( request , &info ) .await ;");
        assert_eq!(let_binding(&s).unwrap().0, "result");
        assert!(calls_method_on(
            let_binding(&s).unwrap().1,
            "client",
            "exec"
        ));
        let s = stmt("client.post(&result, &info).await?;");
        assert!(calls_method_on(expr_stmt(&s).unwrap(), "client", "post"));
        assert!(!calls_method_on(expr_stmt(&s).unwrap(), "other", "post"));
        let s = stmt("let info = progenitor_client::OperationInfo { operation_id: \"x\" };");
        assert_eq!(
            last_segment(let_binding(&s).unwrap().1).unwrap(),
            "OperationInfo"
        );
        let s = stmt("let x = format!(\"{}\", client.baseurl);");
        assert_eq!(let_binding(&s).unwrap().0, "x");
        let field: syn::Expr = syn::parse_str("client.baseurl").unwrap();
        assert!(is_field_of(&field, "client", "baseurl"));
    }

    #[test]
    fn uses_sees_paths_methods_and_awaits() {
        let block: syn::Block = syn::parse_str(
            "{ let v = ResponseValue::from_response(r).await?; client.exec(v); self.x }",
        )
        .unwrap();
        let uses = Uses::of(&block);
        assert!(uses.idents.contains("ResponseValue"));
        assert!(uses.idents.contains("self"));
        assert!(uses.awaits);
        assert!(uses.calls(Some("client"), "exec"));
        assert!(!uses.calls(Some("client"), "post"));
    }
}
