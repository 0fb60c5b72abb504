//! Spend caps: the one definition of which caps can be set together.

use super::*;

/// A grant's caps in the advertiser's currency minor units; `None` means no cap. Every writer
/// (the UI, the CLI, the demo seed) goes through the store, which refuses caps whose
/// [`SpendLimits::check`] fails.
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendLimits {
    pub daily_minor: Option<i64>,
    pub monthly_minor: Option<i64>,
    pub lifetime_minor: Option<i64>,
}

/// Why a set of caps cannot hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    #[error("the {0} cap is negative")]
    Negative(&'static str),
    #[error("the {small} cap is above the {big} cap")]
    Order {
        small: &'static str,
        big: &'static str,
    },
}

impl SpendLimits {
    pub fn is_unlimited(&self) -> bool {
        self.daily_minor.is_none() && self.monthly_minor.is_none() && self.lifetime_minor.is_none()
    }

    /// Caps are not negative, and a shorter window's cap is not above a longer one's: daily ≤
    /// monthly ≤ lifetime, and daily ≤ lifetime when there is no monthly cap. (A day's spend is
    /// also the month's, so a larger daily cap would promise what the monthly cap refuses.)
    pub fn check(&self) -> Result<(), CapError> {
        let caps = [
            ("daily", self.daily_minor),
            ("monthly", self.monthly_minor),
            ("lifetime", self.lifetime_minor),
        ];
        if let Some((what, _)) = caps.iter().find(|(_, v)| v.is_some_and(|v| v < 0)) {
            return Err(CapError::Negative(what));
        }
        for (i, (small, s)) in caps.iter().enumerate() {
            for (big, b) in &caps[i + 1..] {
                if let (Some(s), Some(b)) = (s, b)
                    && s > b
                {
                    return Err(CapError::Order { small, big });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(caps: (Option<i64>, Option<i64>, Option<i64>), expect: Result<(), &str>) {
        let limits = SpendLimits {
            daily_minor: caps.0,
            monthly_minor: caps.1,
            lifetime_minor: caps.2,
        };
        let got = limits.check().map_err(|e| e.to_string());
        assert_eq!(
            got.as_ref().copied().map_err(String::as_str),
            expect,
            "{caps:?}"
        );
    }

    #[test]
    fn shorter_windows_cap_no_more_than_longer_ones() {
        check((None, None, None), Ok(()));
        check((Some(100), Some(100), Some(100)), Ok(()));
        check((Some(100), None, Some(5_000)), Ok(()));
        check((None, Some(900), None), Ok(()));
        check((Some(0), None, None), Ok(()));
        check(
            (Some(900), Some(800), None),
            Err("the daily cap is above the monthly cap"),
        );
        check(
            (None, Some(900), Some(800)),
            Err("the monthly cap is above the lifetime cap"),
        );
        check(
            (Some(900), None, Some(800)),
            Err("the daily cap is above the lifetime cap"),
        );
        check((Some(-1), None, None), Err("the daily cap is negative"));
        check((None, None, Some(-5)), Err("the lifetime cap is negative"));
    }
}
