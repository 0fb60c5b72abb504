//! The store's one error type.

use crate::model::ParseError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A quota is reached; the message says which, for the person who hit it.
    #[error("{0}")]
    Limit(String),
    #[error(transparent)]
    Invalid(#[from] ParseError),
    /// Caps that cannot hold together ([`crate::model::SpendLimits::check`]).
    #[error(transparent)]
    Caps(#[from] crate::model::CapError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database url `{0}`: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("password hashing failed: {0}")]
    Password(String),
    /// A change to a revoked grant: it stays revoked, and only a new access request (approved
    /// again) brings the agent back.
    #[error("this grant is revoked and cannot be changed; the partner must ask again")]
    Revoked,
    /// A change made from version `base` of a grant that is now version `current`.
    #[error("the grant is now version {current}, not version {base}")]
    Stale { base: u32, current: u32 },
    /// A write that changes the product's state tried to commit without its audit event
    /// (a bug in the store, refused so that the trail stays complete).
    #[error("a change without its audit event was refused")]
    Unaudited,
    #[error("a background task failed: {0}")]
    Task(String),
}

impl From<sqlx::Error> for StoreError {
    /// A column that does not decode (an id or enum that no longer parses) is corrupt data, not
    /// a database failure.
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::ColumnDecode { index, source } => {
                StoreError::Corrupt(format!("column {index}: {source}"))
            }
            e => StoreError::Database(e),
        }
    }
}

impl From<std::convert::Infallible> for StoreError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
