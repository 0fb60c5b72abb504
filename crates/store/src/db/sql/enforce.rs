//! [`EnforcementStore`] for both backends, instantiated by `enforce_store!` like `sql_store!`.

use super::super::enforce::*;
use super::*;

const LEDGER_COLUMNS: &str = "id, advertiser_id, grant_id, agent_id, action, resource, amount_minor, status, created_at, expires_at, settled_at";

const BREAKER_COLUMNS: &str = "grant_id, advertiser_id, agent_id, state, reason, changed_at, trips, \
                               requests_per_minute, denials_per_minute, spend_per_hour_minor, cooldown_seconds";

#[derive(FromRow)]
struct BreakerAlertRow {
    #[sqlx(flatten)]
    breaker: BreakerRecord,
    agent_name: Option<String>,
}

#[derive(FromRow)]
struct WebhookRow {
    advertiser_id: String,
    url: String,
    secret: String,
    created_at: DateTime<Utc>,
}

fn limits_json(l: &SpendLimits) -> serde_json::Value {
    json!({ "daily_minor": l.daily_minor, "monthly_minor": l.monthly_minor, "lifetime_minor": l.lifetime_minor })
}

fn breaker_json(b: &BreakerRecord) -> serde_json::Value {
    json!({ "state": b.state.as_str(), "trips": b.trips, "reason": b.reason, "config": b.config, "changed_at": b.changed_at.to_rfc3339() })
}

/// The six sums of [`USAGE_SQL`], day (`$2`), month (`$3`) and lifetime, each in two halves.
macro_rules! usage_sums {
    () => {
        "CAST(COALESCE(SUM(CASE WHEN created_at >= $2 THEN amount_minor / 4294967296 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN created_at >= $2 THEN amount_minor % 4294967296 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN created_at >= $3 THEN amount_minor / 4294967296 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN created_at >= $3 THEN amount_minor % 4294967296 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(amount_minor / 4294967296), 0) AS BIGINT), \
         CAST(COALESCE(SUM(amount_minor % 4294967296), 0) AS BIGINT)"
    };
}

/// The ledger rows that count: committed, or reserved and not expired at `$4`.
macro_rules! live_spend {
    () => {
        "(status = 'committed' OR (status = 'reserved' AND expires_at > $4))"
    };
}

/// Held or spent in each window: committed rows, plus reserved rows that have not expired.
///
/// Each window's sum is read in two halves, `amount / 2^32` and `amount % 2^32`: neither sum can
/// overflow a 64-bit integer on either backend (SQLite's `SUM` raises an error on overflow,
/// PostgreSQL's `CAST(… AS BIGINT)` too), whatever amounts are stored; [`join_halves`] puts them
/// together exactly and saturates at `i64::MAX` (or `i64::MIN`).
const USAGE_SQL: &str = concat!(
    "SELECT ",
    usage_sums!(),
    " FROM spend_ledger WHERE grant_id = $1 AND ",
    live_spend!()
);

/// [`USAGE_SQL`] for every grant of an account (`$1`) in a list (`$5`, `$6`, …), by grant.
fn usage_overview_sql(grants: usize) -> String {
    format!(
        concat!(
            "SELECT grant_id, ",
            usage_sums!(),
            " FROM spend_ledger WHERE advertiser_id = $1 AND ",
            live_spend!(),
            " AND grant_id IN ({}) GROUP BY grant_id"
        ),
        placeholders(5, grants)
    )
}

/// `high × 2^32 + low`, saturated to the `i64` range.
fn join_halves(high: i64, low: i64) -> i64 {
    let exact = i128::from(high) * (1i128 << 32) + i128::from(low);
    i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
}

