//! Server functions for an advertiser account. Each one resolves the caller's access to the
//! account first (`account_access`): a stranger to the account gets 404, a viewer can read but
//! not change, support staff read only after giving a reason.

use crate::error::AppError;
use crate::shell::AccountView;
#[cfg(feature = "ssr")]
use crate::shell::account_view;
use charter_model::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentsPage {
    pub account: AccountView,
    pub query: AgentQuery,
    pub page: Page<AgentGrantRow>,
    pub partners: Vec<Partner>,
    pub counts: GrantCounts,
    /// Today's spend and the breaker of each row of `page`, by agent id.
    pub signals: Vec<crate::enforce::api::AgentSignal>,
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
    // The list, and its revoke buttons, never depend on spend figures: unreadable ones are
    // logged (as an internal error) and left out.
    let signals = crate::enforce::api::agent_signals(&store, &advertiser.id, &page.items)
        .await
        .unwrap_or_default();
    Ok(AgentsPage {
        account: account_view(advertiser, &access).await?,
        query,
        page,
        partners,
        counts,
        signals,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentDetailPage {
    pub account: AccountView,
    pub detail: AgentDetail,
    /// Tokens delegated under this agent's grant, newest first (at most [`DELEGATION_LIMIT`]).
    pub delegations: Vec<DelegationView>,
    /// The grant's versions, newest first, each with its change from the one before.
    pub versions: Vec<VersionView>,
    /// Spend against the caps and the circuit breaker of the grant; `None` when the figures
    /// cannot be read (the page, and its revoke button, never depend on them).
    pub enforcement: Option<crate::enforce::api::EnforcementView>,
    /// For the spend, breaker and reset forms.
    pub csrf: String,
}

/// How many delegations the agent page lists.
pub const DELEGATION_LIMIT: u32 = 200;

/// Where a delegated token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenState {
    pub fn tone_label(self) -> (&'static str, &'static str) {
        match self {
            TokenState::Active => ("ok", "Active"),
            TokenState::Expired => ("muted", "Expired"),
            TokenState::Revoked => ("danger", "Revoked"),
        }
    }
}

/// A token one agent delegated to another under this grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelegationView {
    pub jti: String,
    pub agent_id: String,
    pub agent_name: String,
    /// The token it was delegated from: a root token of the granted agent, or another
    /// delegation.
    pub parent_jti: Option<String>,
    pub parent_agent_id: Option<String>,
    pub depth: u32,
    /// The delegated scope, pretty-printed.
    pub policy: Option<String>,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub state: TokenState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffKind {
    Same,
    Added,
    Removed,
    /// Unchanged lines left out; the text says how many.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

/// A field that changed between two versions, as display text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One version of the grant and what changed from the version before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: u32,
    pub purpose: Purpose,
    /// Pretty-printed; `None` for the purpose template.
    pub policy: Option<String>,
    pub not_before: Option<chrono::DateTime<chrono::Utc>>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    pub note: Option<String>,
    /// `None` for the first version.
    pub changes: Option<VersionChanges>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChanges {
    pub fields: Vec<FieldChange>,
    /// Empty when the policy did not change.
    pub policy: Vec<DiffLine>,
}

/// A policy as stable, reviewable text: pretty-printed JSON, or the text as stored when it does
/// not parse.
#[cfg(feature = "ssr")]
fn pretty_policy(policy: &str) -> String {
    serde_json::from_str::<serde_json::Value>(policy)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| policy.to_string())
}

const TEMPLATE_LINE: &str = "(purpose template: no custom policy)";
/// Unchanged lines kept around each change.
const DIFF_CONTEXT: usize = 2;
/// Beyond this many lines a side, the diff shows every old line removed and every new one added.
const DIFF_MAX_LINES: usize = 1000;

/// A line diff (longest common subsequence) with [`DIFF_CONTEXT`] unchanged lines around each
/// change; longer unchanged runs become one `Skipped` line.
pub fn line_diff(before: &str, after: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let line = |kind, text: &str| DiffLine {
        kind,
        text: text.to_string(),
    };
    let mut full = Vec::new();
    if a.len() > DIFF_MAX_LINES || b.len() > DIFF_MAX_LINES {
        full.extend(a.iter().map(|t| line(DiffKind::Removed, t)));
        full.extend(b.iter().map(|t| line(DiffKind::Added, t)));
    } else {
        // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
        let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i][j] = if a[i] == b[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                full.push(line(DiffKind::Same, a[i]));
                i += 1;
                j += 1;
            } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
                // Removals before additions, as diffs are usually read.
                full.push(line(DiffKind::Removed, a[i]));
                i += 1;
            } else {
                full.push(line(DiffKind::Added, b[j]));
                j += 1;
            }
        }
    }
    // Keep only the context around changes.
    let changed: Vec<bool> = full.iter().map(|l| l.kind != DiffKind::Same).collect();
    if !changed.iter().any(|c| *c) {
        return Vec::new();
    }
    let near = |k: usize| {
        let lo = k.saturating_sub(DIFF_CONTEXT);
        let hi = (k + DIFF_CONTEXT).min(full.len() - 1);
        changed[lo..=hi].iter().any(|c| *c)
    };
    let mut out = Vec::new();
    let mut skipped = 0usize;
    for (k, l) in full.iter().enumerate() {
        if near(k) {
            if skipped > 0 {
                out.push(line(
                    DiffKind::Skipped,
                    &format!("{skipped} unchanged line(s)"),
                ));
                skipped = 0;
            }
            out.push(l.clone());
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        out.push(line(
            DiffKind::Skipped,
            &format!("{skipped} unchanged line(s)"),
        ));
    }
    out
}

