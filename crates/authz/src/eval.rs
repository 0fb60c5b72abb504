//! Request evaluation: explicit Deny wins, otherwise any Allow allows, otherwise implicit deny.
//!
//! Condition semantics (documented contract, shared with the analyzer and the SMT emitter):
//! - A key that is missing from the context makes `StringEquals`, `StringLike`, every numeric
//!   and date operator, and `Bool` false; `StringNotEquals`/`StringNotLike` true; the
//!   `...IfExists` form of any operator true. `Null: true` holds when the key is missing,
//!   `Null: false` when it is present.
//! - Several values in one operator are OR-ed; the negated string operators are the negation of
//!   the OR (`StringNotEquals [a, b]` means neither `a` nor `b`).
//! - Typed operators first parse the context value (numbers as [`crate::Dec`], dates as in
//!   [`crate::date_to_dec`]). A value that does not parse makes every typed operator false,
//!   including `NumericNotEquals`: it holds only for a parseable number that differs from every
//!   listed value.
//! - `Bool` compares the exact strings `true`/`false` (case-sensitive).
//! - Action names match ASCII-case-insensitively; everything else is case-sensitive.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::policy::{CondValues, Condition, Effect, Op, Policy, PrincipalMatch, Statement, Target};
use crate::values::{Cmp, cmp_date, cmp_dec, parse_date, parse_dec};

/// The principal making a request: an id and, optionally, its kind (`Agent`, `Partner`, ...).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Principal {
    /// The kind, e.g. `Agent`; `None` for a plain id.
    pub kind: Option<String>,
    /// The id.
    pub id: String,
}

impl Principal {
    /// Parses `Kind::id` or a plain id.
    pub fn parse(s: &str) -> Principal {
        match s.split_once("::") {
            Some((k, id)) if !k.is_empty() => Principal {
                kind: Some(k.to_string()),
                id: id.to_string(),
            },
            _ => Principal {
                kind: None,
                id: s.to_string(),
            },
        }
    }
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Some(k) => write!(f, "{k}::{}", self.id),
            None => f.write_str(&self.id),
        }
    }
}

/// A request: who does what on which resource, with a string-valued context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Who asks.
    pub principal: Principal,
    /// The action, `namespace:Action`.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Context keys and their values (e.g. `ads:BidAmount`, `ads:CurrentTime`).
    pub context: BTreeMap<String, String>,
}

impl Request {
    /// A request with an empty context; `principal` is `Kind::id` or a plain id.
    pub fn new(principal: &str, action: &str, resource: &str) -> Request {
        Request {
            principal: Principal::parse(principal),
            action: action.to_string(),
            resource: resource.to_string(),
            context: BTreeMap::new(),
        }
    }

    /// The request with context key `key` set to `value`.
    pub fn with(mut self, key: &str, value: &str) -> Request {
        self.context.insert(key.to_string(), value.to_string());
        self
    }
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    /// An Allow statement matches and no Deny does.
    Allow,
    /// A Deny statement matches.
    ExplicitDeny,
    /// No statement allows.
    ImplicitDeny,
}

/// A statement that decided (or nearly decided) a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementRef {
    /// Index of the policy in the evaluated set.
    pub policy_index: usize,
    /// Index of the statement in its policy.
    pub statement_index: usize,
    /// Its `Sid`, if it has one.
    pub statement_id: Option<String>,
}

/// Which part of a statement did not match.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Miss {
    /// The statement that nearly matched.
    pub statement: StatementRef,
    /// Plain descriptions of every failed part, e.g. ``condition `NumericLessThanEquals` on `ads:BidAmount` ``.
    pub failed: Vec<String>,
}

/// An explained decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Allow, explicit deny or implicit deny.
    pub outcome: Outcome,
    /// The statements that decided: the matching Deny statements for an explicit deny, the
    /// matching Allow statements for an allow; empty for an implicit deny.
    pub deciding: Vec<StatementRef>,
    /// For an implicit deny: the Allow statement with the fewest failed parts.
    pub nearest_miss: Option<Miss>,
}

