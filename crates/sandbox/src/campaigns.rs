//! Campaigns of each ad product (`/sandbox/v1/{sp,sb,sd}/campaigns`): list, get, create,
//! update, pause, archive and budget. Archiving is Amazon's "delete" (the campaign stays,
//! archived, and takes no further change), so it is the `…:DeleteCampaigns` action.

use super::common::*;
use super::money::campaign_commitment;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use charter_store::model::Advertiser;
use charter_store::{
    Campaign, CampaignId, CampaignPatch, EntityState, NewCampaign, Program, SandboxDb,
    TargetingType, Written,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// An ad product's campaign actions and paths.
pub trait Product: Send + Sync + 'static {
    const PROGRAM: Program;
    const LIST: &'static str;
    const GET: &'static str;
    const CREATE: &'static str;
    const UPDATE: &'static str;
    const DELETE: &'static str;
    const BUDGET: &'static str;
    const PATH_LIST: &'static str;
    const PATH_CREATE: &'static str;
    const PATH_ONE: &'static str;
    const PATH_PAUSE: &'static str;
    const PATH_ARCHIVE: &'static str;
    const PATH_BUDGET: &'static str;
}

macro_rules! product {
    ($ty:ident, $program:expr, $ns:literal) => {
        pub struct $ty;
        impl Product for $ty {
            const PROGRAM: Program = $program;
            const LIST: &'static str = concat!($ns, ":ListCampaigns");
            const GET: &'static str = concat!($ns, ":GetCampaign");
            const CREATE: &'static str = concat!($ns, ":CreateCampaigns");
            const UPDATE: &'static str = concat!($ns, ":UpdateCampaigns");
            const DELETE: &'static str = concat!($ns, ":DeleteCampaigns");
            const BUDGET: &'static str = concat!($ns, ":UpdateCampaignBudget");
            const PATH_LIST: &'static str = concat!("/sandbox/v1/", $ns, "/campaigns/list");
            const PATH_CREATE: &'static str = concat!("/sandbox/v1/", $ns, "/campaigns");
            const PATH_ONE: &'static str = concat!("/sandbox/v1/", $ns, "/campaigns/{campaignId}");
            const PATH_PAUSE: &'static str =
                concat!("/sandbox/v1/", $ns, "/campaigns/{campaignId}/pause");
            const PATH_ARCHIVE: &'static str =
                concat!("/sandbox/v1/", $ns, "/campaigns/{campaignId}/archive");
            const PATH_BUDGET: &'static str =
                concat!("/sandbox/v1/", $ns, "/campaigns/{campaignId}/budget");
        }
    };
}

product!(Sp, Program::Sp, "sp");
product!(Sb, Program::Sb, "sb");
product!(Sd, Program::Sd, "sd");

/// The campaign routes of one ad product.
pub fn routes<P: Product>() -> Vec<Route> {
    vec![
        Route::post(P::PATH_LIST, P::LIST, describe_list::<P>, list::<P>),
        Route::get(P::PATH_ONE, P::GET, describe_get::<P>, get_one::<P>),
        Route::post(P::PATH_CREATE, P::CREATE, describe_create::<P>, create::<P>),
        Route::put(P::PATH_ONE, P::UPDATE, describe_update::<P>, update::<P>),
        Route::post(P::PATH_PAUSE, P::UPDATE, describe_pause::<P>, pause::<P>),
        Route::post(
            P::PATH_ARCHIVE,
            P::DELETE,
            describe_archive::<P>,
            archive::<P>,
        ),
        Route::put(P::PATH_BUDGET, P::BUDGET, describe_budget::<P>, budget::<P>),
    ]
}

// --- bodies ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a list request object"
)]
struct ListBody {
    #[serde(default)]
    state_filter: Option<Include<EntityState>>,
    #[serde(default)]
    campaign_id_filter: Option<Include<CampaignId>>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
    /// Accepted for compatibility; extended data is always included.
    #[serde(default)]
    #[allow(dead_code)]
    include_extended_data_fields: Option<bool>,
}

