//! The consent review: everything an advertiser needs to decide on a requested policy, computed
//! exactly. Pure, so the server decides with it and the browser previews with it.
//!
//! - the capabilities in plain language ([`crate::describe::capabilities`]);
//! - what goes beyond the purpose template (`check_no_new_access(template, requested)`);
//! - for an upgrade, the exact new access (`check_no_new_access(current, requested)`);
//! - every guardrail (`check_access_not_granted(requested, actions, resources)`): a violation
//!   blocks approval and names the statement at fault;
//! - the application's ceiling (`check_no_new_access(ceiling, requested)`): exceeding it blocks
//!   approval unless the advertiser raises the ceiling with this approval;
//! - a narrowed policy must be within the request.
//!
//! Every proof runs under the analyzer's default budget; running out blocks approval.

use crate::analyze::{CheckResult, try_check_access_not_granted, try_check_no_new_access};
use crate::catalog::Catalog;
use crate::describe::{CapabilityGroup, capabilities};
use crate::policy::Policy;
use serde::Serialize;

/// One guardrail: no agent may be granted any of `actions` on any of `resources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct GuardrailSpec {
    /// A stable identifier.
    pub id: String,
    /// The name shown to people.
    pub name: String,
    /// Action patterns (case-insensitive).
    pub actions: Vec<String>,
    /// Resource patterns; empty means every resource.
    pub resources: Vec<String>,
}

/// A guardrail's verdict on the requested policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardrailVerdict {
    /// The guardrail.
    pub guardrail: GuardrailSpec,
    /// `check_access_not_granted` for it: FAIL names the statements that violate it.
    pub check: CheckResult,
}

/// The review of one requested policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    /// What the policy allows, in plain language.
    pub capabilities: Vec<CapabilityGroup>,
    /// FAIL: the request goes beyond its purpose's template (reasons name the statements).
    pub beyond_template: Option<CheckResult>,
    /// For an upgrade: FAIL lists the access the current grant does not give.
    pub new_access: Option<CheckResult>,
    /// Every guardrail's verdict.
    pub guardrails: Vec<GuardrailVerdict>,
    /// FAIL: the request exceeds the application's ceiling on the account.
    pub ceiling: Option<CheckResult>,
    /// FAIL: a narrowed policy is not within the request.
    pub narrowing: Option<CheckResult>,
    /// Why approval is blocked; empty when it may be approved.
    pub blockers: Vec<String>,
}

