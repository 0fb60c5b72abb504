//! The breadth-first search over the product automaton of a conjunction, bounded by a meter.

use std::collections::{HashMap, VecDeque};

use super::Aut;
use super::fx::FxBuild;
use super::iso::iso_ref;
use super::product::{Prepared, St};
use crate::budget::{Exhausted, Meter};
use crate::glob::Tok;

const TYPED_CHARS: &str = "0123456789-.:TZ";

/// Chooses a character that no atom distinguishes (not in `used`, not a typed-grammar character,
/// not an ASCII upper-case letter so it is also valid for the case-folded action variable).
fn fresh_char(used: &[char]) -> char {
    let mut cands = "xzqjkvwyu_"
        .chars()
        .chain(('a'..='z').chain('\u{e0}'..='\u{24f}'));
    cands
        .find(|c| !used.contains(c) && !TYPED_CHARS.contains(*c))
        .unwrap_or('\u{2603}')
}

/// Decides whether some string satisfies every `(automaton, polarity)` pair and returns the
/// shortest one (breadth-first). `None` means the conjunction is unsatisfiable.
///
/// This search is unbounded (it can take exponential time and memory on hostile patterns): use
/// it only on trusted input, and [`witness_metered`] otherwise.
#[cfg(test)]
pub fn witness(atoms: &[(Aut, bool)]) -> Option<String> {
    witness_metered(atoms, &mut Meter::unlimited()).unwrap_or(None)
}

/// Step cost of advancing one automaton by one character (see [`crate::budget`]).
fn step_cost(a: &Aut) -> u64 {
    match a {
        // Patterns of 64 tokens or more step a heap-allocated position set.
        Aut::Glob(g) if g.toks().len() >= 64 => 16 + g.toks().len() as u64,
        Aut::Glob(g) => 8 + g.toks().len() as u64 / 2,
        Aut::Num { .. } | Aut::Date { .. } => 16,
    }
}

/// Bytes one product state holds (in the visited set and the queue), an upper bound.
fn state_bytes(atoms: &[(Aut, bool)]) -> u64 {
    let st = std::mem::size_of::<St>() as u64;
    let per: u64 = atoms
        .iter()
        .map(|(a, _)| match a {
            Aut::Glob(g) if g.toks().len() >= 64 => st + 8 * (g.toks().len() as u64 / 64 + 1),
            _ => st,
        })
        .sum();
    // Two copies (visited set and queue), vector headers, hash-table slot and parent link.
    2 * (per + 24) + 48
}

/// [`witness`] within a budget: `Err` when the meter runs out before the search decides.
pub fn witness_metered(
    atoms: &[(Aut, bool)],
    meter: &mut Meter,
) -> Result<Option<String>, Exhausted> {
    Product::new(atoms, meter)?.search(meter)
}

/// A conjunction prepared for the search: its automata (positive `*` globs left out), the
/// reduced alphabet in the order the search tries it, and the work one step costs.
struct Product {
    prepared: Vec<Prepared>,
    alpha: Vec<char>,
    /// Steps charged for one transition: step every automaton, hash and compare the state.
    trans_cost: u64,
    /// Bytes one product state holds.
    per_state: u64,
}

impl Product {
    /// Prepares the automata and the alphabet: the characters of the glob atoms, the typed
    /// grammars' characters when a number or date atom is present, and one fresh character.
    fn new(atoms: &[(Aut, bool)], meter: &mut Meter) -> Result<Product, Exhausted> {
        let setup: u64 = atoms
            .iter()
            .map(|(a, _)| match a {
                Aut::Glob(g) => 1 + g.toks().len() as u64,
                _ => 16,
            })
            .sum();
        meter.charge(setup)?;
        let mut alpha: Vec<char> = Vec::new();
        let mut typed = false;
        let mut prepared = Vec::new();
        let mut kept = Vec::new();
        for (a, pos) in atoms {
            match a {
                Aut::Glob(g) => {
                    if *pos && g.is_all() {
                        continue;
                    }
                    for t in g.toks() {
                        if let Tok::Lit(c) = t
                            && !alpha.contains(c)
                        {
                            meter.charge(alpha.len() as u64 / 8)?;
                            alpha.push(*c);
                        }
                    }
                }
                _ => typed = true,
            }
            let iso = match a {
                Aut::Date { c, .. } => Some(iso_ref(c)),
                _ => None,
            };
            kept.push((a.clone(), *pos));
            prepared.push(Prepared {
                aut: a.clone(),
                positive: *pos,
                iso,
            });
        }
        if typed {
            for c in TYPED_CHARS.chars() {
                if !alpha.contains(&c) {
                    alpha.push(c);
                }
            }
        }
        let fresh = fresh_char(&alpha);
        alpha.push(fresh);
        // Readable witnesses first: prefer the fresh letter and digits early.
        alpha.sort_by_key(|c| (!c.is_ascii_alphanumeric(), *c));
        Ok(Product {
            prepared,
            alpha,
            trans_cost: 32 + kept.iter().map(|(a, _)| step_cost(a)).sum::<u64>(),
            per_state: state_bytes(&kept),
        })
    }

