//! Who did what: actors, audit events, decision events and the activity filter.

use super::*;

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
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
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
    #[cfg_attr(feature = "sqlx", sqlx(rename = "before_state"))]
    pub before: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(rename = "after_state"))]
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

/// One breaker transition from the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerEvent {
    /// When the breaker moved.
    pub at: DateTime<Utc>,
    pub agent_id: Option<String>,
    /// The agent's name, its id when it has none here, or "Unknown agent".
    pub agent_name: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
    /// Who moved it (the event's actor).
    pub by: String,
}

/// The activity filters as given (a form's fields, a command's flags): each unset or as typed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActivityQuery {
    pub agent: Option<String>,
    pub action: Option<String>,
    pub decision: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

impl ActivityQuery {
    /// The filter they ask for ([`ActivityFilter::parse`]).
    pub fn filter(&self) -> Result<ActivityFilter, ParseError> {
        ActivityFilter::parse(
            self.agent.as_deref(),
            self.action.as_deref(),
            self.decision.as_deref(),
            self.since.as_deref(),
            self.until.as_deref(),
        )
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
