use crate::error::AppError;
use charter_model::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerConsole {
    pub partner: Partner,
    pub applications: Vec<ApplicationWithAgents>,
}

/// A partner's applications and agents. Developers of that partner only; anyone else gets 404.
#[server(endpoint = "partner_console")]
pub async fn load_partner_console(partner_id: String) -> Result<PartnerConsole, AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person().await?;
    let dev = partner_access(&person, &partner_id).await?;
    let partner = dev.partner();
    let applications = store()?.applications_with_agents(&partner.id).await?;
    Ok(PartnerConsole {
        partner: partner.clone(),
        applications,
    })
}

#[cfg(feature = "ssr")]
fn back_with_error(partner: &PartnerId, form: &str, code: &str) {
    leptos_axum::redirect(&format!("/partners/{partner}?form={form}&error={code}"));
}

#[cfg(feature = "ssr")]
fn error_code(e: &AppError) -> &'static str {
    match e {
        AppError::BadRequest(m) if m.contains("already exists") => "duplicate",
        _ => "invalid",
    }
}

#[server(endpoint = "create_application")]
pub async fn create_application(
    partner_id: String,
    name: String,
    description: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let dev = partner_access(&person, &partner_id).await?;
    let partner = dev.partner();
    let (Ok(name), Ok(description)) = (
        Name::parse("application name", &name),
        parse_text("description", description.as_deref().unwrap_or(""), 0, 500),
    ) else {
        back_with_error(&partner.id, "application", "invalid");
        return Ok(());
    };
    match charter_core::partners::create_application(&*store()?, &dev, &name, &description).await {
        Ok(app) => leptos_axum::redirect(&format!(
            "/partners/{}?notice=application_created&app={}#{}",
            partner.id, app.id, app.id
        )),
        Err(e) => {
            let e = AppError::from(e);
            if e == AppError::Internal {
                return Err(e);
            }
            back_with_error(&partner.id, "application", error_code(&e));
        }
    }
    Ok(())
}

/// Registers an agent under one of the partner's applications. `purposes` are purpose codes
/// (checkboxes named `purposes[i]`).
#[server(endpoint = "register_agent")]
#[allow(clippy::too_many_arguments)]
pub async fn register_agent(
    partner_id: String,
    application_id: String,
    name: String,
    description: Option<String>,
    #[server(default)] purposes: Vec<String>,
    party: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let dev = partner_access(&person, &partner_id).await?;
    let partner = dev.partner();
    let application = ApplicationId::parse(&application_id).map_err(|_| AppError::NotFound)?;
    let parsed: Result<Vec<Purpose>, _> = purposes.iter().map(|p| Purpose::parse(p)).collect();
    let form = format!("agent-{application}");
    let (Ok(name), Ok(description), Ok(mut purposes), Ok(party)) = (
        Name::parse("agent name", &name),
        parse_text("description", description.as_deref().unwrap_or(""), 0, 500),
        parsed,
        Party::parse(&party),
    ) else {
        back_with_error(&partner.id, &form, "invalid");
        return Ok(());
    };
    purposes.dedup();
    if purposes.is_empty() {
        back_with_error(&partner.id, &form, "purposes");
        return Ok(());
    }
    let new = charter_store::NewAgent {
        application,
        name,
        description,
        purposes,
        party,
    };
    match charter_core::partners::register_agent(&*store()?, &dev, new).await {
        Ok(agent) => leptos_axum::redirect(&format!(
            "/partners/{}?notice=agent_registered&agent={}#{}",
            partner.id, agent.id, agent.id
        )),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e, AppError::Internal | AppError::NotFound) {
                return Err(e);
            }
            back_with_error(&partner.id, &form, error_code(&e));
        }
    }
    Ok(())
}

// --- agent credentials ---------------------------------------------------------------------

