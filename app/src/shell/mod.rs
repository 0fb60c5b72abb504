//! The account shell: what every account page shows above its own content (the account, the
//! caller's role or support reason, and the circuit breakers that are not closed), loaded
//! once per page by [`account_view`] and drawn by [`banner::AccountBanner`].

pub mod banner;

#[cfg(feature = "ssr")]
use crate::error::AppError;
use charter_model::*;
use chrono::{DateTime, Utc};
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
    /// Circuit breakers on the account that are not closed: shown on every account page.
    pub alerts: Vec<BreakerAlert>,
}

#[cfg(feature = "ssr")]
pub async fn account_view(
    advertiser: Advertiser,
    access: &crate::session::server::Access,
) -> Result<AccountView, AppError> {
    use crate::session::server::Access;
    let alerts = breaker_alerts(&crate::session::server::store()?, &advertiser.id).await?;
    Ok(AccountView {
        alerts,
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
    })
}

/// A breaker that is not closed, for the account banner and the alerts page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerAlert {
    pub agent_id: String,
    pub agent_name: String,
    pub state: BreakerState,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub trips: i64,
}

/// The breakers of the account that are not closed, the most recent first.
#[cfg(feature = "ssr")]
pub async fn breaker_alerts(
    store: &charter_store::DynStore,
    advertiser: &AdvertiserId,
) -> Result<Vec<BreakerAlert>, AppError> {
    Ok(store
        .breaker_alerts(advertiser)
        .await?
        .into_iter()
        .map(|(rec, agent_name)| BreakerAlert {
            agent_id: rec.agent_id.to_string(),
            agent_name,
            state: rec.state,
            reason: rec.reason,
            changed_at: rec.changed_at,
            trips: rec.trips,
        })
        .collect())
}
