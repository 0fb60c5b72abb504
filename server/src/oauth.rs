//! The machine endpoints: OAuth 2.0 token issuance (RFC 6749 client credentials, RFC 8693
//! token exchange, RFC 8707 resource indicators), introspection (RFC 7662), revocation
//! (RFC 7009), the published keys (RFC 7517) and the server metadata (RFC 8414).
//!
//! Clients are agents. They authenticate with `client_secret_basic`, `client_secret_post` or
//! `private_key_jwt` (an EdDSA-signed assertion, RFC 7523). Every error body has the RFC 6749
//! shape `{ "error", "error_description" }`; an unauthenticated client gets 401.

mod client_auth;
mod wire;

use client_auth::authenticate;
pub use client_auth::{ASSERTION_LEEWAY_SECS, MAX_ASSERTION_LIFETIME_SECS};
pub use wire::*;

use crate::limits::OAuthLimiter;
use crate::tokens::{Claims, TokenError, TokenService, attenuation, epoch};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use charter_store::model::*;
use charter_store::{AgentIdentity, StoreError, TokenRecord};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub const TOKEN: &str = "/oauth/token";
pub const INTROSPECT: &str = "/oauth/introspect";
pub const REVOKE: &str = "/oauth/revoke";
pub const JWKS: &str = "/.well-known/jwks.json";
pub const METADATA: &str = "/.well-known/oauth-authorization-server";

/// Every route [`routes`] mounts (for [`crate::routes::mounted_routes`]): the three that
/// authenticate a client, then the two public documents.
pub const ROUTES: &[(http::Method, &str)] = &[
    (http::Method::POST, TOKEN),
    (http::Method::POST, INTROSPECT),
    (http::Method::POST, REVOKE),
    (http::Method::GET, JWKS),
    (http::Method::GET, METADATA),
];

/// The routes, outside the session and CSRF layers (machines carry no cookies). The three that
/// authenticate clients are rate limited per source address (before any work) and per client
/// id (see [`crate::limits`]).
pub fn routes(svc: Arc<TokenService>, limiter: Arc<OAuthLimiter>) -> Router {
    let authenticating = Router::new()
        .route(TOKEN, post(token))
        .route(INTROSPECT, post(introspect))
        .route(REVOKE, post(revoke))
        .route_layer(axum::middleware::from_fn_with_state(
            limiter.clone(),
            crate::limits::limit_oauth_by_address,
        ))
        .layer(Extension(limiter));
    Router::new()
        .merge(authenticating)
        .route(JWKS, get(jwks))
        .route(METADATA, get(metadata))
        .with_state(svc)
}

async fn jwks(State(svc): State<Arc<TokenService>>) -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(svc.keys.jwks()),
    )
        .into_response()
}

async fn metadata(State(svc): State<Arc<TokenService>>) -> Response {
    let iss = svc.config.issuer.trim_end_matches('/');
    axum::Json(json!({
        "issuer": iss,
        "token_endpoint": format!("{iss}/oauth/token"),
        "introspection_endpoint": format!("{iss}/oauth/introspect"),
        "revocation_endpoint": format!("{iss}/oauth/revoke"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "grant_types_supported": [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["EdDSA"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_types": "Biscuit (https://www.biscuitsec.org), base64url",
        "max_delegation_depth": svc.config.max_depth,
    }))
    .into_response()
}

/// Form parameters; a repeated parameter is an error (RFC 6749 §3.1).
fn parse_form(headers: &HeaderMap, body: &[u8]) -> OResult<HashMap<String, String>> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ctype
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(OAuthError::invalid_request(
            "send the parameters as application/x-www-form-urlencoded",
        ));
    }
    if body.len() > 64 * 1024 {
        return Err(OAuthError::invalid_request(
            "the request body is over 64 KiB",
        ));
    }
    let mut params = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        if params.insert(k.to_string(), v.to_string()).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "parameter `{k}` is repeated"
            )));
        }
    }
    Ok(params)
}

/// `resource` → advertiser id. Accepts `urn:charter:account:<id>` (RFC 8707 wants an absolute
/// URI) and, for convenience, the bare id.
fn parse_resource(r: &str) -> OResult<AdvertiserId> {
    let id = r.strip_prefix(RESOURCE_PREFIX).unwrap_or(r);
    AdvertiserId::parse(id).map_err(|_| {
        OAuthError::invalid_target(format!(
            "`resource` must be `{RESOURCE_PREFIX}<advertiser id>`"
        ))
    })
}

fn agent_actor(i: &AgentIdentity) -> Actor {
    Actor::Agent {
        id: i.agent.id.clone(),
        label: format!("{} ({})", i.agent.name, i.partner_name),
    }
}

