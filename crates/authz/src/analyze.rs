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
//! exact ([`crate::automata`]): the conjunction is satisfiable iff the product automaton
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
//! therefore runs within a [`Budget`] (see [`crate::budget`]): the `try_…` functions return
//! [`AnalysisError::TooComplex`] when it runs out, and the infallible ones fail closed (FAIL,
//! `false`), never claiming a PASS that was not proved.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::automata::{self, Aut};
pub use crate::budget::{AnalysisError, Budget};
use crate::budget::{Exhausted, Meter};
use crate::catalog::Catalog;
use crate::eval::{Principal, Request};
use crate::glob::Glob;
use crate::policy::{CondValues, Condition, Effect, Op, Policy, PrincipalMatch, Statement, Target};
use crate::values::{Cmp, Dec, cmp_date, cmp_dec, format_iso, parse_date, parse_dec};

/// A request variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    PrincipalKind,
    PrincipalId,
    Action,
    Resource,
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

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Atom {
    pub var: Var,
    pub kind: AtomKind,
}

/// A formula in negation normal form over atom ids.
#[derive(Debug, Clone, PartialEq)]
pub enum F {
    True,
    False,
    Lit(usize, bool),
    And(Vec<F>),
    Or(Vec<F>),
}

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

pub fn not(f: F) -> F {
    match f {
        F::True => F::False,
        F::False => F::True,
        F::Lit(a, p) => F::Lit(a, !p),
        F::And(v) => or(v.into_iter().map(not).collect()),
        F::Or(v) => and(v.into_iter().map(not).collect()),
    }
}

/// Interns atoms and encodes statements and policies as formulas.
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    pub atoms: Vec<Atom>,
    index: HashMap<Atom, usize, crate::automata::FxBuild>,
    /// Encode for an outsider principal: statements without a principal element do not apply.
    pub outsider: bool,
}

impl Encoder {
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

