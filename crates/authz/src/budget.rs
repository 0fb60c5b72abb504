//! Work budgets for the analyzer.
//!
//! Policies reach the analyzer from partners and advertisers, so every check must finish quickly
//! and in bounded memory whatever the input. Each check gets a [`Budget`] and counts its work on
//! a [`Meter`]:
//!
//! - **steps**: one step is roughly one unit of inner-loop work: a formula node visited by the
//!   DPLL search, a literal looked at by a theory check, a token stepped by the product-automaton
//!   search, a character compared by a glob match. Every loop of the analyzer charges the meter
//!   *before* it does the work, so the work done is at most the budget plus one charge.
//! - **bytes**: the memory held by one product-automaton search (its visited set, queue and
//!   parent links), the only structure of the analyzer whose size is not linear in the input.
//! - **depth**: the recursion depth of the DPLL search (a stack guard; wasm stacks are 1 MiB).
//!
//! When a limit is reached the meter stays exhausted: every later charge fails, the search
//! unwinds at once and the check reports [`AnalysisError::TooComplex`] (or, for the infallible
//! functions, fails closed). A check that finishes within its budget is exact.

use serde::Serialize;

/// The limits of one analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    /// Work units (see the module documentation).
    pub steps: u64,
    /// Memory of one product-automaton search, in bytes.
    pub bytes: u64,
    /// Maximum recursion depth of the DPLL search.
    pub depth: usize,
}

impl Budget {
    /// The default number of steps: a few tens of milliseconds in a debug build, a few in release.
    pub const DEFAULT_STEPS: u64 = 2_000_000;
    /// The default memory bound of one product-automaton search (16 MiB).
    pub const DEFAULT_BYTES: u64 = 16 << 20;
    /// The default DPLL recursion bound.
    pub const DEFAULT_DEPTH: usize = 512;

    /// The default budget.
    pub const DEFAULT: Budget = Budget {
        steps: Budget::DEFAULT_STEPS,
        bytes: Budget::DEFAULT_BYTES,
        depth: Budget::DEFAULT_DEPTH,
    };

    /// No limits at all: only for trusted input (tests, tools).
    pub const UNLIMITED: Budget = Budget {
        steps: u64::MAX,
        bytes: u64::MAX,
        depth: usize::MAX,
    };

    /// The default budget with another number of steps.
    pub const fn with_steps(steps: u64) -> Budget {
        Budget {
            steps,
            ..Budget::DEFAULT
        }
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::DEFAULT
    }
}

/// Which limit of a [`Budget`] ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Limit {
    /// Analysis steps.
    Steps,
    /// Bytes of one product-automaton search.
    Bytes,
    /// Recursion depth of the solver.
    Depth,
}

impl Limit {
    /// The limit's name: `steps`, `bytes` or `depth`.
    pub fn name(self) -> &'static str {
        match self {
            Limit::Steps => "steps",
            Limit::Bytes => "bytes",
            Limit::Depth => "depth",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The budget ran out (the meter says which limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

/// Counts the work of one analysis against its budget.
#[derive(Debug, Clone)]
pub struct Meter {
    budget: Budget,
    spent: u64,
    tripped: Option<Limit>,
}

impl Meter {
    /// A meter with nothing spent.
    pub fn new(budget: Budget) -> Meter {
        Meter {
            budget,
            spent: 0,
            tripped: None,
        }
    }

    /// A meter that never runs out ([`Budget::UNLIMITED`]).
    pub fn unlimited() -> Meter {
        Meter::new(Budget::UNLIMITED)
    }

    /// The budget this meter counts against.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Steps charged so far.
    pub fn spent(&self) -> u64 {
        self.spent
    }

    /// The limit that ran out, if any.
    pub fn tripped(&self) -> Option<Limit> {
        self.tripped
    }

    /// True once a limit has run out.
    #[inline]
    pub fn exhausted(&self) -> bool {
        self.tripped.is_some()
    }

    /// Records `units` steps of work about to be done; fails once the budget is used up.
    #[inline]
    pub fn charge(&mut self, units: u64) -> Result<(), Exhausted> {
        if self.tripped.is_some() {
            return Err(Exhausted);
        }
        self.spent = self.spent.saturating_add(units);
        if self.spent > self.budget.steps {
            self.tripped = Some(Limit::Steps);
            return Err(Exhausted);
        }
        Ok(())
    }

    /// Checks the memory held by one search against the byte limit.
    #[inline]
    pub fn check_bytes(&mut self, bytes: u64) -> Result<(), Exhausted> {
        if self.tripped.is_some() {
            return Err(Exhausted);
        }
        if bytes > self.budget.bytes {
            self.tripped = Some(Limit::Bytes);
            return Err(Exhausted);
        }
        Ok(())
    }

    /// Checks a recursion depth against the depth limit.
    #[inline]
    pub fn check_depth(&mut self, depth: usize) -> Result<(), Exhausted> {
        if self.tripped.is_some() {
            return Err(Exhausted);
        }
        if depth > self.budget.depth {
            self.tripped = Some(Limit::Depth);
            return Err(Exhausted);
        }
        Ok(())
    }

    /// The error for a check that ran out of budget.
    pub fn error(&self, check: &'static str) -> AnalysisError {
        AnalysisError::TooComplex {
            check,
            limit: self.tripped.unwrap_or(Limit::Steps),
            budget: self.budget,
            spent: self.spent,
        }
    }
}

/// Why an analysis gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "camelCase")]
pub enum AnalysisError {
    /// The check needed more work or memory than its budget allows. Nothing was proved.
    #[error(
        "the policies are too complex to analyze: {check} ran out of its {limit} budget ({spent} of {} steps used)",
        budget.steps
    )]
    #[serde(rename_all = "camelCase")]
    TooComplex {
        /// The check, e.g. `check_no_new_access`.
        check: &'static str,
        /// The limit that ran out.
        limit: Limit,
        /// The budget the check ran within.
        budget: Budget,
        /// Steps charged when the check stopped.
        spent: u64,
    },
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_meter_stays_exhausted() {
        let mut m = Meter::new(Budget::with_steps(10));
        assert!(m.charge(6).is_ok());
        assert!(m.charge(4).is_ok());
        assert!(m.charge(1).is_err());
        assert!(m.charge(0).is_err(), "exhaustion is sticky");
        assert_eq!(m.tripped(), Some(Limit::Steps));
        let e = m.error("is_subset").to_string();
        assert_eq!(
            e,
            "the policies are too complex to analyze: is_subset ran out of its steps budget (11 of 10 steps used)"
        );
        let mut m = Meter::new(Budget::DEFAULT);
        assert!(m.check_depth(Budget::DEFAULT_DEPTH).is_ok());
        assert!(m.check_depth(Budget::DEFAULT_DEPTH + 1).is_err());
        assert!(m.charge(0).is_err());
        assert_eq!(m.tripped(), Some(Limit::Depth));
        let mut m = Meter::unlimited();
        assert!(m.charge(u64::MAX).is_ok() && m.charge(u64::MAX).is_ok());
    }
}
