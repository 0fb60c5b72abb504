//! Server functions for signing in and out, and the session summary every page reads.

use crate::error::AppError;
use charter_store::model::{Membership, Partner};
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

/// Failed sign-ins allowed per email (and, ×4, per client address) in the window.
pub const MAX_FAILURES: u64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// Signs in with email and password. Outcomes travel as redirects so the form works without
/// JavaScript: success goes to `next` (a local path) or the account list; failure back to the
/// sign-in page with an error code.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::server::*;
    use charter_store::model::Email;
    let session = session().await?;
    check_csrf(&session, &csrf).await?;
    let store = store()?;
    let ip = client_ip().await;
    let back = |code: &str| {
        let next = next
            .as_deref()
            .filter(|n| n.starts_with('/'))
            .map(|n| format!("&next={}", urlencode(n)))
            .unwrap_or_default();
        leptos_axum::redirect(&format!("/signin?error={code}{next}"));
    };
    let Ok(email) = Email::parse(&email) else {
        back("invalid");
        return Ok(());
    };
    let since = chrono::Utc::now() - chrono::Duration::minutes(FAILURE_WINDOW_MINUTES);
    let failures = store
        .login_failures_since(email.as_str(), &ip, since)
        .await?;
    if failures.by_email >= MAX_FAILURES || failures.by_ip >= MAX_FAILURES * 4 {
        tracing::warn!(email = %email, %ip, "sign-in rate limited");
        back("locked");
        return Ok(());
    }
    match store.authenticate(&email, &password).await? {
        Some(person) => {
            store.clear_login_failures(email.as_str()).await?;
            sign_in_session(&session, &person.id).await?;
            leptos_axum::redirect(&safe_next(next.as_deref()));
        }
        None => {
            store.record_login_failure(email.as_str(), &ip).await?;
            back("invalid");
        }
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
