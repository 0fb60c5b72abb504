//! Enforcement state: spend limits and the reservation ledger, circuit breakers and breaker
//! webhooks. Implemented for both backends in `sql/enforce.rs`.
//!
//! A reservation is atomic per grant: the check of every cap and the insert of the ledger row
//! happen in one write transaction that holds the grant's `spend_limits` row (`FOR UPDATE` on
//! PostgreSQL; SQLite's `BEGIN IMMEDIATE` takes the database write lock), so concurrent calls —
//! in one process or many — can never overspend a cap.

use super::Result;
use crate::model::*;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// How long a reservation holds its amount when its call never reports back.
pub const RESERVATION_TTL: Duration = Duration::minutes(5);

pub use crate::model::{CapError, SpendLimits};

/// A spend window. Days and months are calendar days and months in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendWindow {
    Daily,
    Monthly,
    Lifetime,
}

impl SpendWindow {
    pub fn as_str(self) -> &'static str {
        match self {
            SpendWindow::Daily => "daily",
            SpendWindow::Monthly => "monthly",
            SpendWindow::Lifetime => "lifetime",
        }
    }
}

/// Money held (live reservations) plus spent (committed) in each window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendUsage {
    pub day_minor: i64,
    pub month_minor: i64,
    pub lifetime_minor: i64,
}

impl SpendUsage {
    pub fn in_window(&self, w: SpendWindow) -> i64 {
        match w {
            SpendWindow::Daily => self.day_minor,
            SpendWindow::Monthly => self.month_minor,
            SpendWindow::Lifetime => self.lifetime_minor,
        }
    }
}

/// The start of today and of this month (UTC), the window boundaries of the caps.
pub fn window_starts(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = now.date_naive();
    let month = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
    let midnight = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
    (midnight(day), midnight(month))
}

/// A reservation to make.
#[derive(Debug, Clone)]
pub struct NewReservation {
    pub advertiser_id: AdvertiserId,
    pub grant_id: GrantId,
    pub agent_id: AgentId,
    pub action: String,
    pub resource: String,
    pub amount_minor: i64,
    /// The token the reservation is made with: only that token settles it through the PDP.
    /// `None` for reservations Charter settles itself (the sandbox gateway, the demo seed).
    pub token_id: Option<TokenId>,
}

/// A ledger row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct LedgerEntry {
    pub id: ReservationId,
    pub advertiser_id: AdvertiserId,
    pub grant_id: GrantId,
    pub agent_id: AgentId,
    pub action: String,
    pub resource: String,
    pub amount_minor: i64,
    pub status: ReservationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// The answer to a reservation.
#[derive(Debug, Clone, PartialEq)]
pub enum ReserveOutcome {
    Reserved(LedgerEntry),
    /// The first cap the amount would break, with what was already used in its window.
    Exceeded {
        window: SpendWindow,
        limit_minor: i64,
        used_minor: i64,
        requested_minor: i64,
    },
}

/// One day of committed spend, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendPoint {
    pub day: NaiveDate,
    pub committed_minor: i64,
}

/// A breaker's thresholds; `None` takes the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BreakerConfig {
    pub requests_per_minute: Option<i64>,
    pub denials_per_minute: Option<i64>,
    pub spend_per_hour_minor: Option<i64>,
    pub cooldown_seconds: Option<i64>,
}

impl BreakerConfig {
    pub const DEFAULT_REQUESTS_PER_MINUTE: i64 = 600;
    pub const DEFAULT_DENIALS_PER_MINUTE: i64 = 30;
    pub const DEFAULT_COOLDOWN_SECONDS: i64 = 60;

    pub fn requests_per_minute(&self) -> i64 {
        self.requests_per_minute
            .unwrap_or(Self::DEFAULT_REQUESTS_PER_MINUTE)
    }
    pub fn denials_per_minute(&self) -> i64 {
        self.denials_per_minute
            .unwrap_or(Self::DEFAULT_DENIALS_PER_MINUTE)
    }
    /// With no explicit value: a quarter of the daily cap, so a runaway loop trips the breaker
    /// long before the cap is gone; no limit when there is no daily cap either.
    pub fn spend_per_hour_minor(&self, limits: &SpendLimits) -> Option<i64> {
        self.spend_per_hour_minor
            .or(limits.daily_minor.map(|d| (d / 4).max(1)))
    }
    pub fn cooldown(&self) -> Duration {
        Duration::seconds(
            self.cooldown_seconds
                .unwrap_or(Self::DEFAULT_COOLDOWN_SECONDS)
                .clamp(1, 86_400),
        )
    }
}

/// A grant's breaker as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BreakerRecord {
    pub grant_id: GrantId,
    pub advertiser_id: AdvertiserId,
    pub agent_id: AgentId,
    pub state: BreakerState,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
    /// How many times it tripped (CLOSED/HALF_OPEN → OPEN) since the last manual reset.
    pub trips: i64,
    #[sqlx(flatten)]
    pub config: BreakerConfig,
}

