//! [`SandboxStore`] for both backends, instantiated by `sandbox_store!`: the seed and the
//! profile here, with what every entity's file shares (listing filters, `WithParents`); the
//! entities in `campaigns.rs` (campaigns, ad groups), `targeting.rs` (keywords, product targets)
//! and `reports.rs` (report jobs, invoices), each with its own macro.
//!
//! Every statement names the advertiser. Children are reached through their campaign, so the
//! `program` of the route (Sponsored Products, …) scopes them too.

use super::super::sandbox::*;
use super::*;

mod campaigns;
mod reports;
mod targeting;

/// A child row with the states of the entities above it.
#[derive(FromRow)]
struct WithParents<T> {
    #[sqlx(flatten)]
    row: T,
    campaign_state: EntityState,
    ad_group_state: Option<EntityState>,
}

impl<T> WithParents<T> {
    /// Which of the parents is archived, if any.
    fn archived_parent(&self) -> Option<&'static str> {
        if self.campaign_state == EntityState::Archived {
            Some("campaign")
        } else if self.ad_group_state == Some(EntityState::Archived) {
            Some("ad group")
        } else {
            None
        }
    }
}

const PROFILE_COLUMNS: &str = "id, advertiser_id, country_code, currency_code, timezone, account_name, account_type, marketplace_string_id, created_at";

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
            /// One window of a listing of `R` rows, read as `T`, and the count of all that match:
            /// `filter` is its `FROM … WHERE …` on `$1` advertiser, `$2` program and `$3..$5`
            /// states, `order` its `ORDER BY` list.
            async fn listing<R, T>(
                &self,
                columns: &str,
                filter: &str,
                order: &str,
                advertiser: &AdvertiserId,
                program: Program,
                query: &SandboxQuery,
            ) -> Result<Listing<T>>
            where
                R: for<'r> FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
                T: TryFrom<R>,
                StoreError: From<T::Error>,
            {
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
                let rows: Vec<R> = sqlx::query_as(&format!("SELECT {columns}{filter} ORDER BY {order} LIMIT $6 OFFSET $7"))
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(en)
                    .bind(pa)
                    .bind(ar)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.pool)
                    .await?;
                let items = rows.into_iter().map(T::try_from).collect::<Result<_, _>>()?;
                Ok(Listing { items, total: u64::try_from(total).unwrap_or(0) })
            }
        }

        #[async_trait]
        impl SandboxStore for $store {
            async fn seed_sandbox(&self, advertiser: &AdvertiserId, seed: &SandboxSeed) -> Result<()> {
                let mut tx = self.begin_bookkeeping().await?;
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
                    Self::insert_invoice(&mut *tx, i).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn sandbox_profile(&self, advertiser: &AdvertiserId) -> Result<Option<Profile>> {
                let row: Option<Profile> =
                    sqlx::query_as(&format!("SELECT {PROFILE_COLUMNS} FROM sandbox_profiles WHERE advertiser_id = $1"))
                        .bind(advertiser.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row)
            }
        }
    };
}

sandbox_store!(SqliteStore, sqlx::Sqlite);
sandbox_store!(PgStore, sqlx::Postgres);
