//! Changes to how an account's grants are held in check: spend caps, circuit breakers and the
//! alert webhook. Each takes the [`Manage`] proof and acts on that account only.

use crate::access::Manage;
use charter_model::{BreakerState, Grant, GrantId, SpendLimits};
use charter_store::{BreakerConfig, BreakerRecord, EnforcementStore, StoreError, Webhook};
use chrono::Utc;

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
