//! Server functions for signing in and out, and the session summary every page reads.

use crate::error::AppError;
use charter_model::{Membership, Partner};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What every page needs to know about the visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub person: Option<PersonSummary>,
    /// The CSRF token every form posts back.
    pub csrf: String,
    pub memberships: Vec<Membership>,
    pub partners: Vec<Partner>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonSummary {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub is_support: bool,
}

#[server(endpoint = "session_info")]
pub async fn get_session_info() -> Result<SessionInfo, AppError> {
    use super::server::*;
    let session = session().await?;
    let csrf = csrf_token(&session).await?;
    let Some(person) = current_person(&session).await? else {
        return Ok(SessionInfo {
            person: None,
            csrf,
            memberships: vec![],
            partners: vec![],
        });
    };
    let store = store()?;
    Ok(SessionInfo {
        memberships: store.memberships(&person.id).await?,
        partners: store.partners_of(&person.id).await?,
        person: Some(PersonSummary {
            id: person.id.to_string(),
            display_name: person.display_name,
            email: person.email,
            is_support: person.is_support,
        }),
        csrf,
    })
}

/// Sign-in attempts in a row that go at once for one email from one client address; after
/// that each further attempt waits [`SIGN_IN_BACKOFF_BASE_SECS`], doubling per attempt up to
/// [`SIGN_IN_BACKOFF_MAX_SECS`]. Only that address is slowed: the owner of the email signs in
/// from anywhere else at once.
pub const MAX_FAILURES: u64 = 5;
/// Attempts in a row that go at once from one client address, whatever the email.
pub const MAX_FAILURES_PER_ADDRESS: u64 = MAX_FAILURES * 4;
/// The first wait after the free attempts, in seconds.
pub const SIGN_IN_BACKOFF_BASE_SECS: i64 = 10;
/// The longest wait between attempts, in seconds.
pub const SIGN_IN_BACKOFF_MAX_SECS: i64 = 15 * 60;
/// A throttle key left alone this long starts from zero again (seconds).
pub const SIGN_IN_WINDOW_SECS: i64 = 15 * 60;

/// The sign-in throttle keys of an attempt: the email at this address, and the address.
#[cfg(feature = "ssr")]
fn sign_in_keys(email: &str, ip: &str) -> [(String, charter_store::Backoff); 2] {
    let backoff = |free| charter_store::Backoff {
        free,
        base_secs: SIGN_IN_BACKOFF_BASE_SECS,
        max_secs: SIGN_IN_BACKOFF_MAX_SECS,
        window_secs: SIGN_IN_WINDOW_SECS,
    };
    [
        (format!("email:{email}|addr:{ip}"), backoff(MAX_FAILURES)),
        (format!("addr:{ip}"), backoff(MAX_FAILURES_PER_ADDRESS)),
    ]
}

/// Signs in with email and password. Outcomes travel as redirects so the form works without
/// JavaScript: success goes to `next` (a local path, see `local_next`) or the account list;
/// failure back to the sign-in page with an error code (`locked` while this address must wait).
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::server::*;
    use charter_model::Email;
    let session = session().await?;
    check_csrf(&session, &csrf).await?;
    let store = store()?;
    let ip = client_ip().await;
    let back = |code: &str| {
        let next = next
            .as_deref()
            .and_then(local_next)
            .map(|n| format!("&next={}", urlencode(&n)))
            .unwrap_or_default();
        leptos_axum::redirect(&format!("/signin?error={code}{next}"));
    };
    let Ok(email) = Email::parse(&email) else {
        back("invalid");
        return Ok(());
    };
    let keys = sign_in_keys(email.as_str(), &ip);
    // Claimed before the password is checked, atomically: parallel guesses are counted one
    // after another, so no more than the free attempts reach the check.
    if let Some(wait) = store.claim_login_attempt(&keys, chrono::Utc::now()).await? {
        tracing::warn!(wait_secs = wait, "sign-in throttled");
        back("locked");
        return Ok(());
    }
    match store.authenticate(&email, &password).await? {
        Some(person) => {
            let [(email_key, _), (addr_key, _)] = keys;
            store.login_succeeded(&[email_key], &[addr_key]).await?;
            sign_in_session(&session, &person.id).await?;
            leptos_axum::redirect(&safe_next(next.as_deref()));
        }
        None => back("invalid"),
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[server(endpoint = "sign_out")]
pub async fn sign_out(csrf: String) -> Result<(), AppError> {
    use super::server::*;
    let session = session().await?;
    check_csrf(&session, &csrf).await?;
    sign_out_session(&session).await?;
    leptos_axum::redirect("/signin?notice=signed_out");
    Ok(())
}
