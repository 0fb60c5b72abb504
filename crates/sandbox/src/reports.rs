//! Reports as an asynchronous job (`/sandbox/v1/reporting/reports`), shaped like the Amazon Ads
//! reporting API v3: request a report (`PENDING`), poll it, download it.
//!
//! The job moves on when it is polled: the first poll makes it `PROCESSING`; the first poll at
//! least [`PROCESSING_DELAY_MS`] after the request computes the rows from the account's
//! Sponsored Products campaigns, ad groups, keywords and targets as they are then, stores them
//! and makes it `COMPLETED`. The rows are deterministic: each metric is a fixed function of the
//! entity, the day, its budget or bid, and whether it was running that day.

use super::common::*;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use charter_store::model::Advertiser;
use charter_store::{
    AdGroup, Campaign, EntityState, Keyword, NewReport, Program, ReportId, ReportJob, ReportStatus,
    ReportType, SandboxDb, SandboxQuery, Target, TimeUnit,
};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// How long a job stays pending or processing before a poll completes it.
pub const PROCESSING_DELAY_MS: i64 = 1000;
/// The longest date range of one report, in days.
pub const MAX_RANGE_DAYS: i64 = 31;
/// How far back reports reach, in days.
pub const RETENTION_DAYS: u64 = 95;

pub fn routes() -> Vec<Route> {
    vec![
        Route::post(
            "/sandbox/v1/reporting/reports",
            "reports:CreateReport",
            describe_create,
            create,
        ),
        Route::get(
            "/sandbox/v1/reporting/reports/{reportId}",
            "reports:GetReportStatus",
            describe_status,
            status,
        ),
        Route::get(
            "/sandbox/v1/reporting/reports/{reportId}/download",
            "reports:DownloadReport",
            describe_download,
            download,
        ),
    ]
}

const CAMPAIGN_COLUMNS: &[&str] = &[
    "date",
    "startDate",
    "endDate",
    "campaignId",
    "campaignName",
    "campaignStatus",
    "campaignBudgetAmount",
    "campaignBudgetType",
    "campaignBudgetCurrencyCode",
    "impressions",
    "clicks",
    "cost",
    "costPerClick",
    "clickThroughRate",
    "purchases7d",
    "sales7d",
];

const TARGETING_COLUMNS: &[&str] = &[
    "date",
    "startDate",
    "endDate",
    "campaignId",
    "campaignName",
    "adGroupId",
    "adGroupName",
    "keywordId",
    "keyword",
    "keywordType",
    "matchType",
    "targeting",
    "keywordBid",
    "impressions",
    "clicks",
    "cost",
    "costPerClick",
    "clickThroughRate",
    "purchases7d",
    "sales7d",
];

fn allowed_columns(t: ReportType) -> &'static [&'static str] {
    match t {
        ReportType::SpCampaigns => CAMPAIGN_COLUMNS,
        ReportType::SpTargeting => TARGETING_COLUMNS,
    }
}

/// The columns of a report requested without any.
pub fn default_columns(t: ReportType, unit: TimeUnit) -> Vec<String> {
    let mut cols: Vec<&str> = match unit {
        TimeUnit::Daily => vec!["date"],
        TimeUnit::Summary => vec![],
    };
    cols.extend_from_slice(match t {
        ReportType::SpCampaigns => &[
            "campaignId",
            "campaignName",
            "campaignStatus",
            "campaignBudgetAmount",
            "campaignBudgetCurrencyCode",
            "impressions",
            "clicks",
            "cost",
            "purchases7d",
            "sales7d",
        ],
        ReportType::SpTargeting => &[
            "campaignId",
            "adGroupId",
            "keywordId",
            "keyword",
            "matchType",
            "keywordBid",
            "impressions",
            "clicks",
            "cost",
            "purchases7d",
            "sales7d",
        ],
    });
    cols.into_iter().map(str::to_string).collect()
}

