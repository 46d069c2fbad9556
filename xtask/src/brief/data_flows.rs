//! Section 4: data flows (parameters and top-level request/response fields per
//! operation, idempotency keys, webhook dedup) and the schema field listing it uses.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;
use tether_contract::ParamLocation;

use super::inputs::{sorted_ops, Inputs};
use super::text::{duration_text, or_dash, sourced};
use super::SECTIONS;

impl Inputs {
    pub(super) fn data_flows(&self, o: &mut String) {
        let _ = writeln!(o, "## {}\n", SECTIONS[3]);
        let _ = writeln!(
            o,
            "Top-level fields of each request and of each success response, from the contract schemas \
             (`*` = required). Nested fields: see the contract.\n"
        );
        for l in self.outbound() {
            let doc = &l.contract.doc.value;
            let _ = writeln!(o, "### `{}`\n", l.path);
            for op in sorted_ops(&l.contract) {
                let _ = writeln!(
                    o,
                    "- `{}` ({} `{}`)",
                    op.id,
                    op.method.to_uppercase(),
                    op.path
                );
                let mut params: Vec<String> = op
                    .parameters
                    .iter()
                    .filter(|p| {
                        !matches!(p.location, ParamLocation::Header | ParamLocation::Cookie)
                    })
                    .map(|p| {
                        format!(
                            "`{}`{} ({})",
                            p.name,
                            if p.required { "*" } else { "" },
                            match p.location {
                                ParamLocation::Path => "path",
                                ParamLocation::Query => "query",
                                ParamLocation::Header => "header",
                                ParamLocation::Cookie => "cookie",
                            }
                        )
                    })
                    .collect();
                params.sort();
                if !params.is_empty() {
                    let _ = writeln!(o, "  - parameters: {}", params.join(", "));
                }
                if let Some(body) = &op.request_body {
                    for m in &body.content {
                        let fields = m
                            .schema
                            .as_ref()
                            .map(|s| fields(doc, s))
                            .unwrap_or_default();
                        let _ = writeln!(o, "  - request `{}`: {}", m.media_type, or_dash(&fields));
                    }
                }
                for r in op.success_responses() {
                    for m in &r.content {
                        let fields = m
                            .schema
                            .as_ref()
                            .map(|s| fields(doc, s))
                            .unwrap_or_default();
                        let _ = writeln!(
                            o,
                            "  - response {} `{}`: {}",
                            r.status,
                            m.media_type,
                            or_dash(&fields)
                        );
                    }
                    if r.content.is_empty() {
                        let _ = writeln!(o, "  - response {}: no body", r.status);
                    }
                }
            }
            let _ = writeln!(o);
        }
        let idem = &self.policy.idempotency;
        match &idem.header {
            Some(h) => {
                let _ = writeln!(
                    o,
                    "Idempotency keys: header {} for {}; one key per logical call, reused by every retry of it; \
                     at most {} characters; the provider keeps keys {} h.\n",
                    sourced(h, |v| format!("`{v}`")),
                    idem.operations.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", "),
                    idem.max_length.as_ref().map_or("?".into(), |m| sourced(m, |v| v.to_string())),
                    idem.key_retention_hours.as_ref().map_or("?".into(), |m| sourced(m, |v| v.to_string())),
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "Idempotency keys: the provider has none; non-idempotent operations are sent once and never retried.\n"
                );
            }
        }
        if self.inbound().next().is_some() {
            let _ = writeln!(
                o,
                "Webhook dedup: the receiver's inbox (SQLite, unique `(source, key)`) is the authority against \
                 duplicates; the replay store (memory, SQLite or Redis) remembers delivery keys {} (TTL). \
                 Payload fields per event: see section 7 and the payload contract.\n",
                duration_text(tether_webhooks::receiver::DEFAULT_REPLAY_TTL.as_secs())
            );
        }
    }
}

/// Top-level property names of a schema (through `$ref`, `allOf`, arrays), `*` = required.
fn fields(doc: &Value, schema: &Value) -> String {
    let mut names = Vec::new();
    let mut required = BTreeSet::new();
    collect_fields(doc, schema, &mut names, &mut required, 0);
    let prefix = if resolve(doc, schema).get("type").and_then(Value::as_str) == Some("array") {
        "array of: "
    } else {
        ""
    };
    if names.is_empty() {
        return String::new();
    }
    let list: Vec<String> = names
        .iter()
        .map(|n| format!("`{n}`{}", if required.contains(n) { "*" } else { "" }))
        .collect();
    format!("{prefix}{}", list.join(", "))
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    tether_contract::reference::follow_or_stop(doc, schema)
}

fn collect_fields(
    doc: &Value,
    schema: &Value,
    names: &mut Vec<String>,
    required: &mut BTreeSet<String>,
    depth: u32,
) {
    if depth > 8 {
        return;
    }
    let s = resolve(doc, schema);
    if let Some(items) = s.get("items") {
        if s.get("type").and_then(Value::as_str) == Some("array") {
            collect_fields(doc, items, names, required, depth + 1);
            return;
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for part in all {
            collect_fields(doc, part, names, required, depth + 1);
        }
    }
    // Alternatives: their fields may appear, none is required by the union.
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let mut ignored = BTreeSet::new();
            for part in alts {
                collect_fields(doc, part, names, &mut ignored, depth + 1);
            }
        }
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for k in props.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    if let Some(req) = s.get("required").and_then(Value::as_array) {
        required.extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
    }
}
