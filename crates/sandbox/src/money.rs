//! The amount rule: how much money a sandbox call commits (see the module docs of
//! [`crate::sandbox`]). Pure functions of dates and minor units; days are UTC calendar days.

use charter_store::{Campaign, EntityState};
use chrono::{Duration, NaiveDate};

/// Clicks a day a keyword or target is expected to get, for the bid rule.
pub const EXPECTED_DAILY_CLICKS: i64 = 20;

/// How many days of spend capacity a call commits, at most: the days of a campaign's run counted
/// from its first running day (today, or its start date when later), and the days a bid is
/// counted for. 31 is the longest month: whatever the day of the call and whatever month the days
/// fall in, a change commits at least a whole month of what it adds, so neither a future start
/// date, nor an open end, nor a raise on the last day of a month leaves the next month free.
pub const COMMITMENT_HORIZON_DAYS: i64 = 31;

/// Days on which a campaign running from `start` through `end` (open-ended when `None`) can
/// spend, counted from its first running day (the later of `today` and `start`) for at most
/// [`COMMITMENT_HORIZON_DAYS`] days, whatever month they fall in.
pub fn running_days(today: NaiveDate, start: NaiveDate, end: Option<NaiveDate>) -> i64 {
    let from = today.max(start);
    let horizon = from
        .checked_add_signed(Duration::days(COMMITMENT_HORIZON_DAYS - 1))
        .unwrap_or(NaiveDate::MAX);
    let to = end.map_or(horizon, |e| e.min(horizon));
    if to < from {
        0
    } else {
        (to - from).num_days() + 1
    }
}

/// What a campaign can spend within the horizon: its daily budget × its [`running_days`] if it
/// is enabled, else nothing.
pub fn capacity(
    state: EntityState,
    daily_budget_minor: i64,
    start: NaiveDate,
    end: Option<NaiveDate>,
    today: NaiveDate,
) -> i64 {
    if state == EntityState::Enabled {
        daily_budget_minor.saturating_mul(running_days(today, start, end))
    } else {
        0
    }
}

fn capacity_of(c: &Campaign, today: NaiveDate) -> i64 {
    capacity(
        c.state,
        c.daily_budget_minor,
        c.start_date,
        c.end_date,
        today,
    )
}

/// The money a change of a campaign commits: the rise of its capacity, floored at 0. A new
/// campaign has no capacity before.
pub fn campaign_commitment(before: Option<&Campaign>, after: &Campaign, today: NaiveDate) -> i64 {
    let before = before.map_or(0, |b| capacity_of(b, today));
    capacity_of(after, today).saturating_sub(before).max(0)
}

/// The money setting a bid commits: the rise of the bid × [`EXPECTED_DAILY_CLICKS`] ×
/// [`COMMITMENT_HORIZON_DAYS`], floored at 0. A new keyword or target rises from 0, so its
/// creation commits its whole bid.
pub fn bid_commitment(old_bid_minor: i64, new_bid_minor: i64) -> i64 {
    new_bid_minor
        .saturating_sub(old_bid_minor)
        .max(0)
        .saturating_mul(EXPECTED_DAILY_CLICKS)
        .saturating_mul(COMMITMENT_HORIZON_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn running_days_respect_start_and_end() {
        let today = d("2026-03-10");
        assert_eq!(running_days(today, d("2025-01-01"), None), 31);
        assert_eq!(
            running_days(today, d("2025-01-01"), Some(d("2026-03-14"))),
            5
        );
        // Later months count: a start next month, an end next month.
        assert_eq!(running_days(today, d("2026-04-01"), None), 31);
        assert_eq!(
            running_days(today, d("2026-04-01"), Some(d("2026-04-05"))),
            5
        );
        assert_eq!(
            running_days(today, d("2025-01-01"), Some(d("2026-04-09"))),
            31
        );
        assert_eq!(
            running_days(today, d("2025-01-01"), Some(d("2027-01-01"))),
            31
        );
        // The last day of a month is no discount.
        assert_eq!(running_days(d("2026-03-31"), d("2025-01-01"), None), 31);
        assert_eq!(running_days(NaiveDate::MAX, NaiveDate::MAX, None), 1);
        assert_eq!(
            running_days(today, d("2025-01-01"), Some(d("2026-03-09"))),
            0
        );
        assert_eq!(
            running_days(today, d("2026-03-10"), Some(d("2026-03-10"))),
            1
        );
    }

    #[test]
    fn capacity_counts_only_enabled_campaigns() {
        let today = d("2026-03-10");
        let start = d("2026-01-01");
        assert_eq!(
            capacity(EntityState::Enabled, 5_000, start, None, today),
            155_000
        );
        assert_eq!(capacity(EntityState::Paused, 5_000, start, None, today), 0);
        assert_eq!(
            capacity(EntityState::Archived, 5_000, start, None, today),
            0
        );
    }

    #[test]
    fn bids_commit_the_rise_only() {
        assert_eq!(bid_commitment(100, 150), 50 * 20 * 31);
        assert_eq!(bid_commitment(150, 100), 0);
        assert_eq!(bid_commitment(150, 150), 0);
        assert_eq!(bid_commitment(0, 95), 95 * 20 * 31);
        assert_eq!(bid_commitment(i64::MIN, i64::MAX), i64::MAX);
    }
}
