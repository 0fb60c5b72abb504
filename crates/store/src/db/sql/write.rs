//! [`WriteTx`]: the one way the store writes, so that two invariants hold by construction
//! rather than by care at every mutation:
//!
//! - **An audited change commits with its audit event.** A transaction begun with
//!   `begin_write` refuses to commit ([`StoreError::Unaudited`]) unless an audit event was
//!   written in it through [`WriteTx::audit`]; only the simulated ad platform, spend
//!   bookkeeping, rate limits and the decision trail itself begin with `begin_bookkeeping`,
//!   whose commits need none.
//! - **A revocation is effective on the next request.** A change that can end access
//!   ([`Change`]) is given to [`WriteTx::changed`], which sends the notification to the other
//!   processes inside the transaction (PostgreSQL delivers it when, and only if, it commits);
//!   [`WriteTx::commit`] then applies it to this process's revocation index. Neither step can
//!   be forgotten at a call site, because neither is written there.

use crate::db::{NewAuditEvent, Result, StoreError};
use crate::model::AuditEvent;
use crate::revocation::{Change, RevocationIndex};
use async_trait::async_trait;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

type Conn<S> = <<S as Ceremony>::Db as sqlx::Database>::Connection;

/// What commit needs of a backend: its own SQL for an audit row and a change notice.
/// Implemented by `sql_store!` for each store; called only by [`WriteTx`].
#[async_trait]
pub(super) trait Ceremony: Send + Sync + 'static {
    type Db: sqlx::Database;
    /// Appends `ev` to its audit chain inside the transaction on `conn`.
    async fn write_audit(conn: &mut Conn<Self>, ev: NewAuditEvent) -> Result<AuditEvent>;
    /// Tells the other processes of `change` (on PostgreSQL, `pg_notify` in the transaction).
    async fn send_notice(conn: &mut Conn<Self>, change: &Change) -> Result<()>;
}

/// Whether a transaction must write an audit event before it may commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Audit {
    /// A change a person or an agent made to the product's state: audited.
    Required,
    /// The ad platform's simulated data, spend reservations, rate limits, the decision trail.
    Bookkeeping,
}

/// A write transaction (see the module's documentation). Dereferences to the connection, so
/// statements run on `&mut *tx`; dropping it without [`commit`](Self::commit) rolls back.
pub(super) struct WriteTx<S: Ceremony> {
    tx: sqlx::Transaction<'static, S::Db>,
    index: Arc<RevocationIndex>,
    changes: Vec<Change>,
    audit: Audit,
    audited: bool,
}

impl<S: Ceremony> WriteTx<S> {
    pub(super) fn new(
        tx: sqlx::Transaction<'static, S::Db>,
        index: Arc<RevocationIndex>,
        audit: Audit,
    ) -> Self {
        Self {
            tx,
            index,
            changes: Vec::new(),
            audit,
            audited: false,
        }
    }

    /// The transaction's connection, for helpers that take the whole `WriteTx`.
    pub(super) fn conn(&mut self) -> &mut Conn<S> {
        &mut self.tx
    }

    /// Writes `ev` in this transaction and returns it as stored (with its chain position).
    pub(super) async fn audit(&mut self, ev: NewAuditEvent) -> Result<AuditEvent> {
        let event = S::write_audit(&mut *self.tx, ev).await?;
        self.audited = true;
        Ok(event)
    }

    /// Records a change that can end access: notified now (delivered on commit), applied to
    /// this process's index after commit.
    pub(super) async fn changed(&mut self, change: Change) -> Result<()> {
        S::send_notice(&mut *self.tx, &change).await?;
        self.changes.push(change);
        Ok(())
    }

    /// Commits, then applies the recorded changes to the revocation index. Refuses (and rolls
    /// back) an audited transaction that wrote no audit event.
    pub(super) async fn commit(self) -> Result<()> {
        if self.audit == Audit::Required && !self.audited {
            return Err(StoreError::Unaudited);
        }
        self.tx.commit().await?;
        for change in &self.changes {
            self.index.apply(change);
        }
        Ok(())
    }
}

