//! Sponsored Products product targets (`/sandbox/v1/sp/targets`): list, get, create, update
//! (state) and the bid (`sp:UpdateTargetBid`, the only way to change a target's bid).

use super::ad_groups::{check_open, open_ad_group};
use super::child::{self, Child, find, path_of, res, written};
use super::common::*;
use super::keywords::{BidBody, StateBody, check_campaign};
use super::money::bid_commitment;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::{post, put};
use charter_store::model::{Advertiser, AdvertiserId, ParseError};
use charter_store::{
    AdGroupId, BidPatch, CampaignId, DynStore, EntityState, ExpressionType, Listing, NewTarget,
    Program, SandboxQuery, Target, TargetExpression, TargetId,
};
use chrono::{DateTime, Utc};
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;

pub fn routes() -> Vec<Route> {
    vec![
        child::list_route::<Target>(),
        child::get_route::<Target>(),
        Route {
            method: Method::POST,
            path: "/sandbox/v1/sp/targets",
            action: "sp:CreateTargets",
            describe: describe_create,
            handler: post(create),
        },
        Route {
            method: Method::PUT,
            path: "/sandbox/v1/sp/targets/{targetId}",
            action: "sp:UpdateTargets",
            describe: describe_update,
            handler: put(update),
        },
        Route {
            method: Method::PUT,
            path: "/sandbox/v1/sp/targets/{targetId}/bid",
            action: "sp:UpdateTargetBid",
            describe: describe_bid,
            handler: put(bid),
        },
    ]
}

const BID_ROUTE: &str = "/sandbox/v1/sp/targets/{targetId}/bid";

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
struct CreateBody {
    #[serde(default)]
    campaign_id: Option<CampaignId>,
    ad_group_id: AdGroupId,
    expression: Vec<Predicate>,
    #[serde(default)]
    state: Option<EntityState>,
    #[serde(default)]
    bid: Option<Bid>,
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

async fn find_open(
    store: &DynStore,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Target, SandboxError> {
    let t = find::<Target>(store, advertiser, params).await?;
    let g = store
        .ad_group(&advertiser.id, Program::Sp, t.ad_group_id)
        .await?
        .ok_or(SandboxError::NotFound("ad group"))?;
    check_open(store, advertiser, &g).await?;
    if t.state == EntityState::Archived {
        return Err(archived("target"));
    }
    Ok(t)
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
        store: &'a DynStore,
        advertiser: &'a AdvertiserId,
        id: TargetId,
    ) -> impl Future<Output = charter_store::Result<Option<Target>>> + Send + 'a {
        store.target(advertiser, Program::Sp, id)
    }

    fn fetch_all<'a>(
        store: &'a DynStore,
        advertiser: &'a AdvertiserId,
        query: &'a SandboxQuery,
    ) -> impl Future<Output = charter_store::Result<Listing<Target>>> + Send + 'a {
        store.targets(advertiser, Program::Sp, query)
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
            "sp:CreateTargets",
            collection(input.advertiser, "target"),
            Some(bid_commitment(0, bid)),
        );
        o.bid_amount = Some(decimal(bid, input.advertiser.currency()));
        Ok(o)
    })
}

fn describe_update(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<StateBody>()?.patch(BID_ROUTE)?;
        let t = find_open(input.store, input.advertiser, input.params).await?;
        Ok(op("sp:UpdateTargets", res(input.advertiser, &t), None))
    })
}

fn describe_bid(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let body: BidBody = input.read()?;
        let t = find_open(input.store, input.advertiser, input.params).await?;
        let amount = bid_commitment(t.bid_minor, body.bid.0);
        let mut o = op(
            "sp:UpdateTargetBid",
            res(input.advertiser, &t),
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
        .create_target(&account.advertiser().id, Program::Sp, new)
        .await
        .map_err(store_err("ad group"))?;
    written(w, account.currency())
}

async fn change(
    account: &Account,
    params: &BTreeMap<String, String>,
    patch: &BidPatch,
) -> Result<Json<Value>, SandboxError> {
    let id = path_of::<Target>(params)?;
    // The bid rule, re-checked on the target as it stands in the write transaction.
    let reserved = account.decided.operation.amount_minor.unwrap_or(0);
    let fits = |before: &Target| {
        patch
            .bid_minor
            .is_none_or(|bid| bid_commitment(before.bid_minor, bid) <= reserved)
    };
    let w = account
        .store
        .update_target_if(
            &account.advertiser().id,
            Program::Sp,
            id,
            patch,
            Utc::now(),
            &fits,
        )
        .await
        .map_err(store_err("target"))?
        .ok_or_else(|| changed_meanwhile("target"))?;
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
