//! One SQL implementation of [`Store`], instantiated for SQLite and PostgreSQL by `sql_store!`.
//!
//! The statements are written once in the dialect both engines accept (`$n` placeholders,
//! `ON CONFLICT`, `LIMIT/OFFSET`, `lower(..) LIKE .. ESCAPE`). What differs is passed to the
//! macro: how a write transaction begins (`BEGIN IMMEDIATE` on SQLite takes the write lock up
//! front, so a read-then-write transaction cannot fail with a stale snapshot) and row locking
//! (`FOR UPDATE` on PostgreSQL).

use super::password::{bounded_argon2, verify_password};
use super::*;
use crate::revocation::{Change, RevocationIndex};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::FromRow;
use std::sync::{Arc, Mutex};

/// The columns of an audit event as [`AuditRow`] reads them.
macro_rules! audit_cols {
    () => {
        "id, advertiser_id, partner_id, actor_kind, actor_id, actor_label, action, target_kind, target_id, before_state, \
         after_state, reason, created_at, decision, agent_id, catalog_action, amount_minor, chain, seq, prev_hash, hash"
    };
}

mod audit;
mod consent;
mod directory;
mod enforce;
mod grants;
mod identity;
mod sandbox;
mod throttle;
mod write;

use write::{Audit, Ceremony, WriteTx};

