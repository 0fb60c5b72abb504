//! Validation findings in the spirit of AWS `ValidatePolicy`.

use serde::Serialize;

use crate::analyze::{Encoder, Solver, and, not};
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

/// Validates a parsed policy against a catalog.
pub fn validate(policy: &Policy, catalog: &Catalog) -> Vec<Finding> {
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
    // Semantic checks with the exact analyzer.
    let mut enc = Encoder::default();
    let formulas: Vec<_> = policy.statements.iter().map(|s| enc.statement(s)).collect();
    for (i, s) in policy.statements.iter().enumerate() {
        let mut sol = Solver::new(&enc);
        if !sol.sat(&formulas[i]) {
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
        for (j, t) in policy.statements.iter().enumerate() {
            if i == j || s.effect != t.effect {
                continue;
            }
            let mut sol = Solver::new(&enc);
            let covered = !sol.sat(&and(vec![formulas[i].clone(), not(formulas[j].clone())]));
            // For identical statements report only the later one.
            let mut sol2 = Solver::new(&enc);
            let mutual =
                covered && !sol2.sat(&and(vec![formulas[j].clone(), not(formulas[i].clone())]));
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
    out.sort_by_key(|f| (f.statement_index, f.level));
    out
}
