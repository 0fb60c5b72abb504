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
//! advertiser's currency (at most the currency's decimals: two, none for the yen), stored as the
//! currency's minor units (`charter_model::Currency`, the unit spend caps count in). Each write takes one
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
//! UTC calendar days. The rule counts **every unit of capacity a call adds, whatever month it
//! falls in**, within one horizon of [`money::COMMITMENT_HORIZON_DAYS`] (31) days; the amount is
//! reserved against every cap at once (daily, monthly and lifetime windows all see the whole
//! amount, on the day of the call). See [`money`].
//!
//! - **Campaign capacity** = daily budget × its running days, if it is `ENABLED` (0 if paused
//!   or archived). Running days are counted from its first running day (the later of today and
//!   its start date) through its end date, for at most 31 days; an open-ended campaign counts
//!   the full 31. So a campaign that starts next month, or in a year, commits its capacity now;
//!   an open end always counts at least as much as any end date.
//! - **Create a campaign** (`…:CreateCampaigns`): its capacity (0 when created paused).
//! - **Update a campaign** (`…:UpdateCampaigns`: name, state, end date, budget; and pause) and
//!   **change its budget** (`…:UpdateCampaignBudget`): capacity after − capacity before,
//!   floored at 0. For an enabled open-ended campaign a budget change commits (new − old daily
//!   budget) × 31, on any day of the month (the last day too); a decrease, a pause or a rename
//!   commits 0; enabling a paused campaign commits its whole capacity; removing or extending its
//!   end date commits the budget of the days it adds within the horizon.
//! - **Set a bid** (`sp:UpdateKeywordBid`, `sp:UpdateTargetBid`, and creating a keyword or
//!   target, `sp:CreateKeywords`, `sp:CreateTargets`): (new bid − old bid) ×
//!   [`money::EXPECTED_DAILY_CLICKS`] (20 clicks a day) × 31, floored at 0, whatever the
//!   keyword's state. A new keyword or target rises from 0: its creation commits its whole bid
//!   (its own, or the ad group's default bid it takes).
//! - The amount is computed against the entity as the change finds it **in its write
//!   transaction**: a handler re-checks the amount against the row it locks and refuses with a
//!   409 when the row changed since the decision so that the change would commit more than was
//!   reserved (two partial updates racing, e.g. a budget raise and an enable of a paused
//!   campaign). Retrying is safe: the retry is decided on the new state.
//!
//! Calls that set a bid (the bid routes, and creating a keyword or target) also give the bid in
//! [`Operation::bid_amount`], which the gateway supplies as `ads:BidAmount`; the grant editor's
//! max-bid cap applies to every action the catalog marks as committing money, so it covers all
//! of them.

mod ad_groups;
mod billing;
mod campaigns;
mod child;
pub mod common;
mod keywords;
pub mod money;
mod profiles;
pub mod reports;
pub mod spec;
mod targeting;
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
    all.extend(targeting::routes::<charter_store::Keyword>());
    all.extend(targeting::routes::<charter_store::Target>());
    all.extend(reports::routes());
    all.extend(billing::routes());
    all
}