impl Decision {
    /// True when the outcome is Allow.
    pub fn allowed(&self) -> bool {
        self.outcome == Outcome::Allow
    }
}

impl Target {
    /// True when `s` matches one of the patterns (none of them, for a negated target).
    #[inline]
    pub fn matches(&self, s: &str) -> bool {
        self.patterns.iter().any(|g| g.matches(s)) != self.negated
    }
}

impl PrincipalMatch {
    /// True when the statement applies to principal `p`.
    #[inline]
    pub fn matches(&self, p: &Principal) -> bool {
        let any = |list: &[crate::policy::PrincipalPattern]| {
            list.iter().any(|pp| {
                pp.kind.as_ref().is_none_or(|k| p.kind.as_ref() == Some(k)) && pp.id.matches(&p.id)
            })
        };
        match self {
            PrincipalMatch::Absent => true,
            PrincipalMatch::Principal(l) => any(l),
            PrincipalMatch::NotPrincipal(l) => !any(l),
        }
    }
}

fn num_cmp(op: Op) -> Option<Cmp> {
    Some(match op {
        Op::NumericEquals => Cmp::Eq,
        Op::NumericLessThan | Op::DateLessThan => Cmp::Lt,
        Op::NumericLessThanEquals | Op::DateLessThanEquals => Cmp::Le,
        Op::NumericGreaterThan | Op::DateGreaterThan => Cmp::Gt,
        Op::NumericGreaterThanEquals | Op::DateGreaterThanEquals => Cmp::Ge,
        _ => return None,
    })
}

impl Condition {
    /// Evaluates the condition against an optional context value.
    #[inline]
    pub fn matches_value(&self, v: Option<&str>) -> bool {
        let Some(v) = v else {
            return match (&self.values, self.op) {
                (CondValues::Null(vals), _) => vals.contains(&true),
                (_, Op::StringNotEquals | Op::StringNotLike) => true,
                _ => self.if_exists,
            };
        };
        match (&self.values, self.op) {
            (CondValues::Null(vals), _) => vals.contains(&false),
            (CondValues::Str(gs), Op::StringNotEquals | Op::StringNotLike) => {
                !gs.iter().any(|g| g.matches(v))
            }
            (CondValues::Str(gs), _) => gs.iter().any(|g| g.matches(v)),
            (CondValues::Num(cs), Op::NumericNotEquals) => match parse_dec(v) {
                Some(d) => cs.iter().all(|c| cmp_dec(d, c.as_ref()) != Ordering::Equal),
                None => false,
            },
            (
                CondValues::Num(cs),
                op @ (Op::DateLessThan
                | Op::DateLessThanEquals
                | Op::DateGreaterThan
                | Op::DateGreaterThanEquals),
            ) => match (parse_date(v), num_cmp(op)) {
                (Some(d), Some(cmp)) => cs.iter().any(|c| cmp.holds(cmp_date(d, c))),
                _ => false,
            },
            (CondValues::Num(cs), op) => match (parse_dec(v), num_cmp(op)) {
                (Some(d), Some(cmp)) => cs.iter().any(|c| cmp.holds(cmp_dec(d, c.as_ref()))),
                _ => false,
            },
        }
    }

    /// Evaluates the condition against a request context.
    #[inline]
    pub fn matches(&self, ctx: &BTreeMap<String, String>) -> bool {
        self.matches_value(ctx.get(&self.key).map(String::as_str))
    }

    /// The operator name as written (with `IfExists`).
    pub fn op_name(&self) -> String {
        format!(
            "{}{}",
            self.op.name(),
            if self.if_exists { "IfExists" } else { "" }
        )
    }
}

impl Statement {
    /// True when every part of the statement matches the request.
    #[inline]
    pub fn matches(&self, r: &Request) -> bool {
        self.action.matches(&r.action)
            && self.resource.matches(&r.resource)
            && self.principal.matches(&r.principal)
            && self.conditions.iter().all(|c| c.matches(&r.context))
    }

