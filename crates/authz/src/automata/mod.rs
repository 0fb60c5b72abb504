//! The per-variable string theory of the analyzer: every atom on a string variable is a
//! (lazily explored) finite automaton, and a conjunction of atoms and negated atoms is decided by
//! breadth-first search over the product automaton. This is exact for all strings:
//!
//! - glob membership: NFA over pattern positions (subset construction on the fly);
//! - "parses as a number `x` with `x op c`": a DFA that tracks sign, the comparison of the
//!   significant integer digits with `c` (length saturated at `len(c.int)+1`) and the fractional
//!   comparison (position saturated at `len(c.frac)`);
//! - "parses as a date `d` with `d op c`": the product of the integer DFA (epoch seconds) and a
//!   DFA for the fixed-width ISO forms, which validates months, days (leap years via the year
//!   modulo 400), hours, minutes and seconds and compares the text position by position with
//!   the canonical ISO form of `c` (fixed-width ISO text orders like time).
//!
//! Every automaton's state space is finite, so the search terminates. The alphabet is the set of
//! characters that occur in the atoms, the characters the typed grammars use, and one fresh
//! character: every automaton treats all other characters exactly like the fresh one, so a
//! witness over the full alphabet exists iff one exists over this reduced alphabet.

mod fx;
mod iso;
mod number;
mod product;
mod search;

use crate::glob::Glob;
use crate::values::{Cmp, Dec};

/// One automaton of a conjunction.
#[derive(Debug, Clone)]
pub enum Aut {
    Glob(Glob),
    Num { c: Dec, cmp: Cmp },
    Date { c: Dec, cmp: Cmp },
}

pub(crate) use fx::FxBuild;
pub(crate) use search::witness_metered;
#[cfg(test)]
pub(crate) use search::{accepts, witness};

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests;
