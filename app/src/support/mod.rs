//! The support console: find an account, give a reason, then look read-only.
pub mod api;
pub mod pages;