async fn token(
    State(svc): State<Arc<TokenService>>,
    Extension(limiter): Extension<Arc<OAuthLimiter>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match token_inner(&svc, &limiter, &headers, &body).await {
        Ok(v) => (StatusCode::OK, no_store(), axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn token_inner(
    svc: &TokenService,
    limiter: &OAuthLimiter,
    headers: &HeaderMap,
    body: &[u8],
) -> OResult<Value> {
    let p = parse_form(headers, body)?;
    let grant_type = required(&p, "grant_type")?.to_string();
    if grant_type != GRANT_CLIENT_CREDENTIALS && grant_type != GRANT_TOKEN_EXCHANGE {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            format!("grant type `{grant_type}` is not supported"),
        ));
    }
    let client = authenticate(svc, limiter, headers, &p).await?;
    if grant_type == GRANT_CLIENT_CREDENTIALS {
        client_credentials(svc, &client, &p).await
    } else {
        exchange(svc, &client, &p).await
    }
}

async fn client_credentials(
    svc: &TokenService,
    client: &AgentIdentity,
    p: &HashMap<String, String>,
) -> OResult<Value> {
    let advertiser = parse_resource(param(p, "resource").ok_or_else(|| {
        OAuthError::invalid_target(format!(
            "`resource` is required: the account, as `{RESOURCE_PREFIX}<advertiser id>`"
        ))
    })?)?;
    let no_grant =
        || OAuthError::invalid_target("this client holds no grant on that account".to_string());
    let grant = svc
        .store
        .grant_for(&advertiser, &client.agent.id)
        .await
        .map_err(OAuthError::server_error)?
        .ok_or_else(no_grant)?;
    let now = Utc::now();
    match grant.status {
        GrantStatus::Revoked => return Err(OAuthError::invalid_grant("the grant was revoked")),
        GrantStatus::Suspended => return Err(OAuthError::invalid_grant("the grant is suspended")),
        GrantStatus::Active => {}
    }
    if grant.expires_at.is_some_and(|e| e <= now) {
        return Err(OAuthError::invalid_grant("the grant expired"));
    }
    if let Some(nb) = grant.not_before.filter(|nb| *nb > now) {
        return Err(OAuthError::invalid_grant(format!(
            "the grant is not valid before {}",
            nb.to_rfc3339()
        )));
    }
    if let Some(scope) = param(p, "scope") {
        // The scope names the intent: it must be the grant's declared purpose.
        if scope
            .split_whitespace()
            .any(|s| s != grant.purpose.as_str())
        {
            return Err(OAuthError::invalid_scope(format!(
                "the grant's purpose is `{}`; `{scope}` is outside it",
                grant.purpose.as_str()
            )));
        }
    }
    let expires_at = [Some(now + svc.ttl()), grant.expires_at]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now);
    let claims = Claims {
        jti: TokenId::generate(),
        agent: client.agent.id.clone(),
        grant: grant.id.clone(),
        grant_version: grant.version,
        purpose: grant.purpose,
        audience: advertiser.clone(),
        issued_at: now,
        not_before: now,
        expires_at,
        depth: 0,
        actor_chain: vec![],
        ancestors: vec![],
    };
    issue(svc, client, claims, None).await
}

async fn issue(
    svc: &TokenService,
    client: &AgentIdentity,
    claims: Claims,
    policy: Option<String>,
) -> OResult<Value> {
    let token = svc.mint(&claims).map_err(OAuthError::server_error)?;
    let record = TokenRecord {
        jti: claims.jti.clone(),
        advertiser_id: claims.audience.clone(),
        grant_id: claims.grant.clone(),
        grant_version: claims.grant_version,
        agent_id: claims.agent.clone(),
        parent_jti: claims.ancestors.last().cloned(),
        depth: claims.depth,
        actor_chain: claims.actor_chain.clone(),
        policy,
        purpose: claims.purpose,
        issued_at: claims.issued_at,
        expires_at: claims.expires_at,
        revoked_at: None,
    };
    svc.store
        .record_token(&agent_actor(client), &record)
        .await
        .map_err(OAuthError::server_error)?;
    let mut body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": (claims.expires_at - claims.issued_at).num_seconds().max(0),
        "scope": claims.purpose.as_str(),
        "jti": claims.jti.as_str(),
        "grant_id": claims.grant.as_str(),
        "grant_version": claims.grant_version,
    });
    if claims.depth > 0 {
        body["issued_token_type"] = TOKEN_TYPE_ACCESS.into();
        body["depth"] = claims.depth.into();
    }
    Ok(body)
}