impl Review {
    /// True when nothing blocks approval.
    pub fn approvable(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// What to review.
#[derive(Debug, Clone, Copy)]
pub struct ReviewInput<'a> {
    /// The policy that would be granted (the request's, or the advertiser's narrowed one).
    pub policy: &'a Policy,
    /// The request as filed, when `policy` is a narrowed version of it.
    pub requested: Option<&'a Policy>,
    /// The purpose's template, if the request declares a purpose.
    pub template: Option<&'a Policy>,
    /// For an upgrade: the policy granted now.
    pub current: Option<&'a Policy>,
    /// The guardrails to check.
    pub guardrails: &'a [GuardrailSpec],
    /// The application's ceiling on the account, if it has one.
    pub ceiling: Option<&'a Policy>,
    /// The advertiser raises the ceiling to cover this grant with the approval.
    pub raise_ceiling: bool,
}

fn first_reason(c: &CheckResult) -> String {
    c.reasons
        .first()
        .map(|r| r.summary())
        .unwrap_or_else(|| c.message.clone())
}

/// Reviews `input.policy`; see the module documentation.
pub fn review(input: ReviewInput<'_>, catalog: &Catalog) -> Review {
    let mut blockers = Vec::new();
    let mut prove = |what: &str, r: Result<CheckResult, crate::budget::AnalysisError>| match r {
        Ok(c) => Some(c),
        Err(e) => {
            blockers.push(format!("{what}: {e}"));
            None
        }
    };
    let beyond_template = input
        .template
        .and_then(|t| prove("purpose template", try_check_no_new_access(t, input.policy)));
    let new_access = input
        .current
        .and_then(|c| prove("current grant", try_check_no_new_access(c, input.policy)));
    let narrowing = input
        .requested
        .and_then(|r| prove("narrowing", try_check_no_new_access(r, input.policy)));
    let ceiling = input.ceiling.and_then(|c| {
        prove(
            "application ceiling",
            try_check_no_new_access(c, input.policy),
        )
    });
    let mut guardrails = Vec::new();
    for g in input.guardrails {
        if let Some(check) = prove(
            &format!("guardrail `{}`", g.name),
            try_check_access_not_granted(input.policy, &g.actions, &g.resources),
        ) {
            guardrails.push(GuardrailVerdict {
                guardrail: g.clone(),
                check,
            });
        }
    }
    for v in &guardrails {
        if !v.check.passed() {
            blockers.push(format!(
                "guardrail `{}` is violated: {}",
                v.guardrail.name,
                first_reason(&v.check)
            ));
        }
    }
    if let Some(c) = &ceiling
        && !c.passed()
        && !input.raise_ceiling
    {
        blockers.push(format!(
            "the application's ceiling on this account does not cover it: {}",
            first_reason(c)
        ));
    }
    if let Some(n) = &narrowing
        && !n.passed()
    {
        blockers.push(format!(
            "the narrowed policy is not within the request: {}",
            first_reason(n)
        ));
    }
    Review {
        capabilities: capabilities(input.policy, catalog),
        beyond_template,
        new_access,
        guardrails,
        ceiling,
        narrowing,
        blockers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_policy;

    fn p(s: &str) -> Policy {
        match parse_policy(s) {
            Ok(p) => p,
            Err(e) => unreachable!("{e:?}"),
        }
    }

    #[test]
    fn guardrails_block_and_name_the_statement() {
        let requested = p(
            r#"{"Statement":[{"Sid":"Ok","Effect":"Allow","Action":"sp:GetCampaign","Resource":"*"},
                                           {"Sid":"Bill","Effect":"Allow","Action":"billing:*","Resource":"*"}]}"#,
        );
        let g = GuardrailSpec {
            id: "grd_1".into(),
            name: "No billing".into(),
            actions: vec!["billing:*".into()],
            resources: vec!["*".into()],
        };
        let template =
            p(r#"{"Statement":[{"Effect":"Allow","Action":"sp:GetCampaign","Resource":"*"}]}"#);
        let r = review(
            ReviewInput {
                policy: &requested,
                requested: None,
                template: Some(&template),
                current: None,
                guardrails: std::slice::from_ref(&g),
                ceiling: None,
                raise_ceiling: false,
            },
            Catalog::builtin(),
        );
        assert!(!r.approvable());
        assert!(r.blockers[0].contains("No billing"), "{:?}", r.blockers);
        assert!(r.blockers[0].contains("`Bill`"), "{:?}", r.blockers);
        let beyond = r.beyond_template.as_ref().map(|c| c.passed());
        assert_eq!(beyond, Some(false));

        // Narrowed to the safe statement: approvable, within the request and the guardrail.
        let narrowed = template.clone();
        let r = review(
            ReviewInput {
                policy: &narrowed,
                requested: Some(&requested),
                template: Some(&template),
                current: None,
                guardrails: &[g],
                ceiling: Some(&template),
                raise_ceiling: false,
            },
            Catalog::builtin(),
        );
        assert!(r.approvable(), "{:?}", r.blockers);
    }

    #[test]
    fn ceiling_blocks_unless_raised_and_narrowing_must_stay_within() {
        let ceiling = p(r#"{"Statement":[{"Effect":"Allow","Action":"sp:Get*","Resource":"*"}]}"#);
        let wider =
            p(r#"{"Statement":[{"Sid":"W","Effect":"Allow","Action":"sp:*","Resource":"*"}]}"#);
        let base = ReviewInput {
            policy: &wider,
            requested: None,
            template: None,
            current: Some(&ceiling),
            guardrails: &[],
            ceiling: Some(&ceiling),
            raise_ceiling: false,
        };
        let r = review(base, Catalog::builtin());
        assert!(!r.approvable());
        assert_eq!(r.new_access.as_ref().map(|c| c.passed()), Some(false));
        let r = review(
            ReviewInput {
                raise_ceiling: true,
                ..base
            },
            Catalog::builtin(),
        );
        assert!(r.approvable(), "{:?}", r.blockers);
        // A "narrowed" policy that is wider than the request is refused.
        let r = review(
            ReviewInput {
                policy: &wider,
                requested: Some(&ceiling),
                ceiling: None,
                ..base
            },
            Catalog::builtin(),
        );
        assert!(
            r.blockers.iter().any(|b| b.contains("narrowed")),
            "{:?}",
            r.blockers
        );
    }
}
