//! A decision as the decision point returns it ([`Verdicted`]) and who asked ([`Subject`]).

use super::{Problem, Reason};
use charter_store::LedgerEntry;
use charter_store::model::*;
use chrono::Duration;

/// Who is asking, once the token verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub advertiser: Advertiser,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub partner_id: Option<PartnerId>,
    pub grant_id: GrantId,
    pub grant_version: u32,
    pub purpose: Purpose,
    /// Token ids root → holder.
    pub token_chain: Vec<TokenId>,
    /// Agents root → holder.
    pub agent_chain: Vec<AgentId>,
}

/// A decision with everything the caller, the audit trail and the breaker need.
#[derive(Debug, Clone)]
pub struct Verdicted {
    /// Why: [`Reason::Allowed`] exactly when the call is allowed (see [`Verdicted::allowed`]).
    pub reason: Reason,
    pub detail: String,
    /// Ids of the statements that decided (Allow statements on an allow, Deny statements or
    /// the guardrail on a deny).
    pub statements: Vec<String>,
    pub nearest_miss: Option<String>,
    /// The spend reservation held for an allowed call that moves money.
    pub reservation: Option<LedgerEntry>,
    pub subject: Option<Subject>,
    pub retry_after: Option<Duration>,
    /// The audit event id of this decision.
    pub decision_id: Option<String>,
}

impl Verdicted {
    /// An allowed call: the only way to make a verdict whose reason is [`Reason::Allowed`].
    pub(crate) fn allow(
        detail: String,
        statements: Vec<String>,
        reservation: Option<LedgerEntry>,
        subject: Subject,
    ) -> Verdicted {
        Verdicted {
            reason: Reason::Allowed,
            detail,
            statements,
            nearest_miss: None,
            reservation,
            subject: Some(subject),
            retry_after: None,
            decision_id: None,
        }
    }

    /// A denied call, for `reason` (never [`Reason::Allowed`]: a deny with that reason would be
    /// an allow, so it is recorded as a policy denial instead).
    pub(crate) fn deny(reason: Reason, detail: impl Into<String>) -> Verdicted {
        let reason = if reason == Reason::Allowed {
            Reason::PolicyDenied
        } else {
            reason
        };
        Verdicted {
            reason,
            detail: detail.into(),
            statements: Vec::new(),
            nearest_miss: None,
            reservation: None,
            subject: None,
            retry_after: None,
            decision_id: None,
        }
    }

    /// Whether the call is allowed: derived from the reason, so a verdict can never say
    /// "allowed" with a deny reason or the reverse.
    pub fn allowed(&self) -> bool {
        self.reason == Reason::Allowed
    }

    /// The problem-details body of a denial.
    pub fn problem(&self) -> Problem {
        let mut p = Problem::new(self.reason, self.detail.clone());
        p.nearest_miss = self.nearest_miss.clone();
        p.decision_id = self.decision_id.clone();
        p.retry_after_seconds = self.retry_after.map(|d| d.num_seconds());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denial_never_reads_as_allowed() {
        for reason in [Reason::Allowed, Reason::PolicyDenied, Reason::CircuitOpen] {
            let v = Verdicted::deny(reason, "why");
            assert!(!v.allowed(), "{reason:?}");
            assert_ne!(v.reason, Reason::Allowed, "{reason:?}");
        }
    }
}
