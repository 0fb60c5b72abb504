//! Charter's pure policy engine. No IO, no async, no database; builds for `wasm32`.
//!
//! # The facade
//! The crate root re-exports the public API; most callers need nothing else:
//! - the policy language and its parser: [`parse_policy`], [`Policy`], [`Statement`],
//!   [`PolicyError`] and the parser limits ([`MAX_POLICY_BYTES`], …);
//! - request decisions: [`decide`] (the allocation-free hot path), [`evaluate`] (with the deciding
//!   statements and the nearest miss), [`is_allowed`];
//! - exact analysis over all requests: [`check_no_new_access`], [`check_access_not_granted`],
//!   [`check_no_public_access`], [`is_subset`], [`equivalent`] and their `try_…` forms, each
//!   within a [`Budget`] ([`AnalysisError`] when it runs out);
//! - the action [`Catalog`], consent-screen [`capabilities`] and [`describe_time_bounds`],
//!   [`purposes`], and the grant editor's matrix ([`policy_from_matrix`], [`matrix_of`]);
//! - the values that appear in those types: [`Glob`], [`Dec`], [`Cmp`], [`Json`], ….
//!
//! Public modules keep the paths that other crates use, and hold the rest of their topic:
//! - [`analyze`]: the analyzer itself ([`analyze::Analyzer`]) and its building blocks (encoder,
//!   solver, formulas) for tests and tools;
//! - [`eval`], [`describe`], [`matrix`], [`purpose`]: as re-exported above, plus their helpers;
//! - [`consent`]: the consent review ([`consent::review`]);
//! - [`validate`], [`recommend`], [`unused`]: findings, least-privilege rewrites, unused access;
//! - [`smt`]: SMT-LIB2 emission of the analyzer's queries (cross-checked against `z3` in tests).
//!
//! The other modules (the JSON parser, the policy parser, glob matching, typed values, the
//! automata, the work budget and the catalog) are private; what of them is public API is
//! re-exported here.
//!
//! # Lints
//! `missing_docs` is denied: every public item reachable from outside the crate (public modules,
//! re-exported items, their public fields, variants, methods and associated constants) carries a
//! doc comment. `unnameable_types` warns when a public signature reaches a type that is not
//! re-exported, so every type of the API can be named. Library code never unwraps, expects or
//! panics (tests may).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unnameable_types)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod analyze;
mod automata;
mod budget;
mod catalog;
pub mod consent;
pub mod describe;
pub mod eval;
mod glob;
mod json;
pub mod matrix;
mod policy;
pub mod purpose;
pub mod recommend;
pub mod smt;
pub mod unused;
pub mod validate;
mod values;

pub use analyze::{
    CheckResult, Example, Reason, Verdict, check_access_not_granted, check_no_new_access,
    check_no_public_access, equivalent, is_subset, try_check_access_not_granted,
    try_check_no_new_access, try_check_no_public_access, try_equivalent, try_equivalent_within,
    try_is_subset, try_is_subset_within,
};
pub use budget::{AnalysisError, Budget, Exhausted, Limit, Meter};
pub use catalog::{AccessLevel, Action, Catalog};
pub use describe::{
    CapabilityGroup, TimeBounds, capabilities, describe_time_bounds, namespace_title,
};
pub use eval::{
    Decision, Outcome, Principal, Request, decide, evaluate, evaluate_policy, is_allowed,
};
pub use glob::{Glob, Tok};
pub use json::{Json, JsonValue};
pub use matrix::{CellState, Coverage, MatrixSpec, matrix_of, policy_from_matrix};
pub use policy::{
    CondValues, Condition, Effect, MAX_LIST_VALUES, MAX_POLICY_BYTES, MAX_STATEMENTS,
    MAX_STRING_CHARS, MAX_VALUES, Op, Policy, PolicyError, PrincipalMatch, PrincipalPattern,
    Statement, Target, parse_policy,
};
pub use purpose::{PurposeInfo, purposes};
pub use values::{Cmp, Dec, DecRef, date_to_dec, format_iso};