fn corrupt(e: ParseError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn map_unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

/// `$first, $first+1, …`: the placeholders of an `IN (…)` list of `n` bound values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes `%`, `_` and `\` so user text matches literally inside `LIKE … ESCAPE '\'`.
fn like_pattern(search: &str) -> String {
    let mut p = String::from("%");
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Event ids are monotonic within this process, so events written in the same millisecond
/// keep their order.
/// A fresh event id. Ids are monotonic within this process, so events made in the same
/// millisecond keep their order (decision events take theirs when the decision is made).
pub fn new_event_id() -> EventId {
    next_event_id().unwrap_or_else(|_| EventId::generate())
}

pub(super) fn next_event_id() -> Result<EventId> {
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let ulid = match GENERATOR.lock() {
        Ok(mut g) => g
            .get_or_insert_with(ulid::Generator::new)
            .generate()
            .unwrap_or_else(|_| ulid::Ulid::new()),
        Err(_) => ulid::Ulid::new(),
    };
    EventId::parse(&format!("{}{ulid}", EventId::PREFIX)).map_err(corrupt)
}

#[derive(FromRow)]
struct AdvertiserRow {
    id: String,
    name: String,
    marketplace: String,
    currency: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<AdvertiserRow> for Advertiser {
    type Error = StoreError;
    fn try_from(r: AdvertiserRow) -> Result<Self> {
        let marketplace = Marketplace::parse(&r.marketplace).map_err(corrupt)?;
        // The currency column repeats the marketplace's currency (for SQL readers); they agree.
        if Currency::parse(&r.currency).map_err(corrupt)? != marketplace.currency() {
            return Err(StoreError::Corrupt(format!(
                "advertiser {}: currency {} is not marketplace {}'s",
                r.id, r.currency, r.marketplace
            )));
        }
        Ok(Advertiser {
            id: AdvertiserId::parse(&r.id).map_err(corrupt)?,
            name: r.name,
            marketplace,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct PartnerRow {
    id: String,
    name: String,
    kind: String,
}

impl TryFrom<PartnerRow> for Partner {
    type Error = StoreError;
    fn try_from(r: PartnerRow) -> Result<Self> {
        Ok(Partner {
            id: PartnerId::parse(&r.id).map_err(corrupt)?,
            name: r.name,
            kind: PartnerKind::parse(&r.kind).map_err(corrupt)?,
        })
    }
}

#[derive(FromRow)]
struct ApplicationRow {
    id: String,
    partner_id: String,
    name: String,
    description: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = StoreError;
    fn try_from(r: ApplicationRow) -> Result<Self> {
        Ok(Application {
            id: ApplicationId::parse(&r.id).map_err(corrupt)?,
            partner_id: PartnerId::parse(&r.partner_id).map_err(corrupt)?,
            name: r.name,
            description: r.description,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct AgentRow {
    id: String,
    application_id: String,
    name: String,
    description: String,
    purposes: String,
    party: String,
    status: String,
    created_at: DateTime<Utc>,
}

fn parse_purposes(json: &str) -> Result<Vec<Purpose>> {
    let codes: Vec<String> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("agent purposes: {e}")))?;
    codes
        .iter()
        .map(|c| Purpose::parse(c).map_err(corrupt))
        .collect()
}

impl TryFrom<AgentRow> for Agent {
    type Error = StoreError;
    fn try_from(r: AgentRow) -> Result<Self> {
        Ok(Agent {
            id: AgentId::parse(&r.id).map_err(corrupt)?,
            application_id: ApplicationId::parse(&r.application_id).map_err(corrupt)?,
            name: r.name,
            description: r.description,
            purposes: parse_purposes(&r.purposes)?,
            party: Party::parse(&r.party).map_err(corrupt)?,
            status: AgentStatus::parse(&r.status).map_err(corrupt)?,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct GrantRow {
    id: String,
    advertiser_id: String,
    agent_id: String,
    status: String,
    purpose: String,
    policy: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    version: i32,
    not_before: Option<DateTime<Utc>>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Self> {
        Ok(Grant {
            id: GrantId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            agent_id: AgentId::parse(&r.agent_id).map_err(corrupt)?,
            status: GrantStatus::parse(&r.status).map_err(corrupt)?,
            purpose: Purpose::parse(&r.purpose).map_err(corrupt)?,
            policy: r.policy,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            updated_at: r.updated_at,
            version: u32::try_from(r.version)
                .map_err(|_| StoreError::Corrupt(format!("grant version `{}`", r.version)))?,
            not_before: r.not_before,
        })
    }
}

#[derive(FromRow)]
struct AuditRow {
    id: String,
    advertiser_id: Option<String>,
    partner_id: Option<String>,
    actor_kind: String,
    actor_id: Option<String>,
    actor_label: String,
    action: String,
    target_kind: String,
    target_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    reason: Option<String>,
    created_at: DateTime<Utc>,
    decision: Option<String>,
    agent_id: Option<String>,
    catalog_action: Option<String>,
    amount_minor: Option<i64>,
    chain: Option<String>,
    seq: Option<i64>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self> {
        Ok(AuditEvent {
            id: EventId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: r
                .advertiser_id
                .as_deref()
                .map(AdvertiserId::parse)
                .transpose()
                .map_err(corrupt)?,
            partner_id: r
                .partner_id
                .as_deref()
                .map(PartnerId::parse)
                .transpose()
                .map_err(corrupt)?,
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
            chain: r.chain,
            seq: r.seq,
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

fn collect<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

const GRANT_COLUMNS: &str = "id, advertiser_id, agent_id, status, purpose, policy, created_at, expires_at, revoked_at, updated_at, version, not_before";
const AUDIT_COLUMNS: &str = audit_cols!();

macro_rules! sql_store {
    ($store:ident, $db:ty, $pool:ty, $backend:literal, begin_write = $begin:literal, begin_snapshot = $snapshot:literal, for_update = $for_update:literal) => {
        #[doc = concat!("The [`Store`] on ", $backend, ".")]
        #[derive(Clone)]
        pub struct $store {
            pool: $pool,
            index: Arc<RevocationIndex>,
            /// The client-secret hashing key, read from `server_keys` once (see `identity.rs`).
            secret_key: Arc<std::sync::OnceLock<super::password::ServerKey>>,
        }

        impl $store {
            const BACKEND: &'static str = $backend;
            const FOR_UPDATE: &'static str = $for_update;

            /// A store with an empty revocation index: call `reload_revocations` before serving.
            pub fn new(pool: $pool) -> Self {
                Self {
                    pool,
                    index: Arc::new(RevocationIndex::new()),
                    secret_key: Arc::default(),
                }
            }

            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            /// A write transaction that must write an audit event before it commits.
            async fn begin_write(&self) -> Result<WriteTx<Self>> {
                Ok(WriteTx::new(
                    self.pool.begin_with($begin).await?,
                    self.index.clone(),
                    Audit::Required,
                ))
            }

            /// A write transaction for bookkeeping the product does not audit as a change
            /// (the simulated ad platform, spend reservations, rate limits, the decision trail).
            async fn begin_bookkeeping(&self) -> Result<WriteTx<Self>> {
                Ok(WriteTx::new(
                    self.pool.begin_with($begin).await?,
                    self.index.clone(),
                    Audit::Bookkeeping,
                ))
            }

            /// A read-only transaction that sees one snapshot throughout.
            async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, $db>> {
                Ok(self.pool.begin_with($snapshot).await?)
            }
        }

        #[async_trait]
        impl Ceremony for $store {
            type Db = $db;

            async fn write_audit(
                conn: &mut <$db as sqlx::Database>::Connection,
                ev: NewAuditEvent,
            ) -> Result<AuditEvent> {
                Self::insert_audit(conn, ev).await
            }

            async fn send_notice(
                conn: &mut <$db as sqlx::Database>::Connection,
                change: &Change,
            ) -> Result<()> {
                if Self::BACKEND == "postgres" {
                    let payload = serde_json::to_string(change)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(crate::revocation::CHANNEL)
                        .bind(payload)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn is_empty(&self) -> Result<bool> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM people")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n == 0)
            }
        }
    };
}

sql_store!(
    SqliteStore,
    sqlx::Sqlite,
    sqlx::SqlitePool,
    "sqlite",
    begin_write = "BEGIN IMMEDIATE",
    begin_snapshot = "BEGIN",
    for_update = ""
);
sql_store!(
    PgStore,
    sqlx::Postgres,
    sqlx::PgPool,
    "postgres",
    begin_write = "BEGIN",
    begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    for_update = " FOR UPDATE"
);

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Bid"), "%bid%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
