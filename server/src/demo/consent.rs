//! Demo data for the beta flows on Northwind: a guardrail, pending access requests, a
//! delegation and the decisions it made, for the consent pages and the activity log.

use charter_store::model::*;
use charter_store::{DynStore, StoreError};
use chrono::{Duration, Utc};

/// Beta-flow demo data on Northwind: a guardrail, two pending access requests (an upgrade that
/// goes beyond its purpose, and one that touches billing, which the guardrail blocks) and a
/// delegation from "Bid Pilot" to "Dayparting Agent".
pub(super) async fn seed_consent(
    store: &DynStore,
    system: &Actor,
    northwind: &Advertiser,
    agents: &[Agent],
) -> Result<(), StoreError> {
    use charter_store::{NewAccessRequest, TokenRecord};
    store
        .add_guardrail(
            system,
            &northwind.id,
            "No agent may touch billing",
            &["billing:*".to_string()],
            &["*".to_string()],
        )
        .await?;
    let by_name = |n: &str| agents.iter().find(|a| a.name == n);
    let acct = charter_model::arn::account(northwind.marketplace, northwind.id.as_str());
    let now = Utc::now();
    let requests = [
        (
            "Bid Pilot",
            Purpose::BidOptimization,
            serde_json::json!({ "Version": "2012-10-17", "Statement": [
                { "Sid": "ReadAndBid", "Effect": "Allow",
                  "Action": ["sp:ListCampaigns", "sp:GetCampaign", "sp:ListKeywords", "sp:GetKeyword", "sp:UpdateKeywordBid"],
                  "Resource": format!("{acct}:*") },
                { "Sid": "Budgets", "Effect": "Allow", "Action": "sp:UpdateCampaigns", "Resource": format!("{acct}:campaign/*") }
            ]}),
            "Also move daily budgets toward the best campaigns",
        ),
        (
            "Weekly Report Writer",
            Purpose::Reporting,
            serde_json::json!({ "Version": "2012-10-17", "Statement": [
                { "Sid": "Reports", "Effect": "Allow", "Action": ["reports:*"], "Resource": format!("{acct}:*") },
                { "Sid": "Invoices", "Effect": "Allow", "Action": "billing:GetInvoice", "Resource": format!("{acct}:*") }
            ]}),
            "Monthly spend reconciliation with invoices",
        ),
    ];
    for (agent_name, purpose, policy, note) in requests {
        let Some(agent) = by_name(agent_name) else {
            continue;
        };
        let Some(ident) = store.agent_identity(&agent.id).await? else {
            continue;
        };
        store
            .create_access_request(
                &Actor::System {
                    label: format!("{} (partner)", ident.partner_name),
                },
                &ident.partner_id,
                NewAccessRequest {
                    advertiser_id: northwind.id.clone(),
                    agent_id: agent.id.clone(),
                    purpose,
                    policy: serde_json::to_string_pretty(&policy).unwrap_or_default(),
                    expires_at: Some(now + Duration::days(90)),
                    note: note.into(),
                },
            )
            .await?;
    }
    // A delegation: Bid Pilot's token exchanged for a narrower one held by Dayparting Agent.
    if let (Some(parent), Some(child)) = (by_name("Bid Pilot"), by_name("Dayparting Agent"))
        && let Some(grant) = store.grant_for(&northwind.id, &parent.id).await?
    {
        {
            let root = TokenRecord {
                jti: TokenId::generate(),
                advertiser_id: northwind.id.clone(),
                grant_id: grant.id.clone(),
                grant_version: grant.version,
                agent_id: parent.id.clone(),
                parent_jti: None,
                depth: 0,
                actor_chain: vec![],
                policy: None,
                purpose: grant.purpose,
                issued_at: now - Duration::minutes(4),
                expires_at: now + Duration::minutes(6),
                revoked_at: None,
            };
            let narrow = serde_json::json!({ "Statement": [{ "Sid": "Dayparting", "Effect": "Allow",
                "Action": ["sp:GetKeyword", "sp:UpdateKeywordBid"], "Resource": format!("{acct}:keyword/*") }] });
            let delegated = TokenRecord {
                jti: TokenId::generate(),
                parent_jti: Some(root.jti.clone()),
                agent_id: child.id.clone(),
                depth: 1,
                actor_chain: vec![parent.id.clone()],
                policy: Some(serde_json::to_string_pretty(&narrow).unwrap_or_default()),
                issued_at: now - Duration::minutes(3),
                ..root.clone()
            };
            let agent_actor = |a: &Agent| Actor::Agent {
                id: a.id.clone(),
                label: a.name.clone(),
            };
            store.record_token(&agent_actor(parent), &root).await?;
            store.record_token(&agent_actor(child), &delegated).await?;
            seed_decisions(store, northwind, parent, &grant, &root, &acct).await?;
        }
    }
    Ok(())
}

/// A few access decisions by Bid Pilot on Northwind, for the activity log: allowed bid and
/// budget changes, and denials (outside the policy, and the billing guardrail).
async fn seed_decisions(
    store: &DynStore,
    northwind: &Advertiser,
    agent: &Agent,
    grant: &Grant,
    token: &charter_store::TokenRecord,
    acct: &str,
) -> Result<(), StoreError> {
    let Some(ident) = store.agent_identity(&agent.id).await? else {
        return Ok(());
    };
    let now = Utc::now();
    let decisions = [
        (
            50,
            "sp:UpdateKeywordBid",
            "keyword/4471",
            true,
            "policy_allowed",
            Some(85),
            "Allowed: the grant's policy allows keyword bid changes on this account.",
        ),
        (
            40,
            "sp:GetCampaign",
            "campaign/912",
            true,
            "policy_allowed",
            None,
            "Allowed: the grant's policy allows reading campaigns.",
        ),
        (
            30,
            "sp:UpdateCampaigns",
            "campaign/912",
            false,
            "policy_denied",
            Some(250_000),
            "Denied: no statement of the grant's policy allows changing campaign budgets.",
        ),
        (
            20,
            "billing:GetInvoice",
            "invoice/2026-10",
            false,
            "guardrail_denied",
            None,
            "Denied: the guardrail \"No agent may touch billing\" forbids billing actions.",
        ),
        (
            10,
            "sp:UpdateKeywordBid",
            "keyword/4472",
            true,
            "policy_allowed",
            Some(120),
            "Allowed: the grant's policy allows keyword bid changes on this account.",
        ),
    ];
    let batch = decisions
        .into_iter()
        .map(
            |(ago, action, resource, allowed, reason, amount, explanation)| DecisionEvent {
                id: charter_store::new_event_id(),
                decided_at: now - Duration::minutes(ago),
                advertiser_id: northwind.id.clone(),
                partner_id: ident.partner_id.clone(),
                agent_id: agent.id.clone(),
                agent_label: agent.name.clone(),
                grant_id: Some(grant.id.clone()),
                action: action.into(),
                resource: format!("{acct}:{resource}"),
                allowed,
                reason: reason.into(),
                statement_ids: if allowed {
                    vec!["ReadAndBid".into()]
                } else {
                    vec![]
                },
                token_chain: vec![token.jti.to_string()],
                amount_minor: amount,
                explanation: explanation.into(),
            },
        )
        .collect();
    store.append_decisions(batch).await?;
    Ok(())
}
