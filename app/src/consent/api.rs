//! Server functions for consent: partners file access requests for their agents; advertisers
//! review them (capabilities in plain words, guardrails, the application's ceiling, new access
//! for an upgrade), narrow, approve or deny. Guardrails and ceilings are in `super::guardrails`.
//!
//! Every proof is made by `authz::consent::review`, on the server, again at decision time: what
//! the page showed is never trusted.

use crate::error::AppError;
use crate::shell::AccountView;
use charter_model::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::views::*;

#[cfg(feature = "ssr")]
use crate::shell::account_view;

#[cfg(feature = "ssr")]
fn purpose_option(purpose: Purpose) -> PurposeOption {
    let info = authz::purpose::purpose(purpose.as_str());
    PurposeOption {
        code: purpose.as_str().to_string(),
        title: info
            .map(|i| i.title.to_string())
            .unwrap_or_else(|| purpose.label().to_string()),
        description: info.map(|i| i.description.to_string()).unwrap_or_default(),
    }
}

// --- partner side --------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentOption {
    pub id: AgentId,
    pub name: String,
    pub application_name: String,
    pub purposes: Vec<Purpose>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerRequestsPage {
    pub partner: Partner,
    pub agents: Vec<AgentOption>,
    /// The accounts that know the partner: the only ones it may ask.
    pub accounts: Vec<Advertiser>,
    pub purposes: Vec<PurposeOption>,
    pub requests: Vec<AccessRequestRow>,
}

/// The partner's access requests and what the request form needs. Its developers only.
#[server(endpoint = "partner_requests")]
pub async fn partner_requests(partner_id: String) -> Result<PartnerRequestsPage, AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person().await?;
    let dev = partner_access(&person, &partner_id).await?;
    let partner = dev.partner();
    let store = store()?;
    let agents = store
        .applications_with_agents(&partner.id)
        .await?
        .into_iter()
        .flat_map(|a| {
            let app_name = a.application.name.clone();
            a.agents.into_iter().map(move |g| AgentOption {
                id: g.id,
                name: g.name,
                application_name: app_name.clone(),
                purposes: g.purposes,
            })
        })
        .collect();
    let requests = store.partner_access_requests(&partner.id).await?;
    let accounts = store.known_advertisers(&partner.id).await?;
    Ok(PartnerRequestsPage {
        partner: partner.clone(),
        agents,
        accounts,
        purposes: Purpose::ALL.iter().map(|p| purpose_option(*p)).collect(),
        requests,
    })
}

/// Files a request for one of the partner's agents on an account that knows the partner (see
/// `charter_store::ConsentStore::known_advertiser`); any other account is a 404, exactly as
/// one that does not exist. An empty policy requests exactly the purpose's template for that
/// account.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "file_access_request")]
pub async fn file_access_request(
    partner_id: String,
    agent_id: String,
    advertiser_id: String,
    purpose: String,
    policy: Option<String>,
    expires_on: Option<String>,
    note: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let dev = partner_access(&person, &partner_id).await?;
    let partner = dev.partner();
    let draft = charter_core::partners::RequestDraft {
        agent: AgentId::parse(&agent_id).map_err(|_| AppError::NotFound)?,
        advertiser: AdvertiserId::parse(&advertiser_id).map_err(|_| AppError::NotFound)?,
        purpose,
        policy,
        expires_on,
        note: note.unwrap_or_default(),
    };
    let request =
        charter_core::partners::file_access_request(&*store()?, &dev, draft, chrono::Utc::now())
            .await?;
    leptos_axum::redirect(&format!(
        "/partners/{}/requests?notice=request_filed&request={}",
        partner.id, request.id
    ));
    Ok(())
}

// --- advertiser side -----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRequestsPage {
    pub account: AccountView,
    pub requests: Vec<AccessRequestRow>,
    pub invitations: super::invitations::InvitationsView,
}

#[server(endpoint = "account_requests")]
pub async fn account_requests(advertiser_id: String) -> Result<AccountRequestsPage, AppError> {
    use crate::session::server::*;
    let (session, person) = require_person().await?;
    let (advertiser, access) =
        account_access(&session, &person, &advertiser_id, "requests").await?;
    let requests = store()?.access_requests(&advertiser.id).await?;
    let invitations =
        super::invitations::invitations_view(&session, &advertiser, access.can_manage()).await?;
    Ok(AccountRequestsPage {
        account: account_view(advertiser, &access).await?,
        requests,
        invitations,
    })
}