    /// The product state with every dead negated automaton marked `Done`; `None` when a
    /// positive automaton is dead (no continuation can satisfy the conjunction).
    fn norm(&self, states: Vec<St>) -> Option<Vec<St>> {
        let mut out = Vec::with_capacity(states.len());
        for (p, s) in self.prepared.iter().zip(states) {
            if p.dead(&s) {
                if p.positive {
                    return None;
                }
                out.push(St::Done);
            } else {
                out.push(s);
            }
        }
        Some(out)
    }

    /// True when the string read so far satisfies every literal of the conjunction.
    fn accepting(&self, states: &[St]) -> bool {
        self.prepared.iter().zip(states).all(|(p, s)| match s {
            St::Done => !p.positive,
            s => p.accepts(s) == p.positive,
        })
    }

    /// The product state after reading `ch`.
    fn step(&self, states: &[St], ch: char) -> Vec<St> {
        self.prepared
            .iter()
            .zip(states)
            .map(|(p, s)| {
                if *s == St::Done {
                    St::Done
                } else {
                    p.step(s, ch)
                }
            })
            .collect()
    }

    /// Breadth-first search from the start state: the shortest accepted string, if any.
    fn search(&self, meter: &mut Meter) -> Result<Option<String>, Exhausted> {
        meter.charge(self.trans_cost)?;
        let Some(start) = self.norm(self.prepared.iter().map(Prepared::start).collect()) else {
            return Ok(None);
        };
        // Search tree: (parent, character read) per node; node 0 is the empty string.
        let mut nodes: Vec<(usize, char)> = vec![(usize::MAX, '\0')];
        let mut seen: HashMap<Vec<St>, usize, FxBuild> = HashMap::default();
        let mut queue = VecDeque::new();
        let mut held = self.per_state;
        meter.check_bytes(held)?;
        seen.insert(start.clone(), 0);
        queue.push_back((start, 0usize));
        while let Some((states, id)) = queue.pop_front() {
            meter.charge(2 * self.prepared.len() as u64 + 2)?;
            if self.accepting(&states) {
                return Ok(Some(path(&nodes, id)));
            }
            for &ch in &self.alpha {
                meter.charge(self.trans_cost)?;
                let Some(next) = self.norm(self.step(&states, ch)) else {
                    continue;
                };
                if seen.contains_key(&next) {
                    continue;
                }
                held += self.per_state;
                meter.check_bytes(held)?;
                nodes.push((id, ch));
                let nid = nodes.len() - 1;
                seen.insert(next.clone(), nid);
                queue.push_back((next, nid));
            }
        }
        Ok(None)
    }
}

/// The string that leads to node `id` of the search tree.
fn path(nodes: &[(usize, char)], id: usize) -> String {
    let mut out = Vec::new();
    let mut cur = id;
    while cur != 0 {
        let (parent, ch) = nodes[cur];
        out.push(ch);
        cur = parent;
    }
    out.into_iter().rev().collect()
}

/// Runs the automata on a concrete string (used by tests to cross-check the evaluator).
#[cfg(test)]
pub fn accepts(a: &Aut, s: &str) -> bool {
    let iso = match a {
        Aut::Date { c, .. } => Some(iso_ref(c)),
        _ => None,
    };
    let p = Prepared {
        aut: a.clone(),
        positive: true,
        iso,
    };
    let mut st = p.start();
    for ch in s.chars() {
        st = p.step(&st, ch);
    }
    p.accepts(&st)
}
