//! Enforcement: the policy decision point ([`Enforcer::decide`]) behind both the sandbox gateway
//! (`layer.rs`, the PEP in front of every `/sandbox/v1` route) and the PDP API (`pdp.rs`,
//! `POST /v1/authorize` for partners' own gateways).
//!
//! A decision is the conjunction of these checks, in this order; the first that fails is the
//! reason ([`Reason`]):
//!
//! 1. the token is valid (signature, key, format, token expiry, depth);
//! 2. it is not revoked (token, ancestors, agents, grant status and version);
//! 3. the request's intent is the grant's purpose;
//! 4. the grant's time bounds (not-before, expiry);
//! 5. the grant policy allows it, every block the holder appended allows it, and no guardrail of
//!    the advertiser forbids it;
//! 6. the amount fits every spend cap (a reservation is made atomically);
//! 7. the agent's circuit breaker is not open.
//!
//! Verified tokens, parsed grant policies and guardrails are cached in memory, so the hot path
//! does no database work unless money moves: a token is verified once and then only its expiry
//! and the in-memory revocation index are checked; a grant policy is cached per grant *version*
//! (a change bumps the version and so misses the cache); guardrails are re-read at most
//! [`GUARDRAIL_REFRESH`] after the last read.

pub mod breaker;
mod decide;
pub mod layer;
pub mod limits;
pub mod reason;
pub mod verdict;

use crate::tokens::{Claims, TokenError, TokenService};
use authz::Policy;
use breaker::Breakers;
use charter_store::model::*;
use charter_store::{DynStore, LedgerEntry};
use chrono::{DateTime, Duration, Utc};
pub use limits::AuthzRequest;
pub use reason::{Problem, Reason};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
pub use verdict::{Subject, Verdicted};

/// How stale the cached guardrails of an account may get.
pub const GUARDRAIL_REFRESH: Duration = Duration::seconds(1);
/// Verified tokens kept in memory (each is dropped at its expiry at the latest).
const TOKEN_CACHE_CAP: usize = 50_000;

struct CachedToken {
    claims: Claims,
    /// The signing key's id: a cached token stops verifying when its key is retired.
    kid: Option<u32>,
    /// The holder's appended blocks as policies, by block index; `Err` when a block uses a
    /// check Charter cannot read as a policy (then the full Biscuit authorizer runs).
    blocks: Result<Vec<(usize, Vec<Policy>)>, String>,
}

struct GrantView {
    advertiser: Advertiser,
    agent_name: String,
    partner_id: Option<PartnerId>,
    policy: Result<Policy, String>,
}

struct Guardrails {
    read_at: DateTime<Utc>,
    rails: Vec<(Guardrail, Policy)>,
}

#[derive(Default)]
struct Caches {
    tokens: HashMap<String, Arc<CachedToken>>,
    grants: HashMap<(GrantId, u32), Arc<GrantView>>,
    guardrails: HashMap<AdvertiserId, Arc<Guardrails>>,
    /// The delegated scope of tokens minted by token exchange, by token id.
    scopes: HashMap<TokenId, Arc<Result<Policy, String>>>,
    /// Tokens being verified now: a burst of calls with a token not yet cached verifies it
    /// once, the others wait for that verification instead of each queueing for a verifier.
    verifying: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
}

/// A call's place among the concurrent verifications of one token: the token's turn lock,
/// taken from [`Caches::verifying`] and removed from it when the last call that holds it ends
/// (answered or cancelled), so the map holds only tokens in flight.
struct Flight<'a> {
    caches: &'a Mutex<Caches>,
    token: &'a str,
    turn: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl<'a> Flight<'a> {
    fn join(caches: &'a Mutex<Caches>, token: &'a str) -> Option<Self> {
        let mut c = caches.lock().ok()?;
        let turn = c.verifying.entry(token.to_string()).or_default().clone();
        Some(Flight {
            caches,
            token,
            turn: Some(turn),
        })
    }

    /// Waits for this call's turn: after every call that joined before it.
    async fn wait(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.turn.as_ref()?.lock().await)
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        // Clones of the turn are made and dropped under the cache lock: when only the map's
        // copy is left, no call holds it.
        if let Ok(mut c) = self.caches.lock() {
            drop(self.turn.take());
            if c.verifying
                .get(self.token)
                .is_some_and(|t| Arc::strong_count(t) == 1)
            {
                c.verifying.remove(self.token);
            }
        }
    }
}

