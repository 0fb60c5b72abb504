//! Charter's product rules, each with one definition, for every adapter (the UI's server
//! functions, the OAuth and PDP endpoints, the gateway, the CLI and the demo seed).
//!
//! No web framework and no database here: the rules are pure functions over the model
//! (`charter-model`) and the policy engine (`authz`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod policy;
