//! The sandbox Ads API under `/sandbox/v1/`: a realistic slice of the Amazon Ads API surface,
//! backed by the store per demo advertiser. Every route is declared in [`routes`] with its catalog
//! action and a describe step (resource and amount); `gateway` wraps each one.

pub mod spec;

pub use spec::*;

/// Every sandbox route. The gateway builds the router from this list, so no route can be
/// mounted without a decision in front of it.
pub fn routes() -> Vec<Route> {
    Vec::new()
}