fn group_by(t: ReportType) -> &'static str {
    match t {
        ReportType::SpCampaigns => "campaign",
        ReportType::SpTargeting => "targeting",
    }
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a report configuration object"
)]
struct Configuration {
    #[serde(default)]
    ad_product: Option<Program>,
    report_type_id: ReportType,
    #[serde(default)]
    time_unit: Option<TimeUnit>,
    #[serde(default)]
    group_by: Option<Vec<String>>,
    #[serde(default)]
    columns: Option<Vec<String>>,
    #[serde(default)]
    format: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a report request object"
)]
struct CreateBody {
    #[serde(default)]
    name: Option<ApiName>,
    start_date: ApiDate,
    end_date: ApiDate,
    configuration: Configuration,
}

fn bad(msg: String) -> SandboxError {
    SandboxError::BadRequest(msg)
}

fn plan_create(body: CreateBody, now: DateTime<Utc>) -> Result<NewReport, SandboxError> {
    let today = now.date_naive();
    let (start, end) = (body.start_date.0, body.end_date.0);
    if end < start {
        return Err(bad(format!(
            "`endDate`: must not be before `startDate` ({start})"
        )));
    }
    if end > today {
        return Err(bad(format!("`endDate`: must not be after today ({today})")));
    }
    if (end - start).num_days() + 1 > MAX_RANGE_DAYS {
        return Err(bad(format!(
            "`endDate`: a report covers at most {MAX_RANGE_DAYS} days"
        )));
    }
    let oldest = today
        .checked_sub_days(Days::new(RETENTION_DAYS))
        .unwrap_or(today);
    if start < oldest {
        return Err(bad(format!(
            "`startDate`: reports reach back {RETENTION_DAYS} days, to {oldest}"
        )));
    }
    let c = body.configuration;
    if c.ad_product.is_some_and(|p| p != Program::Sp) {
        return Err(bad(
            "`configuration.adProduct`: the sandbox reports on `SPONSORED_PRODUCTS` only".into(),
        ));
    }
    let t = c.report_type_id;
    let unit = c.time_unit.unwrap_or(TimeUnit::Summary);
    if let Some(g) = &c.group_by
        && g.as_slice() != [group_by(t)]
    {
        return Err(bad(format!(
            "`configuration.groupBy`: `{}` reports group by [`{}`]",
            t.api(),
            group_by(t)
        )));
    }
    if let Some(f) = &c.format
        && f != "GZIP_JSON"
    {
        return Err(bad("`configuration.format`: must be `GZIP_JSON`".into()));
    }
    let columns = match c.columns {
        None => default_columns(t, unit),
        Some(cols) if cols.is_empty() => default_columns(t, unit),
        Some(cols) => {
            let allowed = allowed_columns(t);
            for (i, col) in cols.iter().enumerate() {
                let at = format!("`configuration.columns[{i}]`");
                if !allowed.contains(&col.as_str()) {
                    return Err(bad(format!(
                        "{at}: `{}` is not a column of `{}` reports",
                        col.chars().take(40).collect::<String>(),
                        t.api()
                    )));
                }
                if cols[..i].contains(col) {
                    return Err(bad(format!("{at}: `{col}` is listed twice")));
                }
                match (col.as_str(), unit) {
                    ("date", TimeUnit::Summary) => {
                        return Err(bad(format!("{at}: `date` needs `timeUnit` `DAILY`")));
                    }
                    ("startDate" | "endDate", TimeUnit::Daily) => {
                        return Err(bad(format!("{at}: `{col}` needs `timeUnit` `SUMMARY`")));
                    }
                    _ => {}
                }
            }
            cols
        }
    };
    let name = match body.name {
        Some(n) => n.0,
        None => charter_store::EntityName::parse(&format!("{} {start} to {end}", t.api()))
            .map_err(|e| bad(format!("`name`: {e}")))?,
    };
    Ok(NewReport {
        name,
        report_type: t,
        time_unit: unit,
        columns,
        start_date: start,
        end_date: end,
        created_at: now,
    })
}

