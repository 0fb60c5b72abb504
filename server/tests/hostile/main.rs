//! The hostile-input suite (issue 10): each promise Charter makes, tried as an attacker would,
//! from the outside (HTTP, a real Biscuit library for forged blocks), on SQLite and PostgreSQL.
//! One module per area; `docs/security.md` maps each threat to its test here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod auth;
mod config;
mod holder;
mod money;
mod pdp;
mod races;
mod requests;
mod tokens;
