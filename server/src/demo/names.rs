//! The demo advertisers' names, by which the seeding and the sandbox data find each account.

pub const NORTHWIND: &str = "Northwind Outdoor";
pub const HALCYON: &str = "Halcyon Home";
pub const BERGFELD: &str = "Bergfeld Küchen";
