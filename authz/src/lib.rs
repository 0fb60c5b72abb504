//! Charter's pure policy engine. No IO, no async, no database; builds for `wasm32`.
//!
//! - [`policy`]: the IAM-style policy language and its parser ([`parse_policy`]).
//! - [`eval`]: request decisions ([`evaluate`], [`decide`]).
//! - [`analyze`]: exact reasoning over all requests ([`check_no_new_access`] and friends).
//! - [`smt`]: SMT-LIB2 emission of the same queries (cross-checked against `z3` in tests).
//! - [`catalog`], [`validate`], [`recommend`]: action catalog, findings, least privilege.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod analyze;
pub mod automata;
pub mod catalog;
pub mod eval;
pub mod glob;
pub mod json;
pub mod policy;
pub mod recommend;
pub mod smt;
pub mod validate;
pub mod values;

pub use analyze::{
    CheckResult, Example, Reason, Verdict, check_access_not_granted, check_no_new_access,
    check_no_public_access, equivalent, is_subset,
};
pub use catalog::{AccessLevel, Action, Catalog};
pub use eval::{
    Decision, Outcome, Principal, Request, decide, evaluate, evaluate_policy, is_allowed,
};
pub use policy::{Effect, Policy, PolicyError, Statement, parse_policy};
