//! Server functions for an advertiser account. Each one resolves the caller's access to the
//! account first (`account_access`): a stranger to the account gets 404, a viewer can read but
//! not change, support staff read only after giving a reason.

use crate::error::AppError;
use charter_store::model::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The account as the caller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub advertiser: Advertiser,
    /// The caller's role, or `None` for support staff.
    pub role: Option<AdvertiserRole>,
    /// Set when a support person is looking, with the reason they gave.
    pub support_reason: Option<String>,
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
fn account_view(advertiser: Advertiser, access: &crate::session::server::Access) -> AccountView {
    use crate::session::server::Access;
    AccountView {
        advertiser,
        role: match access {
            Access::Member(r) => Some(*r),
            Access::Support(_) => None,
        },
        support_reason: match access {
            Access::Support(v) => Some(v.reason.clone()),
            Access::Member(_) => None,
        },
        can_manage: access.can_manage(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentsPage {
    pub account: AccountView,
    pub query: AgentQuery,
    pub page: Page<AgentGrantRow>,
    pub partners: Vec<Partner>,
    pub counts: GrantCounts,
}

#[server(endpoint = "list_agents")]
pub async fn list_agents(
    advertiser_id: String,
    search: Option<String>,
    partner: Option<String>,
    status: Option<String>,
    page: Option<String>,
) -> Result<AgentsPage, AppError> {
    use crate::session::server::*;
    let (session, person) = require_person().await?;
    let (advertiser, access) = account_access(&session, &person, &advertiser_id, "agents").await?;
    let query = AgentQuery::parse(
        search.as_deref(),
        partner.as_deref(),
        status.as_deref(),
        page.as_deref(),
    )?;
    let store = store()?;
    let page = store.list_agent_grants(&advertiser.id, &query).await?;
    let partners = store.partners_on_account(&advertiser.id).await?;
    let counts = store
        .grant_counts(&advertiser.id, chrono::Utc::now())
        .await?;
    Ok(AgentsPage {
        account: account_view(advertiser, &access),
        query,
        page,
        partners,
        counts,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentDetailPage {
    pub account: AccountView,
    pub detail: AgentDetail,
}

#[server(endpoint = "agent_detail")]
pub async fn load_agent(
    advertiser_id: String,
    agent_id: String,
) -> Result<AgentDetailPage, AppError> {
    use crate::session::server::*;
    let (session, person) = require_person().await?;
    let agent = AgentId::parse(&agent_id).map_err(|_| AppError::NotFound)?;
    let (advertiser, access) =
        account_access(&session, &person, &advertiser_id, &format!("agent:{agent}")).await?;
    let detail = store()?
        .agent_detail(&advertiser.id, &agent)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(AgentDetailPage {
        account: account_view(advertiser, &access),
        detail,
    })
}

/// Revokes one agent's grant on the account, effective at once. Owners and admins only.
#[server(endpoint = "revoke_grant")]
pub async fn revoke_grant(
    advertiser_id: String,
    agent_id: String,
    reason: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let agent = AgentId::parse(&agent_id).map_err(|_| AppError::NotFound)?;
    let advertiser = account_manage_access(&person, &advertiser_id).await?;
    let reason = reason
        .map(|r| parse_text("reason", &r, 0, 500))
        .transpose()?
        .filter(|r| !r.is_empty());
    let outcome = store()?
        .revoke_grant(&actor(&person), &advertiser.id, &agent, reason.as_deref())
        .await?;
    let notice = match outcome {
        charter_store::RevokeOutcome::Revoked(_) => "revoked",
        charter_store::RevokeOutcome::AlreadyRevoked(_) => "already_revoked",
    };
    leptos_axum::redirect(&format!(
        "/accounts/{}/agents/{agent}?notice={notice}",
        advertiser.id
    ));
    Ok(())
}

/// Revokes every agent on the account. The caller must type the account's name to confirm.
#[server(endpoint = "revoke_all")]
pub async fn revoke_all(
    advertiser_id: String,
    confirm_name: String,
    reason: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let advertiser = account_manage_access(&person, &advertiser_id).await?;
    if confirm_name.trim() != advertiser.name {
        leptos_axum::redirect(&format!(
            "/accounts/{}/revoke-all?error=confirm_mismatch",
            advertiser.id
        ));
        return Ok(());
    }
    let reason = reason
        .map(|r| parse_text("reason", &r, 0, 500))
        .transpose()?
        .filter(|r| !r.is_empty());
    let count = store()?
        .revoke_all(&actor(&person), &advertiser.id, reason.as_deref())
        .await?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/agents?notice=revoked_all&count={count}",
        advertiser.id
    ));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub account: AccountView,
    pub events: Page<AuditEvent>,
}

#[server(endpoint = "account_activity")]
pub async fn account_activity(
    advertiser_id: String,
    page: Option<String>,
) -> Result<ActivityPage, AppError> {
    use crate::session::server::*;
    let (session, person) = require_person().await?;
    let page = match page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "`{}` is not a valid page number",
                    p.chars().take(16).collect::<String>()
                ))
            })?,
    };
    let (advertiser, access) =
        account_access(&session, &person, &advertiser_id, "activity").await?;
    let events = store()?.advertiser_events(&advertiser.id, page, 50).await?;
    Ok(ActivityPage {
        account: account_view(advertiser, &access),
        events,
    })
}
