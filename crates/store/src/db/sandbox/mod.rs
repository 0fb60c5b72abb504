//! The data behind the sandbox Ads API (`/sandbox/v1/`): per advertiser, a profile, campaigns,
//! ad groups, keywords, targets, report jobs and invoices. Implemented for both backends in
//! `sql/sandbox/`, file by file as here: this file holds the profile, the listing and write
//! types every entity shares, the seed and [`SandboxStore`]; `campaigns.rs` campaigns and ad
//! groups, `targeting.rs` keywords and product targets, `reports.rs` report jobs and invoices,
//! `values.rs` the ids, enums and validated texts they are made of.
//!
//! These tables simulate the ad platform, not Charter's own state, so their changes write no
//! audit events: the gateway records each sandbox call's decision (with its operation) instead.
//! Every method takes the advertiser it is scoped to; a row of another account is
//! indistinguishable from a missing one.
//!
//! Ids are numeric like Amazon's ([`CampaignId`] etc., random 15-digit numbers); report ids are
//! UUIDs ([`ReportId`]). Money is in the advertiser's currency minor units.

mod campaigns;
mod reports;
mod targeting;
mod values;

use super::Result;
use crate::model::{AdvertiserId, Currency};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use campaigns::*;
pub use reports::*;
pub use targeting::*;
pub use values::*;

/// The advertising profile of an account (one per advertiser).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Profile {
    pub id: ProfileId,
    pub advertiser_id: AdvertiserId,
    pub country_code: String,
    pub currency_code: String,
    /// An IANA time zone name, e.g. `America/Los_Angeles`.
    pub timezone: String,
    pub account_name: String,
    /// `seller` or `vendor`.
    pub account_type: String,
    /// Amazon's marketplace id, e.g. `ATVPDKIKX0DER`.
    pub marketplace_string_id: String,
    pub created_at: DateTime<Utc>,
}

/// Filters and window of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxQuery {
    /// The states to include; empty means every state.
    pub states: Vec<EntityState>,
    /// Only these campaigns (the campaigns themselves, or the children of these); empty: all.
    pub campaigns: Vec<CampaignId>,
    /// Only these ad groups (or their children); empty: all.
    pub ad_groups: Vec<AdGroupId>,
    pub offset: u32,
    pub limit: u32,
}

impl SandboxQuery {
    /// The most rows one listing returns.
    pub const MAX_LIMIT: u32 = 10_000;

    /// Everything (up to [`Self::MAX_LIMIT`] rows).
    pub fn all() -> Self {
        Self {
            states: Vec::new(),
            campaigns: Vec::new(),
            ad_groups: Vec::new(),
            offset: 0,
            limit: Self::MAX_LIMIT,
        }
    }

    pub(crate) fn includes(&self, state: EntityState) -> bool {
        self.states.is_empty() || self.states.contains(&state)
    }
}

/// One window of a listing and the number of rows that match.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// A check of an entity as it stands in a write transaction, before a change applies to it.
pub type Check<'a, T> = &'a (dyn Fn(&T) -> bool + Send + Sync);

/// The result of a change to an entity that may be archived.
#[derive(Debug, Clone, PartialEq)]
pub enum Written<T> {
    Done(T),
    /// Nothing changed: the entity, or the campaign or ad group it belongs to, is archived
    /// (`"campaign"`, `"ad group"`, `"keyword"` or `"target"`).
    Archived(&'static str),
}

/// A whole account's sandbox data, inserted as is in one transaction (the demo seed). Every row
/// must belong to the advertiser it is seeded for.
#[derive(Debug, Clone, Default)]
pub struct SandboxSeed {
    pub profile: Option<Profile>,
    pub campaigns: Vec<Campaign>,
    pub ad_groups: Vec<AdGroup>,
    pub keywords: Vec<Keyword>,
    pub targets: Vec<Target>,
    pub reports: Vec<ReportJob>,
    pub invoices: Vec<Invoice>,
}

/// The sandbox as a whole: its seed and the account's profile, and through its supertraits
/// every entity of the sandbox Ads API.
#[async_trait]
pub trait SandboxStore:
    SandboxCampaignStore + SandboxTargetingStore + SandboxReportStore + Send + Sync
{
    /// Inserts a seed; `Invalid` when a row belongs to another advertiser.
    async fn seed_sandbox(&self, advertiser: &AdvertiserId, seed: &SandboxSeed) -> Result<()>;

    async fn sandbox_profile(&self, advertiser: &AdvertiserId) -> Result<Option<Profile>>;
}
