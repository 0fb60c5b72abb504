//! The [`Store`] trait and its SQLite and PostgreSQL implementations.
//!
//! Every method that changes state writes its audit event in the **same transaction** as the
//! change (see `sql.rs`), so a change without its audit row can never be committed.

mod audit;
mod connect;
mod consent;
mod enforce;
mod error;
mod identity;
mod listener;
mod password;
mod sandbox;
mod sql;

use crate::model::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub use audit::*;
pub use connect::{Db, Pool, connect};
pub use consent::*;
pub use enforce::*;
pub use error::{Result, StoreError};
pub use identity::*;
pub use listener::spawn_revocation_listener;
pub use password::{hash_password, verify_password};
pub use sandbox::*;
pub use sql::{PgStore, SqliteStore, new_event_id};

/// The store as the rest of the server holds it.
pub type DynStore = Arc<dyn Store>;

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

/// A grant to create (used by the demo seed and, later, by consent).
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub advertiser_id: AdvertiserId,
    pub agent_id: AgentId,
    pub purpose: Purpose,
    pub status: GrantStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub not_before: Option<DateTime<Utc>>,
    /// The policy document (JSON), already validated by the caller.
    pub policy: Option<String>,
}

/// An agent to register under an application.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub application: ApplicationId,
    pub name: Name,
    pub description: String,
    pub purposes: Vec<Purpose>,
    pub party: Party,
}

/// The result of revoking one grant.
#[derive(Debug, Clone, PartialEq)]
pub enum RevokeOutcome {
    Revoked(Grant),
    AlreadyRevoked(Grant),
}

/// How sign-in attempts are slowed down for one throttle key (see
/// [`Store::claim_login_attempt`]): the first `free` attempts in a row go at once; after the
/// `n`th (n ≥ `free`) the next must wait `base_secs × 2^(n − free)`, at most `max_secs`. A key
/// left alone for `window_secs` starts again from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u64,
    pub base_secs: i64,
    pub max_secs: i64,
    pub window_secs: i64,
}

impl Backoff {
    /// The wait before the attempt after the `n`th counted one (1-based), in seconds.
    pub fn delay_after(&self, n: u64) -> i64 {
        if n < self.free {
            return 0;
        }
        let doublings = u32::try_from(n - self.free).unwrap_or(u32::MAX).min(40);
        self.base_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_secs)
    }
}

