//! Grants as an advertiser manages them: creating one, the Agents page (list, counts, partner
//! filter), an agent's detail, and revoking. Implemented for both backends in `sql/grants.rs`.

use super::Result;
use crate::model::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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

/// The result of revoking one grant.
#[derive(Debug, Clone, PartialEq)]
pub enum RevokeOutcome {
    Revoked(Grant),
    AlreadyRevoked(Grant),
}

/// The grants on an advertiser's account.
#[async_trait]
pub trait GrantStore: Send + Sync {
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
    /// The account's grants of `agents` with their holders, in the order of `agents` (an
    /// agent without a grant on the account is left out): four queries per 200 agents, where
    /// [`Self::agent_detail`] takes six per agent.
    async fn grant_holders(
        &self,
        advertiser: &AdvertiserId,
        agents: &[AgentId],
    ) -> Result<Vec<GrantHolder>>;
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
}
