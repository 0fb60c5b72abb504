//! [`SandboxTargetingStore`] for both backends, instantiated by `sandbox_targeting_store!`:
//! keywords and product targets (each under an ad group), and their inserts.

use super::*;

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

const KEYWORD_COLUMNS: &str = "k.id, k.advertiser_id, k.campaign_id, k.ad_group_id, k.keyword_text, k.match_type, k.state, k.bid_minor, k.created_at, k.updated_at";
const TARGET_COLUMNS: &str = "k.id, k.advertiser_id, k.campaign_id, k.ad_group_id, k.expression_type, k.expression_value, k.state, k.bid_minor, k.created_at, k.updated_at";

/// What keywords and product targets share in the database: a [`Bidded`] row under an ad group,
/// read with its parents' states.
trait BidChild: Bidded + Send + Sync + 'static {
    type Row: Send + Unpin;
    /// The table, aliased `k` in every statement.
    const TABLE: &'static str;
    const COLUMNS: &'static str;
    /// How a refused write names it ("keyword").
    const NAME: &'static str;
    fn from_row(row: Self::Row) -> Result<Self>;
}

impl BidChild for Keyword {
    type Row = Keyword;
    const TABLE: &'static str = "sandbox_keywords";
    const COLUMNS: &'static str = KEYWORD_COLUMNS;
    const NAME: &'static str = "keyword";
    fn from_row(row: Keyword) -> Result<Self> {
        Ok(row)
    }
}

impl BidChild for Target {
    type Row = TargetRow;
    const TABLE: &'static str = "sandbox_targets";
    const COLUMNS: &'static str = TARGET_COLUMNS;
    const NAME: &'static str = "target";
    fn from_row(row: TargetRow) -> Result<Self> {
        Target::try_from(row)
    }
}

