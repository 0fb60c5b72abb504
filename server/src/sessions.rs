//! The session store: tower-sessions' sqlx stores on the same database as everything else.

use async_trait::async_trait;
use charter_store::{Db, Pool};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The sqlx session store for whichever backend `DATABASE_URL` chose.
#[derive(Debug, Clone)]
pub enum AnySessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl AnySessionStore {
    pub fn new(db: &Db) -> Self {
        match &db.pool {
            Pool::Sqlite(pool) => AnySessionStore::Sqlite(SqliteStore::new(pool.clone())),
            Pool::Postgres(pool) => AnySessionStore::Postgres(PostgresStore::new(pool.clone())),
        }
    }

    /// Creates the session table when missing.
    pub async fn migrate(&self) -> sqlx::Result<()> {
        match self {
            AnySessionStore::Sqlite(s) => s.migrate().await,
            AnySessionStore::Postgres(s) => s.migrate().await,
        }
    }

    /// Deletes expired sessions every `period`, forever (run it as a task).
    pub async fn delete_expired_every(self, period: std::time::Duration) {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let result = match &self {
                AnySessionStore::Sqlite(s) => s.delete_expired().await,
                AnySessionStore::Postgres(s) => s.delete_expired().await,
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "deleting expired sessions failed");
            }
        }
    }
}

#[async_trait]
impl SessionStore for AnySessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            AnySessionStore::Sqlite(s) => s.create(record).await,
            AnySessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            AnySessionStore::Sqlite(s) => s.save(record).await,
            AnySessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            AnySessionStore::Sqlite(s) => s.load(id).await,
            AnySessionStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            AnySessionStore::Sqlite(s) => s.delete(id).await,
            AnySessionStore::Postgres(s) => s.delete(id).await,
        }
    }
}
