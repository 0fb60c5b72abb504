//! The guardrails page's use case, on the server: every active grant of the account checked
//! against its guardrails, and every application's ceiling with the grants under it, each with
//! its proof by `authz`. `super::guardrails::load_guardrails` checks access and calls
//! [`guardrails_report`].

use super::server::{check_view, effective_policy_text, guardrail_spec, pretty, unproved};
use super::views::{ApplicationCeiling, CeilingGrant, CeilingView, CheckView, GrantViolation};
use crate::error::AppError;
use authz::Policy;
use authz::consent::GuardrailSpec;
use charter_model::*;
use charter_store::DynStore;

/// How many active grants the guardrails page checks.
pub const GRANTS_CHECKED_LIMIT: usize = 500;

/// What the guardrails page shows of an account, but the account itself.
pub struct GuardrailsReport {
    pub guardrails: Vec<Guardrail>,
    /// Active grants checked against the guardrails.
    pub grants_checked: usize,
    pub violations: Vec<GrantViolation>,
    pub ceilings: Vec<ApplicationCeiling>,
}

/// An application seen on the account: its id, its name and its partner's name.
type ApplicationRef = (ApplicationId, String, String);

/// The account's guardrails, the active grants at fault, and the applications' ceilings.
pub async fn guardrails_report(
    store: &DynStore,
    advertiser: &Advertiser,
) -> Result<GuardrailsReport, AppError> {
    let guardrails = store.guardrails(&advertiser.id).await?;
    let specs: Vec<_> = guardrails.iter().map(guardrail_spec).collect();
    let details = active_grant_details(store, advertiser).await?;
    let violations = guardrail_violations(&details, &specs, advertiser);
    let applications = applications_on_account(store, advertiser, &details).await?;
    let mut ceilings = Vec::new();
    for application in applications {
        if let Some(c) = application_ceiling(store, advertiser, application).await? {
            ceilings.push(c);
        }
    }
    Ok(GuardrailsReport {
        guardrails,
        grants_checked: details.len(),
        violations,
        ceilings,
    })
}

/// Every active grant, with its agent and application: at most [`GRANTS_CHECKED_LIMIT`], in
/// the Agents list's order, read in one batch.
async fn active_grant_details(
    store: &DynStore,
    advertiser: &Advertiser,
) -> Result<Vec<GrantHolder>, AppError> {
    let mut agents = Vec::new();
    let mut page = 1u32;
    'pages: loop {
        let query = AgentQuery {
            status: Some(StatusFilter::Active),
            page,
            per_page: AgentQuery::MAX_PER_PAGE,
            ..AgentQuery::default()
        };
        let rows = store.list_agent_grants(&advertiser.id, &query).await?;
        let count = rows.page_count();
        for row in rows.items {
            if agents.len() >= GRANTS_CHECKED_LIMIT {
                break 'pages;
            }
            agents.push(row.agent_id);
        }
        if page >= count {
            break;
        }
        page += 1;
    }
    Ok(store.grant_holders(&advertiser.id, &agents).await?)
}

/// Each grant a guardrail finds at fault, once per guardrail. A grant whose policy cannot be
/// read is not listed.
fn guardrail_violations(
    details: &[GrantHolder],
    specs: &[GuardrailSpec],
    advertiser: &Advertiser,
) -> Vec<GrantViolation> {
    let mut violations = Vec::new();
    if specs.is_empty() {
        return violations;
    }
    for d in details {
        let Some(text) = effective_policy_text(&d.grant, advertiser) else {
            continue;
        };
        let Ok(policy) = authz::parse_policy(&text) else {
            continue;
        };
        for g in specs {
            let check = match authz::try_check_access_not_granted(&policy, &g.actions, &g.resources)
            {
                Ok(c) => check_view(&c),
                Err(e) => unproved(format!("could not be proved: {e}")),
            };
            if !check.passed {
                violations.push(GrantViolation {
                    guardrail: g.name.clone(),
                    agent_id: d.agent.id.clone(),
                    agent_name: d.agent.name.clone(),
                    application_name: d.application.name.clone(),
                    check,
                });
            }
        }
    }
    violations
}

/// The applications with an active grant (in the grants' order), then those that only asked
/// (no grant yet): they may have a ceiling too.
async fn applications_on_account(
    store: &DynStore,
    advertiser: &Advertiser,
    details: &[GrantHolder],
) -> Result<Vec<ApplicationRef>, AppError> {
    let mut applications: Vec<ApplicationRef> = Vec::new();
    let mut add = |id: &ApplicationId, name: &str, partner: &str| {
        if !applications.iter().any(|(known, _, _)| known == id) {
            applications.push((id.clone(), name.to_string(), partner.to_string()));
        }
    };
    for d in details {
        add(&d.application.id, &d.application.name, &d.partner.name);
    }
    for r in store.access_requests(&advertiser.id).await? {
        add(
            &r.request.application_id,
            &r.application_name,
            &r.partner_name,
        );
    }
    Ok(applications)
}

/// An application's ceiling on the account, with every grant under it proved against it;
/// `None` when the application has no ceiling.
async fn application_ceiling(
    store: &DynStore,
    advertiser: &Advertiser,
    (app_id, app_name, partner_name): ApplicationRef,
) -> Result<Option<ApplicationCeiling>, AppError> {
    let Some(ceiling) = store.app_ceiling(&advertiser.id, &app_id).await? else {
        return Ok(None);
    };
    let ceiling_policy = authz::parse_policy(&ceiling.policy).ok();
    let under = store.application_grants(&advertiser.id, &app_id).await?;
    let ids: Vec<AgentId> = under.iter().map(|g| g.agent_id.clone()).collect();
    let names: std::collections::HashMap<AgentId, String> = store
        .grant_holders(&advertiser.id, &ids)
        .await?
        .into_iter()
        .map(|h| (h.agent.id, h.agent.name))
        .collect();
    let mut grants = Vec::new();
    for g in under {
        let agent_name = names
            .get(&g.agent_id)
            .cloned()
            .unwrap_or_else(|| g.agent_id.to_string());
        let check = ceiling_check(ceiling_policy.as_ref(), &g, advertiser);
        grants.push(CeilingGrant {
            agent_id: g.agent_id.clone(),
            agent_name,
            status: g.status,
            check,
        });
    }
    Ok(Some(ApplicationCeiling {
        application_id: app_id,
        application_name: app_name,
        partner_name,
        ceiling: CeilingView {
            version: ceiling.version,
            updated_at: ceiling.updated_at,
            updated_by: ceiling.updated_by.clone(),
        },
        policy: pretty(&ceiling.policy),
        grants,
    }))
}

/// The proof that a grant gives no access beyond its application's ceiling (`None`: the
/// ceiling cannot be read).
fn ceiling_check(ceiling: Option<&Policy>, grant: &Grant, advertiser: &Advertiser) -> CheckView {
    match (ceiling, effective_policy_text(grant, advertiser)) {
        (Some(c), Some(text)) => match authz::parse_policy(&text) {
            Ok(p) => match authz::try_check_no_new_access(c, &p) {
                Ok(r) => check_view(&r),
                Err(e) => unproved(format!("could not be proved: {e}")),
            },
            Err(_) => unproved("the grant's policy cannot be read".into()),
        },
        (None, _) => unproved("the ceiling cannot be read".into()),
        (_, None) => unproved("the grant has no policy".into()),
    }
}
