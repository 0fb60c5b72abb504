//! An advertiser account: the Agents page, agent detail, revocation and the activity log.
pub mod activity;
pub mod api;
pub mod pages;
pub mod revoke;