macro_rules! enforce_store {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The grant's advertiser and agent, if the grant is on `advertiser` (any when `None`).
            async fn grant_owner(
                conn: &mut <$db as sqlx::Database>::Connection,
                grant: &GrantId,
            ) -> Result<(String, String)> {
                let row: Option<(String, String)> =
                    sqlx::query_as("SELECT advertiser_id, agent_id FROM grants WHERE id = $1")
                        .bind(grant.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                row.ok_or(StoreError::NotFound)
            }

            async fn usage_on(
                conn: &mut <$db as sqlx::Database>::Connection,
                grant: &GrantId,
                now: DateTime<Utc>,
            ) -> Result<SpendUsage> {
                let (day, month) = window_starts(now);
                let (dh, dl, mh, ml, lh, ll): (i64, i64, i64, i64, i64, i64) = sqlx::query_as(USAGE_SQL)
                    .bind(grant.as_str())
                    .bind(day)
                    .bind(month)
                    .bind(now)
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(SpendUsage {
                    day_minor: join_halves(dh, dl),
                    month_minor: join_halves(mh, ml),
                    lifetime_minor: join_halves(lh, ll),
                })
            }

            async fn breaker_on(
                conn: &mut <$db as sqlx::Database>::Connection,
                grant: &GrantId,
                lock: bool,
            ) -> Result<BreakerRecord> {
                let sql = format!(
                    "SELECT {BREAKER_COLUMNS} FROM breakers WHERE grant_id = $1{}",
                    if lock { Self::FOR_UPDATE } else { "" }
                );
                let row: Option<BreakerRecord> = sqlx::query_as(&sql)
                    .bind(grant.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
                match row {
                    Some(r) => Ok(r),
                    None => {
                        let (adv, agent) = Self::grant_owner(&mut *conn, grant).await?;
                        Ok(BreakerRecord {
                            grant_id: grant.clone(),
                            advertiser_id: AdvertiserId::parse(&adv).map_err(corrupt)?,
                            agent_id: AgentId::parse(&agent).map_err(corrupt)?,
                            state: BreakerState::Closed,
                            reason: None,
                            changed_at: DateTime::<Utc>::UNIX_EPOCH,
                            trips: 0,
                            config: BreakerConfig::default(),
                        })
                    }
                }
            }

            async fn save_breaker(
                conn: &mut <$db as sqlx::Database>::Connection,
                b: &BreakerRecord,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO breakers (grant_id, advertiser_id, agent_id, state, reason, changed_at, trips, \
                     requests_per_minute, denials_per_minute, spend_per_hour_minor, cooldown_seconds) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (grant_id) DO UPDATE SET state = $4, reason = $5, changed_at = $6, trips = $7, \
                     requests_per_minute = $8, denials_per_minute = $9, spend_per_hour_minor = $10, cooldown_seconds = $11",
                )
                .bind(b.grant_id.as_str())
                .bind(b.advertiser_id.as_str())
                .bind(b.agent_id.as_str())
                .bind(b.state.as_str())
                .bind(&b.reason)
                .bind(b.changed_at)
                .bind(b.trips)
                .bind(b.config.requests_per_minute)
                .bind(b.config.denials_per_minute)
                .bind(b.config.spend_per_hour_minor)
                .bind(b.config.cooldown_seconds)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl EnforcementStore for $store {
            async fn action_usage(&self, advertiser: &AdvertiserId, since: DateTime<Utc>) -> Result<Vec<ActionUsage>> {
                let rows: Vec<(String, String, i64, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT agent_id, catalog_action, CAST(COUNT(*) AS BIGINT), MAX(created_at) FROM audit_events \
                     WHERE advertiser_id = $1 AND decision = 'allow' AND created_at >= $2 \
                     AND agent_id IS NOT NULL AND catalog_action IS NOT NULL \
                     GROUP BY agent_id, catalog_action",
                )
                .bind(advertiser.as_str())
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(agent, action, allowed, last_at)| {
                        Ok(ActionUsage { agent_id: AgentId::parse(&agent).map_err(corrupt)?, action, allowed, last_at })
                    })
                    .collect()
            }

            async fn last_decisions(&self, advertiser: &AdvertiserId) -> Result<Vec<(AgentId, DateTime<Utc>)>> {
                let rows: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT agent_id, MAX(created_at) FROM audit_events \
                     WHERE advertiser_id = $1 AND decision IS NOT NULL AND agent_id IS NOT NULL GROUP BY agent_id",
                )
                .bind(advertiser.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(agent, at)| Ok((AgentId::parse(&agent).map_err(corrupt)?, at)))
                    .collect()
            }

            async fn spend_limits(&self, advertiser: &AdvertiserId, grant: &GrantId) -> Result<SpendLimits> {
                let mut conn = self.pool.acquire().await?;
                let (adv, _) = Self::grant_owner(&mut conn, grant).await?;
                if adv != advertiser.as_str() {
                    return Err(StoreError::NotFound);
                }
                let row: Option<SpendLimits> = sqlx::query_as(
                    "SELECT daily_minor, monthly_minor, lifetime_minor FROM spend_limits WHERE grant_id = $1",
                )
                .bind(grant.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                Ok(row.unwrap_or_default())
            }

            async fn set_spend_limits(&self, actor: &Actor, advertiser: &AdvertiserId, grant: &GrantId, limits: SpendLimits) -> Result<SpendLimits> {
                limits.check()?;
                let mut tx = self.begin_write().await?;
                let (adv, agent) = Self::grant_owner(&mut tx, grant).await?;
                if adv != advertiser.as_str() {
                    return Err(StoreError::NotFound);
                }
                let sql = format!("SELECT daily_minor, monthly_minor, lifetime_minor FROM spend_limits WHERE grant_id = $1{}", Self::FOR_UPDATE);
                let before: Option<SpendLimits> = sqlx::query_as(&sql).bind(grant.as_str()).fetch_optional(&mut *tx).await?;
                let before = before.unwrap_or_default();
                sqlx::query(
                    "INSERT INTO spend_limits (grant_id, advertiser_id, daily_minor, monthly_minor, lifetime_minor, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (grant_id) DO UPDATE SET \
                     daily_minor = $3, monthly_minor = $4, lifetime_minor = $5, updated_at = $6",
                )
                .bind(grant.as_str())
                .bind(advertiser.as_str())
                .bind(limits.daily_minor)
                .bind(limits.monthly_minor)
                .bind(limits.lifetime_minor)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "spend_limits.set",
                    target_kind: "grant",
                    target_id: grant.to_string(),
                    before: Some(limits_json(&before)),
                    after: Some(json!({ "agent_id": agent, "limits": limits_json(&limits) })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(limits)
            }

            async fn reserve_spend(&self, new: NewReservation, now: DateTime<Utc>) -> Result<ReserveOutcome> {
                if new.amount_minor <= 0 || new.amount_minor > MAX_AMOUNT_MINOR {
                    return Err(StoreError::Invalid(ParseError::Invalid { what: "amount", value: new.amount_minor.to_string() }));
                }
                let mut tx = self.begin_bookkeeping().await?;
                // Make sure the grant's limits row exists, then hold it for the rest of the
                // transaction: every reservation of this grant queues here.
                sqlx::query(
                    "INSERT INTO spend_limits (grant_id, advertiser_id, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (grant_id) DO NOTHING",
                )
                .bind(new.grant_id.as_str())
                .bind(new.advertiser_id.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let sql = format!(
                    "SELECT daily_minor, monthly_minor, lifetime_minor FROM spend_limits WHERE grant_id = $1 AND advertiser_id = $2{}",
                    Self::FOR_UPDATE
                );
                let limits: Option<SpendLimits> = sqlx::query_as(&sql)
                    .bind(new.grant_id.as_str())
                    .bind(new.advertiser_id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(limits) = limits else {
                    return Err(StoreError::NotFound);
                };
                let used = Self::usage_on(&mut tx, &new.grant_id, now).await?;
                for (window, cap) in [
                    (SpendWindow::Daily, limits.daily_minor),
                    (SpendWindow::Monthly, limits.monthly_minor),
                    (SpendWindow::Lifetime, limits.lifetime_minor),
                ] {
                    if let Some(cap) = cap {
                        let u = used.in_window(window);
                        if u.saturating_add(new.amount_minor) > cap {
                            tx.rollback().await?;
                            return Ok(ReserveOutcome::Exceeded {
                                window,
                                limit_minor: cap,
                                used_minor: u,
                                requested_minor: new.amount_minor,
                            });
                        }
                    }
                }
                let entry = LedgerEntry {
                    id: ReservationId::generate(),
                    advertiser_id: new.advertiser_id,
                    grant_id: new.grant_id,
                    agent_id: new.agent_id,
                    action: new.action,
                    resource: new.resource,
                    amount_minor: new.amount_minor,
                    status: ReservationStatus::Reserved,
                    created_at: now,
                    expires_at: now + RESERVATION_TTL,
                    settled_at: None,
                };
                sqlx::query(&format!("INSERT INTO spend_ledger ({LEDGER_COLUMNS}, token_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
                    .bind(entry.id.as_str())
                    .bind(entry.advertiser_id.as_str())
                    .bind(entry.grant_id.as_str())
                    .bind(entry.agent_id.as_str())
                    .bind(&entry.action)
                    .bind(&entry.resource)
                    .bind(entry.amount_minor)
                    .bind(entry.status.as_str())
                    .bind(entry.created_at)
                    .bind(entry.expires_at)
                    .bind(entry.settled_at)
                    .bind(new.token_id.as_ref().map(|t| t.as_str()))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(ReserveOutcome::Reserved(entry))
            }

            async fn settle_reservation(&self, grant: &GrantId, token: Option<&TokenId>, id: &ReservationId, commit: bool, now: DateTime<Utc>) -> Result<LedgerEntry> {
                let mut tx = self.begin_bookkeeping().await?;
                let by_token = if token.is_some() { " AND token_id = $3" } else { "" };
                let sql = format!("SELECT {LEDGER_COLUMNS} FROM spend_ledger WHERE id = $1 AND grant_id = $2{by_token}{}", Self::FOR_UPDATE);
                let mut query = sqlx::query_as::<_, LedgerEntry>(&sql)
                    .bind(id.as_str())
                    .bind(grant.as_str());
                if let Some(t) = token {
                    query = query.bind(t.as_str());
                }
                let row: Option<LedgerEntry> = query
                    .fetch_optional(&mut *tx)
                    .await?;
                let mut entry = row.ok_or(StoreError::NotFound)?;
                if entry.status != ReservationStatus::Reserved {
                    return Err(StoreError::Conflict("a settlement of this reservation"));
                }
                if entry.expires_at <= now {
                    return Err(StoreError::Conflict("an expiry of this reservation"));
                }
                entry.status = if commit { ReservationStatus::Committed } else { ReservationStatus::Released };
                entry.settled_at = Some(now);
                sqlx::query("UPDATE spend_ledger SET status = $1, settled_at = $2 WHERE id = $3")
                    .bind(entry.status.as_str())
                    .bind(now)
                    .bind(entry.id.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(entry)
            }

            async fn spend_usage(&self, grant: &GrantId, now: DateTime<Utc>) -> Result<SpendUsage> {
                let mut conn = self.pool.acquire().await?;
                Self::usage_on(&mut conn, grant, now).await
            }

            async fn spend_overview(
                &self,
                advertiser: &AdvertiserId,
                grants: &[GrantId],
                now: DateTime<Utc>,
            ) -> Result<std::collections::HashMap<GrantId, (SpendLimits, SpendUsage)>> {
                use std::collections::HashMap;
                let mut out = HashMap::new();
                // Bounded: a page of the Agents list; longer lists are read in chunks.
                for chunk in grants.chunks(200) {
                    // The grants on the account, each with its caps (none stored: no caps).
                    let sql = format!(
                        "SELECT g.id, l.daily_minor, l.monthly_minor, l.lifetime_minor FROM grants g \
                         LEFT JOIN spend_limits l ON l.grant_id = g.id WHERE g.advertiser_id = $1 AND g.id IN ({})",
                        placeholders(2, chunk.len())
                    );
                    let mut q = sqlx::query_as::<_, (String, Option<i64>, Option<i64>, Option<i64>)>(&sql).bind(advertiser.as_str());
                    for g in chunk {
                        q = q.bind(g.as_str());
                    }
                    let limits = q.fetch_all(&self.pool).await?;
                    let (day, month) = window_starts(now);
                    let sql = usage_overview_sql(chunk.len());
                    let mut q = sqlx::query_as::<_, (String, i64, i64, i64, i64, i64, i64)>(&sql)
                        .bind(advertiser.as_str())
                        .bind(day)
                        .bind(month)
                        .bind(now);
                    for g in chunk {
                        q = q.bind(g.as_str());
                    }
                    let mut usage: HashMap<String, SpendUsage> = HashMap::new();
                    for (grant, dh, dl, mh, ml, lh, ll) in q.fetch_all(&self.pool).await? {
                        let u = SpendUsage {
                            day_minor: join_halves(dh, dl),
                            month_minor: join_halves(mh, ml),
                            lifetime_minor: join_halves(lh, ll),
                        };
                        usage.insert(grant, u);
                    }
                    for (id, daily_minor, monthly_minor, lifetime_minor) in limits {
                        let l = SpendLimits { daily_minor, monthly_minor, lifetime_minor };
                        let u = usage.remove(&id).unwrap_or_default();
                        out.insert(GrantId::parse(&id).map_err(corrupt)?, (l, u));
                    }
                }
                Ok(out)
            }

            async fn spend_series(&self, advertiser: &AdvertiserId, grant: &GrantId, since: DateTime<Utc>) -> Result<Vec<SpendPoint>> {
                let rows: Vec<(DateTime<Utc>, i64)> = sqlx::query_as(
                    "SELECT created_at, amount_minor FROM spend_ledger \
                     WHERE advertiser_id = $1 AND grant_id = $2 AND status = 'committed' AND created_at >= $3 \
                     ORDER BY created_at",
                )
                .bind(advertiser.as_str())
                .bind(grant.as_str())
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                let mut out: Vec<SpendPoint> = Vec::new();
                for (at, amount) in rows {
                    let day = at.date_naive();
                    match out.last_mut() {
                        Some(p) if p.day == day => p.committed_minor = p.committed_minor.saturating_add(amount),
                        _ => out.push(SpendPoint { day, committed_minor: amount }),
                    }
                }
                Ok(out)
            }

            async fn ledger(&self, advertiser: &AdvertiserId, grant: &GrantId, limit: i64) -> Result<Vec<LedgerEntry>> {
                let rows: Vec<LedgerEntry> = sqlx::query_as(&format!(
                    "SELECT {LEDGER_COLUMNS} FROM spend_ledger WHERE advertiser_id = $1 AND grant_id = $2 \
                     ORDER BY created_at DESC, id DESC LIMIT $3"
                ))
                .bind(advertiser.as_str())
                .bind(grant.as_str())
                .bind(limit.clamp(1, 1000))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn breaker(&self, grant: &GrantId) -> Result<BreakerRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::breaker_on(&mut conn, grant, false).await
            }

            async fn breakers(&self, advertiser: &AdvertiserId) -> Result<Vec<BreakerRecord>> {
                let rows: Vec<BreakerRecord> = sqlx::query_as(&format!(
                    "SELECT {BREAKER_COLUMNS} FROM breakers WHERE advertiser_id = $1 ORDER BY changed_at DESC"
                ))
                .bind(advertiser.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn breaker_alerts(&self, advertiser: &AdvertiserId) -> Result<Vec<(BreakerRecord, String)>> {
                let rows: Vec<BreakerAlertRow> = sqlx::query_as(&format!(
                    "SELECT {BREAKER_COLUMNS}, (SELECT name FROM agents WHERE agents.id = breakers.agent_id) AS agent_name \
                     FROM breakers WHERE advertiser_id = $1 AND state <> $2 ORDER BY changed_at DESC"
                ))
                .bind(advertiser.as_str())
                .bind(BreakerState::Closed.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|r| {
                        let b = r.breaker;
                        let name = r.agent_name.unwrap_or_else(|| b.agent_id.to_string());
                        Ok((b, name))
                    })
                    .collect()
            }

            async fn transition_breaker(&self, actor: &Actor, grant: &GrantId, from: BreakerState, to: BreakerState, reason: &str, now: DateTime<Utc>) -> Result<Option<BreakerRecord>> {
                let mut tx = self.begin_write().await?;
                let before = Self::breaker_on(&mut tx, grant, true).await?;
                if before.state != from {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let mut after = before.clone();
                after.state = to;
                after.reason = Some(reason.chars().take(500).collect());
                after.changed_at = now;
                // A trip is a move into OPEN or TERMINATED (the third trip terminates).
                let tripped = |s: BreakerState| matches!(s, BreakerState::Open | BreakerState::Terminated);
                if tripped(to) && !tripped(from) {
                    after.trips += 1;
                }
                if to == BreakerState::Closed && matches!(from, BreakerState::Open | BreakerState::Terminated) {
                    // Straight back to closed is only ever a manual reset.
                    after.trips = 0;
                }
                Self::save_breaker(&mut tx, &after).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(after.advertiser_id.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "breaker.transition",
                    target_kind: "grant",
                    target_id: grant.to_string(),
                    before: Some(breaker_json(&before)),
                    after: Some(json!({ "agent_id": after.agent_id.as_str(), "breaker": breaker_json(&after) })),
                    reason: after.reason.clone(),
                })
                .await?;
                tx.commit().await?;
                Ok(Some(after))
            }

            async fn set_breaker_config(&self, actor: &Actor, advertiser: &AdvertiserId, grant: &GrantId, config: BreakerConfig) -> Result<BreakerRecord> {
                for (what, v) in [
                    ("requests per minute", config.requests_per_minute),
                    ("denials per minute", config.denials_per_minute),
                    ("spend per hour", config.spend_per_hour_minor),
                    ("cooldown seconds", config.cooldown_seconds),
                ] {
                    if v.is_some_and(|v| v <= 0) {
                        return Err(StoreError::Invalid(ParseError::Invalid { what: "breaker threshold", value: format!("{what} {}", v.unwrap_or(0)) }));
                    }
                }
                let mut tx = self.begin_write().await?;
                let before = Self::breaker_on(&mut tx, grant, true).await?;
                if before.advertiser_id != *advertiser {
                    return Err(StoreError::NotFound);
                }
                let mut after = before.clone();
                after.config = config;
                if before.changed_at == DateTime::<Utc>::UNIX_EPOCH {
                    after.changed_at = Utc::now();
                }
                Self::save_breaker(&mut tx, &after).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "breaker.configured",
                    target_kind: "grant",
                    target_id: grant.to_string(),
                    before: Some(json!(before.config)),
                    after: Some(json!({ "agent_id": after.agent_id.as_str(), "config": after.config })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn webhook(&self, advertiser: &AdvertiserId) -> Result<Option<Webhook>> {
                let row: Option<WebhookRow> = sqlx::query_as("SELECT advertiser_id, url, secret, created_at FROM webhooks WHERE advertiser_id = $1")
                    .bind(advertiser.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Ok(Webhook {
                    advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
                    url: r.url,
                    secret: r.secret,
                    created_at: r.created_at,
                }))
                .transpose()
            }

            async fn set_webhook(&self, actor: &Actor, advertiser: &AdvertiserId, webhook: Option<(String, String)>) -> Result<Option<Webhook>> {
                let mut tx = self.begin_write().await?;
                let before: Option<(String,)> = sqlx::query_as("SELECT url FROM webhooks WHERE advertiser_id = $1")
                    .bind(advertiser.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM webhooks WHERE advertiser_id = $1").bind(advertiser.as_str()).execute(&mut *tx).await?;
                let out = match webhook {
                    Some((url, secret)) => {
                        let w = Webhook { advertiser_id: advertiser.clone(), url, secret, created_at: Utc::now() };
                        sqlx::query("INSERT INTO webhooks (advertiser_id, url, secret, created_at) VALUES ($1, $2, $3, $4)")
                            .bind(w.advertiser_id.as_str())
                            .bind(&w.url)
                            .bind(&w.secret)
                            .bind(w.created_at)
                            .execute(&mut *tx)
                            .await?;
                        Some(w)
                    }
                    None => None,
                };
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: if out.is_some() { "webhook.set" } else { "webhook.removed" },
                    target_kind: "advertiser",
                    target_id: advertiser.to_string(),
                    before: before.map(|(url,)| json!({ "url": url })),
                    after: out.as_ref().map(|w| json!({ "url": w.url })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(out)
            }
        }
    };
}

enforce_store!(SqliteStore, sqlx::Sqlite);
enforce_store!(PgStore, sqlx::Postgres);
