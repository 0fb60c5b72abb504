//! An advertiser account: the Agents page, agent detail, revocation and the activity log.
pub mod api;
pub mod pages;
