//! [`GrantStore`] for both backends, instantiated by `grant_store!`: creating grants, the
//! Agents page (its list, counts and partner filter), an agent's detail, and revoking one grant,
//! a partner's or all of them. Also the grant helpers other areas use inside their transactions
//! (`grant_in_tx`, `insert_grant_version`).

use super::super::grants::*;
use super::*;
use crate::revocation::{Change, GrantState};

#[derive(FromRow)]
struct AgentGrantDbRow {
    grant_id: String,
    status: String,
    purpose: String,
    granted_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    agent_id: String,
    agent_name: String,
    party: String,
    application_name: String,
    partner_id: String,
    partner_name: String,
    total: i64,
}

impl TryFrom<AgentGrantDbRow> for AgentGrantRow {
    type Error = StoreError;
    fn try_from(r: AgentGrantDbRow) -> Result<Self> {
        Ok(AgentGrantRow {
            grant_id: GrantId::parse(&r.grant_id).map_err(corrupt)?,
            status: GrantStatus::parse(&r.status).map_err(corrupt)?,
            purpose: Purpose::parse(&r.purpose).map_err(corrupt)?,
            granted_at: r.granted_at,
            expires_at: r.expires_at,
            agent_id: AgentId::parse(&r.agent_id).map_err(corrupt)?,
            agent_name: r.agent_name,
            party: Party::parse(&r.party).map_err(corrupt)?,
            application_name: r.application_name,
            partner_id: PartnerId::parse(&r.partner_id).map_err(corrupt)?,
            partner_name: r.partner_name,
        })
    }
}

fn grant_json(g: &Grant) -> serde_json::Value {
    json!({
        "status": g.status.as_str(),
        "purpose": g.purpose.as_str(),
        "expires_at": g.expires_at,
        "revoked_at": g.revoked_at,
    })
}

/// The partner-side events of an agent an advertiser sees in its history: its registration
/// and its being disabled or enabled. Its credentials (secrets, keys: ids, hints, key ids) are
/// the partner's business and stay on the partner's side.
const AGENT_LIFECYCLE: &str = "('agent.registered', 'agent.disabled', 'agent.enabled')";

