//! What keywords and product targets share: both sit in an ad group and carry a bid, which
//! changes only through their bid route. [`Targeting`] names what differs (the create body, the
//! store writes); the five routes (list, get, create, update of the state, bid) and their
//! describe steps are written once here for both.

use super::ad_groups::open_ad_group;
use super::child::{self, Child, find, path_of, res, written};
use super::common::*;
use super::money::bid_commitment;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use charter_store::model::{Advertiser, AdvertiserId};
use charter_store::{
    AdGroup, BidPatch, Bidded, CampaignId, Check, EntityState, SandboxDb, Written,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;

/// A keyword or a product target: its create body and plan, its bid and the store's writes.
pub trait Targeting: Child + Bidded {
    /// The body of a create.
    type CreateBody: DeserializeOwned + Send;
    /// The bid action, e.g. `sp:UpdateKeywordBid`.
    const BID: &'static str;
    /// The bid route, e.g. `/sandbox/v1/sp/keywords/{keywordId}/bid`.
    const PATH_BID: &'static str;

    /// The campaign a create body names, if any (it must be the ad group's).
    fn campaign(body: &Self::CreateBody) -> Option<CampaignId>;
    /// The create body checked and planned; a bad one is a 400 naming the field.
    fn plan_create(body: Self::CreateBody, now: DateTime<Utc>) -> Result<Self::New, SandboxError>;
    /// Creates it; `NotFound` for an unknown ad group.
    fn insert<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        new: Self::New,
    ) -> impl Future<Output = charter_store::Result<Written<Self>>> + Send + 'a;
    /// Changes it by `patch` if `check` accepts it as it stands in the write transaction.
    fn update_if<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        id: Self::Id,
        patch: &'a BidPatch,
        now: DateTime<Utc>,
        check: Check<'a, Self>,
    ) -> impl Future<Output = charter_store::Result<Option<Written<Self>>>> + Send + 'a;
}

/// The routes of a keyword or target: list, get, create, update (state) and bid.
pub fn routes<T: Targeting>() -> Vec<Route> {
    vec![
        child::list_route::<T>(),
        child::get_route::<T>(),
        Route::post(T::PATH_CREATE, T::CREATE, describe_create::<T>, create::<T>),
        Route::put(T::PATH_ONE, T::UPDATE, describe_update::<T>, update::<T>),
        Route::put(T::PATH_BID, T::BID, describe_bid::<T>, bid::<T>),
    ]
}

/// A keyword or target update: its state. A `bid` here is refused with a pointer to the bid
/// route. (Targets read it too, so their errors also expect "a keyword update object".)
#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a keyword update object"
)]
struct StateBody {
    #[serde(default)]
    state: Option<EntityState>,
    #[serde(default)]
    bid: Option<Value>,
}

impl StateBody {
    fn patch(self, bid_route: &str) -> Result<BidPatch, SandboxError> {
        if self.bid.is_some() {
            return Err(SandboxError::BadRequest(format!(
                "`bid`: change bids with `PUT {bid_route}`"
            )));
        }
        let Some(state) = settable_state(self.state)? else {
            return Err(SandboxError::BadRequest(
                "nothing to change: give `state`".into(),
            ));
        };
        Ok(BidPatch {
            state: Some(state),
            bid_minor: None,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a bid object"
)]
struct BidBody {
    bid: Bid,
}

/// The campaign named in a create body must be the ad group's.
fn check_campaign(given: Option<CampaignId>, actual: CampaignId) -> Result<(), SandboxError> {
    match given {
        Some(c) if c != actual => Err(SandboxError::BadRequest(
            "`campaignId`: is not the campaign of the ad group `adGroupId`".into(),
        )),
        _ => Ok(()),
    }
}

/// A create body, planned, and the open ad group it goes in (its campaign checked).
async fn plan<T: Targeting>(
    store: &SandboxDb,
    advertiser: &Advertiser,
    body: T::CreateBody,
    now: DateTime<Utc>,
) -> Result<(T::New, AdGroup), SandboxError> {
    let campaign = T::campaign(&body);
    let new = T::plan_create(body, now)?;
    let g = open_ad_group(store, advertiser, T::new_ad_group(&new)).await?;
    check_campaign(campaign, g.campaign_id)?;
    Ok((new, g))
}

/// The keyword or target to change: found, and neither it nor its ad group or campaign
/// archived.
async fn find_open<T: Targeting>(
    store: &SandboxDb,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<T, SandboxError> {
    let x = find::<T>(store, advertiser, params).await?;
    open_ad_group(store, advertiser, x.ad_group_id()).await?;
    if x.state() == EntityState::Archived {
        return Err(archived(T::NAME));
    }
    Ok(x)
}

fn describe_create<T: Targeting>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let (new, g) = plan::<T>(input.store, input.advertiser, input.read()?, input.now).await?;
        // The bid it sets (its own, or the ad group's default) is committed like a raise from 0.
        let bid = T::new_bid(&new).unwrap_or(g.default_bid_minor);
        let mut o = op(
            T::CREATE,
            collection(input.advertiser, T::KIND),
            Some(bid_commitment(0, bid)),
        );
        o.bid_amount = Some(decimal(bid, input.advertiser.currency()));
        Ok(o)
    })
}

fn describe_update<T: Targeting>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<StateBody>()?.patch(T::PATH_BID)?;
        let x = find_open::<T>(input.store, input.advertiser, input.params).await?;
        Ok(op(T::UPDATE, res(input.advertiser, &x), None))
    })
}

fn describe_bid<T: Targeting>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let body: BidBody = input.read()?;
        let x = find_open::<T>(input.store, input.advertiser, input.params).await?;
        let amount = bid_commitment(x.bid_minor(), body.bid.0);
        let mut o = op(T::BID, res(input.advertiser, &x), Some(amount));
        o.bid_amount = Some(decimal(body.bid.0, input.advertiser.currency()));
        Ok(o)
    })
}

async fn create<T: Targeting>(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let body: T::CreateBody = account.read(&body)?;
    let (new, _) = plan::<T>(&account.store, account.advertiser(), body, Utc::now()).await?;
    let w = T::insert(&account.store, &account.advertiser().id, new)
        .await
        .map_err(store_err("ad group"))?;
    written(w, account.currency())
}

/// Applies `patch` if, on the keyword or target as it stands in the write transaction, it
/// commits no more than the decision reserved (a concurrent change may have moved its bid
/// since); else a 409.
async fn change<T: Targeting>(
    account: &Account,
    params: &BTreeMap<String, String>,
    patch: &BidPatch,
) -> Result<Json<Value>, SandboxError> {
    let id = path_of::<T>(params)?;
    let reserved = account.decided.operation.amount_minor.unwrap_or(0);
    let fits = |before: &T| {
        patch
            .bid_minor
            .is_none_or(|bid| bid_commitment(before.bid_minor(), bid) <= reserved)
    };
    let w = T::update_if(
        &account.store,
        &account.advertiser().id,
        id,
        patch,
        Utc::now(),
        &fits,
    )
    .await
    .map_err(store_err(T::NAME))?
    .ok_or_else(|| changed_meanwhile(T::NAME))?;
    written(w, account.currency())
}

async fn update<T: Targeting>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    let patch = account.read::<StateBody>(&body)?.patch(T::PATH_BID)?;
    change::<T>(&account, &params, &patch).await
}

async fn bid<T: Targeting>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    let body: BidBody = account.read(&body)?;
    let patch = BidPatch {
        state: None,
        bid_minor: Some(body.bid.0),
    };
    change::<T>(&account, &params, &patch).await
}
