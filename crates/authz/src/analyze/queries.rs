//! The queries of "does `new` allow something `existing` does not?", shared by
//! `check_no_new_access`, `is_subset` and `equivalent`.

use super::encode::{Encoder, statement_cost};
use super::formula::{F, and, not, or, size};
use super::overlap::{ActionIndex, Overlap};
use crate::budget::{Exhausted, Meter};
use crate::policy::{Effect, Policy, Statement};

/// The queries of "does `new` allow something `existing` does not?": one per Allow statement `i`
/// of `new`, `S_i ∧ ¬Deny_new ∧ ¬Allows_existing`, built on demand.
///
/// Every statement is encoded once, up front (so a solver can be created before the first
/// query). Statements whose actions cannot overlap statement `i`'s are false whenever `i`
/// matches, so they are left out of its query (an exact simplification).
pub(super) struct NewAccessQueries<'p> {
    existing: &'p Policy,
    new: &'p Policy,
    new_f: Vec<F>,
    old_f: Vec<F>,
    new_ix: ActionIndex,
    old_ix: ActionIndex,
    overlap: Overlap,
}

impl<'p> NewAccessQueries<'p> {
    pub(super) fn new(
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
    pub(super) fn allows(&self) -> impl Iterator<Item = (usize, &'p Statement)> + use<'p> {
        self.new
            .statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effect == Effect::Allow)
    }

    pub(super) fn query(&mut self, i: usize, meter: &mut Meter) -> Result<F, Exhausted> {
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