/// The path a completed report is downloaded from.
pub fn download_path(id: &ReportId) -> String {
    format!("/sandbox/v1/reporting/reports/{id}/download")
}

pub fn view(r: &ReportJob) -> Value {
    let done = r.status == ReportStatus::Completed;
    json!({
        "reportId": r.id.as_str(),
        "name": r.name.as_str(),
        "status": r.status.api(),
        "startDate": r.start_date.to_string(),
        "endDate": r.end_date.to_string(),
        "configuration": {
            "adProduct": Program::Sp.api(),
            "reportTypeId": r.report_type.api(),
            "timeUnit": r.time_unit.api(),
            "groupBy": [group_by(r.report_type)],
            "columns": r.columns,
            "format": "GZIP_JSON",
        },
        "createdAt": r.created_at.to_rfc3339(),
        "updatedAt": r.updated_at.to_rfc3339(),
        "generatedAt": r.completed_at.map(|t| t.to_rfc3339()),
        "url": done.then(|| download_path(&r.id)),
        "fileSize": r.payload.as_ref().map(String::len),
        "failureReason": Value::Null,
    })
}

async fn find(
    store: &SandboxDb,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<ReportJob, SandboxError> {
    let id = path_id(params, "reportId", ReportId::parse)?;
    store
        .report(&advertiser.id, &id)
        .await?
        .ok_or(SandboxError::NotFound("report"))
}

fn not_ready(r: &ReportJob) -> SandboxError {
    SandboxError::Conflict(format!(
        "the report is not completed yet (status `{}`): poll it until it is",
        r.status.api()
    ))
}

// --- the rows ---------------------------------------------------------------------------------

/// The account's Sponsored Products entities a report is computed from.
#[derive(Debug, Clone, Copy)]
pub struct ReportData<'a> {
    pub campaigns: &'a [Campaign],
    pub ad_groups: &'a [AdGroup],
    pub keywords: &'a [Keyword],
    pub targets: &'a [Target],
    pub currency: Currency,
}

/// One day (or a sum of days) of delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Metrics {
    impressions: i64,
    clicks: i64,
    cost: i64,
    purchases: i64,
    sales: i64,
}

impl Metrics {
    fn add(&mut self, o: Metrics) {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cost += o.cost;
        self.purchases += o.purchases;
        self.sales += o.sales;
    }
}

/// splitmix64: a fixed, well-mixed function of the entity and the day.
fn mix(id: i64, day: NaiveDate) -> u64 {
    let mut z = (id as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(u64::try_from(day.num_days_from_ce()).unwrap_or(0));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn part(h: u64, shift: u32, modulo: u64) -> i64 {
    i64::try_from((h >> shift) % modulo).unwrap_or(0)
}

/// Delivery of an entity on a day, spending up to `cap` at a cost per click near `bid`.
fn day_metrics(id: i64, day: NaiveDate, cap: i64, bid: i64) -> Metrics {
    let h = mix(id, day);
    let target = cap * (35 + part(h, 0, 64)) / 100;
    let cpc = (bid * (55 + part(h, 8, 35)) / 100).max(2);
    let clicks = target / cpc;
    let ctr_basis_points = 25 + part(h, 16, 60);
    let purchases = clicks * (6 + part(h, 24, 9)) / 100;
    Metrics {
        impressions: clicks * 10_000 / ctr_basis_points,
        clicks,
        cost: clicks * cpc,
        purchases,
        sales: purchases * (1_800 + part(h, 32, 4_200)),
    }
}

/// Whether something with this state, last changed at `updated`, ran on `day`: enabled things
/// run; paused and archived ones ran until the day they were last changed.
fn ran(state: EntityState, updated: DateTime<Utc>, day: NaiveDate) -> bool {
    state == EntityState::Enabled || day < updated.date_naive()
}

fn campaign_ran(c: &Campaign, day: NaiveDate) -> bool {
    day >= c.start_date && c.end_date.is_none_or(|e| day <= e) && ran(c.state, c.updated_at, day)
}

fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |d| *d <= end)
}