macro_rules! sandbox_targeting_store {
    ($store:ident, $db:ty) => {
        impl $store {
            pub(super) async fn insert_keyword(conn: &mut <$db as sqlx::Database>::Connection, k: &Keyword) -> Result<()> {
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

            pub(super) async fn insert_target(conn: &mut <$db as sqlx::Database>::Connection, t: &Target) -> Result<()> {
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

            /// One keyword or target of the account, in the route's program.
            async fn bid_child<T: BidChild>(&self, advertiser: &AdvertiserId, program: Program, id: i64) -> Result<Option<T>>
            where
                T::Row: for<'r> FromRow<'r, <$db as sqlx::Database>::Row>,
            {
                let row: Option<T::Row> = sqlx::query_as(&format!(
                    "SELECT {} FROM {} k \
                     JOIN sandbox_campaigns c ON c.advertiser_id = k.advertiser_id AND c.id = k.campaign_id \
                     WHERE k.advertiser_id = $1 AND c.program = $2 AND k.id = $3",
                    T::COLUMNS,
                    T::TABLE
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(T::from_row).transpose()
            }

            /// The ad group a new keyword or target goes under, locked for the insert: `Err`
            /// names what is archived (the group or its campaign).
            async fn open_group_in_tx(
                tx: &mut WriteTx<Self>,
                advertiser: &AdvertiserId,
                program: Program,
                id: AdGroupId,
            ) -> Result<std::result::Result<AdGroup, &'static str>> {
                let Some((group, archived_parent)) = Self::ad_group_in_tx(tx.conn(), advertiser, program, id).await? else {
                    return Err(StoreError::NotFound);
                };
                if let Some(parent) = archived_parent {
                    return Ok(Err(parent));
                }
                if group.state == EntityState::Archived {
                    return Ok(Err("ad group"));
                }
                Ok(Ok(group))
            }

            /// Applies `patch` to a keyword or target if `check` holds for it as it stands
            /// (locked); `None` when `check` refused.
            async fn update_bid_child_if<T: BidChild>(
                &self,
                advertiser: &AdvertiserId,
                program: Program,
                id: i64,
                patch: &BidPatch,
                now: DateTime<Utc>,
                check: Check<'_, T>,
            ) -> Result<Option<Written<T>>>
            where
                T::Row: for<'r> FromRow<'r, <$db as sqlx::Database>::Row>,
            {
                let mut tx = self.begin_bookkeeping().await?;
                let sql = format!(
                    "SELECT {}, c.state AS campaign_state, g.state AS ad_group_state FROM {} k \
                     JOIN sandbox_campaigns c ON c.advertiser_id = k.advertiser_id AND c.id = k.campaign_id \
                     JOIN sandbox_ad_groups g ON g.advertiser_id = k.advertiser_id AND g.id = k.ad_group_id \
                     WHERE k.advertiser_id = $1 AND c.program = $2 AND k.id = $3{}",
                    T::COLUMNS,
                    T::TABLE,
                    Self::FOR_UPDATE
                );
                let row: Option<WithParents<T::Row>> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = row else {
                    return Err(StoreError::NotFound);
                };
                if let Some(parent) = row.archived_parent() {
                    return Ok(Some(Written::Archived(parent)));
                }
                let before = T::from_row(row.row)?;
                if before.state() == EntityState::Archived {
                    return Ok(Some(Written::Archived(T::NAME)));
                }
                if !check(&before) {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let after = before.patched(patch, now);
                sqlx::query(&format!("UPDATE {} SET state = $1, bid_minor = $2, updated_at = $3 WHERE advertiser_id = $4 AND id = $5", T::TABLE))
                    .bind(after.state().as_str())
                    .bind(after.bid_minor())
                    .bind(now)
                    .bind(advertiser.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(Written::Done(after)))
            }
        }

        #[async_trait]
        impl SandboxTargetingStore for $store {
            async fn keywords(&self, advertiser: &AdvertiserId, program: Program, query: &SandboxQuery) -> Result<Listing<Keyword>> {
                let filter = child_where("sandbox_keywords", "k", query);
                self.listing::<Keyword, _>(KEYWORD_COLUMNS, &filter, "k.keyword_text, k.match_type, k.id", advertiser, program, query).await
            }

            async fn keyword(&self, advertiser: &AdvertiserId, program: Program, id: KeywordId) -> Result<Option<Keyword>> {
                self.bid_child(advertiser, program, id.get()).await
            }

            async fn create_keyword(&self, advertiser: &AdvertiserId, program: Program, new: NewKeyword) -> Result<Written<Keyword>> {
                let mut tx = self.begin_bookkeeping().await?;
                let group = match Self::open_group_in_tx(&mut tx, advertiser, program, new.ad_group_id).await? {
                    Ok(group) => group,
                    Err(archived) => return Ok(Written::Archived(archived)),
                };
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
                self.update_bid_child_if(advertiser, program, id.get(), patch, now, check).await
            }

            async fn targets(&self, advertiser: &AdvertiserId, program: Program, query: &SandboxQuery) -> Result<Listing<Target>> {
                let filter = child_where("sandbox_targets", "k", query);
                self.listing::<TargetRow, _>(TARGET_COLUMNS, &filter, "k.id", advertiser, program, query).await
            }

            async fn target(&self, advertiser: &AdvertiserId, program: Program, id: TargetId) -> Result<Option<Target>> {
                self.bid_child(advertiser, program, id.get()).await
            }

            async fn create_target(&self, advertiser: &AdvertiserId, program: Program, new: NewTarget) -> Result<Written<Target>> {
                let mut tx = self.begin_bookkeeping().await?;
                let group = match Self::open_group_in_tx(&mut tx, advertiser, program, new.ad_group_id).await? {
                    Ok(group) => group,
                    Err(archived) => return Ok(Written::Archived(archived)),
                };
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
                self.update_bid_child_if(advertiser, program, id.get(), patch, now, check).await
            }
        }
    };
}

sandbox_targeting_store!(SqliteStore, sqlx::Sqlite);
sandbox_targeting_store!(PgStore, sqlx::Postgres);
