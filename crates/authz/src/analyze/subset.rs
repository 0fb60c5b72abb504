//! Subset and equivalence of policies, decided with the queries of `check_no_new_access`.

use super::encode::Encoder;
use super::queries::NewAccessQueries;
use super::solver::Solver;
use crate::budget::{AnalysisError, Budget, Exhausted, Meter};
use crate::policy::Policy;

/// "Everything `a` allows is allowed by `b`", decided per Allow statement of `a` (the queries
/// of [`Analyzer::check_no_new_access`](super::Analyzer::check_no_new_access) with `b` as the
/// existing policy) on `meter`.
fn subset_on(a: &Policy, b: &Policy, meter: &mut Meter) -> Result<bool, Exhausted> {
    let mut enc = Encoder::default();
    let mut queries = NewAccessQueries::new(b, a, &mut enc, meter)?;
    let mut s = Solver::with_meter(&enc, std::mem::replace(meter, Meter::unlimited()));
    let mut subset = true;
    let allows: Vec<usize> = queries.allows().map(|(i, _)| i).collect();
    for i in allows {
        let Ok(q) = queries.query(i, s.meter_mut()) else {
            break;
        };
        s.reset();
        if s.sat(&q) {
            subset = false;
            break;
        }
        if s.exhausted() {
            break;
        }
    }
    *meter = s.into_meter();
    if meter.exhausted() {
        Err(Exhausted)
    } else {
        Ok(subset)
    }
}

/// True when every request `a` allows is allowed by `b`. Runs within the default [`Budget`] and
/// fails closed: `false` when the budget runs out (see [`try_is_subset`]).
pub fn is_subset(a: &Policy, b: &Policy) -> bool {
    try_is_subset(a, b).unwrap_or(false)
}

/// [`is_subset`], or [`AnalysisError::TooComplex`] when the default budget runs out.
pub fn try_is_subset(a: &Policy, b: &Policy) -> Result<bool, AnalysisError> {
    try_is_subset_within(a, b, Budget::DEFAULT)
}

/// [`try_is_subset`] with an explicit budget.
pub fn try_is_subset_within(a: &Policy, b: &Policy, budget: Budget) -> Result<bool, AnalysisError> {
    let mut meter = Meter::new(budget);
    subset_on(a, b, &mut meter).map_err(|Exhausted| meter.error("is_subset"))
}

/// True when `a` and `b` allow exactly the same requests. Runs within the default [`Budget`]
/// (shared by both directions) and fails closed: `false` when it runs out.
pub fn equivalent(a: &Policy, b: &Policy) -> bool {
    try_equivalent(a, b).unwrap_or(false)
}

/// [`equivalent`], or [`AnalysisError::TooComplex`] when the default budget runs out.
pub fn try_equivalent(a: &Policy, b: &Policy) -> Result<bool, AnalysisError> {
    try_equivalent_within(a, b, Budget::DEFAULT)
}

/// [`try_equivalent`] with an explicit budget.
pub fn try_equivalent_within(
    a: &Policy,
    b: &Policy,
    budget: Budget,
) -> Result<bool, AnalysisError> {
    let mut meter = Meter::new(budget);
    let r = subset_on(a, b, &mut meter).and_then(|ab| Ok(ab && subset_on(b, a, &mut meter)?));
    r.map_err(|Exhausted| meter.error("equivalent"))
}
