//! Sandbox keywords and product targets, both under an ad group. Implemented for both backends
//! in `sql/sandbox/targeting.rs`.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    pub id: KeywordId,
    pub advertiser_id: AdvertiserId,
    pub campaign_id: CampaignId,
    pub ad_group_id: AdGroupId,
    pub text: KeywordText,
    pub match_type: MatchType,
    pub state: EntityState,
    pub bid_minor: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewKeyword {
    pub ad_group_id: AdGroupId,
    pub text: KeywordText,
    pub match_type: MatchType,
    pub state: EntityState,
    /// `None`: the ad group's default bid.
    pub bid_minor: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// The fields of a keyword or target to change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BidPatch {
    pub state: Option<EntityState>,
    pub bid_minor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: TargetId,
    pub advertiser_id: AdvertiserId,
    pub campaign_id: CampaignId,
    pub ad_group_id: AdGroupId,
    pub expression: TargetExpression,
    pub state: EntityState,
    pub bid_minor: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewTarget {
    pub ad_group_id: AdGroupId,
    pub expression: TargetExpression,
    pub state: EntityState,
    /// `None`: the ad group's default bid.
    pub bid_minor: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Keywords and product targets, under the campaigns of one `program`.
#[async_trait]
pub trait SandboxTargetingStore: Send + Sync {
    async fn keywords(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        query: &SandboxQuery,
    ) -> Result<Listing<Keyword>>;
    async fn keyword(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: KeywordId,
    ) -> Result<Option<Keyword>>;
    /// `NotFound` for an unknown ad group; `Conflict("keyword")` when the ad group already has
    /// this text with this match type.
    async fn create_keyword(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        new: NewKeyword,
    ) -> Result<Written<Keyword>>;
    async fn update_keyword(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: KeywordId,
        patch: &BidPatch,
        now: DateTime<Utc>,
    ) -> Result<Written<Keyword>>;
    /// [`Self::update_keyword`] after `check` accepted the keyword as it stands, locked, in the
    /// write transaction; `None` (and nothing changed) when `check` refuses it.
    async fn update_keyword_if(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: KeywordId,
        patch: &BidPatch,
        now: DateTime<Utc>,
        check: Check<'_, Keyword>,
    ) -> Result<Option<Written<Keyword>>>;

    async fn targets(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        query: &SandboxQuery,
    ) -> Result<Listing<Target>>;
    async fn target(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: TargetId,
    ) -> Result<Option<Target>>;
    async fn create_target(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        new: NewTarget,
    ) -> Result<Written<Target>>;
    async fn update_target(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: TargetId,
        patch: &BidPatch,
        now: DateTime<Utc>,
    ) -> Result<Written<Target>>;
    /// [`Self::update_target`] after `check` accepted the target as it stands, locked, in the
    /// write transaction; `None` (and nothing changed) when `check` refuses it.
    async fn update_target_if(
        &self,
        advertiser: &AdvertiserId,
        program: Program,
        id: TargetId,
        patch: &BidPatch,
        now: DateTime<Utc>,
        check: Check<'_, Target>,
    ) -> Result<Option<Written<Target>>>;
}