fn put(row: &mut Map<String, Value>, columns: &[String], key: &str, value: Value) {
    if columns.iter().any(|c| c == key) {
        row.insert(key.to_string(), value);
    }
}

fn put_metrics(row: &mut Map<String, Value>, columns: &[String], m: Metrics, currency: Currency) {
    put(row, columns, "impressions", m.impressions.into());
    put(row, columns, "clicks", m.clicks.into());
    put(row, columns, "cost", money(m.cost, currency));
    let cpc = if m.clicks > 0 { m.cost / m.clicks } else { 0 };
    put(row, columns, "costPerClick", money(cpc, currency));
    let ctr = if m.impressions > 0 {
        (m.clicks as f64 / m.impressions as f64 * 10_000.0).round() / 10_000.0
    } else {
        0.0
    };
    put(row, columns, "clickThroughRate", json!(ctr));
    put(row, columns, "purchases7d", m.purchases.into());
    put(row, columns, "sales7d", money(m.sales, currency));
}

/// One report row's period columns.
fn put_period(row: &mut Map<String, Value>, job: &ReportJob, day: Option<NaiveDate>) {
    match day {
        Some(d) => put(row, &job.columns, "date", d.to_string().into()),
        None => {
            put(
                row,
                &job.columns,
                "startDate",
                job.start_date.to_string().into(),
            );
            put(
                row,
                &job.columns,
                "endDate",
                job.end_date.to_string().into(),
            );
        }
    }
}

/// The periods of a report: each day, or the whole range once.
fn periods(job: &ReportJob) -> Vec<(Option<NaiveDate>, NaiveDate, NaiveDate)> {
    match job.time_unit {
        TimeUnit::Daily => days(job.start_date, job.end_date)
            .map(|d| (Some(d), d, d))
            .collect(),
        TimeUnit::Summary => vec![(None, job.start_date, job.end_date)],
    }
}

/// A targeting clause of the `spTargeting` report: a keyword or a target.
struct Clause<'a> {
    id: i64,
    campaign: &'a Campaign,
    ad_group: Option<&'a AdGroup>,
    bid: i64,
    state: EntityState,
    updated_at: DateTime<Utc>,
    keyword: String,
    keyword_type: &'static str,
    match_type: &'static str,
    targeting: String,
}

/// The rows of a report, as the JSON array the download returns. Only Sponsored Products
/// entities, and only rows with impressions.
pub fn compute_rows(job: &ReportJob, data: &ReportData<'_>) -> Vec<Value> {
    let sp: Vec<&Campaign> = data
        .campaigns
        .iter()
        .filter(|c| c.program == Program::Sp)
        .collect();
    match job.report_type {
        ReportType::SpCampaigns => campaign_rows(job, data, &sp),
        ReportType::SpTargeting => targeting_rows(job, &clauses(data, &sp), data.currency),
    }
}

