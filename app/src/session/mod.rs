//! Sign-in, sign-out, the per-session CSRF token and who is signed in.
pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
