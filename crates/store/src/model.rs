//! Domain types shared by the server and the browser. Identifiers and enums are built only
//! through `parse`, so a value of these types is always well formed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A malformed value supplied by a user or a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("`{value}` is not a valid {what}")]
    Invalid { what: &'static str, value: String },
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} must be at most {max} characters")]
    TooLong { what: &'static str, max: usize },
}

macro_rules! prefixed_id {
    ($(#[$m:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh, globally unique id: the prefix plus a ULID.
            #[cfg(feature = "db")]
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, ulid::Ulid::new()))
            }

            /// Accepts exactly the prefix followed by a 26-character Crockford base32 ULID, in
            /// any letter case, and returns the canonical (upper-case) form.
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                let s = s.trim();
                match s.strip_prefix($prefix).map(ulid::Ulid::from_string) {
                    Some(Ok(ulid)) => Ok(Self(format!("{}{ulid}", $prefix))),
                    _ => Err(ParseError::Invalid { what: $what, value: s.chars().take(64).collect() }),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

prefixed_id!(/** An advertiser (ad account). */ AdvertiserId, "adv_", "advertiser id");
prefixed_id!(/** A person who signs in. */ PersonId, "per_", "person id");
prefixed_id!(/** A partner company (agency or tool vendor). */ PartnerId, "ptn_", "partner id");
prefixed_id!(/** An application owned by a partner. */ ApplicationId, "app_", "application id");
prefixed_id!(/** An AI agent registered under an application. */ AgentId, "agt_", "agent id");
prefixed_id!(/** A grant of an advertiser to an agent. */ GrantId, "grt_", "grant id");
prefixed_id!(/** An audit event. */ EventId, "evt_", "event id");
prefixed_id!(/** A client secret of an agent. */ SecretId, "sec_", "secret id");
prefixed_id!(/** A registered public key of an agent (private_key_jwt). */ ClientKeyId, "key_", "key id");
prefixed_id!(/** A token Charter minted. */ TokenId, "tok_", "token id");
prefixed_id!(/** An application's request for access to an account. */ AccessRequestId, "req_", "request id");
prefixed_id!(/** An advertiser's guardrail (a critical permission no agent may hold). */ GuardrailId, "grd_", "guardrail id");
prefixed_id!(/** A spend reservation in the ledger. */ ReservationId, "rsv_", "reservation id");

// Consent: access requests, guardrails, ceilings and invitations.
mod consent;
pub use consent::*;

/// The largest amount one call may commit, in minor units of the account's currency
/// (10,000,000,000.00 in a two-decimal currency). The PDP refuses a larger `amountMinor` with a
/// 400 naming the field, the gateway denies it and the store never reserves it, so no ledger row
/// written through Charter is larger; spend sums saturate at `i64::MAX` rather than overflow.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $s:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// A label for people to read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Result<Self, ParseError> {
                match s.trim() {
                    $($s => Ok($name::$variant),)+
                    other => Err(ParseError::Invalid { what: $what, value: other.chars().take(64).collect() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(/** A person's role on one advertiser account. */ AdvertiserRole, "role" {
    Owner => "owner", "Owner";
    Admin => "admin", "Admin";
    Viewer => "viewer", "Viewer";
});

impl AdvertiserRole {
    /// Owners and admins change grants; viewers only look.
    pub fn can_manage(self) -> bool {
        matches!(self, AdvertiserRole::Owner | AdvertiserRole::Admin)
    }
}

string_enum!(/** The state of a grant. */ GrantStatus, "grant status" {
    Active => "active", "Active";
    Suspended => "suspended", "Suspended";
    Revoked => "revoked", "Revoked";
});

string_enum!(/** Who built an agent relative to the advertiser. */ Party, "party" {
    FirstParty => "first_party", "First-party";
    ThirdParty => "third_party", "Third-party";
});

string_enum!(/** Whether an agent may be used at all (set by its partner). */ AgentStatus, "agent status" {
    Active => "active", "Active";
    Disabled => "disabled", "Disabled";
});

string_enum!(/** A circuit breaker's state. */ BreakerState, "breaker state" {
    Closed => "closed", "Closed";
    Open => "open", "Open";
    HalfOpen => "half_open", "Half-open";
    Terminated => "terminated", "Terminated";
});

string_enum!(/** What became of a spend reservation. */ ReservationStatus, "reservation status" {
    Reserved => "reserved", "Reserved";
    Committed => "committed", "Committed";
    Released => "released", "Released";
});

string_enum!(/** The kind of partner company. */ PartnerKind, "partner kind" {
    Agency => "agency", "Agency";
    ToolVendor => "tool_vendor", "Tool vendor";
});

string_enum!(/** Where an access request stands. */ RequestStatus, "request status" {
    Pending => "pending", "Pending";
    Approved => "approved", "Approved";
    Denied => "denied", "Denied";
});

string_enum!(/** A declared purpose an agent can be granted for. */ Purpose, "purpose" {
    Reporting => "reporting", "Reporting";
    BidOptimization => "bid_optimization", "Bid optimization";
    BudgetPacing => "budget_pacing", "Budget pacing";
    CampaignLaunch => "campaign_launch", "Campaign launch";
    KeywordResearch => "keyword_research", "Keyword research";
    CreativeRotation => "creative_rotation", "Creative rotation";
    AudienceInsights => "audience_insights", "Audience insights";
    BillingReconciliation => "billing_reconciliation", "Billing reconciliation";
});

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim().to_lowercase();
        if s.is_empty() {
            return Err(ParseError::Empty { what: "email" });
        }
        if s.len() > 254 {
            return Err(ParseError::TooLong {
                what: "email",
                max: 254,
            });
        }
        let valid = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                    && !domain.contains('@')
            }
            None => false,
        };
        if valid {
            Ok(Self(s))
        } else {
            Err(ParseError::Invalid {
                what: "email address",
                value: s.chars().take(64).collect(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A short, human-given name (application, agent, …): trimmed, 1–80 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 80;

    pub fn parse(what: &'static str, s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ParseError::Empty { what });
        }
        if s.chars().count() > Self::MAX {
            return Err(ParseError::TooLong {
                what,
                max: Self::MAX,
            });
        }
        if s.chars().any(char::is_control) {
            return Err(ParseError::Invalid {
                what,
                value: s.chars().take(64).collect(),
            });
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text such as a description or a support reason, trimmed, up to `max` characters.
pub fn parse_text(
    what: &'static str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<String, ParseError> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 && min > 0 {
        return Err(ParseError::Empty { what });
    }
    if n < min {
        return Err(ParseError::Invalid {
            what,
            value: s.chars().take(64).collect(),
        });
    }
    if n > max {
        return Err(ParseError::TooLong { what, max });
    }
    Ok(s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect())
}

/// An advertiser account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advertiser {
    pub id: AdvertiserId,
    pub name: String,
    pub marketplace: String,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

/// A person, without credentials.
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    pub kind: PartnerKind,
}

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
    pub version: u32,
    pub not_before: Option<DateTime<Utc>>,
}

impl Grant {
    /// Active and not past its expiry.
    pub fn is_effective(&self, now: DateTime<Utc>) -> bool {
        self.status == GrantStatus::Active && self.expires_at.is_none_or(|e| e > now)
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

string_enum!(/** The Agents page's status filter: grant states, with expiry split out of "active". */ StatusFilter, "grant status" {
    Active => "active", "Active";
    Expired => "expired", "Expired";
    Suspended => "suspended", "Suspended";
    Revoked => "revoked", "Revoked";
});

/// Filters and page for the Agents page. Built with [`AgentQuery::parse`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentQuery {
    /// Case-insensitive text matched against agent, application and partner names, or an exact
    /// agent id.
    pub search: String,
    pub partner: Option<PartnerId>,
    pub status: Option<StatusFilter>,
    /// 1-based page number.
    pub page: u32,
    pub per_page: u32,
}

impl AgentQuery {
    pub const DEFAULT_PER_PAGE: u32 = 25;
    pub const MAX_PER_PAGE: u32 = 100;

    /// Builds a query from untrusted strings. Unknown partners or statuses are errors, so a typo
    /// never silently shows "no agents".
    pub fn parse(
        search: Option<&str>,
        partner: Option<&str>,
        status: Option<&str>,
        page: Option<&str>,
    ) -> Result<Self, ParseError> {
        let search: String = search.unwrap_or("").trim().chars().take(100).collect();
        let partner = match partner.map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(PartnerId::parse(p)?),
            None => None,
        };
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(StatusFilter::parse(s)?),
            None => None,
        };
        let page = match page.map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => match p.parse::<u32>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => {
                    return Err(ParseError::Invalid {
                        what: "page number",
                        value: p.chars().take(16).collect(),
                    });
                }
            },
            None => 1,
        };
        Ok(Self {
            search,
            partner,
            status,
            page,
            per_page: Self::DEFAULT_PER_PAGE,
        })
    }

    /// Every grant on one page, unfiltered (for tests and exports of small accounts).
    pub fn default_page() -> Self {
        Self {
            page: 1,
            per_page: Self::MAX_PER_PAGE,
            ..Self::default()
        }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.per_page)
    }
}

