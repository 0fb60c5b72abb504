//! The amount rule: how much money a sandbox call commits (see the module docs of
//! [`crate::sandbox`]). Pure functions of dates and minor units; days are UTC calendar days.

use charter_store::{Campaign, EntityState};
use chrono::{Datelike, NaiveDate};

/// Clicks a day a keyword or target is expected to get, for the bid rule.
pub const EXPECTED_DAILY_CLICKS: i64 = 20;

/// The last day of `today`'s month.
pub fn month_end(today: NaiveDate) -> NaiveDate {
    let (y, m) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today)
}

/// Days from `today` through the end of its month, both included.
pub fn days_left_in_month(today: NaiveDate) -> i64 {
    (month_end(today) - today).num_days() + 1
}

/// Days of the rest of this month (from `today`) on which a campaign running from `start`
/// through `end` (open-ended when `None`) can spend.
pub fn running_days(today: NaiveDate, start: NaiveDate, end: Option<NaiveDate>) -> i64 {
    let from = today.max(start);
    let to = end.map_or(month_end(today), |e| e.min(month_end(today)));
    if to < from {
        0
    } else {
        (to - from).num_days() + 1
    }
}

/// What a campaign can still spend this month: its daily budget × its running days if it is
/// enabled, else nothing.
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

/// The money a bid change commits: the rise of the bid × [`EXPECTED_DAILY_CLICKS`] × the days
/// left in the month, floored at 0.
pub fn bid_commitment(old_bid_minor: i64, new_bid_minor: i64, today: NaiveDate) -> i64 {
    (new_bid_minor - old_bid_minor)
        .max(0)
        .saturating_mul(EXPECTED_DAILY_CLICKS)
        .saturating_mul(days_left_in_month(today))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn days_left_count_today() {
        assert_eq!(days_left_in_month(d("2026-03-10")), 22);
        assert_eq!(days_left_in_month(d("2026-03-31")), 1);
        assert_eq!(days_left_in_month(d("2026-02-01")), 28);
        assert_eq!(days_left_in_month(d("2028-02-29")), 1);
        assert_eq!(days_left_in_month(d("2026-12-15")), 17);
        assert_eq!(month_end(d("2026-12-15")), d("2026-12-31"));
    }

    #[test]
    fn running_days_respect_start_and_end() {
        let today = d("2026-03-10");
        assert_eq!(running_days(today, d("2025-01-01"), None), 22);
        assert_eq!(
            running_days(today, d("2025-01-01"), Some(d("2026-03-14"))),
            5
        );
        assert_eq!(running_days(today, d("2026-03-20"), None), 12);
        assert_eq!(running_days(today, d("2026-04-01"), None), 0);
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
            110_000
        );
        assert_eq!(capacity(EntityState::Paused, 5_000, start, None, today), 0);
        assert_eq!(
            capacity(EntityState::Archived, 5_000, start, None, today),
            0
        );
    }

    #[test]
    fn bids_commit_the_rise_only() {
        let today = d("2026-03-10");
        assert_eq!(bid_commitment(100, 150, today), 50 * 20 * 22);
        assert_eq!(bid_commitment(150, 100, today), 0);
        assert_eq!(bid_commitment(150, 150, today), 0);
    }
}
