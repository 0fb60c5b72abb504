//! Server-only helpers of the consent area: the review and policy parsing of
//! `charter_core::review` with their errors as pages show them, purpose templates, and turning
//! `authz` results into the views the pages show.

use super::views::*;
use crate::error::AppError;
use authz::consent::Review;
use authz::{AccessLevel, CheckResult, Policy};
pub use charter_core::policy::{effective_policy_text, guardrail_spec, template, template_json};
pub use charter_core::review::{MAX_STORED_POLICY_BYTES, ReviewContext, pretty, run_review};
use charter_model::*;

/// [`charter_core::review::parse_policy`], its error as the page shows it.
pub fn parse_policy(what: &'static str, text: &str) -> Result<Policy, AppError> {
    Ok(charter_core::review::parse_policy(what, text)?)
}

/// [`charter_core::review::parse_new_policy`], its error as the page shows it.
pub fn parse_new_policy(what: &'static str, text: &str) -> Result<Policy, AppError> {
    Ok(charter_core::review::parse_new_policy(what, text)?)
}

/// [`charter_core::review::review_context`] over the app's store.
pub async fn review_context(
    advertiser: &Advertiser,
    request: &AccessRequest,
) -> Result<ReviewContext, AppError> {
    let store = crate::session::server::store()?;
    Ok(charter_core::review::review_context(&*store, advertiser, request).await?)
}

pub fn check_view(c: &CheckResult) -> CheckView {
    CheckView::from(c)
}

/// A failed proof that could not be completed, as a FAIL the page can show.
pub fn unproved(message: String) -> CheckView {
    CheckView {
        passed: false,
        message,
        reasons: Vec::new(),
    }
}

fn risk(level: AccessLevel, commits_money: bool) -> Risk {
    match level {
        AccessLevel::PermissionsManagement => Risk::Permissions,
        AccessLevel::Spend => Risk::Money,
        _ if commits_money => Risk::Money,
        AccessLevel::Write => Risk::Change,
        AccessLevel::List | AccessLevel::Read => Risk::Read,
    }
}

pub fn review_view(r: &Review, policy: &Policy) -> ReviewView {
    let mut capabilities: Vec<CapabilityView> = r
        .capabilities
        .iter()
        .map(|g| CapabilityView {
            namespace_title: g.namespace_title.clone(),
            level_words: g.level_words.clone(),
            title: g.title.clone(),
            risk: risk(g.level, g.commits_money),
            actions: g.actions.clone(),
            all_actions: g.all_actions,
            total_actions: g.total_actions,
            resources: g.resources.clone(),
            conditions: g.conditions.clone(),
            unconditional: g.unconditional,
            partly_denied: g.partly_denied,
        })
        .collect();
    // Riskiest first, then in catalog order.
    capabilities.sort_by_key(|c| std::cmp::Reverse(c.risk));
    ReviewView {
        capabilities,
        time_bounds: authz::describe_time_bounds(policy).text,
        beyond_template: r.beyond_template.as_ref().map(check_view),
        new_access: r.new_access.as_ref().map(check_view),
        guardrails: r
            .guardrails
            .iter()
            .map(|v| GuardrailCheck {
                name: v.guardrail.name.clone(),
                actions: v.guardrail.actions.clone(),
                resources: v.guardrail.resources.clone(),
                check: check_view(&v.check),
            })
            .collect(),
        ceiling: r.ceiling.as_ref().map(check_view),
        narrowing: r.narrowing.as_ref().map(check_view),
        blockers: r.blockers.clone(),
    }
}