/// One page of results and the total count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        if self.total == 0 {
            1
        } else {
            u32::try_from(self.total.div_ceil(u64::from(self.per_page.max(1)))).unwrap_or(u32::MAX)
        }
    }
}

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    Person { id: PersonId, label: String },
    Agent { id: AgentId, label: String },
    System { label: String },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Person { .. } => "person",
            Actor::Agent { .. } => "agent",
            Actor::System { .. } => "system",
        }
    }
    pub fn id(&self) -> Option<&str> {
        match self {
            Actor::Person { id, .. } => Some(id.as_str()),
            Actor::Agent { id, .. } => Some(id.as_str()),
            Actor::System { .. } => None,
        }
    }
    pub fn label(&self) -> &str {
        match self {
            Actor::Person { label, .. } | Actor::Agent { label, .. } | Actor::System { label } => {
                label
            }
        }
    }
}

/// One audit event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: EventId,
    pub advertiser_id: Option<AdvertiserId>,
    pub partner_id: Option<PartnerId>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `allow` or `deny` for a decision event; `None` for a change.
    #[serde(default)]
    pub decision: Option<String>,
    /// The agent the event is about: the deciding agent, or the agent a change names.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// The catalog action of a decision (e.g. `campaigns:UpdateBudget`).
    #[serde(default)]
    pub catalog_action: Option<String>,
    /// The amount a decision was about, in minor units of the account's currency.
    #[serde(default)]
    pub amount_minor: Option<i64>,
    /// The chain (the advertiser id, or empty) and the event's place and hash in it.
    #[serde(default)]
    pub chain: Option<String>,
    #[serde(default)]
    pub seq: Option<i64>,
    #[serde(default)]
    pub prev_hash: Option<String>,
    #[serde(default)]
    pub hash: Option<String>,
}

