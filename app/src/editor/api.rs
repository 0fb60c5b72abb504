//! Server functions of the grant editor. Only owners and admins of the account may open the
//! editor or save (`account_manage_access`: viewers and support get 403, strangers 404). Saving
//! rebuilds the policy from the submitted matrix, never from a client-sent policy, and re-runs the
//! consent review with the account's guardrails and the application's ceiling.

use super::draft::{EditorDraft, PreviewInputs};
use crate::error::AppError;
use crate::shell::AccountView;
use charter_model::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the editor page needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    pub account: AccountView,
    pub agent_id: String,
    pub agent_name: String,
    pub partner_name: String,
    pub application_name: String,
    pub purpose: Purpose,
    pub status: GrantStatus,
    /// The current version; saving writes `version + 1`.
    pub version: u32,
    pub inputs: PreviewInputs,
    /// The fields of the current version, to start editing from.
    pub current: EditorDraft,
}

/// An editor date (`YYYY-MM-DD`) for a moment: the day it falls on (UTC).
#[cfg(feature = "ssr")]
fn day_of(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The last day of access for an expiry (which is exclusive).
#[cfg(feature = "ssr")]
fn last_day_of(expires: chrono::DateTime<chrono::Utc>) -> String {
    day_of(expires - chrono::Duration::seconds(1))
}

#[cfg(feature = "ssr")]
fn parse_day(what: &str, s: &str) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| AppError::BadRequest(format!("{what}: use a date such as 2030-01-31")))
}

#[cfg(feature = "ssr")]
struct Loaded {
    manage: charter_core::access::Manage,
    detail: AgentDetail,
    data: EditorData,
}

#[cfg(feature = "ssr")]
async fn load(person: &Person, advertiser_id: &str, agent_id: &str) -> Result<Loaded, AppError> {
    use crate::session::server::*;
    let agent = AgentId::parse(agent_id).map_err(|_| AppError::NotFound)?;
    let manage = account_manage_access(person, advertiser_id).await?;
    let advertiser = manage.advertiser().clone();
    let store = store()?;
    let detail = store
        .agent_detail(&advertiser.id, &agent)
        .await?
        .ok_or(AppError::NotFound)?;
    let grant = &detail.grant;
    let marketplace = advertiser.marketplace;
    let template_policy = charter_core::policy::template_json(grant.purpose, &advertiser);
    let current_policy = charter_core::policy::effective_policy_text(grant, &advertiser);
    let guardrails = store
        .guardrails(&advertiser.id)
        .await?
        .iter()
        .map(charter_core::policy::guardrail_spec)
        .collect();
    let ceiling_policy = store
        .app_ceiling(&advertiser.id, &detail.application.id)
        .await?
        .map(|c| c.policy);
    let current_not_before = grant.not_before.map(day_of).unwrap_or_default();
    let current_not_after = grant.expires_at.map(last_day_of).unwrap_or_default();
    let current = EditorDraft {
        cells: super::draft::full_cells(
            current_policy
                .as_deref()
                .and_then(|t| authz::parse_policy(t).ok())
                .as_ref(),
        ),
        resources: super::draft::default_resource(marketplace, advertiser.id.as_str()),
        not_before: current_not_before.clone(),
        not_after: current_not_after.clone(),
        max_bid: String::new(),
        note: String::new(),
    };
    let data = EditorData {
        account: AccountView {
            advertiser: advertiser.clone(),
            role: store.membership_role(&person.id, &advertiser.id).await?,
            support_reason: None,
            can_manage: true,
            alerts: crate::shell::breaker_alerts(&store, &advertiser.id).await?,
        },
        agent_id: detail.agent.id.to_string(),
        agent_name: detail.agent.name.to_string(),
        partner_name: detail.partner.name.to_string(),
        application_name: detail.application.name.to_string(),
        purpose: grant.purpose,
        status: grant.status,
        version: grant.version,
        inputs: PreviewInputs {
            marketplace,
            account: advertiser.id.to_string(),
            current_policy,
            template_policy,
            guardrails,
            ceiling_policy,
            current_not_before,
            current_not_after,
        },
        current,
    };
    Ok(Loaded {
        manage,
        detail,
        data,
    })
}

/// The editor of one agent's grant. Owners and admins only.
#[server(endpoint = "grant_editor")]
pub async fn load_grant_editor(
    advertiser_id: String,
    agent_id: String,
) -> Result<EditorData, AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person().await?;
    Ok(load(&person, &advertiser_id, &agent_id).await?.data)
}

/// Saves the submitted matrix as the grant's next version, after the same review as the
/// preview. Blockers (a guardrail, the ceiling, a proof out of budget) refuse the save with 400
/// and nothing is written. `base_version` is the version the editor started from: a grant changed
/// in the meantime is not overwritten.
#[server(endpoint = "save_grant_version")]
pub async fn save_grant_version(
    advertiser_id: String,
    agent_id: String,
    base_version: u32,
    cells: Option<Vec<String>>,
    resources: String,
    not_before: Option<String>,
    not_after: Option<String>,
    max_bid: Option<String>,
    note: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let Loaded {
        manage,
        detail,
        data,
    } = load(&person, &advertiser_id, &agent_id).await?;
    let grant = detail.grant;
    let note = parse_optional_text("note", note.as_deref(), 500)?;
    let draft = EditorDraft {
        cells: cells.unwrap_or_default(),
        resources,
        not_before: not_before.unwrap_or_default().trim().to_string(),
        not_after: not_after.unwrap_or_default().trim().to_string(),
        max_bid: max_bid.unwrap_or_default(),
        note: note.clone().unwrap_or_default(),
    };
    let preview = super::draft::preview(&data.inputs, &draft);
    if let Some(e) = preview.error {
        return Err(AppError::BadRequest(format!("Not saved. {e}")));
    }
    if !preview.blockers.is_empty() {
        return Err(AppError::BadRequest(format!(
            "Not saved: {}",
            preview.blockers.join("; ")
        )));
    }
    // The grant's own time bounds follow the dates; a date left as it was keeps the exact
    // moment of the current version.
    let not_before = match draft.not_before.as_str() {
        "" => None,
        d if d == data.inputs.current_not_before => grant.not_before,
        d => Some(parse_day("Not before", d)?),
    };
    let expires_at = match draft.not_after.as_str() {
        "" => None,
        d if d == data.inputs.current_not_after => grant.expires_at,
        d => Some(parse_day("Not after", d)? + chrono::Duration::days(1)),
    };
    let saved = charter_core::grants::save_version(
        &*store()?,
        &manage,
        &detail.agent.id,
        base_version,
        charter_store::GrantChange {
            purpose: grant.purpose,
            policy: Some(preview.policy_json),
            not_before,
            expires_at,
            note,
        },
    )
    .await
    .map_err(|e| match e {
        charter_store::StoreError::Stale { current, .. } => AppError::BadRequest(format!(
            "the grant changed since you opened the editor (it is now version {current}); reload the editor and make your change again"
        )),
        e => e.into(),
    })?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/agents/{}?notice=grant_updated&version={}",
        manage.account(),
        detail.agent.id,
        saved.version
    ));
    Ok(())
}
