//! Sponsored Products keywords (`/sandbox/v1/sp/keywords`): list, get, create, update (state)
//! and the bid (`sp:UpdateKeywordBid`, the only way to change a keyword's bid).

use super::ad_groups::{check_open, open_ad_group};
use super::child::{self, Child, find, path_of, res, written};
use super::common::*;
use super::money::bid_commitment;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::{post, put};
use charter_store::model::{Advertiser, AdvertiserId, ParseError};
use charter_store::{
    AdGroupId, BidPatch, CampaignId, DynStore, EntityState, Keyword, KeywordId, KeywordText,
    Listing, MatchType, NewKeyword, Program, SandboxQuery,
};
use chrono::{DateTime, Utc};
use http::Method;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;

pub fn routes() -> Vec<Route> {
    vec![
        child::list_route::<Keyword>(),
        child::get_route::<Keyword>(),
        Route {
            method: Method::POST,
            path: "/sandbox/v1/sp/keywords",
            action: "sp:CreateKeywords",
            describe: describe_create,
            handler: post(create),
        },
        Route {
            method: Method::PUT,
            path: "/sandbox/v1/sp/keywords/{keywordId}",
            action: "sp:UpdateKeywords",
            describe: describe_update,
            handler: put(update),
        },
        Route {
            method: Method::PUT,
            path: "/sandbox/v1/sp/keywords/{keywordId}/bid",
            action: "sp:UpdateKeywordBid",
            describe: describe_bid,
            handler: put(bid),
        },
    ]
}

/// Keyword text of 1–80 characters and at most 10 words.
#[derive(Debug)]
struct ApiKeywordText(KeywordText);

impl<'de> Deserialize<'de> for ApiKeywordText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeywordText::parse(&s)
            .map(ApiKeywordText)
            .map_err(|e| match e {
                ParseError::Empty { .. } => de::Error::custom("must not be empty"),
                ParseError::TooLong { .. } => de::Error::custom(format!(
                    "must be at most {} characters and {} words",
                    KeywordText::MAX,
                    KeywordText::MAX_WORDS
                )),
                ParseError::Invalid { .. } => {
                    de::Error::custom("must not contain control characters")
                }
            })
    }
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a keyword object"
)]
struct CreateBody {
    #[serde(default)]
    campaign_id: Option<CampaignId>,
    ad_group_id: AdGroupId,
    keyword_text: ApiKeywordText,
    match_type: MatchType,
    #[serde(default)]
    state: Option<EntityState>,
    #[serde(default)]
    bid: Option<Bid>,
}

/// A keyword update: its state. A `bid` here is refused with a pointer to the bid route.
#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a keyword update object"
)]
pub(super) struct StateBody {
    #[serde(default)]
    state: Option<EntityState>,
    #[serde(default)]
    bid: Option<Value>,
}

impl StateBody {
    pub(super) fn patch(self, bid_route: &str) -> Result<BidPatch, SandboxError> {
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
pub(super) struct BidBody {
    pub(super) bid: Bid,
}

const BID_ROUTE: &str = "/sandbox/v1/sp/keywords/{keywordId}/bid";

fn plan_create(body: CreateBody, now: DateTime<Utc>) -> Result<NewKeyword, SandboxError> {
    Ok(NewKeyword {
        ad_group_id: body.ad_group_id,
        text: body.keyword_text.0,
        match_type: body.match_type,
        state: settable_state(body.state)?.unwrap_or(EntityState::Enabled),
        bid_minor: body.bid.map(|b| b.0),
        created_at: now,
    })
}

/// The campaign named in a create body must be the ad group's.
pub(super) fn check_campaign(
    given: Option<CampaignId>,
    actual: CampaignId,
) -> Result<(), SandboxError> {
    match given {
        Some(c) if c != actual => Err(SandboxError::BadRequest(
            "`campaignId`: is not the campaign of the ad group `adGroupId`".into(),
        )),
        _ => Ok(()),
    }
}

/// The keyword to change: found, and neither it nor its ad group or campaign archived.
async fn find_open(
    store: &DynStore,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Keyword, SandboxError> {
    let k = find::<Keyword>(store, advertiser, params).await?;
    let g = store
        .ad_group(&advertiser.id, Program::Sp, k.ad_group_id)
        .await?
        .ok_or(SandboxError::NotFound("ad group"))?;
    check_open(store, advertiser, &g).await?;
    if k.state == EntityState::Archived {
        return Err(archived("keyword"));
    }
    Ok(k)
}

impl Child for Keyword {
    type Id = KeywordId;
    const KIND: &'static str = "keyword";
    const NAME: &'static str = "keyword";
    const ITEMS: &'static str = "keywords";
    const PARAM: &'static str = "keywordId";
    const LIST: &'static str = "sp:ListKeywords";
    const GET: &'static str = "sp:GetKeyword";
    const CREATE: &'static str = "sp:CreateKeywords";
    const UPDATE: &'static str = "sp:UpdateKeywords";
    const PATH_LIST: &'static str = "/sandbox/v1/sp/keywords/list";
    const PATH_CREATE: &'static str = "/sandbox/v1/sp/keywords";
    const PATH_ONE: &'static str = "/sandbox/v1/sp/keywords/{keywordId}";

    fn parse_id(raw: &str) -> Result<KeywordId, ParseError> {
        KeywordId::parse(raw)
    }

    fn id(&self) -> KeywordId {
        self.id
    }

    fn view(&self, currency: Currency) -> Value {
        json!({
            "keywordId": self.id.to_string(),
            "campaignId": self.campaign_id.to_string(),
            "adGroupId": self.ad_group_id.to_string(),
            "keywordText": self.text.as_str(),
            "matchType": self.match_type.api(),
            "state": self.state.api(),
            "bid": money(self.bid_minor, currency),
            "extendedData": {
                "creationDateTime": self.created_at.to_rfc3339(),
                "lastUpdateDateTime": self.updated_at.to_rfc3339(),
            },
        })
    }

    fn fetch<'a>(
        store: &'a DynStore,
        advertiser: &'a AdvertiserId,
        id: KeywordId,
    ) -> impl Future<Output = charter_store::Result<Option<Keyword>>> + Send + 'a {
        store.keyword(advertiser, Program::Sp, id)
    }

    fn fetch_all<'a>(
        store: &'a DynStore,
        advertiser: &'a AdvertiserId,
        query: &'a SandboxQuery,
    ) -> impl Future<Output = charter_store::Result<Listing<Keyword>>> + Send + 'a {
        store.keywords(advertiser, Program::Sp, query)
    }
}

