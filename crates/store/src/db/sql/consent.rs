//! [`ConsentStore`] for both backends, instantiated by `consent_store!`.

use super::super::consent::*;
use super::super::password::keyed_hash;
use super::*;
use crate::revocation::{Change, GrantState};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

mod approval;

#[derive(FromRow)]
struct RequestListRow {
    #[sqlx(flatten)]
    request: AccessRequest,
    agent_name: String,
    application_name: String,
    partner_name: String,
    advertiser_name: String,
}

impl TryFrom<RequestListRow> for AccessRequestRow {
    type Error = StoreError;
    fn try_from(r: RequestListRow) -> Result<Self> {
        Ok(AccessRequestRow {
            request: r.request,
            agent_name: r.agent_name,
            application_name: r.application_name,
            partner_name: r.partner_name,
            advertiser_name: r.advertiser_name,
        })
    }
}

#[derive(FromRow)]
struct GuardrailRow {
    id: String,
    advertiser_id: String,
    name: String,
    actions: String,
    resources: String,
    created_at: DateTime<Utc>,
    created_by: String,
}

impl TryFrom<GuardrailRow> for Guardrail {
    type Error = StoreError;
    fn try_from(r: GuardrailRow) -> Result<Self> {
        let list = |s: &str| -> Result<Vec<String>> {
            serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("guardrail: {e}")))
        };
        Ok(Guardrail {
            id: GuardrailId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            name: r.name,
            actions: list(&r.actions)?,
            resources: list(&r.resources)?,
            created_at: r.created_at,
            created_by: r.created_by,
        })
    }
}

const REQUEST_COLUMNS: &str = "r.id, r.advertiser_id, r.application_id, r.agent_id, r.purpose, r.policy, r.expires_at, r.note, r.status, \
                               r.created_at, r.created_by, r.decided_at, r.decided_by, r.decision_note, r.approved_policy";
const REQUEST_JOINS: &str = " FROM access_requests r JOIN agents a ON a.id = r.agent_id \
                             JOIN applications ap ON ap.id = r.application_id JOIN partners p ON p.id = ap.partner_id \
                             JOIN advertisers ad ON ad.id = r.advertiser_id";
const REQUEST_NAMES: &str = ", a.name AS agent_name, ap.name AS application_name, p.name AS partner_name, ad.name AS advertiser_name";

/// The one rule of which accounts a partner may ask for access, as a condition over
/// `advertisers ad` with the partner at `$1`: an agent of the partner holds or held a grant on
/// the account (any status), or the partner redeemed one of the account's invitations.
const KNOWN_TO_PARTNER: &str = "(EXISTS (SELECT 1 FROM grants g JOIN agents a ON a.id = g.agent_id \
                                JOIN applications ap ON ap.id = a.application_id WHERE g.advertiser_id = ad.id AND ap.partner_id = $1) \
                                OR EXISTS (SELECT 1 FROM partner_advertisers pa WHERE pa.advertiser_id = ad.id AND pa.partner_id = $1))";
const KNOWN_COLUMNS: &str = "ad.id, ad.name, ad.marketplace, ad.currency, ad.created_at";

/// An invitation's columns over `invitations i`; `partner_name` comes from a join, or is NULL
/// where the row is read for update (a join's nullable side cannot be locked).
const INVITATION_COLUMNS: &str = "i.id, i.advertiser_id, i.label, i.created_at, i.created_by, i.expires_at, i.redeemed_at, \
                                  i.redeemed_by, i.partner_id, i.withdrawn_at, i.withdrawn_by";

/// A fresh invitation code: [`INVITATION_CODE_PREFIX`] and 32 random bytes in base64url.
fn new_invitation_code() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| StoreError::Password(e.to_string()))?;
    Ok(format!(
        "{INVITATION_CODE_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(bytes)
    ))
}

