//! Sponsored Products product targets (`/sandbox/v1/sp/targets`): list, get, create, update
//! (state) and the bid (`sp:UpdateTargetBid`, the only way to change a target's bid).

use super::ad_groups::{check_open, open_ad_group};
use super::common::*;
use super::keywords::{BidBody, StateBody, check_campaign};
use super::money::bid_commitment;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::{get, post, put};
use charter_store::model::Advertiser;
use charter_store::{
    AdGroupId, BidPatch, CampaignId, DynStore, EntityState, ExpressionType, NewTarget, Program,
    Target, TargetExpression, TargetId, Written,
};
use chrono::{DateTime, Utc};
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn routes() -> Vec<Route> {
    vec![
        Route {
            method: Method::POST,
            path: "/sandbox/v1/sp/targets/list",
            action: "sp:ListTargets",
            describe: describe_list,
            handler: post(list),
        },
        Route {
            method: Method::GET,
            path: "/sandbox/v1/sp/targets/{targetId}",
            action: "sp:GetTarget",
            describe: describe_get,
            handler: get(get_one),
        },
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

async fn find(
    store: &DynStore,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Target, SandboxError> {
    let id = path_id(params, "targetId", TargetId::parse)?;
    store
        .target(&advertiser.id, Program::Sp, id)
        .await?
        .ok_or(SandboxError::NotFound("target"))
}

async fn find_open(
    store: &DynStore,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Target, SandboxError> {
    let t = find(store, advertiser, params).await?;
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

pub fn view(t: &Target, currency: Currency) -> Value {
    let kind = t.expression.kind();
    let predicate = match t.expression.value() {
        Some(v) => json!({ "type": kind.api(), "value": v }),
        None => json!({ "type": kind.api() }),
    };
    json!({
        "targetId": t.id.to_string(),
        "campaignId": t.campaign_id.to_string(),
        "adGroupId": t.ad_group_id.to_string(),
        "expression": [predicate.clone()],
        "resolvedExpression": [predicate],
        "expressionType": if kind.takes_value() { "MANUAL" } else { "AUTO" },
        "state": t.state.api(),
        "bid": money(t.bid_minor, currency),
        "extendedData": {
            "creationDateTime": t.created_at.to_rfc3339(),
            "lastUpdateDateTime": t.updated_at.to_rfc3339(),
        },
    })
}

fn written(w: Written<Target>, currency: Currency) -> Result<Json<Value>, SandboxError> {
    match w {
        Written::Done(t) => Ok(Json(view(&t, currency))),
        Written::Archived(what) => Err(archived(what)),
    }
}

fn describe_list(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<ChildListBody>()?.query()?;
        Ok(op(
            "sp:ListTargets",
            collection(input.advertiser, "target"),
            None,
        ))
    })
}

fn describe_get(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let t = find(input.store, input.advertiser, input.params).await?;
        Ok(op(
            "sp:GetTarget",
            resource(input.advertiser, "target", t.id),
            None,
        ))
    })
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
        Ok(op(
            "sp:UpdateTargets",
            resource(input.advertiser, "target", t.id),
            None,
        ))
    })
}

fn describe_bid(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let body: BidBody = input.read()?;
        let t = find_open(input.store, input.advertiser, input.params).await?;
        let amount = bid_commitment(t.bid_minor, body.bid.0);
        let mut o = op(
            "sp:UpdateTargetBid",
            resource(input.advertiser, "target", t.id),
            Some(amount),
        );
        o.bid_amount = Some(decimal(body.bid.0, input.advertiser.currency()));
        Ok(o)
    })
}

async fn list(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let (query, window) = account.read::<ChildListBody>(&body)?.query()?;
    let found = account
        .store
        .targets(&account.advertiser().id, Program::Sp, &query)
        .await?;
    let items = found
        .items
        .iter()
        .map(|x| view(x, account.currency()))
        .collect();
    Ok(Json(listing("targets", items, found.total, window)))
}

async fn get_one(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let t = find(&account.store, account.advertiser(), &params).await?;
    Ok(Json(view(&t, account.currency())))
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
    let id = path_id(params, "targetId", TargetId::parse)?;
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
