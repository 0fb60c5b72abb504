//! Consent: access requests (partner side and the advertiser's consent screen), the invitations
//! by which an advertiser introduces a partner, guardrails and application ceilings.

// `#[server]` functions take one argument per form field; the hydrate build's client stubs do
// not carry a per-function `allow`.
#[allow(clippy::too_many_arguments)]
pub mod api;
pub mod guardrails;
#[cfg(feature = "ssr")]
pub mod guardrails_load;
pub mod invitations;
pub mod pages;
pub mod screen;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;
