//! The delivery handler: [`receive`] takes one request from its size and content type
//! to the inbox commit and the 2xx, and the helpers build its tagged responses.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tether_contract::model::{is_json_essence, media_essence};
use tether_contract::validate::RequestBody;

use super::{Endpoint, Shared};
use crate::inbox::{InboxError, NewDelivery, Stored};
use crate::payload::ValidationMode;
use crate::replay::StoreError;
use crate::{DeliveryKey, Rejection, Scheme};

/// What became of a delivery, attached to its response for the metrics.
#[derive(Debug, Clone, Copy)]
pub(super) struct Outcome {
    pub(super) outcome: &'static str,
    pub(super) reason: &'static str,
}

fn tagged(mut response: Response, outcome: &'static str, reason: &'static str) -> Response {
    response
        .extensions_mut()
        .insert(Outcome { outcome, reason });
    response
}

fn reject(r: &Rejection) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
    tagged(
        (
            status,
            axum::Json(json!({"error": r.kind(), "message": r.to_string()})),
        )
            .into_response(),
        "rejected",
        r.kind(),
    )
}

fn unavailable(what: &str) -> Response {
    // The only 5xx: our storage failed; the provider should retry.
    tagged(
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"error": "unavailable", "message": what})),
        )
            .into_response(),
        "unavailable",
        "",
    )
}

/// How long a receiver may hold a delivery's claim: far longer than storing takes, short
/// enough that a receiver that died holding it delays the provider's redelivery little.
const CLAIM_HOLD: Duration = Duration::from_secs(30);

/// Another receiver is storing this delivery right now: not an error of the sender, and
/// not an acknowledgement either (that receiver may still fail), so 409 and the provider
/// redelivers later, when the delivery is either stored (answered 200 duplicate) or free.
fn in_progress(key: &str) -> Response {
    tagged(
        (
            StatusCode::CONFLICT,
            axum::Json(json!({"error": "in_progress", "delivery": key, "message": "another receiver is storing this delivery; retry later"})),
        )
            .into_response(),
        "in_progress",
        "",
    )
}

fn ok(status: &'static str, key: &str) -> Response {
    tagged(
        (
            StatusCode::OK,
            axum::Json(json!({"status": status, "delivery": key})),
        )
            .into_response(),
        status,
        "",
    )
}