    /// Descriptions of every part that does not match.
    pub fn failed_parts(&self, r: &Request) -> Vec<String> {
        let mut out = Vec::new();
        if !self.principal.matches(&r.principal) {
            let k = if matches!(self.principal, PrincipalMatch::NotPrincipal(_)) {
                "NotPrincipal"
            } else {
                "Principal"
            };
            out.push(format!("{k} does not match `{}`", r.principal));
        }
        if !self.action.matches(&r.action) {
            let k = if self.action.negated {
                "NotAction"
            } else {
                "Action"
            };
            out.push(format!("{k} does not match `{}`", r.action));
        }
        if !self.resource.matches(&r.resource) {
            let k = if self.resource.negated {
                "NotResource"
            } else {
                "Resource"
            };
            out.push(format!("{k} does not match `{}`", r.resource));
        }
        for c in &self.conditions {
            if !c.matches(&r.context) {
                let v = match r.context.get(&c.key) {
                    Some(v) => format!("value `{v}`"),
                    None => "a missing key".to_string(),
                };
                out.push(format!(
                    "condition `{}` on `{}` is false for {v}",
                    c.op_name(),
                    c.key
                ));
            }
        }
        out
    }
}

fn sref(pi: usize, si: usize, s: &Statement) -> StatementRef {
    StatementRef {
        policy_index: pi,
        statement_index: si,
        statement_id: s.sid.clone(),
    }
}

/// Fast decision without explanation and without allocation: the outcome plus the first
/// deciding statement as (policy index, statement index).
#[inline]
pub fn decide(policies: &[&Policy], r: &Request) -> (Outcome, Option<(usize, usize)>) {
    let mut allow = None;
    for (pi, p) in policies.iter().enumerate() {
        for (si, s) in p.statements.iter().enumerate() {
            if s.effect == Effect::Allow && allow.is_some() {
                continue;
            }
            if s.matches(r) {
                match s.effect {
                    Effect::Deny => return (Outcome::ExplicitDeny, Some((pi, si))),
                    Effect::Allow => allow = Some((pi, si)),
                }
            }
        }
    }
    match allow {
        Some(a) => (Outcome::Allow, Some(a)),
        None => (Outcome::ImplicitDeny, None),
    }
}

/// True when the policy set allows the request.
#[inline]
pub fn is_allowed(policies: &[&Policy], r: &Request) -> bool {
    decide(policies, r).0 == Outcome::Allow
}

/// Explained decision over a set of policies.
pub fn evaluate(policies: &[&Policy], r: &Request) -> Decision {
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    for (pi, p) in policies.iter().enumerate() {
        for (si, s) in p.statements.iter().enumerate() {
            if s.matches(r) {
                match s.effect {
                    Effect::Deny => denies.push(sref(pi, si, s)),
                    Effect::Allow => allows.push(sref(pi, si, s)),
                }
            }
        }
    }
    if !denies.is_empty() {
        return Decision {
            outcome: Outcome::ExplicitDeny,
            deciding: denies,
            nearest_miss: None,
        };
    }
    if !allows.is_empty() {
        return Decision {
            outcome: Outcome::Allow,
            deciding: allows,
            nearest_miss: None,
        };
    }
    let mut best: Option<Miss> = None;
    for (pi, p) in policies.iter().enumerate() {
        for (si, s) in p.statements.iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let failed = s.failed_parts(r);
            if best.as_ref().is_none_or(|b| failed.len() < b.failed.len()) {
                best = Some(Miss {
                    statement: sref(pi, si, s),
                    failed,
                });
            }
        }
    }
    Decision {
        outcome: Outcome::ImplicitDeny,
        deciding: Vec::new(),
        nearest_miss: best,
    }
}

/// Explained decision for a single policy.
pub fn evaluate_policy(p: &Policy, r: &Request) -> Decision {
    evaluate(&[p], r)
}
