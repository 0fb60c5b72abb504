//! Sponsored Products keywords (`/sandbox/v1/sp/keywords`): list, get, create, update (state)
//! and the bid (`sp:UpdateKeywordBid`, the only way to change a keyword's bid). The routes are
//! [`Targeting`]'s; this file has what is a keyword's own: its create body, text and view.

use super::child::Child;
use super::common::*;
use super::spec::SandboxError;
use super::targeting::Targeting;
use charter_store::model::{AdvertiserId, ParseError};
use charter_store::{
    AdGroupId, BidPatch, CampaignId, Check, EntityState, Keyword, KeywordId, KeywordText, Listing,
    MatchType, NewKeyword, Program, SandboxDb, SandboxQuery, Written,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Value, json};
use std::future::Future;

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
pub struct CreateBody {
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
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        id: KeywordId,
    ) -> impl Future<Output = charter_store::Result<Option<Keyword>>> + Send + 'a {
        store.keyword(advertiser, Program::Sp, id)
    }

    fn fetch_all<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        query: &'a SandboxQuery,
    ) -> impl Future<Output = charter_store::Result<Listing<Keyword>>> + Send + 'a {
        store.keywords(advertiser, Program::Sp, query)
    }
}

impl Targeting for Keyword {
    type CreateBody = CreateBody;
    const BID: &'static str = "sp:UpdateKeywordBid";
    const PATH_BID: &'static str = "/sandbox/v1/sp/keywords/{keywordId}/bid";

    fn campaign(body: &CreateBody) -> Option<CampaignId> {
        body.campaign_id
    }

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

    fn insert<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        new: NewKeyword,
    ) -> impl Future<Output = charter_store::Result<Written<Keyword>>> + Send + 'a {
        store.create_keyword(advertiser, Program::Sp, new)
    }

    fn update_if<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        id: KeywordId,
        patch: &'a BidPatch,
        now: DateTime<Utc>,
        check: Check<'a, Keyword>,
    ) -> impl Future<Output = charter_store::Result<Option<Written<Keyword>>>> + Send + 'a {
        store.update_keyword_if(advertiser, Program::Sp, id, patch, now, check)
    }
}