#[derive(Debug, Deserialize)]
enum BudgetType {
    #[serde(rename = "DAILY")]
    Daily,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a budget object"
)]
struct BudgetBody {
    budget: Budget,
    #[serde(default)]
    #[allow(dead_code)]
    budget_type: Option<BudgetType>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a campaign object"
)]
struct CreateBody {
    name: ApiName,
    #[serde(default)]
    state: Option<EntityState>,
    budget: BudgetBody,
    #[serde(default)]
    start_date: Option<ApiDate>,
    #[serde(default)]
    end_date: Option<ApiDate>,
    #[serde(default)]
    targeting_type: Option<TargetingType>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a campaign update object"
)]
struct UpdateBody {
    #[serde(default)]
    name: Option<ApiName>,
    #[serde(default)]
    state: Option<EntityState>,
    #[serde(default)]
    budget: Option<BudgetBody>,
    #[serde(default, deserialize_with = "double_option")]
    end_date: Option<Option<ApiDate>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a budget update object"
)]
struct BudgetUpdateBody {
    budget: BudgetBody,
}

// --- planning (shared by describe and the handlers) ---------------------------------------

fn plan_create<P: Product>(
    body: CreateBody,
    now: DateTime<Utc>,
) -> Result<NewCampaign, SandboxError> {
    let today = now.date_naive();
    let state = body.state.unwrap_or(EntityState::Enabled);
    if state == EntityState::Archived {
        return Err(SandboxError::BadRequest(
            "`state`: a new campaign must be `ENABLED` or `PAUSED`".into(),
        ));
    }
    let start = body.start_date.map_or(today, |d| d.0);
    if start < today {
        return Err(SandboxError::BadRequest(format!(
            "`startDate`: must not be before today ({today})"
        )));
    }
    let end = body.end_date.map(|d| d.0);
    check_end(end, start, today)?;
    Ok(NewCampaign {
        program: P::PROGRAM,
        name: body.name.0,
        state,
        daily_budget_minor: body.budget.budget.0,
        start_date: start,
        end_date: end,
        targeting_type: body.targeting_type.unwrap_or(TargetingType::Manual),
        created_at: now,
    })
}

fn check_end(
    end: Option<NaiveDate>,
    start: NaiveDate,
    today: NaiveDate,
) -> Result<(), SandboxError> {
    match end {
        Some(e) if e < start => Err(SandboxError::BadRequest(format!(
            "`endDate`: must not be before the start date ({start})"
        ))),
        Some(e) if e < today => Err(SandboxError::BadRequest(format!(
            "`endDate`: must not be in the past (today is {today})"
        ))),
        _ => Ok(()),
    }
}

fn plan_update(
    body: UpdateBody,
    campaign: &Campaign,
    today: NaiveDate,
) -> Result<CampaignPatch, SandboxError> {
    if body.name.is_none()
        && body.state.is_none()
        && body.budget.is_none()
        && body.end_date.is_none()
    {
        return Err(SandboxError::BadRequest(
            "nothing to change: give at least one of `name`, `state`, `budget` or `endDate`".into(),
        ));
    }
    if body.state == Some(EntityState::Archived) {
        return Err(SandboxError::BadRequest(
            "`state`: must be `ENABLED` or `PAUSED`; archive a campaign with `POST …/campaigns/{campaignId}/archive`"
                .into(),
        ));
    }
    if let Some(end) = body.end_date {
        check_end(end.map(|d| d.0), campaign.start_date, today)?;
    }
    Ok(CampaignPatch {
        name: body.name.map(|n| n.0),
        state: body.state,
        daily_budget_minor: body.budget.map(|b| b.budget.0),
        end_date: body.end_date.map(|e| e.map(|d| d.0)),
    })
}