impl AuditEvent {
    /// True for an access decision (`decision.allow` / `decision.deny`).
    pub fn is_decision(&self) -> bool {
        self.decision.is_some()
    }
}

/// One access decision, to append to the audit trail (through the server's `AuditWriter`).
/// Its `id` is assigned when the decision is made, so a caller can hand it out (and correlate
/// it) before the event is durable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionEvent {
    pub id: EventId,
    pub decided_at: DateTime<Utc>,
    pub advertiser_id: AdvertiserId,
    pub partner_id: PartnerId,
    pub agent_id: AgentId,
    /// The agent's name, as the actor label.
    pub agent_label: String,
    pub grant_id: Option<GrantId>,
    /// The catalog action asked for (e.g. `campaigns:UpdateBudget`).
    pub action: String,
    pub resource: String,
    pub allowed: bool,
    /// A stable reason code, e.g. `policy_allowed`, `policy_denied`, `grant_revoked`.
    pub reason: String,
    /// The ids of the policy statements that decided.
    pub statement_ids: Vec<String>,
    /// The token ids the request presented, root first.
    pub token_chain: Vec<String>,
    pub amount_minor: Option<i64>,
    /// The decision in plain language.
    pub explanation: String,
}

string_enum!(/** Which kind of events the activity log shows. */ DecisionFilter, "decision filter" {
    Allow => "allow", "Allowed decisions";
    Deny => "deny", "Denied decisions";
    Change => "change", "Changes";
});

