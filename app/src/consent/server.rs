//! Server-only helpers of the consent area: parsing policies with readable errors, purpose
//! templates, the ceiling union, and turning `authz` results into the views the pages show.

use super::views::*;
use crate::error::AppError;
use authz::consent::{GuardrailSpec, Review, ReviewInput, review};
use authz::{AccessLevel, Catalog, CheckResult, Policy};
pub use charter_core::policy::{effective_policy_text, guardrail_spec, template, template_json};
use charter_model::*;

/// Parses a policy; the error names the JSON path and line:col.
/// The longest policy a partner may put in an access request (and an advertiser in a narrowed
/// grant): what Charter stores and shows, far below the engine's own limit.
pub const MAX_STORED_POLICY_BYTES: usize = 16 * 1024;

/// [`parse_policy`] for a policy Charter is about to store: at most
/// [`MAX_STORED_POLICY_BYTES`].
pub fn parse_new_policy(what: &str, text: &str) -> Result<Policy, AppError> {
    if text.len() > MAX_STORED_POLICY_BYTES {
        return Err(AppError::BadRequest(format!(
            "the {what} is {} bytes long; at most {MAX_STORED_POLICY_BYTES} are accepted",
            text.len()
        )));
    }
    parse_policy(what, text)
}

pub fn parse_policy(what: &str, text: &str) -> Result<Policy, AppError> {
    authz::parse_policy(text).map_err(|e| {
        AppError::BadRequest(format!(
            "the {what} is not a valid policy: {} at line {}:{}: {}",
            e.path, e.line, e.col, e.message
        ))
    })
}

/// A policy as stable, reviewable text: pretty-printed JSON, or the text as given when it does
/// not parse as JSON.
pub fn pretty(policy: &str) -> String {
    serde_json::from_str::<serde_json::Value>(policy)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| policy.to_string())
}

fn statements_of(policy: &str) -> Result<Vec<serde_json::Value>, AppError> {
    let value: serde_json::Value = serde_json::from_str(policy)
        .map_err(|_| AppError::BadRequest("a policy is not valid JSON".into()))?;
    Ok(match value.get("Statement") {
        Some(serde_json::Value::Array(list)) => list.clone(),
        Some(one @ serde_json::Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    })
}

/// One policy allowing whatever `a` or `b` allows: the statements of both, in order, without
/// exact duplicates. Used to raise an application's ceiling to cover an approved policy.
///
/// Both inputs must be policies of Allow statements only for the union to be exact (a Deny in
/// one would also cut into the other); ceilings and consented policies are checked with
/// `review` again before use, so a union that is narrower than intended only fails closed.
pub fn union_policy(a: &str, b: &str) -> Result<String, AppError> {
    let mut statements = statements_of(a)?;
    for s in statements_of(b)? {
        if !statements.contains(&s) {
            statements.push(s);
        }
    }
    let doc = serde_json::json!({ "Version": "2012-10-17", "Statement": statements });
    serde_json::to_string_pretty(&doc).map_err(|_| AppError::Internal)
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

/// Everything `review` needs about one request on one account.
pub struct ReviewContext {
    pub template: Option<Policy>,
    pub current: Option<Policy>,
    pub guardrails: Vec<GuardrailSpec>,
    pub ceiling: Option<AppCeiling>,
    pub ceiling_policy: Option<Policy>,
    /// The agent's grant on the account, if it has one (any state but revoked).
    pub grant: Option<Grant>,
}

pub async fn review_context(
    advertiser: &Advertiser,
    request: &AccessRequest,
) -> Result<ReviewContext, AppError> {
    let store = crate::session::server::store()?;
    let template = template(request.purpose, advertiser);
    let grant = store
        .agent_detail(&advertiser.id, &request.agent_id)
        .await?
        .map(|d| d.grant)
        .filter(|g| g.status != GrantStatus::Revoked);
    let current = match &grant {
        Some(g) => match effective_policy_text(g, advertiser) {
            Some(text) => Some(parse_policy("current grant", &text)?),
            None => None,
        },
        None => None,
    };
    let guardrails = store
        .guardrails(&advertiser.id)
        .await?
        .iter()
        .map(guardrail_spec)
        .collect();
    let ceiling = store
        .app_ceiling(&advertiser.id, &request.application_id)
        .await?;
    let ceiling_policy = match &ceiling {
        Some(c) => Some(parse_policy("application ceiling", &c.policy)?),
        None => None,
    };
    Ok(ReviewContext {
        template,
        current,
        guardrails,
        ceiling,
        ceiling_policy,
        grant,
    })
}

/// Reviews `policy` (the request's, or narrowed from `requested`).
pub fn run_review(
    cx: &ReviewContext,
    policy: &Policy,
    requested: Option<&Policy>,
    raise_ceiling: bool,
) -> Review {
    review(
        ReviewInput {
            policy,
            requested,
            template: cx.template.as_ref(),
            current: cx.current.as_ref(),
            guardrails: &cx.guardrails,
            ceiling: cx.ceiling_policy.as_ref(),
            raise_ceiling,
        },
        Catalog::builtin(),
    )
}

#[cfg(test)]
mod tests {
    use super::union_policy;

    #[test]
    fn union_keeps_both_statement_lists_without_duplicates() {
        let a = r#"{"Statement":[{"Effect":"Allow","Action":"sp:Get*","Resource":"*"}]}"#;
        let b = r#"{"Statement":{"Effect":"Allow","Action":"reports:*","Resource":"*"}}"#;
        let u = union_policy(a, b).unwrap_or_default();
        let p = authz::parse_policy(&u).map(|p| p.statements.len());
        assert_eq!(p, Ok(2));
        let again = union_policy(&u, a).unwrap_or_default();
        assert_eq!(
            authz::parse_policy(&again).map(|p| p.statements.len()),
            Ok(2)
        );
        let wider = authz::parse_policy(&u).ok();
        let narrow = authz::parse_policy(b).ok();
        if let (Some(w), Some(n)) = (wider, narrow) {
            assert!(authz::check_no_new_access(&w, &n).passed());
        }
        assert!(union_policy("not json", a).is_err());
    }
}
