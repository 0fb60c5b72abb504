//! Changes to the grants on an account: a new version, and revocation of one agent, of one
//! partner's agents, or of every agent. Each takes the [`Manage`] proof and acts on that
//! account only; a revocation is effective on the next request.

use crate::access::Manage;
use charter_model::{AgentId, Grant, PartnerId};
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
