//! One automaton of a product, prepared for the search: its states, start, step and acceptance
//! (glob NFAs as bit sets of pattern positions, the number DFA, the date product).

use super::Aut;
use super::iso::{IsoRef, IsoSt, iso_accepts, iso_step};
use super::number::{DEAD, NumSt, num_accepts, num_step};
use crate::glob::Tok;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum St {
    /// Glob positions when the pattern has at most 63 tokens.
    Glob1(u64),
    Glob(Vec<u64>),
    Num(NumSt),
    Date(NumSt, Option<IsoSt>),
    /// A negated automaton that can no longer accept: satisfied for every continuation.
    Done,
}

pub(super) struct Prepared {
    pub(super) aut: Aut,
    pub(super) positive: bool,
    pub(super) iso: Option<IsoRef>,
}

fn bit(set: &[u64], i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

fn set_bit(set: &mut [u64], i: usize) {
    if let Some(w) = set.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

fn glob_close(toks: &[Tok], set: &mut [u64]) {
    for (i, t) in toks.iter().enumerate() {
        if *t == Tok::Star && bit(set, i) {
            set_bit(set, i + 1);
        }
    }
}

fn glob_start(toks: &[Tok]) -> Vec<u64> {
    let mut s = vec![0u64; toks.len() / 64 + 1];
    set_bit(&mut s, 0);
    glob_close(toks, &mut s);
    s
}

fn glob_step(toks: &[Tok], set: &[u64], ch: char) -> Vec<u64> {
    let mut n = vec![0u64; set.len()];
    for (i, t) in toks.iter().enumerate() {
        if !bit(set, i) {
            continue;
        }
        match t {
            Tok::Star => set_bit(&mut n, i),
            Tok::Any => set_bit(&mut n, i + 1),
            Tok::Lit(c) if *c == ch => set_bit(&mut n, i + 1),
            Tok::Lit(_) => {}
        }
    }
    glob_close(toks, &mut n);
    n
}

fn glob_step1(toks: &[Tok], set: u64, ch: char) -> u64 {
    let mut n = 0u64;
    let mut rest = set;
    while rest != 0 {
        let i = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        match toks.get(i) {
            Some(Tok::Star) => n |= 1 << i,
            Some(Tok::Any) => n |= 1 << (i + 1),
            Some(Tok::Lit(c)) if *c == ch => n |= 1 << (i + 1),
            _ => {}
        }
    }
    for (i, t) in toks.iter().enumerate() {
        if *t == Tok::Star && n >> i & 1 == 1 {
            n |= 1 << (i + 1);
        }
    }
    n
}

impl Prepared {
    pub(super) fn start(&self) -> St {
        match &self.aut {
            Aut::Glob(g) if g.toks().len() < 64 => St::Glob1(glob_start(g.toks())[0]),
            Aut::Glob(g) => St::Glob(glob_start(g.toks())),
            Aut::Num { .. } => St::Num(NumSt::start()),
            Aut::Date { .. } => St::Date(NumSt::start(), Some(IsoSt::start())),
        }
    }

    pub(super) fn accepts(&self, s: &St) -> bool {
        match (&self.aut, s) {
            (Aut::Glob(g), St::Glob1(set)) => set >> g.toks().len() & 1 == 1,
            (Aut::Glob(g), St::Glob(set)) => bit(set, g.toks().len()),
            (Aut::Num { c, cmp }, St::Num(n)) => num_accepts(c, *cmp, *n),
            (Aut::Date { c, cmp }, St::Date(n, iso)) => {
                num_accepts(c, *cmp, *n)
                    || match (iso, &self.iso) {
                        (Some(i), Some(r)) => iso_accepts(r, *cmp, *i),
                        _ => false,
                    }
            }
            _ => false,
        }
    }

    pub(super) fn dead(&self, s: &St) -> bool {
        match s {
            St::Glob1(set) => *set == 0,
            St::Glob(set) => set.iter().all(|w| *w == 0),
            St::Num(n) => n.phase == DEAD,
            St::Date(n, iso) => n.phase == DEAD && iso.is_none(),
            St::Done => false,
        }
    }

    pub(super) fn step(&self, s: &St, ch: char) -> St {
        match (&self.aut, s) {
            (Aut::Glob(g), St::Glob1(set)) => St::Glob1(glob_step1(g.toks(), *set, ch)),
            (Aut::Glob(g), St::Glob(set)) => St::Glob(glob_step(g.toks(), set, ch)),
            (Aut::Num { c, .. }, St::Num(n)) => St::Num(num_step(c, false, *n, ch)),
            (Aut::Date { c, .. }, St::Date(n, iso)) => {
                let r = self.iso.as_ref();
                St::Date(
                    num_step(c, true, *n, ch),
                    iso.and_then(|i| r.and_then(|r| iso_step(r, i, ch))),
                )
            }
            _ => St::Done,
        }
    }
}
