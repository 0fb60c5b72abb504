//! [`IdentityStore`] for both backends, instantiated by `identity_store!` like `sql_store!`.

use super::super::identity::*;
use super::super::password::{KEYED_HASH_PREFIX, ServerKey, keyed_hash, verify_keyed};
use super::*;
use crate::revocation::{Change, GrantState};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The name of the client-secret hashing key in `server_keys`.
const CLIENT_SECRET_KEY: &str = "client_secret";

/// A client secret is `<secret id>.<43 characters of base64url randomness>` (256 bits). The id
/// part tells which stored hash to check against, so a check costs one keyed hash.
fn new_secret() -> Result<(SecretId, String)> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| StoreError::Password(e.to_string()))?;
    let id = SecretId::generate();
    Ok((
        id.clone(),
        format!("{id}.{}", URL_SAFE_NO_PAD.encode(bytes)),
    ))
}

/// Splits a presented secret into its id and the whole; `None` when it has no valid id.
fn split_secret(presented: &str) -> Option<SecretId> {
    let (id, rest) = presented.split_once('.')?;
    if rest.is_empty() || presented.len() > 200 {
        return None;
    }
    SecretId::parse(id).ok()
}

#[derive(FromRow)]
struct SigningKeyRow {
    kid: i32,
    private_key: String,
    public_key: String,
    created_at: DateTime<Utc>,
    retired_at: Option<DateTime<Utc>>,
}

#[derive(FromRow)]
struct TokenRow {
    jti: String,
    advertiser_id: String,
    grant_id: String,
    grant_version: i32,
    agent_id: String,
    parent_jti: Option<String>,
    depth: i32,
    actor_chain: String,
    policy: Option<String>,
    purpose: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

fn non_negative(what: &str, v: i32) -> Result<u32> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} `{v}`")))
}

