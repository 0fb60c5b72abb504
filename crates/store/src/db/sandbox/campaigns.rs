//! Sandbox campaigns and their ad groups. Implemented for both backends in
//! `sql/sandbox/campaigns.rs`.

use super::*;
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Campaign {
    pub id: CampaignId,
    pub advertiser_id: AdvertiserId,
    pub program: Program,
    pub name: EntityName,
    pub state: EntityState,
    pub daily_budget_minor: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub targeting_type: TargetingType,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A campaign to create. The caller has validated the budget (> 0) and the dates.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub program: Program,
    pub name: EntityName,
    pub state: EntityState,
    pub daily_budget_minor: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub targeting_type: TargetingType,
    pub created_at: DateTime<Utc>,
}

/// The fields of a campaign to change (`None`: unchanged; `end_date: Some(None)` clears it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignPatch {
    pub name: Option<EntityName>,
    pub state: Option<EntityState>,
    pub daily_budget_minor: Option<i64>,
    pub end_date: Option<Option<NaiveDate>>,
}

impl CampaignPatch {
    /// The campaign as it would be after the patch (timestamps unchanged).
    pub fn apply(&self, c: &Campaign) -> Campaign {
        Campaign {
            name: self.name.clone().unwrap_or_else(|| c.name.clone()),
            state: self.state.unwrap_or(c.state),
            daily_budget_minor: self.daily_budget_minor.unwrap_or(c.daily_budget_minor),
            end_date: self.end_date.unwrap_or(c.end_date),
            ..c.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AdGroup {
    pub id: AdGroupId,
    pub advertiser_id: AdvertiserId,
    pub campaign_id: CampaignId,
    pub name: EntityName,
    pub state: EntityState,
    /// The bid of keywords and targets created without one.
    pub default_bid_minor: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewAdGroup {
    pub campaign_id: CampaignId,
    pub name: EntityName,
    pub state: EntityState,
    pub default_bid_minor: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdGroupPatch {
    pub name: Option<EntityName>,
    pub state: Option<EntityState>,
}

/// Campaigns and ad groups, under the campaigns of one `program` (Sponsored Products, …).
#[async_trait]
pub trait SandboxCampaignStore: Send + Sync {
    async fn campaigns(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        query: &SandboxQuery,
    ) -> Result<Listing<Campaign>>;
    async fn campaign(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: CampaignId,
    ) -> Result<Option<Campaign>>;
    async fn create_campaign(
        &self,
        advertiser: &AdvertiserId,
        new: NewCampaign,
    ) -> Result<Campaign>;
    /// Applies `patch`; `NotFound` for an unknown id, `Archived` for an archived campaign.
    async fn update_campaign(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: CampaignId,
        patch: &CampaignPatch,
        now: DateTime<Utc>,
    ) -> Result<Written<Campaign>>;
    /// [`Self::update_campaign`] after `check` accepted the campaign as it stands, locked, in
    /// the write transaction; `None` (and nothing changed) when `check` refuses it. The gateway's
    /// amount rule is re-checked here, so that what was reserved and what is applied are
    /// computed from the same row.
    async fn update_campaign_if(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: CampaignId,
        patch: &CampaignPatch,
        now: DateTime<Utc>,
        check: Check<'_, Campaign>,
    ) -> Result<Option<Written<Campaign>>>;

    async fn ad_groups(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        query: &SandboxQuery,
    ) -> Result<Listing<AdGroup>>;
    async fn ad_group(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: AdGroupId,
    ) -> Result<Option<AdGroup>>;
    /// `NotFound` when the campaign is not one of this account's `program` campaigns.
    async fn create_ad_group(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        new: NewAdGroup,
    ) -> Result<Written<AdGroup>>;
    async fn update_ad_group(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: AdGroupId,
        patch: &AdGroupPatch,
        now: DateTime<Utc>,
    ) -> Result<Written<AdGroup>>;
}
