//! Client authentication at the OAuth endpoints: `client_secret_basic`, `client_secret_post`
//! and `private_key_jwt` (RFC 7523, EdDSA), with the per-client rate limit.

use super::wire::{ASSERTION_JWT_BEARER, OAuthError, OResult, param, required};
use crate::limits::OAuthLimiter;
use crate::tokens::TokenService;
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use charter_store::AgentIdentity;
use charter_store::model::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// Clock skew allowed on a `private_key_jwt` assertion's `exp` and `iat`, in seconds. A used
/// `jti` is remembered until `exp` plus this leeway, so it cannot be replayed inside it.
pub const ASSERTION_LEEWAY_SECS: i64 = 30;
/// The longest lifetime of a `private_key_jwt` assertion, in seconds: `exp − iat`, and
/// `exp − now` (when `iat` is absent, or in the future).
pub const MAX_ASSERTION_LIFETIME_SECS: i64 = 300;

/// Authenticates the calling agent by whichever one method it used.
pub(super) async fn authenticate(
    svc: &TokenService,
    limiter: &OAuthLimiter,
    headers: &HeaderMap,
    p: &HashMap<String, String>,
) -> OResult<AgentIdentity> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.get(..6)
                .filter(|s| s.eq_ignore_ascii_case("basic "))
                .map(|_| v[6..].trim().to_string())
        });
    let post_secret = param(p, "client_secret");
    let assertion = param(p, "client_assertion");
    let methods = [basic.is_some(), post_secret.is_some(), assertion.is_some()]
        .iter()
        .filter(|m| **m)
        .count();
    if methods > 1 {
        return Err(OAuthError::invalid_request(
            "use exactly one client authentication method",
        ));
    }
    let fail = |basic: bool, d: &str| {
        let mut e = OAuthError::invalid_client(d);
        e.basic = basic;
        e
    };
    let (client_id, secret, via_basic) = if let Some(b) = &basic {
        let decoded = STANDARD
            .decode(b)
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or_else(|| fail(true, "the Basic credentials are not valid base64"))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(|| fail(true, "the Basic credentials have no `:`"))?;
        // RFC 6749 §2.3.1: both parts are form-urlencoded first.
        let dec = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        };
        (dec(id), Some(dec(secret)), true)
    } else if let Some(s) = post_secret {
        (
            required(p, "client_id")?.to_string(),
            Some(s.to_string()),
            false,
        )
    } else if let Some(a) = assertion {
        if param(p, "client_assertion_type") != Some(ASSERTION_JWT_BEARER) {
            return Err(OAuthError::invalid_request(format!(
                "`client_assertion_type` must be `{ASSERTION_JWT_BEARER}`"
            )));
        }
        let agent = verify_assertion(svc, a, param(p, "client_id")).await?;
        limiter
            .check_client(agent.as_str())
            .map_err(|r| OAuthError::rate_limited(r, "for this client"))?;
        return active_agent(svc, &agent, false).await;
    } else {
        return Err(fail(
            false,
            "client authentication is required (client_secret_basic, client_secret_post or private_key_jwt)",
        ));
    };
    let secret = secret.unwrap_or_default();
    if AgentId::parse(&client_id).is_ok() {
        limiter.check_client(&client_id).map_err(|r| {
            let mut e = OAuthError::rate_limited(r, "for this client");
            e.basic = via_basic;
            e
        })?;
    }
    // An unknown or malformed client id costs the same keyed hash as a known one.
    let agent = AgentId::parse(&client_id).unwrap_or_else(|_| AgentId::generate());
    let ok = svc
        .store
        .verify_client_secret(&agent, &secret)
        .await
        .map_err(OAuthError::server_error)?;
    if !ok || AgentId::parse(&client_id).is_err() {
        return Err(fail(via_basic, "unknown client or wrong secret"));
    }
    active_agent(svc, &agent, via_basic).await
}

async fn active_agent(svc: &TokenService, agent: &AgentId, basic: bool) -> OResult<AgentIdentity> {
    let ident = svc
        .store
        .agent_identity(agent)
        .await
        .map_err(OAuthError::server_error)?;
    match ident {
        Some(i) if i.agent.status == AgentStatus::Active => Ok(i),
        _ => {
            let mut e = OAuthError::invalid_client("the client is disabled or unknown");
            e.basic = basic;
            Err(e)
        }
    }
}

