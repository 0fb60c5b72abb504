//! Charter's pure policy engine. No IO, no async, no database; builds for `wasm32`.
//!
//! - [`policy`]: the IAM-style policy language and its parser ([`parse_policy`]).
//! - [`eval`]: request decisions ([`evaluate`], [`decide`]).
//! - [`analyze`]: exact reasoning over all requests ([`check_no_new_access`] and friends).
//! - [`smt`]: SMT-LIB2 emission of the same queries (cross-checked against `z3` in tests).
//! - [`catalog`], [`validate`], [`recommend`]: action catalog, findings, least privilege.
//! - [`budget`]: the analyzer's work budget ([`Budget`], [`AnalysisError`]).
//! - [`describe`]: plain-language capabilities for consent screens ([`capabilities`]).
//! - [`purpose`]: minimal policies per declared purpose ([`purpose::template`]).
//! - [`matrix`]: the grant editor's namespace × level matrix ([`policy_from_matrix`],
//!   [`matrix_of`]).
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod analyze;
pub mod automata;
pub mod budget;
pub mod catalog;
pub mod consent;
pub mod describe;
pub mod eval;
pub mod glob;
pub mod json;
pub mod matrix;
pub mod policy;
pub mod purpose;
pub mod recommend;
pub mod smt;
pub mod unused;
pub mod validate;
pub mod values;

pub use analyze::{
    CheckResult, Example, Reason, Verdict, check_access_not_granted, check_no_new_access,
    check_no_public_access, equivalent, is_subset, try_check_access_not_granted,
    try_check_no_new_access, try_check_no_public_access, try_equivalent, try_equivalent_within,
    try_is_subset, try_is_subset_within,
};
pub use budget::{AnalysisError, Budget};
pub use catalog::{AccessLevel, Action, Catalog};
pub use describe::{
    CapabilityGroup, TimeBounds, capabilities, describe_time_bounds, namespace_title,
};
pub use eval::{
    Decision, Outcome, Principal, Request, decide, evaluate, evaluate_policy, is_allowed,
};
pub use matrix::{CellState, Coverage, MatrixSpec, matrix_of, policy_from_matrix};
pub use policy::{Effect, Policy, PolicyError, Statement, parse_policy};
pub use purpose::{PurposeInfo, purposes};