/// Where breaker alerts go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub advertiser_id: AdvertiserId,
    pub url: String,
    pub secret: String,
    pub created_at: DateTime<Utc>,
}

/// How an agent used one action on an account, from the audit trail's allowed decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionUsage {
    pub agent_id: AgentId,
    pub action: String,
    pub allowed: i64,
    pub last_at: DateTime<Utc>,
}

#[async_trait]
pub trait EnforcementStore: Send + Sync {
    // --- usage (unused-access findings) --------------------------------------------------
    /// Allowed decisions per agent and action on the account since `since`.
    async fn action_usage(
        &self,
        advertiser: &AdvertiserId,
        since: DateTime<Utc>,
    ) -> Result<Vec<ActionUsage>>;
    /// The last decision (allowed or denied) of each agent on the account, ever.
    async fn last_decisions(
        &self,
        advertiser: &AdvertiserId,
    ) -> Result<Vec<(AgentId, DateTime<Utc>)>>;

    // --- spend ---------------------------------------------------------------------------
    /// The grant's caps (all `None` when never set). `NotFound` for a grant not on `advertiser`.
    async fn spend_limits(&self, advertiser: &AdvertiserId, grant: &GrantId)
    -> Result<SpendLimits>;
    /// Sets the caps, audited with before and after.
    async fn set_spend_limits(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        grant: &GrantId,
        limits: SpendLimits,
    ) -> Result<SpendLimits>;
    /// Checks every cap and holds the amount, atomically.
    async fn reserve_spend(
        &self,
        new: NewReservation,
        now: DateTime<Utc>,
    ) -> Result<ReserveOutcome>;
    /// Commits (`true`) or releases (`false`) a live reservation of `grant`, made with `token`
    /// when one is given. `NotFound` for an unknown reservation, one of another grant or one
    /// made with another token; `Conflict` when it is already settled or has expired.
    async fn settle_reservation(
        &self,
        grant: &GrantId,
        token: Option<&TokenId>,
        id: &ReservationId,
        commit: bool,
        now: DateTime<Utc>,
    ) -> Result<LedgerEntry>;
    async fn spend_usage(&self, grant: &GrantId, now: DateTime<Utc>) -> Result<SpendUsage>;
    /// The caps and usage of several grants of one account (the Agents list shows a page of
    /// them), in two queries per 200 grants. A grant not on `advertiser` is absent; one
    /// without caps or spend has the defaults, as [`Self::spend_limits`] and
    /// [`Self::spend_usage`] give them.
    async fn spend_overview(
        &self,
        advertiser: &AdvertiserId,
        grants: &[GrantId],
        now: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<GrantId, (SpendLimits, SpendUsage)>>;
    /// Committed spend per UTC day since `since` (days without spend are absent).
    async fn spend_series(
        &self,
        advertiser: &AdvertiserId,
        grant: &GrantId,
        since: DateTime<Utc>,
    ) -> Result<Vec<SpendPoint>>;
    /// The newest ledger rows of a grant.
    async fn ledger(
        &self,
        advertiser: &AdvertiserId,
        grant: &GrantId,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>>;

    // --- breakers ------------------------------------------------------------------------
    /// The grant's breaker; a closed breaker with default thresholds when none is stored.
    async fn breaker(&self, grant: &GrantId) -> Result<BreakerRecord>;
    /// Every stored breaker on an account.
    async fn breakers(&self, advertiser: &AdvertiserId) -> Result<Vec<BreakerRecord>>;
    /// The account's breakers that are not closed, the most recent first, each with its
    /// agent's name, in one query (every page of the account shows them).
    async fn breaker_alerts(
        &self,
        advertiser: &AdvertiserId,
    ) -> Result<Vec<(BreakerRecord, String)>>;
    /// Moves a breaker from `from` to `to`, audited. Returns `None` (and changes nothing) when
    /// the stored state is no longer `from`: another request or process moved it first.
    /// `trip` counts a trip; `reset` clears the trip count (a manual reset).
    #[allow(clippy::too_many_arguments)]
    async fn transition_breaker(
        &self,
        actor: &Actor,
        grant: &GrantId,
        from: BreakerState,
        to: BreakerState,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<BreakerRecord>>;
    async fn set_breaker_config(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        grant: &GrantId,
        config: BreakerConfig,
    ) -> Result<BreakerRecord>;

    // --- webhooks ------------------------------------------------------------------------
    async fn webhook(&self, advertiser: &AdvertiserId) -> Result<Option<Webhook>>;
    /// Sets (`Some`) or removes (`None`) the webhook, audited (the secret never is).
    async fn set_webhook(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        webhook: Option<(String, String)>,
    ) -> Result<Option<Webhook>>;
}
