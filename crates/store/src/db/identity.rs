//! Agent identity: client credentials, signing keys, minted tokens (and so delegations) and
//! grant versions. Implemented for both backends in `sql/identity.rs`.

use super::Result;
use crate::model::*;
use crate::revocation::RevocationIndex;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A client secret as listed (never the secret itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ClientSecretInfo {
    pub id: SecretId,
    pub agent_id: AgentId,
    /// The last four characters, so people can tell secrets apart.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A freshly created secret: `secret` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedSecret {
    pub info: ClientSecretInfo,
    pub secret: String,
}

/// A registered Ed25519 public key for `private_key_jwt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ClientKey {
    pub id: ClientKeyId,
    pub agent_id: AgentId,
    pub kid: String,
    /// The JWK `x` member: the raw 32-byte key, base64url without padding.
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One of the server's token-signing keys (hex-encoded Ed25519 key bytes).
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    pub kid: u32,
    pub private_key: String,
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// An agent as token issuance sees it: with its application and partner.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentIdentity {
    pub agent: Agent,
    pub partner_id: PartnerId,
    pub partner_name: String,
}

/// A token Charter minted. Tokens with a parent are delegations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub jti: TokenId,
    pub advertiser_id: AdvertiserId,
    pub grant_id: GrantId,
    pub grant_version: u32,
    pub agent_id: AgentId,
    pub parent_jti: Option<TokenId>,
    pub depth: u32,
    /// The agents that acted before the holder, root first (RFC 8693 `act` chain).
    pub actor_chain: Vec<AgentId>,
    /// The delegated scope (JSON policy); `None` for a root token, which holds the grant's.
    pub policy: Option<String>,
    pub purpose: Purpose,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A delegation as the advertiser sees it: a delegated token with the names of both agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelegationRow {
    pub token: TokenRecord,
    pub agent_name: String,
    pub parent_agent_id: Option<AgentId>,
}

/// A change to a grant, which becomes its next version.
#[derive(Debug, Clone)]
pub struct GrantChange {
    pub purpose: Purpose,
    pub policy: Option<String>,
    pub not_before: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// One kept version of a grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct GrantVersion {
    pub grant_id: GrantId,
    #[sqlx(try_from = "i32")]
    pub version: u32,
    pub purpose: Purpose,
    pub policy: Option<String>,
    pub not_before: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub note: Option<String>,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// The in-memory revocation index this store keeps current.
    fn revocations(&self) -> &Arc<RevocationIndex>;
    /// Rebuilds the revocation index from the database.
    async fn reload_revocations(&self) -> Result<()>;

    // --- client credentials (scoped to the partner that owns the agent) --------------
    async fn create_client_secret(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        agent: &AgentId,
    ) -> Result<IssuedSecret>;
    async fn revoke_client_secret(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        agent: &AgentId,
        secret: &SecretId,
    ) -> Result<ClientSecretInfo>;
    async fn client_secrets(
        &self,
        partner: &PartnerId,
        agent: &AgentId,
    ) -> Result<Vec<ClientSecretInfo>>;
    async fn add_client_key(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        agent: &AgentId,
        kid: &str,
        public_key: &str,
    ) -> Result<ClientKey>;
    async fn revoke_client_key(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        agent: &AgentId,
        key: &ClientKeyId,
    ) -> Result<ClientKey>;
    async fn client_keys(&self, partner: &PartnerId, agent: &AgentId) -> Result<Vec<ClientKey>>;

    /// Disables (or re-enables) an agent everywhere: its tokens stop working on the next
    /// request, in every process, and it cannot get new ones.
    async fn set_agent_status(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        agent: &AgentId,
        status: AgentStatus,
    ) -> Result<()>;

    // --- machine authentication (unscoped: the caller is the agent itself) -----------
    /// The agent, its application and partner, if it exists.
    async fn agent_identity(&self, agent: &AgentId) -> Result<Option<AgentIdentity>>;
    /// Verifies a presented client secret: its keyed hash (HMAC-SHA-256 under the server key)
    /// compared in constant time with the stored one; `true` when it is a live secret of
    /// `agent`. A secret stored before keyed hashes (argon2id) still verifies, and is rewritten
    /// to its keyed hash on that first successful use.
    async fn verify_client_secret(&self, agent: &AgentId, presented: &str) -> Result<bool>;
    /// The live public keys of `agent`.
    async fn active_client_keys(&self, agent: &AgentId) -> Result<Vec<ClientKey>>;
    /// Remembers an assertion id until it expires; `false` when it was seen before.
    async fn remember_assertion(
        &self,
        jti: &str,
        agent: &AgentId,
        expires_at: DateTime<Utc>,
    ) -> Result<bool>;

    // --- signing keys -------------------------------------------------------------------
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>>;
    /// Adds a key; `Conflict` when the kid exists (another process won the race).
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<()>;
    async fn retire_signing_key(&self, kid: u32, at: DateTime<Utc>) -> Result<()>;
    /// Replaces a key stored in plain text (`plain`) by its encrypted form, audited. `false`
    /// (and nothing changed) when the stored value is no longer `plain`.
    async fn seal_signing_key(&self, kid: u32, plain: &str, sealed: &str) -> Result<bool>;

    // --- grants and tokens ---------------------------------------------------------------
    /// The grant of `agent` on `advertiser`, whatever its state.
    async fn grant_for(&self, advertiser: &AdvertiserId, agent: &AgentId) -> Result<Option<Grant>>;
    async fn grant_by_id(&self, grant: &GrantId) -> Result<Option<Grant>>;
    /// Records a minted token and its audit event (`token.issued` or `token.delegated`).
    async fn record_token(&self, actor: &Actor, token: &TokenRecord) -> Result<()>;
    async fn token(&self, jti: &TokenId) -> Result<Option<TokenRecord>>;
    /// Revokes a token and all its delegated descendants; returns how many were revoked.
    /// With `holder`, only a token that agent holds or acted in is found (RFC 7009: a client
    /// revokes its own tokens); any other is `NotFound`.
    async fn revoke_token(
        &self,
        actor: &Actor,
        jti: &TokenId,
        holder: Option<&AgentId>,
        reason: &str,
    ) -> Result<u64>;
    /// The delegations made under `agent`'s grant on `advertiser`, newest first.
    async fn delegations(
        &self,
        advertiser: &AdvertiserId,
        agent: &AgentId,
        limit: u32,
    ) -> Result<Vec<DelegationRow>>;
    /// Writes a new version of the grant (policy, purpose, time bounds).
    async fn update_grant(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        agent: &AgentId,
        change: GrantChange,
    ) -> Result<Grant>;
    /// Writes a new version of the grant only if it is still version `base`, checked in the
    /// write's own transaction: a change made from an older version is refused
    /// ([`StoreError::Stale`](crate::StoreError::Stale)), never written over a newer one.
    async fn update_grant_from(
        &self,
        actor: &Actor,
        advertiser: &AdvertiserId,
        agent: &AgentId,
        base: u32,
        change: GrantChange,
    ) -> Result<Grant>;
    async fn grant_versions(
        &self,
        advertiser: &AdvertiserId,
        agent: &AgentId,
    ) -> Result<Vec<GrantVersion>>;
}
