//! [`AuditStore`] for both backends, and the chained append every audit event goes through
//! (`insert_audit` for changes, `append_decisions` for decisions), instantiated by
//! `audit_store!`.

use super::super::audit::*;
use super::*;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// Rows per multi-row INSERT: 21 parameters each stays far below SQLite's limit of 32766 bound
/// parameters (and PostgreSQL's 65535).
const ROWS_PER_INSERT: usize = 1000;

/// Rows handed from the reader to the hasher at a time while verifying.
const VERIFY_CHUNK: usize = 2048;

/// Rows chained per transaction by the backfill.
const BACKFILL_BATCH: i64 = 1000;

/// The columns of a chained row, in the order of [`ChainRow`] as `decode_chain_row` reads them.
macro_rules! chain_cols {
    () => {
        "id, chain, seq, COALESCE(prev_hash, ''), COALESCE(hash, ''), advertiser_id, partner_id, actor_kind, actor_id, \
         actor_label, action, target_kind, target_id, before_state, after_state, reason, agent_id, decision, \
         catalog_action, amount_minor, created_at"
    };
}

/// The filters of the activity log: `$1` advertiser, `$2` agent or '', `$3` exact action or '',
/// `$4` lower-cased LIKE prefix pattern or '', `$5` decision filter or '', `$6` since, `$7`
/// until (both nullable).
macro_rules! activity_where {
    () => {
        r#" WHERE advertiser_id = $1
              AND ($2 = '' OR agent_id = $2)
              AND (($3 = '' AND $4 = '')
                   OR ($3 <> '' AND (action = $3 OR catalog_action = $3))
                   OR ($4 <> '' AND (lower(action) LIKE $4 ESCAPE '\' OR lower(catalog_action) LIKE $4 ESCAPE '\')))
              AND ($5 = '' OR ($5 = 'change' AND decision IS NULL) OR decision = $5)
              AND ($6 IS NULL OR created_at >= $6)
              AND ($7 IS NULL OR created_at < $7)"#
    };
}

/// The bound values of [`activity_where!`] for a filter.
struct ActivityBinds {
    agent: String,
    exact: String,
    prefix: String,
    decision: &'static str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl ActivityBinds {
    fn new(f: &ActivityFilter) -> Self {
        let (exact, prefix) = match f.action.as_deref() {
            Some(a) => match a.strip_suffix('*') {
                Some(p) => {
                    let mut pattern = String::new();
                    for c in p.to_lowercase().chars() {
                        if matches!(c, '%' | '_' | '\\') {
                            pattern.push('\\');
                        }
                        pattern.push(c);
                    }
                    pattern.push('%');
                    (String::new(), pattern)
                }
                None => (a.to_string(), String::new()),
            },
            None => (String::new(), String::new()),
        };
        ActivityBinds {
            agent: f.agent.as_ref().map_or_else(String::new, |a| a.to_string()),
            exact,
            prefix,
            decision: f.decision.map_or("", |d| d.as_str()),
            since: f.since,
            until: f.until,
        }
    }
}

macro_rules! bind_activity {
    ($query:expr, $adv:expr, $b:expr) => {
        $query
            .bind($adv)
            .bind($b.agent.clone())
            .bind($b.exact.clone())
            .bind($b.prefix.clone())
            .bind($b.decision)
            .bind($b.since)
            .bind($b.until)
    };
}

/// The agent a change is about, for the activity filter: the target when it is an agent, else
/// an `agent_id` in the recorded state.
fn change_agent(target_kind: &str, target_id: &str, after: Option<&str>) -> Option<String> {
    if target_kind == "agent" {
        return Some(target_id.to_string());
    }
    let after: serde_json::Value = serde_json::from_str(after?).ok()?;
    after.get("agent_id")?.as_str().map(str::to_string)
}

/// A change as a row to chain (seq and hashes are filled in by `append_chained`).
fn change_row(id: EventId, created_at: DateTime<Utc>, ev: NewAuditEvent) -> ChainRow {
    let before_state = ev.before.map(|v| v.to_string());
    let after_state = ev.after.map(|v| v.to_string());
    let agent_id = change_agent(ev.target_kind, &ev.target_id, after_state.as_deref());
    ChainRow {
        id: id.to_string(),
        chain: ev
            .advertiser_id
            .as_ref()
            .map_or_else(String::new, |a| a.to_string()),
        seq: 0,
        prev_hash: String::new(),
        hash: String::new(),
        advertiser_id: ev.advertiser_id.map(String::from),
        partner_id: ev.partner_id.map(String::from),
        actor_kind: ev.actor.kind().to_string(),
        actor_id: ev.actor.id().map(str::to_string),
        actor_label: ev.actor.label().to_string(),
        action: ev.action.to_string(),
        target_kind: ev.target_kind.to_string(),
        target_id: ev.target_id,
        before_state,
        after_state,
        reason: ev.reason,
        agent_id,
        decision: None,
        catalog_action: None,
        amount_minor: None,
        created_at,
    }
}

/// A decision as a row to chain: `decision.allow` / `decision.deny` by the agent on the
/// resource, the reason code in `reason`, the rest as JSON in `after_state`.
fn decision_row(d: DecisionEvent) -> ChainRow {
    let details = json!({
        "grant_id": d.grant_id.as_ref().map(|g| g.as_str()),
        "statement_ids": d.statement_ids,
        "token_chain": d.token_chain,
        "explanation": d.explanation,
    });
    let decision = if d.allowed { "allow" } else { "deny" };
    ChainRow {
        id: d.id.to_string(),
        chain: d.advertiser_id.to_string(),
        seq: 0,
        prev_hash: String::new(),
        hash: String::new(),
        advertiser_id: Some(d.advertiser_id.to_string()),
        partner_id: Some(d.partner_id.to_string()),
        actor_kind: "agent".into(),
        actor_id: Some(d.agent_id.to_string()),
        actor_label: d.agent_label,
        action: format!("decision.{decision}"),
        target_kind: "resource".into(),
        target_id: d.resource,
        before_state: None,
        after_state: Some(details.to_string()),
        reason: Some(d.reason),
        agent_id: Some(d.agent_id.to_string()),
        decision: Some(decision.into()),
        catalog_action: Some(d.action),
        amount_minor: d.amount_minor,
        created_at: chrono::SubsecRound::trunc_subsecs(d.decided_at, 6),
    }
}

fn opt_id<T>(v: Option<&str>, parse: fn(&str) -> Result<T, ParseError>) -> Result<Option<T>> {
    v.map(parse).transpose().map_err(corrupt)
}

impl TryFrom<ChainRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(r: ChainRow) -> Result<Self> {
        Ok(AuditEvent {
            id: EventId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: opt_id(r.advertiser_id.as_deref(), AdvertiserId::parse)?,
            partner_id: opt_id(r.partner_id.as_deref(), PartnerId::parse)?,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            actor_label: r.actor_label,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            before: r.before_state,
            after: r.after_state,
            reason: r.reason,
            created_at: r.created_at,
            decision: r.decision,
            agent_id: r.agent_id,
            catalog_action: r.catalog_action,
            amount_minor: r.amount_minor,
            chain: Some(r.chain),
            seq: Some(r.seq),
            prev_hash: Some(r.prev_hash),
            hash: Some(r.hash),
        })
    }
}

/// Gives each row its seq, prev_hash and hash, continuing from `heads` (updated in place).
fn link(rows: &mut [ChainRow], heads: &mut BTreeMap<String, (i64, String)>) -> Result<()> {
    let mut scratch = Vec::with_capacity(512);
    for r in rows.iter_mut() {
        let head = heads.get_mut(&r.chain).ok_or_else(|| {
            StoreError::Corrupt(format!("audit chain `{}` was not locked", r.chain))
        })?;
        r.seq = head.0 + 1;
        r.prev_hash = std::mem::take(&mut head.1);
        canonical_encoding_into(r, &mut scratch);
        r.hash = chain_hash(&r.prev_hash, &scratch);
        head.0 = r.seq;
        head.1.push_str(&r.hash);
    }
    Ok(())
}

macro_rules! audit_store {
    ($store:ident, $db:ty) => {
        impl $store {
            fn decode_chain_row(r: &<$db as sqlx::Database>::Row) -> std::result::Result<ChainRow, sqlx::Error> {
                use sqlx::Row;
                Ok(ChainRow {
                    id: r.try_get(0)?,
                    chain: r.try_get(1)?,
                    seq: r.try_get(2)?,
                    prev_hash: r.try_get(3)?,
                    hash: r.try_get(4)?,
                    advertiser_id: r.try_get(5)?,
                    partner_id: r.try_get(6)?,
                    actor_kind: r.try_get(7)?,
                    actor_id: r.try_get(8)?,
                    actor_label: r.try_get(9)?,
                    action: r.try_get(10)?,
                    target_kind: r.try_get(11)?,
                    target_id: r.try_get(12)?,
                    before_state: r.try_get(13)?,
                    after_state: r.try_get(14)?,
                    reason: r.try_get(15)?,
                    agent_id: r.try_get(16)?,
                    decision: r.try_get(17)?,
                    catalog_action: r.try_get(18)?,
                    amount_minor: r.try_get(19)?,
                    created_at: r.try_get(20)?,
                })
            }

            /// Locks the chain's head row for this transaction and returns its seq and hash. A
            /// chain without a head gets one: at genesis, or (if its head was removed) at its
            /// last row, so appends keep working and `verify` reports the damage.
            async fn lock_head(conn: &mut <$db as sqlx::Database>::Connection, chain: &str) -> Result<(i64, String)> {
                let sql = format!("SELECT seq, hash FROM audit_chain_heads WHERE chain = $1{}", Self::FOR_UPDATE);
                if let Some(head) = sqlx::query_as::<_, (i64, String)>(&sql).bind(chain).fetch_optional(&mut *conn).await? {
                    return Ok(head);
                }
                let last: Option<(i64, Option<String>)> = sqlx::query_as(
                    "SELECT seq, hash FROM audit_events WHERE chain = $1 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
                )
                .bind(chain)
                .fetch_optional(&mut *conn)
                .await?;
                let (seq, hash) = match last {
                    Some((seq, hash)) => {
                        tracing::warn!(chain, seq, "audit chain without a head: continuing from its last row");
                        (seq, hash.unwrap_or_default())
                    }
                    None => (0, GENESIS_HASH.to_string()),
                };
                sqlx::query("INSERT INTO audit_chain_heads (chain, seq, hash) VALUES ($1, $2, $3) ON CONFLICT (chain) DO NOTHING")
                    .bind(chain)
                    .bind(seq)
                    .bind(&hash)
                    .execute(&mut *conn)
                    .await?;
                Ok(sqlx::query_as::<_, (i64, String)>(&sql).bind(chain).fetch_one(&mut *conn).await?)
            }

            /// Locks the heads of every chain in `rows`, in chain order (so two transactions
            /// never wait on each other's heads crosswise).
            async fn lock_heads(
                conn: &mut <$db as sqlx::Database>::Connection,
                rows: &[ChainRow],
            ) -> Result<BTreeMap<String, (i64, String)>> {
                let mut heads = BTreeMap::new();
                for r in rows {
                    heads.entry(r.chain.clone()).or_insert((0, String::new()));
                }
                for (chain, head) in heads.iter_mut() {
                    *head = Self::lock_head(&mut *conn, chain).await?;
                }
                Ok(heads)
            }

            async fn store_heads(conn: &mut <$db as sqlx::Database>::Connection, heads: &BTreeMap<String, (i64, String)>) -> Result<()> {
                for (chain, (seq, hash)) in heads {
                    sqlx::query("UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE chain = $1")
                        .bind(chain)
                        .bind(seq)
                        .bind(hash)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }

            /// Chains `rows` (in order) onto their chains' heads and inserts them with multi-row
            /// INSERTs, inside `conn`'s write transaction.
            async fn append_chained(conn: &mut <$db as sqlx::Database>::Connection, rows: &mut [ChainRow]) -> Result<()> {
                let mut heads = Self::lock_heads(&mut *conn, rows).await?;
                link(rows, &mut heads)?;
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO audit_events (id, chain, seq, prev_hash, hash, advertiser_id, partner_id, actor_kind, actor_id, \
                         actor_label, action, target_kind, target_id, before_state, after_state, reason, agent_id, decision, \
                         catalog_action, amount_minor, created_at) ",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(r.id.as_str())
                            .push_bind(r.chain.as_str())
                            .push_bind(r.seq)
                            .push_bind(r.prev_hash.as_str())
                            .push_bind(r.hash.as_str())
                            .push_bind(r.advertiser_id.as_deref())
                            .push_bind(r.partner_id.as_deref())
                            .push_bind(r.actor_kind.as_str())
                            .push_bind(r.actor_id.as_deref())
                            .push_bind(r.actor_label.as_str())
                            .push_bind(r.action.as_str())
                            .push_bind(r.target_kind.as_str())
                            .push_bind(r.target_id.as_str())
                            .push_bind(r.before_state.as_deref())
                            .push_bind(r.after_state.as_deref())
                            .push_bind(r.reason.as_deref())
                            .push_bind(r.agent_id.as_deref())
                            .push_bind(r.decision.as_deref())
                            .push_bind(r.catalog_action.as_deref())
                            .push_bind(r.amount_minor)
                            .push_bind(r.created_at);
                    });
                    q.build().execute(&mut *conn).await.map_err(map_unique("an audit event with this id"))?;
                }
                Self::store_heads(&mut *conn, &heads).await
            }

            /// Appends one change's audit event, chained, inside `conn`'s write transaction.
            /// Every mutating `Store` method calls this before it commits.
            pub(super) async fn insert_audit(conn: &mut <$db as sqlx::Database>::Connection, ev: NewAuditEvent) -> Result<AuditEvent> {
                let id = next_event_id()?;
                let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
                let mut rows = [change_row(id, now, ev)];
                Self::append_chained(&mut *conn, &mut rows).await?;
                let [row] = rows;
                AuditEvent::try_from(row)
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn append_decisions(&self, batch: Vec<DecisionEvent>) -> Result<Vec<EventId>> {
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                let ids: Vec<EventId> = batch.iter().map(|d| d.id.clone()).collect();
                let mut rows: Vec<ChainRow> = batch.into_iter().map(decision_row).collect();
                let mut tx = self.begin_bookkeeping().await?;
                Self::append_chained(&mut *tx, &mut rows).await?;
                tx.commit().await?;
                Ok(ids)
            }

            async fn existing_events(&self, ids: &[EventId]) -> Result<Vec<EventId>> {
                let mut found = Vec::new();
                for chunk in ids.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new("SELECT id FROM audit_events WHERE id IN (");
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.as_str());
                    }
                    q.push(")");
                    let rows: Vec<(String,)> = q.build_query_as().fetch_all(&self.pool).await?;
                    for (id,) in rows {
                        found.push(EventId::parse(&id).map_err(corrupt)?);
                    }
                }
                Ok(found)
            }

            async fn chain_unchained_events(&self) -> Result<u64> {
                let mut chained = 0u64;
                loop {
                    let mut tx = self.begin_bookkeeping().await?;
                    // Rows first, then heads: a second process backfilling at the same time
                    // waits here and then finds the rows chained.
                    let sql = format!(
                        "SELECT {} FROM audit_events WHERE hash IS NULL AND prev_hash = 'backfill' ORDER BY id LIMIT $1{}",
                        AUDIT_COLUMNS, Self::FOR_UPDATE
                    );
                    let found: Vec<AuditEvent> = sqlx::query_as(&sql).bind(BACKFILL_BATCH).fetch_all(&mut *tx).await?;
                    if found.is_empty() {
                        break;
                    }
                    let n = found.len();
                    let mut rows: Vec<ChainRow> = found
                        .into_iter()
                        .map(|r| {
                            let agent_id = r.agent_id.clone().or_else(|| change_agent(&r.target_kind, &r.target_id, r.after.as_deref()));
                            ChainRow {
                                chain: r.advertiser_id.as_ref().map(|a| a.as_str().to_owned()).unwrap_or_default(),
                                seq: 0,
                                prev_hash: String::new(),
                                hash: String::new(),
                                id: r.id.into(),
                                advertiser_id: r.advertiser_id.map(String::from),
                                partner_id: r.partner_id.map(String::from),
                                actor_kind: r.actor_kind,
                                actor_id: r.actor_id,
                                actor_label: r.actor_label,
                                action: r.action,
                                target_kind: r.target_kind,
                                target_id: r.target_id,
                                before_state: r.before,
                                after_state: r.after,
                                reason: r.reason,
                                agent_id,
                                decision: r.decision,
                                catalog_action: r.catalog_action,
                                amount_minor: r.amount_minor,
                                created_at: r.created_at,
                            }
                        })
                        .collect();
                    let mut heads = Self::lock_heads(&mut *tx, &rows).await?;
                    link(&mut rows, &mut heads)?;
                    for r in &rows {
                        sqlx::query("UPDATE audit_events SET chain = $2, seq = $3, prev_hash = $4, hash = $5, agent_id = $6 WHERE id = $1")
                            .bind(r.id.as_str())
                            .bind(r.chain.as_str())
                            .bind(r.seq)
                            .bind(r.prev_hash.as_str())
                            .bind(r.hash.as_str())
                            .bind(r.agent_id.as_deref())
                            .execute(&mut *tx)
                            .await?;
                    }
                    Self::store_heads(&mut *tx, &heads).await?;
                    tx.commit().await?;
                    chained += n as u64;
                    if (n as i64) < BACKFILL_BATCH {
                        break;
                    }
                }
                if chained > 0 {
                    tracing::info!(events = chained, "chained the audit events written before the audit chain existed");
                }
                Ok(chained)
            }

            async fn audit_chains(&self) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT chain FROM audit_chain_heads UNION SELECT DISTINCT chain FROM audit_events WHERE chain IS NOT NULL ORDER BY 1",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(c,)| c).collect())
            }

            async fn audit_chain_head(&self, chain: &str) -> Result<Option<ChainHead>> {
                let row: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_chain_heads WHERE chain = $1")
                    .bind(chain)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(seq, hash)| ChainHead { chain: chain.to_string(), seq, hash }))
            }

            fn audit_chain_rows<'a>(&'a self, chain: &'a str) -> BoxStream<'a, Result<ChainRow>> {
                sqlx::query(concat!("SELECT ", chain_cols!(), " FROM audit_events WHERE chain = $1 AND seq IS NOT NULL ORDER BY seq"))
                    .bind(chain)
                    .fetch(&self.pool)
                    .map(|r| Ok(Self::decode_chain_row(&r?)?))
                    .boxed()
            }

            async fn unchained_event_count(&self) -> Result<u64> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE chain IS NULL OR seq IS NULL")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn verify_chain(&self, chain: &str, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<ChainReport> {
                let mut tx = self.begin_snapshot().await?;
                let head: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_chain_heads WHERE chain = $1")
                    .bind(chain)
                    .fetch_optional(&mut *tx)
                    .await?;
                let head = head.map(|(seq, hash)| ChainHead { chain: chain.to_string(), seq, hash });
                // Two stages on two threads: this task reads and decodes rows, a blocking task
                // hashes and links them.
                let (to_hasher, mut chunks) = tokio::sync::mpsc::channel::<Vec<ChainRow>>(4);
                let hasher = {
                    let chain = chain.to_string();
                    tokio::task::spawn_blocking(move || {
                        let mut verifier = ChainVerifier::new(&chain);
                        while let Some(chunk) = chunks.blocking_recv() {
                            for row in &chunk {
                                verifier.push(row);
                            }
                        }
                        verifier
                    })
                };
                let mut read = 0u64;
                {
                    let mut rows = sqlx::query(concat!("SELECT ", chain_cols!(), " FROM audit_events WHERE chain = $1 AND seq IS NOT NULL ORDER BY seq"))
                        .bind(chain)
                        .fetch(&mut *tx);
                    let mut chunk = Vec::with_capacity(VERIFY_CHUNK);
                    while let Some(row) = rows.try_next().await? {
                        chunk.push(Self::decode_chain_row(&row)?);
                        if chunk.len() == VERIFY_CHUNK {
                            read += VERIFY_CHUNK as u64;
                            progress(read);
                            if to_hasher.send(std::mem::replace(&mut chunk, Vec::with_capacity(VERIFY_CHUNK))).await.is_err() {
                                break;
                            }
                        }
                    }
                    read += chunk.len() as u64;
                    if !chunk.is_empty() {
                        let _ = to_hasher.send(chunk).await;
                    }
                }
                drop(to_hasher);
                tx.rollback().await?;
                let verifier = hasher.await.map_err(|e| StoreError::Task(e.to_string()))?;
                progress(read);
                Ok(verifier.finish(head.as_ref()))
            }

            async fn activity(&self, advertiser: &AdvertiserId, filter: &ActivityFilter, page: u32, per_page: u32) -> Result<Page<AuditEvent>> {
                let page = page.max(1);
                let per_page = per_page.clamp(1, 200);
                let b = ActivityBinds::new(filter);
                let (total,): (i64,) = bind_activity!(sqlx::query_as(concat!("SELECT COUNT(*) FROM audit_events", activity_where!())), advertiser.as_str(), b)
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<AuditEvent> = bind_activity!(
                    sqlx::query_as(concat!("SELECT ", audit_cols!(), " FROM audit_events", activity_where!(), " ORDER BY id DESC LIMIT $8 OFFSET $9")),
                    advertiser.as_str(),
                    b
                )
                .bind(i64::from(per_page))
                .bind(i64::from(page - 1) * i64::from(per_page))
                .fetch_all(&self.pool)
                .await?;
                Ok(Page { items: rows, total: u64::try_from(total).unwrap_or(0), page, per_page })
            }

            fn export_events<'a>(&'a self, advertiser: &'a AdvertiserId, filter: &'a ActivityFilter) -> BoxStream<'a, Result<AuditEvent>> {
                let b = ActivityBinds::new(filter);
                bind_activity!(
                    sqlx::query_as::<_, AuditEvent>(concat!("SELECT ", audit_cols!(), " FROM audit_events", activity_where!(), " ORDER BY seq, id")),
                    advertiser.as_str(),
                    b
                )
                .fetch(&self.pool)
                .map(|r| r.map_err(StoreError::from))
                    .boxed()
            }

            async fn record_event(&self, event: NewAuditEvent) -> Result<AuditEvent> {
                let mut tx = self.begin_write().await?;
                let event = tx.audit(event).await?;
                tx.commit().await?;
                Ok(event)
            }

            async fn advertiser_events(&self, advertiser: &AdvertiserId, page: u32, per_page: u32) -> Result<Page<AuditEvent>> {
                let page = page.max(1);
                let per_page = per_page.clamp(1, 200);
                let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE advertiser_id = $1")
                    .bind(advertiser.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE advertiser_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3");
                let rows: Vec<AuditEvent> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(i64::from(per_page))
                    .bind(i64::from(page - 1) * i64::from(per_page))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(Page { items: rows, total: u64::try_from(total).unwrap_or(0), page, per_page })
            }
        }
    };
}

audit_store!(SqliteStore, sqlx::Sqlite);
audit_store!(PgStore, sqlx::Postgres);
