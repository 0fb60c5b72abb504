//! Consent: access requests, guardrails and application ceilings. Implemented for both
//! backends in `sql/consent.rs`. The proofs (guardrails, ceiling, narrowing) are made by the
//! caller with `authz::consent::review`; the store records the decision atomically.

use super::Result;
use crate::model::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The most pending requests one partner may have on one account.
pub const MAX_PENDING_REQUESTS_PER_ACCOUNT: i64 = 10;
/// The most pending requests one partner may have across all accounts.
pub const MAX_PENDING_REQUESTS_PER_PARTNER: i64 = 50;

/// A request to file.
#[derive(Debug, Clone)]
pub struct NewAccessRequest {
    pub advertiser_id: AdvertiserId,
    pub agent_id: AgentId,
    pub purpose: Purpose,
    pub policy: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub note: String,
}

/// The advertiser's decision.
#[derive(Debug, Clone)]
pub enum ConsentDecision {
    /// Grant `policy` (the request's, or narrowed), and set the application's ceiling to
    /// `ceiling` when given.
    Approve {
        policy: String,
        expires_at: Option<DateTime<Utc>>,
        ceiling: Option<String>,
        note: Option<String>,
    },
    Deny {
        note: Option<String>,
    },
}

#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Files a request from `partner` for its agent; `NotFound` for a foreign agent or an
    /// unknown account; `Limit` when the partner already has
    /// [`MAX_PENDING_REQUESTS_PER_ACCOUNT`] pending requests on the account or
    /// [`MAX_PENDING_REQUESTS_PER_PARTNER`] in all (counted under a lock on the partner's row,
    /// so concurrent filings cannot exceed them).
    async fn create_access_request(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        request: NewAccessRequest,
    ) -> Result<AccessRequest>;
    /// The requests on an account, newest first (pending ones first).
    async fn access_requests(&self, advertiser: &AdvertiserId) -> Result<Vec<AccessRequestRow>>;
    async fn access_request(
        &self,
        advertiser: &AdvertiserId,
        id: &AccessRequestId,
    ) -> Result<Option<AccessRequestRow>>;
    /// The requests a partner filed, newest first.
    async fn partner_access_requests(&self, partner: &PartnerId) -> Result<Vec<AccessRequestRow>>;
    /// Records the decision; on approval creates the grant or its next version, and the
    /// ceiling, in the same transaction. `Conflict` when the request is no longer pending.
    async fn decide_access_request(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        id: &AccessRequestId,
        decision: ConsentDecision,
    ) -> Result<AccessRequest>;

    async fn guardrails(&self, advertiser: &AdvertiserId) -> Result<Vec<Guardrail>>;
    async fn add_guardrail(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        name: &str,
        actions: &[String],
        resources: &[String],
    ) -> Result<Guardrail>;
    async fn remove_guardrail(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        id: &GuardrailId,
    ) -> Result<()>;

    async fn app_ceiling(
        &self,
        advertiser: &AdvertiserId,
        application: &ApplicationId,
    ) -> Result<Option<AppCeiling>>;
    /// Every grant on the account held by an agent of `application`.
    async fn application_grants(
        &self,
        advertiser: &AdvertiserId,
        application: &ApplicationId,
    ) -> Result<Vec<Grant>>;
}