pub(super) async fn receive(
    shared: &Shared,
    ep: &Endpoint,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let limit = shared.limits.max_body;
    let announced = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = announced.filter(|s| *s > limit) {
        return reject(&Rejection::BodyTooLarge { size, limit });
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let media = media_essence(&content_type);
    if !ep.content_types.contains(&media) {
        return reject(&Rejection::UnsupportedContentType {
            content_type,
            accepted: ep.content_types.join(", "),
        });
    }
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let bytes =
        match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, cap)).await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return reject(&Rejection::BodyTooLarge {
                    size: limit.saturating_add(1),
                    limit,
                });
            }
            Err(e) => {
                return tagged(
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(
                        json!({"error": "body", "message": format!("cannot read the body: {e}")}),
                    ),
                )
                    .into_response(),
                "rejected",
                "body",
            );
            }
        };
    let now = shared.clock.now_unix();
    let verified = match ep.verifier.verify(&headers, &bytes, now) {
        Ok(v) => v,
        Err(r) => return reject(&r),
    };
    let json_body: Option<Value> = if is_json_essence(&media) {
        serde_json::from_slice(&bytes).ok()
    } else {
        None
    };
    let scheme = ep.verifier.scheme();
    let key = match delivery_key(scheme, &headers, verified.delivery_id, json_body.as_ref()) {
        Ok(k) => k,
        Err(r) => return reject(&r),
    };
    let replay_key = format!("{}:{key}", ep.name);
    match shared.replay.contains(&replay_key, now).await {
        Ok(true) => return ok("duplicate", &key),
        Ok(false) => {}
        Err(e) => return unavailable(&store_message(&e)),
    }
    let event = event_name(scheme, &headers, json_body.as_ref());
    let mut findings = None;
    if let (Some((contract, mode)), Some(event)) = (&ep.contract, &event) {
        if let Some(op) = contract.operation_for(event, json_body.as_ref()) {
            let result = match &json_body {
                Some(v) => contract.validate(op, &media, RequestBody::Json(v)),
                None => contract.validate(op, &media, RequestBody::Raw(&bytes)),
            };
            if let Err(errors) = result {
                let list: Vec<Value> = errors
                    .iter()
                    .map(|e| json!({"pointer": e.pointer, "keyword": e.keyword, "message": e.message}))
                    .collect();
                if *mode == ValidationMode::Enforce {
                    return tagged(
                        (
                            StatusCode::BAD_REQUEST,
                            axum::Json(
                                json!({"error": "contract", "operation": op, "findings": list}),
                            ),
                        )
                            .into_response(),
                        "rejected",
                        "contract",
                    );
                }
                findings = Some(Value::Array(list).to_string());
            }
        }
    }
    let stored_headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let delivery = NewDelivery {
        source: ep.name.clone(),
        key: key.clone(),
        event,
        headers: stored_headers,
        body: bytes.to_vec(),
        received_at: now,
        findings,
    };
    // Receivers sharing the replay store (Redis) store a delivery only while holding its
    // claim; the one that stores it marks it seen before giving the claim back, so a
    // receiver that gets the claim afterwards finds it seen (checked again below).
    match shared.replay.claim(&replay_key, CLAIM_HOLD).await {
        Ok(true) => {}
        Ok(false) => return in_progress(&key),
        Err(e) => return unavailable(&store_message(&e)),
    }
    match shared.replay.contains(&replay_key, now).await {
        Ok(false) => {}
        seen => {
            let _ = shared.replay.release(&replay_key).await;
            return match seen {
                Err(e) => unavailable(&store_message(&e)),
                _ => ok("duplicate", &key),
            };
        }
    }
    let stored = match shared.inbox.store(delivery).await {
        Ok(s) => s,
        Err(e) => {
            let _ = shared.replay.release(&replay_key).await;
            return unavailable(&inbox_message(&e));
        }
    };
    let tolerance = ep.verifier.tolerance();
    let ttl = shared.limits.replay_ttl.max(tolerance.saturating_mul(2));
    // Best effort: the inbox row already guarantees no second record in this inbox; a
    // shared store that missed this write answers later copies with a claim of their own.
    let _ = shared.replay.insert_if_absent(&replay_key, ttl, now).await;
    let _ = shared.replay.release(&replay_key).await;
    match stored {
        Stored::Inserted { .. } => ok("accepted", &key),
        Stored::Duplicate => ok("duplicate", &key),
    }
}

fn store_message(e: &StoreError) -> String {
    format!("replay store unavailable: {e}")
}

fn inbox_message(e: &InboxError) -> String {
    format!("inbox unavailable: {e}")
}

/// The provider's id for a delivery, by the scheme's [`Scheme::delivery_key`] rule: the
/// header the verifier read (`from_header`) or the body field; failing that, unless the
/// rule requires its header, a digest of the signature header (unique per signed
/// timestamp and body).
fn delivery_key(
    scheme: Scheme,
    headers: &HeaderMap,
    from_header: Option<&str>,
    body: Option<&Value>,
) -> Result<String, Rejection> {
    let found = match scheme.delivery_key() {
        DeliveryKey::Header { name, required } => match from_header.filter(|s| !s.is_empty()) {
            Some(id) => Some(id.to_owned()),
            None if required => return Err(Rejection::MissingHeader { name }),
            None => None,
        },
        DeliveryKey::BodyField { name, .. } => body
            .and_then(|b| b.get(name))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    };
    Ok(found.unwrap_or_else(|| {
        let sig = headers
            .get(scheme.signature_header())
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        format!("sig:{}", tether_contract::sha256_hex(sig))
    }))
}