/// What changed from `prev` to `next`.
pub fn version_changes(prev: &VersionView, next: &VersionView) -> VersionChanges {
    let when = |t: &Option<chrono::DateTime<chrono::Utc>>, none: &str| match t {
        Some(t) => t.format("%b %-d, %Y %H:%M UTC").to_string(),
        None => none.to_string(),
    };
    let mut fields = Vec::new();
    if prev.purpose != next.purpose {
        fields.push(FieldChange {
            field: "Purpose".into(),
            before: prev.purpose.label().into(),
            after: next.purpose.label().into(),
        });
    }
    if prev.not_before != next.not_before {
        fields.push(FieldChange {
            field: "Valid from".into(),
            before: when(&prev.not_before, "Immediately"),
            after: when(&next.not_before, "Immediately"),
        });
    }
    if prev.expires_at != next.expires_at {
        fields.push(FieldChange {
            field: "Expires".into(),
            before: when(&prev.expires_at, "No expiry"),
            after: when(&next.expires_at, "No expiry"),
        });
    }
    let text = |p: &Option<String>| p.clone().unwrap_or_else(|| TEMPLATE_LINE.to_string());
    VersionChanges {
        fields,
        policy: line_diff(&text(&prev.policy), &text(&next.policy)),
    }
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
    let store = store()?;
    let mut detail = store
        .agent_detail(&advertiser.id, &agent)
        .await?
        .ok_or(AppError::NotFound)?;
    detail.grant.policy = detail.grant.policy.as_deref().map(pretty_policy);
    let now = chrono::Utc::now();
    let delegations = store
        .delegations(&advertiser.id, &agent, DELEGATION_LIMIT)
        .await?
        .into_iter()
        .map(|d| {
            let t = d.token;
            DelegationView {
                jti: t.jti.to_string(),
                agent_id: t.agent_id.to_string(),
                agent_name: d.agent_name,
                parent_jti: t.parent_jti.map(|p| p.to_string()),
                parent_agent_id: d.parent_agent_id.map(|p| p.to_string()),
                depth: t.depth,
                policy: t.policy.as_deref().map(pretty_policy),
                issued_at: t.issued_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
                state: if t.revoked_at.is_some() {
                    TokenState::Revoked
                } else if t.expires_at <= now {
                    TokenState::Expired
                } else {
                    TokenState::Active
                },
            }
        })
        .collect();
    let mut versions: Vec<VersionView> = store
        .grant_versions(&advertiser.id, &agent)
        .await?
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            purpose: v.purpose,
            policy: v.policy.as_deref().map(pretty_policy),
            not_before: v.not_before,
            expires_at: v.expires_at,
            created_at: v.created_at,
            created_by: v.created_by,
            note: v.note,
            changes: None,
        })
        .collect();
    // Newest first: each version's change is against the next (older) one in the list.
    for k in 0..versions.len().saturating_sub(1) {
        let changes = version_changes(&versions[k + 1], &versions[k]);
        versions[k].changes = Some(changes);
    }
    // Spend figures are shown when readable; an error is logged (as an internal error) and the
    // page, with its revoke button, is served without them.
    let enforcement = crate::enforce::api::enforcement_for(&store, &advertiser, &detail.grant.id)
        .await
        .ok();
    Ok(AgentDetailPage {
        account: account_view(advertiser, &access).await?,
        detail,
        delegations,
        versions,
        enforcement,
        csrf: csrf_token(&session).await?,
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
    let m = account_manage_access(&person, &advertiser_id).await?;
    let reason = parse_optional_text("reason", reason.as_deref(), 500)?;
    let outcome = charter_core::grants::revoke(&*store()?, &m, &agent, reason.as_deref()).await?;
    let notice = match outcome {
        charter_store::RevokeOutcome::Revoked(_) => "revoked",
        charter_store::RevokeOutcome::AlreadyRevoked(_) => "already_revoked",
    };
    leptos_axum::redirect(&format!(
        "/accounts/{}/agents/{agent}?notice={notice}",
        m.account()
    ));
    Ok(())
}

/// Revokes every agent on the account. The caller must type the account's name to confirm.
#[server(endpoint = "revoke_all")]
pub async fn revoke_all(
    advertiser_id: String,
    confirm_name: String,
    reason: Option<String>,
    partner_id: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let advertiser = m.advertiser();
    // With a partner: only that partner's agents, confirmed by typing the partner's name. A
    // partner without agents on the account is not found (nothing about it is revealed).
    let partner = match partner_id.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => {
            let id = PartnerId::parse(p).map_err(|_| AppError::NotFound)?;
            Some(charter_core::grants::partner_on_account(&*store()?, &m, &id).await?)
        }
    };
    if confirm_name.trim() != charter_core::grants::stop_confirmation(&m, partner.as_ref()) {
        let back = partner
            .as_ref()
            .map(|p| format!("&partner={}", p.id))
            .unwrap_or_default();
        leptos_axum::redirect(&format!(
            "/accounts/{}/revoke-all?error=confirm_mismatch{back}",
            advertiser.id
        ));
        return Ok(());
    }
    let reason = parse_optional_text("reason", reason.as_deref(), 500)?;
    let stopped = partner.as_ref().map(|p| &p.id);
    let count =
        charter_core::grants::emergency_stop(&*store()?, &m, stopped, reason.as_deref()).await?;
    let notice = if partner.is_some() {
        "revoked_partner"
    } else {
        "revoked_all"
    };
    leptos_axum::redirect(&format!(
        "/accounts/{}/agents?notice={notice}&count={count}",
        advertiser.id
    ));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub account: AccountView,
    pub events: Page<AuditEvent>,
    pub filter: ActivityFilter,
    /// The filters as the form sent them, to show them again and to build the export links.
    pub form: ActivityForm,
    /// Agents holding a grant on the account (for the agent filter), by name.
    pub agents: Vec<(AgentId, String)>,
}

