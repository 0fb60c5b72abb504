//! The consent review of an access request, and the approval it guards: everything
//! `authz::consent::review` needs about one request on one account ([`review_context`]), the
//! review itself ([`run_review`]), and [`approve`], which refuses while the review has a blocker
//! (a violated guardrail, a grant above the application's ceiling unless the approval raises it,
//! a narrowed policy that is not within the request, a proof out of budget).

use crate::access::Manage;
use crate::policy::{effective_policy_text, guardrail_spec, template};
use authz::consent::{GuardrailSpec, Review, ReviewInput, review};
use authz::{Catalog, Policy};
use charter_model::{
    AccessRequest, AccessRequestId, Advertiser, AppCeiling, Grant, GrantStatus, RequestStatus,
};
use charter_store::{ConsentDecision, ConsentStore, GrantStore, StoreError};

/// The longest policy a partner may put in an access request (and an advertiser in a narrowed
/// grant): what Charter stores and shows, far below the engine's own limit.
pub const MAX_STORED_POLICY_BYTES: usize = 16 * 1024;

/// Why a consent step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    /// A policy text that is too long or does not parse; `what` names which policy.
    #[error("the {what} is {len} bytes long; at most {MAX_STORED_POLICY_BYTES} are accepted")]
    TooLong {
        /// Which policy ("requested policy", "narrowed policy", …).
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// A policy that does not parse, with the JSON path and line:col of the first problem.
    #[error("the {what} is not a valid policy: {path} at line {line}:{col}: {message}")]
    Invalid {
        /// Which policy.
        what: &'static str,
        /// The JSON path of the problem.
        path: String,
        /// Its line, from 1.
        line: usize,
        /// Its column, from 1.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// A policy that is not JSON at all where statements are read from it.
    #[error("a policy is not valid JSON")]
    NotJson,
    /// The request was decided already (approved, denied or withdrawn).
    #[error("this request was already {0}")]
    AlreadyDecided(String),
    /// The review has blockers; each is a sentence for the person approving.
    #[error("approval refused: {}", .0.join("; "))]
    Refused(Vec<String>),
    /// The store failed or the request is not this account's.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parses a policy; the error names `what`, the JSON path and line:col.
pub fn parse_policy(what: &'static str, text: &str) -> Result<Policy, ConsentError> {
    authz::parse_policy(text).map_err(|e| ConsentError::Invalid {
        what,
        path: e.path,
        line: e.line,
        col: e.col,
        message: e.message,
    })
}

/// [`parse_policy`] for a policy Charter is about to store: at most
/// [`MAX_STORED_POLICY_BYTES`].
pub fn parse_new_policy(what: &'static str, text: &str) -> Result<Policy, ConsentError> {
    if text.len() > MAX_STORED_POLICY_BYTES {
        return Err(ConsentError::TooLong {
            what,
            len: text.len(),
        });
    }
    parse_policy(what, text)
}

/// A policy as stable, reviewable text: pretty-printed JSON, or the text as given when it does
/// not parse as JSON.
pub fn pretty(policy: &str) -> String {
    serde_json::from_str::<serde_json::Value>(policy)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| policy.to_string())
}

fn statements_of(policy: &str) -> Result<Vec<serde_json::Value>, ConsentError> {
    let value: serde_json::Value =
        serde_json::from_str(policy).map_err(|_| ConsentError::NotJson)?;
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
pub fn union_policy(a: &str, b: &str) -> Result<String, ConsentError> {
    let mut statements = statements_of(a)?;
    for s in statements_of(b)? {
        if !statements.contains(&s) {
            statements.push(s);
        }
    }
    let doc = serde_json::json!({ "Version": "2012-10-17", "Statement": statements });
    serde_json::to_string_pretty(&doc).map_err(|_| ConsentError::NotJson)
}

/// Everything `review` needs about one request on one account.
pub struct ReviewContext {
    /// The purpose's template for the account, if the purpose has one.
    pub template: Option<Policy>,
    /// The agent's current effective policy on the account, if it has a grant.
    pub current: Option<Policy>,
    /// The account's guardrails.
    pub guardrails: Vec<GuardrailSpec>,
    /// The application's ceiling on the account, if one is set.
    pub ceiling: Option<AppCeiling>,
    /// That ceiling's policy, parsed.
    pub ceiling_policy: Option<Policy>,
    /// The agent's grant on the account, if it has one (any state but revoked).
    pub grant: Option<Grant>,
}

/// Reads what the review of `request` on `advertiser` needs.
pub async fn review_context<S: GrantStore + ConsentStore + ?Sized>(
    store: &S,
    advertiser: &Advertiser,
    request: &AccessRequest,
) -> Result<ReviewContext, ConsentError> {
    let grant = store
        .agent_detail(&advertiser.id, &request.agent_id)
        .await?
        .map(|d| d.grant)
        .filter(|g| g.status != GrantStatus::Revoked);
    let current = match grant
        .as_ref()
        .and_then(|g| effective_policy_text(g, advertiser))
    {
        Some(text) => Some(parse_policy("current grant", &text)?),
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
        template: template(request.purpose, advertiser),
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

/// The narrowed policy in what the person `typed`: the text, trimmed, unless it is empty or
/// the request's own policy (compared pretty-printed). `None` takes the request as asked.
pub fn narrowed_text<'a>(request: &AccessRequest, typed: Option<&'a str>) -> Option<&'a str> {
    typed
        .map(str::trim)
        .filter(|p| !p.is_empty() && pretty(p) != pretty(&request.policy))
}

/// The review the consent screen shows: of the narrowed policy the person typed while the
/// request is pending ([`narrowed_text`]), else of the request as asked.
#[derive(Debug)]
pub struct ScreenReview {
    /// The narrowed policy, as typed and parsed.
    pub narrowed: Option<(String, Policy)>,
    /// Why the typed narrowed policy does not parse.
    pub narrow_error: Option<String>,
    /// The review with the policy it reviewed, or why the request's own policy does not parse.
    pub review: Result<(Review, Policy), String>,
}

/// Reviews `request` for the consent screen (see [`ScreenReview`]); the ceiling may grow.
pub fn screen_review(
    cx: &ReviewContext,
    request: &AccessRequest,
    typed: Option<&str>,
) -> ScreenReview {
    let mut narrow_error = None;
    let mut narrowed = None;
    if request.status == RequestStatus::Pending
        && let Some(text) = narrowed_text(request, typed)
    {
        match parse_policy("narrowed policy", text) {
            Ok(p) => narrowed = Some((text.to_string(), p)),
            Err(e) => narrow_error = Some(e.to_string()),
        }
    }
    let review = match parse_policy("requested policy", &request.policy) {
        Ok(original) => Ok(match &narrowed {
            Some((_, p)) => (run_review(cx, p, Some(&original), true), p.clone()),
            None => (run_review(cx, &original, None, true), original),
        }),
        Err(e) => Err(e.to_string()),
    };
    ScreenReview {
        narrowed,
        narrow_error,
        review,
    }
}

/// What a person approves: the request as asked, or narrowed to `policy`; whether the
/// application's ceiling on the account may grow to cover it; a note for the trail.
#[derive(Debug, Clone, Default)]
pub struct Approval {
    /// A narrowed policy; `None` (or the request's own policy) approves the request as asked.
    pub policy: Option<String>,
    /// Raise the application's ceiling to cover the approved policy if it is above it.
    pub raise_ceiling: bool,
    /// A note for the trail.
    pub note: Option<String>,
}

/// Approves a pending access request of the account, after the same review the consent screen
/// shows: refused ([`ConsentError::Refused`]) while it has a blocker. With no ceiling on the
/// account yet, the approved policy becomes the application's ceiling; with `raise_ceiling`,
/// the ceiling grows to cover it.
pub async fn approve<S: GrantStore + ConsentStore + ?Sized>(
    store: &S,
    m: &Manage,
    id: &AccessRequestId,
    approval: Approval,
) -> Result<AccessRequest, ConsentError> {
    let advertiser = m.advertiser();
    let request = store
        .access_request(&advertiser.id, id)
        .await?
        .ok_or(StoreError::NotFound)?
        .request;
    if request.status != RequestStatus::Pending {
        return Err(ConsentError::AlreadyDecided(
            request.status.label().to_lowercase(),
        ));
    }
    let original = parse_policy("requested policy", &request.policy)?;
    let narrowed = narrowed_text(&request, approval.policy.as_deref());
    let raise = approval.raise_ceiling;
    let cx = review_context(store, advertiser, &request).await?;
    let (approved_text, r) = match narrowed {
        Some(text) => {
            let p = parse_new_policy("narrowed policy", text)?;
            (
                text.to_string(),
                run_review(&cx, &p, Some(&original), raise),
            )
        }
        None => (
            request.policy.clone(),
            run_review(&cx, &original, None, raise),
        ),
    };
    if !r.blockers.is_empty() {
        return Err(ConsentError::Refused(r.blockers));
    }
    let ceiling = match &cx.ceiling {
        None => Some(approved_text.clone()),
        Some(c) if raise && r.ceiling.as_ref().is_some_and(|c| !c.passed()) => {
            Some(union_policy(&c.policy, &approved_text)?)
        }
        Some(_) => None,
    };
    let decision = ConsentDecision::Approve {
        policy: approved_text,
        expires_at: request.expires_at,
        ceiling,
        note: approval.note,
    };
    Ok(crate::consent::decide_access_request(store, m, id, decision).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn policy_errors_name_the_policy_and_where() {
        let e = parse_policy("narrowed policy", r#"{"Statement": [{"Effect": "Allow"}]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("the narrowed policy is not a valid policy: "),
            "{e}"
        );
        assert!(e.contains(" at line 1:"), "{e}");
        let long = "x".repeat(MAX_STORED_POLICY_BYTES + 1);
        assert_eq!(
            parse_new_policy("requested policy", &long)
                .err()
                .map(|e| e.to_string()),
            Some(format!(
                "the requested policy is {} bytes long; at most {MAX_STORED_POLICY_BYTES} are accepted",
                MAX_STORED_POLICY_BYTES + 1
            ))
        );
    }
}