/// The joins and filters of the Agents page; `$1` advertiser, `$2` raw search, `$3` LIKE
/// pattern, `$4` partner id or '', `$5` status filter or '', `$6` now (for expiry).
macro_rules! agent_grants_from {
    () => {
        r#" FROM grants g
            JOIN agents a ON a.id = g.agent_id
            JOIN applications ap ON ap.id = a.application_id
            JOIN partners p ON p.id = ap.partner_id
            WHERE g.advertiser_id = $1
              AND ($2 = '' OR a.id = $2
                   OR lower(a.name) LIKE $3 ESCAPE '\'
                   OR lower(ap.name) LIKE $3 ESCAPE '\'
                   OR lower(p.name) LIKE $3 ESCAPE '\')
              AND ($4 = '' OR p.id = $4)
              AND ($5 = ''
                   OR ($5 = 'active' AND g.status = 'active' AND (g.expires_at IS NULL OR g.expires_at > $6))
                   OR ($5 = 'expired' AND g.status = 'active' AND g.expires_at <= $6)
                   OR ($5 IN ('suspended', 'revoked') AND g.status = $5))"#
    };
}

/// Binds `$1`..`$6` of [`agent_grants_from!`] from a tuple
/// `(advertiser, search, pattern, partner, status, now)`.
macro_rules! bind_agent_filters {
    ($query:expr, $f:expr) => {
        $query
            .bind($f.0)
            .bind($f.1)
            .bind($f.2)
            .bind($f.3)
            .bind($f.4)
            .bind($f.5)
    };
}

macro_rules! grant_store {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The rows `select` (up to its `FROM table`) reads whose `id` is one of `ids`.
            async fn rows_with_ids<R, T>(
                conn: &mut <$db as sqlx::Database>::Connection,
                select: &str,
                ids: &[&str],
            ) -> Result<Vec<T>>
            where
                R: for<'r> FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
                T: TryFrom<R>,
                StoreError: From<T::Error>,
            {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!("{select} WHERE id IN ({})", placeholders(1, ids.len()));
                let mut q = sqlx::query_as::<$db, R>(&sql);
                for id in ids {
                    q = q.bind(*id);
                }
                let rows = q.fetch_all(&mut *conn).await?;
                Ok(rows.into_iter().map(T::try_from).collect::<Result<_, _>>()?)
            }

            pub(super) async fn grant_in_tx(
                conn: &mut <$db as sqlx::Database>::Connection,
                advertiser: &AdvertiserId,
                agent: &AgentId,
            ) -> Result<Option<Grant>> {
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE advertiser_id = $1 AND agent_id = $2{}", Self::FOR_UPDATE);
                let row: Option<Grant> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(agent.as_str()).fetch_optional(&mut *conn).await?;
                Ok(row)
            }

            /// Keeps a copy of `grant` as its version `grant.version`.
            pub(super) async fn insert_grant_version(
                conn: &mut <$db as sqlx::Database>::Connection,
                grant: &Grant,
                created_by: &str,
                note: Option<&str>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO grant_versions (grant_id, version, purpose, policy, not_before, expires_at, created_at, created_by, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(grant.id.as_str())
                .bind(i32::try_from(grant.version).unwrap_or(i32::MAX))
                .bind(grant.purpose.as_str())
                .bind(&grant.policy)
                .bind(grant.not_before)
                .bind(grant.expires_at)
                .bind(grant.updated_at)
                .bind(created_by)
                .bind(note)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// The one body of `update_grant` and `update_grant_from`: the next version of the
            /// agent's grant, refused when revoked or (with `base`) when no longer version `base`.
            pub(super) async fn write_grant_version(&self, actor: &Actor, advertiser: &AdvertiserId, agent: &AgentId, base: Option<u32>, change: GrantChange) -> Result<Grant> {
                let mut tx = self.begin_write().await?;
                let Some(before) = Self::grant_in_tx(&mut *tx, advertiser, agent).await? else {
                    return Err(StoreError::NotFound);
                };
                if before.status == GrantStatus::Revoked {
                    return Err(StoreError::Revoked);
                }
                if let Some(base) = base.filter(|b| *b != before.version) {
                    return Err(StoreError::Stale { base, current: before.version });
                }
                let now = Utc::now();
                let after = Grant {
                    purpose: change.purpose,
                    policy: change.policy,
                    not_before: change.not_before,
                    expires_at: change.expires_at,
                    version: before.version + 1,
                    updated_at: now,
                    ..before.clone()
                };
                sqlx::query("UPDATE grants SET purpose = $1, policy = $2, not_before = $3, expires_at = $4, version = $5, updated_at = $6 WHERE id = $7")
                    .bind(after.purpose.as_str())
                    .bind(&after.policy)
                    .bind(after.not_before)
                    .bind(after.expires_at)
                    .bind(i32::try_from(after.version).unwrap_or(i32::MAX))
                    .bind(now)
                    .bind(after.id.as_str())
                    .execute(&mut *tx)
                    .await?;
                Self::insert_grant_version(&mut *tx, &after, actor.label(), change.note.as_deref()).await?;
                let state = Change::Grant(GrantState::from(&after));
                tx.changed(state).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "grant.updated",
                    target_kind: "grant",
                    target_id: after.id.to_string(),
                    before: Some(json!({ "version": before.version, "purpose": before.purpose.as_str(), "policy": before.policy, "not_before": before.not_before, "expires_at": before.expires_at })),
                    after: Some(json!({ "version": after.version, "purpose": after.purpose.as_str(), "policy": after.policy, "not_before": after.not_before, "expires_at": after.expires_at })),
                    reason: change.note,
                })
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            /// Marks one grant revoked, with its audit event and its change, inside `tx`.
            async fn revoke_in_tx(
                tx: &mut WriteTx<Self>,
                actor: &Actor,
                before: Grant,
                reason: Option<&str>,
            ) -> Result<Grant> {
                let now = Utc::now();
                sqlx::query("UPDATE grants SET status = 'revoked', revoked_at = $1, revoked_by = $2, updated_at = $1 WHERE id = $3")
                    .bind(now)
                    .bind(actor.id())
                    .bind(before.id.as_str())
                    .execute(tx.conn())
                    .await?;
                let after = Grant { status: GrantStatus::Revoked, revoked_at: Some(now), updated_at: now, ..before.clone() };
                tx.changed(Change::Grant(GrantState::from(&after))).await?;
                tx.audit(
                    NewAuditEvent {
                        advertiser_id: Some(before.advertiser_id.clone()),
                        partner_id: None,
                        actor: actor.clone(),
                        action: "grant.revoked",
                        target_kind: "grant",
                        target_id: before.id.to_string(),
                        before: Some(grant_json(&before)),
                        after: Some(grant_json(&after)),
                        reason: reason.map(str::to_string),
                    },
                )
                .await?;
                Ok(after)
            }
        }

        #[async_trait]
        impl GrantStore for $store {
            async fn create_grant(&self, actor: &Actor, new: NewGrant) -> Result<Grant> {
                let now = Utc::now();
                let grant = Grant {
                    id: GrantId::generate(),
                    advertiser_id: new.advertiser_id,
                    agent_id: new.agent_id,
                    status: new.status,
                    purpose: new.purpose,
                    policy: new.policy,
                    created_at: new.created_at,
                    expires_at: new.expires_at,
                    revoked_at: (new.status == GrantStatus::Revoked).then_some(now),
                    updated_at: now,
                    version: 1,
                    not_before: new.not_before,
                };
                let mut tx = self.begin_write().await?;
                sqlx::query(&format!(
                    "INSERT INTO grants ({GRANT_COLUMNS}, revoked_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                ))
                .bind(grant.id.as_str())
                .bind(grant.advertiser_id.as_str())
                .bind(grant.agent_id.as_str())
                .bind(grant.status.as_str())
                .bind(grant.purpose.as_str())
                .bind(&grant.policy)
                .bind(grant.created_at)
                .bind(grant.expires_at)
                .bind(grant.revoked_at)
                .bind(grant.updated_at)
                .bind(1_i32)
                .bind(grant.not_before)
                .bind(grant.revoked_at.and(actor.id()))
                .execute(&mut *tx)
                .await
                .map_err(map_unique("a grant for this agent on this account"))?;
                Self::insert_grant_version(&mut *tx, &grant, actor.label(), None).await?;
                tx.changed(Change::Grant(GrantState::from(&grant))).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(grant.advertiser_id.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "grant.created",
                    target_kind: "grant",
                    target_id: grant.id.to_string(),
                    before: None,
                    after: Some(json!({ "agent_id": grant.agent_id.as_str(), "grant": grant_json(&grant) })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(grant)
            }

            async fn list_agent_grants(&self, advertiser: &AdvertiserId, query: &AgentQuery) -> Result<Page<AgentGrantRow>> {
                let partner = query.partner.as_ref().map_or("", |p| p.as_str());
                let status = query.status.map_or("", |s| s.as_str());
                let pattern = like_pattern(&query.search);
                let now = Utc::now();
                // One statement gives the page and, through the window, the filtered total.
                let filters = (advertiser.as_str(), query.search.as_str(), pattern.as_str(), partner, status, now);
                let rows: Vec<AgentGrantDbRow> = bind_agent_filters!(
                    sqlx::query_as(concat!(
                        "SELECT g.id AS grant_id, g.status, g.purpose, g.created_at AS granted_at, g.expires_at, \
                         a.id AS agent_id, a.name AS agent_name, a.party, ap.name AS application_name, \
                         p.id AS partner_id, p.name AS partner_name, COUNT(*) OVER () AS total",
                        agent_grants_from!(),
                        " ORDER BY lower(a.name), a.id LIMIT $7 OFFSET $8"
                    )),
                    filters
                )
                .bind(i64::from(query.per_page))
                .bind(i64::try_from(query.offset()).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                let total = match rows.first() {
                    Some(r) => r.total,
                    // A page past the end has no rows to carry the total: count separately.
                    None => {
                        let (n,): (i64,) = bind_agent_filters!(sqlx::query_as(concat!("SELECT COUNT(*)", agent_grants_from!())), filters)
                            .fetch_one(&self.pool)
                            .await?;
                        n
                    }
                };
                Ok(Page { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0), page: query.page, per_page: query.per_page })
            }

            async fn grant_counts(&self, advertiser: &AdvertiserId, now: DateTime<Utc>) -> Result<GrantCounts> {
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT status, COUNT(*), \
                     COALESCE(SUM(CASE WHEN expires_at IS NOT NULL AND expires_at <= $2 THEN 1 ELSE 0 END), 0) \
                     FROM grants WHERE advertiser_id = $1 GROUP BY status",
                )
                .bind(advertiser.as_str())
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut counts = GrantCounts::default();
                for (status, n, expired) in rows {
                    let (n, expired) = (u64::try_from(n).unwrap_or(0), u64::try_from(expired).unwrap_or(0));
                    match GrantStatus::parse(&status).map_err(corrupt)? {
                        GrantStatus::Active => {
                            counts.active = n - expired.min(n);
                            counts.expired = expired;
                        }
                        GrantStatus::Suspended => counts.suspended = n,
                        GrantStatus::Revoked => counts.revoked = n,
                    }
                }
                Ok(counts)
            }

            async fn partners_on_account(&self, advertiser: &AdvertiserId) -> Result<Vec<Partner>> {
                let rows: Vec<Partner> = sqlx::query_as(
                    "SELECT DISTINCT p.id, p.name, p.kind FROM grants g JOIN agents a ON a.id = g.agent_id \
                     JOIN applications ap ON ap.id = a.application_id JOIN partners p ON p.id = ap.partner_id \
                     WHERE g.advertiser_id = $1 ORDER BY p.name, p.id",
                )
                .bind(advertiser.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn grant_holders(&self, advertiser: &AdvertiserId, agents: &[AgentId]) -> Result<Vec<GrantHolder>> {
                use std::collections::HashMap;
                let mut out = Vec::with_capacity(agents.len());
                let mut conn = self.pool.acquire().await?;
                for chunk in agents.chunks(200) {
                    let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE advertiser_id = $1 AND agent_id IN ({})", placeholders(2, chunk.len()));
                    let mut q = sqlx::query_as::<_, Grant>(&sql).bind(advertiser.as_str());
                    for a in chunk {
                        q = q.bind(a.as_str());
                    }
                    let mut grants: HashMap<AgentId, Grant> = HashMap::new();
                    for row in q.fetch_all(&mut *conn).await? {
                        let g = row;
                        grants.insert(g.agent_id.clone(), g);
                    }
                    let held: Vec<&AgentId> = chunk.iter().filter(|a| grants.contains_key(*a)).collect();
                    if held.is_empty() {
                        continue;
                    }
                    let ids: Vec<&str> = held.iter().map(|a| a.as_str()).collect();
                    let agent_rows: HashMap<AgentId, Agent> =
                        Self::rows_with_ids::<AgentRow, Agent>(&mut conn, "SELECT id, application_id, name, description, purposes, party, status, created_at FROM agents", &ids)
                            .await?
                            .into_iter()
                            .map(|a| (a.id.clone(), a))
                            .collect();
                    let mut ids: Vec<&str> = agent_rows.values().map(|a| a.application_id.as_str()).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let applications: HashMap<ApplicationId, Application> =
                        Self::rows_with_ids::<Application, Application>(&mut conn, "SELECT id, partner_id, name, description, created_at FROM applications", &ids)
                            .await?
                            .into_iter()
                            .map(|a| (a.id.clone(), a))
                            .collect();
                    let mut ids: Vec<&str> = applications.values().map(|a| a.partner_id.as_str()).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let partners: HashMap<PartnerId, Partner> =
                        Self::rows_with_ids::<Partner, Partner>(&mut conn, "SELECT id, name, kind FROM partners", &ids)
                            .await?
                            .into_iter()
                            .map(|p| (p.id.clone(), p))
                            .collect();
                    for id in held {
                        let missing = || StoreError::Corrupt(format!("grant holder `{id}` is incomplete"));
                        let grant = grants.remove(id).ok_or_else(missing)?;
                        let agent = agent_rows.get(id).cloned().ok_or_else(missing)?;
                        let application = applications.get(&agent.application_id).cloned().ok_or_else(missing)?;
                        let partner = partners.get(&application.partner_id).cloned().ok_or_else(missing)?;
                        out.push(GrantHolder { grant, agent, application, partner });
                    }
                }
                Ok(out)
            }

            async fn agent_detail(&self, advertiser: &AdvertiserId, agent: &AgentId) -> Result<Option<AgentDetail>> {
                let mut conn = self.pool.acquire().await?;
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE advertiser_id = $1 AND agent_id = $2");
                let grant: Option<Grant> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(agent.as_str()).fetch_optional(&mut *conn).await?;
                let Some(grant) = grant else {
                    return Ok(None);
                };
                let agent_row: AgentRow = sqlx::query_as(
                    "SELECT id, application_id, name, description, purposes, party, status, created_at FROM agents WHERE id = $1",
                )
                .bind(agent.as_str())
                .fetch_one(&mut *conn)
                .await?;
                let agent = Agent::try_from(agent_row)?;
                let application: Application = sqlx::query_as("SELECT id, partner_id, name, description, created_at FROM applications WHERE id = $1")
                    .bind(agent.application_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                let partner: Partner = sqlx::query_as("SELECT id, name, kind FROM partners WHERE id = $1")
                    .bind(application.partner_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                let revoked_by: Option<(String,)> = sqlx::query_as(
                    "SELECT p.display_name FROM grants g JOIN people p ON p.id = g.revoked_by WHERE g.id = $1",
                )
                .bind(grant.id.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let sql = format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_events \
                     WHERE (advertiser_id = $1 AND target_id IN ($2, $3)) \
                     OR (advertiser_id IS NULL AND target_id = $3 AND action IN {AGENT_LIFECYCLE}) \
                     ORDER BY id DESC LIMIT 200"
                );
                let history: Vec<AuditEvent> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(grant.id.as_str())
                    .bind(agent.id.as_str())
                    .fetch_all(&mut *conn)
                    .await?;
                Ok(Some(AgentDetail {
                    agent,
                    application,
                    partner: partner.try_into()?,
                    grant,
                    revoked_by: revoked_by.map(|(n,)| n),
                    history,
                }))
            }

            async fn revoke_grant(&self, actor: &Actor, advertiser: &AdvertiserId, agent: &AgentId, reason: Option<&str>) -> Result<RevokeOutcome> {
                let mut tx = self.begin_write().await?;
                let Some(grant) = Self::grant_in_tx(&mut *tx, advertiser, agent).await? else {
                    return Err(StoreError::NotFound);
                };
                if grant.status == GrantStatus::Revoked {
                    return Ok(RevokeOutcome::AlreadyRevoked(grant));
                }
                let after = Self::revoke_in_tx(&mut tx, actor, grant, reason).await?;
                tx.commit().await?;
                Ok(RevokeOutcome::Revoked(after))
            }

            async fn revoke_all(&self, actor: &Actor, advertiser: &AdvertiserId, reason: Option<&str>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE advertiser_id = $1 AND status <> 'revoked' ORDER BY id{}", Self::FOR_UPDATE);
                let grants: Vec<Grant> = sqlx::query_as(&sql).bind(advertiser.as_str()).fetch_all(&mut *tx).await?;
                let count = grants.len() as u64;
                for grant in grants {
                    Self::revoke_in_tx(&mut tx, actor, grant, reason).await?;
                }
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "account.revoke_all",
                    target_kind: "advertiser",
                    target_id: advertiser.to_string(),
                    before: None,
                    after: Some(json!({ "revoked": count })),
                    reason: reason.map(str::to_string),
                })
                .await?;
                tx.commit().await?;
                Ok(count)
            }

            async fn revoke_partner(&self, actor: &Actor, advertiser: &AdvertiserId, partner: &PartnerId, reason: Option<&str>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let cols = GRANT_COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
                let sql = format!(
                    "SELECT {cols} FROM grants g JOIN agents a ON a.id = g.agent_id JOIN applications ap ON ap.id = a.application_id \
                     WHERE g.advertiser_id = $1 AND ap.partner_id = $2 AND g.status <> 'revoked' ORDER BY g.id{}",
                    if Self::FOR_UPDATE.is_empty() { "" } else { " FOR UPDATE OF g" }
                );
                let grants: Vec<Grant> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(partner.as_str()).fetch_all(&mut *tx).await?;
                let count = grants.len() as u64;
                for grant in grants {
                    Self::revoke_in_tx(&mut tx, actor, grant, reason).await?;
                }
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "account.revoke_partner",
                    target_kind: "partner",
                    target_id: partner.to_string(),
                    before: None,
                    after: Some(json!({ "revoked": count })),
                    reason: reason.map(str::to_string),
                })
                .await?;
                tx.commit().await?;
                Ok(count)
            }
        }
    };
}

grant_store!(SqliteStore, sqlx::Sqlite);
grant_store!(PgStore, sqlx::Postgres);