    fn glob(&mut self, var: Var, g: &Glob) -> F {
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

/// Checks a concrete value against an atom (the evaluator's semantics, used for witnesses).
pub fn atom_holds(kind: &AtomKind, v: Option<&str>) -> bool {
    match (kind, v) {
        (AtomKind::Present, v) => v.is_some(),
        (_, None) => false,
        (AtomKind::Glob(g), Some(v)) => g.matches(v),
        (AtomKind::Num(cmp, c), Some(v)) => {
            parse_dec(v).is_some_and(|d| cmp.holds(cmp_dec(d, c.as_ref())))
        }
        (AtomKind::Date(cmp, c), Some(v)) => {
            parse_date(v).is_some_and(|d| cmp.holds(cmp_date(d, c)))
        }
    }
}

fn simp(f: &F, a: &[Option<bool>], nodes: &mut u64) -> F {
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

fn first_lit(f: &F, skip: &dyn Fn(usize) -> bool) -> Option<(usize, bool)> {
    match f {
        F::Lit(i, p) if !skip(*i) => Some((*i, *p)),
        F::And(v) | F::Or(v) => v.iter().find_map(|x| first_lit(x, skip)),
        _ => None,
    }
}

fn collect_atoms(f: &F, out: &mut Vec<usize>) {
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

/// Step cost of checking one atom against the value `v` (see [`crate::budget`]): the glob
/// matcher is linear for exact, prefix and suffix patterns and at worst `|v|·|pattern|` otherwise.
fn holds_cost(kind: &AtomKind, v: Option<&str>) -> u64 {
    let n = v.map_or(0, str::len);
    match kind {
        AtomKind::Glob(g) => glob_cost(g, n),
        _ => 2 + n as u64 / 4,
    }
}

/// Step cost of matching a string of `n` bytes against `g`.
fn glob_cost(g: &Glob, n: usize) -> u64 {
    let n = n as u64;
    let m = g.toks().len() as u64;
    if g.is_linear() {
        // One slice comparison.
        2 + (n + m) / 32
    } else {
        2 + (n + m) / 4 + n * m / 16
    }
}

/// [`atom_holds`] for every literal, charged to `meter`.
fn all_hold(
    atoms: &[Atom],
    lits: &[(usize, bool)],
    v: Option<&str>,
    meter: &mut Meter,
) -> Result<bool, Exhausted> {
    for &(i, p) in lits {
        let kind = &atoms[i].kind;
        meter.charge(holds_cost(kind, v))?;
        if atom_holds(kind, v) != p {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Step cost of encoding a statement (interning its atoms hashes every pattern).
fn statement_cost(s: &Statement) -> u64 {
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

/// The exact per-variable theory (see [`Solver::var_model`]), charged to `meter`.
fn var_model_in(
    enc: &Encoder,
    var: &Var,
    lits: &[(usize, bool)],
    meter: &mut Meter,
) -> Result<Option<Option<String>>, Exhausted> {
    let atoms = &enc.atoms;
    meter.charge(1 + lits.len() as u64)?;
    // Fast path: a positive wildcard-free glob fixes the value; check every literal on it.
    let fixed = lits.iter().find_map(|&(i, v)| match &atoms[i].kind {
        AtomKind::Glob(g) if v && !g.has_wildcard() => Some(g.as_str()),
        _ => None,
    });
    if let Some(w) = fixed {
        let ok = all_hold(atoms, lits, Some(w), meter)?;
        return Ok(if ok { Some(Some(w.to_string())) } else { None });
    }
    // Cheap exact pre-check: the readable candidates `Solver::model` tries first (so the model
    // values are the same with or without it).
    if lits.len() > 1 {
        for fill in ["example", ""] {
            for &(i, p) in lits {
                if let AtomKind::Glob(g) = &atoms[i].kind
                    && p
                    && g.has_wildcard()
                {
                    meter.charge(1 + g.as_str().len() as u64 / 4)?;
                    let cand: String = g.as_str().replace('*', fill).replace('?', "x");
                    if all_hold(atoms, lits, Some(&cand), meter)? {
                        return Ok(Some(Some(cand)));
                    }
                }
            }
        }
    }
    let mut auts = Vec::new();
    let mut present = None;
    let mut value_true = false;
    for &(i, v) in lits {
        match &atoms[i].kind {
            AtomKind::Present => present = Some(v),
            AtomKind::Glob(g) => auts.push((Aut::Glob(g.clone()), v)),
            AtomKind::Num(cmp, c) => auts.push((
                Aut::Num {
                    c: c.clone(),
                    cmp: *cmp,
                },
                v,
            )),
            AtomKind::Date(cmp, c) => auts.push((
                Aut::Date {
                    c: c.clone(),
                    cmp: *cmp,
                },
                v,
            )),
        }
        if v && atoms[i].kind != AtomKind::Present {
            value_true = true;
        }
    }
    if let Var::Context(_) = var {
        if present == Some(false) {
            return Ok(if value_true { None } else { Some(None) });
        }
        if !value_true && present.is_none() {
            return Ok(Some(None));
        }
    }
    if let Some(r) = dates_only(&auts) {
        return Ok(r.map(Some));
    }
    Ok(automata::witness_metered(&auts, meter)?.map(Some))
}

/// Exact shortcut for a conjunction of date comparisons only (constants within `i64`), which the
/// product automaton decides slowly (the ISO automaton tracks years, months and days):
/// `Some(Some(w))` with a witness, `Some(None)` when unsatisfiable, `None` to use the automata.
///
/// A string that is not a date makes every date atom false, so without a positive atom the empty
/// string is a witness. With one, the value parses as a date, i.e. as an integer number of
/// seconds (every integer is a date: as epoch digits, and in ISO form within the ISO range), so
/// the conjunction is an integer interval minus finitely many points.
fn dates_only(auts: &[(Aut, bool)]) -> Option<Option<String>> {
    let mut lo = i128::MIN;
    let mut hi = i128::MAX;
    let mut holes: Vec<i128> = Vec::new();
    let mut positive = false;
    for (a, pos) in auts {
        let Aut::Date { c, cmp } = a else {
            return None;
        };
        let c = i128::from(c.to_i64()?);
        positive |= *pos;
        // The comparison the value must satisfy (a negated atom on a date negates the comparison).
        let cmp = match (cmp, pos) {
            (cmp, true) => Some(*cmp),
            (Cmp::Lt, false) => Some(Cmp::Ge),
            (Cmp::Le, false) => Some(Cmp::Gt),
            (Cmp::Ge, false) => Some(Cmp::Lt),
            (Cmp::Gt, false) => Some(Cmp::Le),
            (Cmp::Eq, false) => None,
        };
        match cmp {
            Some(Cmp::Lt) => hi = hi.min(c - 1),
            Some(Cmp::Le) => hi = hi.min(c),
            Some(Cmp::Gt) => lo = lo.max(c + 1),
            Some(Cmp::Ge) => lo = lo.max(c),
            Some(Cmp::Eq) => {
                lo = lo.max(c);
                hi = hi.min(c);
            }
            None => holes.push(c),
        }
    }
    if !positive {
        return Some(Some(String::new()));
    }
    // Prefer the lower end, then the upper end, then now-ish 0; step past the holes.
    let (mut v, step) = if lo != i128::MIN {
        (lo, 1)
    } else if hi != i128::MAX {
        (hi, -1)
    } else {
        (0, 1)
    };
    for _ in 0..=holes.len() {
        if v < lo || v > hi {
            return Some(None);
        }
        if !holes.contains(&v) {
            let w = i64::try_from(v)
                .ok()
                .and_then(format_iso)
                .unwrap_or_else(|| v.to_string());
            return Some(Some(w));
        }
        v += step;
    }
    Some(None)
}

/// Decides formulas over an [`Encoder`]'s atoms.
///
/// A solver counts its work on a [`Meter`]. [`Solver::new`] is unbounded (for trusted input);
/// the analyzer's checks use [`Solver::with_budget`]. Once the meter is exhausted every answer
/// of the solver is meaningless: callers must check [`Solver::exhausted`] (or use
/// [`Solver::try_sat`]) before trusting a result.
pub struct Solver<'e> {
    enc: &'e Encoder,
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
    fn model_metered(&mut self, catalog: Option<&Catalog>) -> Result<Request, Exhausted> {
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

/// The statements of a policy indexed by their wildcard-free action names, so that finding the
/// statements whose actions may meet a statement's does not compare every pair.
pub(crate) struct ActionIndex {
    by_name: HashMap<String, Vec<usize>, crate::automata::FxBuild>,
    /// Statements with a wildcard pattern or `NotAction`: always candidates.
    wild: Vec<usize>,
    len: usize,
}

impl ActionIndex {
    pub(crate) fn new(p: &Policy, meter: &mut Meter) -> Result<ActionIndex, Exhausted> {
        let mut by_name: HashMap<String, Vec<usize>, crate::automata::FxBuild> = HashMap::default();
        let mut wild = Vec::new();
        for (i, s) in p.statements.iter().enumerate() {
            meter.charge(1 + s.action.patterns.len() as u64)?;
            if s.action.negated || s.action.patterns.iter().any(Glob::has_wildcard) {
                wild.push(i);
                continue;
            }
            for g in &s.action.patterns {
                let ids = by_name.entry(g.as_str().to_string()).or_default();
                if ids.last() != Some(&i) {
                    ids.push(i);
                }
            }
        }
        Ok(ActionIndex {
            by_name,
            wild,
            len: p.statements.len(),
        })
    }

    /// The statements whose actions may meet `target`'s, in statement order: a superset of the
    /// overlapping statements (exactness comes from [`Overlap::targets`]).
    pub(crate) fn candidates(
        &self,
        target: &Target,
        meter: &mut Meter,
    ) -> Result<Vec<usize>, Exhausted> {
        if target.negated || target.patterns.iter().any(Glob::has_wildcard) {
            meter.charge(1 + self.len as u64 / 8)?;
            return Ok((0..self.len).collect());
        }
        let mut out = self.wild.clone();
        for g in &target.patterns {
            if let Some(ids) = self.by_name.get(g.as_str()) {
                out.extend_from_slice(ids);
            }
        }
        meter.charge(1 + target.patterns.len() as u64 + out.len() as u64)?;
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

/// Memoized "can two action targets match a common action?" (exact: glob intersection).
#[derive(Default)]
pub(crate) struct Overlap {
    memo: HashMap<(String, String), bool>,
}

impl Overlap {
    fn globs(&mut self, a: &Glob, b: &Glob, meter: &mut Meter) -> Result<bool, Exhausted> {
        if !a.has_wildcard() {
            meter.charge(glob_cost(b, a.as_str().len()))?;
            return Ok(b.matches(a.as_str()));
        }
        if !b.has_wildcard() {
            meter.charge(glob_cost(a, b.as_str().len()))?;
            return Ok(a.matches(b.as_str()));
        }
        if a.is_all() || b.is_all() {
            return Ok(true);
        }
        if let Some(r) = a.intersects_linear(b) {
            meter.charge(1 + (a.as_str().len() + b.as_str().len()) as u64 / 32)?;
            return Ok(r);
        }
        meter.charge(32 + (a.as_str().len() + b.as_str().len()) as u64)?;
        let key = (a.as_str().to_string(), b.as_str().to_string());
        if let Some(r) = self.memo.get(&key) {
            return Ok(*r);
        }
        let r = automata::witness_metered(
            &[(Aut::Glob(a.clone()), true), (Aut::Glob(b.clone()), true)],
            meter,
        )?
        .is_some();
        self.memo.insert(key, r);
        Ok(r)
    }

    /// True when some action can match both targets (exact; `Err` when the budget ran out).
    pub(crate) fn targets(
        &mut self,
        a: &Target,
        b: &Target,
        meter: &mut Meter,
    ) -> Result<bool, Exhausted> {
        if a.negated || b.negated {
            return Ok(true);
        }
        for x in &a.patterns {
            for y in &b.patterns {
                if self.globs(x, y, meter)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

/// PASS or FAIL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    #[serde(rename = "PASS")]
    Pass,
    #[serde(rename = "FAIL")]
    Fail,
}

/// A concrete example request, in the CLI's JSON shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub context: BTreeMap<String, String>,
}

impl Example {
    pub fn from_request(r: &Request) -> Example {
        Example {
            principal: r.principal.to_string(),
            action: r.action.clone(),
            resource: r.resource.clone(),
            context: r.context.clone(),
        }
    }

    pub fn to_request(&self) -> Request {
        Request {
            principal: Principal::parse(&self.principal),
            action: self.action.clone(),
            resource: self.resource.clone(),
            context: self.context.clone(),
        }
    }
}

/// One reason for a FAIL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    pub description: String,
    pub statement_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
    pub example: Example,
}

impl Reason {
    /// One line naming the statement and its example: "statement 1 (`Sid`) allows `a` on `r`".
    pub fn summary(&self) -> String {
        format!(
            "statement {}{} allows `{}` on `{}`",
            self.statement_index,
            self.statement_id
                .as_deref()
                .map(|s| format!(" (`{s}`)"))
                .unwrap_or_default(),
            self.example.action,
            self.example.resource
        )
    }
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub result: Verdict,
    pub message: String,
    pub reasons: Vec<Reason>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.result == Verdict::Pass
    }

    fn from(reasons: Vec<Reason>, pass: &str, fail: &str) -> CheckResult {
        if reasons.is_empty() {
            CheckResult {
                result: Verdict::Pass,
                message: pass.into(),
                reasons,
            }
        } else {
            CheckResult {
                result: Verdict::Fail,
                message: fail.into(),
                reasons,
            }
        }
    }
}

/// Runs the analyses; the catalog is only used to choose readable example actions.
///
/// Every check runs within a [`Budget`] (see [`crate::budget`]). The `try_…` methods report
/// [`AnalysisError::TooComplex`] when the budget runs out; the plain methods **fail closed**
/// instead: they return FAIL (with any reasons already proved and a message saying the analysis
/// was too complex), never PASS for something that was not proved.
#[derive(Debug, Clone, Copy)]
pub struct Analyzer<'c> {
    pub catalog: Option<&'c Catalog>,
}

impl Default for Analyzer<'static> {
    fn default() -> Self {
        Analyzer {
            catalog: Some(Catalog::builtin()),
        }
    }
}

fn reason(desc: String, idx: usize, s: &Statement, r: &Request) -> Reason {
    Reason {
        description: desc,
        statement_index: idx,
        statement_id: s.sid.clone(),
        example: Example::from_request(r),
    }
}

/// The message of a check that ran out of budget (the infallible functions fail closed).
pub const TOO_COMPLEX_MESSAGE: &str = "The analysis is too complex to finish within its work budget, so the check fails closed: nothing was proved.";

/// Reasons proved so far and the meter (exhausted when the run was cut short).
type Run = (Vec<Reason>, Meter);

fn finish(run: Run, pass: &str, fail: &str) -> CheckResult {
    let (reasons, meter) = run;
    if meter.exhausted() {
        CheckResult {
            result: Verdict::Fail,
            message: TOO_COMPLEX_MESSAGE.into(),
            reasons,
        }
    } else {
        CheckResult::from(reasons, pass, fail)
    }
}

fn try_finish(
    run: Run,
    check: &'static str,
    pass: &str,
    fail: &str,
) -> Result<CheckResult, AnalysisError> {
    let (reasons, meter) = run;
    if meter.exhausted() {
        Err(meter.error(check))
    } else {
        Ok(CheckResult::from(reasons, pass, fail))
    }
}

const NNA_PASS: &str = "The new policy grants no access beyond the existing policy.";
const NNA_FAIL: &str = "The new policy grants new access.";
const ANG_PASS: &str = "The policy does not grant the listed access.";
const ANG_FAIL: &str = "The policy grants the listed access.";
const NPA_PASS: &str = "The policy grants no public access.";
const NPA_FAIL: &str = "The policy grants public access.";

/// The queries of "does `new` allow something `existing` does not?": one per Allow statement `i`
/// of `new`, `S_i ∧ ¬Deny_new ∧ ¬Allows_existing`, built on demand.
///
/// Every statement is encoded once, up front (so a solver can be created before the first
/// query). Statements whose actions cannot overlap statement `i`'s are false whenever `i`
/// matches, so they are left out of its query (an exact simplification).
struct NewAccessQueries<'p> {
    existing: &'p Policy,
    new: &'p Policy,
    new_f: Vec<F>,
    old_f: Vec<F>,
    new_ix: ActionIndex,
    old_ix: ActionIndex,
    overlap: Overlap,
}

impl<'p> NewAccessQueries<'p> {
    fn new(
        existing: &'p Policy,
        new: &'p Policy,
        enc: &mut Encoder,
        meter: &mut Meter,
    ) -> Result<NewAccessQueries<'p>, Exhausted> {
        let mut encode = |p: &Policy| -> Result<Vec<F>, Exhausted> {
            let mut out = Vec::with_capacity(p.statements.len());
            for s in &p.statements {
                meter.charge(statement_cost(s))?;
                out.push(enc.statement(s));
            }
            Ok(out)
        };
        let new_f = encode(new)?;
        let old_f = encode(existing)?;
        Ok(NewAccessQueries {
            existing,
            new,
            new_f,
            old_f,
            new_ix: ActionIndex::new(new, meter)?,
            old_ix: ActionIndex::new(existing, meter)?,
            overlap: Overlap::default(),
        })
    }

    /// The Allow statements of `new`, by index.
    fn allows(&self) -> impl Iterator<Item = (usize, &'p Statement)> + use<'p> {
        self.new
            .statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effect == Effect::Allow)
    }

    fn query(&mut self, i: usize, meter: &mut Meter) -> Result<F, Exhausted> {
        let Some(s) = self.new.statements.get(i) else {
            return Ok(F::False);
        };
        let overlap = &mut self.overlap;
        let mut rel = |p: &Policy, ix: &ActionIndex, fs: &[F], e: Effect| -> Result<F, Exhausted> {
            let mut parts = Vec::new();
            for j in ix.candidates(&s.action, meter)? {
                let (Some(t), Some(f)) = (p.statements.get(j), fs.get(j)) else {
                    continue;
                };
                if t.effect == e && overlap.targets(&s.action, &t.action, meter)? {
                    meter.charge(size(f))?;
                    parts.push(f.clone());
                }
            }
            Ok(or(parts))
        };
        let new_deny = rel(self.new, &self.new_ix, &self.new_f, Effect::Deny)?;
        let old_allow = rel(self.existing, &self.old_ix, &self.old_f, Effect::Allow)?;
        let old_deny = rel(self.existing, &self.old_ix, &self.old_f, Effect::Deny)?;
        let st = self.new_f.get(i).cloned().unwrap_or(F::False);
        let q = and(vec![st, not(new_deny), or(vec![not(old_allow), old_deny])]);
        meter.charge(size(&q))?;
        Ok(q)
    }
}

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
    /// default [`Budget`]; fails closed (FAIL, [`TOO_COMPLEX_MESSAGE`]) when it runs out.
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
    /// fails closed (FAIL, [`TOO_COMPLEX_MESSAGE`]) when it runs out.
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
        let mut enc = Encoder {
            outsider: true,
            ..Encoder::default()
        };
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
    /// fails closed (FAIL, [`TOO_COMPLEX_MESSAGE`]) when it runs out.
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

/// "Everything `a` allows is allowed by `b`", decided per Allow statement of `a` (the queries
/// of [`Analyzer::check_no_new_access`] with `b` as the existing policy) on `meter`.
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

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::values::date_to_dec;

    /// The date shortcut agrees with the product automaton on every small conjunction, and its
    /// witnesses satisfy every atom.
    #[test]
    fn date_shortcut_agrees_with_the_automata() {
        let consts = [
            "2024-01-01",
            "2024-01-01T12:00:00Z",
            "1704110400",
            "1704110401",
            "-5",
            "0",
            "99999999999999",
        ];
        let cmps = [Cmp::Lt, Cmp::Le, Cmp::Eq, Cmp::Ge, Cmp::Gt];
        let atoms: Vec<Aut> = consts
            .iter()
            .flat_map(|c| {
                cmps.iter().map(move |cmp| Aut::Date {
                    c: date_to_dec(c).unwrap_or_else(|| panic!("{c}")),
                    cmp: *cmp,
                })
            })
            .collect();
        let mut checked = 0;
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        for _ in 0..150 {
            let k = 1 + next(3);
            let conj: Vec<(Aut, bool)> = (0..k)
                .map(|_| (atoms[next(atoms.len())].clone(), next(3) > 0))
                .collect();
            let fast = dates_only(&conj).unwrap_or_else(|| panic!("not dates only"));
            let slow = automata::witness(&conj);
            assert_eq!(fast.is_some(), slow.is_some(), "{conj:?}");
            if let Some(w) = fast {
                for (a, p) in &conj {
                    assert_eq!(automata::accepts(a, &w), *p, "{w} {conj:?}");
                }
            }
            checked += 1;
        }
        assert_eq!(checked, 150);
        // Anything else goes to the automata.
        assert!(dates_only(&[(Aut::Glob(Glob::new("2*")), true)]).is_none());
    }
}
