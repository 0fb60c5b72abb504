//! Unused-access findings per grant on an account, with the one-click least-privilege rewrite.
pub mod api;
pub mod pages;
