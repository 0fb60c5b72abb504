//! Sponsored Products ad groups (`/sandbox/v1/sp/adGroups`): list, get, create, update. List
//! and get are [`Child`]'s; create and update are an ad group's own (a name and a default bid,
//! under a campaign).

use super::child::{self, Child, find, path_of, res, written};
use super::common::*;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use charter_store::model::{Advertiser, AdvertiserId, ParseError};
use charter_store::{
    AdGroup, AdGroupId, AdGroupPatch, CampaignId, EntityState, Listing, NewAdGroup, Program,
    SandboxDb, SandboxQuery,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;

pub fn routes() -> Vec<Route> {
    vec![
        child::list_route::<AdGroup>(),
        child::get_route::<AdGroup>(),
        Route::post(
            AdGroup::PATH_CREATE,
            AdGroup::CREATE,
            describe_create,
            create,
        ),
        Route::put(AdGroup::PATH_ONE, AdGroup::UPDATE, describe_update, update),
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

/// An ad group that can change: it and its campaign are not archived.
pub(super) async fn check_open(
    store: &SandboxDb,
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

/// The ad group a keyword or target goes in (named in its create body) or is in (to change
/// it): found and open.
pub(super) async fn open_ad_group(
    store: &SandboxDb,
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

impl Child for AdGroup {
    type Id = AdGroupId;
    const KIND: &'static str = "adGroup";
    const NAME: &'static str = "ad group";
    const ITEMS: &'static str = "adGroups";
    const PARAM: &'static str = "adGroupId";
    const LIST: &'static str = "sp:ListAdGroups";
    const GET: &'static str = "sp:GetAdGroup";
    const CREATE: &'static str = "sp:CreateAdGroups";
    const UPDATE: &'static str = "sp:UpdateAdGroups";
    const PATH_LIST: &'static str = "/sandbox/v1/sp/adGroups/list";
    const PATH_CREATE: &'static str = "/sandbox/v1/sp/adGroups";
    const PATH_ONE: &'static str = "/sandbox/v1/sp/adGroups/{adGroupId}";

    fn parse_id(raw: &str) -> Result<AdGroupId, ParseError> {
        AdGroupId::parse(raw)
    }

    fn id(&self) -> AdGroupId {
        self.id
    }

    fn view(&self, currency: Currency) -> Value {
        json!({
            "adGroupId": self.id.to_string(),
            "campaignId": self.campaign_id.to_string(),
            "name": self.name.as_str(),
            "state": self.state.api(),
            "defaultBid": money(self.default_bid_minor, currency),
            "extendedData": {
                "creationDateTime": self.created_at.to_rfc3339(),
                "lastUpdateDateTime": self.updated_at.to_rfc3339(),
            },
        })
    }

    fn fetch<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        id: AdGroupId,
    ) -> impl Future<Output = charter_store::Result<Option<AdGroup>>> + Send + 'a {
        store.ad_group(advertiser, Program::Sp, id)
    }

    fn fetch_all<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        query: &'a SandboxQuery,
    ) -> impl Future<Output = charter_store::Result<Listing<AdGroup>>> + Send + 'a {
        store.ad_groups(advertiser, Program::Sp, query)
    }
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
            AdGroup::CREATE,
            collection(input.advertiser, AdGroup::KIND),
            None,
        ))
    })
}

fn describe_update(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        plan_update(input.read()?)?;
        let g = find::<AdGroup>(input.store, input.advertiser, input.params).await?;
        check_open(input.store, input.advertiser, &g).await?;
        Ok(op(AdGroup::UPDATE, res(input.advertiser, &g), None))
    })
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
    let id = path_of::<AdGroup>(&params)?;
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
