//! Server functions of the unused-access findings. Anyone who can see the account sees the
//! findings; only owners and admins apply a recommendation. Applying recomputes everything on
//! the server from the audit trail (never from what the browser sent), refuses unless
//! `check_no_new_access` passes, and writes the grant's next version.

use crate::error::AppError;
use crate::shell::AccountView;
#[cfg(feature = "ssr")]
use charter_model::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The windows people can choose, in days.
pub const WINDOWS: [i64; 4] = [7, 30, 90, 365];
pub const DEFAULT_WINDOW: i64 = 30;

/// One removed or added action line of a statement diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementChange {
    pub statement: String,
    pub removed: Vec<String>,
    pub added: Vec<String>,
    pub dropped: bool,
}

/// A namespace's granted actions, split by use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamespaceUse {
    pub title: String,
    pub unused: Vec<String>,
    pub used: Vec<String>,
}

/// The findings for one agent's grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentFinding {
    pub agent_id: String,
    pub agent_name: String,
    pub partner_name: String,
    pub purpose: String,
    pub version: u32,
    /// The last decision of the agent on this account, ever.
    pub last_seen: Option<chrono::DateTime<chrono::Utc>>,
    /// No decision within the window.
    pub idle: bool,
    pub granted: usize,
    pub used: usize,
    pub namespaces: Vec<NamespaceUse>,
    /// The recommended policy's changes; empty when everything granted was used.
    pub changes: Vec<StatementChange>,
    pub granted_after: usize,
    /// `check_no_new_access` on the recommendation: its verdict message.
    pub proof: Option<String>,
    pub proof_passed: bool,
    /// Why no findings could be computed for this grant.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingsPage {
    pub account: AccountView,
    pub window_days: i64,
    pub agents: Vec<AgentFinding>,
    pub csrf: String,
}

#[cfg(feature = "ssr")]
pub fn parse_window(w: Option<&str>) -> Result<i64, AppError> {
    match w.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(DEFAULT_WINDOW),
        Some(w) => w
            .parse::<i64>()
            .ok()
            .filter(|d| WINDOWS.contains(d))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "window: choose one of {} days",
                    WINDOWS.map(|d| d.to_string()).join(", ")
                ))
            }),
    }
}

/// The findings of every active grant on the account.
#[cfg(feature = "ssr")]
pub async fn compute(
    advertiser: &Advertiser,
    window_days: i64,
    only_agent: Option<&AgentId>,
) -> Result<Vec<(AgentFinding, Option<String>)>, AppError> {
    use crate::session::server::store;
    use std::collections::{HashMap, HashSet};
    let store = store()?;
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::days(window_days);
    let usage = store.action_usage(&advertiser.id, since).await?;
    let last: HashMap<AgentId, chrono::DateTime<chrono::Utc>> = store
        .last_decisions(&advertiser.id)
        .await?
        .into_iter()
        .collect();
    let query = AgentQuery {
        status: Some(StatusFilter::Active),
        page: 1,
        per_page: AgentQuery::MAX_PER_PAGE,
        ..AgentQuery::default()
    };
    let rows = store.list_agent_grants(&advertiser.id, &query).await?.items;
    let mut out = Vec::new();
    for row in rows {
        if only_agent.is_some_and(|a| *a != row.agent_id) {
            continue;
        }
        let Some(grant) = store.grant_for(&advertiser.id, &row.agent_id).await? else {
            continue;
        };
        let used: HashSet<String> = usage
            .iter()
            .filter(|u| u.agent_id == row.agent_id)
            .map(|u| u.action.clone())
            .collect();
        let policy = charter_core::policy::effective_policy_text(&grant, advertiser);
        let last_seen = last.get(&row.agent_id).copied();
        let mut f = AgentFinding {
            agent_id: row.agent_id.to_string(),
            agent_name: row.agent_name.clone(),
            partner_name: row.partner_name.clone(),
            purpose: grant.purpose.label().to_string(),
            version: grant.version,
            last_seen,
            idle: last_seen.is_none_or(|t| t < since),
            granted: 0,
            used: 0,
            namespaces: Vec::new(),
            changes: Vec::new(),
            granted_after: 0,
            proof: None,
            proof_passed: false,
            error: None,
        };
        let Some(policy) = policy else {
            f.error = Some(format!(
                "the purpose `{}` has no policy template",
                grant.purpose
            ));
            out.push((f, None));
            continue;
        };
        match authz::unused::unused_access(&policy, &used, authz::Catalog::builtin()) {
            Ok(u) => {
                f.granted = u.granted;
                f.used = u.used;
                f.namespaces = u
                    .by_namespace
                    .into_iter()
                    .filter(|g| !g.unused.is_empty())
                    .map(|g| NamespaceUse {
                        title: g.title,
                        unused: g.unused,
                        used: g.used,
                    })
                    .collect();
                let recommended = u.recommendation.map(|r| {
                    f.changes =
                        r.diff
                            .iter()
                            .map(|d| StatementChange {
                                statement: d.statement_id.clone().unwrap_or_else(|| {
                                    format!("statement {}", d.statement_index + 1)
                                }),
                                removed: d.removed.clone(),
                                added: d.added.clone(),
                                dropped: d.dropped,
                            })
                            .collect();
                    f.granted_after = r.granted_after;
                    f.proof_passed = r.no_new_access.passed();
                    f.proof = Some(r.no_new_access.message.clone());
                    r.policy
                });
                out.push((f, recommended));
            }
            Err(e) => {
                f.error = Some(e.to_string());
                out.push((f, None));
            }
        }
    }
    // The riskiest first: idle agents, then the most unused access.
    out.sort_by_key(|(f, _)| (!f.idle, std::cmp::Reverse(f.granted - f.used)));
    Ok(out)
}

