//! The [`Analyzer`] and its checks: no new access, access not granted, no public access.

use super::encode::{Encoder, statement_cost};
use super::formula::{F, Var, and, not, or, size};
use super::queries::NewAccessQueries;
use super::report::{CheckResult, Run, finish, reason, try_finish};
use super::solver::Solver;
use crate::budget::{AnalysisError, Budget, Exhausted, Meter};
use crate::catalog::Catalog;
use crate::eval::Request;
use crate::glob::Glob;
use crate::policy::{Effect, Policy, Statement};

/// Runs the analyses; the catalog is only used to choose readable example actions.
///
/// Every check runs within a [`Budget`] (steps, bytes, depth). The `try_…` methods report
/// [`AnalysisError::TooComplex`] when the budget runs out; the plain methods **fail closed**
/// instead: they return FAIL (with any reasons already proved and a message saying the analysis
/// was too complex), never PASS for something that was not proved.
#[derive(Debug, Clone, Copy)]
pub struct Analyzer<'c> {
    /// The catalog whose actions example requests prefer (readable examples); `None`: any action.
    pub catalog: Option<&'c Catalog>,
}

impl Default for Analyzer<'static> {
    fn default() -> Self {
        Analyzer {
            catalog: Some(Catalog::builtin()),
        }
    }
}

const NNA_PASS: &str = "The new policy grants no access beyond the existing policy.";
const NNA_FAIL: &str = "The new policy grants new access.";
const ANG_PASS: &str = "The policy does not grant the listed access.";
const ANG_FAIL: &str = "The policy grants the listed access.";
const NPA_PASS: &str = "The policy grants no public access.";
const NPA_FAIL: &str = "The policy grants public access.";

