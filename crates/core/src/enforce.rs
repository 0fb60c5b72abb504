//! Changes to how an account's grants are held in check: spend caps, circuit breakers and the
//! alert webhook. Each takes the [`Manage`] proof and acts on that account only.

use crate::access::Manage;
use charter_model::{
    ActivityFilter, AdvertiserId, AgentId, BreakerEvent, BreakerState, Grant, GrantId, SpendLimits,
};
use charter_store::{
    AuditStore, BreakerConfig, BreakerRecord, EnforcementStore, GrantStore, StoreError, Webhook,
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// Sets a grant's caps. The store refuses caps out of order ([`SpendLimits::check`]) and a grant
/// of another account (`NotFound`).
pub async fn set_spend_limits<S: EnforcementStore + ?Sized>(
    store: &S,
    m: &Manage,
    grant: &GrantId,
    limits: SpendLimits,
) -> Result<SpendLimits, StoreError> {
    store
        .set_spend_limits(m.actor(), m.account(), grant, limits)
        .await
}

/// Sets a grant's breaker thresholds (`None` fields take the defaults).
pub async fn set_breaker_config<S: EnforcementStore + ?Sized>(
    store: &S,
    m: &Manage,
    grant: &GrantId,
    config: BreakerConfig,
) -> Result<BreakerRecord, StoreError> {
    store
        .set_breaker_config(m.actor(), m.account(), grant, config)
        .await
}

/// What a manual reset of a breaker did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// It was closed already: nothing changed.
    AlreadyClosed,
    /// It is closed now, its trip count cleared.
    Closed,
    /// Another request moved it first; nothing changed here.
    MovedMeanwhile,
}

/// Closes a grant's breaker by hand (from open, half-open or terminated), audited with the
/// person's name. A grant of another account is `NotFound`.
pub async fn reset_breaker<S: EnforcementStore + ?Sized>(
    store: &S,
    m: &Manage,
    grant: &Grant,
    by: &str,
) -> Result<Reset, StoreError> {
    if grant.advertiser_id != *m.account() {
        return Err(StoreError::NotFound);
    }
    let current = store.breaker(&grant.id).await?;
    if current.state == BreakerState::Closed {
        return Ok(Reset::AlreadyClosed);
    }
    let moved = store
        .transition_breaker(
            m.actor(),
            &grant.id,
            current.state,
            BreakerState::Closed,
            &format!("manual reset by {by}"),
            Utc::now(),
        )
        .await?;
    Ok(if moved.is_some() {
        Reset::Closed
    } else {
        Reset::MovedMeanwhile
    })
}

/// Sets (`Some((url, signing secret))`) or removes (`None`) the account's alert webhook. The
/// address is checked by the caller (it must be https and public).
pub async fn set_webhook<S: EnforcementStore + ?Sized>(
    store: &S,
    m: &Manage,
    webhook: Option<(String, String)>,
) -> Result<Option<Webhook>, StoreError> {
    store.set_webhook(m.actor(), m.account(), webhook).await
}

/// The account's latest `limit` breaker transitions, newest first, from its audit trail. Each
/// names its agent: the agent the transition records (else the event's), by its name on the
/// account, its id when it has none there, or "Unknown agent"; and it is dated by the
/// transition's own clock (else the event's).
pub async fn breaker_history<S: AuditStore + GrantStore + ?Sized>(
    store: &S,
    account: &AdvertiserId,
    limit: u32,
) -> Result<Vec<BreakerEvent>, StoreError> {
    let filter = ActivityFilter {
        action: Some("breaker.transition".into()),
        ..ActivityFilter::default()
    };
    let events = store.activity(account, &filter, 1, limit).await?.items;
    let mut names = HashMap::<String, String>::new();
    let mut history = Vec::with_capacity(events.len());
    for e in events {
        let json = |v: &Option<String>| -> Option<Value> {
            v.as_deref().and_then(|t| serde_json::from_str(t).ok())
        };
        let (before, after) = (json(&e.before), json(&e.after));
        let agent_id = after
            .as_ref()
            .and_then(|a| a.get("agent_id"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or(e.agent_id.clone());
        let agent_name = match &agent_id {
            Some(id) => match names.get(id) {
                Some(n) => n.clone(),
                None => {
                    let n = match AgentId::parse(id) {
                        Ok(a) => store
                            .agent_detail(account, &a)
                            .await?
                            .map(|d| d.agent.name)
                            .unwrap_or_else(|| id.clone()),
                        Err(_) => id.clone(),
                    };
                    names.insert(id.clone(), n.clone());
                    n
                }
            },
            None => "Unknown agent".into(),
        };
        let state = |v: &Option<Value>, breaker: bool| {
            let v = v.as_ref()?;
            let v = if breaker { v.get("breaker")? } else { v };
            v.get("state")?.as_str().map(str::to_string)
        };
        // When the breaker moved (the event is written in the same transaction, but the
        // transition carries its own clock).
        let at = after
            .as_ref()
            .and_then(|a| a.get("breaker")?.get("changed_at")?.as_str())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(e.created_at);
        history.push(BreakerEvent {
            at,
            agent_id,
            agent_name,
            from: state(&before, false),
            to: state(&after, true),
            reason: e.reason,
            by: e.actor_label,
        });
    }
    Ok(history)
}
