//! Sign-in throttling: per-key counters that slow down repeated attempts. Implemented for both
//! backends in `sql/throttle.rs`.

use super::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// How sign-in attempts are slowed down for one throttle key (see
/// [`ThrottleStore::claim_login_attempt`]): the first `free` attempts in a row go at once;
/// after the `n`th (n ≥ `free`) the next must wait `base_secs × 2^(n − free)`, at most
/// `max_secs`. A key left alone for `window_secs` starts again from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u64,
    pub base_secs: i64,
    pub max_secs: i64,
    pub window_secs: i64,
}

impl Backoff {
    /// The wait before the attempt after the `n`th counted one (1-based), in seconds.
    pub fn delay_after(&self, n: u64) -> i64 {
        if n < self.free {
            return 0;
        }
        let doublings = u32::try_from(n - self.free).unwrap_or(u32::MAX).min(40);
        self.base_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_secs)
    }
}

/// The sign-in throttle's counters, one per key (an email, an address).
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Claims one sign-in attempt under every key at once, atomically (one write transaction
    /// holding each key's row, so parallel attempts are counted one after another). When any
    /// key must still wait, nothing is counted and the wait in whole seconds (≥ 1) comes back;
    /// otherwise each key's count goes up by one (the attempt counts as a failure until
    /// [`ThrottleStore::login_succeeded`] says otherwise) and its next allowed time is set from
    /// its [`Backoff`].
    async fn claim_login_attempt(
        &self,
        keys: &[(String, Backoff)],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>>;
    /// After a successful sign-in: forgets the `clear` keys, and takes the claimed attempt
    /// back from the `refund` keys.
    async fn login_succeeded(&self, clear: &[String], refund: &[String]) -> Result<()>;
}

#[cfg(test)]
mod backoff_tests {
    use super::Backoff;

    #[test]
    fn the_delay_doubles_after_the_free_attempts_up_to_the_cap() {
        let b = Backoff {
            free: 5,
            base_secs: 10,
            max_secs: 600,
            window_secs: 900,
        };
        let want = [
            (1, 0),
            (4, 0),
            (5, 10),
            (6, 20),
            (7, 40),
            (9, 160),
            (10, 320),
            (11, 600),
            (60, 600),
            (u64::MAX, 600),
        ];
        for (n, secs) in want {
            assert_eq!(b.delay_after(n), secs, "after attempt {n}");
        }
    }
}