impl Analyzer<'_> {
    /// A request allowed by `f` (for tests and tools): `Some(request)` or `None` when
    /// unsatisfiable. Unbounded: for trusted input.
    pub fn solve(&self, enc: &Encoder, f: &F) -> Option<Request> {
        let mut s = Solver::new(enc);
        if s.sat(f) {
            Some(s.model(self.catalog))
        } else {
            None
        }
    }

    /// Solves `queries` in order on one solver sharing `meter`; stops when the budget runs out.
    fn solve_queries(
        &self,
        enc: &Encoder,
        meter: Meter,
        queries: Vec<(usize, &Statement, F)>,
        describe: &dyn Fn(usize) -> String,
    ) -> Run {
        let mut s = Solver::with_meter(enc, meter);
        let mut reasons = Vec::new();
        for (i, st, q) in queries {
            s.reset();
            if !s.sat(&q) || s.exhausted() {
                if s.exhausted() {
                    break;
                }
                continue;
            }
            match s.model_metered(self.catalog) {
                Ok(r) => reasons.push(reason(describe(i), i, st, &r)),
                Err(Exhausted) => break,
            }
        }
        (reasons, s.into_meter())
    }

    fn no_new_access_run(&self, existing: &Policy, new: &Policy, budget: Budget) -> Run {
        let mut meter = Meter::new(budget);
        let mut enc = Encoder::default();
        let Ok(mut queries) = NewAccessQueries::new(existing, new, &mut enc, &mut meter) else {
            return (Vec::new(), meter);
        };
        let mut s = Solver::with_meter(&enc, meter);
        let mut reasons = Vec::new();
        let allows: Vec<_> = queries.allows().collect();
        for (i, st) in allows {
            let Ok(q) = queries.query(i, s.meter_mut()) else {
                break;
            };
            s.reset();
            let sat = s.sat(&q);
            if s.exhausted() {
                break;
            }
            if !sat {
                continue;
            }
            match s.model_metered(self.catalog) {
                Ok(r) => reasons.push(reason(
                    format!("New access in the statement with index: {i}."),
                    i,
                    st,
                    &r,
                )),
                Err(Exhausted) => break,
            }
        }
        (reasons, s.into_meter())
    }

    /// PASS when every request `new` allows is also allowed by `existing`. Runs within the
    /// default [`Budget`]; fails closed (FAIL,
    /// [`TOO_COMPLEX_MESSAGE`](super::TOO_COMPLEX_MESSAGE)) when it runs out.
    pub fn check_no_new_access(&self, existing: &Policy, new: &Policy) -> CheckResult {
        finish(
            self.no_new_access_run(existing, new, Budget::DEFAULT),
            NNA_PASS,
            NNA_FAIL,
        )
    }

    /// [`Analyzer::check_no_new_access`], or [`AnalysisError::TooComplex`] when the default
    /// budget runs out.
    pub fn try_check_no_new_access(
        &self,
        existing: &Policy,
        new: &Policy,
    ) -> Result<CheckResult, AnalysisError> {
        self.try_check_no_new_access_within(existing, new, Budget::DEFAULT)
    }

    /// [`Analyzer::try_check_no_new_access`] with an explicit budget.
    pub fn try_check_no_new_access_within(
        &self,
        existing: &Policy,
        new: &Policy,
        budget: Budget,
    ) -> Result<CheckResult, AnalysisError> {
        try_finish(
            self.no_new_access_run(existing, new, budget),
            "check_no_new_access",
            NNA_PASS,
            NNA_FAIL,
        )
    }

    fn access_not_granted_run(
        &self,
        policy: &Policy,
        actions: &[String],
        resources: &[String],
        budget: Budget,
    ) -> Run {
        let mut meter = Meter::new(budget);
        let mut enc = Encoder::default();
        let mut build = |meter: &mut Meter| -> Result<Vec<(usize, &Statement, F)>, Exhausted> {
            for s in &policy.statements {
                // Deny statements are encoded once, Allow statements once per query list.
                meter.charge(2 * statement_cost(s))?;
            }
            let deny = enc.any_of(policy, Effect::Deny);
            let mut a = Vec::new();
            for x in actions {
                meter.charge(2 + x.len() as u64 / 4)?;
                a.push(enc.glob(Var::Action, &Glob::new_ci(x)));
            }
            let a = or(a);
            let r = if resources.is_empty() {
                F::True
            } else {
                let mut r = Vec::new();
                for x in resources {
                    meter.charge(2 + x.len() as u64 / 4)?;
                    r.push(enc.glob(Var::Resource, &Glob::new(x)));
                }
                or(r)
            };
            let mut queries = Vec::new();
            for (i, s) in policy.statements.iter().enumerate() {
                if s.effect == Effect::Allow {
                    let st = enc.statement(s);
                    let q = and(vec![st, not(deny.clone()), a.clone(), r.clone()]);
                    meter.charge(size(&q))?;
                    queries.push((i, s, q));
                }
            }
            Ok(queries)
        };
        let Ok(queries) = build(&mut meter) else {
            return (Vec::new(), meter);
        };
        self.solve_queries(&enc, meter, queries, &|i| {
            format!("Access granted in the statement with index: {i}.")
        })
    }

    /// FAIL when `policy` allows any of `actions` (patterns, case-insensitive) on any of
    /// `resources` (patterns; empty means any resource). Runs within the default [`Budget`];
    /// fails closed (FAIL, [`TOO_COMPLEX_MESSAGE`](super::TOO_COMPLEX_MESSAGE)) when it runs
    /// out.
    pub fn check_access_not_granted(
        &self,
        policy: &Policy,
        actions: &[String],
        resources: &[String],
    ) -> CheckResult {
        finish(
            self.access_not_granted_run(policy, actions, resources, Budget::DEFAULT),
            ANG_PASS,
            ANG_FAIL,
        )
    }

    /// [`Analyzer::check_access_not_granted`], or [`AnalysisError::TooComplex`] when the
    /// default budget runs out.
    pub fn try_check_access_not_granted(
        &self,
        policy: &Policy,
        actions: &[String],
        resources: &[String],
    ) -> Result<CheckResult, AnalysisError> {
        self.try_check_access_not_granted_within(policy, actions, resources, Budget::DEFAULT)
    }

    /// [`Analyzer::try_check_access_not_granted`] with an explicit budget.
    pub fn try_check_access_not_granted_within(
        &self,
        policy: &Policy,
        actions: &[String],
        resources: &[String],
        budget: Budget,
    ) -> Result<CheckResult, AnalysisError> {
        try_finish(
            self.access_not_granted_run(policy, actions, resources, budget),
            "check_access_not_granted",
            ANG_PASS,
            ANG_FAIL,
        )
    }

    fn no_public_access_run(&self, policy: &Policy, budget: Budget) -> Run {
        let mut meter = Meter::new(budget);
        let mut enc = Encoder::default();
        enc.outsider = true;
        let mut per = Vec::new();
        let mut build = |meter: &mut Meter| -> Result<F, Exhausted> {
            for s in &policy.statements {
                meter.charge(2 * statement_cost(s))?;
            }
            let deny = enc.any_of(policy, Effect::Deny);
            let all = enc.allows(policy);
            meter.charge(size(&all))?;
            for (i, s) in policy.statements.iter().enumerate() {
                if s.effect == Effect::Allow {
                    let st = enc.statement(s);
                    let q = and(vec![st, not(deny.clone())]);
                    meter.charge(size(&q))?;
                    per.push((i, s, q));
                }
            }
            Ok(all)
        };
        let Ok(all) = build(&mut meter) else {
            return (Vec::new(), meter);
        };
        let mut sol = Solver::with_meter(&enc, meter);
        let public = |sol: &mut Solver<'_>, f: &F| -> Result<Option<Request>, Exhausted> {
            sol.reset();
            let ok = sol.sat_exists_forall(f, &Var::PrincipalId);
            if sol.exhausted() {
                return Err(Exhausted);
            }
            if !ok {
                return Ok(None);
            }
            let mut r = sol.model_metered(self.catalog)?;
            r.principal.id = "anyone".into();
            Ok(Some(r))
        };
        let mut reasons = Vec::new();
        let example = match public(&mut sol, &all) {
            Ok(Some(e)) => e,
            Ok(None) | Err(Exhausted) => return (reasons, sol.into_meter()),
        };
        for (i, s, q) in &per {
            match public(&mut sol, q) {
                Ok(Some(r)) => reasons.push(reason(
                    format!("Public access in the statement with index: {i}."),
                    *i,
                    s,
                    &r,
                )),
                Ok(None) => {}
                Err(Exhausted) => return (reasons, sol.into_meter()),
            }
        }
        let mut meter = sol.into_meter();
        if reasons.is_empty() {
            // Public only through several statements together: name those matching the example.
            for (i, s) in policy.statements.iter().enumerate() {
                if meter.charge(statement_cost(s)).is_err() {
                    break;
                }
                if s.effect == Effect::Allow && s.matches(&example) {
                    reasons.push(reason(
                        format!("Public access in the statement with index: {i}."),
                        i,
                        s,
                        &example,
                    ));
                }
            }
        }
        (reasons, meter)
    }

    /// FAIL when some request (for some principal kind) is allowed for **every** principal id of
    /// that kind. Statements without a principal element only apply to the principal the policy
    /// is attached to, so they never make a policy public. Runs within the default [`Budget`];
    /// fails closed (FAIL, [`TOO_COMPLEX_MESSAGE`](super::TOO_COMPLEX_MESSAGE)) when it runs
    /// out.
    pub fn check_no_public_access(&self, policy: &Policy) -> CheckResult {
        finish(
            self.no_public_access_run(policy, Budget::DEFAULT),
            NPA_PASS,
            NPA_FAIL,
        )
    }

    /// [`Analyzer::check_no_public_access`], or [`AnalysisError::TooComplex`] when the default
    /// budget runs out.
    pub fn try_check_no_public_access(
        &self,
        policy: &Policy,
    ) -> Result<CheckResult, AnalysisError> {
        self.try_check_no_public_access_within(policy, Budget::DEFAULT)
    }

    /// [`Analyzer::try_check_no_public_access`] with an explicit budget.
    pub fn try_check_no_public_access_within(
        &self,
        policy: &Policy,
        budget: Budget,
    ) -> Result<CheckResult, AnalysisError> {
        try_finish(
            self.no_public_access_run(policy, budget),
            "check_no_public_access",
            NPA_PASS,
            NPA_FAIL,
        )
    }
}

