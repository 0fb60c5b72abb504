//! The DPLL solver over an encoder's atoms, with a theory check per variable.

use std::collections::{BTreeMap, HashMap};

use super::encode::Encoder;
use super::formula::{AtomKind, F, Var, collect_atoms, first_lit, not, simp};
use super::theory::{all_hold, var_model_in};
use crate::budget::{Budget, Exhausted, Meter};
use crate::catalog::Catalog;
use crate::eval::{Principal, Request};

/// Decides formulas over an [`Encoder`]'s atoms.
///
/// A solver counts its work on a [`Meter`]. [`Solver::new`] is unbounded (for trusted input);
/// the analyzer's checks use [`Solver::with_budget`]. Once the meter is exhausted every answer
/// of the solver is meaningless: callers must check [`Solver::exhausted`] (or use
/// [`Solver::try_sat`]) before trusting a result.
pub struct Solver<'e> {
    enc: &'e Encoder,
    /// The current (partial) assignment of truth values, by atom id.
    pub assign: Vec<Option<bool>>,
    /// The variables in order, with their atoms (`var_atoms[k]` are the atoms on `vars[k]`).
    vars: Vec<Var>,
    var_atoms: Vec<Vec<usize>>,
    /// The variable index of every atom.
    atom_var: Vec<usize>,
    /// Theory results by literal set: a model value, or `None` when unsatisfiable.
    cache: HashMap<Lits, Option<Option<String>>, crate::automata::FxBuild>,
    /// Theory propagation runs at the first `sat` level only (then units and decisions).
    depth: usize,
    meter: Meter,
}

type Lits = Vec<(usize, bool)>;

