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

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::automata::{self, Aut};
use crate::catalog::Catalog;
use crate::eval::{Principal, Request};
use crate::glob::Glob;
use crate::policy::{CondValues, Condition, Effect, Op, Policy, PrincipalMatch, Statement, Target};
use crate::values::{Cmp, Dec, cmp_date, cmp_dec, parse_date, parse_dec};

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
    index: HashMap<Atom, usize>,
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

fn simp(f: &F, a: &[Option<bool>]) -> F {
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
        F::And(v) => and(v.iter().map(|x| simp(x, a)).collect()),
        F::Or(v) => or(v.iter().map(|x| simp(x, a)).collect()),
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

/// Decides formulas over an [`Encoder`]'s atoms.
pub struct Solver<'e> {
    enc: &'e Encoder,
    pub assign: Vec<Option<bool>>,
    var_atoms: BTreeMap<Var, Vec<usize>>,
    cache: HashMap<Vec<(usize, bool)>, bool, crate::automata::FxBuild>,
    /// Theory propagation runs at the first `sat` level only (then units and decisions).
    depth: usize,
}

type Lits = Vec<(usize, bool)>;

impl<'e> Solver<'e> {
    pub fn new(enc: &'e Encoder) -> Solver<'e> {
        let mut var_atoms: BTreeMap<Var, Vec<usize>> = BTreeMap::new();
        for (i, a) in enc.atoms.iter().enumerate() {
            var_atoms.entry(a.var.clone()).or_default().push(i);
        }
        Solver {
            enc,
            assign: vec![None; enc.atoms.len()],
            var_atoms,
            cache: HashMap::default(),
            depth: 0,
        }
    }

    fn lits(&self, var: &Var) -> Lits {
        self.var_atoms
            .get(var)
            .map(|ids| {
                ids.iter()
                    .filter_map(|i| self.assign[*i].map(|v| (*i, v)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Exact per-variable theory: `Some(value)` (inner `None` = context key absent) or `None`.
    pub fn var_model(&self, var: &Var, lits: &[(usize, bool)]) -> Option<Option<String>> {
        let atoms = &self.enc.atoms;
        // Fast path: a positive wildcard-free glob fixes the value; check every literal on it.
        let fixed = lits.iter().find_map(|&(i, v)| match &atoms[i].kind {
            AtomKind::Glob(g) if v && !g.has_wildcard() => Some(g.as_str()),
            _ => None,
        });
        if let Some(w) = fixed {
            let ok = lits
                .iter()
                .all(|&(i, v)| atom_holds(&atoms[i].kind, Some(w)) == v);
            return if ok { Some(Some(w.to_string())) } else { None };
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
                return if value_true { None } else { Some(None) };
            }
            if !value_true && present.is_none() {
                return Some(None);
            }
        }
        automata::witness(&auts).map(Some)
    }

    fn theory_ok(&mut self, var: &Var) -> bool {
        let lits = self.lits(var);
        if lits.len() == 1 && !matches!(var, Var::Context(_)) && lits[0].1 {
            // A single positive glob literal is always satisfiable.
            return true;
        }
        if let Some(r) = self.cache.get(&lits) {
            return *r;
        }
        let r = self.var_model(var, &lits).is_some();
        self.cache.insert(lits, r);
        r
    }

    fn set(&mut self, atom: usize, v: bool) -> bool {
        self.assign[atom] = Some(v);
        let var = self.enc.atoms[atom].var.clone();
        self.theory_ok(&var)
    }

    /// Unit propagation and theory propagation. Returns the simplified formula, or `False` on a
    /// conflict. Records assigned atoms in `trail`.
    fn propagate(&mut self, f: &F, trail: &mut Vec<usize>, skip: &dyn Fn(usize) -> bool) -> F {
        let mut r = simp(f, &self.assign);
        loop {
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
                    if skip(i) || self.assign[i].is_some() {
                        continue;
                    }
                    let var = self.enc.atoms[i].var.clone();
                    if self.lits(&var).is_empty() {
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
            r = simp(&r, &self.assign);
        }
    }

    /// True when `f` is satisfiable; on success `assign` holds a satisfying partial assignment.
    pub fn sat(&mut self, f: &F) -> bool {
        let mut trail = Vec::new();
        let r = self.propagate(f, &mut trail, &|_| false);
        self.depth += 1;
        let ok = self.sat_rest(r, &mut trail);
        self.depth -= 1;
        ok
    }

    /// Clears the assignment (keeps the theory cache) so the solver can answer another query.
    pub fn reset(&mut self) {
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
        self.ef(f, &is_inner)
    }

    fn ef(&mut self, f: &F, is_inner: &[bool]) -> bool {
        let r = simp(f, &self.assign);
        match &r {
            F::True => return true,
            F::False => return false,
            _ => {}
        }
        match first_lit(&r, &|i| is_inner[i]) {
            None => {
                // Only inner atoms remain: check validity over the inner variable.
                let mut sub = Solver {
                    enc: self.enc,
                    assign: self.assign.clone(),
                    var_atoms: self.var_atoms.clone(),
                    cache: HashMap::default(),
                    depth: 0,
                };
                !sub.sat(&not(r))
            }
            Some((atom, pol)) => {
                for v in [pol, !pol] {
                    if self.set(atom, v) && self.ef(&r, is_inner) {
                        return true;
                    }
                    self.assign[atom] = None;
                }
                false
            }
        }
    }

    /// Builds a concrete request from the current assignment, preferring catalog actions and
    /// readable values.
    pub fn model(&self, catalog: Option<&Catalog>) -> Request {
        let mut kind = None;
        let mut id = "agent".to_string();
        let mut action = catalog
            .and_then(|c| c.actions.first())
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "ads:Action".into());
        let mut resource = "arn:ads:example".to_string();
        let mut context = BTreeMap::new();
        for var in self.var_atoms.keys() {
            let lits = self.lits(var);
            if lits.is_empty() {
                continue;
            }
            let holds = |v: Option<&str>| {
                lits.iter()
                    .all(|(i, p)| atom_holds(&self.enc.atoms[*i].kind, v) == *p)
            };
            let mut value: Option<Option<String>> = None;
            if *var == Var::Action
                && let Some(c) = catalog
            {
                value = c
                    .actions
                    .iter()
                    .find(|a| holds(Some(&a.name)))
                    .map(|a| Some(a.name.clone()));
            }
            if value.is_none() {
                // Readable candidates: each positive pattern with `*` removed and `?` as `x`.
                'outer: for fill in ["example", ""] {
                    for (i, p) in &lits {
                        if !*p {
                            continue;
                        }
                        if let AtomKind::Glob(g) = &self.enc.atoms[*i].kind {
                            let cand: String = g.as_str().replace('*', fill).replace('?', "x");
                            if g.has_wildcard() && holds(Some(&cand)) {
                                value = Some(Some(cand));
                                break 'outer;
                            }
                            if !g.has_wildcard() && holds(Some(g.as_str())) {
                                value = Some(Some(g.as_str().to_string()));
                                break 'outer;
                            }
                        }
                    }
                }
            }
            let value = match value {
                Some(v) => v,
                None => self.var_model(var, &lits).unwrap_or(None),
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
        Request {
            principal: Principal { kind, id },
            action,
            resource,
            context,
        }
    }
}

/// Memoized "can two action targets match a common action?" (exact: glob intersection).
#[derive(Default)]
struct Overlap {
    memo: HashMap<(String, String), bool>,
}

impl Overlap {
    fn globs(&mut self, a: &Glob, b: &Glob) -> bool {
        if !a.has_wildcard() {
            return b.matches(a.as_str());
        }
        if !b.has_wildcard() {
            return a.matches(b.as_str());
        }
        if a.is_all() || b.is_all() {
            return true;
        }
        let key = (a.as_str().to_string(), b.as_str().to_string());
        if let Some(r) = self.memo.get(&key) {
            return *r;
        }
        let r = automata::witness(&[(Aut::Glob(a.clone()), true), (Aut::Glob(b.clone()), true)])
            .is_some();
        self.memo.insert(key, r);
        r
    }

    fn targets(&mut self, a: &Target, b: &Target) -> bool {
        if a.negated || b.negated {
            return true;
        }
        a.patterns
            .iter()
            .any(|x| b.patterns.iter().any(|y| self.globs(x, y)))
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

impl Analyzer<'_> {
    /// A request allowed by `f` (for tests and tools): `Some(request)` or `None` when unsatisfiable.
    pub fn solve(&self, enc: &Encoder, f: &F) -> Option<Request> {
        let mut s = Solver::new(enc);
        if s.sat(f) {
            Some(s.model(self.catalog))
        } else {
            None
        }
    }

    fn solve_all(&self, enc: &Encoder, queries: &[F]) -> Vec<Option<Request>> {
        let mut s = Solver::new(enc);
        queries
            .iter()
            .map(|q| {
                s.reset();
                if s.sat(q) {
                    Some(s.model(self.catalog))
                } else {
                    None
                }
            })
            .collect()
    }

    /// PASS when every request `new` allows is also allowed by `existing`.
    pub fn check_no_new_access(&self, existing: &Policy, new: &Policy) -> CheckResult {
        let mut enc = Encoder::default();
        let mut overlap = Overlap::default();
        let mut queries = Vec::new();
        for (i, s) in new.statements.iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            // Statements whose actions cannot overlap statement `i`'s are false whenever `i`
            // matches, so they are left out of this query (an exact simplification).
            let mut rel = |p: &Policy, e: Effect, enc: &mut Encoder| {
                or(p.statements
                    .iter()
                    .filter(|t| t.effect == e && overlap.targets(&s.action, &t.action))
                    .map(|t| enc.statement(t))
                    .collect())
            };
            let new_deny = rel(new, Effect::Deny, &mut enc);
            let old_allow = rel(existing, Effect::Allow, &mut enc);
            let old_deny = rel(existing, Effect::Deny, &mut enc);
            let st = enc.statement(s);
            queries.push((
                i,
                s,
                and(vec![st, not(new_deny), or(vec![not(old_allow), old_deny])]),
            ));
        }
        let fs: Vec<F> = queries.iter().map(|q| q.2.clone()).collect();
        let mut reasons = Vec::new();
        for ((i, s, _), r) in queries.into_iter().zip(self.solve_all(&enc, &fs)) {
            if let Some(r) = r {
                reasons.push(reason(
                    format!("New access in the statement with index: {i}."),
                    i,
                    s,
                    &r,
                ));
            }
        }
        CheckResult::from(
            reasons,
            "The new policy grants no access beyond the existing policy.",
            "The new policy grants new access.",
        )
    }

    /// FAIL when `policy` allows any of `actions` (patterns, case-insensitive) on any of
    /// `resources` (patterns; empty means any resource).
    pub fn check_access_not_granted(
        &self,
        policy: &Policy,
        actions: &[String],
        resources: &[String],
    ) -> CheckResult {
        let mut enc = Encoder::default();
        let deny = enc.any_of(policy, Effect::Deny);
        let a = or(actions
            .iter()
            .map(|x| enc.glob(Var::Action, &Glob::new_ci(x)))
            .collect());
        let r = if resources.is_empty() {
            F::True
        } else {
            or(resources
                .iter()
                .map(|x| enc.glob(Var::Resource, &Glob::new(x)))
                .collect())
        };
        let mut queries = Vec::new();
        for (i, s) in policy.statements.iter().enumerate() {
            if s.effect == Effect::Allow {
                let st = enc.statement(s);
                queries.push((i, s, and(vec![st, not(deny.clone()), a.clone(), r.clone()])));
            }
        }
        let fs: Vec<F> = queries.iter().map(|q| q.2.clone()).collect();
        let mut reasons = Vec::new();
        for ((i, s, _), req) in queries.into_iter().zip(self.solve_all(&enc, &fs)) {
            if let Some(req) = req {
                reasons.push(reason(
                    format!("Access granted in the statement with index: {i}."),
                    i,
                    s,
                    &req,
                ));
            }
        }
        CheckResult::from(
            reasons,
            "The policy does not grant the listed access.",
            "The policy grants the listed access.",
        )
    }

    /// FAIL when some request (for some principal kind) is allowed for **every** principal id of
    /// that kind. Statements without a principal element only apply to the principal the policy
    /// is attached to, so they never make a policy public.
    pub fn check_no_public_access(&self, policy: &Policy) -> CheckResult {
        let mut enc = Encoder {
            outsider: true,
            ..Encoder::default()
        };
        let deny = enc.any_of(policy, Effect::Deny);
        let all = enc.allows(policy);
        let mut per = Vec::new();
        for (i, s) in policy.statements.iter().enumerate() {
            if s.effect == Effect::Allow {
                let st = enc.statement(s);
                per.push((i, s, and(vec![st, not(deny.clone())])));
            }
        }
        let public = |f: &F| -> Option<Request> {
            let mut sol = Solver::new(&enc);
            if sol.sat_exists_forall(f, &Var::PrincipalId) {
                let mut r = sol.model(self.catalog);
                r.principal.id = "anyone".into();
                Some(r)
            } else {
                None
            }
        };
        let Some(example) = public(&all) else {
            return CheckResult::from(Vec::new(), "The policy grants no public access.", "");
        };
        let mut reasons = Vec::new();
        for (i, s, q) in &per {
            if let Some(r) = public(q) {
                reasons.push(reason(
                    format!("Public access in the statement with index: {i}."),
                    *i,
                    s,
                    &r,
                ));
            }
        }
        if reasons.is_empty() {
            // Public only through several statements together: name those matching the example.
            for (i, s) in policy.statements.iter().enumerate() {
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
        CheckResult::from(reasons, "", "The policy grants public access.")
    }
}

/// See [`Analyzer::check_no_new_access`] (built-in catalog for examples).
pub fn check_no_new_access(existing: &Policy, new: &Policy) -> CheckResult {
    Analyzer::default().check_no_new_access(existing, new)
}

/// See [`Analyzer::check_access_not_granted`].
pub fn check_access_not_granted(
    policy: &Policy,
    actions: &[String],
    resources: &[String],
) -> CheckResult {
    Analyzer::default().check_access_not_granted(policy, actions, resources)
}

/// See [`Analyzer::check_no_public_access`].
pub fn check_no_public_access(policy: &Policy) -> CheckResult {
    Analyzer::default().check_no_public_access(policy)
}

/// True when every request `a` allows is allowed by `b`.
pub fn is_subset(a: &Policy, b: &Policy) -> bool {
    let mut enc = Encoder::default();
    let fa = enc.allows(a);
    let fb = enc.allows(b);
    !Solver::new(&enc).sat(&and(vec![fa, not(fb)]))
}

/// True when `a` and `b` allow exactly the same requests.
pub fn equivalent(a: &Policy, b: &Policy) -> bool {
    is_subset(a, b) && is_subset(b, a)
}
