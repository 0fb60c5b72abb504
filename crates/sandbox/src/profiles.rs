//! Advertising profiles (`/sandbox/v1/profiles`): each account has one. Its id is what the
//! `Amazon-Advertising-API-Scope` header names.

use super::common::*;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::extract::Path;
use charter_store::model::Advertiser;
use charter_store::{Profile, ProfileId, SandboxDb};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "/sandbox/v1/profiles",
            "account:ListProfiles",
            describe_list,
            list,
        ),
        Route::get(
            "/sandbox/v1/profiles/{profileId}",
            "account:GetProfile",
            describe_get,
            get_one,
        ),
    ]
}

pub fn view(p: &Profile, advertiser: &Advertiser) -> Value {
    let seller: String = advertiser
        .id
        .as_str()
        .trim_start_matches("adv_")
        .chars()
        .take(13)
        .collect();
    json!({
        "profileId": p.id.get(),
        "countryCode": p.country_code,
        "currencyCode": p.currency_code,
        "timezone": p.timezone,
        "accountInfo": {
            "marketplaceStringId": p.marketplace_string_id,
            "id": format!("A{seller}"),
            "type": p.account_type,
            "name": p.account_name,
            "validPaymentMethod": true,
        },
    })
}

/// The account's profile; `NotFound` when it has none.
pub(super) async fn own(
    store: &SandboxDb,
    advertiser: &Advertiser,
) -> Result<Profile, SandboxError> {
    store
        .sandbox_profile(&advertiser.id)
        .await?
        .ok_or(SandboxError::NotFound("profile"))
}

async fn find(
    store: &SandboxDb,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Profile, SandboxError> {
    let id = path_id(params, "profileId", ProfileId::parse)?;
    let p = own(store, advertiser).await?;
    if p.id == id {
        Ok(p)
    } else {
        Err(SandboxError::NotFound("profile"))
    }
}

fn describe_list(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        Ok(op(
            "account:ListProfiles",
            collection(input.advertiser, "profile"),
            None,
        ))
    })
}

fn describe_get(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let p = find(input.store, input.advertiser, input.params).await?;
        Ok(op(
            "account:GetProfile",
            resource(input.advertiser, "profile", p.id),
            None,
        ))
    })
}

async fn list(account: Account) -> Result<Json<Value>, SandboxError> {
    let profiles = account
        .store
        .sandbox_profile(&account.advertiser().id)
        .await?;
    let items: Vec<Value> = profiles
        .iter()
        .map(|p| view(p, account.advertiser()))
        .collect();
    Ok(Json(Value::Array(items)))
}

async fn get_one(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let p = find(&account.store, account.advertiser(), &params).await?;
    Ok(Json(view(&p, account.advertiser())))
}
