//! Connecting: the pool of either backend and the one store over it.

use super::{DynStore, PgStore, Result, SqliteStore, StoreError};
use std::sync::Arc;

/// A connection pool of either backend.
#[derive(Clone)]
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// A connected database: the pool (for the session store) and the one [`Store`] over it. Every
/// clone shares that store, and so its revocation index.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    store: DynStore,
}

impl Db {
    pub fn new(pool: Pool) -> Db {
        let store: DynStore = match &pool {
            Pool::Sqlite(p) => Arc::new(SqliteStore::new(p.clone())),
            Pool::Postgres(p) => Arc::new(PgStore::new(p.clone())),
        };
        Db { pool, store }
    }

    pub fn store(&self) -> DynStore {
        self.store.clone()
    }

    /// Applies this backend's migrations (`migrations/sqlite` or `migrations/postgres`), then
    /// chains the audit events written before the audit chain existed (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("../../migrations/sqlite").run(pool).await?,
            Pool::Postgres(pool) => {
                sqlx::migrate!("../../migrations/postgres")
                    .run(pool)
                    .await?
            }
        }
        self.store.chain_unchained_events().await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// Connects to `url`, choosing the backend from its scheme (`sqlite:` or `postgres:`). A SQLite
/// file and its parent directory are created when missing.
pub async fn connect(url: &str) -> Result<Db> {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    use std::str::FromStr;
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let path = opts.get_filename();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Ok(Db::new(Pool::Sqlite(pool)))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        Ok(Db::new(Pool::Postgres(pool)))
    } else {
        let scheme: String = url
            .split(':')
            .next()
            .unwrap_or("")
            .chars()
            .take(32)
            .collect();
        Err(StoreError::UnsupportedUrl(scheme))
    }
}
