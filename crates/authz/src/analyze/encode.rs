//! Encoding statements and policies as formulas over interned atoms.

use std::collections::HashMap;

use super::formula::{Atom, AtomKind, F, Var, and, not, or};
use crate::glob::Glob;
use crate::policy::{CondValues, Condition, Effect, Op, Policy, PrincipalMatch, Statement, Target};
use crate::values::{Cmp, Dec};

/// Interns atoms and encodes statements and policies as formulas.
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    /// The interned atoms; an atom id is an index into this list.
    pub atoms: Vec<Atom>,
    index: HashMap<Atom, usize, crate::automata::FxBuild>,
    /// Encode for an outsider principal: statements without a principal element do not apply.
    pub outsider: bool,
}

impl Encoder {
    /// The id of the atom `var` `kind`, interned on first use.
    pub fn atom(&mut self, var: Var, kind: AtomKind) -> usize {
        let a = Atom { var, kind };
        if let Some(i) = self.index.get(&a) {
            return *i;
        }
        self.atoms.push(a.clone());
        self.index.insert(a, self.atoms.len() - 1);
        self.atoms.len() - 1
    }

    fn lit(&mut self, var: Var, kind: AtomKind) -> F {
        F::Lit(self.atom(var, kind), true)
    }

    pub(super) fn glob(&mut self, var: Var, g: &Glob) -> F {
        if g.is_all() {
            F::True
        } else {
            self.lit(var, AtomKind::Glob(g.clone()))
        }
    }

    fn target(&mut self, var: Var, t: &Target) -> F {
        let f = or(t
            .patterns
            .iter()
            .map(|g| self.glob(var.clone(), g))
            .collect());
        if t.negated { not(f) } else { f }
    }

    fn principal(&mut self, p: &PrincipalMatch) -> F {
        let list = |l: &[crate::policy::PrincipalPattern], enc: &mut Encoder| {
            or(l.iter()
                .map(|pp| {
                    let k = match &pp.kind {
                        Some(k) => enc.lit(Var::PrincipalKind, AtomKind::Glob(Glob::literal(k))),
                        None => F::True,
                    };
                    let id = enc.glob(Var::PrincipalId, &pp.id);
                    and(vec![k, id])
                })
                .collect())
        };
        match p {
            PrincipalMatch::Absent => {
                if self.outsider {
                    F::False
                } else {
                    F::True
                }
            }
            PrincipalMatch::Principal(l) => list(l, self),
            PrincipalMatch::NotPrincipal(l) => not(list(l, self)),
        }
    }

    fn condition(&mut self, c: &Condition) -> F {
        let var = Var::Context(c.key.clone());
        let present = F::Lit(self.atom(var.clone(), AtomKind::Present), true);
        let cmp_of = |op: Op| match op {
            Op::NumericLessThan | Op::DateLessThan => Cmp::Lt,
            Op::NumericLessThanEquals | Op::DateLessThanEquals => Cmp::Le,
            Op::NumericGreaterThan | Op::DateGreaterThan => Cmp::Gt,
            Op::NumericGreaterThanEquals | Op::DateGreaterThanEquals => Cmp::Ge,
            _ => Cmp::Eq,
        };
        let is_date = matches!(
            c.op,
            Op::DateLessThan
                | Op::DateLessThanEquals
                | Op::DateGreaterThan
                | Op::DateGreaterThanEquals
        );
        let body = match (&c.values, c.op) {
            (CondValues::Null(vals), _) => {
                let mut alts = Vec::new();
                if vals.contains(&true) {
                    alts.push(not(present.clone()));
                }
                if vals.contains(&false) {
                    alts.push(present.clone());
                }
                return or(alts);
            }
            (CondValues::Str(gs), op) => {
                let any = or(gs
                    .iter()
                    .map(|g| self.lit(var.clone(), AtomKind::Glob(g.clone())))
                    .collect());
                if matches!(op, Op::StringNotEquals | Op::StringNotLike) {
                    return not(any);
                }
                any
            }
            (CondValues::Num(cs), Op::NumericNotEquals) => {
                let zero = Dec::from_i64(0);
                let is_num = or(vec![
                    self.lit(var.clone(), AtomKind::Num(Cmp::Lt, zero.clone())),
                    self.lit(var.clone(), AtomKind::Num(Cmp::Ge, zero)),
                ]);
                let mut parts = vec![is_num];
                for cv in cs {
                    parts.push(not(
                        self.lit(var.clone(), AtomKind::Num(Cmp::Eq, cv.clone()))
                    ));
                }
                and(parts)
            }
            (CondValues::Num(cs), op) => {
                let cmp = cmp_of(op);
                or(cs
                    .iter()
                    .map(|cv| {
                        let k = if is_date {
                            AtomKind::Date(cmp, cv.clone())
                        } else {
                            AtomKind::Num(cmp, cv.clone())
                        };
                        self.lit(var.clone(), k)
                    })
                    .collect())
            }
        };
        if c.if_exists {
            or(vec![not(present), body])
        } else {
            body
        }
    }

    /// The formula "statement `s` matches the request".
    pub fn statement(&mut self, s: &Statement) -> F {
        let mut parts = vec![self.principal(&s.principal)];
        parts.push(self.target(Var::Action, &s.action));
        parts.push(self.target(Var::Resource, &s.resource));
        for c in &s.conditions {
            parts.push(self.condition(c));
        }
        and(parts)
    }

    /// The formula "some statement of `p` with this `effect` matches the request".
    pub fn any_of(&mut self, p: &Policy, effect: Effect) -> F {
        or(p.statements
            .iter()
            .filter(|s| s.effect == effect)
            .map(|s| self.statement(s))
            .collect())
    }

    /// The formula "policy `p` allows the request".
    pub fn allows(&mut self, p: &Policy) -> F {
        let a = self.any_of(p, Effect::Allow);
        let d = self.any_of(p, Effect::Deny);
        and(vec![a, not(d)])
    }
}

/// Step cost of encoding a statement (interning its atoms hashes every pattern).
pub(super) fn statement_cost(s: &Statement) -> u64 {
    let pats = |t: &Target| {
        t.patterns
            .iter()
            .map(|g| 24 + g.as_str().len() as u64 / 2)
            .sum::<u64>()
    };
    let principal = match &s.principal {
        PrincipalMatch::Absent => 0,
        PrincipalMatch::Principal(l) | PrincipalMatch::NotPrincipal(l) => {
            l.iter().map(|p| 8 + p.id.as_str().len() as u64 / 2).sum()
        }
    };
    let conds: u64 = s
        .conditions
        .iter()
        .map(|c| {
            8 + c.key.len() as u64 / 2
                + match &c.values {
                    CondValues::Str(v) => v.iter().map(|g| 8 + g.as_str().len() as u64 / 2).sum(),
                    CondValues::Num(v) => v.iter().map(|d| 8 + d.int.len() as u64 / 2).sum(),
                    CondValues::Null(v) => 4 * v.len() as u64,
                }
        })
        .sum();
    1 + pats(&s.action) + pats(&s.resource) + principal + conds
}
