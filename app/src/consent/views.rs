//! The consent area's views: what the pages show of purposes, requests, reviews, guardrail
//! checks and ceilings (wasm-safe; filled on the server by `super::server` and `super::api`).

use crate::shell::AccountView;
use charter_model::*;
use serde::{Deserialize, Serialize};

/// A declared purpose, for forms and the consent screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurposeOption {
    pub code: String,
    pub title: String,
    pub description: String,
}

/// How risky a kind of access is, for the consent screen's emphasis. Ordered by risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Risk {
    Read,
    Change,
    Money,
    Permissions,
}

impl Risk {
    pub fn tone(self) -> &'static str {
        match self {
            Risk::Read => "read",
            Risk::Change => "change",
            Risk::Money => "money",
            Risk::Permissions => "permissions",
        }
    }
}

/// One example request behind a FAIL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonView {
    pub description: String,
    pub statement_index: usize,
    pub statement_id: Option<String>,
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub context: Vec<(String, String)>,
}

impl ReasonView {
    /// "statement 1 (`Bill`)".
    pub fn statement_label(&self) -> String {
        match &self.statement_id {
            Some(sid) => format!("Statement {} (“{sid}”)", self.statement_index),
            None => format!("Statement {}", self.statement_index),
        }
    }
}

/// A proof's result: PASS, or FAIL with reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckView {
    pub passed: bool,
    pub message: String,
    pub reasons: Vec<ReasonView>,
}

impl From<&authz::CheckResult> for CheckView {
    fn from(c: &authz::CheckResult) -> Self {
        CheckView {
            passed: c.passed(),
            message: c.message.clone(),
            reasons: c
                .reasons
                .iter()
                .map(|r| ReasonView {
                    description: r.description.clone(),
                    statement_index: r.statement_index,
                    statement_id: r.statement_id.clone(),
                    principal: r.example.principal.clone(),
                    action: r.example.action.clone(),
                    resource: r.example.resource.clone(),
                    context: r
                        .example
                        .context
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One namespace and access level the policy can allow, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilityView {
    pub namespace_title: String,
    pub level_words: String,
    pub title: String,
    pub risk: Risk,
    pub actions: Vec<String>,
    pub all_actions: bool,
    pub total_actions: usize,
    pub resources: Vec<String>,
    pub conditions: Vec<String>,
    pub unconditional: bool,
    pub partly_denied: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardrailCheck {
    pub name: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub check: CheckView,
}

/// The review of one policy (see `authz::consent::Review`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub capabilities: Vec<CapabilityView>,
    /// "no time limits", "only before 2026-12-31".
    pub time_bounds: String,
    pub beyond_template: Option<CheckView>,
    pub new_access: Option<CheckView>,
    pub guardrails: Vec<GuardrailCheck>,
    pub ceiling: Option<CheckView>,
    pub narrowing: Option<CheckView>,
    /// Why approval is blocked, with the ceiling counted as raised (the page offers that).
    pub blockers: Vec<String>,
}

/// The agent's existing grant on the account (this request is an upgrade).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentGrantView {
    pub purpose: Purpose,
    pub status: GrantStatus,
    pub custom_policy: bool,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeilingView {
    pub version: u32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentPage {
    pub account: AccountView,
    pub row: AccessRequestRow,
    pub partner_name: String,
    pub purpose: PurposeOption,
    /// The policy as requested, pretty-printed.
    pub requested_policy: String,
    /// The policy under review: the request's, or the advertiser's narrowed version.
    pub policy: String,
    pub narrowed: bool,
    /// The narrowed policy does not parse: the error, and the review is of the request.
    pub narrow_error: Option<String>,
    /// `None` when the request's own policy cannot be read (it is shown, and cannot be approved).
    pub review: Option<ReviewView>,
    pub review_error: Option<String>,
    pub current: Option<CurrentGrantView>,
    pub ceiling: Option<CeilingView>,
}

/// An active grant that a guardrail finds at fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantViolation {
    pub guardrail: String,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub application_name: String,
    pub check: CheckView,
}

/// One grant under an application's ceiling, with its proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeilingGrant {
    pub agent_id: AgentId,
    pub agent_name: String,
    pub status: GrantStatus,
    pub check: CheckView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationCeiling {
    pub application_id: ApplicationId,
    pub application_name: String,
    pub partner_name: String,
    pub ceiling: CeilingView,
    pub policy: String,
    pub grants: Vec<CeilingGrant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardrailsPage {
    pub account: AccountView,
    pub guardrails: Vec<Guardrail>,
    /// Active grants checked against the guardrails.
    pub grants_checked: usize,
    pub violations: Vec<GrantViolation>,
    pub ceilings: Vec<ApplicationCeiling>,
}

/// Human wording of a request status.
pub fn request_tone(status: RequestStatus) -> (&'static str, &'static str) {
    match status {
        RequestStatus::Pending => ("warn", "Pending"),
        RequestStatus::Approved => ("ok", "Approved"),
        RequestStatus::Denied => ("danger", "Denied"),
    }
}