impl<'e> Solver<'e> {
    /// An unbounded solver: exact answers, but exponential time is possible on hostile input.
    pub fn new(enc: &'e Encoder) -> Solver<'e> {
        Solver::with_meter(enc, Meter::unlimited())
    }

    /// A solver that stops when `budget` runs out.
    pub fn with_budget(enc: &'e Encoder, budget: Budget) -> Solver<'e> {
        Solver::with_meter(enc, Meter::new(budget))
    }

    /// A solver that continues counting on `meter`.
    pub fn with_meter(enc: &'e Encoder, mut meter: Meter) -> Solver<'e> {
        let mut by_var: BTreeMap<&Var, Vec<usize>> = BTreeMap::new();
        let mut atom_var = vec![0; enc.atoms.len()];
        if meter.charge(1 + 4 * enc.atoms.len() as u64).is_ok() {
            for (i, a) in enc.atoms.iter().enumerate() {
                by_var.entry(&a.var).or_default().push(i);
            }
        }
        let mut vars = Vec::with_capacity(by_var.len());
        let mut var_atoms = Vec::with_capacity(by_var.len());
        for (k, (v, ids)) in by_var.into_iter().enumerate() {
            for &i in &ids {
                if let Some(slot) = atom_var.get_mut(i) {
                    *slot = k;
                }
            }
            vars.push(v.clone());
            var_atoms.push(ids);
        }
        Solver {
            enc,
            assign: vec![None; enc.atoms.len()],
            vars,
            var_atoms,
            atom_var,
            cache: HashMap::default(),
            depth: 0,
            meter,
        }
    }

    /// The work counted so far.
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    pub(crate) fn meter_mut(&mut self) -> &mut Meter {
        &mut self.meter
    }

    /// The meter, with the work of every query so far.
    pub fn into_meter(self) -> Meter {
        self.meter
    }

    /// True once the budget ran out: results are then meaningless.
    pub fn exhausted(&self) -> bool {
        self.meter.exhausted()
    }

    /// The literals assigned on the variable with index `k`.
    fn lits(&self, k: usize) -> Lits {
        self.var_atoms
            .get(k)
            .map(|ids| {
                ids.iter()
                    .filter_map(|i| self.assign[*i].map(|v| (*i, v)))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn on_var(&self, k: usize) -> u64 {
        self.var_atoms.get(k).map_or(0, Vec::len) as u64
    }

    /// Exact per-variable theory: `Some(value)` (inner `None` = context key absent) or `None`.
    /// Unbounded: for trusted input.
    pub fn var_model(&self, var: &Var, lits: &[(usize, bool)]) -> Option<Option<String>> {
        var_model_in(self.enc, var, lits, &mut Meter::unlimited()).unwrap_or(None)
    }

    fn theory_ok(&mut self, k: usize) -> bool {
        if self.meter.charge(8 + self.on_var(k)).is_err() {
            return false;
        }
        let lits = self.lits(k);
        let Some(var) = self.vars.get(k) else {
            return false;
        };
        if lits.len() == 1 && !matches!(var, Var::Context(_)) && lits[0].1 {
            // A single positive glob literal is always satisfiable.
            return true;
        }
        if let Some(r) = self.cache.get(&lits) {
            return r.is_some();
        }
        match var_model_in(self.enc, var, &lits, &mut self.meter) {
            Ok(m) => {
                let ok = m.is_some();
                self.cache.insert(lits, m);
                ok
            }
            // Not cached: the search was cut short.
            Err(Exhausted) => false,
        }
    }

    fn set(&mut self, atom: usize, v: bool) -> bool {
        self.assign[atom] = Some(v);
        self.theory_ok(self.atom_var[atom])
    }

    /// `simp` charged to the meter; `None` once the budget is exhausted.
    fn simp_metered(&mut self, f: &F) -> Option<F> {
        let mut nodes = 0;
        let r = simp(f, &self.assign, &mut nodes);
        self.meter.charge(4 * nodes).ok().map(|()| r)
    }

    /// Unit propagation and theory propagation. Returns the simplified formula, or `False` on a
    /// conflict (or when the budget runs out). Records assigned atoms in `trail`.
    fn propagate(&mut self, f: &F, trail: &mut Vec<usize>, skip: &dyn Fn(usize) -> bool) -> F {
        let Some(mut r) = self.simp_metered(f) else {
            return F::False;
        };
        loop {
            if self.meter.exhausted() {
                return F::False;
            }
            let mut units = Vec::new();
            match &r {
                F::Lit(i, p) if !skip(*i) => units.push((*i, *p)),
                F::And(v) => {
                    for x in v {
                        if let F::Lit(i, p) = x
                            && !skip(*i)
                        {
                            units.push((*i, *p));
                        }
                    }
                }
                _ => {}
            }
            if units.is_empty() && self.depth > 0 {
                return r;
            }
            if units.is_empty() {
                // Theory propagation for atoms on variables that already carry literals.
                let mut atoms = Vec::new();
                collect_atoms(&r, &mut atoms);
                atoms.sort_unstable();
                atoms.dedup();
                for i in atoms {
                    if self.meter.exhausted() {
                        return F::False;
                    }
                    if skip(i) || self.assign[i].is_some() {
                        continue;
                    }
                    let k = self.atom_var[i];
                    if self.meter.charge(2 + self.on_var(k) / 4).is_err() {
                        return F::False;
                    }
                    if self.lits(k).is_empty() {
                        continue;
                    }
                    trail.push(i);
                    if !self.set(i, true) {
                        units.push((i, false));
                    } else if !self.set(i, false) {
                        units.push((i, true));
                    }
                    self.assign[i] = None;
                    trail.pop();
                }
                if units.is_empty() {
                    return r;
                }
            }
            for (i, p) in units {
                if let Some(v) = self.assign[i] {
                    if v != p {
                        return F::False;
                    }
                    continue;
                }
                trail.push(i);
                if !self.set(i, p) {
                    return F::False;
                }
            }
            r = match self.simp_metered(&r) {
                Some(r) => r,
                None => return F::False,
            };
        }
    }

    /// True when `f` is satisfiable; on success `assign` holds a satisfying partial assignment.
    /// Meaningless once [`Solver::exhausted`]: see [`Solver::try_sat`].
    pub fn sat(&mut self, f: &F) -> bool {
        if self.meter.check_depth(self.depth).is_err() || self.meter.charge(4).is_err() {
            return false;
        }
        let mut trail = Vec::new();
        let r = self.propagate(f, &mut trail, &|_| false);
        self.depth += 1;
        let ok = self.sat_rest(r, &mut trail);
        self.depth -= 1;
        ok && !self.meter.exhausted()
    }

    /// [`Solver::sat`], or `Err` when the budget ran out before the answer.
    pub fn try_sat(&mut self, f: &F) -> Result<bool, Exhausted> {
        let r = self.sat(f);
        if self.meter.exhausted() {
            Err(Exhausted)
        } else {
            Ok(r)
        }
    }

    /// Clears the assignment (keeps the theory cache and the meter) so the solver can answer
    /// another query. The budget is shared by all queries of one solver.
    pub fn reset(&mut self) {
        // The meter stays exhausted if this charge fails, and every later query then fails.
        let _ = self.meter.charge(1 + self.assign.len() as u64 / 16);
        self.assign.iter_mut().for_each(|a| *a = None);
        self.depth = 0;
    }

    fn sat_rest(&mut self, r: F, trail: &mut [usize]) -> bool {
        let ok = match &r {
            F::True => true,
            F::False => false,
            _ => match first_lit(&r, &|_| false) {
                None => false,
                Some((atom, pol)) => {
                    let mut found = false;
                    for v in [pol, !pol] {
                        if self.set(atom, v) && self.sat(&r) {
                            found = true;
                            break;
                        }
                        self.assign[atom] = None;
                        if self.meter.exhausted() {
                            break;
                        }
                    }
                    found
                }
            },
        };
        if !ok {
            for i in trail.iter() {
                self.assign[*i] = None;
            }
        }
        ok
    }

    /// ∃ (all atoms except those on `inner`) ∀ `inner`: `f`. On success `assign` holds the outer part.
    pub fn sat_exists_forall(&mut self, f: &F, inner: &Var) -> bool {
        let atoms = &self.enc.atoms;
        let is_inner: Vec<bool> = atoms.iter().map(|a| a.var == *inner).collect();
        self.ef(f, &is_inner, 0) && !self.meter.exhausted()
    }

    fn ef(&mut self, f: &F, is_inner: &[bool], depth: usize) -> bool {
        if self.meter.check_depth(depth).is_err() {
            return false;
        }
        let Some(r) = self.simp_metered(f) else {
            return false;
        };
        match &r {
            F::True => return true,
            F::False => return false,
            _ => {}
        }
        match first_lit(&r, &|i| is_inner[i]) {
            None => {
                // Only inner atoms remain: check validity over the inner variable. The sub-solver
                // shares this solver's theory cache and meter.
                if self
                    .meter
                    .charge(2 * self.assign.len() as u64 + self.vars.len() as u64)
                    .is_err()
                {
                    return false;
                }
                let mut sub = Solver {
                    enc: self.enc,
                    assign: self.assign.clone(),
                    vars: self.vars.clone(),
                    var_atoms: self.var_atoms.clone(),
                    atom_var: self.atom_var.clone(),
                    cache: std::mem::take(&mut self.cache),
                    depth: 0,
                    meter: std::mem::replace(&mut self.meter, Meter::unlimited()),
                };
                let valid = !sub.sat(&not(r));
                self.cache = sub.cache;
                self.meter = sub.meter;
                valid && !self.meter.exhausted()
            }
            Some((atom, pol)) => {
                for v in [pol, !pol] {
                    if self.set(atom, v) && self.ef(&r, is_inner, depth + 1) {
                        return true;
                    }
                    self.assign[atom] = None;
                    if self.meter.exhausted() {
                        return false;
                    }
                }
                false
            }
        }
    }

    /// Builds a concrete request from the current assignment, preferring catalog actions and
    /// readable values. Unbounded: for trusted input.
    pub fn model(&self, catalog: Option<&Catalog>) -> Request {
        self.model_in(catalog, &mut Meter::unlimited())
            .unwrap_or_else(|Exhausted| Request::new("agent", "ads:Action", "arn:ads:example"))
    }

    /// [`Solver::model`] charged to the solver's own meter.
    pub(super) fn model_metered(
        &mut self,
        catalog: Option<&Catalog>,
    ) -> Result<Request, Exhausted> {
        let mut meter = std::mem::replace(&mut self.meter, Meter::unlimited());
        let r = self.model_in(catalog, &mut meter);
        self.meter = meter;
        r
    }

    fn model_in(&self, catalog: Option<&Catalog>, meter: &mut Meter) -> Result<Request, Exhausted> {
        let atoms = &self.enc.atoms;
        let mut kind = None;
        let mut id = "agent".to_string();
        let mut action = catalog
            .and_then(|c| c.actions.first())
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "ads:Action".into());
        let mut resource = "arn:ads:example".to_string();
        let mut context = BTreeMap::new();
        for (k, var) in self.vars.iter().enumerate() {
            meter.charge(1)?;
            let lits = self.lits(k);
            if lits.is_empty() {
                continue;
            }
            let mut value: Option<Option<String>> = None;
            if *var == Var::Action
                && let Some(c) = catalog
            {
                for a in &c.actions {
                    if all_hold(atoms, &lits, Some(&a.name), meter)? {
                        value = Some(Some(a.name.clone()));
                        break;
                    }
                }
            }
            if value.is_none() {
                // Readable candidates: each positive pattern with `*` removed and `?` as `x`.
                'outer: for fill in ["example", ""] {
                    for (i, p) in &lits {
                        if !*p {
                            continue;
                        }
                        if let AtomKind::Glob(g) = &atoms[*i].kind {
                            meter.charge(1 + g.as_str().len() as u64 / 4)?;
                            let cand: String = g.as_str().replace('*', fill).replace('?', "x");
                            if g.has_wildcard() && all_hold(atoms, &lits, Some(&cand), meter)? {
                                value = Some(Some(cand));
                                break 'outer;
                            }
                            if !g.has_wildcard() && all_hold(atoms, &lits, Some(g.as_str()), meter)?
                            {
                                value = Some(Some(g.as_str().to_string()));
                                break 'outer;
                            }
                        }
                    }
                }
            }
            let value = match value {
                Some(v) => v,
                None => match self.cache.get(&lits) {
                    Some(m) => m.clone().unwrap_or(None),
                    None => var_model_in(self.enc, var, &lits, meter)?.unwrap_or(None),
                },
            };
            match var {
                Var::PrincipalKind => kind = value.filter(|k| !k.is_empty()),
                Var::PrincipalId => id = value.unwrap_or_default(),
                Var::Action => action = value.unwrap_or_default(),
                Var::Resource => resource = value.unwrap_or_default(),
                Var::Context(k) => {
                    if let Some(v) = value {
                        context.insert(k.clone(), v);
                    }
                }
            }
        }
        Ok(Request {
            principal: Principal { kind, id },
            action,
            resource,
            context,
        })
    }
}