fn describe_create(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let body: CreateBody = input.read()?;
        let campaign = body.campaign_id;
        let new = plan_create(body, input.now)?;
        let g = open_ad_group(input.store, input.advertiser, new.ad_group_id).await?;
        check_campaign(campaign, g.campaign_id)?;
        // The bid it sets (its own, or the ad group's default) is committed like a raise from 0.
        let bid = new.bid_minor.unwrap_or(g.default_bid_minor);
        let mut o = op(
            "sp:CreateKeywords",
            collection(input.advertiser, "keyword"),
            Some(bid_commitment(0, bid)),
        );
        o.bid_amount = Some(decimal(bid, input.advertiser.currency()));
        Ok(o)
    })
}

fn describe_update(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<StateBody>()?.patch(BID_ROUTE)?;
        let k = find_open(input.store, input.advertiser, input.params).await?;
        Ok(op("sp:UpdateKeywords", res(input.advertiser, &k), None))
    })
}

fn describe_bid(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let body: BidBody = input.read()?;
        let k = find_open(input.store, input.advertiser, input.params).await?;
        let amount = bid_commitment(k.bid_minor, body.bid.0);
        let mut o = op(
            "sp:UpdateKeywordBid",
            res(input.advertiser, &k),
            Some(amount),
        );
        o.bid_amount = Some(decimal(body.bid.0, input.advertiser.currency()));
        Ok(o)
    })
}

async fn create(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let body: CreateBody = account.read(&body)?;
    let campaign = body.campaign_id;
    let new = plan_create(body, Utc::now())?;
    let g = open_ad_group(&account.store, account.advertiser(), new.ad_group_id).await?;
    check_campaign(campaign, g.campaign_id)?;
    let w = account
        .store
        .create_keyword(&account.advertiser().id, Program::Sp, new)
        .await
        .map_err(store_err("ad group"))?;
    written(w, account.currency())
}

async fn change(
    account: &Account,
    params: &BTreeMap<String, String>,
    patch: &BidPatch,
) -> Result<Json<Value>, SandboxError> {
    let id = path_of::<Keyword>(params)?;
    // The bid rule, re-checked on the keyword as it stands in the write transaction.
    let reserved = account.decided.operation.amount_minor.unwrap_or(0);
    let fits = |before: &Keyword| {
        patch
            .bid_minor
            .is_none_or(|bid| bid_commitment(before.bid_minor, bid) <= reserved)
    };
    let w = account
        .store
        .update_keyword_if(
            &account.advertiser().id,
            Program::Sp,
            id,
            patch,
            Utc::now(),
            &fits,
        )
        .await
        .map_err(store_err("keyword"))?
        .ok_or_else(|| changed_meanwhile("keyword"))?;
    written(w, account.currency())
}

async fn update(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    let patch = account.read::<StateBody>(&body)?.patch(BID_ROUTE)?;
    change(&account, &params, &patch).await
}

async fn bid(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    let body: BidBody = account.read(&body)?;
    let patch = BidPatch {
        state: None,
        bid_minor: Some(body.bid.0),
    };
    change(&account, &params, &patch).await
}