impl<S: Ceremony> WriteTx<S> {
    /// Rolls back explicitly (dropping the transaction does the same, later); nothing recorded
    /// is applied.
    pub(super) async fn rollback(self) -> Result<()> {
        Ok(self.tx.rollback().await?)
    }
}

impl<S: Ceremony> Deref for WriteTx<S> {
    type Target = Conn<S>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<S: Ceremony> DerefMut for WriteTx<S> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

#[cfg(test)]
mod tests {
    use super::super::SqliteStore;
    use super::*;
    use crate::db::connect;
    use crate::model::{Actor, GrantStatus};
    use crate::revocation::{GrantState, Lookup};
    use chrono::Utc;

    /// A store on a fresh SQLite file, migrated.
    async fn store(name: &str) -> Result<SqliteStore> {
        let dir =
            std::env::temp_dir().join(format!("charter-writetx-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = connect(&format!("sqlite://{}", dir.join("db.sqlite").display())).await?;
        db.migrate().await?;
        match db.pool {
            crate::db::Pool::Sqlite(pool) => Ok(SqliteStore::new(pool)),
            crate::db::Pool::Postgres(_) => Err(StoreError::Corrupt("not sqlite".into())),
        }
    }

    async fn partners(store: &SqliteStore) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM partners")
            .fetch_one(store.pool())
            .await?;
        Ok(n)
    }

    async fn insert_partner(tx: &mut WriteTx<SqliteStore>) -> Result<()> {
        sqlx::query("INSERT INTO partners (id, name, kind, created_at) VALUES ($1, $2, $3, $4)")
            .bind("ptn_01J00000000000000000000000")
            .bind("Acme")
            .bind("agency")
            .bind(Utc::now())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    fn event() -> NewAuditEvent {
        NewAuditEvent {
            advertiser_id: None,
            partner_id: None,
            actor: Actor::System {
                label: "test".into(),
            },
            action: "partner.created",
            target_kind: "partner",
            target_id: "ptn_01J00000000000000000000000".into(),
            before: None,
            after: None,
            reason: None,
        }
    }

    fn revoked() -> Change {
        Change::Grant(GrantState {
            id: "grt_1".into(),
            status: GrantStatus::Revoked,
            version: 1,
            not_before: None,
            expires_at: None,
        })
    }

    #[tokio::test]
    async fn a_change_without_its_audit_event_is_refused_and_rolled_back() -> Result<()> {
        let store = store("unaudited").await?;
        let mut tx = store.begin_write().await?;
        insert_partner(&mut tx).await?;
        tx.changed(revoked()).await?;
        assert!(matches!(tx.commit().await, Err(StoreError::Unaudited)));
        assert_eq!(partners(&store).await?, 0, "the change was rolled back");
        assert_eq!(
            store.index.check("grt_1", 1, &[], &[], Utc::now()),
            Lookup::Unknown,
            "a refused commit applies nothing to the revocation index"
        );
        Ok(())
    }

    #[tokio::test]
    async fn an_audited_change_commits_and_applies_its_revocation() -> Result<()> {
        let store = store("audited").await?;
        let mut tx = store.begin_write().await?;
        insert_partner(&mut tx).await?;
        tx.changed(revoked()).await?;
        assert_eq!(
            store.index.check("grt_1", 1, &[], &[], Utc::now()),
            Lookup::Unknown,
            "nothing is applied before the commit"
        );
        let event = tx.audit(event()).await?;
        tx.commit().await?;
        assert_eq!(partners(&store).await?, 1);
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE id = $1")
            .bind(event.id.as_str())
            .fetch_one(store.pool())
            .await?;
        assert_eq!(n, 1, "the audit event is stored with the change");
        assert!(matches!(
            store.index.check("grt_1", 1, &[], &[], Utc::now()),
            Lookup::Denied(_)
        ));
        Ok(())
    }

    #[tokio::test]
    async fn bookkeeping_commits_without_an_audit_event() -> Result<()> {
        let store = store("bookkeeping").await?;
        let mut tx = store.begin_bookkeeping().await?;
        insert_partner(&mut tx).await?;
        tx.commit().await?;
        assert_eq!(partners(&store).await?, 1);
        Ok(())
    }
}
