//! The sandbox Ads API under `/sandbox/v1/`: a realistic slice of the Amazon Ads API surface,
//! backed by the store per demo advertiser. Every route is declared in [`routes`] with its catalog
//! action and a describe step (resource and amount); `gateway` wraps each one.
//!
//! # Shape
//!
//! JSON bodies and responses in `camelCase`, modeled on the Amazon Ads API v3: list calls are
//! `POST …/list` with `stateFilter`/`campaignIdFilter`/`adGroupIdFilter` (`{"include": […]}`),
//! `maxResults` (1–1000, default 100) and `nextToken`; ids are strings of digits (report ids
//! are UUIDs); states are `ENABLED`, `PAUSED`, `ARCHIVED`; money is a decimal number in the
//! advertiser's currency (at most two decimals), stored as minor units. Each write takes one
//! entity (no batches). A bad body is a 400 whose `details` names the field
//! ("`budget.budget`: expected a positive amount …"); an unknown id, or another account's, is a
//! 404 (`{"code": "NOT_FOUND", "details": "campaign not found"}`); a change to an archived
//! entity, or to one under an archived campaign or ad group, is a 409. Archiving is Amazon's
//! "delete" (`…:DeleteCampaigns`): an update can set `ENABLED` or `PAUSED` only. Keyword and
//! target bids change only through their bid routes (`sp:UpdateKeywordBid`,
//! `sp:UpdateTargetBid`).
//!
//! The account is the token's audience ([`Decided::advertiser`]), so paths carry no advertiser.
//! A call may name its profile in the `Amazon-Advertising-API-Scope` header; it must then be the
//! account's own profile (else 404; a value that is not an id is a 400).
//!
//! # Resources
//!
//! `arn:ads:<marketplace lower-case>:<advertiser id>:<kind>/<id>`, where the kind is the
//! catalog's resource type in lower camel case: `profile`, `campaign`, `adGroup`, `keyword`,
//! `target`, `report`, `invoice`, `billingProfile` (the billing status, by profile id). A list
//! or a create names the collection, `<kind>/*`. Purpose templates grant `…:<account>:*`, so
//! they cover every one of these.
//!
//! # Amount rule
//!
//! A call commits money when it raises spend capacity; [`Operation::amount_minor`] is that
//! rise, in the advertiser's currency minor units, for exactly the actions the catalog marks as
//! committing money (`Some(0)` when such a call raises nothing), and `None` for every other call
//! (reads, ad groups, keywords and targets without a bid change, reports, archiving). Days are
//! UTC calendar days; "the rest of the month" counts today. See [`money`].
//!
//! - **Campaign capacity** = daily budget × the days of the rest of the month on which the
//!   campaign runs (from the later of today and its start date, through the earlier of the
//!   month's end and its end date), if it is `ENABLED`; 0 if paused or archived.
//! - **Create a campaign** (`…:CreateCampaigns`): its capacity, i.e. daily budget × the days
//!   left in the month, or until its end date if earlier (0 when created paused).
//! - **Update a campaign** (`…:UpdateCampaigns`: name, state, end date, budget; and pause) and
//!   **change its budget** (`…:UpdateCampaignBudget`): capacity after − capacity before,
//!   floored at 0. For an enabled campaign a budget change commits (new − old daily budget) ×
//!   the days left; a decrease, a pause or a rename commits 0; enabling a paused campaign
//!   commits its whole capacity; extending its end date commits the added days' budget.
//! - **Change a bid** (`sp:UpdateKeywordBid`, `sp:UpdateTargetBid`): (new bid − old bid) ×
//!   [`money::EXPECTED_DAILY_CLICKS`] (20 clicks a day) × the days left in the month, floored
//!   at 0, whatever the keyword's state (enabling a keyword is not a money action, so a bid is
//!   charged when it is set).
//!
//! Calls that set a bid (the bid routes, and creating a keyword or target) also give the bid in
//! [`Operation::bid_amount`], which the gateway supplies as `ads:BidAmount`.

mod ad_groups;
mod billing;
mod campaigns;
pub mod common;
mod keywords;
pub mod money;
mod profiles;
pub mod reports;
pub mod spec;
mod targets;

pub use spec::*;

/// Every sandbox route. The gateway builds the router from this list, so no route can be
/// mounted without a decision in front of it.
pub fn routes() -> Vec<Route> {
    let mut all = Vec::new();
    all.extend(profiles::routes());
    all.extend(campaigns::routes::<campaigns::Sp>());
    all.extend(campaigns::routes::<campaigns::Sb>());
    all.extend(campaigns::routes::<campaigns::Sd>());
    all.extend(ad_groups::routes());
    all.extend(keywords::routes());
    all.extend(targets::routes());
    all.extend(reports::routes());
    all.extend(billing::routes());
    all
}
