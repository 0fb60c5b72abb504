//! Sandbox keywords and product targets, both under an ad group. Implemented for both backends
//! in `sql/sandbox/targeting.rs`.

use super::*;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Keyword {
    pub id: KeywordId,
    pub advertiser_id: AdvertiserId,
    pub campaign_id: CampaignId,
    pub ad_group_id: AdGroupId,
    #[sqlx(rename = "keyword_text")]
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

/// What keywords and product targets share: a place under an ad group, a state and a bid, which
/// change only through a [`BidPatch`].
pub trait Bidded: Sized {
    /// Its create plan ([`NewKeyword`], [`NewTarget`]).
    type New: Send;
    fn ad_group_id(&self) -> AdGroupId;
    fn state(&self) -> EntityState;
    fn bid_minor(&self) -> i64;
    /// It with `patch` applied at `now`.
    fn patched(self, patch: &BidPatch, now: DateTime<Utc>) -> Self;
    /// The ad group a planned create goes in.
    fn new_ad_group(new: &Self::New) -> AdGroupId;
    /// The bid a planned create sets (`None`: the ad group's default bid).
    fn new_bid(new: &Self::New) -> Option<i64>;
}

/// [`Bidded`] for a type whose fields are named alike (`Keyword`, `Target`).
macro_rules! bidded {
    ($t:ident, $new:ident) => {
        impl Bidded for $t {
            type New = $new;
            fn ad_group_id(&self) -> AdGroupId {
                self.ad_group_id
            }
            fn state(&self) -> EntityState {
                self.state
            }
            fn bid_minor(&self) -> i64 {
                self.bid_minor
            }
            fn patched(self, patch: &BidPatch, now: DateTime<Utc>) -> Self {
                $t {
                    state: patch.state.unwrap_or(self.state),
                    bid_minor: patch.bid_minor.unwrap_or(self.bid_minor),
                    updated_at: now,
                    ..self
                }
            }
            fn new_ad_group(new: &$new) -> AdGroupId {
                new.ad_group_id
            }
            fn new_bid(new: &$new) -> Option<i64> {
                new.bid_minor
            }
        }
    };
}

bidded!(Keyword, NewKeyword);
bidded!(Target, NewTarget);

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
