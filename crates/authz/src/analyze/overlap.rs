//! Exact filters that keep queries small: an index of statements by action name and a memoized
//! "can two action targets meet?" test.

use std::collections::HashMap;

use super::theory::glob_cost;
use crate::automata::{self, Aut};
use crate::budget::{Exhausted, Meter};
use crate::glob::Glob;
use crate::policy::{Policy, Target};

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