/// See [`Analyzer::check_no_new_access`] (built-in catalog for examples).
pub fn check_no_new_access(existing: &Policy, new: &Policy) -> CheckResult {
    Analyzer::default().check_no_new_access(existing, new)
}

/// See [`Analyzer::try_check_no_new_access`] (built-in catalog for examples).
pub fn try_check_no_new_access(
    existing: &Policy,
    new: &Policy,
) -> Result<CheckResult, AnalysisError> {
    Analyzer::default().try_check_no_new_access(existing, new)
}

/// See [`Analyzer::check_access_not_granted`].
pub fn check_access_not_granted(
    policy: &Policy,
    actions: &[String],
    resources: &[String],
) -> CheckResult {
    Analyzer::default().check_access_not_granted(policy, actions, resources)
}

/// See [`Analyzer::try_check_access_not_granted`].
pub fn try_check_access_not_granted(
    policy: &Policy,
    actions: &[String],
    resources: &[String],
) -> Result<CheckResult, AnalysisError> {
    Analyzer::default().try_check_access_not_granted(policy, actions, resources)
}

/// See [`Analyzer::check_no_public_access`].
pub fn check_no_public_access(policy: &Policy) -> CheckResult {
    Analyzer::default().check_no_public_access(policy)
}

/// See [`Analyzer::try_check_no_public_access`].
pub fn try_check_no_public_access(policy: &Policy) -> Result<CheckResult, AnalysisError> {
    Analyzer::default().try_check_no_public_access(policy)
}
