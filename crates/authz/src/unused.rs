//! Unused access: which granted actions a grant did not use in a window, grouped by namespace,
//! and the least-privilege policy that drops them — with the proof that it grants nothing new.
//!
//! The caller (the server) supplies what was *used*: the actions of the grant's allowed
//! decisions in the window, from the audit trail. Everything else here is exact: the granted set
//! is [`crate::describe::allowed_actions`] over the catalog, the rewrite is
//! [`crate::recommend::recommend`] (wildcards become their shortest safe prefixes), and the new
//! policy is proved ⊆ the old one with [`crate::try_check_no_new_access`].

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::analyze::CheckResult;
use crate::budget::AnalysisError;
use crate::catalog::Catalog;
use crate::describe::allowed_actions;
use crate::policy::{PolicyError, parse_policy};
use crate::recommend::{Recommendation, StatementDiff, recommend};

/// Why a least-privilege rewrite could not be offered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnusedError {
    /// The grant's own policy does not parse.
    #[error("the grant policy is invalid: {0}")]
    Policy(#[from] PolicyError),
    /// The recommended policy could not be parsed back.
    #[error("the recommended policy could not be read back: {0}")]
    Recommended(PolicyError),
    /// The proof ran out of its budget.
    #[error("the proof that the recommendation grants nothing new did not finish: {0}")]
    Analysis(#[from] AnalysisError),
}

/// Granted but unused actions of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceFinding {
    /// The namespace, e.g. `sp`.
    pub namespace: String,
    /// "Sponsored Products".
    pub title: String,
    /// Granted actions not used in the window, in catalog order.
    pub unused: Vec<String>,
    /// Granted actions used in the window, in catalog order.
    pub used: Vec<String>,
}

/// The findings for one grant, and the recommendation when there is something to drop.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnusedAccess {
    /// Every catalog action the policy grants.
    pub granted: usize,
    /// Of those, used in the window.
    pub used: usize,
    /// Every namespace the policy grants actions in, alphabetically.
    pub by_namespace: Vec<NamespaceFinding>,
    /// `None` when every granted action was used (nothing to recommend).
    pub recommendation: Option<LeastPrivilege>,
}

/// A least-privilege rewrite with its proof.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeastPrivilege {
    /// The recommended policy document, pretty-printed.
    pub policy: String,
    /// What changed, per statement.
    pub diff: Vec<StatementDiff>,
    /// `check_no_new_access(new = recommended, existing = current)`: must be PASS.
    pub no_new_access: CheckResult,
    /// Actions still granted after the rewrite (equal to the used ones, unless a used action
    /// shares a statement with a Deny-only gap).
    pub granted_after: usize,
}

/// Computes the findings. `used` holds action names (any letter case).
pub fn unused_access(
    policy_src: &str,
    used: &HashSet<String>,
    catalog: &Catalog,
) -> Result<UnusedAccess, UnusedError> {
    let policy = parse_policy(policy_src)?;
    let used_lower: HashSet<String> = used.iter().map(|a| a.to_ascii_lowercase()).collect();
    let granted = allowed_actions(&policy, catalog);
    let mut groups: BTreeMap<String, NamespaceFinding> = BTreeMap::new();
    let mut unused: HashSet<String> = HashSet::new();
    let mut n_granted = 0;
    let mut n_used = 0;
    for (a, g) in catalog.actions.iter().zip(&granted) {
        if !g {
            continue;
        }
        n_granted += 1;
        let ns = a.namespace().to_string();
        let entry = groups
            .entry(ns.clone())
            .or_insert_with(|| NamespaceFinding {
                title: crate::describe::namespace_title(&ns).to_string(),
                namespace: ns,
                unused: Vec::new(),
                used: Vec::new(),
            });
        if used_lower.contains(&a.name.to_ascii_lowercase()) {
            n_used += 1;
            entry.used.push(a.name.clone());
        } else {
            // `recommend` takes lower-cased names.
            unused.insert(a.name.to_ascii_lowercase());
            entry.unused.push(a.name.clone());
        }
    }
    let recommendation = if unused.is_empty() {
        None
    } else {
        let rec: Recommendation = recommend(policy_src, &unused, catalog)?;
        let text = rec.policy_text();
        let diff = rec.diff;
        let new = parse_policy(&text).map_err(UnusedError::Recommended)?;
        let no_new_access = crate::try_check_no_new_access(&policy, &new)?;
        let granted_after = allowed_actions(&new, catalog)
            .iter()
            .filter(|g| **g)
            .count();
        Some(LeastPrivilege {
            policy: text,
            diff,
            no_new_access,
            granted_after,
        })
    };
    Ok(UnusedAccess {
        granted: n_granted,
        used: n_used,
        by_namespace: groups
            .into_values()
            .filter(|g| !g.unused.is_empty() || !g.used.is_empty())
            .collect(),
        recommendation,
    })
}
