//! [`SandboxCampaignStore`] for both backends, instantiated by `sandbox_campaign_store!`:
//! campaigns and ad groups, and the inserts and locked reads the seed and the children use.

use super::*;

const CAMPAIGN_COLUMNS: &str = "c.id, c.advertiser_id, c.program, c.name, c.state, c.daily_budget_minor, c.start_date, c.end_date, c.targeting_type, c.created_at, c.updated_at";
const AD_GROUP_COLUMNS: &str = "g.id, g.advertiser_id, g.campaign_id, g.name, g.state, g.default_bid_minor, g.created_at, g.updated_at";

macro_rules! sandbox_campaign_store {
    ($store:ident, $db:ty) => {
        impl $store {
            pub(super) async fn insert_campaign(conn: &mut <$db as sqlx::Database>::Connection, c: &Campaign) -> Result<()> {
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

            pub(super) async fn insert_ad_group(conn: &mut <$db as sqlx::Database>::Connection, g: &AdGroup) -> Result<()> {
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
                let row: Option<Campaign> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(id.get())
                    .fetch_optional(&mut *conn)
                    .await?;
                Ok(row)
            }

            pub(super) async fn ad_group_in_tx(
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
                let row: Option<WithParents<AdGroup>> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(program.as_str())
                    .bind(id.get())
                    .fetch_optional(&mut *conn)
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let parent = r.archived_parent();
                        Ok(Some((r.row, parent)))
                    }
                }
            }
        }

        #[async_trait]
        impl SandboxCampaignStore for $store {
            async fn campaigns(&self, advertiser: &AdvertiserId, program: Program, query: &SandboxQuery) -> Result<Listing<Campaign>> {
                let filter = format!(
                    " FROM sandbox_campaigns c WHERE c.advertiser_id = $1 AND c.program = $2 AND {}{}",
                    state_filter("c"),
                    id_filter("c.id", query.campaigns.iter().map(|c| c.get()))
                );
                self.listing::<Campaign, _>(CAMPAIGN_COLUMNS, &filter, "c.name, c.id", advertiser, program, query).await
            }

            async fn campaign(&self, advertiser: &AdvertiserId, program: Program, id: CampaignId) -> Result<Option<Campaign>> {
                let row: Option<Campaign> = sqlx::query_as(&format!(
                    "SELECT {CAMPAIGN_COLUMNS} FROM sandbox_campaigns c WHERE c.advertiser_id = $1 AND c.program = $2 AND c.id = $3"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row)
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
                let mut tx = self.begin_bookkeeping().await?;
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
                let mut tx = self.begin_bookkeeping().await?;
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
                self.listing::<AdGroup, _>(AD_GROUP_COLUMNS, &filter, "g.name, g.id", advertiser, program, query).await
            }

            async fn ad_group(&self, advertiser: &AdvertiserId, program: Program, id: AdGroupId) -> Result<Option<AdGroup>> {
                let row: Option<AdGroup> = sqlx::query_as(&format!(
                    "SELECT {AD_GROUP_COLUMNS} FROM sandbox_ad_groups g \
                     JOIN sandbox_campaigns c ON c.advertiser_id = g.advertiser_id AND c.id = g.campaign_id \
                     WHERE g.advertiser_id = $1 AND c.program = $2 AND g.id = $3"
                ))
                .bind(advertiser.as_str())
                .bind(program.as_str())
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row)
            }

            async fn create_ad_group(&self, advertiser: &AdvertiserId, program: Program, new: NewAdGroup) -> Result<Written<AdGroup>> {
                let mut tx = self.begin_bookkeeping().await?;
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
                let mut tx = self.begin_bookkeeping().await?;
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
        }
    };
}

sandbox_campaign_store!(SqliteStore, sqlx::Sqlite);
sandbox_campaign_store!(PgStore, sqlx::Postgres);
