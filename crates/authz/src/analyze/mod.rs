//! Exact analysis of policies over **all** requests.
//!
//! # Method
//! A request has independent variables: principal kind (the empty string when the principal has
//! no kind), principal id, action (ASCII-lower-cased, since actions match case-insensitively),
//! resource, and one variable per context key (absent, or a string). Every statement is encoded
//! as a formula ([`F`]) over *atoms*; each atom constrains exactly one variable:
//! glob membership, key presence, "parses as a number `x` with `x op c`", or "parses as a date
//! `d` with `d op c`". A query such as "`new` allows and `existing` denies" is a formula whose
//! satisfiability is decided by DPLL-style case splitting over atoms. After every decision the
//! literals assigned to the affected variable are checked by the variable's theory, which is
//! exact (the crate's automata): the conjunction is satisfiable iff the product automaton
//! accepts some string. Because variables are independent, a full assignment whose per-variable
//! conjunctions are each satisfiable yields a concrete request, and the search is complete
//! because it only prunes branches whose literals no value satisfies. Theory propagation (an
//! unassigned atom whose value is forced by the literals already on its variable gets that
//! value) keeps typical queries near-linear.
//!
//! `check_no_public_access` needs one quantifier alternation ("some request allowed for every
//! principal id"): DPLL runs over all atoms except those on the principal id, and at each leaf the
//! residual formula over principal-id atoms must be valid (its negation unsatisfiable).
//!
//! # Budget
//! The search is exponential in the worst case, and policies come from partners. Every check
//! therefore runs within a [`Budget`] (steps, bytes, depth): the `try_…` functions return
//! [`AnalysisError::TooComplex`] when it runs out, and the infallible ones fail closed (FAIL,
//! `false`), never claiming a PASS that was not proved.

mod analyzer;
mod encode;
mod formula;
mod overlap;
mod queries;
mod report;
mod solver;
mod subset;
mod theory;

pub use analyzer::{
    Analyzer, check_access_not_granted, check_no_new_access, check_no_public_access,
    try_check_access_not_granted, try_check_no_new_access, try_check_no_public_access,
};
pub use encode::Encoder;
pub use formula::{Atom, AtomKind, F, Var, and, not, or, size};
pub(crate) use overlap::{ActionIndex, Overlap};
pub use report::{CheckResult, Example, Reason, TOO_COMPLEX_MESSAGE, Verdict};
pub use solver::Solver;
pub use subset::{
    equivalent, is_subset, try_equivalent, try_equivalent_within, try_is_subset,
    try_is_subset_within,
};
pub use theory::atom_holds;

pub use crate::budget::{AnalysisError, Budget};

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests;