fn token_error(e: TokenError) -> OAuthError {
    match e {
        TokenError::Internal(m) => OAuthError::server_error(m),
        other => OAuthError::invalid_grant(format!("subject_token: {other}")),
    }
}

/// RFC 8693: the client (a child agent) exchanges its parent's token for a narrower one.
async fn exchange(
    svc: &TokenService,
    client: &AgentIdentity,
    p: &HashMap<String, String>,
) -> OResult<Value> {
    let subject = subject_token(p)?;
    let now = Utc::now();
    let parent = svc
        .verify(subject, None, None, now)
        .await
        .map_err(token_error)?;
    let pc = &parent.claims;
    if let Some(r) = param(p, "resource")
        && parse_resource(r)? != pc.audience
    {
        return Err(OAuthError::invalid_target(
            "a delegated token is for the same account as its parent",
        ));
    }
    if pc.depth + 1 > svc.config.max_depth {
        return Err(OAuthError::invalid_grant(format!(
            "delegation depth {} would exceed the limit {}",
            pc.depth + 1,
            svc.config.max_depth
        )));
    }
    let holder = svc
        .store
        .agent_identity(&pc.agent)
        .await
        .map_err(OAuthError::server_error)?
        .ok_or_else(|| OAuthError::invalid_grant("subject_token: its agent no longer exists"))?;
    if holder.agent.application_id != client.agent.application_id
        || client.agent.id == pc.agent
        || pc.actor_chain.contains(&client.agent.id)
    {
        return Err(OAuthError::invalid_grant(
            "the client must be another agent registered under the same application as the subject token's agent",
        ));
    }
    // The child's requested scope: a policy document.
    let child_text = required(p, "policy")?;
    let child = authz::parse_policy(child_text).map_err(|e| {
        OAuthError::invalid_scope(format!(
            "`policy` is not a valid policy: {} at {} (line {}, column {})",
            e.message, e.path, e.line, e.col
        ))
    })?;
    // The parent's effective scope, narrowed by every block its holder appended.
    prove_subset(
        &parent_scope(svc, pc).await?,
        &child,
        "the parent token's scope",
    )?;
    let mut expires_at = [now + svc.ttl(), pc.expires_at]
        .into_iter()
        .min()
        .unwrap_or(now);
    for block in &parent.attenuations {
        let policies = block.policies().map_err(|why| {
            OAuthError::invalid_scope(format!(
                "cannot prove the child stays within the subject token: {why}"
            ))
        })?;
        for (policy, r) in policies.iter().zip(&block.restrictions) {
            prove_subset(
                policy,
                &child,
                &format!("block {} (`{}`)", block.index, r.check()),
            )?;
            if let attenuation::Restriction::ExpiresBefore(t) = r {
                expires_at = expires_at.min(*t);
            }
        }
    }
    let mut chain = pc.actor_chain.clone();
    chain.push(pc.agent.clone());
    let mut ancestors = pc.ancestors.clone();
    ancestors.push(pc.jti.clone());
    let claims = Claims {
        jti: TokenId::generate(),
        agent: client.agent.id.clone(),
        grant: pc.grant.clone(),
        grant_version: pc.grant_version,
        purpose: pc.purpose,
        audience: pc.audience.clone(),
        issued_at: now,
        not_before: now,
        expires_at,
        depth: pc.depth + 1,
        actor_chain: chain,
        ancestors,
    };
    issue(svc, client, claims, Some(child_text.to_string())).await
}

/// The token-exchange form's subject token, after the parameters RFC 8693 fixes.
fn subject_token(p: &HashMap<String, String>) -> OResult<&str> {
    let subject = required(p, "subject_token")?;
    if required(p, "subject_token_type")? != TOKEN_TYPE_ACCESS {
        return Err(OAuthError::invalid_request(format!(
            "`subject_token_type` must be `{TOKEN_TYPE_ACCESS}`"
        )));
    }
    if param(p, "actor_token").is_some() {
        return Err(OAuthError::invalid_request(
            "the actor is the authenticated client; do not send `actor_token`",
        ));
    }
    if let Some(t) = param(p, "requested_token_type").filter(|t| *t != TOKEN_TYPE_ACCESS) {
        return Err(OAuthError::invalid_request(format!(
            "`requested_token_type` `{t}` is not supported"
        )));
    }
    Ok(subject)
}

