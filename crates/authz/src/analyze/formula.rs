//! Formulas: the request variables, the atoms on them, and formulas in negation normal form
//! over interned atom ids.

use crate::glob::Glob;
use crate::values::{Cmp, Dec};

/// A request variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// The principal's kind (the empty string when the principal has none).
    PrincipalKind,
    /// The principal's id.
    PrincipalId,
    /// The action, ASCII-lower-cased.
    Action,
    /// The resource.
    Resource,
    /// The value of a context key (absent, or a string).
    Context(String),
}

/// What an atom says about its variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AtomKind {
    /// Membership in a glob language (for context keys: present and matching).
    Glob(Glob),
    /// The context key is present.
    Present,
    /// Present, parses as a number `x`, and `x op c`.
    Num(Cmp, Dec),
    /// Present, parses as a date `d` (epoch seconds), and `d op c`.
    Date(Cmp, Dec),
}

/// A constraint on one request variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Atom {
    /// The variable constrained.
    pub var: Var,
    /// What the atom says about it.
    pub kind: AtomKind,
}

/// A formula in negation normal form over atom ids.
#[derive(Debug, Clone, PartialEq)]
pub enum F {
    /// Always true.
    True,
    /// Always false.
    False,
    /// Atom `id` (with polarity `true`) or its negation (`false`).
    Lit(usize, bool),
    /// Conjunction.
    And(Vec<F>),
    /// Disjunction.
    Or(Vec<F>),
}

/// The conjunction of `items`, flattened and simplified (`True` parts dropped, any `False` wins).
pub fn and(items: Vec<F>) -> F {
    let mut out = Vec::new();
    for f in items {
        match f {
            F::True => {}
            F::False => return F::False,
            F::And(v) => out.extend(v),
            f => out.push(f),
        }
    }
    match out.len() {
        0 => F::True,
        1 => out.pop().unwrap_or(F::True),
        _ => F::And(out),
    }
}

/// The disjunction of `items`, flattened and simplified (`False` parts dropped, any `True` wins).
pub fn or(items: Vec<F>) -> F {
    let mut out = Vec::new();
    for f in items {
        match f {
            F::False => {}
            F::True => return F::True,
            F::Or(v) => out.extend(v),
            f => out.push(f),
        }
    }
    match out.len() {
        0 => F::False,
        1 => out.pop().unwrap_or(F::False),
        _ => F::Or(out),
    }
}

/// The negation of `f`, kept in negation normal form.
pub fn not(f: F) -> F {
    match f {
        F::True => F::False,
        F::False => F::True,
        F::Lit(a, p) => F::Lit(a, !p),
        F::And(v) => or(v.into_iter().map(not).collect()),
        F::Or(v) => and(v.into_iter().map(not).collect()),
    }
}

pub(super) fn simp(f: &F, a: &[Option<bool>], nodes: &mut u64) -> F {
    *nodes += 1;
    match f {
        F::Lit(i, p) => match a.get(*i).copied().flatten() {
            Some(v) => {
                if v == *p {
                    F::True
                } else {
                    F::False
                }
            }
            None => f.clone(),
        },
        F::And(v) => and(v.iter().map(|x| simp(x, a, nodes)).collect()),
        F::Or(v) => or(v.iter().map(|x| simp(x, a, nodes)).collect()),
        F::True | F::False => f.clone(),
    }
}

pub(super) fn first_lit(f: &F, skip: &dyn Fn(usize) -> bool) -> Option<(usize, bool)> {
    match f {
        F::Lit(i, p) if !skip(*i) => Some((*i, *p)),
        F::And(v) | F::Or(v) => v.iter().find_map(|x| first_lit(x, skip)),
        _ => None,
    }
}

pub(super) fn collect_atoms(f: &F, out: &mut Vec<usize>) {
    match f {
        F::Lit(i, _) => out.push(*i),
        F::And(v) | F::Or(v) => v.iter().for_each(|x| collect_atoms(x, out)),
        _ => {}
    }
}

/// The number of nodes of a formula (the unit of work of one pass over it).
pub fn size(f: &F) -> u64 {
    match f {
        F::And(v) | F::Or(v) => 1 + v.iter().map(size).sum::<u64>(),
        _ => 1,
    }
}