/// Filters of the activity log and its export. Built with [`ActivityFilter::parse`]; every
/// filter is optional and they combine with AND.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActivityFilter {
    pub agent: Option<AgentId>,
    /// An event action (`grant.revoked`) or a catalog action (`campaigns:UpdateBudget`),
    /// matched exactly; a trailing `*` matches a prefix (`campaigns:*`).
    pub action: Option<String>,
    pub decision: Option<DecisionFilter>,
    /// Inclusive lower bound.
    pub since: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub until: Option<DateTime<Utc>>,
}

impl ActivityFilter {
    /// Builds a filter from untrusted strings. Times are RFC 3339 or a date (`2026-11-22`,
    /// meaning that whole day in UTC: `since` from its start, `until` through its end).
    pub fn parse(
        agent: Option<&str>,
        action: Option<&str>,
        decision: Option<&str>,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Self, ParseError> {
        fn present(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let agent = present(agent).map(AgentId::parse).transpose()?;
        let action = match present(action) {
            Some(a) if a.chars().count() > 200 => {
                return Err(ParseError::TooLong {
                    what: "action",
                    max: 200,
                });
            }
            Some(a) if a.chars().any(char::is_control) => {
                return Err(ParseError::Invalid {
                    what: "action",
                    value: a.chars().filter(|c| !c.is_control()).take(64).collect(),
                });
            }
            a => a.map(str::to_string),
        };
        let decision = present(decision).map(DecisionFilter::parse).transpose()?;
        let since = present(since).map(|s| parse_time(s, false)).transpose()?;
        let until = present(until).map(|s| parse_time(s, true)).transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            return Err(ParseError::Invalid {
                what: "time range (the end must come after the start)",
                value: format!(
                    "{} – {}",
                    s.format("%Y-%m-%d %H:%M"),
                    u.format("%Y-%m-%d %H:%M")
                ),
            });
        }
        Ok(Self {
            agent,
            action,
            decision,
            since,
            until,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The filters as query parameters (`agent=…&action=…`), empty ones left out; dates are
    /// written back as RFC 3339.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(a) = &self.agent {
            q.push(("agent", a.to_string()));
        }
        if let Some(a) = &self.action {
            q.push(("action", a.clone()));
        }
        if let Some(d) = self.decision {
            q.push(("decision", d.as_str().to_string()));
        }
        if let Some(s) = self.since {
            q.push((
                "since",
                s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ));
        }
        if let Some(u) = self.until {
            q.push((
                "until",
                u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ));
        }
        q
    }
}

/// RFC 3339, `YYYY-MM-DDTHH:MM` (as `datetime-local` inputs send it, read as UTC) or a date.
/// A bare date as an upper bound means the end of that day.
fn parse_time(s: &str, end_of_day: bool) -> Result<DateTime<Utc>, ParseError> {
    let invalid = || ParseError::Invalid {
        what: "date or time",
        value: s.chars().take(64).collect(),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
        return Ok(t.and_utc());
    }
    let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| invalid())?;
    let day = if end_of_day {
        day.succ_opt().ok_or_else(invalid)?
    } else {
        day
    };
    Ok(day.and_hms_opt(0, 0, 0).ok_or_else(invalid)?.and_utc())
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

/// The last four characters of a secret, shown so people can tell secrets apart (the secret
/// itself is never shown again).
pub fn secret_hint(secret: &str) -> String {
    let skip = secret.chars().count().saturating_sub(4);
    secret.chars().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hint_keeps_the_last_four_characters() {
        for (secret, hint) in [
            ("whsec_0123abcd", "abcd"),
            ("abc", "abc"),
            ("", ""),
            ("ünï€ode", "€ode"),
        ] {
            assert_eq!(secret_hint(secret), hint, "{secret:?}");
        }
    }

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = AgentId::generate();
        assert!(id.as_str().starts_with("agt_"));
        assert_eq!(AgentId::parse(id.as_str()), Ok(id.clone()));
        for bad in [
            "",
            "agt_",
            "agt_123",
            "adv_01HZZZZZZZZZZZZZZZZZZZZZZZ",
            "agt_01hzzzzzzzzzzzzzzzzzzzzzzz!",
            "../etc",
        ] {
            assert!(AgentId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        // ULIDs are case-insensitive: any casing parses to the canonical id
        let lower = format!("agt_{}", id.as_str()[4..].to_lowercase());
        assert_eq!(AgentId::parse(&lower), Ok(id.clone()));
        // another kind's id never parses as this kind
        let adv = AdvertiserId::generate();
        assert!(AgentId::parse(adv.as_str()).is_err());
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(serde_json::from_str::<AgentId>(&json).ok(), Some(id));
        assert!(serde_json::from_str::<AgentId>("\"agt_nope\"").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        let cases: &[(&str, Option<&str>)] = &[
            ("  Owner@Example.COM ", Some("owner@example.com")),
            ("a@b.co", Some("a@b.co")),
            ("", None),
            ("no-at-sign", None),
            ("@example.com", None),
            ("a@nodot", None),
            ("a@.example.com", None),
            ("a b@example.com", None),
            ("a@b@example.com", None),
        ];
        for (input, expect) in cases {
            assert_eq!(
                Email::parse(input)
                    .ok()
                    .map(|e| e.as_str().to_string())
                    .as_deref(),
                *expect,
                "{input:?}"
            );
        }
    }

    #[test]
    fn agent_query_parses_untrusted_input() {
        let q =
            AgentQuery::parse(Some("  bid "), None, Some("revoked"), Some("3")).unwrap_or_default();
        assert_eq!(q.search, "bid");
        assert_eq!(q.status, Some(StatusFilter::Revoked));
        assert_eq!(q.page, 3);
        assert_eq!(q.offset(), 50);
        assert!(AgentQuery::parse(None, None, Some("gone"), None).is_err());
        assert!(AgentQuery::parse(None, Some("ptn_x"), None, None).is_err());
        assert!(AgentQuery::parse(None, None, None, Some("0")).is_err());
        assert!(AgentQuery::parse(None, None, None, Some("-1")).is_err());
        assert!(AgentQuery::parse(None, None, None, Some("1e9")).is_err());
        assert_eq!(
            AgentQuery::parse(Some(""), Some(""), Some(""), Some("")).map(|q| q.page),
            Ok(1)
        );
    }

    #[test]
    fn names_and_text_are_bounded() {
        assert!(Name::parse("name", "  ").is_err());
        assert!(Name::parse("name", &"x".repeat(81)).is_err());
        assert!(Name::parse("name", "tab\there").is_err());
        assert_eq!(
            Name::parse("name", " Bid Bot ").map(|n| n.as_str().to_string()),
            Ok("Bid Bot".into())
        );
        assert!(parse_text("reason", "short", 10, 500).is_err());
        assert!(parse_text("reason", "customer ticket #4411", 10, 500).is_ok());
    }

    #[test]
    fn page_count_rounds_up() {
        let p = Page::<u8> {
            items: vec![],
            total: 1000,
            page: 1,
            per_page: 25,
        };
        assert_eq!(p.page_count(), 40);
        let p = Page::<u8> {
            items: vec![],
            total: 1001,
            page: 1,
            per_page: 25,
        };
        assert_eq!(p.page_count(), 41);
        let p = Page::<u8> {
            items: vec![],
            total: 0,
            page: 1,
            per_page: 25,
        };
        assert_eq!(p.page_count(), 1);
    }
}