#[server(endpoint = "account_findings")]
pub async fn load_findings(
    advertiser_id: String,
    window: Option<String>,
) -> Result<FindingsPage, AppError> {
    use crate::session::server::*;
    use crate::shell::account_view;
    let (session, person) = require_person().await?;
    let (advertiser, access) =
        account_access(&session, &person, &advertiser_id, "findings").await?;
    let window_days = parse_window(window.as_deref())?;
    let agents = compute(&advertiser, window_days, None)
        .await?
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    Ok(FindingsPage {
        account: account_view(advertiser, &access).await?,
        window_days,
        agents,
        csrf: csrf_token(&session).await?,
    })
}

/// Applies the least-privilege recommendation as the grant's next version.
#[server(endpoint = "apply_least_privilege")]
pub async fn apply_least_privilege(
    advertiser_id: String,
    agent_id: String,
    window: String,
    base_version: u32,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let advertiser = m.advertiser();
    let agent = AgentId::parse(&agent_id).map_err(|_| AppError::NotFound)?;
    let window_days = parse_window(Some(&window))?;
    let store = store()?;
    let grant = store
        .grant_for(&advertiser.id, &agent)
        .await?
        .ok_or(AppError::NotFound)?;
    let found = compute(advertiser, window_days, Some(&agent)).await?;
    let Some((finding, Some(policy))) = found.into_iter().next() else {
        return Err(AppError::BadRequest(
            "there is nothing to remove: every granted action was used in the window".into(),
        ));
    };
    if !finding.proof_passed {
        return Err(AppError::BadRequest(format!(
            "not applied: the proof that the new policy grants nothing new did not pass ({})",
            finding.proof.unwrap_or_default()
        )));
    }
    let removed = finding.granted - finding.granted_after;
    let saved = charter_core::grants::save_version(
        &*store,
        &m,
        &agent,
        base_version,
        charter_store::GrantChange {
                purpose: grant.purpose,
                policy: Some(policy),
                not_before: grant.not_before,
                expires_at: grant.expires_at,
                note: Some(format!(
                    "Least privilege: removed {removed} actions unused in the last {window_days} days; check_no_new_access: PASS"
                )),
            },
        )
        .await
        .map_err(|e| match e {
            charter_store::StoreError::Stale { current, .. } => AppError::BadRequest(format!(
                "the grant changed since the findings were shown (it is now version {current}); reload and review again"
            )),
            e => e.into(),
        })?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/findings?window={window_days}&notice=applied&agent={}&version={}",
        advertiser.id, agent, saved.version
    ));
    Ok(())
}
