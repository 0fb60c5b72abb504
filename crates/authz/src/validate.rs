//! Validation findings in the spirit of AWS `ValidatePolicy`.

use serde::Serialize;

use crate::analyze::{ActionIndex, Encoder, Overlap, Solver, and, not, size};
use crate::budget::{Budget, Meter};
use crate::catalog::Catalog;
use crate::policy::{CondValues, Effect, Op, Policy, PrincipalMatch};

/// Finding severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    Error,
    SecurityWarning,
    Warning,
    Suggestion,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub level: Level,
    /// Stable identifier such as `UNKNOWN_ACTION`.
    pub code: &'static str,
    pub statement_index: usize,
    pub message: String,
}

/// Validates a parsed policy against a catalog. The semantic checks (impossible and redundant
/// statements) run within the default [`Budget`]; see [`validate_within`].
pub fn validate(policy: &Policy, catalog: &Catalog) -> Vec<Finding> {
    validate_within(policy, catalog, Budget::DEFAULT)
}

/// [`validate`] with an explicit budget for the semantic checks. When the budget runs out the
/// remaining semantic checks are skipped and a WARNING `ANALYSIS_INCOMPLETE` names the statement
/// where they stopped (the syntactic findings are always complete).
pub fn validate_within(policy: &Policy, catalog: &Catalog, budget: Budget) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |level, code, i, message: String| {
        out.push(Finding {
            level,
            code,
            statement_index: i,
            message,
        })
    };
    for (i, s) in policy.statements.iter().enumerate() {
        for g in &s.action.patterns {
            if g.has_wildcard() {
                if !catalog.actions.iter().any(|a| g.matches(&a.name)) {
                    push(
                        Level::Error,
                        "UNKNOWN_ACTION",
                        i,
                        format!(
                            "the pattern `{}` matches no action in the catalog",
                            g.as_str()
                        ),
                    );
                }
                if s.effect == Effect::Allow && !s.action.negated {
                    let money: Vec<&str> = catalog
                        .actions
                        .iter()
                        .filter(|a| a.commits_money && g.matches(&a.name))
                        .map(|a| a.name.as_str())
                        .collect();
                    if !money.is_empty() {
                        push(
                            Level::SecurityWarning,
                            "WILDCARD_SPENDS_MONEY",
                            i,
                            format!(
                                "the wildcard `{}` allows {} action(s) that spend money, e.g. `{}`",
                                g.as_str(),
                                money.len(),
                                money[0]
                            ),
                        );
                    }
                }
            } else if !catalog.contains(g.as_str()) {
                push(
                    Level::Error,
                    "UNKNOWN_ACTION",
                    i,
                    format!("the action `{}` is not in the catalog", g.as_str()),
                );
            }
        }
        if s.effect == Effect::Allow {
            if let PrincipalMatch::Principal(l) = &s.principal
                && l.iter().any(|p| p.id.is_all())
            {
                push(
                    Level::SecurityWarning,
                    "PUBLIC_PRINCIPAL",
                    i,
                    "`Principal: \"*\"` with `Allow` grants access to anyone".into(),
                );
            }
            if s.action.negated {
                push(Level::SecurityWarning, "ALLOW_WITH_NOT_ACTION", i, "`Allow` with `NotAction` grants every action not listed, including future ones".into());
                let money = catalog
                    .actions
                    .iter()
                    .filter(|a| a.commits_money && s.action.matches(&a.name))
                    .count();
                if money > 0 {
                    push(
                        Level::SecurityWarning,
                        "WILDCARD_SPENDS_MONEY",
                        i,
                        format!("`NotAction` allows {money} action(s) that spend money"),
                    );
                }
            }
        }
        for c in &s.conditions {
            let empty = match &c.values {
                CondValues::Str(v) => v.is_empty(),
                CondValues::Num(v) => v.is_empty(),
                CondValues::Null(v) => v.is_empty(),
            };
            if empty {
                push(
                    Level::Error,
                    "EMPTY_CONDITION",
                    i,
                    format!("condition `{}` on `{}` has no values", c.op_name(), c.key),
                );
            }
            if c.if_exists && matches!(c.op, Op::StringNotEquals | Op::StringNotLike) {
                push(
                    Level::Suggestion,
                    "REDUNDANT_IF_EXISTS",
                    i,
                    format!(
                        "`{}` already holds when `{}` is missing",
                        c.op_name(),
                        c.key
                    ),
                );
            }
        }
    }
    // Semantic checks with the exact analyzer, on one solver sharing one budget.
    let mut meter = Meter::new(budget);
    let mut enc = Encoder::default();
    let formulas: Vec<_> = policy.statements.iter().map(|s| enc.statement(s)).collect();
    let total: u64 = formulas.iter().map(size).sum();
    let mut overlap = Overlap::default();
    let mut stopped_at = None;
    let index = match meter
        .charge(total)
        .and_then(|()| ActionIndex::new(policy, &mut meter))
    {
        Ok(ix) => Some(ix),
        Err(_) => {
            stopped_at = Some(0);
            None
        }
    };
    let mut sol = Solver::with_meter(&enc, meter);
    'outer: for (i, s) in policy.statements.iter().enumerate() {
        if stopped_at.is_some() {
            break;
        }
        sol.reset();
        let Ok(possible) = sol.try_sat(&formulas[i]) else {
            stopped_at = Some(i);
            break;
        };
        if !possible {
            push(
                Level::Error,
                "IMPOSSIBLE_STATEMENT",
                i,
                "the statement can never match: its conditions or patterns are contradictory"
                    .into(),
            );
            continue;
        }
        // Redundant: another statement with the same effect matches everything this one matches.
        // `s` matches some request; a statement whose actions never meet `s`'s cannot cover it.
        let Some(candidates) = index
            .as_ref()
            .and_then(|ix| ix.candidates(&s.action, sol.meter_mut()).ok())
        else {
            stopped_at = Some(i);
            break;
        };
        for j in candidates {
            let Some(t) = policy.statements.get(j) else {
                continue;
            };
            if i == j || s.effect != t.effect {
                continue;
            }
            match overlap.targets(&s.action, &t.action, sol.meter_mut()) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => {
                    stopped_at = Some(i);
                    break 'outer;
                }
            }
            sol.reset();
            let covered =
                match sol.try_sat(&and(vec![formulas[i].clone(), not(formulas[j].clone())])) {
                    Ok(sat) => !sat,
                    Err(_) => {
                        stopped_at = Some(i);
                        break 'outer;
                    }
                };
            // For identical statements report only the later one.
            let mutual = covered && {
                sol.reset();
                match sol.try_sat(&and(vec![formulas[j].clone(), not(formulas[i].clone())])) {
                    Ok(sat) => !sat,
                    Err(_) => {
                        stopped_at = Some(i);
                        break 'outer;
                    }
                }
            };
            if covered && (!mutual || j < i) {
                push(
                    Level::Warning,
                    "REDUNDANT_STATEMENT",
                    i,
                    format!(
                        "the statement is redundant: statement {j} already covers every request it matches"
                    ),
                );
                break;
            }
        }
    }
    if let Some(i) = stopped_at {
        push(
            Level::Warning,
            "ANALYSIS_INCOMPLETE",
            i,
            format!(
                "the policy is too complex for the remaining checks for impossible and redundant statements; they were skipped from statement {i} on"
            ),
        );
    }
    out.sort_by_key(|f| (f.statement_index, f.level));
    out
}