/// The decision point, shared by the gateway and the PDP API.
#[derive(Clone)]
pub struct Enforcer {
    pub tokens: Arc<TokenService>,
    pub store: DynStore,
    pub breakers: Breakers,
    pub catalog: &'static authz::Catalog,
    pub audit: crate::audit::AuditWriter,
    alerts: crate::alerts::Alerts,
    caches: Arc<Mutex<Caches>>,
}

/// The reason code of a token that failed verification.
pub fn token_reason(e: &TokenError) -> Reason {
    match e {
        TokenError::Expired(_) | TokenError::NotYetValid(_) => Reason::TokenExpired,
        TokenError::Revoked(_) => Reason::Revoked,
        TokenError::IntentOutsidePurpose { .. } => Reason::IntentMismatch,
        TokenError::Attenuation { .. } => Reason::AttenuationDenied,
        _ => Reason::TokenInvalid,
    }
}

fn statement_name(policy: &Policy, r: &authz::eval::StatementRef) -> String {
    r.statement_id
        .clone()
        .or_else(|| {
            policy
                .statements
                .get(r.statement_index)
                .and_then(|s| s.sid.clone())
        })
        .unwrap_or_else(|| format!("statement {}", r.statement_index + 1))
}

impl Enforcer {
    pub fn new(
        tokens: Arc<TokenService>,
        store: DynStore,
        audit: crate::audit::AuditWriter,
    ) -> Enforcer {
        Enforcer {
            breakers: Breakers::new(store.clone()),
            alerts: crate::alerts::Alerts::new(store.clone()),
            catalog: authz::Catalog::builtin(),
            tokens,
            store,
            audit,
            caches: Arc::new(Mutex::new(Caches::default())),
        }
    }

    /// Breaker alerts follow `policy` (`--allow-insecure-webhooks`, the resolver).
    pub fn with_webhook_policy(mut self, policy: app::enforce::webhook::WebhookPolicy) -> Self {
        self.alerts = crate::alerts::Alerts::with_policy(self.store.clone(), policy);
        self
    }

    /// Verifies a token, from the cache when it was verified before. Concurrent calls with the
    /// same uncached token verify it once (the first; the others then read the cache).
    async fn token(&self, token: &str, now: DateTime<Utc>) -> Result<Arc<CachedToken>, TokenError> {
        let token = token.trim();
        if let Some(hit) = self.cached_token(token, now) {
            return hit;
        }
        let Some(flight) = Flight::join(&self.caches, token) else {
            return self.verify_and_cache(token, now).await;
        };
        // Waiting is bounded like verifying: a flood of one bad token is refused, not queued.
        let Ok(_turn) = tokio::time::timeout(crate::tokens::VERIFY_DEADLINE, flight.wait()).await
        else {
            return Err(crate::tokens::too_slow());
        };
        match self.cached_token(token, now) {
            Some(hit) => hit,
            None => self.verify_and_cache(token, now).await,
        }
    }

    /// The cached verification of `token`, checked against `now` and the live keys.
    fn cached_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Option<Result<Arc<CachedToken>, TokenError>> {
        let c = self.caches.lock().ok()?;
        let t = c.tokens.get(token)?;
        Some(if now >= t.claims.expires_at {
            Err(TokenError::Expired(t.claims.expires_at))
        } else if now < t.claims.not_before {
            Err(TokenError::NotYetValid(t.claims.not_before))
        } else if !self.tokens.keys.is_live(t.kid) {
            Err(TokenError::UnknownKey(
                t.kid.map_or("none".into(), |k| k.to_string()),
            ))
        } else {
            Ok(t.clone())
        })
    }