/// Persistent state. Every query that reads account data takes the advertiser (or partner) it
/// is scoped to; a row of another tenant is indistinguishable from a missing one.
#[async_trait]
pub trait Store:
    IdentityStore + ConsentStore + AuditStore + EnforcementStore + SandboxStore + Send + Sync + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// True when no person exists yet (a fresh database).
    async fn is_empty(&self) -> Result<bool>;

    // --- directory -------------------------------------------------------------------
    async fn create_advertiser(
        &self,
        actor: &Actor,
        name: &Name,
        marketplace: &str,
        currency: &str,
    ) -> Result<Advertiser>;
    async fn advertiser(&self, id: &AdvertiserId) -> Result<Option<Advertiser>>;
    /// Support search over all accounts by name, marketplace or exact id.
    async fn search_advertisers(&self, query: &str, limit: u32) -> Result<Vec<Advertiser>>;
    async fn create_person(
        &self,
        actor: &Actor,
        email: &Email,
        display_name: &Name,
        password: &str,
        is_support: bool,
    ) -> Result<Person>;
    async fn person(&self, id: &PersonId) -> Result<Option<Person>>;
    /// Verifies an email and password. Takes the same time whether or not the person exists.
    async fn authenticate(&self, email: &Email, password: &str) -> Result<Option<Person>>;
    async fn add_advertiser_member(
        &self,
        actor: &Actor,
        person: &PersonId,
        advertiser: &AdvertiserId,
        role: AdvertiserRole,
    ) -> Result<()>;
    async fn memberships(&self, person: &PersonId) -> Result<Vec<Membership>>;
    async fn membership_role(
        &self,
        person: &PersonId,
        advertiser: &AdvertiserId,
    ) -> Result<Option<AdvertiserRole>>;

    // --- partners, applications, agents ------------------------------------------------
    async fn create_partner(
        &self,
        actor: &Actor,
        name: &Name,
        kind: PartnerKind,
    ) -> Result<Partner>;
    async fn add_partner_member(
        &self,
        actor: &Actor,
        person: &PersonId,
        partner: &PartnerId,
    ) -> Result<()>;
    async fn partners_of(&self, person: &PersonId) -> Result<Vec<Partner>>;
    /// The partner, if `person` is one of its developers.
    async fn partner_for_member(
        &self,
        person: &PersonId,
        partner: &PartnerId,
    ) -> Result<Option<Partner>>;
    async fn create_application(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        name: &Name,
        description: &str,
    ) -> Result<Application>;
    async fn applications_with_agents(
        &self,
        partner: &PartnerId,
    ) -> Result<Vec<ApplicationWithAgents>>;
    /// Registers an agent under an application of `partner`; `NotFound` if the application
    /// belongs to another partner.
    async fn create_agent(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        agent: NewAgent,
    ) -> Result<Agent>;

    // --- grants ------------------------------------------------------------------------
    async fn create_grant(&self, actor: &Actor, grant: NewGrant) -> Result<Grant>;
    async fn list_agent_grants(
        &self,
        advertiser: &AdvertiserId,
        query: &AgentQuery,
    ) -> Result<Page<AgentGrantRow>>;
    /// Grants on the account by state.
    async fn grant_counts(
        &self,
        advertiser: &AdvertiserId,
        now: DateTime<Utc>,
    ) -> Result<GrantCounts>;
    /// Partners that hold at least one grant on the account (for the filter).
    async fn partners_on_account(&self, advertiser: &AdvertiserId) -> Result<Vec<Partner>>;
    async fn agent_detail(
        &self,
        advertiser: &AdvertiserId,
        agent: &AgentId,
    ) -> Result<Option<AgentDetail>>;
    async fn revoke_grant(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        agent: &AgentId,
        reason: Option<&str>,
    ) -> Result<RevokeOutcome>;
    /// Revokes every grant on the account that is not revoked yet; returns how many.
    async fn revoke_all(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        reason: Option<&str>,
    ) -> Result<u64>;
    /// Revokes every grant on the account held by an agent of `partner`; returns how many.
    async fn revoke_partner(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        partner: &PartnerId,
        reason: Option<&str>,
    ) -> Result<u64>;

    // --- audit -------------------------------------------------------------------------
    /// Appends an event that records a look rather than a change (support views).
    async fn record_event(&self, event: NewAuditEvent) -> Result<AuditEvent>;
    async fn advertiser_events(
        &self,
        advertiser: &AdvertiserId,
        page: u32,
        per_page: u32,
    ) -> Result<Page<AuditEvent>>;

    // --- sign-in throttling -------------------------------------------------------------
    /// Claims one sign-in attempt under every key at once, atomically (one write transaction
    /// holding each key's row, so parallel attempts are counted one after another). When any
    /// key must still wait, nothing is counted and the wait in whole seconds (≥ 1) comes back;
    /// otherwise each key's count goes up by one (the attempt counts as a failure until
    /// [`Store::login_succeeded`] says otherwise) and its next allowed time is set from its
    /// [`Backoff`].
    async fn claim_login_attempt(
        &self,
        keys: &[(String, Backoff)],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>>;
    /// After a successful sign-in: forgets the `clear` keys, and takes the claimed attempt
    /// back from the `refund` keys.
    async fn login_succeeded(&self, clear: &[String], refund: &[String]) -> Result<()>;
}

#[cfg(test)]
mod backoff_tests {
    use super::Backoff;

    #[test]
    fn the_delay_doubles_after_the_free_attempts_up_to_the_cap() {
        let b = Backoff {
            free: 5,
            base_secs: 10,
            max_secs: 600,
            window_secs: 900,
        };
        let want = [
            (1, 0),
            (4, 0),
            (5, 10),
            (6, 20),
            (7, 40),
            (9, 160),
            (10, 320),
            (11, 600),
            (60, 600),
            (u64::MAX, 600),
        ];
        for (n, secs) in want {
            assert_eq!(b.delay_after(n), secs, "after attempt {n}");
        }
    }
}