/// The `spCampaigns` rows: one per campaign and period.
fn campaign_rows(job: &ReportJob, data: &ReportData<'_>, sp: &[&Campaign]) -> Vec<Value> {
    let bids = |c: &Campaign| -> Vec<i64> {
        data.keywords
            .iter()
            .filter(|k| k.campaign_id == c.id)
            .map(|k| k.bid_minor)
            .chain(
                data.targets
                    .iter()
                    .filter(|t| t.campaign_id == c.id)
                    .map(|t| t.bid_minor),
            )
            .collect()
    };
    let mut rows = Vec::new();
    for (day, from, to) in periods(job) {
        for c in sp {
            let b = bids(c);
            let avg_bid = if b.is_empty() {
                120
            } else {
                b.iter().sum::<i64>() / b.len() as i64
            };
            let mut m = Metrics::default();
            for d in days(from, to).filter(|d| campaign_ran(c, *d)) {
                m.add(day_metrics(c.id.get(), d, c.daily_budget_minor, avg_bid));
            }
            if m.impressions == 0 {
                continue;
            }
            let mut row = Map::new();
            let cols = &job.columns;
            put_period(&mut row, job, day);
            put(&mut row, cols, "campaignId", c.id.to_string().into());
            put(&mut row, cols, "campaignName", c.name.as_str().into());
            put(&mut row, cols, "campaignStatus", c.state.api().into());
            put(
                &mut row,
                cols,
                "campaignBudgetAmount",
                money(c.daily_budget_minor, data.currency),
            );
            put(&mut row, cols, "campaignBudgetType", "DAILY".into());
            put(
                &mut row,
                cols,
                "campaignBudgetCurrencyCode",
                data.currency.code().into(),
            );
            put_metrics(&mut row, cols, m, data.currency);
            rows.push(Value::Object(row));
        }
    }
    rows
}

/// The targeting clauses of the campaigns: their keywords, then their targets.
fn clauses<'a>(data: &ReportData<'a>, sp: &[&'a Campaign]) -> Vec<Clause<'a>> {
    let group = |id| data.ad_groups.iter().find(|g| g.id == id);
    let mut clauses: Vec<Clause> = Vec::new();
    for c in sp.iter().copied() {
        for k in data.keywords.iter().filter(|k| k.campaign_id == c.id) {
            clauses.push(Clause {
                id: k.id.get(),
                campaign: c,
                ad_group: group(k.ad_group_id),
                bid: k.bid_minor,
                state: k.state,
                updated_at: k.updated_at,
                keyword: k.text.as_str().to_string(),
                keyword_type: k.match_type.api(),
                match_type: k.match_type.api(),
                targeting: k.text.as_str().to_string(),
            });
        }
        for t in data.targets.iter().filter(|t| t.campaign_id == c.id) {
            clauses.push(Clause {
                id: t.id.get(),
                campaign: c,
                ad_group: group(t.ad_group_id),
                bid: t.bid_minor,
                state: t.state,
                updated_at: t.updated_at,
                keyword: t.expression.resolved(),
                keyword_type: "TARGETING_EXPRESSION",
                match_type: "TARGETING_EXPRESSION",
                targeting: t.expression.resolved(),
            });
        }
    }
    clauses
}

/// The `spTargeting` rows: one per clause and period.
fn targeting_rows(job: &ReportJob, clauses: &[Clause<'_>], currency: Currency) -> Vec<Value> {
    let mut rows = Vec::new();
    let per_campaign = |c: &Campaign| {
        clauses
            .iter()
            .filter(|k| k.campaign.id == c.id)
            .count()
            .max(1) as i64
    };
    for (day, from, to) in periods(job) {
        for k in clauses {
            let cap = k.campaign.daily_budget_minor / per_campaign(k.campaign);
            let mut m = Metrics::default();
            for d in days(from, to).filter(|d| {
                campaign_ran(k.campaign, *d)
                    && ran(k.state, k.updated_at, *d)
                    && k.ad_group.is_none_or(|g| ran(g.state, g.updated_at, *d))
            }) {
                m.add(day_metrics(k.id, d, cap, k.bid));
            }
            if m.impressions == 0 {
                continue;
            }
            let mut row = Map::new();
            let cols = &job.columns;
            put_period(&mut row, job, day);
            put(
                &mut row,
                cols,
                "campaignId",
                k.campaign.id.to_string().into(),
            );
            put(
                &mut row,
                cols,
                "campaignName",
                k.campaign.name.as_str().into(),
            );
            put(
                &mut row,
                cols,
                "adGroupId",
                k.ad_group.map(|g| g.id.to_string()).into(),
            );
            put(
                &mut row,
                cols,
                "adGroupName",
                k.ad_group.map(|g| g.name.as_str()).into(),
            );
            put(&mut row, cols, "keywordId", k.id.to_string().into());
            put(&mut row, cols, "keyword", k.keyword.clone().into());
            put(&mut row, cols, "keywordType", k.keyword_type.into());
            put(&mut row, cols, "matchType", k.match_type.into());
            put(&mut row, cols, "targeting", k.targeting.clone().into());
            put(&mut row, cols, "keywordBid", money(k.bid, currency));
            put_metrics(&mut row, cols, m, currency);
            rows.push(Value::Object(row));
        }
    }
    rows
}

/// Computes a job's rows from the store's current data.
async fn compute(
    store: &SandboxDb,
    advertiser: &Advertiser,
    job: &ReportJob,
) -> Result<String, SandboxError> {
    let all = SandboxQuery::all();
    let id = &advertiser.id;
    let campaigns = store.campaigns(id, Program::Sp, &all).await?.items;
    let ad_groups = store.ad_groups(id, Program::Sp, &all).await?.items;
    let keywords = store.keywords(id, Program::Sp, &all).await?.items;
    let targets = store.targets(id, Program::Sp, &all).await?.items;
    let data = ReportData {
        campaigns: &campaigns,
        ad_groups: &ad_groups,
        keywords: &keywords,
        targets: &targets,
        currency: advertiser.currency(),
    };
    Ok(Value::Array(compute_rows(job, &data)).to_string())
}

// --- describe and handlers ----------------------------------------------------------------------

fn describe_create(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        plan_create(input.read()?, input.now)?;
        Ok(op(
            "reports:CreateReport",
            collection(input.advertiser, "report"),
            None,
        ))
    })
}

