//! Changes to who may ask an account for access and on what terms: guardrails, invitations and
//! decisions on access requests. Each takes the [`Manage`] proof and acts on that account only.

use crate::access::Manage;
use charter_model::{
    AccessRequest, AccessRequestId, Guardrail, GuardrailId, Invitation, InvitationId,
};
use charter_store::{ConsentDecision, ConsentStore, IssuedInvitation, StoreError};

/// Adds a guardrail: a critical permission (actions over resources) no agent may hold.
pub async fn add_guardrail<S: ConsentStore + ?Sized>(
    store: &S,
    m: &Manage,
    name: &str,
    actions: &[String],
    resources: &[String],
) -> Result<Guardrail, StoreError> {
    store
        .add_guardrail(m.actor(), m.account(), name, actions, resources)
        .await
}

/// Removes a guardrail of the account.
pub async fn remove_guardrail<S: ConsentStore + ?Sized>(
    store: &S,
    m: &Manage,
    id: &GuardrailId,
) -> Result<(), StoreError> {
    store.remove_guardrail(m.actor(), m.account(), id).await
}

/// Creates an invitation; its code is in the answer only.
pub async fn create_invitation<S: ConsentStore + ?Sized>(
    store: &S,
    m: &Manage,
    label: &str,
) -> Result<IssuedInvitation, StoreError> {
    store.create_invitation(m.actor(), m.account(), label).await
}

/// Withdraws an invitation that was not redeemed (`Conflict` when it was).
pub async fn withdraw_invitation<S: ConsentStore + ?Sized>(
    store: &S,
    m: &Manage,
    id: &InvitationId,
) -> Result<Invitation, StoreError> {
    store.withdraw_invitation(m.actor(), m.account(), id).await
}

/// Approves or denies a pending access request (`Conflict` when it was decided already).
pub async fn decide_access_request<S: ConsentStore + ?Sized>(
    store: &S,
    m: &Manage,
    id: &AccessRequestId,
    decision: ConsentDecision,
) -> Result<AccessRequest, StoreError> {
    store
        .decide_access_request(m.actor(), m.account(), id, decision)
        .await
}