/// A parent token's own scope: its grant's effective policy (a root token) or the scope
/// recorded at its own exchange (a delegated one).
async fn parent_scope(svc: &TokenService, pc: &Claims) -> OResult<authz::Policy> {
    let text = if pc.depth == 0 {
        let grant = svc
            .store
            .grant_by_id(&pc.grant)
            .await
            .map_err(OAuthError::server_error)?
            .ok_or_else(|| OAuthError::invalid_grant("subject_token: its grant is gone"))?;
        let adv = svc
            .store
            .advertiser(&pc.audience)
            .await
            .map_err(OAuthError::server_error)?
            .ok_or_else(|| OAuthError::invalid_grant("subject_token: its account is gone"))?;
        charter_core::policy::effective_policy_text(&grant, &adv)
    } else {
        svc.store
            .token(&pc.jti)
            .await
            .map_err(OAuthError::server_error)?
            .and_then(|t| t.policy)
    }
    .ok_or_else(|| OAuthError::invalid_grant("subject_token: its scope is unknown"))?;
    authz::parse_policy(&text).map_err(OAuthError::server_error)
}

/// Refuses unless every request `child` allows is allowed by `parent`, naming the statement
/// at fault and an example request.
fn prove_subset(parent: &authz::Policy, child: &authz::Policy, what: &str) -> OResult<()> {
    // Bounded work: a policy too complex to prove within the budget is refused, never minted.
    let result = authz::try_check_no_new_access(parent, child).map_err(|e| {
        OAuthError::invalid_scope(format!(
            "the requested policy is too complex to prove within {what}: {e}"
        ))
    })?;
    if result.passed() {
        return Ok(());
    }
    let description = match result.reasons.first() {
        Some(r) => format!(
            "the requested policy grants more than {what}: {}",
            r.summary()
        ),
        None => format!(
            "the requested policy grants more than {what}: {}",
            result.message
        ),
    };
    let mut e = OAuthError::invalid_scope(description);
    e.extra = Some(json!({ "check": result }));
    Err(e)
}

async fn introspect(
    State(svc): State<Arc<TokenService>>,
    Extension(limiter): Extension<Arc<OAuthLimiter>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        let p = parse_form(&headers, &body)?;
        let client = authenticate(&svc, &limiter, &headers, &p).await?;
        let token = required(&p, "token")?;
        let inactive: Value = json!({ "active": false });
        let Ok(v) = svc.verify(token, None, None, Utc::now()).await else {
            return Ok(inactive);
        };
        // A partner's clients may introspect the tokens of that partner's agents only.
        let holder = svc
            .store
            .agent_identity(&v.claims.agent)
            .await
            .map_err(OAuthError::server_error)?;
        if holder.is_none_or(|h| h.partner_id != client.partner_id) {
            return Ok(inactive);
        }
        Ok::<Value, OAuthError>(introspection(&v.claims))
    };
    match run.await {
        Ok(v) => (StatusCode::OK, no_store(), axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn act_claim(chain: &[AgentId]) -> Value {
    // RFC 8693 §4.1: the most recent actor outermost.
    chain.iter().fold(Value::Null, |inner, a| {
        let mut v = json!({ "sub": a.as_str() });
        if !inner.is_null() {
            v["act"] = inner;
        }
        v
    })
}

fn introspection(c: &Claims) -> Value {
    let mut v = json!({
        "active": true,
        "token_type": "Bearer",
        "client_id": c.agent.as_str(),
        "sub": c.agent.as_str(),
        "aud": format!("{RESOURCE_PREFIX}{}", c.audience),
        "scope": c.purpose.as_str(),
        "jti": c.jti.as_str(),
        "iat": epoch(c.issued_at),
        "nbf": epoch(c.not_before),
        "exp": epoch(c.expires_at),
        "grant_id": c.grant.as_str(),
        "grant_version": c.grant_version,
        "depth": c.depth,
    });
    if !c.actor_chain.is_empty() {
        v["act"] = act_claim(&c.actor_chain);
    }
    v
}

async fn revoke(
    State(svc): State<Arc<TokenService>>,
    Extension(limiter): Extension<Arc<OAuthLimiter>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        let p = parse_form(&headers, &body)?;
        let client = authenticate(&svc, &limiter, &headers, &p).await?;
        let token = required(&p, "token")?;
        // RFC 7009 §2.2: an invalid or unknown token is not an error.
        let far_future: DateTime<Utc> = Utc::now();
        if let Ok(v) = svc.verify_offline(token, None, None, far_future).await {
            match svc
                .store
                .revoke_token(
                    &agent_actor(&client),
                    &v.claims.jti,
                    Some(&client.agent.id),
                    "revoked by its holder (RFC 7009)",
                )
                .await
            {
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(OAuthError::server_error(e)),
            }
        }
        Ok::<Value, OAuthError>(json!({}))
    };
    match run.await {
        Ok(v) => (StatusCode::OK, no_store(), axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}
