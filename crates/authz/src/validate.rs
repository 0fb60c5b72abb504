//! Validation findings in the spirit of AWS `ValidatePolicy`.

use serde::Serialize;

use crate::analyze::{ActionIndex, Encoder, F, Overlap, Solver, and, not, size};
use crate::budget::{Budget, Exhausted, Meter};
use crate::catalog::Catalog;
use crate::policy::{CondValues, Effect, Op, Policy, PrincipalMatch, Statement};

/// Finding severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// The policy is wrong: it names what does not exist or cannot work.
    Error,
    /// The policy grants more than it probably means to.
    SecurityWarning,
    /// Something is off but harmless (a redundant statement, an incomplete analysis).
    Warning,
    /// A simplification.
    Suggestion,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The severity.
    pub level: Level,
    /// Stable identifier such as `UNKNOWN_ACTION`.
    pub code: &'static str,
    /// The statement the finding is about.
    pub statement_index: usize,
    /// What is wrong, in plain words.
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
    for (i, s) in policy.statements.iter().enumerate() {
        action_findings(i, s, catalog, &mut out);
        allow_findings(i, s, catalog, &mut out);
        condition_findings(i, s, &mut out);
    }
    semantic_findings(policy, budget, &mut out);
    out.sort_by_key(|f| (f.statement_index, f.level));
    out
}

fn push(out: &mut Vec<Finding>, level: Level, code: &'static str, i: usize, message: String) {
    out.push(Finding {
        level,
        code,
        statement_index: i,
        message,
    });
}

/// Action patterns that match nothing in the catalog, and Allow wildcards that spend money.
fn action_findings(i: usize, s: &Statement, catalog: &Catalog, out: &mut Vec<Finding>) {
    for g in &s.action.patterns {
        if g.has_wildcard() {
            if !catalog.actions.iter().any(|a| g.matches(&a.name)) {
                push(
                    out,
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
                        out,
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
                out,
                Level::Error,
                "UNKNOWN_ACTION",
                i,
                format!("the action `{}` is not in the catalog", g.as_str()),
            );
        }
    }
}

/// An Allow for anyone, and an Allow with `NotAction` (which may spend money).
fn allow_findings(i: usize, s: &Statement, catalog: &Catalog, out: &mut Vec<Finding>) {
    if s.effect != Effect::Allow {
        return;
    }
    if let PrincipalMatch::Principal(l) = &s.principal
        && l.iter().any(|p| p.id.is_all())
    {
        push(
            out,
            Level::SecurityWarning,
            "PUBLIC_PRINCIPAL",
            i,
            "`Principal: \"*\"` with `Allow` grants access to anyone".into(),
        );
    }
    if s.action.negated {
        push(
            out,
            Level::SecurityWarning,
            "ALLOW_WITH_NOT_ACTION",
            i,
            "`Allow` with `NotAction` grants every action not listed, including future ones".into(),
        );
        let money = catalog
            .actions
            .iter()
            .filter(|a| a.commits_money && s.action.matches(&a.name))
            .count();
        if money > 0 {
            push(
                out,
                Level::SecurityWarning,
                "WILDCARD_SPENDS_MONEY",
                i,
                format!("`NotAction` allows {money} action(s) that spend money"),
            );
        }
    }
}

/// Conditions without values, and `IfExists` on operators that already hold for a missing key.
fn condition_findings(i: usize, s: &Statement, out: &mut Vec<Finding>) {
    for c in &s.conditions {
        let empty = match &c.values {
            CondValues::Str(v) => v.is_empty(),
            CondValues::Num(v) => v.is_empty(),
            CondValues::Null(v) => v.is_empty(),
        };
        if empty {
            push(
                out,
                Level::Error,
                "EMPTY_CONDITION",
                i,
                format!("condition `{}` on `{}` has no values", c.op_name(), c.key),
            );
        }
        if c.if_exists && matches!(c.op, Op::StringNotEquals | Op::StringNotLike) {
            push(
                out,
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

/// Semantic checks with the exact analyzer, on one solver sharing one budget: impossible and
/// redundant statements, then `ANALYSIS_INCOMPLETE` if the budget ran out.
fn semantic_findings(policy: &Policy, budget: Budget, out: &mut Vec<Finding>) {
    let mut meter = Meter::new(budget);
    let mut enc = Encoder::default();
    let formulas: Vec<_> = policy.statements.iter().map(|s| enc.statement(s)).collect();
    let total: u64 = formulas.iter().map(size).sum();
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
    let mut sem = Semantic {
        policy,
        formulas: &formulas,
        sol: Solver::with_meter(&enc, meter),
        overlap: Overlap::default(),
    };
    if let Some(index) = &index {
        for (i, s) in policy.statements.iter().enumerate() {
            if sem.statement(i, s, index, out).is_err() {
                stopped_at = Some(i);
                break;
            }
        }
    }
    if let Some(i) = stopped_at {
        push(
            out,
            Level::Warning,
            "ANALYSIS_INCOMPLETE",
            i,
            format!(
                "the policy is too complex for the remaining checks for impossible and redundant statements; they were skipped from statement {i} on"
            ),
        );
    }
}

/// The state of the semantic checks: the statements' formulas and one solver for all queries.
struct Semantic<'a> {
    policy: &'a Policy,
    formulas: &'a [F],
    sol: Solver<'a>,
    overlap: Overlap,
}

impl Semantic<'_> {
    /// The semantic findings of statement `i`; `Err` when the budget ran out.
    fn statement(
        &mut self,
        i: usize,
        s: &Statement,
        index: &ActionIndex,
        out: &mut Vec<Finding>,
    ) -> Result<(), Exhausted> {
        self.sol.reset();
        if !self.sol.try_sat(&self.formulas[i])? {
            push(
                out,
                Level::Error,
                "IMPOSSIBLE_STATEMENT",
                i,
                "the statement can never match: its conditions or patterns are contradictory"
                    .into(),
            );
            return Ok(());
        }
        if let Some(j) = self.covering(i, s, index)? {
            push(
                out,
                Level::Warning,
                "REDUNDANT_STATEMENT",
                i,
                format!(
                    "the statement is redundant: statement {j} already covers every request it matches"
                ),
            );
        }
        Ok(())
    }

    /// Another statement with the same effect that matches everything statement `i` (`s`)
    /// matches; of two identical statements only the later one is reported. `s` matches some
    /// request, so a statement whose actions never meet `s`'s cannot cover it.
    fn covering(
        &mut self,
        i: usize,
        s: &Statement,
        index: &ActionIndex,
    ) -> Result<Option<usize>, Exhausted> {
        for j in index.candidates(&s.action, self.sol.meter_mut())? {
            let Some(t) = self.policy.statements.get(j) else {
                continue;
            };
            if i == j || s.effect != t.effect {
                continue;
            }
            if !self
                .overlap
                .targets(&s.action, &t.action, self.sol.meter_mut())?
            {
                continue;
            }
            let covered = self.implies(i, j)?;
            let mutual = covered && self.implies(j, i)?;
            if covered && (!mutual || j < i) {
                return Ok(Some(j));
            }
        }
        Ok(None)
    }

    /// True when statement `b` matches every request statement `a` matches.
    fn implies(&mut self, a: usize, b: usize) -> Result<bool, Exhausted> {
        self.sol.reset();
        let f = and(vec![
            self.formulas[a].clone(),
            not(self.formulas[b].clone()),
        ]);
        Ok(!self.sol.try_sat(&f)?)
    }
}
