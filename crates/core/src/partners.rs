//! Changes a partner's developers make: applications, agents and their credentials, and what
//! the partner asks of accounts. Each takes the [`Develop`] proof and acts for that partner only
//! (an agent of another partner is `NotFound`).

use crate::access::Develop;
use charter_model::{
    AccessRequest, Advertiser, Agent, AgentId, AgentStatus, Application, ClientKeyId, Name,
    SecretId,
};
use charter_store::{
    ClientKey, ClientSecretInfo, ConsentStore, DirectoryStore, IdentityStore, IssuedSecret,
    NewAccessRequest, NewAgent, StoreError,
};

/// Creates an application of the partner.
pub async fn create_application<S: DirectoryStore + ?Sized>(
    store: &S,
    d: &Develop,
    name: &Name,
    description: &str,
) -> Result<Application, StoreError> {
    store
        .create_application(&d.actor(), d.id(), name, description)
        .await
}

/// Registers an agent under one of the partner's applications.
pub async fn register_agent<S: DirectoryStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: NewAgent,
) -> Result<Agent, StoreError> {
    store.create_agent(&d.actor(), d.id(), agent).await
}

/// Creates a client secret for an agent of the partner; the secret is in the answer only.
pub async fn create_client_secret<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
) -> Result<IssuedSecret, StoreError> {
    store.create_client_secret(&d.actor(), d.id(), agent).await
}

/// Revokes a client secret of an agent of the partner.
pub async fn revoke_client_secret<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    secret: &SecretId,
) -> Result<ClientSecretInfo, StoreError> {
    store
        .revoke_client_secret(&d.actor(), d.id(), agent, secret)
        .await
}

/// Registers a public key (`private_key_jwt`) for an agent of the partner.
pub async fn add_client_key<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    kid: &str,
    public_key: &str,
) -> Result<ClientKey, StoreError> {
    store
        .add_client_key(&d.actor(), d.id(), agent, kid, public_key)
        .await
}

/// Revokes a registered public key of an agent of the partner.
pub async fn revoke_client_key<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    key: &ClientKeyId,
) -> Result<ClientKey, StoreError> {
    store
        .revoke_client_key(&d.actor(), d.id(), agent, key)
        .await
}

/// Disables or re-enables an agent of the partner everywhere (its kill switch).
pub async fn set_agent_status<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    status: AgentStatus,
) -> Result<(), StoreError> {
    store
        .set_agent_status(&d.actor(), d.id(), agent, status)
        .await
}

/// Files the partner's request for access to an account that knows it.
pub async fn file_access_request<S: ConsentStore + ?Sized>(
    store: &S,
    d: &Develop,
    request: NewAccessRequest,
) -> Result<AccessRequest, StoreError> {
    store
        .create_access_request(&d.actor_for_advertisers(), d.id(), request)
        .await
}

/// Redeems an account's invitation code for the partner: the account now knows it.
pub async fn redeem_invitation<S: ConsentStore + ?Sized>(
    store: &S,
    d: &Develop,
    code: &str,
) -> Result<Advertiser, StoreError> {
    store
        .redeem_invitation(&d.actor_for_advertisers(), d.id(), code)
        .await
}