async fn find<P: Product>(
    store: &SandboxDb,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Campaign, SandboxError> {
    let id = path_id(params, "campaignId", CampaignId::parse)?;
    store
        .campaign(&advertiser.id, P::PROGRAM, id)
        .await?
        .ok_or(SandboxError::NotFound("campaign"))
}

/// The campaign to change: found and not archived.
async fn find_open<P: Product>(
    store: &SandboxDb,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Campaign, SandboxError> {
    let c = find::<P>(store, advertiser, params).await?;
    if c.state == EntityState::Archived {
        return Err(archived("campaign"));
    }
    Ok(c)
}

fn res(advertiser: &Advertiser, c: &Campaign) -> String {
    resource(advertiser, "campaign", c.id)
}

/// The operation of a change from `before` by `patch` (commits the rise of capacity).
fn change_op(
    action: &'static str,
    advertiser: &Advertiser,
    before: &Campaign,
    patch: &CampaignPatch,
    now: DateTime<Utc>,
) -> Operation {
    let after = patch.apply(before);
    let amount = campaign_commitment(Some(before), &after, now.date_naive());
    op(action, res(advertiser, before), Some(amount))
}

fn list_query(body: ListBody) -> Result<(charter_store::SandboxQuery, Window), SandboxError> {
    let window = Window::parse(
        body.max_results,
        body.next_token.as_deref(),
        ("maxResults", "nextToken"),
    )?;
    let mut q = window.query();
    q.states = body.state_filter.map(|f| f.include).unwrap_or_default();
    q.campaigns = body
        .campaign_id_filter
        .map(|f| f.include)
        .unwrap_or_default();
    if q.campaigns.len() > 100 {
        return Err(SandboxError::BadRequest(
            "`campaignIdFilter.include`: at most 100 ids".into(),
        ));
    }
    Ok((q, window))
}

/// The API's view of a campaign.
pub fn view(c: &Campaign, currency: Currency, now: DateTime<Utc>) -> Value {
    let today = now.date_naive();
    let serving = match c.state {
        EntityState::Archived => "CAMPAIGN_ARCHIVED",
        EntityState::Paused => "CAMPAIGN_PAUSED",
        EntityState::Enabled if c.start_date > today => "PENDING_START_DATE",
        EntityState::Enabled if c.end_date.is_some_and(|e| e < today) => "ENDED",
        EntityState::Enabled => "CAMPAIGN_STATUS_ENABLED",
    };
    json!({
        "campaignId": c.id.to_string(),
        "adProduct": c.program.api(),
        "name": c.name.as_str(),
        "state": c.state.api(),
        "targetingType": c.targeting_type.api(),
        "budget": { "budgetType": "DAILY", "budget": money(c.daily_budget_minor, currency) },
        "startDate": c.start_date.to_string(),
        "endDate": c.end_date.map(|d| d.to_string()),
        "extendedData": {
            "creationDateTime": c.created_at.to_rfc3339(),
            "lastUpdateDateTime": c.updated_at.to_rfc3339(),
            "servingStatus": serving,
        },
    })
}

fn written(w: Written<Campaign>, currency: Currency) -> Result<Json<Value>, SandboxError> {
    match w {
        Written::Done(c) => Ok(Json(view(&c, currency, Utc::now()))),
        Written::Archived(what) => Err(archived(what)),
    }
}

// --- describe ------------------------------------------------------------------------------

fn describe_list<P: Product>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        list_query(input.read()?)?;
        Ok(op(P::LIST, collection(input.advertiser, "campaign"), None))
    })
}

fn describe_get<P: Product>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let c = find::<P>(input.store, input.advertiser, input.params).await?;
        Ok(op(P::GET, res(input.advertiser, &c), None))
    })
}

fn describe_create<P: Product>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let new = plan_create::<P>(input.read()?, input.now)?;
        let amount = super::money::capacity(
            new.state,
            new.daily_budget_minor,
            new.start_date,
            new.end_date,
            input.now.date_naive(),
        );
        Ok(op(
            P::CREATE,
            collection(input.advertiser, "campaign"),
            Some(amount),
        ))
    })
}

fn describe_update<P: Product>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let body: UpdateBody = input.read()?;
        let c = find_open::<P>(input.store, input.advertiser, input.params).await?;
        let patch = plan_update(body, &c, input.now.date_naive())?;
        Ok(change_op(
            P::UPDATE,
            input.advertiser,
            &c,
            &patch,
            input.now,
        ))
    })
}

