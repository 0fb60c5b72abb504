//! The exact per-variable theory: a conjunction of literals on one variable is decided (with a
//! witness value) by cheap exact shortcuts first, then by the product automaton.

use super::encode::Encoder;
use super::formula::{Atom, AtomKind, Var};
use crate::automata::{self, Aut};
use crate::budget::{Exhausted, Meter};
use crate::glob::Glob;
use crate::values::{Cmp, cmp_date, cmp_dec, format_iso, parse_date, parse_dec};

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
pub(super) fn glob_cost(g: &Glob, n: usize) -> u64 {
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
pub(super) fn all_hold(
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

/// The exact per-variable theory (see [`Solver::var_model`](super::Solver::var_model)), charged
/// to `meter`.
pub(super) fn var_model_in(
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
pub(super) fn dates_only(auts: &[(Aut, bool)]) -> Option<Option<String>> {
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
