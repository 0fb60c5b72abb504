//! Consent types: access requests, guardrails, application ceilings, and the invitations by
//! which an advertiser introduces a partner (part of [`super`], re-exported there).

use super::*;

/// An application's request for access to an account, for one of its agents.
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessRequest {
    pub id: AccessRequestId,
    pub advertiser_id: AdvertiserId,
    pub application_id: ApplicationId,
    pub agent_id: AgentId,
    pub purpose: Purpose,
    /// The requested policy (JSON).
    pub policy: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub note: String,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    /// What was approved (the request's policy, or the advertiser's narrowed version).
    pub approved_policy: Option<String>,
}

/// An access request with the names the advertiser sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessRequestRow {
    pub request: AccessRequest,
    pub agent_name: String,
    pub application_name: String,
    pub partner_name: String,
    pub advertiser_name: String,
}

/// A critical permission of an advertiser: no agent may be granted any of `actions` on any of
/// `resources` (patterns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guardrail {
    pub id: GuardrailId,
    pub advertiser_id: AdvertiserId,
    pub name: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// What an application may hold on an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppCeiling {
    pub application_id: ApplicationId,
    pub advertiser_id: AdvertiserId,
    pub policy: String,
    pub version: u32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

prefixed_id!(/** An advertiser's invitation to a partner (a one-time code). */ InvitationId, "inv_", "invitation id");

/// Where an invitation stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationState {
    /// Its code can still be redeemed.
    Open,
    Redeemed,
    Withdrawn,
    Expired,
}

impl InvitationState {
    pub fn label(self) -> &'static str {
        match self {
            InvitationState::Open => "Open",
            InvitationState::Redeemed => "Redeemed",
            InvitationState::Withdrawn => "Withdrawn",
            InvitationState::Expired => "Expired",
        }
    }
}

/// An advertiser's invitation: a one-time code (Charter keeps only its keyed hash) that
/// introduces the partner who redeems it to the account, so the partner may ask it for access.
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub advertiser_id: AdvertiserId,
    /// Whom it is for, in the inviter's words (may be empty).
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    pub redeemed_at: Option<DateTime<Utc>>,
    /// Who redeemed it (the developer).
    pub redeemed_by: Option<String>,
    /// The partner it introduced, and its name.
    pub partner_id: Option<PartnerId>,
    pub partner_name: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
}

impl Invitation {
    /// The one rule of an invitation's state: redeemed or withdrawn for good, else open until
    /// `expires_at` (exclusive).
    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.redeemed_at.is_some() {
            InvitationState::Redeemed
        } else if self.withdrawn_at.is_some() {
            InvitationState::Withdrawn
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_open_until_redeemed_withdrawn_or_expired() {
        let now = Utc::now();
        let open = Invitation {
            id: InvitationId::parse("inv_01JABCDEFGHJKMNPQRSTVWXYZ0").unwrap(),
            advertiser_id: AdvertiserId::parse("adv_01JABCDEFGHJKMNPQRSTVWXYZ0").unwrap(),
            label: String::new(),
            created_at: now,
            created_by: "owner".into(),
            expires_at: now + chrono::Duration::days(7),
            redeemed_at: None,
            redeemed_by: None,
            partner_id: None,
            partner_name: None,
            withdrawn_at: None,
            withdrawn_by: None,
        };
        assert_eq!(open.state(now), InvitationState::Open);
        assert_eq!(open.state(open.expires_at), InvitationState::Expired);
        let withdrawn = Invitation {
            withdrawn_at: Some(now),
            ..open.clone()
        };
        assert_eq!(withdrawn.state(now), InvitationState::Withdrawn);
        let redeemed = Invitation {
            redeemed_at: Some(now),
            ..withdrawn
        };
        assert_eq!(
            redeemed.state(open.expires_at),
            InvitationState::Redeemed,
            "a redeemed code stays redeemed after its expiry"
        );
    }
}
