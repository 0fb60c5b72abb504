//! Sponsored Products product targets (`/sandbox/v1/sp/targets`): list, get, create, update
//! (state) and the bid (`sp:UpdateTargetBid`, the only way to change a target's bid). The routes
//! are [`Targeting`]'s; this file has what is a target's own: its create body, expression and
//! view.

use super::child::Child;
use super::common::*;
use super::spec::SandboxError;
use super::targeting::Targeting;
use charter_store::model::{AdvertiserId, ParseError};
use charter_store::{
    AdGroupId, BidPatch, CampaignId, Check, EntityState, ExpressionType, Listing, NewTarget,
    Program, SandboxDb, SandboxQuery, Target, TargetExpression, TargetId, Written,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use std::future::Future;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an expression predicate object")]
struct Predicate {
    #[serde(rename = "type")]
    kind: ExpressionType,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a target object"
)]
pub struct CreateBody {
    #[serde(default)]
    campaign_id: Option<CampaignId>,
    ad_group_id: AdGroupId,
    expression: Vec<Predicate>,
    #[serde(default)]
    state: Option<EntityState>,
    #[serde(default)]
    bid: Option<Bid>,
}

impl Child for Target {
    type Id = TargetId;
    const KIND: &'static str = "target";
    const NAME: &'static str = "target";
    const ITEMS: &'static str = "targets";
    const PARAM: &'static str = "targetId";
    const LIST: &'static str = "sp:ListTargets";
    const GET: &'static str = "sp:GetTarget";
    const CREATE: &'static str = "sp:CreateTargets";
    const UPDATE: &'static str = "sp:UpdateTargets";
    const PATH_LIST: &'static str = "/sandbox/v1/sp/targets/list";
    const PATH_CREATE: &'static str = "/sandbox/v1/sp/targets";
    const PATH_ONE: &'static str = "/sandbox/v1/sp/targets/{targetId}";

    fn parse_id(raw: &str) -> Result<TargetId, ParseError> {
        TargetId::parse(raw)
    }

    fn id(&self) -> TargetId {
        self.id
    }

    fn view(&self, currency: Currency) -> Value {
        let kind = self.expression.kind();
        let predicate = match self.expression.value() {
            Some(v) => json!({ "type": kind.api(), "value": v }),
            None => json!({ "type": kind.api() }),
        };
        json!({
            "targetId": self.id.to_string(),
            "campaignId": self.campaign_id.to_string(),
            "adGroupId": self.ad_group_id.to_string(),
            "expression": [predicate.clone()],
            "resolvedExpression": [predicate],
            "expressionType": if kind.takes_value() { "MANUAL" } else { "AUTO" },
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
        id: TargetId,
    ) -> impl Future<Output = charter_store::Result<Option<Target>>> + Send + 'a {
        store.target(advertiser, Program::Sp, id)
    }

    fn fetch_all<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        query: &'a SandboxQuery,
    ) -> impl Future<Output = charter_store::Result<Listing<Target>>> + Send + 'a {
        store.targets(advertiser, Program::Sp, query)
    }
}

impl Targeting for Target {
    type CreateBody = CreateBody;
    const BID: &'static str = "sp:UpdateTargetBid";
    const PATH_BID: &'static str = "/sandbox/v1/sp/targets/{targetId}/bid";

    fn campaign(body: &CreateBody) -> Option<CampaignId> {
        body.campaign_id
    }

    fn plan_create(body: CreateBody, now: DateTime<Utc>) -> Result<NewTarget, SandboxError> {
        let [p] = body.expression.as_slice() else {
            return Err(SandboxError::BadRequest(
                "`expression`: expected exactly one predicate".into(),
            ));
        };
        let expression = TargetExpression::parse(p.kind, p.value.as_deref())
            .map_err(|e| SandboxError::BadRequest(format!("`expression[0].value`: {e}")))?;
        Ok(NewTarget {
            ad_group_id: body.ad_group_id,
            expression,
            state: settable_state(body.state)?.unwrap_or(EntityState::Enabled),
            bid_minor: body.bid.map(|b| b.0),
            created_at: now,
        })
    }

    fn insert<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        new: NewTarget,
    ) -> impl Future<Output = charter_store::Result<Written<Target>>> + Send + 'a {
        store.create_target(advertiser, Program::Sp, new)
    }

    fn update_if<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        id: TargetId,
        patch: &'a BidPatch,
        now: DateTime<Utc>,
        check: Check<'a, Target>,
    ) -> impl Future<Output = charter_store::Result<Option<Written<Target>>>> + Send + 'a {
        store.update_target_if(advertiser, Program::Sp, id, patch, now, check)
    }
}
