//! Consent: access requests, guardrails, application ceilings, and the invitations by which an
//! advertiser introduces a partner. Implemented for both backends in `sql/consent.rs`. The
//! proofs (guardrails, ceiling, narrowing) are made by the caller with
//! `authz::consent::review`; the store records the decision atomically.
//!
//! A partner may ask only accounts that know it: an agent of the partner holds or held a grant
//! on the account (any status), or the partner redeemed one of the account's invitations.
//! `KNOWN_TO_PARTNER` in `sql/consent.rs` is that rule, once.

use super::Result;
use crate::model::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The most pending requests one partner may have on one account.
pub const MAX_PENDING_REQUESTS_PER_ACCOUNT: i64 = 10;
/// The most pending requests one partner may have across all accounts.
pub const MAX_PENDING_REQUESTS_PER_PARTNER: i64 = 50;

/// How long an invitation code can be redeemed, from its creation.
pub const INVITATION_TTL_DAYS: i64 = 7;
/// The most open invitations one account may have at once.
pub const MAX_OPEN_INVITATIONS: i64 = 20;
/// Every invitation code starts with this, then 43 characters of base64url (32 random bytes).
pub const INVITATION_CODE_PREFIX: &str = "chinv_";
/// The longest code that is looked up at all, in bytes; a longer one is not valid.
pub const MAX_INVITATION_CODE_LEN: usize = 64;

/// A new invitation and its code, which is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedInvitation {
    pub invitation: Invitation,
    pub code: String,
}

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
    /// Files a request from `partner` for its agent; `NotFound` for a foreign agent, for an
    /// account that does not exist and for one that does not know the partner (alike);
    /// `Limit` when the partner already has
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

    /// The account, if it exists and knows `partner`; `None` alike otherwise.
    async fn known_advertiser(
        &self,
        partner: &PartnerId,
        advertiser: &AdvertiserId,
    ) -> Result<Option<Advertiser>>;
    /// The accounts that know `partner`, by name (at most 500).
    async fn known_advertisers(&self, partner: &PartnerId) -> Result<Vec<Advertiser>>;

    /// Creates an invitation on the account, open for [`INVITATION_TTL_DAYS`], and returns its
    /// code (32 random bytes; only its keyed hash is stored). `Limit` when the account already
    /// has [`MAX_OPEN_INVITATIONS`] open ones. Audited as `invitation.created`.
    async fn create_invitation(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        label: &str,
    ) -> Result<IssuedInvitation>;
    /// The account's invitations, newest first (at most 100).
    async fn invitations(&self, advertiser: &AdvertiserId) -> Result<Vec<Invitation>>;
    /// Withdraws an invitation that was not redeemed (withdrawing it again changes nothing);
    /// `NotFound` for another account's, `Conflict` for a redeemed one. Audited as
    /// `invitation.withdrawn`.
    async fn withdraw_invitation(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        id: &InvitationId,
    ) -> Result<Invitation>;
    /// Redeems an open invitation for `partner`: the account now knows the partner. The code is
    /// found by its keyed hash, so nothing is compared with a stored code. `NotFound` for every
    /// code that is not open (wrong, too long, used, withdrawn, expired), alike. Audited as
    /// `invitation.redeemed` on the account's chain with the partner.
    async fn redeem_invitation(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        code: &str,
    ) -> Result<Advertiser>;

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