/// The consent screen's data: the request and the review of its policy, or of `policy` (the
/// advertiser's narrowed version) when given.
#[server(endpoint = "consent")]
pub async fn load_consent(
    advertiser_id: String,
    request_id: String,
    policy: Option<String>,
) -> Result<ConsentPage, AppError> {
    use super::server::*;
    use crate::session::server::*;
    let (session, person) = require_person().await?;
    let id = AccessRequestId::parse(&request_id).map_err(|_| AppError::NotFound)?;
    let (advertiser, access) =
        account_access(&session, &person, &advertiser_id, &format!("request:{id}")).await?;
    let store = store()?;
    let row = store
        .access_request(&advertiser.id, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let partner_name = row.partner_name.clone();
    let request = &row.request;
    let cx = review_context(&advertiser, request).await?;
    let requested_policy = pretty(&request.policy);
    let charter_core::review::ScreenReview {
        narrowed,
        narrow_error,
        review,
    } = charter_core::review::screen_review(&cx, request, policy.as_deref());
    let (review, review_error) = match review {
        Ok((r, under)) => (Some(review_view(&r, &under)), None),
        Err(e) => (None, Some(e)),
    };
    let policy = match (&narrowed, &narrow_error, policy) {
        (Some((text, _)), _, _) => pretty(text),
        // Keep what the advertiser typed so they can fix it.
        (None, Some(_), Some(typed)) => typed,
        _ => requested_policy.clone(),
    };
    let purpose = purpose_option(request.purpose);
    Ok(ConsentPage {
        account: account_view(advertiser, &access).await?,
        partner_name,
        purpose,
        requested_policy,
        narrowed: narrowed.is_some(),
        policy,
        narrow_error,
        review,
        review_error,
        current: cx.grant.as_ref().map(|g| CurrentGrantView {
            purpose: g.purpose,
            status: g.status,
            custom_policy: g.policy.is_some(),
            expires_at: g.expires_at,
        }),
        ceiling: cx.ceiling.as_ref().map(|c| CeilingView {
            version: c.version,
            updated_at: c.updated_at,
            updated_by: c.updated_by.clone(),
        }),
        row,
    })
}

#[cfg(feature = "ssr")]
fn optional_note(note: Option<String>) -> Result<Option<String>, AppError> {
    Ok(parse_optional_text("note", note.as_deref(), 1000)?)
}

/// Approves a pending request with `policy` (the request's own when empty, else a narrowed
/// version that must be within it). Refused while any proof blocks it. When the application has
/// no ceiling on the account yet, the approved policy becomes its ceiling; with
/// `raise_ceiling`, the ceiling grows to cover the approved policy.
#[server(endpoint = "approve_access_request")]
pub async fn approve_access_request(
    advertiser_id: String,
    request_id: String,
    policy: Option<String>,
    raise_ceiling: Option<String>,
    note: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let advertiser = m.advertiser();
    let id = AccessRequestId::parse(&request_id).map_err(|_| AppError::NotFound)?;
    let approval = charter_core::review::Approval {
        policy,
        raise_ceiling: raise_ceiling.is_some_and(|v| !v.is_empty() && v != "false"),
        note: optional_note(note)?,
    };
    let request = charter_core::review::approve(&*store()?, &m, &id, approval).await?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/agents/{}?notice=request_approved",
        advertiser.id, request.agent_id
    ));
    Ok(())
}

#[server(endpoint = "deny_access_request")]
pub async fn deny_access_request(
    advertiser_id: String,
    request_id: String,
    note: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let id = AccessRequestId::parse(&request_id).map_err(|_| AppError::NotFound)?;
    let note = optional_note(note)?;
    charter_core::consent::decide_access_request(
        &*store()?,
        &m,
        &id,
        charter_store::ConsentDecision::Deny { note },
    )
    .await
    .map_err(|e| match e {
        charter_store::StoreError::Conflict(_) => {
            AppError::BadRequest("this request was already decided".into())
        }
        other => other.into(),
    })?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/requests/{id}?notice=request_denied",
        m.account()
    ));
    Ok(())
}
