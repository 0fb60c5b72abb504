//! One SQL implementation of [`Store`], instantiated for SQLite and PostgreSQL by `sql_store!`.
//!
//! The statements are written once in the dialect both engines accept (`$n` placeholders,
//! `ON CONFLICT`, `LIMIT/OFFSET`, `lower(..) LIKE .. ESCAPE`). What differs is passed to the
//! macro: how a write transaction begins (`BEGIN IMMEDIATE` on SQLite takes the write lock up
//! front, so a read-then-write transaction cannot fail with a stale snapshot) and row locking
//! (`FOR UPDATE` on PostgreSQL).

use super::password::{bounded_argon2, dummy_hash, hash_password, verify_password};
use super::*;
use crate::revocation::{Change, GrantState, RevocationIndex};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::FromRow;
use std::sync::{Arc, Mutex};

/// The columns of an audit event as [`AuditRow`] reads them.
macro_rules! audit_cols {
    () => {
        "id, advertiser_id, partner_id, actor_kind, actor_id, actor_label, action, target_kind, target_id, before_state, \
         after_state, reason, created_at, decision, agent_id, catalog_action, amount_minor, chain, seq, prev_hash, hash"
    };
}

mod audit;
mod consent;
mod enforce;
mod identity;
mod sandbox;

fn corrupt(e: ParseError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn map_unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside `LIKE … ESCAPE '\'`.
fn like_pattern(search: &str) -> String {
    let mut p = String::from("%");
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Event ids are monotonic within this process, so events written in the same millisecond
/// keep their order.
/// A fresh event id. Ids are monotonic within this process, so events made in the same
/// millisecond keep their order (decision events take theirs when the decision is made).
pub fn new_event_id() -> EventId {
    next_event_id().unwrap_or_else(|_| EventId::generate())
}

pub(super) fn next_event_id() -> Result<EventId> {
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let ulid = match GENERATOR.lock() {
        Ok(mut g) => g
            .get_or_insert_with(ulid::Generator::new)
            .generate()
            .unwrap_or_else(|_| ulid::Ulid::new()),
        Err(_) => ulid::Ulid::new(),
    };
    EventId::parse(&format!("{}{ulid}", EventId::PREFIX)).map_err(corrupt)
}

#[derive(FromRow)]
struct AdvertiserRow {
    id: String,
    name: String,
    marketplace: String,
    currency: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<AdvertiserRow> for Advertiser {
    type Error = StoreError;
    fn try_from(r: AdvertiserRow) -> Result<Self> {
        Ok(Advertiser {
            id: AdvertiserId::parse(&r.id).map_err(corrupt)?,
            name: r.name,
            marketplace: r.marketplace,
            currency: r.currency,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct PersonRow {
    id: String,
    email: String,
    display_name: String,
    is_support: bool,
    password_hash: String,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(r: PersonRow) -> Result<Self> {
        Ok(Person {
            id: PersonId::parse(&r.id).map_err(corrupt)?,
            email: r.email,
            display_name: r.display_name,
            is_support: r.is_support,
        })
    }
}

#[derive(FromRow)]
struct MembershipRow {
    role: String,
    #[sqlx(flatten)]
    advertiser: AdvertiserRow,
}

#[derive(FromRow)]
struct PartnerRow {
    id: String,
    name: String,
    kind: String,
}

impl TryFrom<PartnerRow> for Partner {
    type Error = StoreError;
    fn try_from(r: PartnerRow) -> Result<Self> {
        Ok(Partner {
            id: PartnerId::parse(&r.id).map_err(corrupt)?,
            name: r.name,
            kind: PartnerKind::parse(&r.kind).map_err(corrupt)?,
        })
    }
}

#[derive(FromRow)]
struct ApplicationRow {
    id: String,
    partner_id: String,
    name: String,
    description: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = StoreError;
    fn try_from(r: ApplicationRow) -> Result<Self> {
        Ok(Application {
            id: ApplicationId::parse(&r.id).map_err(corrupt)?,
            partner_id: PartnerId::parse(&r.partner_id).map_err(corrupt)?,
            name: r.name,
            description: r.description,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct AgentRow {
    id: String,
    application_id: String,
    name: String,
    description: String,
    purposes: String,
    party: String,
    status: String,
    created_at: DateTime<Utc>,
}

fn parse_purposes(json: &str) -> Result<Vec<Purpose>> {
    let codes: Vec<String> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("agent purposes: {e}")))?;
    codes
        .iter()
        .map(|c| Purpose::parse(c).map_err(corrupt))
        .collect()
}

fn purposes_json(purposes: &[Purpose]) -> String {
    serde_json::Value::from(purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>()).to_string()
}

impl TryFrom<AgentRow> for Agent {
    type Error = StoreError;
    fn try_from(r: AgentRow) -> Result<Self> {
        Ok(Agent {
            id: AgentId::parse(&r.id).map_err(corrupt)?,
            application_id: ApplicationId::parse(&r.application_id).map_err(corrupt)?,
            name: r.name,
            description: r.description,
            purposes: parse_purposes(&r.purposes)?,
            party: Party::parse(&r.party).map_err(corrupt)?,
            status: AgentStatus::parse(&r.status).map_err(corrupt)?,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct GrantRow {
    id: String,
    advertiser_id: String,
    agent_id: String,
    status: String,
    purpose: String,
    policy: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    version: i32,
    not_before: Option<DateTime<Utc>>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Self> {
        Ok(Grant {
            id: GrantId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            agent_id: AgentId::parse(&r.agent_id).map_err(corrupt)?,
            status: GrantStatus::parse(&r.status).map_err(corrupt)?,
            purpose: Purpose::parse(&r.purpose).map_err(corrupt)?,
            policy: r.policy,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            updated_at: r.updated_at,
            version: u32::try_from(r.version)
                .map_err(|_| StoreError::Corrupt(format!("grant version `{}`", r.version)))?,
            not_before: r.not_before,
        })
    }
}

#[derive(FromRow)]
struct AgentGrantDbRow {
    grant_id: String,
    status: String,
    purpose: String,
    granted_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    agent_id: String,
    agent_name: String,
    party: String,
    application_name: String,
    partner_id: String,
    partner_name: String,
    total: i64,
}

impl TryFrom<AgentGrantDbRow> for AgentGrantRow {
    type Error = StoreError;
    fn try_from(r: AgentGrantDbRow) -> Result<Self> {
        Ok(AgentGrantRow {
            grant_id: GrantId::parse(&r.grant_id).map_err(corrupt)?,
            status: GrantStatus::parse(&r.status).map_err(corrupt)?,
            purpose: Purpose::parse(&r.purpose).map_err(corrupt)?,
            granted_at: r.granted_at,
            expires_at: r.expires_at,
            agent_id: AgentId::parse(&r.agent_id).map_err(corrupt)?,
            agent_name: r.agent_name,
            party: Party::parse(&r.party).map_err(corrupt)?,
            application_name: r.application_name,
            partner_id: PartnerId::parse(&r.partner_id).map_err(corrupt)?,
            partner_name: r.partner_name,
        })
    }
}

#[derive(FromRow)]
struct AuditRow {
    id: String,
    advertiser_id: Option<String>,
    partner_id: Option<String>,
    actor_kind: String,
    actor_id: Option<String>,
    actor_label: String,
    action: String,
    target_kind: String,
    target_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    reason: Option<String>,
    created_at: DateTime<Utc>,
    decision: Option<String>,
    agent_id: Option<String>,
    catalog_action: Option<String>,
    amount_minor: Option<i64>,
    chain: Option<String>,
    seq: Option<i64>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self> {
        Ok(AuditEvent {
            id: EventId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: r
                .advertiser_id
                .as_deref()
                .map(AdvertiserId::parse)
                .transpose()
                .map_err(corrupt)?,
            partner_id: r
                .partner_id
                .as_deref()
                .map(PartnerId::parse)
                .transpose()
                .map_err(corrupt)?,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            actor_label: r.actor_label,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            before: r.before_state,
            after: r.after_state,
            reason: r.reason,
            created_at: r.created_at,
            decision: r.decision,
            agent_id: r.agent_id,
            catalog_action: r.catalog_action,
            amount_minor: r.amount_minor,
            chain: r.chain,
            seq: r.seq,
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

fn grant_json(g: &Grant) -> serde_json::Value {
    json!({
        "status": g.status.as_str(),
        "purpose": g.purpose.as_str(),
        "expires_at": g.expires_at,
        "revoked_at": g.revoked_at,
    })
}

fn collect<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

const GRANT_COLUMNS: &str = "id, advertiser_id, agent_id, status, purpose, policy, created_at, expires_at, revoked_at, updated_at, version, not_before";
const AUDIT_COLUMNS: &str = audit_cols!();
/// The partner-side events of an agent an advertiser sees in its history: its registration
/// and its being disabled or enabled. Its credentials (secrets, keys: ids, hints, key ids) are
/// the partner's business and stay on the partner's side.
const AGENT_LIFECYCLE: &str = "('agent.registered', 'agent.disabled', 'agent.enabled')";

/// The joins and filters of the Agents page; `$1` advertiser, `$2` raw search, `$3` LIKE
/// pattern, `$4` partner id or '', `$5` status filter or '', `$6` now (for expiry).
macro_rules! agent_grants_from {
    () => {
        r#" FROM grants g
            JOIN agents a ON a.id = g.agent_id
            JOIN applications ap ON ap.id = a.application_id
            JOIN partners p ON p.id = ap.partner_id
            WHERE g.advertiser_id = $1
              AND ($2 = '' OR a.id = $2
                   OR lower(a.name) LIKE $3 ESCAPE '\'
                   OR lower(ap.name) LIKE $3 ESCAPE '\'
                   OR lower(p.name) LIKE $3 ESCAPE '\')
              AND ($4 = '' OR p.id = $4)
              AND ($5 = ''
                   OR ($5 = 'active' AND g.status = 'active' AND (g.expires_at IS NULL OR g.expires_at > $6))
                   OR ($5 = 'expired' AND g.status = 'active' AND g.expires_at <= $6)
                   OR ($5 IN ('suspended', 'revoked') AND g.status = $5))"#
    };
}

/// Binds `$1`..`$6` of [`agent_grants_from!`] from a tuple
/// `(advertiser, search, pattern, partner, status, now)`.
macro_rules! bind_agent_filters {
    ($query:expr, $f:expr) => {
        $query
            .bind($f.0)
            .bind($f.1)
            .bind($f.2)
            .bind($f.3)
            .bind($f.4)
            .bind($f.5)
    };
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $pool:ty, $backend:literal, begin_write = $begin:literal, begin_snapshot = $snapshot:literal, for_update = $for_update:literal) => {
        #[doc = concat!("The [`Store`] on ", $backend, ".")]
        #[derive(Clone)]
        pub struct $store {
            pool: $pool,
            index: Arc<RevocationIndex>,
            /// The client-secret hashing key, read from `server_keys` once (see `identity.rs`).
            secret_key: Arc<std::sync::OnceLock<super::password::ServerKey>>,
        }

        impl $store {
            const BACKEND: &'static str = $backend;
            const FOR_UPDATE: &'static str = $for_update;

            /// A store with an empty revocation index: call `reload_revocations` before serving.
            pub fn new(pool: $pool) -> Self {
                Self { pool, index: Arc::new(RevocationIndex::new()), secret_key: Arc::default() }
            }

            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            async fn begin_write(&self) -> Result<sqlx::Transaction<'static, $db>> {
                Ok(self.pool.begin_with($begin).await?)
            }

            /// A read-only transaction that sees one snapshot throughout.
            async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, $db>> {
                Ok(self.pool.begin_with($snapshot).await?)
            }

            async fn grant_in_tx(
                conn: &mut <$db as sqlx::Database>::Connection,
                advertiser: &AdvertiserId,
                agent: &AgentId,
            ) -> Result<Option<Grant>> {
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE advertiser_id = $1 AND agent_id = $2{}", $for_update);
                let row: Option<GrantRow> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(agent.as_str()).fetch_optional(&mut *conn).await?;
                row.map(Grant::try_from).transpose()
            }

            /// Keeps a copy of `grant` as its version `grant.version`.
            async fn insert_grant_version(
                conn: &mut <$db as sqlx::Database>::Connection,
                grant: &Grant,
                created_by: &str,
                note: Option<&str>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO grant_versions (grant_id, version, purpose, policy, not_before, expires_at, created_at, created_by, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(grant.id.as_str())
                .bind(i32::try_from(grant.version).unwrap_or(i32::MAX))
                .bind(grant.purpose.as_str())
                .bind(&grant.policy)
                .bind(grant.not_before)
                .bind(grant.expires_at)
                .bind(grant.updated_at)
                .bind(created_by)
                .bind(note)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Marks one grant revoked and writes its audit event, inside `conn`'s transaction.
            async fn revoke_in_tx(
                conn: &mut <$db as sqlx::Database>::Connection,
                actor: &Actor,
                before: Grant,
                reason: Option<&str>,
            ) -> Result<Grant> {
                let now = Utc::now();
                sqlx::query("UPDATE grants SET status = 'revoked', revoked_at = $1, revoked_by = $2, updated_at = $1 WHERE id = $3")
                    .bind(now)
                    .bind(actor.id())
                    .bind(before.id.as_str())
                    .execute(&mut *conn)
                    .await?;
                let after = Grant { status: GrantStatus::Revoked, revoked_at: Some(now), updated_at: now, ..before.clone() };
                Self::notify(&mut *conn, &Change::Grant(GrantState::from(&after))).await?;
                Self::insert_audit(
                    &mut *conn,
                    NewAuditEvent {
                        advertiser_id: Some(before.advertiser_id.clone()),
                        partner_id: None,
                        actor: actor.clone(),
                        action: "grant.revoked",
                        target_kind: "grant",
                        target_id: before.id.to_string(),
                        before: Some(grant_json(&before)),
                        after: Some(grant_json(&after)),
                        reason: reason.map(str::to_string),
                    },
                )
                .await?;
                Ok(after)
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn is_empty(&self) -> Result<bool> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM people").fetch_one(&self.pool).await?;
                Ok(n == 0)
            }

            async fn create_advertiser(&self, actor: &Actor, name: &Name, marketplace: &str, currency: &str) -> Result<Advertiser> {
                let adv = Advertiser {
                    id: AdvertiserId::generate(),
                    name: name.as_str().to_string(),
                    marketplace: marketplace.to_string(),
                    currency: currency.to_string(),
                    created_at: Utc::now(),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO advertisers (id, name, marketplace, currency, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(adv.id.as_str())
                    .bind(&adv.name)
                    .bind(&adv.marketplace)
                    .bind(&adv.currency)
                    .bind(adv.created_at)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: Some(adv.id.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "advertiser.created",
                    target_kind: "advertiser",
                    target_id: adv.id.to_string(),
                    before: None,
                    after: Some(json!({ "name": adv.name, "marketplace": adv.marketplace, "currency": adv.currency })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(adv)
            }

            async fn advertiser(&self, id: &AdvertiserId) -> Result<Option<Advertiser>> {
                let row: Option<AdvertiserRow> = sqlx::query_as("SELECT id, name, marketplace, currency, created_at FROM advertisers WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Advertiser::try_from).transpose()
            }

            async fn search_advertisers(&self, query: &str, limit: u32) -> Result<Vec<Advertiser>> {
                let q = query.trim();
                let rows: Vec<AdvertiserRow> = sqlx::query_as(
                    r#"SELECT id, name, marketplace, currency, created_at FROM advertisers
                       WHERE $1 = '' OR id = $1 OR lower(name) LIKE $2 ESCAPE '\' OR lower(marketplace) = lower($1)
                       ORDER BY lower(name), id LIMIT $3"#,
                )
                .bind(q)
                .bind(like_pattern(q))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                collect(rows)
            }

            async fn create_person(&self, actor: &Actor, email: &Email, display_name: &Name, password: &str, is_support: bool) -> Result<Person> {
                let hash = {
                    let password = password.to_string();
                    bounded_argon2(move || hash_password(&password)).await??
                };
                let person = Person {
                    id: PersonId::generate(),
                    email: email.as_str().to_string(),
                    display_name: display_name.as_str().to_string(),
                    is_support,
                };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO people (id, email, display_name, password_hash, is_support, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(person.id.as_str())
                    .bind(&person.email)
                    .bind(&person.display_name)
                    .bind(&hash)
                    .bind(is_support)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("a person with this email"))?;
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: None,
                    partner_id: None,
                    actor: actor.clone(),
                    action: "person.created",
                    target_kind: "person",
                    target_id: person.id.to_string(),
                    before: None,
                    after: Some(json!({ "email": person.email, "display_name": person.display_name, "is_support": is_support })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(person)
            }

            async fn person(&self, id: &PersonId) -> Result<Option<Person>> {
                let row: Option<PersonRow> = sqlx::query_as("SELECT id, email, display_name, is_support, password_hash FROM people WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Person::try_from).transpose()
            }

            async fn authenticate(&self, email: &Email, password: &str) -> Result<Option<Person>> {
                let row: Option<PersonRow> = sqlx::query_as("SELECT id, email, display_name, is_support, password_hash FROM people WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                // Verify against a dummy hash when the person is unknown, so both paths cost
                // one argon2id verification.
                let hash = row.as_ref().map_or_else(|| dummy_hash().to_string(), |r| r.password_hash.clone());
                let password = password.to_string();
                let ok = bounded_argon2(move || verify_password(&password, &hash)).await?;
                match row {
                    Some(r) if ok => Ok(Some(Person::try_from(r)?)),
                    _ => Ok(None),
                }
            }

            async fn add_advertiser_member(&self, actor: &Actor, person: &PersonId, advertiser: &AdvertiserId, role: AdvertiserRole) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let before: Option<(String,)> = sqlx::query_as("SELECT role FROM advertiser_members WHERE person_id = $1 AND advertiser_id = $2")
                    .bind(person.as_str())
                    .bind(advertiser.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO advertiser_members (person_id, advertiser_id, role, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (person_id, advertiser_id) DO UPDATE SET role = excluded.role",
                )
                .bind(person.as_str())
                .bind(advertiser.as_str())
                .bind(role.as_str())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "member.role_set",
                    target_kind: "person",
                    target_id: person.to_string(),
                    before: before.map(|(r,)| json!({ "role": r })),
                    after: Some(json!({ "role": role.as_str() })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn memberships(&self, person: &PersonId) -> Result<Vec<Membership>> {
                let rows: Vec<MembershipRow> = sqlx::query_as(
                    "SELECT m.role, a.id, a.name, a.marketplace, a.currency, a.created_at \
                     FROM advertiser_members m JOIN advertisers a ON a.id = m.advertiser_id \
                     WHERE m.person_id = $1 ORDER BY lower(a.name), a.id",
                )
                .bind(person.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|r| Ok(Membership { role: AdvertiserRole::parse(&r.role).map_err(corrupt)?, advertiser: r.advertiser.try_into()? }))
                    .collect()
            }

            async fn membership_role(&self, person: &PersonId, advertiser: &AdvertiserId) -> Result<Option<AdvertiserRole>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT role FROM advertiser_members WHERE person_id = $1 AND advertiser_id = $2")
                    .bind(person.as_str())
                    .bind(advertiser.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(r,)| AdvertiserRole::parse(&r).map_err(corrupt)).transpose()
            }

            async fn create_partner(&self, actor: &Actor, name: &Name, kind: PartnerKind) -> Result<Partner> {
                let partner = Partner { id: PartnerId::generate(), name: name.as_str().to_string(), kind };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO partners (id, name, kind, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(partner.id.as_str())
                    .bind(&partner.name)
                    .bind(kind.as_str())
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("a partner with this name"))?;
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.id.clone()),
                    actor: actor.clone(),
                    action: "partner.created",
                    target_kind: "partner",
                    target_id: partner.id.to_string(),
                    before: None,
                    after: Some(json!({ "name": partner.name, "kind": kind.as_str() })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(partner)
            }

            async fn add_partner_member(&self, actor: &Actor, person: &PersonId, partner: &PartnerId) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let inserted = sqlx::query(
                    "INSERT INTO partner_members (person_id, partner_id, role, created_at) VALUES ($1, $2, 'developer', $3) \
                     ON CONFLICT (person_id, partner_id) DO NOTHING",
                )
                .bind(person.as_str())
                .bind(partner.as_str())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted > 0 {
                    Self::insert_audit(&mut *tx, NewAuditEvent {
                        advertiser_id: None,
                        partner_id: Some(partner.clone()),
                        actor: actor.clone(),
                        action: "partner.member_added",
                        target_kind: "person",
                        target_id: person.to_string(),
                        before: None,
                        after: Some(json!({ "role": "developer" })),
                        reason: None,
                    })
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn partners_of(&self, person: &PersonId) -> Result<Vec<Partner>> {
                let rows: Vec<PartnerRow> = sqlx::query_as(
                    "SELECT p.id, p.name, p.kind FROM partner_members m JOIN partners p ON p.id = m.partner_id \
                     WHERE m.person_id = $1 ORDER BY lower(p.name), p.id",
                )
                .bind(person.as_str())
                .fetch_all(&self.pool)
                .await?;
                collect(rows)
            }

            async fn partner_for_member(&self, person: &PersonId, partner: &PartnerId) -> Result<Option<Partner>> {
                let row: Option<PartnerRow> = sqlx::query_as(
                    "SELECT p.id, p.name, p.kind FROM partner_members m JOIN partners p ON p.id = m.partner_id \
                     WHERE m.person_id = $1 AND p.id = $2",
                )
                .bind(person.as_str())
                .bind(partner.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Partner::try_from).transpose()
            }

            async fn create_application(&self, actor: &Actor, partner: &PartnerId, name: &Name, description: &str) -> Result<Application> {
                let app = Application {
                    id: ApplicationId::generate(),
                    partner_id: partner.clone(),
                    name: name.as_str().to_string(),
                    description: description.to_string(),
                    created_at: Utc::now(),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO applications (id, partner_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(app.id.as_str())
                    .bind(partner.as_str())
                    .bind(&app.name)
                    .bind(&app.description)
                    .bind(app.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("an application with this name"))?;
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "application.created",
                    target_kind: "application",
                    target_id: app.id.to_string(),
                    before: None,
                    after: Some(json!({ "name": app.name, "description": app.description })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(app)
            }

            async fn applications_with_agents(&self, partner: &PartnerId) -> Result<Vec<ApplicationWithAgents>> {
                let apps: Vec<ApplicationRow> = sqlx::query_as(
                    "SELECT id, partner_id, name, description, created_at FROM applications WHERE partner_id = $1 ORDER BY lower(name), id",
                )
                .bind(partner.as_str())
                .fetch_all(&self.pool)
                .await?;
                let agents: Vec<AgentRow> = sqlx::query_as(
                    "SELECT ag.id, ag.application_id, ag.name, ag.description, ag.purposes, ag.party, ag.status, ag.created_at \
                     FROM agents ag JOIN applications ap ON ap.id = ag.application_id \
                     WHERE ap.partner_id = $1 ORDER BY lower(ag.name), ag.id",
                )
                .bind(partner.as_str())
                .fetch_all(&self.pool)
                .await?;
                let agents: Vec<Agent> = collect(agents)?;
                collect::<_, Application>(apps)?
                    .into_iter()
                    .map(|application| {
                        let agents = agents.iter().filter(|a| a.application_id == application.id).cloned().collect();
                        Ok(ApplicationWithAgents { application, agents })
                    })
                    .collect()
            }

            async fn create_agent(&self, actor: &Actor, partner: &PartnerId, new: NewAgent) -> Result<Agent> {
                let NewAgent { application, name, description, purposes, party } = new;
                let (application, purposes) = (&application, &purposes[..]);
                let mut tx = self.begin_write().await?;
                let owned: Option<(String,)> = sqlx::query_as("SELECT id FROM applications WHERE id = $1 AND partner_id = $2")
                    .bind(application.as_str())
                    .bind(partner.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if owned.is_none() {
                    return Err(StoreError::NotFound);
                }
                let agent = Agent {
                    id: AgentId::generate(),
                    application_id: application.clone(),
                    name: name.as_str().to_string(),
                    description: description.to_string(),
                    purposes: purposes.to_vec(),
                    party,
                    status: AgentStatus::Active,
                    created_at: Utc::now(),
                };
                sqlx::query(
                    "INSERT INTO agents (id, application_id, name, description, purposes, party, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(agent.id.as_str())
                .bind(application.as_str())
                .bind(&agent.name)
                .bind(&agent.description)
                .bind(purposes_json(purposes))
                .bind(party.as_str())
                .bind(agent.status.as_str())
                .bind(agent.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_unique("an agent with this name in the application"))?;
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "agent.registered",
                    target_kind: "agent",
                    target_id: agent.id.to_string(),
                    before: None,
                    after: Some(json!({
                        "name": agent.name,
                        "application_id": application.as_str(),
                        "purposes": purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                        "party": party.as_str(),
                    })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(agent)
            }

            async fn create_grant(&self, actor: &Actor, new: NewGrant) -> Result<Grant> {
                let now = Utc::now();
                let grant = Grant {
                    id: GrantId::generate(),
                    advertiser_id: new.advertiser_id,
                    agent_id: new.agent_id,
                    status: new.status,
                    purpose: new.purpose,
                    policy: new.policy,
                    created_at: new.created_at,
                    expires_at: new.expires_at,
                    revoked_at: (new.status == GrantStatus::Revoked).then_some(now),
                    updated_at: now,
                    version: 1,
                    not_before: new.not_before,
                };
                let mut tx = self.begin_write().await?;
                sqlx::query(&format!(
                    "INSERT INTO grants ({GRANT_COLUMNS}, revoked_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                ))
                .bind(grant.id.as_str())
                .bind(grant.advertiser_id.as_str())
                .bind(grant.agent_id.as_str())
                .bind(grant.status.as_str())
                .bind(grant.purpose.as_str())
                .bind(&grant.policy)
                .bind(grant.created_at)
                .bind(grant.expires_at)
                .bind(grant.revoked_at)
                .bind(grant.updated_at)
                .bind(1_i32)
                .bind(grant.not_before)
                .bind(grant.revoked_at.and(actor.id()))
                .execute(&mut *tx)
                .await
                .map_err(map_unique("a grant for this agent on this account"))?;
                Self::insert_grant_version(&mut *tx, &grant, actor.label(), None).await?;
                Self::notify(&mut *tx, &Change::Grant(GrantState::from(&grant))).await?;
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: Some(grant.advertiser_id.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "grant.created",
                    target_kind: "grant",
                    target_id: grant.id.to_string(),
                    before: None,
                    after: Some(json!({ "agent_id": grant.agent_id.as_str(), "grant": grant_json(&grant) })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                self.index.apply(&Change::Grant(GrantState::from(&grant)));
                Ok(grant)
            }

            async fn list_agent_grants(&self, advertiser: &AdvertiserId, query: &AgentQuery) -> Result<Page<AgentGrantRow>> {
                let partner = query.partner.as_ref().map_or("", |p| p.as_str());
                let status = query.status.map_or("", |s| s.as_str());
                let pattern = like_pattern(&query.search);
                let now = Utc::now();
                // One statement gives the page and, through the window, the filtered total.
                let filters = (advertiser.as_str(), query.search.as_str(), pattern.as_str(), partner, status, now);
                let rows: Vec<AgentGrantDbRow> = bind_agent_filters!(
                    sqlx::query_as(concat!(
                        "SELECT g.id AS grant_id, g.status, g.purpose, g.created_at AS granted_at, g.expires_at, \
                         a.id AS agent_id, a.name AS agent_name, a.party, ap.name AS application_name, \
                         p.id AS partner_id, p.name AS partner_name, COUNT(*) OVER () AS total",
                        agent_grants_from!(),
                        " ORDER BY lower(a.name), a.id LIMIT $7 OFFSET $8"
                    )),
                    filters
                )
                .bind(i64::from(query.per_page))
                .bind(i64::try_from(query.offset()).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                let total = match rows.first() {
                    Some(r) => r.total,
                    // A page past the end has no rows to carry the total: count separately.
                    None => {
                        let (n,): (i64,) = bind_agent_filters!(sqlx::query_as(concat!("SELECT COUNT(*)", agent_grants_from!())), filters)
                            .fetch_one(&self.pool)
                            .await?;
                        n
                    }
                };
                Ok(Page { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0), page: query.page, per_page: query.per_page })
            }

            async fn grant_counts(&self, advertiser: &AdvertiserId, now: DateTime<Utc>) -> Result<GrantCounts> {
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT status, COUNT(*), \
                     COALESCE(SUM(CASE WHEN expires_at IS NOT NULL AND expires_at <= $2 THEN 1 ELSE 0 END), 0) \
                     FROM grants WHERE advertiser_id = $1 GROUP BY status",
                )
                .bind(advertiser.as_str())
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut counts = GrantCounts::default();
                for (status, n, expired) in rows {
                    let (n, expired) = (u64::try_from(n).unwrap_or(0), u64::try_from(expired).unwrap_or(0));
                    match GrantStatus::parse(&status).map_err(corrupt)? {
                        GrantStatus::Active => {
                            counts.active = n - expired.min(n);
                            counts.expired = expired;
                        }
                        GrantStatus::Suspended => counts.suspended = n,
                        GrantStatus::Revoked => counts.revoked = n,
                    }
                }
                Ok(counts)
            }

            async fn partners_on_account(&self, advertiser: &AdvertiserId) -> Result<Vec<Partner>> {
                let rows: Vec<PartnerRow> = sqlx::query_as(
                    "SELECT DISTINCT p.id, p.name, p.kind FROM grants g JOIN agents a ON a.id = g.agent_id \
                     JOIN applications ap ON ap.id = a.application_id JOIN partners p ON p.id = ap.partner_id \
                     WHERE g.advertiser_id = $1 ORDER BY p.name, p.id",
                )
                .bind(advertiser.as_str())
                .fetch_all(&self.pool)
                .await?;
                collect(rows)
            }

            async fn agent_detail(&self, advertiser: &AdvertiserId, agent: &AgentId) -> Result<Option<AgentDetail>> {
                let mut conn = self.pool.acquire().await?;
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE advertiser_id = $1 AND agent_id = $2");
                let grant: Option<GrantRow> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(agent.as_str()).fetch_optional(&mut *conn).await?;
                let Some(grant) = grant.map(Grant::try_from).transpose()? else {
                    return Ok(None);
                };
                let agent_row: AgentRow = sqlx::query_as(
                    "SELECT id, application_id, name, description, purposes, party, status, created_at FROM agents WHERE id = $1",
                )
                .bind(agent.as_str())
                .fetch_one(&mut *conn)
                .await?;
                let agent = Agent::try_from(agent_row)?;
                let application: ApplicationRow = sqlx::query_as("SELECT id, partner_id, name, description, created_at FROM applications WHERE id = $1")
                    .bind(agent.application_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                let application = Application::try_from(application)?;
                let partner: PartnerRow = sqlx::query_as("SELECT id, name, kind FROM partners WHERE id = $1")
                    .bind(application.partner_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                let revoked_by: Option<(String,)> = sqlx::query_as(
                    "SELECT p.display_name FROM grants g JOIN people p ON p.id = g.revoked_by WHERE g.id = $1",
                )
                .bind(grant.id.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let sql = format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_events \
                     WHERE (advertiser_id = $1 AND target_id IN ($2, $3)) \
                     OR (advertiser_id IS NULL AND target_id = $3 AND action IN {AGENT_LIFECYCLE}) \
                     ORDER BY id DESC LIMIT 200"
                );
                let history: Vec<AuditRow> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(grant.id.as_str())
                    .bind(agent.id.as_str())
                    .fetch_all(&mut *conn)
                    .await?;
                Ok(Some(AgentDetail {
                    agent,
                    application,
                    partner: partner.try_into()?,
                    grant,
                    revoked_by: revoked_by.map(|(n,)| n),
                    history: collect(history)?,
                }))
            }

            async fn revoke_grant(&self, actor: &Actor, advertiser: &AdvertiserId, agent: &AgentId, reason: Option<&str>) -> Result<RevokeOutcome> {
                let mut tx = self.begin_write().await?;
                let Some(grant) = Self::grant_in_tx(&mut *tx, advertiser, agent).await? else {
                    return Err(StoreError::NotFound);
                };
                if grant.status == GrantStatus::Revoked {
                    return Ok(RevokeOutcome::AlreadyRevoked(grant));
                }
                let after = Self::revoke_in_tx(&mut *tx, actor, grant, reason).await?;
                tx.commit().await?;
                self.index.apply(&Change::Grant(GrantState::from(&after)));
                Ok(RevokeOutcome::Revoked(after))
            }

            async fn revoke_all(&self, actor: &Actor, advertiser: &AdvertiserId, reason: Option<&str>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE advertiser_id = $1 AND status <> 'revoked' ORDER BY id{}", $for_update);
                let rows: Vec<GrantRow> = sqlx::query_as(&sql).bind(advertiser.as_str()).fetch_all(&mut *tx).await?;
                let grants: Vec<Grant> = collect(rows)?;
                let count = grants.len() as u64;
                let mut revoked = Vec::with_capacity(grants.len());
                for grant in grants {
                    revoked.push(Self::revoke_in_tx(&mut *tx, actor, grant, reason).await?);
                }
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "account.revoke_all",
                    target_kind: "advertiser",
                    target_id: advertiser.to_string(),
                    before: None,
                    after: Some(json!({ "revoked": count })),
                    reason: reason.map(str::to_string),
                })
                .await?;
                tx.commit().await?;
                for g in &revoked {
                    self.index.apply(&Change::Grant(GrantState::from(g)));
                }
                Ok(count)
            }

            async fn revoke_partner(&self, actor: &Actor, advertiser: &AdvertiserId, partner: &PartnerId, reason: Option<&str>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let cols = GRANT_COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
                let sql = format!(
                    "SELECT {cols} FROM grants g JOIN agents a ON a.id = g.agent_id JOIN applications ap ON ap.id = a.application_id \
                     WHERE g.advertiser_id = $1 AND ap.partner_id = $2 AND g.status <> 'revoked' ORDER BY g.id{}",
                    if $for_update.is_empty() { "" } else { " FOR UPDATE OF g" }
                );
                let rows: Vec<GrantRow> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(partner.as_str()).fetch_all(&mut *tx).await?;
                let grants: Vec<Grant> = collect(rows)?;
                let count = grants.len() as u64;
                let mut revoked = Vec::with_capacity(grants.len());
                for grant in grants {
                    revoked.push(Self::revoke_in_tx(&mut *tx, actor, grant, reason).await?);
                }
                Self::insert_audit(&mut *tx, NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "account.revoke_partner",
                    target_kind: "partner",
                    target_id: partner.to_string(),
                    before: None,
                    after: Some(json!({ "revoked": count })),
                    reason: reason.map(str::to_string),
                })
                .await?;
                tx.commit().await?;
                for g in &revoked {
                    self.index.apply(&Change::Grant(GrantState::from(g)));
                }
                Ok(count)
            }

            async fn record_event(&self, event: NewAuditEvent) -> Result<AuditEvent> {
                let mut tx = self.begin_write().await?;
                let event = Self::insert_audit(&mut *tx, event).await?;
                tx.commit().await?;
                Ok(event)
            }

            async fn advertiser_events(&self, advertiser: &AdvertiserId, page: u32, per_page: u32) -> Result<Page<AuditEvent>> {
                let page = page.max(1);
                let per_page = per_page.clamp(1, 200);
                let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE advertiser_id = $1")
                    .bind(advertiser.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE advertiser_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3");
                let rows: Vec<AuditRow> = sqlx::query_as(&sql)
                    .bind(advertiser.as_str())
                    .bind(i64::from(per_page))
                    .bind(i64::from(page - 1) * i64::from(per_page))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(Page { items: collect(rows)?, total: u64::try_from(total).unwrap_or(0), page, per_page })
            }

            async fn claim_login_attempt(&self, keys: &[(String, Backoff)], now: DateTime<Utc>) -> Result<Option<i64>> {
                let mut keys = keys.to_vec();
                // One lock order for every caller: no deadlock between parallel claims.
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                let mut tx = self.begin_write().await?;
                let mut counts = Vec::with_capacity(keys.len());
                let mut wait = 0i64;
                for (key, backoff) in &keys {
                    sqlx::query("INSERT INTO login_throttle (key, failures, next_at, updated_at) VALUES ($1, 0, $2, $2) ON CONFLICT (key) DO NOTHING")
                        .bind(key)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    let sql = format!("SELECT failures, next_at, updated_at FROM login_throttle WHERE key = $1{}", Self::FOR_UPDATE);
                    let (failures, next_at, updated_at): (i64, DateTime<Utc>, DateTime<Utc>) =
                        sqlx::query_as(&sql).bind(key).fetch_one(&mut *tx).await?;
                    if next_at > now {
                        // Whole seconds, rounded up.
                        wait = wait.max((next_at - now).num_milliseconds().saturating_add(999) / 1000);
                    }
                    let stale = now - updated_at > chrono::Duration::seconds(backoff.window_secs);
                    let n = if stale { 1 } else { u64::try_from(failures).unwrap_or(0).saturating_add(1) };
                    counts.push(n);
                }
                if wait > 0 {
                    return Ok(Some(wait));
                }
                for ((key, backoff), n) in keys.iter().zip(counts) {
                    sqlx::query("UPDATE login_throttle SET failures = $1, next_at = $2, updated_at = $3 WHERE key = $4")
                        .bind(i64::try_from(n).unwrap_or(i64::MAX))
                        .bind(now + chrono::Duration::seconds(backoff.delay_after(n)))
                        .bind(now)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(None)
            }

            async fn login_succeeded(&self, clear: &[String], refund: &[String]) -> Result<()> {
                let mut tx = self.begin_write().await?;
                for key in clear {
                    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&mut *tx).await?;
                }
                for key in refund {
                    sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

sql_store!(
    SqliteStore,
    sqlx::Sqlite,
    sqlx::SqlitePool,
    "sqlite",
    begin_write = "BEGIN IMMEDIATE",
    begin_snapshot = "BEGIN",
    for_update = ""
);
sql_store!(
    PgStore,
    sqlx::Postgres,
    sqlx::PgPool,
    "postgres",
    begin_write = "BEGIN",
    begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    for_update = " FOR UPDATE"
);

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Bid"), "%bid%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
