//! The product's records: accounts, people, partners, applications, agents and grants.

use super::*;

/// An advertiser account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advertiser {
    pub id: AdvertiserId,
    pub name: String,
    pub marketplace: Marketplace,
    pub created_at: DateTime<Utc>,
}

impl Advertiser {
    /// The currency the account counts in: its marketplace's.
    pub fn currency(&self) -> Currency {
        self.marketplace.currency()
    }
}

/// A person, without credentials.
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub email: String,
    pub display_name: String,
    pub is_support: bool,
}

/// An advertiser account together with the role a person holds on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub advertiser: Advertiser,
    pub role: AdvertiserRole,
}

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    pub kind: PartnerKind,
}

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub id: ApplicationId,
    pub partner_id: PartnerId,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: AgentId,
    pub application_id: ApplicationId,
    pub name: String,
    pub description: String,
    pub purposes: Vec<Purpose>,
    pub party: Party,
    pub status: AgentStatus,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub id: GrantId,
    pub advertiser_id: AdvertiserId,
    pub agent_id: AgentId,
    pub status: GrantStatus,
    pub purpose: Purpose,
    /// The policy document (JSON); filled by the policy engine.
    pub policy: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change of policy, purpose or time bounds; tokens bind it.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "i32"))]
    pub version: u32,
    pub not_before: Option<DateTime<Utc>>,
}

impl Grant {
    /// Active, already valid (`not_before` reached) and not past its expiry: the one rule the
    /// revocation index, the token path and the pages share.
    pub fn is_effective(&self, now: DateTime<Utc>) -> bool {
        self.status == GrantStatus::Active
            && self.not_before.is_none_or(|t| t <= now)
            && self.expires_at.is_none_or(|e| e > now)
    }
}

/// One row of the Agents page: a grant on the account with its agent, application and partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentGrantRow {
    pub grant_id: GrantId,
    pub status: GrantStatus,
    pub purpose: Purpose,
    pub granted_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub party: Party,
    pub application_name: String,
    pub partner_id: PartnerId,
    pub partner_name: String,
}

/// How many grants on an account are in each state. `expired` counts active grants past
/// their expiry (they are also in `active`'s status but no longer effective).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GrantCounts {
    pub active: u64,
    pub suspended: u64,
    pub revoked: u64,
    pub expired: u64,
}

/// A grant on an account with the agent that holds it, its application and partner: what the
/// pages that check many grants at once read (guardrails, application ceilings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantHolder {
    pub grant: Grant,
    pub agent: Agent,
    pub application: Application,
    pub partner: Partner,
}

/// The agent detail page: identity, ownership, the grant on this account, and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentDetail {
    pub agent: Agent,
    pub application: Application,
    pub partner: Partner,
    pub grant: Grant,
    pub revoked_by: Option<String>,
    pub history: Vec<AuditEvent>,
}

/// An application with its agents, for the partner console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationWithAgents {
    pub application: Application,
    pub agents: Vec<Agent>,
}
