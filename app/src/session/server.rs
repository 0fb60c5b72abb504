//! Server-only session and access helpers used by every server function.

use crate::error::AppError;
use charter_model::*;
use charter_store::DynStore;
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tower_sessions::Session;

const PERSON_KEY: &str = "person_id";
const CSRF_KEY: &str = "csrf";
const SUPPORT_KEY: &str = "support_views";
/// How long a support person's read-only view of an account lasts after giving a reason.
pub const SUPPORT_VIEW_TTL_MINUTES: i64 = 60;

pub fn store() -> Result<DynStore, AppError> {
    use_context::<DynStore>().ok_or_else(|| {
        tracing::error!("store missing from context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

fn session_err(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    AppError::Internal
}

fn random_token() -> String {
    use rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(CSRF_KEY).await.map_err(session_err)? {
        return Ok(t);
    }
    let t = random_token();
    session.insert(CSRF_KEY, &t).await.map_err(session_err)?;
    Ok(t)
}

/// Checks a submitted CSRF token against the session's, in constant time.
pub async fn check_csrf(session: &Session, submitted: &str) -> Result<(), AppError> {
    use subtle::ConstantTimeEq;
    let Some(expected) = session.get::<String>(CSRF_KEY).await.map_err(session_err)? else {
        return Err(AppError::Csrf);
    };
    if expected.len() == submitted.len()
        && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
    {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Starts a signed-in session: a new session id (against fixation) and a new CSRF token.
pub async fn sign_in_session(session: &Session, person: &PersonId) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .remove::<HashMap<String, SupportView>>(SUPPORT_KEY)
        .await
        .map_err(session_err)?;
    session
        .insert(PERSON_KEY, person.as_str())
        .await
        .map_err(session_err)?;
    session
        .insert(CSRF_KEY, random_token())
        .await
        .map_err(session_err)?;
    Ok(())
}

pub async fn sign_out_session(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_err)
}

/// The person id the session carries, if it is one that parses.
async fn session_person_id(session: &Session) -> Result<Option<PersonId>, AppError> {
    let Some(id) = session
        .get::<String>(PERSON_KEY)
        .await
        .map_err(session_err)?
    else {
        return Ok(None);
    };
    Ok(PersonId::parse(&id).ok())
}

/// The signed-in person, if any. A session whose person no longer exists counts as signed out.
pub async fn current_person(session: &Session) -> Result<Option<Person>, AppError> {
    let Some(id) = session_person_id(session).await? else {
        return Ok(None);
    };
    Ok(store()?.person(&id).await?)
}

/// The signed-in person read with an explicit store (outside the Leptos context).
pub async fn session_person(
    store: &DynStore,
    session: &Session,
) -> Result<Option<Person>, AppError> {
    let Some(id) = session_person_id(session).await? else {
        return Ok(None);
    };
    Ok(store.person(&id).await?)
}

/// The signed-in person, or `Unauthorized`.
pub async fn require_person() -> Result<(Session, Person), AppError> {
    signed_in(session().await?).await
}

/// The signed-in person after a valid CSRF token; for every state-changing server function.
pub async fn require_person_for_change(csrf: &str) -> Result<(Session, Person), AppError> {
    let session = session().await?;
    check_csrf(&session, csrf).await?;
    signed_in(session).await
}

/// The session with its signed-in person, or `Unauthorized`.
async fn signed_in(session: Session) -> Result<(Session, Person), AppError> {
    match current_person(&session).await? {
        Some(p) => Ok((session, p)),
        None => Err(AppError::Unauthorized),
    }
}

pub fn actor(person: &Person) -> Actor {
    charter_core::access::person_actor(person)
}

/// A partner developer as advertisers see them in their activity: the name, not the email.
pub fn partner_actor(person: &Person) -> Actor {
    charter_core::access::partner_actor(person)
}

/// A support person's read-only view of one account, opened with a reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupportView {
    pub reason: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn open_support_view(
    session: &Session,
    advertiser: &AdvertiserId,
    reason: &str,
) -> Result<(), AppError> {
    let mut views: HashMap<String, SupportView> = session
        .get(SUPPORT_KEY)
        .await
        .map_err(session_err)?
        .unwrap_or_default();
    let now = Utc::now();
    views.retain(|_, v| v.expires_at > now);
    views.insert(
        advertiser.to_string(),
        SupportView {
            reason: reason.to_string(),
            expires_at: now + Duration::minutes(SUPPORT_VIEW_TTL_MINUTES),
        },
    );
    session
        .insert(SUPPORT_KEY, views)
        .await
        .map_err(session_err)
}

async fn support_view(
    session: &Session,
    advertiser: &AdvertiserId,
) -> Result<Option<SupportView>, AppError> {
    let views: HashMap<String, SupportView> = session
        .get(SUPPORT_KEY)
        .await
        .map_err(session_err)?
        .unwrap_or_default();
    Ok(views
        .get(advertiser.as_str())
        .filter(|v| v.expires_at > Utc::now())
        .cloned())
}

/// How the signed-in person may see an account.
#[derive(Debug, Clone)]
pub enum Access {
    Member(AdvertiserRole),
    Support(SupportView),
}

impl Access {
    pub fn can_manage(&self) -> bool {
        matches!(self, Access::Member(role) if role.can_manage())
    }
}

/// Resolves the person's access to an account. Someone with no relation to the account gets
/// `NotFound`, exactly as for an id that does not exist. Support staff without an open view get
/// `SupportReasonRequired`. Every support read is itself audited here, as `support.viewed`.
pub async fn account_access(
    session: &Session,
    person: &Person,
    advertiser_id: &str,
    page: &str,
) -> Result<(Advertiser, Access), AppError> {
    account_access_with(&store()?, session, person, advertiser_id, page).await
}

/// [`account_access`] with an explicit store, for handlers outside the Leptos context (the
/// activity export).
pub async fn account_access_with(
    store: &DynStore,
    session: &Session,
    person: &Person,
    advertiser_id: &str,
    page: &str,
) -> Result<(Advertiser, Access), AppError> {
    let id = AdvertiserId::parse(advertiser_id).map_err(|_| AppError::NotFound)?;
    if let Some(role) = store.membership_role(&person.id, &id).await? {
        let adv = store.advertiser(&id).await?.ok_or(AppError::NotFound)?;
        return Ok((adv, Access::Member(role)));
    }
    if !person.is_support {
        return Err(AppError::NotFound);
    }
    let adv = store.advertiser(&id).await?.ok_or(AppError::NotFound)?;
    let Some(view) = support_view(session, &id).await? else {
        return Err(AppError::SupportReasonRequired);
    };
    store
        .record_event(charter_store::NewAuditEvent {
            advertiser_id: Some(id.clone()),
            partner_id: None,
            actor: actor(person),
            action: "support.viewed",
            target_kind: "page",
            target_id: page.to_string(),
            before: None,
            after: None,
            reason: Some(view.reason.clone()),
        })
        .await?;
    Ok((adv, Access::Support(view)))
}

/// Like [`account_access`], but only owners and admins pass; viewers and support get
/// `Forbidden` (they can see the account, so hiding it would be pointless). The answer is the
/// proof every change to the account takes (`charter_core`'s use cases).
pub async fn account_manage_access(
    person: &Person,
    advertiser_id: &str,
) -> Result<charter_core::access::Manage, AppError> {
    Ok(charter_core::access::manage(&*store()?, person, advertiser_id).await?)
}

/// The partner, if the person is one of its developers; otherwise `NotFound`.
/// The answer is the proof every change in the partner's name takes (`charter_core`'s use
/// cases).
pub async fn partner_access(
    person: &Person,
    partner_id: &str,
) -> Result<charter_core::access::Develop, AppError> {
    Ok(charter_core::access::develop(&*store()?, person, partner_id).await?)
}

/// How long a created secret waits in the session for the page that shows it.
const FRESH_SECRET_TTL_MINUTES: i64 = 10;

#[derive(Serialize, Deserialize)]
struct Stashed<T> {
    /// Whose page may show it (an agent id, an advertiser id).
    owner: String,
    value: T,
    expires_at: DateTime<Utc>,
}

/// Keeps a just-created secret under `key` for the one page view of `owner` that shows it
/// (Post/Redirect/Get without putting the secret in a URL). A newer secret replaces an unseen
/// older one.
pub async fn stash_once<T: Serialize + Send + Sync>(
    session: &Session,
    key: &str,
    owner: &str,
    value: T,
) -> Result<(), AppError> {
    let stashed = Stashed {
        owner: owner.to_string(),
        value,
        expires_at: Utc::now() + Duration::minutes(FRESH_SECRET_TTL_MINUTES),
    };
    session.insert(key, stashed).await.map_err(session_err)
}

/// Takes (removes) the secret stashed under `key` for `owner`, if any: it is shown exactly
/// once. A stashed secret of another owner stays for its own page unless it has expired.
pub async fn take_once<T: serde::de::DeserializeOwned + Serialize + Send + Sync>(
    session: &Session,
    key: &str,
    owner: &str,
) -> Result<Option<T>, AppError> {
    let stashed = match session.get::<Stashed<T>>(key).await {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(None),
        // A slot of another shape (written by an older version): nothing to show; drop it.
        Err(_) => {
            let _ = session.remove_value(key).await;
            return Ok(None);
        }
    };
    let expired = stashed.expires_at <= Utc::now();
    let mine = stashed.owner == owner;
    if mine || expired {
        session
            .remove::<Stashed<T>>(key)
            .await
            .map_err(session_err)?;
    }
    Ok((mine && !expired).then_some(stashed.value))
}

/// Keeps the response out of every cache (`Cache-Control: no-store`) when the page carries a
/// secret shown once (`carries_secret`).
pub fn no_store_if(carries_secret: bool) {
    if carries_secret && let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
}

/// The client's address as the server resolved it: the TCP peer, or, when the peer is a
/// trusted proxy (`--trusted-proxy`), the address it put in `X-Forwarded-For`. The server's
/// `client_addr` middleware sets it on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The client address, for sign-in throttling (see [`ClientAddr`]).
pub async fn client_ip() -> String {
    use axum::extract::{ConnectInfo, Extension};
    if let Ok(Extension(ClientAddr(ip))) = leptos_axum::extract::<Extension<ClientAddr>>().await {
        return ip.to_string();
    }
    match leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>().await {
        Ok(ConnectInfo(addr)) => addr.ip().to_string(),
        Err(_) => "unknown".to_string(),
    }
}

/// The longest `next` (post-sign-in destination) accepted, in bytes.
pub const MAX_NEXT_LEN: usize = 512;

/// The one rule for a post-sign-in destination (no open redirects): `next` must be a path of
/// this site, at most [`MAX_NEXT_LEN`] bytes, with no control characters and no backslash, and
/// it must parse (WHATWG rules, as a browser reads a `Location`) as a URL of the same origin
/// whose path does not start with `//`. The result is the parsed path, query and fragment
/// (ASCII, percent-encoded), so what is sent is exactly what was checked. `None` otherwise.
pub fn local_next(next: &str) -> Option<String> {
    if next.len() > MAX_NEXT_LEN
        || !next.starts_with('/')
        || next.chars().any(|c| c.is_control() || c == '\\')
    {
        return None;
    }
    let base = url::Url::parse("http://charter.invalid/").ok()?;
    let parsed = base.join(next).ok()?;
    if parsed.origin() != base.origin() || !parsed.username().is_empty() {
        return None;
    }
    let mut out = parsed.path().to_string();
    if out.starts_with("//") {
        return None;
    }
    if let Some(q) = parsed.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = parsed.fragment() {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// Where sign-in sends a person: [`local_next`], or the account list.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_next)
        .unwrap_or_else(|| "/accounts".to_string())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_only_ever_a_local_path() {
        let cases: &[(Option<&str>, &str)] = &[
            (None, "/accounts"),
            (
                Some("/accounts/adv_1/agents?page=2"),
                "/accounts/adv_1/agents?page=2",
            ),
            (Some("https://evil.example/"), "/accounts"),
            (Some("//evil.example/x"), "/accounts"),
            (Some("/\\evil.example"), "/accounts"),
            // A query is part of a local path: it stays on this site.
            (
                Some("/redirect?to=https://evil.example"),
                "/redirect?to=https://evil.example",
            ),
            (Some("accounts"), "/accounts"),
            (Some(""), "/accounts"),
            // Issue 10, item 11: tab and newline (browsers drop them, then read `//host`).
            (Some("/\t/example.org"), "/accounts"),
            (Some("/\n/example.org"), "/accounts"),
            (Some("/accounts\r\nSet-Cookie: x=1"), "/accounts"),
            (Some("/%09/example.org"), "/%09/example.org"),
            (Some("//x"), "/accounts"),
            (Some("/\\x"), "/accounts"),
            (Some("https:example.org"), "/accounts"),
            (Some("https://example.org/"), "/accounts"),
            (Some("/.//example.org"), "/accounts"),
            (Some("/%2e%2e//example.org"), "/accounts"),
            (Some("/a/..//example.org"), "/accounts"),
            (Some("/\u{7f}/x"), "/accounts"),
            (Some("/\u{85}/x"), "/accounts"),
            (Some("/caf\u{e9}?q=\u{e9}"), "/caf%C3%A9?q=%C3%A9"),
            (Some("/accounts?x=1#top"), "/accounts?x=1#top"),
        ];
        for (input, expect) in cases {
            assert_eq!(safe_next(*input), *expect, "{input:?}");
        }
        let long = format!("/{}", "a".repeat(super::MAX_NEXT_LEN));
        assert_eq!(safe_next(Some(&long)), "/accounts");
        let fits = format!("/{}", "a".repeat(super::MAX_NEXT_LEN - 1));
        assert_eq!(safe_next(Some(&fits)), fits);
    }
}
