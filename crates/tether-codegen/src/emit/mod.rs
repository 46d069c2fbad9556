//! Running progenitor on the projection and adding Tether's items.
//!
//! [`render`] parses progenitor's output and rewrites it in this order, one pass per file:
//!
//! 1. `builders`: progenitor's `Client::new` removed (`RemoveProgenitorNew`);
//! 2. `crate::tolerant`: response enums read unknown values;
//! 3. `builders`: builders start required parameters without a heap string
//!    (`LazyUninitialized`);
//! 4. `boxing`: large generated structs boxed where another struct holds them
//!    (`BoxLargeFields`);
//! 5. `calls`: each builder's `send` signature and the generated types' fields read
//!    (`SendSignatures`);
//! 6. `direct`: every `send()` routed through the engine (`DirectSends`), its request
//!    building rewritten by `request`;
//! 7. `extras`: the provenance constants, `OPERATIONS`, `DEFAULTS`, `Client`
//!    constructors and `deserialize_response`, and the file's header;
//! 8. `calls`: the typed `call()`/`call_with()`/`stream()` methods and `Page` impls.
//!
//! `naming` repeats progenitor's operation names; `syntax` holds the small helpers
//! the passes share.

mod boxing;
mod builders;
mod calls;
mod direct;
mod extras;
mod naming;
mod request;
mod syntax;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::VisitMut;
use tether_contract::{Contract, Policy};

use crate::normalize::{project, Report};
use crate::CodegenError;

use boxing::BoxLargeFields;
use builders::{LazyUninitialized, RemoveProgenitorNew};
use calls::{call_methods, SendSignatures};
use direct::DirectSends;
use extras::{extras, header};

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

#[cfg(test)]
mod tests {
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
}