fn describe_pause<P: Product>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<NoBody>()?;
        let c = find_open::<P>(input.store, input.advertiser, input.params).await?;
        let patch = CampaignPatch {
            state: Some(EntityState::Paused),
            ..CampaignPatch::default()
        };
        Ok(change_op(
            P::UPDATE,
            input.advertiser,
            &c,
            &patch,
            input.now,
        ))
    })
}

fn describe_archive<P: Product>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<NoBody>()?;
        let c = find_open::<P>(input.store, input.advertiser, input.params).await?;
        Ok(op(P::DELETE, res(input.advertiser, &c), None))
    })
}

fn describe_budget<P: Product>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let body: BudgetUpdateBody = input.read()?;
        let c = find_open::<P>(input.store, input.advertiser, input.params).await?;
        let patch = CampaignPatch {
            daily_budget_minor: Some(body.budget.budget.0),
            ..CampaignPatch::default()
        };
        Ok(change_op(
            P::BUDGET,
            input.advertiser,
            &c,
            &patch,
            input.now,
        ))
    })
}

// --- handlers ------------------------------------------------------------------------------

async fn list<P: Product>(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let (query, window) = list_query(account.read(&body)?)?;
    let found = account
        .store
        .campaigns(&account.advertiser().id, P::PROGRAM, &query)
        .await?;
    let now = Utc::now();
    let items = found
        .items
        .iter()
        .map(|c| view(c, account.currency(), now))
        .collect();
    Ok(Json(listing("campaigns", items, found.total, window)))
}

async fn get_one<P: Product>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let c = find::<P>(&account.store, account.advertiser(), &params).await?;
    Ok(Json(view(&c, account.currency(), Utc::now())))
}

async fn create<P: Product>(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let new = plan_create::<P>(account.read(&body)?, Utc::now())?;
    let c = account
        .store
        .create_campaign(&account.advertiser().id, new)
        .await?;
    Ok(Json(view(&c, account.currency(), Utc::now())))
}

/// Applies `patch` if, on the campaign as it stands in the write transaction, it commits no
/// more than the decision reserved (a concurrent change may have moved it since); else a 409.
async fn apply<P: Product>(
    account: &Account,
    params: &BTreeMap<String, String>,
    patch: &CampaignPatch,
) -> Result<Json<Value>, SandboxError> {
    let id = path_id(params, "campaignId", CampaignId::parse)?;
    let now = Utc::now();
    let reserved = account.decided.operation.amount_minor.unwrap_or(0);
    let fits = |before: &Campaign| {
        campaign_commitment(Some(before), &patch.apply(before), now.date_naive()) <= reserved
    };
    let w = account
        .store
        .update_campaign_if(&account.advertiser().id, P::PROGRAM, id, patch, now, &fits)
        .await
        .map_err(store_err("campaign"))?
        .ok_or_else(|| changed_meanwhile("campaign"))?;
    written(w, account.currency())
}

async fn update<P: Product>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    let body: UpdateBody = account.read(&body)?;
    let c = find_open::<P>(&account.store, account.advertiser(), &params).await?;
    let patch = plan_update(body, &c, Utc::now().date_naive())?;
    apply::<P>(&account, &params, &patch).await
}

async fn pause<P: Product>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    account.read::<NoBody>(&body)?;
    let patch = CampaignPatch {
        state: Some(EntityState::Paused),
        ..CampaignPatch::default()
    };
    apply::<P>(&account, &params, &patch).await
}

async fn archive<P: Product>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    account.read::<NoBody>(&body)?;
    let patch = CampaignPatch {
        state: Some(EntityState::Archived),
        ..CampaignPatch::default()
    };
    apply::<P>(&account, &params, &patch).await
}

async fn budget<P: Product>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, SandboxError> {
    let body: BudgetUpdateBody = account.read(&body)?;
    let patch = CampaignPatch {
        daily_budget_minor: Some(body.budget.budget.0),
        ..CampaignPatch::default()
    };
    apply::<P>(&account, &params, &patch).await
}
