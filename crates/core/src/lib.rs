//! Charter's product rules, each with one definition, for every adapter (the UI's server
//! functions, the OAuth and PDP endpoints, the gateway, the CLI and the demo seed).
//!
//! No web framework here. The rules are pure functions over the model (`charter-model`) and the
//! policy engine (`authz`); the use cases that change an account run over the store's traits
//! (`charter-store`) and take the [`access::Manage`] proof that the person may make the change.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod consent;
pub mod enforce;
pub mod grants;
pub mod partners;
pub mod policy;
pub mod review;
