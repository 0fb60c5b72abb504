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

/// The columns of an audit event as [`AuditEvent`] reads them.
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
    use crate::db::StoreError;
    use crate::model::{Grant, Partner, PartnerKind};

    /// A row decodes straight into the model type through `parse`; a stored value that no
    /// longer parses is `Corrupt` (naming the column), never a value of the type.
    #[tokio::test]
    async fn rows_decode_through_parse_and_bad_values_are_corrupt() -> Result<(), StoreError> {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
        let row = "SELECT $1 AS id, 'Acme' AS name, $2 AS kind";
        let ok: Partner = sqlx::query_as(row)
            .bind(" ptn_01j00000000000000000000000")
            .bind("agency")
            .fetch_one(&pool)
            .await?;
        assert_eq!(ok.id.as_str(), "ptn_01J00000000000000000000000");
        assert_eq!(ok.kind, PartnerKind::Agency);
        for (id, kind, column) in [
            ("adv_01J00000000000000000000000", "agency", "id"),
            ("ptn_01J00000000000000000000000", "broker", "kind"),
        ] {
            let bad = sqlx::query_as::<_, Partner>(row)
                .bind(id)
                .bind(kind)
                .fetch_one(&pool)
                .await
                .map_err(StoreError::from);
            match bad {
                Err(StoreError::Corrupt(msg)) => assert!(msg.contains(column), "{msg}"),
                other => panic!("{id} {kind}: {other:?}"),
            }
        }
        let grant = "SELECT 'grt_01J00000000000000000000000' AS id, \
             'adv_01J00000000000000000000000' AS advertiser_id, \
             'agt_01J00000000000000000000000' AS agent_id, 'active' AS status, \
             'reporting' AS purpose, NULL AS policy, $1 AS created_at, \
             NULL AS expires_at, NULL AS revoked_at, $1 AS updated_at, $2 AS version, \
             NULL AS not_before";
        let now = chrono::Utc::now();
        let g: Grant = sqlx::query_as(grant)
            .bind(now)
            .bind(3_i32)
            .fetch_one(&pool)
            .await?;
        assert_eq!(g.version, 3);
        let negative = sqlx::query_as::<_, Grant>(grant)
            .bind(now)
            .bind(-1_i32)
            .fetch_one(&pool)
            .await
            .map_err(StoreError::from);
        assert!(
            matches!(negative, Err(StoreError::Corrupt(_))),
            "{negative:?}"
        );
        Ok(())
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Bid"), "%bid%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