/// Verifies a `private_key_jwt` assertion (RFC 7523 §3) signed with EdDSA by a registered key.
async fn verify_assertion(
    svc: &TokenService,
    jwt: &str,
    client_id: Option<&str>,
) -> OResult<AgentId> {
    let bad = |d: &str| OAuthError::invalid_client(format!("client assertion: {d}"));
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, b, s] = parts[..] else {
        return Err(bad("not a compact JWS"));
    };
    let decode = |x: &str| URL_SAFE_NO_PAD.decode(x).map_err(|_| bad("not base64url"));
    let header: Value =
        serde_json::from_slice(&decode(h)?).map_err(|_| bad("the header is not JSON"))?;
    let claims: Value =
        serde_json::from_slice(&decode(b)?).map_err(|_| bad("the payload is not JSON"))?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(bad("`alg` must be `EdDSA`"));
    }
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    if iss.is_empty() || iss != sub || client_id.is_some_and(|c| c != iss) {
        return Err(bad("`iss` and `sub` must both be the client id"));
    }
    let agent = AgentId::parse(iss).map_err(|_| bad("unknown client"))?;
    let iss_url = svc.config.issuer.trim_end_matches('/');
    let token_url = format!("{iss_url}/oauth/token");
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => *a == token_url || a == iss_url,
        Some(Value::Array(list)) => list
            .iter()
            .any(|a| a.as_str() == Some(&token_url) || a.as_str() == Some(iss_url)),
        _ => false,
    };
    if !aud_ok {
        return Err(bad(&format!("`aud` must be `{token_url}`")));
    }
    let exp = assertion_expiry(&claims, Utc::now()).map_err(|d| bad(&d))?;
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty() && j.len() <= 200)
        .ok_or_else(|| bad("`jti` is required"))?;
    let sig: [u8; 64] = decode(s)?
        .try_into()
        .map_err(|_| bad("the signature is not 64 bytes"))?;
    let sig = ed25519_dalek::Signature::from_bytes(&sig);
    let signing_input = format!("{h}.{b}");
    let kid = header.get("kid").and_then(Value::as_str);
    let keys = svc
        .store
        .active_client_keys(&agent)
        .await
        .map_err(OAuthError::server_error)?;
    let verified = keys
        .iter()
        .filter(|k| kid.is_none_or(|kid| kid == k.kid))
        .any(|k| {
            URL_SAFE_NO_PAD
                .decode(&k.public_key)
                .ok()
                .and_then(|x| <[u8; 32]>::try_from(x).ok())
                .and_then(|x| ed25519_dalek::VerifyingKey::from_bytes(&x).ok())
                .is_some_and(|vk| vk.verify_strict(signing_input.as_bytes(), &sig).is_ok())
        });
    if !verified {
        return Err(bad("the signature does not verify with a registered key"));
    }
    // Remembered for as long as the assertion could be accepted: until `exp` + the leeway.
    let fresh = svc
        .store
        .remember_assertion(jti, &agent, exp + Duration::seconds(ASSERTION_LEEWAY_SECS))
        .await
        .map_err(OAuthError::server_error)?;
    if !fresh {
        return Err(bad("it was already used (`jti` replayed)"));
    }
    Ok(agent)
}

/// An assertion's `exp`, once its time claims pass: not expired (beyond the leeway), `iat`
/// (when present) not in the future beyond the leeway, and a lifetime of at most
/// [`MAX_ASSERTION_LIFETIME_SECS`] counted from `iat` and from now.
fn assertion_expiry(claims: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, String> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .and_then(crate::tokens::from_epoch)
                .map(Some)
                .ok_or_else(|| format!("`{name}` must be a NumericDate (seconds)")),
        }
    };
    let leeway = Duration::seconds(ASSERTION_LEEWAY_SECS);
    let longest = Duration::seconds(MAX_ASSERTION_LIFETIME_SECS);
    let exp = time("exp")?.ok_or("`exp` is required")?;
    if exp <= now - leeway {
        return Err("it expired".into());
    }
    if let Some(iat) = time("iat")? {
        if iat > now + leeway {
            return Err("`iat` is in the future".into());
        }
        if exp - iat > longest {
            return Err(format!(
                "its lifetime (`exp` − `iat`) is over {MAX_ASSERTION_LIFETIME_SECS} seconds"
            ));
        }
    }
    if exp - now > longest {
        return Err(format!(
            "`exp` is more than {MAX_ASSERTION_LIFETIME_SECS} seconds ahead"
        ));
    }
    Ok(exp)
}