fn event_name(scheme: Scheme, headers: &HeaderMap, body: Option<&Value>) -> Option<String> {
    let field = |b: &Value, f: &str| b.get(f).and_then(Value::as_str).map(str::to_owned);
    match scheme {
        Scheme::GitHub => headers
            .get("X-GitHub-Event")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Scheme::Stripe | Scheme::Standard => body.and_then(|b| field(b, "type")),
        Scheme::Slack => body.and_then(|b| {
            b.get("event")
                .and_then(|e| field(e, "type"))
                .or_else(|| field(b, "type"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderName, HeaderValue};
    use serde_json::{json, Value};

    use super::delivery_key;
    use crate::{sign, DeliveryKey, Rejection, Scheme, SigningKey, Verifier};

    const NOW: i64 = 1_700_000_000;

    /// A delivery of `scheme` signed as the provider would (`id`: the delivery id header,
    /// for schemes that have one), plus `extra` headers; the key the handler picks for it
    /// once verified.
    fn key_of(
        scheme: Scheme,
        body: &Value,
        id: Option<&str>,
        extra: &[(&'static str, &str)],
    ) -> (HeaderMap, Result<String, Rejection>) {
        let secret = SigningKey::literal("delivery-key-test-secret").unwrap();
        let verifier = Verifier::builder(scheme)
            .secret(secret.clone())
            .build()
            .unwrap();
        let bytes = serde_json::to_vec(body).unwrap();
        let mut headers = HeaderMap::new();
        for (name, value) in extra {
            headers.insert(
                HeaderName::try_from(*name).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        for (name, value) in sign(scheme, &secret, &bytes, NOW, id) {
            headers.insert(
                HeaderName::try_from(name).unwrap(),
                HeaderValue::from_str(&value).unwrap(),
            );
        }
        let verified = verifier
            .verify(&headers, &bytes, NOW)
            .unwrap_or_else(|r| panic!("{scheme}: {r}"));
        let key = delivery_key(scheme, &headers, verified.delivery_id, Some(body));
        (headers, key)
    }

    /// The rule the brief describes is the rule the handler applies: for every scheme, a
    /// delivery carrying its key where the rule says (and decoys wherever the other
    /// schemes' rules look) is keyed by it; without it, it is refused when the rule
    /// requires it, else keyed by the signature header.
    #[test]
    fn the_handler_picks_the_key_its_scheme_rule_describes() {
        for scheme in Scheme::ALL {
            let rule = scheme.delivery_key();
            let mut body = json!({"type": "ping"});
            let mut decoys = Vec::new();
            for other in Scheme::ALL {
                match other.delivery_key() {
                    DeliveryKey::BodyField { name, .. } => body[name] = json!("decoy"),
                    DeliveryKey::Header { name, .. } if rule != other.delivery_key() => {
                        decoys.push((name, "decoy"));
                    }
                    DeliveryKey::Header { .. } => {}
                }
            }
            let (name, header_id) = match rule {
                DeliveryKey::Header { name, .. } => (name, Some("from-rule")),
                DeliveryKey::BodyField { name, .. } => {
                    body[name] = json!("from-rule");
                    (name, None)
                }
            };
            assert!(
                rule.to_string().contains(&format!("`{name}`")),
                "{scheme}: `{rule}` does not name `{name}`"
            );

            let (headers, key) = key_of(scheme, &body, header_id, &decoys);
            if let Some(id) = header_id {
                assert_eq!(
                    headers.get(name).and_then(|v| v.to_str().ok()),
                    Some(id),
                    "{scheme}: the provider's delivery id is not in `{name}`"
                );
            }
            assert_eq!(key, Ok("from-rule".to_owned()), "{scheme}: {rule}");

            // The rule's source empty (header) or absent (body field).
            let header_id = header_id.map(|_| "");
            if let Some(fields) = body.as_object_mut() {
                if header_id.is_none() {
                    fields.remove(name);
                }
            }
            let (headers, key) = key_of(scheme, &body, header_id, &decoys);
            let expected = match rule {
                DeliveryKey::Header {
                    required: true,
                    name,
                } => Err(Rejection::MissingHeader { name }),
                _ => {
                    let sig = headers
                        .get(scheme.signature_header())
                        .map(|v| v.as_bytes())
                        .unwrap_or_default();
                    Ok(format!("sig:{}", tether_contract::sha256_hex(sig)))
                }
            };
            assert_eq!(key, expected, "{scheme} without its key: {rule}");
        }
    }
}