    async fn verify_and_cache(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Arc<CachedToken>, TokenError> {
        let v = self.tokens.verify_offline(token, None, None, now).await?;
        let blocks = v
            .attenuations
            .iter()
            .map(|b| b.policies().map(|p| (b.index, p)))
            .collect::<Result<Vec<_>, String>>();
        let cached = Arc::new(CachedToken {
            kid: v.biscuit.root_key_id(),
            claims: v.claims,
            blocks,
        });
        if let Ok(mut c) = self.caches.lock() {
            if c.tokens.len() >= TOKEN_CACHE_CAP {
                c.tokens.retain(|_, t| t.claims.expires_at > now);
                if c.tokens.len() >= TOKEN_CACHE_CAP {
                    c.tokens.clear();
                }
            }
            c.tokens.insert(token.to_string(), cached.clone());
        }
        Ok(cached)
    }

    async fn grant_view(&self, claims: &Claims) -> Result<Arc<GrantView>, String> {
        let key = (claims.grant.clone(), claims.grant_version);
        if let Ok(c) = self.caches.lock()
            && let Some(g) = c.grants.get(&key)
        {
            return Ok(g.clone());
        }
        let internal = |e: charter_store::StoreError| e.to_string();
        let grant = self
            .store
            .grant_by_id(&claims.grant)
            .await
            .map_err(internal)?
            .ok_or("the grant no longer exists")?;
        let advertiser = self
            .store
            .advertiser(&grant.advertiser_id)
            .await
            .map_err(internal)?
            .ok_or("the account no longer exists")?;
        let identity = self
            .store
            .agent_identity(&claims.agent)
            .await
            .map_err(internal)?;
        let policy =
            charter_core::policy::effective_policy(&grant, &advertiser).map_err(|e| e.to_string());
        let view = Arc::new(GrantView {
            advertiser,
            agent_name: identity
                .as_ref()
                .map_or_else(|| claims.agent.to_string(), |i| i.agent.name.clone()),
            partner_id: identity.map(|i| i.partner_id),
            policy,
        });
        if let Ok(mut c) = self.caches.lock() {
            if c.grants.len() > 10_000 {
                c.grants.clear();
            }
            c.grants.insert(key, view.clone());
        }
        Ok(view)
    }

    async fn guardrails(
        &self,
        advertiser: &AdvertiserId,
        now: DateTime<Utc>,
    ) -> Result<Arc<Guardrails>, String> {
        if let Ok(c) = self.caches.lock()
            && let Some(g) = c.guardrails.get(advertiser)
            && now - g.read_at < GUARDRAIL_REFRESH
        {
            return Ok(g.clone());
        }
        let list = self
            .store
            .guardrails(advertiser)
            .await
            .map_err(|e| e.to_string())?;
        let mut rails = Vec::with_capacity(list.len());
        for g in list {
            // A guardrail that cannot be read as a policy would silently stop protecting the
            // account: fail closed instead.
            let p = charter_core::policy::guardrail_policy(&g)
                .map_err(|e| format!("guardrail `{}` is unreadable: {e}", g.name))?;
            rails.push((g, p));
        }
        let g = Arc::new(Guardrails {
            read_at: now,
            rails,
        });
        if let Ok(mut c) = self.caches.lock() {
            c.guardrails.insert(advertiser.clone(), g.clone());
        }
        Ok(g)
    }

    /// The scope recorded for a delegated token (cached; a token's scope never changes).
    async fn delegated_scope(&self, jti: &TokenId) -> Result<Arc<Result<Policy, String>>, String> {
        if let Ok(c) = self.caches.lock()
            && let Some(s) = c.scopes.get(jti)
        {
            return Ok(s.clone());
        }
        let record = self
            .store
            .token(jti)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the delegated token is not on record")?;
        let scope = Arc::new(match record.policy {
            Some(text) => authz::parse_policy(&text).map_err(|e| e.to_string()),
            None => Err("the delegated token has no recorded scope".to_string()),
        });
        if let Ok(mut c) = self.caches.lock() {
            if c.scopes.len() > 50_000 {
                c.scopes.clear();
            }
            c.scopes.insert(jti.clone(), scope.clone());
        }
        Ok(scope)
    }

    /// Forgets cached guardrails of an account (after a change in this process).
    pub fn invalidate_guardrails(&self, advertiser: &AdvertiserId) {
        if let Ok(mut c) = self.caches.lock() {
            c.guardrails.remove(advertiser);
        }
    }

    /// Decides a request, records the decision in the audit trail and feeds the breaker.
    pub async fn decide(
        &self,
        token: Option<&str>,
        req: &AuthzRequest,
        now: DateTime<Utc>,
    ) -> Verdicted {
        let mut v = self.decide_inner(token, req, now).await;
        if let Some(subject) = v.subject.clone() {
            let amount = v.reservation.as_ref().map_or(0, |r| r.amount_minor);
            if let Some(t) = self
                .breakers
                .observe(
                    &subject.grant_id,
                    &subject.advertiser.id,
                    v.allowed(),
                    amount,
                    now,
                )
                .await
            {
                self.alerts.breaker_tripped(&subject, &t.record);
            }
        }
        v.decision_id = self.record(&v, req, now).await;
        v
    }

    /// Appends the decision to the account's audit trail (group commit, see `audit.rs`).
    /// Requests whose token names no account cannot be attributed to a trail: they are logged.
    async fn record(
        &self,
        v: &Verdicted,
        req: &AuthzRequest,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let Some(s) = &v.subject else {
            tracing::info!(reason = v.reason.code(), "unattributed denial");
            return None;
        };
        let Some(partner_id) = s.partner_id.clone() else {
            tracing::warn!(agent = %s.agent_id, "decision of an agent without a partner");
            return None;
        };
        let event = charter_store::model::DecisionEvent {
            id: charter_store::new_event_id(),
            decided_at: now,
            advertiser_id: s.advertiser.id.clone(),
            partner_id,
            agent_id: s.agent_id.clone(),
            agent_label: s.agent_name.clone(),
            grant_id: Some(s.grant_id.clone()),
            action: req.action.clone(),
            resource: req.resource.clone(),
            allowed: v.allowed(),
            reason: v.reason.code().to_string(),
            statement_ids: v.statements.clone(),
            token_chain: s.token_chain.iter().map(|t| t.to_string()).collect(),
            amount_minor: req.amount_minor,
            explanation: match &v.nearest_miss {
                Some(m) => format!("{} ({m})", v.detail),
                None => v.detail.clone(),
            },
        };
        match self.audit.record(event).await {
            Ok(id) => Some(id.to_string()),
            Err(_) => {
                tracing::error!("the audit writer stopped: a decision was not recorded");
                None
            }
        }
    }

    /// Commits or releases a reservation of the token's grant (the PDP's obligation, and the
    /// gateway after the handler ran).
    pub async fn settle(
        &self,
        grant: &GrantId,
        token: Option<&TokenId>,
        reservation: &ReservationId,
        commit: bool,
    ) -> Result<LedgerEntry, charter_store::StoreError> {
        self.store
            .settle_reservation(grant, token, reservation, commit, Utc::now())
            .await
    }

    /// The account a token is for, when the token verifies; `Err` otherwise (then `decide`
    /// reports and records why).
    pub async fn audience(
        &self,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Advertiser, ()> {
        let token = token.filter(|t| !t.trim().is_empty()).ok_or(())?;
        let cached = self.token(token, now).await.map_err(|_| ())?;
        let view = self.grant_view(&cached.claims).await.map_err(|_| ())?;
        Ok(view.advertiser.clone())
    }

    /// The grant a token is for, if it is valid and not revoked (for settling reservations).
    pub async fn token_grant(&self, token: &str) -> Result<Claims, TokenError> {
        let now = Utc::now();
        let cached = self.token(token, now).await?;
        self.tokens.check_revocation(&cached.claims, now).await?;
        Ok(cached.claims.clone())
    }
}
