//! Changes to the grants on an account: a new version, and revocation of one agent, of one
//! partner's agents, or of every agent. Each takes the [`Manage`] proof and acts on that
//! account only; a revocation is effective on the next request.

use crate::access::Manage;
use charter_model::{AgentId, Grant, Partner, PartnerId};
use charter_store::{GrantChange, GrantStore, IdentityStore, RevokeOutcome, StoreError};

/// Saves the agent's grant as its next version, made from version `base` (the one the person
/// saw and reviewed). If the grant changed since (another person saved, a request was
/// approved), nothing is written: [`StoreError::Stale`]. The check is in the write's own
/// transaction, so of two saves from one version exactly one wins.
pub async fn save_version<S: IdentityStore + ?Sized>(
    store: &S,
    m: &Manage,
    agent: &AgentId,
    base: u32,
    change: GrantChange,
) -> Result<Grant, StoreError> {
    store
        .update_grant_from(m.actor(), m.account(), agent, base, change)
        .await
}

/// Revokes one agent's grant.
pub async fn revoke<S: GrantStore + ?Sized>(
    store: &S,
    m: &Manage,
    agent: &AgentId,
    reason: Option<&str>,
) -> Result<RevokeOutcome, StoreError> {
    store
        .revoke_grant(m.actor(), m.account(), agent, reason)
        .await
}

/// Revokes every grant held by an agent of `partner`; returns how many.
pub async fn revoke_partner<S: GrantStore + ?Sized>(
    store: &S,
    m: &Manage,
    partner: &PartnerId,
    reason: Option<&str>,
) -> Result<u64, StoreError> {
    store
        .revoke_partner(m.actor(), m.account(), partner, reason)
        .await
}

/// Revokes every grant on the account; returns how many.
pub async fn revoke_all<S: GrantStore + ?Sized>(
    store: &S,
    m: &Manage,
    reason: Option<&str>,
) -> Result<u64, StoreError> {
    store.revoke_all(m.actor(), m.account(), reason).await
}

/// The partner whose agents an emergency stop takes: one with agents on the account. Any other
/// partner is `NotFound` (nothing about it is revealed).
pub async fn partner_on_account<S: GrantStore + ?Sized>(
    store: &S,
    m: &Manage,
    partner: &PartnerId,
) -> Result<Partner, StoreError> {
    store
        .partners_on_account(m.account())
        .await?
        .into_iter()
        .find(|p| p.id == *partner)
        .ok_or(StoreError::NotFound)
}

/// What a person types to confirm an emergency stop: the partner's name when it takes one
/// partner's agents, else the account's.
pub fn stop_confirmation<'a>(m: &'a Manage, partner: Option<&'a Partner>) -> &'a str {
    partner.map_or(&m.advertiser().name, |p| &p.name)
}

/// The emergency stop: revokes every grant of `partner`'s agents, or with no partner every
/// grant on the account; returns how many.
pub async fn emergency_stop<S: GrantStore + ?Sized>(
    store: &S,
    m: &Manage,
    partner: Option<&PartnerId>,
    reason: Option<&str>,
) -> Result<u64, StoreError> {
    match partner {
        Some(p) => revoke_partner(store, m, p, reason).await,
        None => revoke_all(store, m, reason).await,
    }
}