macro_rules! consent_store {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl ConsentStore for $store {
            async fn create_access_request(&self, actor: &Actor, partner: &PartnerId, new: NewAccessRequest) -> Result<AccessRequest> {
                let mut tx = self.begin_write().await?;
                let app: Option<(String,)> = sqlx::query_as(
                    "SELECT a.application_id FROM agents a JOIN applications ap ON ap.id = a.application_id WHERE a.id = $1 AND ap.partner_id = $2",
                )
                .bind(new.agent_id.as_str())
                .bind(partner.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let Some((application,)) = app else { return Err(StoreError::NotFound) };
                // An account that does not know the partner is as absent as one that does not exist.
                let adv: Option<(String,)> = sqlx::query_as(&format!("SELECT ad.id FROM advertisers ad WHERE ad.id = $2 AND {KNOWN_TO_PARTNER}"))
                    .bind(partner.as_str())
                    .bind(new.advertiser_id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if adv.is_none() {
                    return Err(StoreError::NotFound);
                }
                // One filing at a time per partner, so the quotas below hold under concurrency
                // (SQLite serializes writers already).
                sqlx::query(&format!("SELECT id FROM partners WHERE id = $1{}", Self::FOR_UPDATE))
                    .bind(partner.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let (here, all): (i64, i64) = sqlx::query_as(
                    "SELECT COALESCE(SUM(CASE WHEN r.advertiser_id = $2 THEN 1 ELSE 0 END), 0), COUNT(*) \
                     FROM access_requests r JOIN applications ap ON ap.id = r.application_id \
                     WHERE ap.partner_id = $1 AND r.status = 'pending'",
                )
                .bind(partner.as_str())
                .bind(new.advertiser_id.as_str())
                .fetch_one(&mut *tx)
                .await?;
                if here >= MAX_PENDING_REQUESTS_PER_ACCOUNT {
                    return Err(StoreError::Limit(format!(
                        "your company already has {MAX_PENDING_REQUESTS_PER_ACCOUNT} pending requests on this account; wait until the advertiser decides them"
                    )));
                }
                if all >= MAX_PENDING_REQUESTS_PER_PARTNER {
                    return Err(StoreError::Limit(format!(
                        "your company already has {MAX_PENDING_REQUESTS_PER_PARTNER} pending requests; wait until advertisers decide them"
                    )));
                }
                let req = AccessRequest {
                    id: AccessRequestId::generate(),
                    advertiser_id: new.advertiser_id,
                    application_id: ApplicationId::parse(&application).map_err(corrupt)?,
                    agent_id: new.agent_id,
                    purpose: new.purpose,
                    policy: new.policy,
                    expires_at: new.expires_at,
                    note: new.note,
                    status: RequestStatus::Pending,
                    created_at: Utc::now(),
                    created_by: actor.label().to_string(),
                    decided_at: None,
                    decided_by: None,
                    decision_note: None,
                    approved_policy: None,
                };
                sqlx::query(
                    "INSERT INTO access_requests (id, advertiser_id, application_id, agent_id, purpose, policy, expires_at, note, status, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(req.id.as_str())
                .bind(req.advertiser_id.as_str())
                .bind(req.application_id.as_str())
                .bind(req.agent_id.as_str())
                .bind(req.purpose.as_str())
                .bind(&req.policy)
                .bind(req.expires_at)
                .bind(&req.note)
                .bind(req.status.as_str())
                .bind(req.created_at)
                .bind(&req.created_by)
                .execute(&mut *tx)
                .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(req.advertiser_id.clone()),
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "access.requested",
                    target_kind: "access_request",
                    target_id: req.id.to_string(),
                    before: None,
                    after: Some(json!({ "agent_id": req.agent_id.as_str(), "purpose": req.purpose.as_str(), "policy": req.policy })),
                    reason: Some(req.note.clone()).filter(|n| !n.is_empty()),
                })
                .await?;
                tx.commit().await?;
                Ok(req)
            }

            async fn access_requests(&self, advertiser: &AdvertiserId) -> Result<Vec<AccessRequestRow>> {
                let sql = format!(
                    "SELECT {REQUEST_COLUMNS}{REQUEST_NAMES}{REQUEST_JOINS} WHERE r.advertiser_id = $1 \
                     ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END, r.created_at DESC, r.id DESC LIMIT 200"
                );
                let rows: Vec<RequestListRow> = sqlx::query_as(&sql).bind(advertiser.as_str()).fetch_all(&self.pool).await?;
                collect(rows)
            }

            async fn access_request(&self, advertiser: &AdvertiserId, id: &AccessRequestId) -> Result<Option<AccessRequestRow>> {
                let sql = format!("SELECT {REQUEST_COLUMNS}{REQUEST_NAMES}{REQUEST_JOINS} WHERE r.advertiser_id = $1 AND r.id = $2");
                let row: Option<RequestListRow> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(id.as_str()).fetch_optional(&self.pool).await?;
                row.map(AccessRequestRow::try_from).transpose()
            }

            async fn partner_access_requests(&self, partner: &PartnerId) -> Result<Vec<AccessRequestRow>> {
                let sql = format!("SELECT {REQUEST_COLUMNS}{REQUEST_NAMES}{REQUEST_JOINS} WHERE ap.partner_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 200");
                let rows: Vec<RequestListRow> = sqlx::query_as(&sql).bind(partner.as_str()).fetch_all(&self.pool).await?;
                collect(rows)
            }

            async fn decide_access_request(&self, actor: &Actor, advertiser: &AdvertiserId, id: &AccessRequestId, decision: ConsentDecision) -> Result<AccessRequest> {
                let mut tx = self.begin_write().await?;
                let sql = format!("SELECT {REQUEST_COLUMNS} FROM access_requests r WHERE r.advertiser_id = $1 AND r.id = $2{}", Self::FOR_UPDATE);
                let row: Option<AccessRequest> = sqlx::query_as(&sql).bind(advertiser.as_str()).bind(id.as_str()).fetch_optional(&mut *tx).await?;
                let mut req = row.ok_or(StoreError::NotFound)?;
                if req.status != RequestStatus::Pending {
                    return Err(StoreError::Conflict("a decision on this request"));
                }
                let now = Utc::now();
                match &decision {
                    ConsentDecision::Deny { note } => {
                        req.status = RequestStatus::Denied;
                        req.decision_note = note.clone();
                    }
                    ConsentDecision::Approve { policy, expires_at, ceiling, note } => {
                        req.status = RequestStatus::Approved;
                        req.decision_note = note.clone();
                        req.approved_policy = Some(policy.clone());
                        Self::approve_grant(&mut tx, actor, advertiser, &req, policy, *expires_at, now).await?;
                        if let Some(ceiling) = ceiling {
                            Self::set_ceiling_on_approval(&mut tx, actor, advertiser, &req, ceiling, now).await?;
                        }
                    }
                }
                req.decided_at = Some(now);
                req.decided_by = Some(actor.label().to_string());
                sqlx::query("UPDATE access_requests SET status = $1, decided_at = $2, decided_by = $3, decision_note = $4, approved_policy = $5 WHERE id = $6")
                    .bind(req.status.as_str())
                    .bind(now)
                    .bind(&req.decided_by)
                    .bind(&req.decision_note)
                    .bind(&req.approved_policy)
                    .bind(req.id.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: if req.status == RequestStatus::Approved { "access.approved" } else { "access.denied" },
                    target_kind: "access_request",
                    target_id: req.id.to_string(),
                    before: Some(json!({ "status": "pending", "policy": req.policy })),
                    after: Some(json!({ "status": req.status.as_str(), "approved_policy": req.approved_policy })),
                    reason: req.decision_note.clone(),
                })
                .await?;
                tx.commit().await?;
                Ok(req)
            }

            async fn known_advertiser(&self, partner: &PartnerId, advertiser: &AdvertiserId) -> Result<Option<Advertiser>> {
                let row: Option<AdvertiserRow> = sqlx::query_as(&format!("SELECT {KNOWN_COLUMNS} FROM advertisers ad WHERE ad.id = $2 AND {KNOWN_TO_PARTNER}"))
                    .bind(partner.as_str())
                    .bind(advertiser.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Advertiser::try_from).transpose()
            }

            async fn known_advertisers(&self, partner: &PartnerId) -> Result<Vec<Advertiser>> {
                let rows: Vec<AdvertiserRow> = sqlx::query_as(&format!(
                    "SELECT {KNOWN_COLUMNS} FROM advertisers ad WHERE {KNOWN_TO_PARTNER} ORDER BY lower(ad.name), ad.id LIMIT 500"
                ))
                .bind(partner.as_str())
                .fetch_all(&self.pool)
                .await?;
                collect(rows)
            }

            async fn create_invitation(&self, actor: &Actor, advertiser: &AdvertiserId, label: &str) -> Result<IssuedInvitation> {
                let code = new_invitation_code()?;
                let hash = keyed_hash(&self.client_secret_key().await?, &code);
                // Microseconds, as PostgreSQL keeps them: the returned row equals the stored one.
                let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
                let invitation = Invitation {
                    id: InvitationId::generate(),
                    advertiser_id: advertiser.clone(),
                    label: label.to_string(),
                    created_at: now,
                    created_by: actor.label().to_string(),
                    expires_at: now + chrono::Duration::days(INVITATION_TTL_DAYS),
                    redeemed_at: None,
                    redeemed_by: None,
                    partner_id: None,
                    partner_name: None,
                    withdrawn_at: None,
                    withdrawn_by: None,
                };
                let mut tx = self.begin_write().await?;
                // One creation at a time per account, so the quota holds under concurrency
                // (SQLite serializes writers already).
                let adv: Option<(String,)> = sqlx::query_as(&format!("SELECT id FROM advertisers WHERE id = $1{}", Self::FOR_UPDATE))
                    .bind(advertiser.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if adv.is_none() {
                    return Err(StoreError::NotFound);
                }
                let (open,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM invitations WHERE advertiser_id = $1 AND redeemed_at IS NULL AND withdrawn_at IS NULL AND expires_at > $2",
                )
                .bind(advertiser.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                if open >= MAX_OPEN_INVITATIONS {
                    return Err(StoreError::Limit(format!(
                        "this account already has {MAX_OPEN_INVITATIONS} open invitations; withdraw one first"
                    )));
                }
                sqlx::query(
                    "INSERT INTO invitations (id, advertiser_id, code_hash, label, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(invitation.id.as_str())
                .bind(advertiser.as_str())
                .bind(&hash)
                .bind(&invitation.label)
                .bind(invitation.created_at)
                .bind(&invitation.created_by)
                .bind(invitation.expires_at)
                .execute(&mut *tx)
                .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "invitation.created",
                    target_kind: "invitation",
                    target_id: invitation.id.to_string(),
                    before: None,
                    after: Some(json!({ "label": invitation.label, "expires_at": invitation.expires_at })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(IssuedInvitation { invitation, code })
            }

            async fn invitations(&self, advertiser: &AdvertiserId) -> Result<Vec<Invitation>> {
                let rows: Vec<Invitation> = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS}, p.name AS partner_name FROM invitations i LEFT JOIN partners p ON p.id = i.partner_id \
                     WHERE i.advertiser_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT 100"
                ))
                .bind(advertiser.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn withdraw_invitation(&self, actor: &Actor, advertiser: &AdvertiserId, id: &InvitationId) -> Result<Invitation> {
                let mut tx = self.begin_write().await?;
                let row: Option<Invitation> = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS}, CAST(NULL AS TEXT) AS partner_name FROM invitations i WHERE i.advertiser_id = $1 AND i.id = $2{}",
                    Self::FOR_UPDATE
                ))
                .bind(advertiser.as_str())
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let mut invitation = row.ok_or(StoreError::NotFound)?;
                let now = Utc::now();
                let state = invitation.state(now);
                match state {
                    InvitationState::Redeemed => return Err(StoreError::Conflict("a redemption of this invitation")),
                    InvitationState::Withdrawn => return Ok(invitation),
                    InvitationState::Open | InvitationState::Expired => {}
                }
                invitation.withdrawn_at = Some(now);
                invitation.withdrawn_by = Some(actor.label().to_string());
                sqlx::query("UPDATE invitations SET withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3")
                    .bind(now)
                    .bind(&invitation.withdrawn_by)
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "invitation.withdrawn",
                    target_kind: "invitation",
                    target_id: id.to_string(),
                    before: Some(json!({ "state": state.label(), "label": invitation.label })),
                    after: Some(json!({ "state": InvitationState::Withdrawn.label() })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(invitation)
            }

            async fn redeem_invitation(&self, actor: &Actor, partner: &PartnerId, code: &str) -> Result<Advertiser> {
                let code = code.trim();
                // The same keyed hash is computed for every code; the lookup is by that hash, so
                // no stored secret is ever compared with what was typed.
                let hash = keyed_hash(&self.client_secret_key().await?, code);
                if code.len() > MAX_INVITATION_CODE_LEN {
                    return Err(StoreError::NotFound);
                }
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let row: Option<Invitation> = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS}, CAST(NULL AS TEXT) AS partner_name FROM invitations i WHERE i.code_hash = $1{}",
                    Self::FOR_UPDATE
                ))
                .bind(&hash)
                .fetch_optional(&mut *tx)
                .await?;
                let invitation = match row {
                    Some(i) if i.state(now) == InvitationState::Open => i,
                    _ => return Err(StoreError::NotFound),
                };
                let partner_name: Option<(String,)> = sqlx::query_as("SELECT name FROM partners WHERE id = $1")
                    .bind(partner.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((partner_name,)) = partner_name else { return Err(StoreError::NotFound) };
                sqlx::query("UPDATE invitations SET redeemed_at = $1, redeemed_by = $2, partner_id = $3 WHERE id = $4")
                    .bind(now)
                    .bind(actor.label())
                    .bind(partner.as_str())
                    .bind(invitation.id.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO partner_advertisers (partner_id, advertiser_id, invitation_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (partner_id, advertiser_id) DO NOTHING",
                )
                .bind(partner.as_str())
                .bind(invitation.advertiser_id.as_str())
                .bind(invitation.id.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(invitation.advertiser_id.clone()),
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "invitation.redeemed",
                    target_kind: "invitation",
                    target_id: invitation.id.to_string(),
                    before: Some(json!({ "state": InvitationState::Open.label(), "label": invitation.label })),
                    after: Some(json!({ "state": InvitationState::Redeemed.label(), "partner_id": partner.as_str(), "partner_name": partner_name })),
                    reason: None,
                })
                .await?;
                let adv: AdvertiserRow = sqlx::query_as("SELECT id, name, marketplace, currency, created_at FROM advertisers WHERE id = $1")
                    .bind(invitation.advertiser_id.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Advertiser::try_from(adv)
            }

            async fn guardrails(&self, advertiser: &AdvertiserId) -> Result<Vec<Guardrail>> {
                let rows: Vec<GuardrailRow> = sqlx::query_as(
                    "SELECT id, advertiser_id, name, actions, resources, created_at, created_by FROM guardrails \
                     WHERE advertiser_id = $1 AND removed_at IS NULL ORDER BY created_at, id",
                )
                .bind(advertiser.as_str())
                .fetch_all(&self.pool)
                .await?;
                collect(rows)
            }

            async fn add_guardrail(&self, actor: &Actor, advertiser: &AdvertiserId, name: &str, actions: &[String], resources: &[String]) -> Result<Guardrail> {
                let g = Guardrail {
                    id: GuardrailId::generate(),
                    advertiser_id: advertiser.clone(),
                    name: name.to_string(),
                    actions: actions.to_vec(),
                    resources: resources.to_vec(),
                    // Microseconds, as PostgreSQL keeps them: the returned row equals the stored one.
                    created_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
                    created_by: actor.label().to_string(),
                };
                let enc = |v: &[String]| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()));
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO guardrails (id, advertiser_id, name, actions, resources, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(g.id.as_str())
                    .bind(advertiser.as_str())
                    .bind(&g.name)
                    .bind(enc(&g.actions)?)
                    .bind(enc(&g.resources)?)
                    .bind(g.created_at)
                    .bind(&g.created_by)
                    .execute(&mut *tx)
                    .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "guardrail.added",
                    target_kind: "guardrail",
                    target_id: g.id.to_string(),
                    before: None,
                    after: Some(json!({ "name": g.name, "actions": g.actions, "resources": g.resources })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(g)
            }

            async fn remove_guardrail(&self, actor: &Actor, advertiser: &AdvertiserId, id: &GuardrailId) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let row: Option<GuardrailRow> = sqlx::query_as(&format!(
                    "SELECT id, advertiser_id, name, actions, resources, created_at, created_by FROM guardrails \
                     WHERE advertiser_id = $1 AND id = $2 AND removed_at IS NULL{}", Self::FOR_UPDATE
                ))
                .bind(advertiser.as_str())
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let g = Guardrail::try_from(row.ok_or(StoreError::NotFound)?)?;
                sqlx::query("UPDATE guardrails SET removed_at = $1 WHERE id = $2").bind(Utc::now()).bind(id.as_str()).execute(&mut *tx).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "guardrail.removed",
                    target_kind: "guardrail",
                    target_id: id.to_string(),
                    before: Some(json!({ "name": g.name, "actions": g.actions, "resources": g.resources })),
                    after: None,
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn app_ceiling(&self, advertiser: &AdvertiserId, application: &ApplicationId) -> Result<Option<AppCeiling>> {
                let row: Option<(String, i32, DateTime<Utc>, String)> = sqlx::query_as(
                    "SELECT policy, version, updated_at, updated_by FROM app_ceilings WHERE advertiser_id = $1 AND application_id = $2",
                )
                .bind(advertiser.as_str())
                .bind(application.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(policy, version, updated_at, updated_by)| {
                    Ok(AppCeiling {
                        application_id: application.clone(),
                        advertiser_id: advertiser.clone(),
                        policy,
                        version: u32::try_from(version).map_err(|_| StoreError::Corrupt("ceiling version".into()))?,
                        updated_at,
                        updated_by,
                    })
                })
                .transpose()
            }

            async fn application_grants(&self, advertiser: &AdvertiserId, application: &ApplicationId) -> Result<Vec<Grant>> {
                let cols = GRANT_COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
                let rows: Vec<Grant> = sqlx::query_as(&format!(
                    "SELECT {cols} FROM grants g JOIN agents a ON a.id = g.agent_id WHERE g.advertiser_id = $1 AND a.application_id = $2 ORDER BY g.id"
                ))
                .bind(advertiser.as_str())
                .bind(application.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }
        }
    };
}

consent_store!(SqliteStore, sqlx::Sqlite);
consent_store!(PgStore, sqlx::Postgres);