impl TryFrom<TokenRow> for TokenRecord {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self> {
        let chain: Vec<String> = serde_json::from_str(&r.actor_chain)
            .map_err(|e| StoreError::Corrupt(format!("token actor chain: {e}")))?;
        Ok(TokenRecord {
            jti: TokenId::parse(&r.jti).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            grant_id: GrantId::parse(&r.grant_id).map_err(corrupt)?,
            grant_version: non_negative("grant version", r.grant_version)?,
            agent_id: AgentId::parse(&r.agent_id).map_err(corrupt)?,
            parent_jti: r
                .parent_jti
                .as_deref()
                .map(TokenId::parse)
                .transpose()
                .map_err(corrupt)?,
            depth: non_negative("token depth", r.depth)?,
            actor_chain: chain
                .iter()
                .map(|a| AgentId::parse(a))
                .collect::<std::result::Result<_, _>>()
                .map_err(corrupt)?,
            policy: r.policy,
            purpose: Purpose::parse(&r.purpose).map_err(corrupt)?,
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
    }
}

const SECRET_COLUMNS: &str = "id, agent_id, hint, created_at, revoked_at, last_used_at";
const KEY_COLUMNS: &str = "id, agent_id, kid, public_key, created_at, revoked_at";
const TOKEN_COLUMNS: &str = "jti, advertiser_id, grant_id, grant_version, agent_id, parent_jti, depth, actor_chain, policy, purpose, issued_at, expires_at, revoked_at";

/// `agent` belongs to an application of `partner`.
const AGENT_OF_PARTNER: &str = "SELECT a.id FROM agents a JOIN applications ap ON ap.id = a.application_id \
                                WHERE a.id = $1 AND ap.partner_id = $2";

macro_rules! identity_store {
    ($store:ident, $db:ty) => {
        impl $store {
            async fn owned_agent(conn: &mut <$db as sqlx::Database>::Connection, partner: &PartnerId, agent: &AgentId) -> Result<()> {
                let owned: Option<(String,)> = sqlx::query_as(AGENT_OF_PARTNER)
                    .bind(agent.as_str())
                    .bind(partner.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
                owned.map(|_| ()).ok_or(StoreError::NotFound)
            }

            /// The server key of the keyed hashes of client secrets and invitation codes
            /// (`sql/consent.rs`): made once per database (the first process to ask inserts it;
            /// every process then reads the same row) and kept in memory after the first read.
            pub(super) async fn client_secret_key(&self) -> Result<ServerKey> {
                if let Some(k) = self.secret_key.get() {
                    return Ok(*k);
                }
                let mut fresh = [0u8; 32];
                getrandom::getrandom(&mut fresh).map_err(|e| StoreError::Password(e.to_string()))?;
                sqlx::query("INSERT INTO server_keys (name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                    .bind(CLIENT_SECRET_KEY)
                    .bind(hex::encode(fresh))
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?;
                let (stored,): (String,) = sqlx::query_as("SELECT key FROM server_keys WHERE name = $1")
                    .bind(CLIENT_SECRET_KEY)
                    .fetch_one(&self.pool)
                    .await?;
                let key: ServerKey = hex::decode(&stored)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| StoreError::Corrupt("server key `client_secret` is not 32 hex bytes".into()))?;
                Ok(*self.secret_key.get_or_init(|| key))
            }

            fn partner_event(partner: &PartnerId, actor: &Actor, action: &'static str, kind: &'static str, id: String, after: serde_json::Value) -> NewAuditEvent {
                NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action,
                    target_kind: kind,
                    target_id: id,
                    before: None,
                    after: Some(after),
                    reason: None,
                }
            }
        }

        #[async_trait]
        impl IdentityStore for $store {
            fn revocations(&self) -> &Arc<RevocationIndex> {
                &self.index
            }

            async fn reload_revocations(&self) -> Result<()> {
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants");
                let grants: Vec<Grant> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                let disabled: Vec<(String,)> = sqlx::query_as("SELECT id FROM agents WHERE status = 'disabled'").fetch_all(&self.pool).await?;
                let tokens: Vec<(String, DateTime<Utc>)> = sqlx::query_as("SELECT jti, expires_at FROM tokens WHERE revoked_at IS NOT NULL AND expires_at > $1")
                    .bind(Utc::now())
                    .fetch_all(&self.pool)
                    .await?;
                self.index.load(
                    grants.iter().map(GrantState::from).collect(),
                    disabled.into_iter().map(|(a,)| a).collect(),
                    tokens,
                );
                Ok(())
            }

            async fn create_client_secret(&self, actor: &Actor, partner: &PartnerId, agent: &AgentId) -> Result<IssuedSecret> {
                let (id, secret) = new_secret()?;
                let hash = keyed_hash(&self.client_secret_key().await?, &secret);
                let hint = secret_hint(&secret);
                let info = ClientSecretInfo { id, agent_id: agent.clone(), hint, created_at: Utc::now(), revoked_at: None, last_used_at: None };
                let mut tx = self.begin_write().await?;
                Self::owned_agent(&mut *tx, partner, agent).await?;
                let live: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM client_secrets WHERE agent_id = $1 AND revoked_at IS NULL")
                    .bind(agent.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if live.0 >= 2 {
                    // Rotation keeps two secrets live during the overlap, never more.
                    return Err(StoreError::Conflict("two live secrets (revoke the old one first), so a third secret"));
                }
                sqlx::query("INSERT INTO client_secrets (id, agent_id, secret_hash, hint, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(info.id.as_str())
                    .bind(agent.as_str())
                    .bind(&hash)
                    .bind(&info.hint)
                    .bind(info.created_at)
                    .execute(&mut *tx)
                    .await?;
                tx.audit(Self::partner_event(partner, actor, "client_secret.created", "agent", agent.to_string(),
                    json!({ "secret_id": info.id.as_str(), "hint": info.hint }))).await?;
                tx.commit().await?;
                Ok(IssuedSecret { info, secret })
            }

            async fn revoke_client_secret(&self, actor: &Actor, partner: &PartnerId, agent: &AgentId, secret: &SecretId) -> Result<ClientSecretInfo> {
                let mut tx = self.begin_write().await?;
                Self::owned_agent(&mut *tx, partner, agent).await?;
                let sql = format!("SELECT {SECRET_COLUMNS} FROM client_secrets WHERE id = $1 AND agent_id = $2");
                let row: Option<ClientSecretInfo> = sqlx::query_as(&sql).bind(secret.as_str()).bind(agent.as_str()).fetch_optional(&mut *tx).await?;
                let mut info = row.ok_or(StoreError::NotFound)?;
                if info.revoked_at.is_some() {
                    return Ok(info);
                }
                let now = Utc::now();
                sqlx::query("UPDATE client_secrets SET revoked_at = $1 WHERE id = $2").bind(now).bind(secret.as_str()).execute(&mut *tx).await?;
                info.revoked_at = Some(now);
                tx.audit(Self::partner_event(partner, actor, "client_secret.revoked", "agent", agent.to_string(),
                    json!({ "secret_id": secret.as_str(), "hint": info.hint }))).await?;
                tx.commit().await?;
                Ok(info)
            }

            async fn client_secrets(&self, partner: &PartnerId, agent: &AgentId) -> Result<Vec<ClientSecretInfo>> {
                let mut conn = self.pool.acquire().await?;
                Self::owned_agent(&mut *conn, partner, agent).await?;
                let sql = format!("SELECT {SECRET_COLUMNS} FROM client_secrets WHERE agent_id = $1 ORDER BY created_at DESC, id DESC");
                let rows: Vec<ClientSecretInfo> = sqlx::query_as(&sql).bind(agent.as_str()).fetch_all(&mut *conn).await?;
                Ok(rows)
            }

            async fn add_client_key(&self, actor: &Actor, partner: &PartnerId, agent: &AgentId, kid: &str, public_key: &str) -> Result<ClientKey> {
                let key = ClientKey {
                    id: ClientKeyId::generate(),
                    agent_id: agent.clone(),
                    kid: kid.to_string(),
                    public_key: public_key.to_string(),
                    created_at: Utc::now(),
                    revoked_at: None,
                };
                let mut tx = self.begin_write().await?;
                Self::owned_agent(&mut *tx, partner, agent).await?;
                sqlx::query("INSERT INTO client_keys (id, agent_id, kid, public_key, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(key.id.as_str())
                    .bind(agent.as_str())
                    .bind(&key.kid)
                    .bind(&key.public_key)
                    .bind(key.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("a key with this kid"))?;
                tx.audit(Self::partner_event(partner, actor, "client_key.added", "agent", agent.to_string(),
                    json!({ "key_id": key.id.as_str(), "kid": key.kid }))).await?;
                tx.commit().await?;
                Ok(key)
            }

            async fn revoke_client_key(&self, actor: &Actor, partner: &PartnerId, agent: &AgentId, key: &ClientKeyId) -> Result<ClientKey> {
                let mut tx = self.begin_write().await?;
                Self::owned_agent(&mut *tx, partner, agent).await?;
                let sql = format!("SELECT {KEY_COLUMNS} FROM client_keys WHERE id = $1 AND agent_id = $2");
                let row: Option<ClientKey> = sqlx::query_as(&sql).bind(key.as_str()).bind(agent.as_str()).fetch_optional(&mut *tx).await?;
                let mut k = row.ok_or(StoreError::NotFound)?;
                if k.revoked_at.is_some() {
                    return Ok(k);
                }
                let now = Utc::now();
                sqlx::query("UPDATE client_keys SET revoked_at = $1 WHERE id = $2").bind(now).bind(key.as_str()).execute(&mut *tx).await?;
                k.revoked_at = Some(now);
                tx.audit(Self::partner_event(partner, actor, "client_key.revoked", "agent", agent.to_string(),
                    json!({ "key_id": key.as_str(), "kid": k.kid }))).await?;
                tx.commit().await?;
                Ok(k)
            }

            async fn client_keys(&self, partner: &PartnerId, agent: &AgentId) -> Result<Vec<ClientKey>> {
                let mut conn = self.pool.acquire().await?;
                Self::owned_agent(&mut *conn, partner, agent).await?;
                let sql = format!("SELECT {KEY_COLUMNS} FROM client_keys WHERE agent_id = $1 ORDER BY created_at DESC, id DESC");
                let rows: Vec<ClientKey> = sqlx::query_as(&sql).bind(agent.as_str()).fetch_all(&mut *conn).await?;
                Ok(rows)
            }

            async fn set_agent_status(&self, actor: &Actor, partner: &PartnerId, agent: &AgentId, status: AgentStatus) -> Result<()> {
                let mut tx = self.begin_write().await?;
                Self::owned_agent(&mut *tx, partner, agent).await?;
                let (before,): (String,) = sqlx::query_as(&format!("SELECT status FROM agents WHERE id = $1{}", Self::FOR_UPDATE))
                    .bind(agent.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if before == status.as_str() {
                    return Ok(());
                }
                sqlx::query("UPDATE agents SET status = $1 WHERE id = $2").bind(status.as_str()).bind(agent.as_str()).execute(&mut *tx).await?;
                let change = Change::Agent { id: agent.to_string(), disabled: status == AgentStatus::Disabled };
                tx.changed(change).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: if status == AgentStatus::Disabled { "agent.disabled" } else { "agent.enabled" },
                    target_kind: "agent",
                    target_id: agent.to_string(),
                    before: Some(json!({ "status": before })),
                    after: Some(json!({ "status": status.as_str() })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn agent_identity(&self, agent: &AgentId) -> Result<Option<AgentIdentity>> {
                #[derive(FromRow)]
                struct Row {
                    #[sqlx(flatten)]
                    agent: AgentRow,
                    partner_id: String,
                    partner_name: String,
                }
                let row: Option<Row> = sqlx::query_as(
                    "SELECT a.id, a.application_id, a.name, a.description, a.purposes, a.party, a.status, a.created_at, \
                            ap.partner_id, p.name AS partner_name \
                     FROM agents a JOIN applications ap ON ap.id = a.application_id JOIN partners p ON p.id = ap.partner_id \
                     WHERE a.id = $1",
                )
                .bind(agent.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(AgentIdentity {
                        agent: Agent::try_from(r.agent)?,
                        partner_id: PartnerId::parse(&r.partner_id).map_err(corrupt)?,
                        partner_name: r.partner_name,
                    })
                })
                .transpose()
            }

            async fn verify_client_secret(&self, agent: &AgentId, presented: &str) -> Result<bool> {
                let key = self.client_secret_key().await?;
                let id = split_secret(presented);
                let stored: Option<(String,)> = match &id {
                    Some(id) => sqlx::query_as("SELECT secret_hash FROM client_secrets WHERE id = $1 AND agent_id = $2 AND revoked_at IS NULL")
                        .bind(id.as_str())
                        .bind(agent.as_str())
                        .fetch_optional(&self.pool)
                        .await?,
                    None => None,
                };
                let (Some(id), Some((hash,))) = (id, stored) else {
                    // The same keyed hash is computed whatever happened above.
                    let _ = keyed_hash(&key, presented);
                    return Ok(false);
                };
                let ok = if hash.starts_with(KEYED_HASH_PREFIX) {
                    verify_keyed(&key, presented, &hash)
                } else {
                    // A secret stored before keyed hashes (argon2id): verified once more, then
                    // rewritten to its keyed hash on this first successful use.
                    let presented_owned = presented.to_string();
                    let legacy = bounded_argon2(move || verify_password(&presented_owned, &hash)).await?;
                    if legacy {
                        sqlx::query("UPDATE client_secrets SET secret_hash = $1 WHERE id = $2")
                            .bind(keyed_hash(&key, presented))
                            .bind(id.as_str())
                            .execute(&self.pool)
                            .await?;
                    }
                    legacy
                };
                if ok {
                    sqlx::query("UPDATE client_secrets SET last_used_at = $1 WHERE id = $2").bind(Utc::now()).bind(id.as_str()).execute(&self.pool).await?;
                }
                Ok(ok)
            }

            async fn active_client_keys(&self, agent: &AgentId) -> Result<Vec<ClientKey>> {
                let sql = format!("SELECT {KEY_COLUMNS} FROM client_keys WHERE agent_id = $1 AND revoked_at IS NULL ORDER BY created_at");
                let rows: Vec<ClientKey> = sqlx::query_as(&sql).bind(agent.as_str()).fetch_all(&self.pool).await?;
                Ok(rows)
            }

            async fn remember_assertion(&self, jti: &str, agent: &AgentId, expires_at: DateTime<Utc>) -> Result<bool> {
                sqlx::query("DELETE FROM client_assertions WHERE expires_at < $1").bind(Utc::now()).execute(&self.pool).await?;
                let done = sqlx::query("INSERT INTO client_assertions (jti, agent_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING")
                    .bind(format!("{agent}:{jti}"))
                    .bind(agent.as_str())
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>> {
                let rows: Vec<SigningKeyRow> = sqlx::query_as("SELECT kid, private_key, public_key, created_at, retired_at FROM signing_keys ORDER BY kid")
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|r| Ok(SigningKeyRecord {
                        kid: non_negative("signing key id", r.kid)?,
                        private_key: r.private_key,
                        public_key: r.public_key,
                        created_at: r.created_at,
                        retired_at: r.retired_at,
                    }))
                    .collect()
            }

            async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<()> {
                let kid = i32::try_from(key.kid).map_err(|_| StoreError::Corrupt(format!("signing key id `{}`", key.kid)))?;
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO signing_keys (kid, private_key, public_key, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(kid)
                    .bind(&key.private_key)
                    .bind(&key.public_key)
                    .bind(key.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("a signing key with this id"))?;
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: None,
                    actor: Actor::System { label: "Charter".into() },
                    action: "signing_key.created",
                    target_kind: "signing_key",
                    target_id: key.kid.to_string(),
                    before: None,
                    after: Some(json!({ "kid": key.kid, "public_key": key.public_key })),
                    reason: None,
                })
                .await?;
                tx.changed(Change::SigningKeys).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retire_signing_key(&self, kid: u32, at: DateTime<Utc>) -> Result<()> {
                let kid_i = i32::try_from(kid).map_err(|_| StoreError::NotFound)?;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid = $2 AND retired_at IS NULL")
                    .bind(at)
                    .bind(kid_i)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: None,
                    actor: Actor::System { label: "Charter".into() },
                    action: "signing_key.retired",
                    target_kind: "signing_key",
                    target_id: kid.to_string(),
                    before: None,
                    after: Some(json!({ "retired_at": at })),
                    reason: None,
                })
                .await?;
                tx.changed(Change::SigningKeys).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn seal_signing_key(&self, kid: u32, plain: &str, sealed: &str) -> Result<bool> {
                let kid_i = i32::try_from(kid).map_err(|_| StoreError::NotFound)?;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE signing_keys SET private_key = $1 WHERE kid = $2 AND private_key = $3")
                    .bind(sealed)
                    .bind(kid_i)
                    .bind(plain)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: None,
                    actor: Actor::System { label: "Charter".into() },
                    action: "signing_key.encrypted",
                    target_kind: "signing_key",
                    target_id: kid.to_string(),
                    before: None,
                    after: Some(json!({ "encrypted": true })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn grant_for(&self, advertiser: &AdvertiserId, agent: &AgentId) -> Result<Option<Grant>> {
                let mut conn = self.pool.acquire().await?;
                let grant = Self::grant_in_tx(&mut *conn, advertiser, agent).await?;
                if let Some(g) = &grant {
                    self.index.apply(&Change::Grant(GrantState::from(g)));
                }
                Ok(grant)
            }

            async fn grant_by_id(&self, grant: &GrantId) -> Result<Option<Grant>> {
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id = $1");
                let row: Option<Grant> = sqlx::query_as(&sql).bind(grant.as_str()).fetch_optional(&self.pool).await?;
                let grant = row;
                if let Some(g) = &grant {
                    self.index.apply(&Change::Grant(GrantState::from(g)));
                }
                Ok(grant)
            }

            async fn record_token(&self, actor: &Actor, t: &TokenRecord) -> Result<()> {
                let chain: Vec<&str> = t.actor_chain.iter().map(|a| a.as_str()).collect();
                let chain = serde_json::to_string(&chain).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let mut tx = self.begin_write().await?;
                sqlx::query(&format!("INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
                    .bind(t.jti.as_str())
                    .bind(t.advertiser_id.as_str())
                    .bind(t.grant_id.as_str())
                    .bind(i32::try_from(t.grant_version).unwrap_or(i32::MAX))
                    .bind(t.agent_id.as_str())
                    .bind(t.parent_jti.as_ref().map(|p| p.as_str()))
                    .bind(i32::try_from(t.depth).unwrap_or(i32::MAX))
                    .bind(&chain)
                    .bind(&t.policy)
                    .bind(t.purpose.as_str())
                    .bind(t.issued_at)
                    .bind(t.expires_at)
                    .bind(t.revoked_at)
                    .execute(&mut *tx)
                    .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(t.advertiser_id.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: if t.parent_jti.is_some() { "token.delegated" } else { "token.issued" },
                    target_kind: "token",
                    target_id: t.jti.to_string(),
                    before: None,
                    after: Some(json!({
                        "agent_id": t.agent_id.as_str(),
                        "grant_id": t.grant_id.as_str(),
                        "grant_version": t.grant_version,
                        "parent": t.parent_jti.as_ref().map(|p| p.as_str()),
                        "depth": t.depth,
                        "act": chain,
                        "expires_at": t.expires_at,
                    })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn token(&self, jti: &TokenId) -> Result<Option<TokenRecord>> {
                let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE jti = $1");
                let row: Option<TokenRow> = sqlx::query_as(&sql).bind(jti.as_str()).fetch_optional(&self.pool).await?;
                row.map(TokenRecord::try_from).transpose()
            }

            async fn revoke_token(&self, actor: &Actor, jti: &TokenId, holder: Option<&AgentId>, reason: &str) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE jti = $1{}", Self::FOR_UPDATE);
                let row: Option<TokenRow> = sqlx::query_as(&sql).bind(jti.as_str()).fetch_optional(&mut *tx).await?;
                let token = TokenRecord::try_from(row.ok_or(StoreError::NotFound)?)?;
                if let Some(h) = holder {
                    if token.agent_id != *h && !token.actor_chain.contains(h) {
                        return Err(StoreError::NotFound);
                    }
                }
                let family: Vec<(String,)> = sqlx::query_as(
                    "WITH RECURSIVE family(jti) AS (SELECT jti FROM tokens WHERE jti = $1 \
                     UNION SELECT t.jti FROM tokens t JOIN family f ON t.parent_jti = f.jti) \
                     SELECT jti FROM family",
                )
                .bind(jti.as_str())
                .fetch_all(&mut *tx)
                .await?;
                let now = Utc::now();
                let mut count = 0u64;
                for (j,) in &family {
                    count += sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE jti = $2 AND revoked_at IS NULL")
                        .bind(now)
                        .bind(j)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                let jtis: Vec<String> = family.into_iter().map(|(j,)| j).collect();
                let change = Change::Tokens { jtis: jtis.clone(), expires_at: token.expires_at.max(now) + chrono::Duration::minutes(20) };
                tx.changed(change).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(token.advertiser_id.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "token.revoked",
                    target_kind: "token",
                    target_id: jti.to_string(),
                    before: None,
                    after: Some(json!({ "revoked": jtis })),
                    reason: Some(reason.to_string()),
                })
                .await?;
                tx.commit().await?;
                Ok(count)
            }

            async fn delegations(&self, advertiser: &AdvertiserId, agent: &AgentId, limit: u32) -> Result<Vec<DelegationRow>> {
                #[derive(FromRow)]
                struct Row {
                    #[sqlx(flatten)]
                    token: TokenRow,
                    agent_name: String,
                    parent_agent_id: Option<String>,
                }
                let sql = format!(
                    "SELECT {cols}, a.name AS agent_name, p.agent_id AS parent_agent_id \
                     FROM tokens t JOIN grants g ON g.id = t.grant_id JOIN agents a ON a.id = t.agent_id \
                     LEFT JOIN tokens p ON p.jti = t.parent_jti \
                     WHERE g.advertiser_id = $1 AND g.agent_id = $2 AND t.advertiser_id = $1 AND t.depth > 0 \
                     ORDER BY t.issued_at DESC, t.jti DESC LIMIT $3",
                    cols = TOKEN_COLUMNS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
                );
                let rows: Vec<Row> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(agent.as_str())
                    .bind(i64::from(limit.clamp(1, 500)))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|r| Ok(DelegationRow {
                        token: TokenRecord::try_from(r.token)?,
                        agent_name: r.agent_name,
                        parent_agent_id: r.parent_agent_id.as_deref().map(AgentId::parse).transpose().map_err(corrupt)?,
                    }))
                    .collect()
            }

            async fn update_grant(&self, actor: &Actor, advertiser: &AdvertiserId, agent: &AgentId, change: GrantChange) -> Result<Grant> {
                self.write_grant_version(actor, advertiser, agent, None, change).await
            }

            async fn update_grant_from(&self, actor: &Actor, advertiser: &AdvertiserId, agent: &AgentId, base: u32, change: GrantChange) -> Result<Grant> {
                self.write_grant_version(actor, advertiser, agent, Some(base), change).await
            }


            async fn grant_versions(&self, advertiser: &AdvertiserId, agent: &AgentId) -> Result<Vec<GrantVersion>> {
                let rows: Vec<GrantVersion> = sqlx::query_as(
                    "SELECT v.grant_id, v.version, v.purpose, v.policy, v.not_before, v.expires_at, v.created_at, v.created_by, v.note \
                     FROM grant_versions v JOIN grants g ON g.id = v.grant_id \
                     WHERE g.advertiser_id = $1 AND g.agent_id = $2 ORDER BY v.version DESC",
                )
                .bind(advertiser.as_str())
                .bind(agent.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }
        }
    };
}

identity_store!(SqliteStore, sqlx::Sqlite);
identity_store!(PgStore, sqlx::Postgres);
