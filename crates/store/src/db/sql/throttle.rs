//! [`ThrottleStore`] for both backends, instantiated by `throttle_store!`: the sign-in
//! throttle's counters in `login_throttle`.

use super::super::throttle::*;
use super::*;

macro_rules! throttle_store {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl ThrottleStore for $store {
            async fn claim_login_attempt(&self, keys: &[(String, Backoff)], now: DateTime<Utc>) -> Result<Option<i64>> {
                let mut keys = keys.to_vec();
                // One lock order for every caller: no deadlock between parallel claims.
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                let mut tx = self.begin_bookkeeping().await?;
                let mut counts = Vec::with_capacity(keys.len());
                let mut wait = 0i64;
                for (key, backoff) in &keys {
                    sqlx::query("INSERT INTO login_throttle (key, failures, next_at, updated_at) VALUES ($1, 0, $2, $2) ON CONFLICT (key) DO NOTHING")
                        .bind(key)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    let sql = format!("SELECT failures, next_at, updated_at FROM login_throttle WHERE key = $1{}", Self::FOR_UPDATE);
                    let (failures, next_at, updated_at): (i64, DateTime<Utc>, DateTime<Utc>) =
                        sqlx::query_as(&sql).bind(key).fetch_one(&mut *tx).await?;
                    if next_at > now {
                        // Whole seconds, rounded up.
                        wait = wait.max((next_at - now).num_milliseconds().saturating_add(999) / 1000);
                    }
                    let stale = now - updated_at > chrono::Duration::seconds(backoff.window_secs);
                    let n = if stale { 1 } else { u64::try_from(failures).unwrap_or(0).saturating_add(1) };
                    counts.push(n);
                }
                if wait > 0 {
                    return Ok(Some(wait));
                }
                for ((key, backoff), n) in keys.iter().zip(counts) {
                    sqlx::query("UPDATE login_throttle SET failures = $1, next_at = $2, updated_at = $3 WHERE key = $4")
                        .bind(i64::try_from(n).unwrap_or(i64::MAX))
                        .bind(now + chrono::Duration::seconds(backoff.delay_after(n)))
                        .bind(now)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(None)
            }

            async fn login_succeeded(&self, clear: &[String], refund: &[String]) -> Result<()> {
                let mut tx = self.begin_bookkeeping().await?;
                for key in clear {
                    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(&mut *tx).await?;
                }
                for key in refund {
                    sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

throttle_store!(SqliteStore, sqlx::Sqlite);
throttle_store!(PgStore, sqlx::Postgres);
