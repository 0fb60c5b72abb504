//! [`SandboxStore`] for both backends, instantiated by `sandbox_store!`.
//!
//! Every statement names the advertiser. Children are reached through their campaign, so the
//! `program` of the route (Sponsored Products, …) scopes them too.

use super::super::sandbox::*;
use super::*;
use chrono::NaiveDate;

#[derive(FromRow)]
struct ProfileRow {
    id: i64,
    advertiser_id: String,
    country_code: String,
    currency_code: String,
    timezone: String,
    account_name: String,
    account_type: String,
    marketplace_string_id: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<ProfileRow> for Profile {
    type Error = StoreError;
    fn try_from(r: ProfileRow) -> Result<Self> {
        Ok(Profile {
            id: ProfileId::from_db(r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            country_code: r.country_code,
            currency_code: r.currency_code,
            timezone: r.timezone,
            account_name: r.account_name,
            account_type: r.account_type,
            marketplace_string_id: r.marketplace_string_id,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct CampaignRow {
    id: i64,
    advertiser_id: String,
    program: String,
    name: String,
    state: String,
    daily_budget_minor: i64,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    targeting_type: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = StoreError;
    fn try_from(r: CampaignRow) -> Result<Self> {
        Ok(Campaign {
            id: CampaignId::from_db(r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            program: Program::parse(&r.program).map_err(corrupt)?,
            name: EntityName::parse(&r.name).map_err(corrupt)?,
            state: EntityState::parse(&r.state).map_err(corrupt)?,
            daily_budget_minor: r.daily_budget_minor,
            start_date: r.start_date,
            end_date: r.end_date,
            targeting_type: TargetingType::parse(&r.targeting_type).map_err(corrupt)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct AdGroupRow {
    id: i64,
    advertiser_id: String,
    campaign_id: i64,
    name: String,
    state: String,
    default_bid_minor: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<AdGroupRow> for AdGroup {
    type Error = StoreError;
    fn try_from(r: AdGroupRow) -> Result<Self> {
        Ok(AdGroup {
            id: AdGroupId::from_db(r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            campaign_id: CampaignId::from_db(r.campaign_id).map_err(corrupt)?,
            name: EntityName::parse(&r.name).map_err(corrupt)?,
            state: EntityState::parse(&r.state).map_err(corrupt)?,
            default_bid_minor: r.default_bid_minor,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct KeywordRow {
    id: i64,
    advertiser_id: String,
    campaign_id: i64,
    ad_group_id: i64,
    keyword_text: String,
    match_type: String,
    state: String,
    bid_minor: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<KeywordRow> for Keyword {
    type Error = StoreError;
    fn try_from(r: KeywordRow) -> Result<Self> {
        Ok(Keyword {
            id: KeywordId::from_db(r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            campaign_id: CampaignId::from_db(r.campaign_id).map_err(corrupt)?,
            ad_group_id: AdGroupId::from_db(r.ad_group_id).map_err(corrupt)?,
            text: KeywordText::parse(&r.keyword_text).map_err(corrupt)?,
            match_type: MatchType::parse(&r.match_type).map_err(corrupt)?,
            state: EntityState::parse(&r.state).map_err(corrupt)?,
            bid_minor: r.bid_minor,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct TargetRow {
    id: i64,
    advertiser_id: String,
    campaign_id: i64,
    ad_group_id: i64,
    expression_type: String,
    expression_value: Option<String>,
    state: String,
    bid_minor: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<TargetRow> for Target {
    type Error = StoreError;
    fn try_from(r: TargetRow) -> Result<Self> {
        let kind = ExpressionType::parse(&r.expression_type).map_err(corrupt)?;
        Ok(Target {
            id: TargetId::from_db(r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            campaign_id: CampaignId::from_db(r.campaign_id).map_err(corrupt)?,
            ad_group_id: AdGroupId::from_db(r.ad_group_id).map_err(corrupt)?,
            expression: TargetExpression::parse(kind, r.expression_value.as_deref())
                .map_err(corrupt)?,
            state: EntityState::parse(&r.state).map_err(corrupt)?,
            bid_minor: r.bid_minor,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// A child row with the states of the entities above it.
#[derive(FromRow)]
struct WithParents<T> {
    #[sqlx(flatten)]
    row: T,
    campaign_state: String,
    ad_group_state: Option<String>,
}

impl<T> WithParents<T> {
    /// Which of the parents is archived, if any.
    fn archived_parent(&self) -> Result<Option<&'static str>> {
        if EntityState::parse(&self.campaign_state).map_err(corrupt)? == EntityState::Archived {
            return Ok(Some("campaign"));
        }
        if let Some(s) = &self.ad_group_state
            && EntityState::parse(s).map_err(corrupt)? == EntityState::Archived
        {
            return Ok(Some("ad group"));
        }
        Ok(None)
    }
}

#[derive(FromRow)]
struct ReportRow {
    id: String,
    advertiser_id: String,
    name: String,
    report_type: String,
    time_unit: String,
    columns: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    payload: Option<String>,
}

impl TryFrom<ReportRow> for ReportJob {
    type Error = StoreError;
    fn try_from(r: ReportRow) -> Result<Self> {
        Ok(ReportJob {
            id: ReportId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            name: EntityName::parse(&r.name).map_err(corrupt)?,
            report_type: ReportType::parse(&r.report_type).map_err(corrupt)?,
            time_unit: TimeUnit::parse(&r.time_unit).map_err(corrupt)?,
            columns: serde_json::from_str(&r.columns)
                .map_err(|e| StoreError::Corrupt(format!("report columns: {e}")))?,
            start_date: r.start_date,
            end_date: r.end_date,
            status: ReportStatus::parse(&r.status).map_err(corrupt)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            completed_at: r.completed_at,
            payload: r.payload,
        })
    }
}

#[derive(FromRow)]
struct InvoiceRow {
    id: i64,
    advertiser_id: String,
    period_start: NaiveDate,
    period_end: NaiveDate,
    amount_minor: i64,
    tax_minor: i64,
    currency: String,
    status: String,
    issued_at: DateTime<Utc>,
    due_date: NaiveDate,
    paid_at: Option<DateTime<Utc>>,
}

impl TryFrom<InvoiceRow> for Invoice {
    type Error = StoreError;
    fn try_from(r: InvoiceRow) -> Result<Self> {
        Ok(Invoice {
            id: InvoiceId::from_db(r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            period_start: r.period_start,
            period_end: r.period_end,
            amount_minor: r.amount_minor,
            tax_minor: r.tax_minor,
            currency: r.currency,
            status: InvoiceStatus::parse(&r.status).map_err(corrupt)?,
            issued_at: r.issued_at,
            due_date: r.due_date,
            paid_at: r.paid_at,
        })
    }
}

const PROFILE_COLUMNS: &str = "id, advertiser_id, country_code, currency_code, timezone, account_name, account_type, marketplace_string_id, created_at";
const CAMPAIGN_COLUMNS: &str = "c.id, c.advertiser_id, c.program, c.name, c.state, c.daily_budget_minor, c.start_date, c.end_date, c.targeting_type, c.created_at, c.updated_at";
const AD_GROUP_COLUMNS: &str = "g.id, g.advertiser_id, g.campaign_id, g.name, g.state, g.default_bid_minor, g.created_at, g.updated_at";
const KEYWORD_COLUMNS: &str = "k.id, k.advertiser_id, k.campaign_id, k.ad_group_id, k.keyword_text, k.match_type, k.state, k.bid_minor, k.created_at, k.updated_at";
const TARGET_COLUMNS: &str = "k.id, k.advertiser_id, k.campaign_id, k.ad_group_id, k.expression_type, k.expression_value, k.state, k.bid_minor, k.created_at, k.updated_at";
const REPORT_COLUMNS: &str = "id, advertiser_id, name, report_type, time_unit, columns, start_date, end_date, status, created_at, updated_at, completed_at, payload";
const INVOICE_COLUMNS: &str = "id, advertiser_id, period_start, period_end, amount_minor, tax_minor, currency, status, issued_at, due_date, paid_at";

/// The state filter of a listing on `alias.state`: `$3`, `$4`, `$5` say whether enabled,
/// paused and archived rows are included.
fn state_filter(alias: &str) -> String {
    format!(
        "(({alias}.state = 'enabled' AND $3) OR ({alias}.state = 'paused' AND $4) OR ({alias}.state = 'archived' AND $5))"
    )
}

fn state_flags(q: &SandboxQuery) -> (bool, bool, bool) {
    (
        q.includes(EntityState::Enabled),
        q.includes(EntityState::Paused),
        q.includes(EntityState::Archived),
    )
}

fn window(q: &SandboxQuery) -> (i64, i64) {
    (
        i64::from(q.limit.min(SandboxQuery::MAX_LIMIT)),
        i64::from(q.offset),
    )
}

/// ` AND column IN (…)` for a non-empty id list. The ids are integers of typed ids, so they
/// are written into the statement.
fn id_filter(column: &str, ids: impl Iterator<Item = i64>) -> String {
    let list: Vec<String> = ids.map(|i| i.to_string()).collect();
    if list.is_empty() {
        String::new()
    } else {
        format!(" AND {column} IN ({})", list.join(", "))
    }
}

/// `FROM … WHERE …` of a listing of ad groups (`g`), keywords or targets (`k`): `$1`
/// advertiser, `$2` program, `$3..$5` states.
fn child_where(table: &str, alias: &str, q: &SandboxQuery) -> String {
    let group_column = if alias == "g" {
        "g.id".to_string()
    } else {
        format!("{alias}.ad_group_id")
    };
    format!(
        " FROM {table} {alias} JOIN sandbox_campaigns c ON c.advertiser_id = {alias}.advertiser_id AND c.id = {alias}.campaign_id \
         WHERE {alias}.advertiser_id = $1 AND c.program = $2 AND {}{}{}",
        state_filter(alias),
        id_filter(
            &format!("{alias}.campaign_id"),
            q.campaigns.iter().map(|c| c.get())
        ),
        id_filter(&group_column, q.ad_groups.iter().map(|g| g.get())),
    )
}

fn seed_row_check(advertiser: &AdvertiserId, owner: &AdvertiserId, id: String) -> Result<()> {
    if advertiser == owner {
        Ok(())
    } else {
        Err(StoreError::Invalid(ParseError::Invalid {
            what: "sandbox seed row (another advertiser's)",
            value: id,
        }))
    }
}

macro_rules! sandbox_store {
    ($store:ident, $db:ty) => {
        impl $store {
            async fn insert_campaign(conn: &mut <$db as sqlx::Database>::Connection, c: &Campaign) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sandbox_campaigns (id, advertiser_id, program, name, state, daily_budget_minor, start_date, end_date, targeting_type, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(c.id.get())
                .bind(c.advertiser_id.as_str())
                .bind(c.program.as_str())
                .bind(c.name.as_str())
                .bind(c.state.as_str())
                .bind(c.daily_budget_minor)
                .bind(c.start_date)
                .bind(c.end_date)
                .bind(c.targeting_type.as_str())
                .bind(c.created_at)
                .bind(c.updated_at)
                .execute(&mut *conn)
                .await
                .map_err(map_unique("campaign"))?;
                Ok(())
            }

            async fn insert_ad_group(conn: &mut <$db as sqlx::Database>::Connection, g: &AdGroup) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sandbox_ad_groups (id, advertiser_id, campaign_id, name, state, default_bid_minor, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(g.id.get())
                .bind(g.advertiser_id.as_str())
                .bind(g.campaign_id.get())
                .bind(g.name.as_str())
                .bind(g.state.as_str())
                .bind(g.default_bid_minor)
                .bind(g.created_at)
                .bind(g.updated_at)
                .execute(&mut *conn)
                .await
                .map_err(map_unique("ad group"))?;
                Ok(())
            }

            async fn insert_keyword(conn: &mut <$db as sqlx::Database>::Connection, k: &Keyword) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sandbox_keywords (id, advertiser_id, campaign_id, ad_group_id, keyword_text, match_type, state, bid_minor, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(k.id.get())
                .bind(k.advertiser_id.as_str())
                .bind(k.campaign_id.get())
                .bind(k.ad_group_id.get())
                .bind(k.text.as_str())
                .bind(k.match_type.as_str())
                .bind(k.state.as_str())
                .bind(k.bid_minor)
                .bind(k.created_at)
                .bind(k.updated_at)
                .execute(&mut *conn)
                .await
                .map_err(map_unique("keyword"))?;
                Ok(())
            }

            async fn insert_target(conn: &mut <$db as sqlx::Database>::Connection, t: &Target) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sandbox_targets (id, advertiser_id, campaign_id, ad_group_id, expression_type, expression_value, state, bid_minor, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(t.id.get())
                .bind(t.advertiser_id.as_str())
                .bind(t.campaign_id.get())
                .bind(t.ad_group_id.get())
                .bind(t.expression.kind().as_str())
                .bind(t.expression.value())
                .bind(t.state.as_str())
                .bind(t.bid_minor)
                .bind(t.created_at)
                .bind(t.updated_at)
                .execute(&mut *conn)
                .await
                .map_err(map_unique("target"))?;
                Ok(())
            }

            async fn insert_report(conn: &mut <$db as sqlx::Database>::Connection, r: &ReportJob) -> Result<()> {
                let columns = serde_json::Value::from(r.columns.clone()).to_string();
                sqlx::query(
                    "INSERT INTO sandbox_reports (id, advertiser_id, name, report_type, time_unit, columns, start_date, end_date, status, created_at, updated_at, completed_at, payload) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(r.id.as_str())
                .bind(r.advertiser_id.as_str())
                .bind(r.name.as_str())
                .bind(r.report_type.as_str())
                .bind(r.time_unit.as_str())
                .bind(columns)
                .bind(r.start_date)
                .bind(r.end_date)
                .bind(r.status.as_str())
                .bind(r.created_at)
                .bind(r.updated_at)
                .bind(r.completed_at)
                .bind(&r.payload)
                .execute(&mut *conn)
                .await
                .map_err(map_unique("report"))?;
                Ok(())
            }

            async fn campaign_in_tx(
                conn: &mut <$db as sqlx::Database>::Connection,
                advertiser: &AdvertiserId,
                program: Program,
                id: CampaignId,
            ) -> Result<Option<Campaign>> {
                let sql = format!(
                    "SELECT {CAMPAIGN_COLUMNS} FROM sandbox_campaigns c WHERE c.advertiser_id = $1 AND c.program = $2 AND c.id = $3{}",
                    Self::FOR_UPDATE
                );
                let row: Option<CampaignRow> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(id.get())
                    .fetch_optional(&mut *conn)
                    .await?;
                row.map(Campaign::try_from).transpose()
            }

            async fn ad_group_in_tx(
                conn: &mut <$db as sqlx::Database>::Connection,
                advertiser: &AdvertiserId,
                program: Program,
                id: AdGroupId,
            ) -> Result<Option<(AdGroup, Option<&'static str>)>> {
                let sql = format!(
                    "SELECT {AD_GROUP_COLUMNS}, c.state AS campaign_state, NULL AS ad_group_state FROM sandbox_ad_groups g \
                     JOIN sandbox_campaigns c ON c.advertiser_id = g.advertiser_id AND c.id = g.campaign_id \
                     WHERE g.advertiser_id = $1 AND c.program = $2 AND g.id = $3{}",
                    Self::FOR_UPDATE
                );
                let row: Option<WithParents<AdGroupRow>> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(id.get())
                    .fetch_optional(&mut *conn)
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let parent = r.archived_parent()?;
                        Ok(Some((AdGroup::try_from(r.row)?, parent)))
                    }
                }
            }

            /// A keyword or target with the archived parent, if any, locked for update.
            async fn child_in_tx<R>(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &str,
                columns: &str,
                advertiser: &AdvertiserId,
                program: Program,
                id: i64,
            ) -> Result<Option<WithParents<R>>>
            where
                R: for<'r> FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
            {
                let sql = format!(
                    "SELECT {columns}, c.state AS campaign_state, g.state AS ad_group_state FROM {table} k \
                     JOIN sandbox_campaigns c ON c.advertiser_id = k.advertiser_id AND c.id = k.campaign_id \
                     JOIN sandbox_ad_groups g ON g.advertiser_id = k.advertiser_id AND g.id = k.ad_group_id \
                     WHERE k.advertiser_id = $1 AND c.program = $2 AND k.id = $3{}",
                    Self::FOR_UPDATE
                );
                let row: Option<WithParents<R>> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                Ok(row)
            }
        }

        #[async_trait]
        impl SandboxStore for $store {
            async fn seed_sandbox(&self, advertiser: &AdvertiserId, seed: &SandboxSeed) -> Result<()> {
                let mut tx = self.begin_write().await?;
                if let Some(p) = &seed.profile {
                    seed_row_check(advertiser, &p.advertiser_id, p.id.to_string())?;
                    sqlx::query(&format!(
                        "INSERT INTO sandbox_profiles ({PROFILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                    ))
                    .bind(p.id.get())
                    .bind(p.advertiser_id.as_str())
                    .bind(&p.country_code)
                    .bind(&p.currency_code)
                    .bind(&p.timezone)
                    .bind(&p.account_name)
                    .bind(&p.account_type)
                    .bind(&p.marketplace_string_id)
                    .bind(p.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("profile"))?;
                }
                for c in &seed.campaigns {
                    seed_row_check(advertiser, &c.advertiser_id, c.id.to_string())?;
                    Self::insert_campaign(&mut *tx, c).await?;
                }
                for g in &seed.ad_groups {
                    seed_row_check(advertiser, &g.advertiser_id, g.id.to_string())?;
                    Self::insert_ad_group(&mut *tx, g).await?;
                }
                for k in &seed.keywords {
                    seed_row_check(advertiser, &k.advertiser_id, k.id.to_string())?;
                    Self::insert_keyword(&mut *tx, k).await?;
                }
                for t in &seed.targets {
                    seed_row_check(advertiser, &t.advertiser_id, t.id.to_string())?;
                    Self::insert_target(&mut *tx, t).await?;
                }
                for r in &seed.reports {
                    seed_row_check(advertiser, &r.advertiser_id, r.id.to_string())?;
                    Self::insert_report(&mut *tx, r).await?;
                }
                for i in &seed.invoices {
                    seed_row_check(advertiser, &i.advertiser_id, i.id.to_string())?;
                    sqlx::query(&format!(
                        "INSERT INTO sandbox_invoices ({INVOICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    ))
                    .bind(i.id.get())
                    .bind(i.advertiser_id.as_str())
                    .bind(i.period_start)
                    .bind(i.period_end)
                    .bind(i.amount_minor)
                    .bind(i.tax_minor)
                    .bind(&i.currency)
                    .bind(i.status.as_str())
                    .bind(i.issued_at)
                    .bind(i.due_date)
                    .bind(i.paid_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("invoice"))?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn sandbox_profile(&self, advertiser: &AdvertiserId) -> Result<Option<Profile>> {
                let row: Option<ProfileRow> =
                    sqlx::query_as(&format!("SELECT {PROFILE_COLUMNS} FROM sandbox_profiles WHERE advertiser_id = $1"))
                        .bind(advertiser.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(Profile::try_from).transpose()
            }

            async fn campaigns(&self, advertiser: &AdvertiserId, program: Program, query: &SandboxQuery) -> Result<Listing<Campaign>> {
                let filter = format!(
                    " FROM sandbox_campaigns c WHERE c.advertiser_id = $1 AND c.program = $2 AND {}{}",
                    state_filter("c"),
                    id_filter("c.id", query.campaigns.iter().map(|c| c.get()))
                );
                let (en, pa, ar) = state_flags(query);
                let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*){filter}"))
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(en)
                    .bind(pa)
                    .bind(ar)
                    .fetch_one(&self.pool)
                    .await?;
                let (limit, offset) = window(query);
                let rows: Vec<CampaignRow> = sqlx::query_as(&format!(
                    "SELECT {CAMPAIGN_COLUMNS}{filter} ORDER BY c.name, c.id LIMIT $6 OFFSET $7"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(en)
                .bind(pa)
                .bind(ar)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(Listing { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0) })
            }

            async fn campaign(&self, advertiser: &AdvertiserId, program: Program, id: CampaignId) -> Result<Option<Campaign>> {
                let row: Option<CampaignRow> = sqlx::query_as(&format!(
                    "SELECT {CAMPAIGN_COLUMNS} FROM sandbox_campaigns c WHERE c.advertiser_id = $1 AND c.program = $2 AND c.id = $3"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Campaign::try_from).transpose()
            }

            async fn create_campaign(&self, advertiser: &AdvertiserId, new: NewCampaign) -> Result<Campaign> {
                let c = Campaign {
                    id: CampaignId::generate(),
                    advertiser_id: advertiser.clone(),
                    program: new.program,
                    name: new.name,
                    state: new.state,
                    daily_budget_minor: new.daily_budget_minor,
                    start_date: new.start_date,
                    end_date: new.end_date,
                    targeting_type: new.targeting_type,
                    created_at: new.created_at,
                    updated_at: new.created_at,
                };
                let mut tx = self.begin_write().await?;
                Self::insert_campaign(&mut *tx, &c).await?;
                tx.commit().await?;
                Ok(c)
            }

            async fn update_campaign(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: CampaignId,
                patch: &CampaignPatch,
                now: DateTime<Utc>,
            ) -> Result<Written<Campaign>> {
                self.update_campaign_if(advertiser, program, id, patch, now, &|_| true)
                    .await?
                    .ok_or(StoreError::Conflict("a concurrent change"))
            }

            async fn update_campaign_if(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: CampaignId,
                patch: &CampaignPatch,
                now: DateTime<Utc>,
                check: Check<'_, Campaign>,
            ) -> Result<Option<Written<Campaign>>> {
                let mut tx = self.begin_write().await?;
                let Some(before) = Self::campaign_in_tx(&mut *tx, advertiser, program, id).await? else {
                    return Err(StoreError::NotFound);
                };
                if before.state == EntityState::Archived {
                    return Ok(Some(Written::Archived("campaign")));
                }
                if !check(&before) {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let after = Campaign { updated_at: now, ..patch.apply(&before) };
                sqlx::query(
                    "UPDATE sandbox_campaigns SET name = $1, state = $2, daily_budget_minor = $3, end_date = $4, updated_at = $5 \
                     WHERE advertiser_id = $6 AND id = $7",
                )
                .bind(after.name.as_str())
                .bind(after.state.as_str())
                .bind(after.daily_budget_minor)
                .bind(after.end_date)
                .bind(after.updated_at)
                .bind(advertiser.as_str())
                .bind(id.get())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(Written::Done(after)))
            }

            async fn ad_groups(&self, advertiser: &AdvertiserId, program: Program, query: &SandboxQuery) -> Result<Listing<AdGroup>> {
                let filter = child_where("sandbox_ad_groups", "g", query);
                let (en, pa, ar) = state_flags(query);
                let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*){filter}"))
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(en)
                    .bind(pa)
                    .bind(ar)
                    .fetch_one(&self.pool)
                    .await?;
                let (limit, offset) = window(query);
                let rows: Vec<AdGroupRow> =
                    sqlx::query_as(&format!("SELECT {AD_GROUP_COLUMNS}{filter} ORDER BY g.name, g.id LIMIT $6 OFFSET $7"))
                        .bind(advertiser.as_str())
                        .bind(program.as_str())
                        .bind(en)
                        .bind(pa)
                        .bind(ar)
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(Listing { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0) })
            }

            async fn ad_group(&self, advertiser: &AdvertiserId, program: Program, id: AdGroupId) -> Result<Option<AdGroup>> {
                let row: Option<AdGroupRow> = sqlx::query_as(&format!(
                    "SELECT {AD_GROUP_COLUMNS} FROM sandbox_ad_groups g \
                     JOIN sandbox_campaigns c ON c.advertiser_id = g.advertiser_id AND c.id = g.campaign_id \
                     WHERE g.advertiser_id = $1 AND c.program = $2 AND g.id = $3"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
                row.map(AdGroup::try_from).transpose()
            }

            async fn create_ad_group(&self, advertiser: &AdvertiserId, program: Program, new: NewAdGroup) -> Result<Written<AdGroup>> {
                let mut tx = self.begin_write().await?;
                let Some(campaign) = Self::campaign_in_tx(&mut *tx, advertiser, program, new.campaign_id).await? else {
                    return Err(StoreError::NotFound);
                };
                if campaign.state == EntityState::Archived {
                    return Ok(Written::Archived("campaign"));
                }
                let g = AdGroup {
                    id: AdGroupId::generate(),
                    advertiser_id: advertiser.clone(),
                    campaign_id: campaign.id,
                    name: new.name,
                    state: new.state,
                    default_bid_minor: new.default_bid_minor,
                    created_at: new.created_at,
                    updated_at: new.created_at,
                };
                Self::insert_ad_group(&mut *tx, &g).await?;
                tx.commit().await?;
                Ok(Written::Done(g))
            }

            async fn update_ad_group(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: AdGroupId,
                patch: &AdGroupPatch,
                now: DateTime<Utc>,
            ) -> Result<Written<AdGroup>> {
                let mut tx = self.begin_write().await?;
                let Some((before, archived_parent)) = Self::ad_group_in_tx(&mut *tx, advertiser, program, id).await? else {
                    return Err(StoreError::NotFound);
                };
                if let Some(parent) = archived_parent {
                    return Ok(Written::Archived(parent));
                }
                if before.state == EntityState::Archived {
                    return Ok(Written::Archived("ad group"));
                }
                let after = AdGroup {
                    name: patch.name.clone().unwrap_or_else(|| before.name.clone()),
                    state: patch.state.unwrap_or(before.state),
                    updated_at: now,
                    ..before
                };
                sqlx::query("UPDATE sandbox_ad_groups SET name = $1, state = $2, updated_at = $3 WHERE advertiser_id = $4 AND id = $5")
                    .bind(after.name.as_str())
                    .bind(after.state.as_str())
                    .bind(after.updated_at)
                    .bind(advertiser.as_str())
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Written::Done(after))
            }

            async fn keywords(&self, advertiser: &AdvertiserId, program: Program, query: &SandboxQuery) -> Result<Listing<Keyword>> {
                let filter = child_where("sandbox_keywords", "k", query);
                let (en, pa, ar) = state_flags(query);
                let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*){filter}"))
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(en)
                    .bind(pa)
                    .bind(ar)
                    .fetch_one(&self.pool)
                    .await?;
                let (limit, offset) = window(query);
                let rows: Vec<KeywordRow> = sqlx::query_as(&format!(
                    "SELECT {KEYWORD_COLUMNS}{filter} ORDER BY k.keyword_text, k.match_type, k.id LIMIT $6 OFFSET $7"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(en)
                .bind(pa)
                .bind(ar)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(Listing { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0) })
            }

            async fn keyword(&self, advertiser: &AdvertiserId, program: Program, id: KeywordId) -> Result<Option<Keyword>> {
                let row: Option<KeywordRow> = sqlx::query_as(&format!(
                    "SELECT {KEYWORD_COLUMNS} FROM sandbox_keywords k \
                     JOIN sandbox_campaigns c ON c.advertiser_id = k.advertiser_id AND c.id = k.campaign_id \
                     WHERE k.advertiser_id = $1 AND c.program = $2 AND k.id = $3"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Keyword::try_from).transpose()
            }

            async fn create_keyword(&self, advertiser: &AdvertiserId, program: Program, new: NewKeyword) -> Result<Written<Keyword>> {
                let mut tx = self.begin_write().await?;
                let Some((group, archived_parent)) = Self::ad_group_in_tx(&mut *tx, advertiser, program, new.ad_group_id).await? else {
                    return Err(StoreError::NotFound);
                };
                if let Some(parent) = archived_parent {
                    return Ok(Written::Archived(parent));
                }
                if group.state == EntityState::Archived {
                    return Ok(Written::Archived("ad group"));
                }
                let k = Keyword {
                    id: KeywordId::generate(),
                    advertiser_id: advertiser.clone(),
                    campaign_id: group.campaign_id,
                    ad_group_id: group.id,
                    text: new.text,
                    match_type: new.match_type,
                    state: new.state,
                    bid_minor: new.bid_minor.unwrap_or(group.default_bid_minor),
                    created_at: new.created_at,
                    updated_at: new.created_at,
                };
                Self::insert_keyword(&mut *tx, &k).await?;
                tx.commit().await?;
                Ok(Written::Done(k))
            }

            async fn update_keyword(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: KeywordId,
                patch: &BidPatch,
                now: DateTime<Utc>,
            ) -> Result<Written<Keyword>> {
                self.update_keyword_if(advertiser, program, id, patch, now, &|_| true)
                    .await?
                    .ok_or(StoreError::Conflict("a concurrent change"))
            }

            async fn update_keyword_if(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: KeywordId,
                patch: &BidPatch,
                now: DateTime<Utc>,
                check: Check<'_, Keyword>,
            ) -> Result<Option<Written<Keyword>>> {
                let mut tx = self.begin_write().await?;
                let Some(row) = Self::child_in_tx::<KeywordRow>(&mut *tx, "sandbox_keywords", KEYWORD_COLUMNS, advertiser, program, id.get()).await? else {
                    return Err(StoreError::NotFound);
                };
                if let Some(parent) = row.archived_parent()? {
                    return Ok(Some(Written::Archived(parent)));
                }
                let before = Keyword::try_from(row.row)?;
                if before.state == EntityState::Archived {
                    return Ok(Some(Written::Archived("keyword")));
                }
                if !check(&before) {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let after = Keyword {
                    state: patch.state.unwrap_or(before.state),
                    bid_minor: patch.bid_minor.unwrap_or(before.bid_minor),
                    updated_at: now,
                    ..before
                };
                sqlx::query("UPDATE sandbox_keywords SET state = $1, bid_minor = $2, updated_at = $3 WHERE advertiser_id = $4 AND id = $5")
                    .bind(after.state.as_str())
                    .bind(after.bid_minor)
                    .bind(after.updated_at)
                    .bind(advertiser.as_str())
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(Written::Done(after)))
            }

            async fn targets(&self, advertiser: &AdvertiserId, program: Program, query: &SandboxQuery) -> Result<Listing<Target>> {
                let filter = child_where("sandbox_targets", "k", query);
                let (en, pa, ar) = state_flags(query);
                let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*){filter}"))
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(en)
                    .bind(pa)
                    .bind(ar)
                    .fetch_one(&self.pool)
                    .await?;
                let (limit, offset) = window(query);
                let rows: Vec<TargetRow> =
                    sqlx::query_as(&format!("SELECT {TARGET_COLUMNS}{filter} ORDER BY k.id LIMIT $6 OFFSET $7"))
                        .bind(advertiser.as_str())
                        .bind(program.as_str())
                        .bind(en)
                        .bind(pa)
                        .bind(ar)
                        .bind(limit)
                        .bind(offset)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(Listing { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0) })
            }

            async fn target(&self, advertiser: &AdvertiserId, program: Program, id: TargetId) -> Result<Option<Target>> {
                let row: Option<TargetRow> = sqlx::query_as(&format!(
                    "SELECT {TARGET_COLUMNS} FROM sandbox_targets k \
                     JOIN sandbox_campaigns c ON c.advertiser_id = k.advertiser_id AND c.id = k.campaign_id \
                     WHERE k.advertiser_id = $1 AND c.program = $2 AND k.id = $3"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Target::try_from).transpose()
            }

            async fn create_target(&self, advertiser: &AdvertiserId, program: Program, new: NewTarget) -> Result<Written<Target>> {
                let mut tx = self.begin_write().await?;
                let Some((group, archived_parent)) = Self::ad_group_in_tx(&mut *tx, advertiser, program, new.ad_group_id).await? else {
                    return Err(StoreError::NotFound);
                };
                if let Some(parent) = archived_parent {
                    return Ok(Written::Archived(parent));
                }
                if group.state == EntityState::Archived {
                    return Ok(Written::Archived("ad group"));
                }
                let t = Target {
                    id: TargetId::generate(),
                    advertiser_id: advertiser.clone(),
                    campaign_id: group.campaign_id,
                    ad_group_id: group.id,
                    expression: new.expression,
                    state: new.state,
                    bid_minor: new.bid_minor.unwrap_or(group.default_bid_minor),
                    created_at: new.created_at,
                    updated_at: new.created_at,
                };
                Self::insert_target(&mut *tx, &t).await?;
                tx.commit().await?;
                Ok(Written::Done(t))
            }

            async fn update_target(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: TargetId,
                patch: &BidPatch,
                now: DateTime<Utc>,
            ) -> Result<Written<Target>> {
                self.update_target_if(advertiser, program, id, patch, now, &|_| true)
                    .await?
                    .ok_or(StoreError::Conflict("a concurrent change"))
            }

            async fn update_target_if(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: TargetId,
                patch: &BidPatch,
                now: DateTime<Utc>,
                check: Check<'_, Target>,
            ) -> Result<Option<Written<Target>>> {
                let mut tx = self.begin_write().await?;
                let Some(row) = Self::child_in_tx::<TargetRow>(&mut *tx, "sandbox_targets", TARGET_COLUMNS, advertiser, program, id.get()).await? else {
                    return Err(StoreError::NotFound);
                };
                if let Some(parent) = row.archived_parent()? {
                    return Ok(Some(Written::Archived(parent)));
                }
                let before = Target::try_from(row.row)?;
                if before.state == EntityState::Archived {
                    return Ok(Some(Written::Archived("target")));
                }
                if !check(&before) {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let after = Target {
                    state: patch.state.unwrap_or(before.state),
                    bid_minor: patch.bid_minor.unwrap_or(before.bid_minor),
                    updated_at: now,
                    ..before
                };
                sqlx::query("UPDATE sandbox_targets SET state = $1, bid_minor = $2, updated_at = $3 WHERE advertiser_id = $4 AND id = $5")
                    .bind(after.state.as_str())
                    .bind(after.bid_minor)
                    .bind(after.updated_at)
                    .bind(advertiser.as_str())
                    .bind(id.get())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(Written::Done(after)))
            }

            async fn create_report(&self, advertiser: &AdvertiserId, new: NewReport) -> Result<ReportJob> {
                let r = ReportJob {
                    id: ReportId::generate(),
                    advertiser_id: advertiser.clone(),
                    name: new.name,
                    report_type: new.report_type,
                    time_unit: new.time_unit,
                    columns: new.columns,
                    start_date: new.start_date,
                    end_date: new.end_date,
                    status: ReportStatus::Pending,
                    created_at: new.created_at,
                    updated_at: new.created_at,
                    completed_at: None,
                    payload: None,
                };
                let mut tx = self.begin_write().await?;
                Self::insert_report(&mut *tx, &r).await?;
                tx.commit().await?;
                Ok(r)
            }

            async fn report(&self, advertiser: &AdvertiserId, id: &ReportId) -> Result<Option<ReportJob>> {
                let row: Option<ReportRow> =
                    sqlx::query_as(&format!("SELECT {REPORT_COLUMNS} FROM sandbox_reports WHERE advertiser_id = $1 AND id = $2"))
                        .bind(advertiser.as_str())
                        .bind(id.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(ReportJob::try_from).transpose()
            }

            async fn advance_report(
                &self,
                advertiser: &AdvertiserId,
                id: &ReportId,
                status: ReportStatus,
                payload: Option<String>,
                now: DateTime<Utc>,
            ) -> Result<ReportJob> {
                let mut tx = self.begin_write().await?;
                let row: Option<ReportRow> = sqlx::query_as(&format!(
                    "SELECT {REPORT_COLUMNS} FROM sandbox_reports WHERE advertiser_id = $1 AND id = $2{}",
                    Self::FOR_UPDATE
                ))
                .bind(advertiser.as_str())
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(before) = row.map(ReportJob::try_from).transpose()? else {
                    return Err(StoreError::NotFound);
                };
                if before.status == ReportStatus::Completed || status <= before.status {
                    return Ok(before);
                }
                let completed = status == ReportStatus::Completed;
                let after = ReportJob {
                    status,
                    updated_at: now,
                    completed_at: if completed { Some(now) } else { None },
                    payload: if completed { payload } else { None },
                    ..before
                };
                sqlx::query(
                    "UPDATE sandbox_reports SET status = $1, updated_at = $2, completed_at = $3, payload = $4 WHERE advertiser_id = $5 AND id = $6",
                )
                .bind(after.status.as_str())
                .bind(after.updated_at)
                .bind(after.completed_at)
                .bind(&after.payload)
                .bind(advertiser.as_str())
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn invoices(&self, advertiser: &AdvertiserId, offset: u32, limit: u32) -> Result<Listing<Invoice>> {
                let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sandbox_invoices WHERE advertiser_id = $1")
                    .bind(advertiser.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<InvoiceRow> = sqlx::query_as(&format!(
                    "SELECT {INVOICE_COLUMNS} FROM sandbox_invoices WHERE advertiser_id = $1 ORDER BY period_start DESC, id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(advertiser.as_str())
                .bind(i64::from(limit.min(SandboxQuery::MAX_LIMIT)))
                .bind(i64::from(offset))
                .fetch_all(&self.pool)
                .await?;
                Ok(Listing { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0) })
            }

            async fn invoice(&self, advertiser: &AdvertiserId, id: InvoiceId) -> Result<Option<Invoice>> {
                let row: Option<InvoiceRow> =
                    sqlx::query_as(&format!("SELECT {INVOICE_COLUMNS} FROM sandbox_invoices WHERE advertiser_id = $1 AND id = $2"))
                        .bind(advertiser.as_str())
                        .bind(id.get())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(Invoice::try_from).transpose()
            }
        }
    };
}

sandbox_store!(SqliteStore, sqlx::Sqlite);
sandbox_store!(PgStore, sqlx::Postgres);