fn describe_status(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let r = find(input.store, input.advertiser, input.params).await?;
        Ok(op(
            "reports:GetReportStatus",
            resource(input.advertiser, "report", &r.id),
            None,
        ))
    })
}

fn describe_download(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let r = find(input.store, input.advertiser, input.params).await?;
        if r.status != ReportStatus::Completed {
            return Err(not_ready(&r));
        }
        Ok(op(
            "reports:DownloadReport",
            resource(input.advertiser, "report", &r.id),
            None,
        ))
    })
}

async fn create(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let new = plan_create(account.read(&body)?, Utc::now())?;
    let r = account
        .store
        .create_report(&account.advertiser().id, new)
        .await?;
    Ok(Json(view(&r)))
}

async fn status(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let r = find(&account.store, account.advertiser(), &params).await?;
    let now = Utc::now();
    let r = match r.status {
        ReportStatus::Completed => r,
        _ if (now - r.created_at).num_milliseconds() >= PROCESSING_DELAY_MS => {
            let payload = compute(&account.store, account.advertiser(), &r).await?;
            account
                .store
                .advance_report(
                    &account.advertiser().id,
                    &r.id,
                    ReportStatus::Completed,
                    Some(payload),
                    now,
                )
                .await
                .map_err(store_err("report"))?
        }
        ReportStatus::Pending => account
            .store
            .advance_report(
                &account.advertiser().id,
                &r.id,
                ReportStatus::Processing,
                None,
                now,
            )
            .await
            .map_err(store_err("report"))?,
        ReportStatus::Processing => r,
    };
    Ok(Json(view(&r)))
}

async fn download(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Response, SandboxError> {
    let r = find(&account.store, account.advertiser(), &params).await?;
    if r.status != ReportStatus::Completed {
        return Err(not_ready(&r));
    }
    let Some(payload) = r.payload else {
        tracing::error!(report = %r.id, "completed sandbox report without rows");
        return Err(SandboxError::Internal);
    };
    Ok(([(http::header::CONTENT_TYPE, "application/json")], payload).into_response())
}