/// A client secret as listed: never the secret itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretView {
    pub id: String,
    /// The last four characters, so people can tell secrets apart.
    pub hint: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A registered Ed25519 public key (`private_key_jwt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyView {
    pub id: String,
    pub kid: String,
    /// The JWK `x` member (public, base64url).
    pub x: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A secret created moments ago, shown once on the page that follows the post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreshSecret {
    pub id: String,
    pub hint: String,
    pub secret: String,
}

#[cfg(feature = "ssr")]
const FRESH_SECRET_KEY: &str = "fresh_client_secret";

#[cfg(feature = "ssr")]
/// A just-created client secret of `agent`, for its credentials page (see [`crate::session::server::stash_once`]).
pub async fn stash_fresh_secret(
    session: &tower_sessions::Session,
    agent: &AgentId,
    secret: FreshSecret,
) -> Result<(), AppError> {
    crate::session::server::stash_once(session, FRESH_SECRET_KEY, agent.as_str(), secret).await
}

#[cfg(feature = "ssr")]
/// The stashed client secret of `agent`, once (see [`crate::session::server::take_once`]).
pub async fn take_fresh_secret(
    session: &tower_sessions::Session,
    agent: &AgentId,
) -> Result<Option<FreshSecret>, AppError> {
    crate::session::server::take_once(session, FRESH_SECRET_KEY, agent.as_str()).await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentCredentials {
    pub partner: Partner,
    pub application_name: String,
    pub agent: Agent,
    /// Where agents get tokens, as an absolute URL.
    pub token_endpoint: String,
    pub secrets: Vec<SecretView>,
    pub keys: Vec<KeyView>,
    /// Set only on the first load after "Create secret"; never again.
    pub fresh_secret: Option<FreshSecret>,
}

impl AgentCredentials {
    /// How many secrets are live (not revoked). Rotation allows two at once.
    pub fn live_secrets(&self) -> usize {
        self.secrets
            .iter()
            .filter(|s| s.revoked_at.is_none())
            .count()
    }
}

/// How many client secrets may be live at once: the old and the new during a rotation.
pub const MAX_LIVE_SECRETS: usize = 2;

/// The token endpoint's absolute URL, from the request's host.
#[cfg(feature = "ssr")]
async fn token_endpoint() -> String {
    let headers = leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let host = header("host")
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or_else(|| "localhost".to_string());
    let local =
        host.starts_with("localhost") || host.starts_with("127.") || host.starts_with("[::1]");
    let scheme = match header("x-forwarded-proto").as_deref() {
        Some("https") => "https",
        Some("http") => "http",
        _ if local => "http",
        _ => "https",
    };
    format!("{scheme}://{host}/oauth/token")
}

/// One agent's client credentials: its secrets (never their values) and public keys.
/// Developers of the agent's partner only; any other agent is a 404.
#[server(endpoint = "agent_credentials")]
pub async fn load_agent_credentials(
    partner_id: String,
    agent_id: String,
) -> Result<AgentCredentials, AppError> {
    use crate::session::server::*;
    let (session, person) = require_person().await?;
    let dev = partner_access(&person, &partner_id).await?;
    let agent = AgentId::parse(&agent_id).map_err(|_| AppError::NotFound)?;
    let c = charter_core::partners::agent_credentials(&*store()?, &dev, &agent).await?;
    let fresh_secret = take_fresh_secret(&session, &agent)
        .await?
        // Only a secret that is still listed as live is shown.
        .filter(|f| c.is_live_secret(&f.id));
    no_store_if(fresh_secret.is_some());
    Ok(AgentCredentials {
        partner: dev.partner().clone(),
        application_name: c.application_name,
        agent: c.agent,
        token_endpoint: token_endpoint().await,
        secrets: c
            .secrets
            .into_iter()
            .map(|s| SecretView {
                id: s.id.to_string(),
                hint: s.hint,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                revoked_at: s.revoked_at,
            })
            .collect(),
        keys: c
            .keys
            .into_iter()
            .map(|k| KeyView {
                id: k.id.to_string(),
                kid: k.kid,
                x: k.public_key,
                created_at: k.created_at,
                revoked_at: k.revoked_at,
            })
            .collect(),
        fresh_secret,
    })
}

/// A change to one of the partner's own agents, checked: the signed-in person (after the CSRF
/// check), their proof as one of the partner's developers, and the agent (any other is a 404).
#[cfg(feature = "ssr")]
struct AgentChange {
    session: tower_sessions::Session,
    dev: charter_core::access::Develop,
    agent: AgentId,
}

#[cfg(feature = "ssr")]
impl AgentChange {
    async fn check(csrf: &str, partner_id: &str, agent_id: &str) -> Result<Self, AppError> {
        use crate::session::server::*;
        let (session, person) = require_person_for_change(csrf).await?;
        let dev = partner_access(&person, partner_id).await?;
        let agent = AgentId::parse(agent_id).map_err(|_| AppError::NotFound)?;
        charter_core::partners::own_agent(&*store()?, &dev, &agent).await?;
        Ok(AgentChange {
            session,
            dev,
            agent,
        })
    }

    /// Back to the agent's credentials page, with `query`, at `anchor`.
    fn back(&self, query: &str, anchor: &str) {
        leptos_axum::redirect(&format!(
            "/partners/{}/agents/{}?{query}#{anchor}",
            self.dev.id(),
            self.agent
        ));
    }
}

/// Creates a client secret. The value is kept in the session for one page view (the page the
/// redirect lands on takes it out), so it never travels in a URL.
#[server(endpoint = "create_client_secret")]
pub async fn create_client_secret(
    partner_id: String,
    agent_id: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::store;
    let c = AgentChange::check(&csrf, &partner_id, &agent_id).await?;
    match charter_core::partners::create_client_secret(&*store()?, &c.dev, &c.agent).await {
        Ok(issued) => {
            stash_fresh_secret(
                &c.session,
                &c.agent,
                FreshSecret {
                    id: issued.info.id.to_string(),
                    hint: issued.info.hint.clone(),
                    secret: issued.secret,
                },
            )
            .await?;
            c.back(
                &format!("notice=secret_created&secret={}", issued.info.id),
                "new-secret",
            );
        }
        Err(charter_store::StoreError::Conflict(_)) => {
            c.back("error=two_live_secrets", "secrets");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

#[server(endpoint = "revoke_client_secret")]
pub async fn revoke_client_secret(
    partner_id: String,
    agent_id: String,
    secret_id: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::store;
    let c = AgentChange::check(&csrf, &partner_id, &agent_id).await?;
    let secret = SecretId::parse(&secret_id).map_err(|_| AppError::NotFound)?;
    charter_core::partners::revoke_client_secret(&*store()?, &c.dev, &c.agent, &secret).await?;
    c.back(&format!("notice=secret_revoked&secret={secret}"), "secrets");
    Ok(())
}

/// Disables or re-enables an agent everywhere (the partner's kill switch): its tokens stop
/// working on the next request, on every account and in every server process.
#[server(endpoint = "set_agent_status")]
pub async fn set_agent_status(
    partner_id: String,
    agent_id: String,
    status: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::store;
    let c = AgentChange::check(&csrf, &partner_id, &agent_id).await?;
    let status = AgentStatus::parse(&status)?;
    charter_core::partners::set_agent_status(&*store()?, &c.dev, &c.agent, status).await?;
    c.back(&format!("notice=agent_{}", status.as_str()), "connect");
    Ok(())
}

/// Why a pasted JWK was refused; each names the member at fault. The codes travel as
/// `?error=` flash codes, so the pasted text never lands in a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwkProblem {
    Json,
    Private,
    Kty,
    Crv,
    X,
    XLength,
    XPoint,
    Kid,
    Alg,
    Use,
}

impl JwkProblem {
    pub const ALL: [JwkProblem; 10] = [
        JwkProblem::Json,
        JwkProblem::Private,
        JwkProblem::Kty,
        JwkProblem::Crv,
        JwkProblem::X,
        JwkProblem::XLength,
        JwkProblem::XPoint,
        JwkProblem::Kid,
        JwkProblem::Alg,
        JwkProblem::Use,
    ];

    pub fn code(self) -> &'static str {
        match self {
            JwkProblem::Json => "jwk_json",
            JwkProblem::Private => "jwk_private",
            JwkProblem::Kty => "jwk_kty",
            JwkProblem::Crv => "jwk_crv",
            JwkProblem::X => "jwk_x",
            JwkProblem::XLength => "jwk_x_length",
            JwkProblem::XPoint => "jwk_x_point",
            JwkProblem::Kid => "jwk_kid",
            JwkProblem::Alg => "jwk_alg",
            JwkProblem::Use => "jwk_use",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            JwkProblem::Json => {
                "The key is not a JSON object. Paste one JWK, like {\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"…\",\"kid\":\"…\"}."
            }
            JwkProblem::Private => {
                "That JWK contains `d`, the private key. Nothing was saved. Paste only the public key, and treat that private key as exposed."
            }
            JwkProblem::Kty => "`kty` must be \"OKP\" (an Ed25519 key).",
            JwkProblem::Crv => "`crv` must be \"Ed25519\".",
            JwkProblem::X => {
                "`x` is missing or not base64url (A–Z, a–z, 0–9, - and _, no padding)."
            }
            JwkProblem::XLength => "`x` must encode exactly 32 bytes (43 base64url characters).",
            JwkProblem::XPoint => "`x` is not a valid Ed25519 public key.",
            JwkProblem::Kid => {
                "`kid` is required: 1–64 characters, no spaces or control characters."
            }
            JwkProblem::Alg => "`alg`, when given, must be \"EdDSA\".",
            JwkProblem::Use => "`use`, when given, must be \"sig\".",
        }
    }

    pub fn from_code(code: &str) -> Option<JwkProblem> {
        JwkProblem::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Checks a pasted JWK: an Ed25519 public key (`kty` OKP, `crv` Ed25519, a 32-byte `x`) with a
/// `kid` of 1–64 visible characters. Returns `(kid, x)`.
#[cfg(feature = "ssr")]
pub fn parse_ed25519_jwk(text: &str) -> Result<(String, String), JwkProblem> {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if text.len() > 4096 {
        return Err(JwkProblem::Json);
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| JwkProblem::Json)?;
    let obj = value.as_object().ok_or(JwkProblem::Json)?;
    let member = |name: &str| obj.get(name);
    if member("d").is_some() {
        return Err(JwkProblem::Private);
    }
    if member("kty").and_then(|v| v.as_str()) != Some("OKP") {
        return Err(JwkProblem::Kty);
    }
    if member("crv").and_then(|v| v.as_str()) != Some("Ed25519") {
        return Err(JwkProblem::Crv);
    }
    let x = member("x")
        .and_then(|v| v.as_str())
        .filter(|x| {
            !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .ok_or(JwkProblem::X)?;
    let bytes = URL_SAFE_NO_PAD.decode(x).map_err(|_| {
        if x.len() == 43 {
            JwkProblem::X
        } else {
            JwkProblem::XLength
        }
    })?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| JwkProblem::XLength)?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| JwkProblem::XPoint)?;
    let kid = member("kid")
        .and_then(|v| v.as_str())
        .filter(|k| {
            let n = k.chars().count();
            (1..=64).contains(&n) && k.chars().all(|c| !c.is_control() && !c.is_whitespace())
        })
        .ok_or(JwkProblem::Kid)?;
    match member("alg") {
        None => {}
        Some(v) if v.as_str() == Some("EdDSA") => {}
        Some(_) => return Err(JwkProblem::Alg),
    }
    match member("use") {
        None => {}
        Some(v) if v.as_str() == Some("sig") => {}
        Some(_) => return Err(JwkProblem::Use),
    }
    Ok((kid.to_string(), x.to_string()))
}

/// Registers an Ed25519 public key (a pasted JWK) for `private_key_jwt`.
#[server(endpoint = "add_client_key")]
pub async fn add_client_key(
    partner_id: String,
    agent_id: String,
    jwk: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::store;
    let c = AgentChange::check(&csrf, &partner_id, &agent_id).await?;
    let (kid, x) = match parse_ed25519_jwk(jwk.trim()) {
        Ok(k) => k,
        Err(problem) => {
            c.back(&format!("error={}", problem.code()), "keys");
            return Ok(());
        }
    };
    match charter_core::partners::add_client_key(&*store()?, &c.dev, &c.agent, &kid, &x).await {
        Ok(key) => c.back(&format!("notice=key_added&key={}", key.id), "keys"),
        Err(charter_store::StoreError::Conflict(_)) => c.back("error=jwk_duplicate", "keys"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

#[server(endpoint = "revoke_client_key")]
pub async fn revoke_client_key(
    partner_id: String,
    agent_id: String,
    key_id: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::store;
    let c = AgentChange::check(&csrf, &partner_id, &agent_id).await?;
    let key = ClientKeyId::parse(&key_id).map_err(|_| AppError::NotFound)?;
    charter_core::partners::revoke_client_key(&*store()?, &c.dev, &c.agent, &key).await?;
    c.back(&format!("notice=key_revoked&key={key}"), "keys");
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{JwkProblem, parse_ed25519_jwk};

    // The RFC 8037 §A.2 example public key.
    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    fn jwk(members: &str) -> String {
        format!("{{{members}}}")
    }

    #[test]
    fn accepts_an_ed25519_public_jwk() {
        let text = jwk(&format!(
            r#""kty":"OKP","crv":"Ed25519","x":"{X}","kid":"k1","alg":"EdDSA","use":"sig""#
        ));
        assert_eq!(
            parse_ed25519_jwk(&text),
            Ok(("k1".to_string(), X.to_string()))
        );
    }

    #[test]
    fn names_the_member_at_fault() {
        let cases = [
            ("not json".to_string(), JwkProblem::Json),
            ("[1]".to_string(), JwkProblem::Json),
            (
                jwk(&format!(
                    r#""kty":"OKP","crv":"Ed25519","x":"{X}","kid":"k","d":"x""#
                )),
                JwkProblem::Private,
            ),
            (
                jwk(&format!(
                    r#""kty":"EC","crv":"Ed25519","x":"{X}","kid":"k""#
                )),
                JwkProblem::Kty,
            ),
            (
                jwk(&format!(
                    r#""kty":"OKP","crv":"X25519","x":"{X}","kid":"k""#
                )),
                JwkProblem::Crv,
            ),
            (
                jwk(r#""kty":"OKP","crv":"Ed25519","kid":"k""#),
                JwkProblem::X,
            ),
            (
                jwk(r#""kty":"OKP","crv":"Ed25519","x":"abc+/","kid":"k""#),
                JwkProblem::X,
            ),
            (
                jwk(r#""kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"k""#),
                JwkProblem::XLength,
            ),
            (
                jwk(&format!(
                    r#""kty":"OKP","crv":"Ed25519","x":"{X}=","kid":"k""#
                )),
                JwkProblem::X,
            ),
            (
                jwk(&format!(r#""kty":"OKP","crv":"Ed25519","x":"{X}""#)),
                JwkProblem::Kid,
            ),
            (
                jwk(&format!(
                    r#""kty":"OKP","crv":"Ed25519","x":"{X}","kid":"""#
                )),
                JwkProblem::Kid,
            ),
            (
                jwk(&format!(
                    r#""kty":"OKP","crv":"Ed25519","x":"{X}","kid":"{}""#,
                    "k".repeat(65)
                )),
                JwkProblem::Kid,
            ),
            (
                jwk(&format!(
                    r#""kty":"OKP","crv":"Ed25519","x":"{X}","kid":"k","alg":"RS256""#
                )),
                JwkProblem::Alg,
            ),
            (
                jwk(&format!(
                    r#""kty":"OKP","crv":"Ed25519","x":"{X}","kid":"k","use":"enc""#
                )),
                JwkProblem::Use,
            ),
        ];
        for (text, expect) in cases {
            assert_eq!(parse_ed25519_jwk(&text), Err(expect), "{text}");
        }
    }

    #[test]
    fn every_problem_has_a_code_that_round_trips() {
        for p in JwkProblem::ALL {
            assert_eq!(JwkProblem::from_code(p.code()), Some(p));
            assert!(!p.message().is_empty());
        }
    }
}
