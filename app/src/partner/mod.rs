//! The partner console: a partner's developers create applications and register agents.
pub mod api;
pub mod pages;
