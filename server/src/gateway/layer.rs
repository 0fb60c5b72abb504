//! The gateway (PEP) in front of the sandbox Ads API.
//!
//! [`sandbox_router`] mounts every route of [`charter_sandbox::routes`] behind [`gate`], so a
//! handler only ever runs after an allow, with [`Decided`] in its request. The gate:
//!
//! 1. reads the bearer token and learns the account from it (its audience);
//! 2. buffers the JSON body (at most [`MAX_BODY`]) and asks the route to describe the call
//!    (action, resource, amount);
//! 3. decides with [`Enforcer::decide`], with the intent from the `Charter-Intent` header;
//! 4. on a deny, answers with problem details; on an allow, runs the handler and then commits
//!    the spend reservation if the handler succeeded (2xx), or releases it otherwise.

use super::{AuthzRequest, Enforcer, Problem, Reason};
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use charter_sandbox::{Decided, DescribeFn, DescribeInput, SandboxError};
use charter_store::SandboxDb;
use chrono::Utc;
use std::collections::BTreeMap;

/// Where the sandbox is mounted.
pub const PREFIX: &str = "/sandbox/v1";
/// The largest request body the sandbox accepts.
pub const MAX_BODY: usize = 64 * 1024;
/// The header that carries the request's intent (a purpose code).
pub const INTENT_HEADER: &str = "charter-intent";

/// What the gate knows about its route.
#[derive(Clone)]
pub struct RouteGate {
    pub enforcer: Enforcer,
    pub action: &'static str,
    pub path: &'static str,
    pub describe: DescribeFn,
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    let v = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Every sandbox route, each behind the gate. Unknown paths get a 404 problem.
pub fn sandbox_router(enforcer: Enforcer, store: SandboxDb) -> Router {
    let mut router: Router<SandboxDb> = Router::new();
    for route in charter_sandbox::routes() {
        let gate = RouteGate {
            enforcer: enforcer.clone(),
            action: route.action,
            path: route.path,
            describe: route.describe,
        };
        // Mounted with `nest("/sandbox/v1", …)`: register the path below the prefix.
        let path = route.path.strip_prefix(PREFIX).unwrap_or(route.path);
        router = router.route(
            path,
            route.handler.layer(from_fn_with_state(gate, self::gate)),
        );
    }
    router
        .fallback(|| async {
            Problem::new(
                Reason::UnknownAction,
                "no sandbox route has this method and path; see the README's route table",
            )
        })
        .with_state(store)
}

async fn gate(State(gate): State<RouteGate>, req: Request, next: Next) -> Response {
    let now = Utc::now();
    let (mut parts, body) = req.into_parts();
    let token = bearer(&parts.headers).map(str::to_string);
    let intent = parts
        .headers
        .get(INTENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // The account comes from the token; a bad token is decided (and audited) as such.
    let advertiser = match gate.enforcer.audience(token.as_deref(), now).await {
        Ok(a) => a,
        Err(()) => {
            let req = AuthzRequest {
                action: gate.action.to_string(),
                resource: String::new(),
                intent,
                ..AuthzRequest::default()
            };
            let v = gate.enforcer.decide(token.as_deref(), &req, now).await;
            return v.problem().into_response();
        }
    };
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return SandboxError::BadRequest(format!(
                "the request body is larger than {} KiB",
                MAX_BODY / 1024
            ))
            .into_response();
        }
    };
    let json: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                return SandboxError::BadRequest(format!(
                    "the body is not valid JSON: {e} (line {}, column {})",
                    e.line(),
                    e.column()
                ))
                .into_response();
            }
        }
    };
    let params: BTreeMap<String, String> =
        match RawPathParams::from_request_parts(&mut parts, &()).await {
            Ok(p) => p
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            Err(_) => BTreeMap::new(),
        };
    let store: SandboxDb = gate.enforcer.store.clone();
    let op = match (gate.describe)(DescribeInput {
        advertiser: &advertiser,
        params: &params,
        body: &json,
        store: &store,
        now,
    })
    .await
    {
        Ok(op) => op,
        Err(e) => return e.into_response(),
    };
    debug_assert_eq!(
        op.action, gate.action,
        "route {} describes another action",
        gate.path
    );
    let mut context = BTreeMap::new();
    if let Some(bid) = &op.bid_amount {
        // Bid caps in grant policies compare this key (see the grant editor's "max bid").
        context.insert("ads:BidAmount".to_string(), bid.clone());
    }
    let areq = AuthzRequest {
        action: op.action.to_string(),
        resource: op.resource.clone(),
        amount_minor: op.amount_minor,
        intent,
        context,
    };
    let v = gate.enforcer.decide(token.as_deref(), &areq, now).await;
    if !v.allowed() {
        return v.problem().into_response();
    }
    let Some(subject) = v.subject.clone() else {
        return Problem::new(Reason::TokenInvalid, "the token names no grant").into_response();
    };
    if subject.advertiser.id != advertiser.id {
        return Problem::new(Reason::TokenInvalid, "the token's account changed").into_response();
    }
    parts.extensions.insert(Decided {
        advertiser,
        agent_id: subject.agent_id.clone(),
        grant_id: subject.grant_id.clone(),
        decision_id: v.decision_id.clone().unwrap_or_default(),
        reservation_id: v.reservation.as_ref().map(|r| r.id.to_string()),
        operation: op,
    });
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if let Some(r) = &v.reservation {
        let ok = response.status().is_success();
        if let Err(e) = gate.enforcer.settle(&r.grant_id, None, &r.id, ok).await {
            tracing::error!(error = %e, reservation = %r.id, "settling a reservation failed");
        }
    }
    response
}
