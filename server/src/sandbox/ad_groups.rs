//! Sponsored Products ad groups (`/sandbox/v1/sp/adGroups`): list, get, create, update.

use super::common::*;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::{get, post, put};
use charter_store::model::Advertiser;
use charter_store::{
    AdGroup, AdGroupId, AdGroupPatch, CampaignId, DynStore, EntityState, NewAdGroup, Program,
    Written,
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
            path: "/sandbox/v1/sp/adGroups/list",
            action: "sp:ListAdGroups",
            describe: describe_list,
            handler: post(list),
        },
        Route {
            method: Method::GET,
            path: "/sandbox/v1/sp/adGroups/{adGroupId}",
            action: "sp:GetAdGroup",
            describe: describe_get,
            handler: get(get_one),
        },
        Route {
            method: Method::POST,
            path: "/sandbox/v1/sp/adGroups",
            action: "sp:CreateAdGroups",
            describe: describe_create,
            handler: post(create),
        },
        Route {
            method: Method::PUT,
            path: "/sandbox/v1/sp/adGroups/{adGroupId}",
            action: "sp:UpdateAdGroups",
            describe: describe_update,
            handler: put(update),
        },
    ]
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "an ad group object"
)]
struct CreateBody {
    campaign_id: CampaignId,
    name: ApiName,
    #[serde(default)]
    state: Option<EntityState>,
    default_bid: Bid,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "an ad group update object"
)]
struct UpdateBody {
    #[serde(default)]
    name: Option<ApiName>,
    #[serde(default)]
    state: Option<EntityState>,
}

fn plan_create(body: CreateBody, now: DateTime<Utc>) -> Result<NewAdGroup, SandboxError> {
    Ok(NewAdGroup {
        campaign_id: body.campaign_id,
        name: body.name.0,
        state: settable_state(body.state)?.unwrap_or(EntityState::Enabled),
        default_bid_minor: body.default_bid.0,
        created_at: now,
    })
}

fn plan_update(body: UpdateBody) -> Result<AdGroupPatch, SandboxError> {
    if body.name.is_none() && body.state.is_none() {
        return Err(SandboxError::BadRequest(
            "nothing to change: give `name` or `state`".into(),
        ));
    }
    Ok(AdGroupPatch {
        name: body.name.map(|n| n.0),
        state: settable_state(body.state)?,
    })
}

async fn find(
    store: &DynStore,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<AdGroup, SandboxError> {
    let id = path_id(params, "adGroupId", AdGroupId::parse)?;
    store
        .ad_group(&advertiser.id, Program::Sp, id)
        .await?
        .ok_or(SandboxError::NotFound("ad group"))
}

/// An ad group that can change: it and its campaign are not archived.
pub(super) async fn check_open(
    store: &DynStore,
    advertiser: &Advertiser,
    g: &AdGroup,
) -> Result<(), SandboxError> {
    let campaign = store
        .campaign(&advertiser.id, Program::Sp, g.campaign_id)
        .await?
        .ok_or(SandboxError::NotFound("campaign"))?;
    if campaign.state == EntityState::Archived {
        return Err(archived("campaign"));
    }
    if g.state == EntityState::Archived {
        return Err(archived("ad group"));
    }
    Ok(())
}

/// The ad group named in a create body of a keyword or target: found and open.
pub(super) async fn open_ad_group(
    store: &DynStore,
    advertiser: &Advertiser,
    id: AdGroupId,
) -> Result<AdGroup, SandboxError> {
    let g = store
        .ad_group(&advertiser.id, Program::Sp, id)
        .await?
        .ok_or(SandboxError::NotFound("ad group"))?;
    check_open(store, advertiser, &g).await?;
    Ok(g)
}

pub fn view(g: &AdGroup, currency: Currency) -> Value {
    json!({
        "adGroupId": g.id.to_string(),
        "campaignId": g.campaign_id.to_string(),
        "name": g.name.as_str(),
        "state": g.state.api(),
        "defaultBid": money(g.default_bid_minor, currency),
        "extendedData": {
            "creationDateTime": g.created_at.to_rfc3339(),
            "lastUpdateDateTime": g.updated_at.to_rfc3339(),
        },
    })
}

fn written(w: Written<AdGroup>, currency: Currency) -> Result<Json<Value>, SandboxError> {
    match w {
        Written::Done(g) => Ok(Json(view(&g, currency))),
        Written::Archived(what) => Err(archived(what)),
    }
}

fn describe_list(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<ChildListBody>()?.query()?;
        Ok(op(
            "sp:ListAdGroups",
            collection(input.advertiser, "adGroup"),
            None,
        ))
    })
}

fn describe_get(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let g = find(input.store, input.advertiser, input.params).await?;
        Ok(op(
            "sp:GetAdGroup",
            resource(input.advertiser, "adGroup", g.id),
            None,
        ))
    })
}

fn describe_create(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let new = plan_create(input.read()?, input.now)?;
        let campaign = input
            .store
            .campaign(&input.advertiser.id, Program::Sp, new.campaign_id)
            .await?
            .ok_or(SandboxError::NotFound("campaign"))?;
        if campaign.state == EntityState::Archived {
            return Err(archived("campaign"));
        }
        Ok(op(
            "sp:CreateAdGroups",
            collection(input.advertiser, "adGroup"),
            None,
        ))
    })
}

fn describe_update(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        plan_update(input.read()?)?;
        let g = find(input.store, input.advertiser, input.params).await?;
        check_open(input.store, input.advertiser, &g).await?;
        Ok(op(
            "sp:UpdateAdGroups",
            resource(input.advertiser, "adGroup", g.id),
            None,
        ))
    })
}

async fn list(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let (query, window) = account.read::<ChildListBody>(&body)?.query()?;
    let found = account
        .store
        .ad_groups(&account.advertiser().id, Program::Sp, &query)
        .await?;
    let items = found
        .items
        .iter()
        .map(|x| view(x, account.currency()))
        .collect();
    Ok(Json(listing("adGroups", items, found.total, window)))
}

async fn get_one(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let g = find(&account.store, account.advertiser(), &params).await?;
    Ok(Json(view(&g, account.currency())))
}

async fn create(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let new = plan_create(account.read(&body)?, Utc::now())?;
    let w = account
        .store
        .create_ad_group(&account.advertiser().id, Program::Sp, new)
        .await
        .map_err(store_err("campaign"))?;
    written(w, account.currency())
}

async fn update(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    let patch = plan_update(account.read(&body)?)?;
    let id = path_id(&params, "adGroupId", AdGroupId::parse)?;
    let w = account
        .store
        .update_ad_group(
            &account.advertiser().id,
            Program::Sp,
            id,
            &patch,
            Utc::now(),
        )
        .await
        .map_err(store_err("ad group"))?;
    written(w, account.currency())
}
