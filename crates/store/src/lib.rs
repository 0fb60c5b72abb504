//! Charter's domain model and persistent store.
//!
//! Without the `db` feature this crate holds only the wasm-safe model types ([`model`]),
//! which the UI shares with the server. With `db` it adds the [`Store`] trait and its SQLite
//! and PostgreSQL implementations, chosen from the `DATABASE_URL` scheme by [`connect`].
#![forbid(unsafe_code)]

/// The domain model, from `charter-model` (re-exported so `charter_store::model::X` names it).
pub use charter_model as model;
pub mod revoked;

#[cfg(feature = "db")]
mod db;
#[cfg(feature = "db")]
pub mod revocation;
#[cfg(feature = "db")]
pub use db::*;