/// The activity filters as typed, each empty when unset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActivityForm {
    pub agent: String,
    pub action: String,
    pub decision: String,
    pub since: String,
    pub until: String,
}

impl ActivityForm {
    /// The filters as typed: trimmed, at most 200 characters each, empty when unset.
    pub fn typed(given: ActivityQuery) -> Self {
        let text = |v: Option<String>| -> String {
            v.unwrap_or_default().trim().chars().take(200).collect()
        };
        ActivityForm {
            agent: text(given.agent),
            action: text(given.action),
            decision: text(given.decision),
            since: text(given.since),
            until: text(given.until),
        }
    }

    /// The filters as a query string (`agent=…&decision=…`), empty ones left out.
    pub fn query(&self) -> String {
        [
            ("agent", &self.agent),
            ("action", &self.action),
            ("decision", &self.decision),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::components::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "account_activity")]
pub async fn account_activity(
    advertiser_id: String,
    page: Option<String>,
    agent: Option<String>,
    action: Option<String>,
    decision: Option<String>,
    since: Option<String>,
    until: Option<String>,
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
    let given = ActivityQuery {
        agent,
        action,
        decision,
        since,
        until,
    };
    let filter = given.filter()?;
    let form = ActivityForm::typed(given);
    let store = store()?;
    let events = store.activity(&advertiser.id, &filter, page, 50).await?;
    let agents = store
        .list_agent_grants(&advertiser.id, &AgentQuery::default_page())
        .await?
        .items
        .into_iter()
        .map(|r| (r.agent_id, r.agent_name))
        .collect();
    Ok(ActivityPage {
        account: account_view(advertiser, &access).await?,
        events,
        filter,
        form,
        agents,
    })
}

#[cfg(test)]
mod tests {
    use super::{DiffKind, line_diff};

    fn kinds(before: &str, after: &str) -> Vec<(DiffKind, String)> {
        line_diff(before, after)
            .into_iter()
            .map(|l| (l.kind, l.text))
            .collect()
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert!(line_diff("a\nb", "a\nb").is_empty());
    }

    #[test]
    fn a_changed_line_is_removed_then_added() {
        use DiffKind::*;
        assert_eq!(
            kinds("a\nb\nc", "a\nB\nc"),
            vec![
                (Same, "a".into()),
                (Removed, "b".into()),
                (Added, "B".into()),
                (Same, "c".into()),
            ]
        );
    }

    #[test]
    fn far_unchanged_lines_are_skipped() {
        let before: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let after = before.replace("l10\n", "l10 changed\n");
        let diff = line_diff(&before, &after);
        assert_eq!(diff.first().map(|l| l.kind), Some(DiffKind::Skipped));
        assert_eq!(
            diff.first().map(|l| l.text.as_str()),
            Some("7 unchanged line(s)")
        );
        assert_eq!(
            diff.last().map(|l| l.text.as_str()),
            Some("8 unchanged line(s)")
        );
        assert_eq!(diff.iter().filter(|l| l.kind == DiffKind::Same).count(), 4);
    }
}
