//! The [`Store`] trait and its SQLite and PostgreSQL implementations. `Store` is the sum of one
//! trait per area, each declared in its own file here (`directory.rs`, `grants.rs`,
//! `identity.rs`, `consent.rs`, `audit.rs`, `enforce.rs`, `sandbox/`, `throttle.rs`) and
//! implemented in the file (or folder) of the same name under `sql/`.
//!
//! Every method that changes state writes its audit event in the **same transaction** as the
//! change, through `sql/write.rs`'s `WriteTx`, whose commit refuses a change without its audit
//! event and applies revocations to the index.

mod audit;
mod connect;
mod consent;
mod directory;
mod enforce;
mod error;
mod grants;
mod identity;
mod listener;
mod password;
mod sandbox;
mod sql;
mod throttle;

use crate::model::*;
use async_trait::async_trait;
use std::sync::Arc;

pub use audit::*;
pub use connect::{Db, Pool, connect};
pub use consent::*;
pub use directory::*;
pub use enforce::*;
pub use error::{Result, StoreError};
pub use grants::*;
pub use identity::*;
pub use listener::spawn_revocation_listener;
pub use password::{hash_password, verify_password};
pub use sandbox::*;
pub use sql::{PgStore, SqliteStore, new_event_id};
pub use throttle::*;

/// The store as the rest of the server holds it.
pub type DynStore = Arc<dyn Store>;

/// The part of the store the sandbox Ads API sees: its own entities and nothing else (a
/// [`DynStore`] coerces to it).
pub type SandboxDb = Arc<dyn SandboxStore>;

/// An audit event to append; `Store` methods build these for their own changes.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub advertiser_id: Option<AdvertiserId>,
    pub partner_id: Option<PartnerId>,
    pub actor: Actor,
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// Persistent state. Every query that reads account data takes the advertiser (or partner) it
/// is scoped to; a row of another tenant is indistinguishable from a missing one.
#[async_trait]
pub trait Store:
    DirectoryStore
    + GrantStore
    + IdentityStore
    + ConsentStore
    + AuditStore
    + EnforcementStore
    + SandboxStore
    + ThrottleStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// True when no person exists yet (a fresh database).
    async fn is_empty(&self) -> Result<bool>;
}
