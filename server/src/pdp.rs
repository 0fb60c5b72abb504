//! The PDP API for partners' own gateways.
//!
//! - `POST /v1/authorize` — body [`AuthzRequest`], the agent's token as
//!   `Authorization: Bearer …`. Always `200` with a decision (allow or deny, the stable reason,
//!   the deciding statement ids, the nearest miss) unless the body itself is bad (`400` problem
//!   naming the JSON line and column).
//! - `POST /v1/authorize/batch` — `{"requests": [...]}` (at most [`MAX_BATCH`]), decided in order
//!   with one token; `{"results": [...]}` in the same order.
//! - `POST /v1/reservations/{id}/commit` and `…/release` — settle the spend reservation an allow
//!   returned as an obligation, with the token that made it. Unknown, another grant's or
//!   another token's → `404`;
//!   already settled or expired → `409`.
//!
//! An allow that moves money carries the obligation
//! `{"type": "spend_reservation", "reservationId": …, "amountMinor": …, "expiresAt": …}`: the
//! caller commits it when the call succeeded and releases it otherwise; a reservation left
//! alone expires after five minutes and then counts as released.

use crate::gateway::layer::bearer;
use crate::gateway::{AuthzRequest, Enforcer, Problem, Reason, Verdicted, limits};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use charter_store::StoreError;
use charter_store::model::ReservationId;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

/// The most requests one batch may carry.
pub const MAX_BATCH: usize = 100;
/// The largest body the PDP reads.
pub const MAX_BODY: usize = 256 * 1024;

pub const AUTHORIZE: &str = "/v1/authorize";
pub const AUTHORIZE_BATCH: &str = "/v1/authorize/batch";
pub const COMMIT: &str = "/v1/reservations/{id}/commit";
pub const RELEASE: &str = "/v1/reservations/{id}/release";

/// Every route [`routes`] mounts (for [`crate::routes::mounted_routes`]); all take a bearer
/// token.
pub const ROUTES: &[(http::Method, &str)] = &[
    (http::Method::POST, AUTHORIZE),
    (http::Method::POST, AUTHORIZE_BATCH),
    (http::Method::POST, COMMIT),
    (http::Method::POST, RELEASE),
];

pub fn routes(enforcer: Enforcer) -> Router {
    Router::new()
        .route(AUTHORIZE, post(authorize))
        .route(AUTHORIZE_BATCH, post(authorize_batch))
        .route(COMMIT, post(commit))
        .route(RELEASE, post(release))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(enforcer)
}

/// A decision as the PDP returns it.
pub fn decision_json(v: &Verdicted) -> Value {
    let obligations: Vec<Value> = v
        .reservation
        .iter()
        .map(|r| {
            json!({
                "type": "spend_reservation",
                "reservationId": r.id.as_str(),
                "amountMinor": r.amount_minor,
                "expiresAt": r.expires_at.to_rfc3339(),
                "commit": format!("/v1/reservations/{}/commit", r.id),
                "release": format!("/v1/reservations/{}/release", r.id),
            })
        })
        .collect();
    let mut out = json!({
        "decision": if v.allowed() { "allow" } else { "deny" },
        "reason": v.reason.code(),
        "detail": v.detail,
        "statementIds": v.statements,
        "obligations": obligations,
    });
    if let Some(m) = &v.nearest_miss {
        out["nearestMiss"] = json!(m);
    }
    if let Some(id) = &v.decision_id {
        out["decisionId"] = json!(id);
    }
    if let Some(s) = &v.subject {
        out["agentId"] = json!(s.agent_id.as_str());
        out["grantId"] = json!(s.grant_id.as_str());
        out["advertiserId"] = json!(s.advertiser.id.as_str());
    }
    if let Some(r) = v.retry_after {
        out["retryAfterSeconds"] = json!(r.num_seconds().max(1));
    }
    out
}

fn bad_body(e: &serde_json::Error) -> Response {
    bad_request(format!(
        "the request body is invalid at line {}, column {}: {e}",
        e.line(),
        e.column()
    ))
}

/// `400 invalid_request` with `detail`.
fn bad_request(detail: String) -> Response {
    let mut p = Problem::new(Reason::UnknownAction, detail);
    p.kind = "https://charter.dev/problems/invalid_request".into();
    p.title = "Invalid request";
    p.reason = "invalid_request";
    p.status = 400;
    p.into_response()
}

async fn authorize(State(enf): State<Enforcer>, headers: HeaderMap, body: Bytes) -> Response {
    let req: AuthzRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_body(&e),
    };
    if let Err(e) = limits::check(&req) {
        return bad_request(format!("the request is refused: {e}"));
    }
    let v = enf.decide(bearer(&headers), &req, Utc::now()).await;
    (StatusCode::OK, axum::Json(decision_json(&v))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    requests: Vec<AuthzRequest>,
}

async fn authorize_batch(State(enf): State<Enforcer>, headers: HeaderMap, body: Bytes) -> Response {
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_body(&e),
    };
    if batch.requests.is_empty() || batch.requests.len() > MAX_BATCH {
        let e = serde_json::Error::io(std::io::Error::other(format!(
            "`requests` must hold 1 to {MAX_BATCH} requests, not {}",
            batch.requests.len()
        )));
        return bad_body(&e);
    }
    for (i, r) in batch.requests.iter().enumerate() {
        if let Err(e) = limits::check(r) {
            return bad_request(format!("request {i} of the batch is refused: {e}"));
        }
    }
    let token = bearer(&headers);
    let mut results = Vec::with_capacity(batch.requests.len());
    for r in &batch.requests {
        results.push(decision_json(&enf.decide(token, r, Utc::now()).await));
    }
    (StatusCode::OK, axum::Json(json!({ "results": results }))).into_response()
}

async fn settle(enf: &Enforcer, headers: &HeaderMap, id: &str, commit: bool) -> Response {
    let Some(token) = bearer(headers) else {
        return Problem::new(
            Reason::TokenMissing,
            "send the token the reservation was made with",
        )
        .into_response();
    };
    let claims = match enf.token_grant(token).await {
        Ok(c) => c,
        Err(e) => {
            let reason = crate::gateway::token_reason(&e);
            return Problem::new(reason, e.to_string()).into_response();
        }
    };
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": "not_found", "detail": "no such reservation" })),
        )
            .into_response()
    };
    let Ok(id) = ReservationId::parse(id) else {
        return not_found();
    };
    match enf.settle(&claims.grant, Some(&claims.jti), &id, commit).await {
        Ok(entry) => (StatusCode::OK, axum::Json(json!({
            "reservationId": entry.id.as_str(),
            "status": entry.status.as_str(),
            "amountMinor": entry.amount_minor,
            "settledAt": entry.settled_at.map(|t| t.to_rfc3339()),
        })))
        .into_response(),
        Err(StoreError::NotFound) => not_found(),
        Err(StoreError::Conflict(what)) => (
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": "conflict", "detail": format!("the reservation cannot be settled: {what} already happened") })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "settling a reservation failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "error": "unavailable", "detail": "try again" })),
            )
                .into_response()
        }
    }
}

async fn commit(
    State(enf): State<Enforcer>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    settle(&enf, &headers, &id, true).await
}

async fn release(
    State(enf): State<Enforcer>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    settle(&enf, &headers, &id, false).await
}
