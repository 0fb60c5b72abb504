//! Circuit breakers per grant (one agent on one account).
//!
//! ```text
//!   CLOSED ──(threshold crossed)──▶ OPEN ──(cooldown over)──▶ HALF_OPEN ──(probes pass)──▶ CLOSED
//!                                    ▲                            │
//!                                    └────────(relapse)───────────┘
//!   the third trip since the last manual reset ──▶ TERMINATED (only a manual reset leaves it)
//! ```
//!
//! The state is persisted (`breakers` table, every transition audited) and shared by every
//! process: a transition is a compare-and-set on the stored state, and each process re-reads a
//! grant's stored state at most [`REFRESH`] after its last read. The counters (requests and
//! denials per minute, spend per hour) are per process: with several processes, each enforces
//! the thresholds on the traffic it sees.

use charter_store::EnforcementStore;
use charter_store::model::*;
use charter_store::{BreakerConfig, BreakerRecord, SpendLimits};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// How stale a process's copy of a stored breaker state may get.
pub const REFRESH: Duration = Duration::seconds(1);
/// Allowed requests in HALF_OPEN before the breaker closes again.
pub const PROBES_TO_CLOSE: u32 = 5;
/// Trips (since the last manual reset) at which the breaker terminates instead of opening.
pub const TRIPS_TO_TERMINATE: i64 = 3;

/// What the breaker says about the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Open { retry_after: Duration, why: String },
    Terminated { why: String },
}

/// A transition this process made, for alerts and webhooks.
#[derive(Debug, Clone)]
pub struct Tripped {
    pub record: BreakerRecord,
}

#[derive(Debug)]
struct Live {
    record: BreakerRecord,
    limits: SpendLimits,
    read_at: DateTime<Utc>,
    requests: VecDeque<DateTime<Utc>>,
    denials: VecDeque<DateTime<Utc>>,
    spend: VecDeque<(DateTime<Utc>, i64)>,
    probes: u32,
}

impl Live {
    fn trim(&mut self, now: DateTime<Utc>) {
        let minute = now - Duration::minutes(1);
        let hour = now - Duration::hours(1);
        while self.requests.front().is_some_and(|t| *t <= minute) {
            self.requests.pop_front();
        }
        while self.denials.front().is_some_and(|t| *t <= minute) {
            self.denials.pop_front();
        }
        while self.spend.front().is_some_and(|(t, _)| *t <= hour) {
            self.spend.pop_front();
        }
    }
    fn spent_last_hour(&self) -> i64 {
        self.spend
            .iter()
            .fold(0i64, |sum, (_, a)| sum.saturating_add(*a))
    }
}

/// Every grant's breaker, as this process sees it.
#[derive(Clone)]
pub struct Breakers {
    /// Only the enforcement state (breakers and caps).
    store: Arc<dyn EnforcementStore>,
    live: Arc<Mutex<HashMap<GrantId, Live>>>,
}

fn open_verdict(rec: &BreakerRecord, now: DateTime<Utc>) -> Verdict {
    let until = rec.changed_at + rec.config.cooldown();
    Verdict::Open {
        retry_after: (until - now).max(Duration::seconds(1)),
        why: format!(
            "the agent's circuit breaker opened at {} ({}); it half-opens at {}",
            rec.changed_at.format("%Y-%m-%d %H:%M:%S UTC"),
            rec.reason.as_deref().unwrap_or("tripped"),
            until.format("%H:%M:%S UTC"),
        ),
    }
}

impl Breakers {
    pub fn new(store: Arc<dyn EnforcementStore>) -> Breakers {
        Breakers {
            store,
            live: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Loads (or refreshes) a grant's stored breaker and limits when the copy is stale.
    async fn ensure(&self, grant: &GrantId, advertiser: &AdvertiserId, now: DateTime<Utc>) {
        let stale = match self.live.lock() {
            Ok(map) => map.get(grant).is_none_or(|l| now - l.read_at >= REFRESH),
            Err(_) => true,
        };
        if !stale {
            return;
        }
        let record = match self.store.breaker(grant).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, grant = %grant, "breaker state unreadable");
                return;
            }
        };
        let limits = self
            .store
            .spend_limits(advertiser, grant)
            .await
            .unwrap_or_default();
        if let Ok(mut map) = self.live.lock() {
            let live = map.entry(grant.clone()).or_insert_with(|| Live {
                record: record.clone(),
                limits,
                read_at: now,
                requests: VecDeque::new(),
                denials: VecDeque::new(),
                spend: VecDeque::new(),
                probes: 0,
            });
            if live.record.state != record.state {
                live.probes = 0;
                if record.state == BreakerState::Closed {
                    // Closed by a reset (here or in another process): start counting afresh,
                    // or the traffic that tripped it would trip it again at once.
                    live.requests.clear();
                    live.denials.clear();
                    live.spend.clear();
                }
            }
            live.record = record;
            live.limits = limits;
            live.read_at = now;
        }
    }

    /// Forgets a grant's copy, so the next request reads the stored state (after a manual
    /// reset or a configuration change in this process).
    pub fn invalidate(&self, grant: &GrantId) {
        if let Ok(mut map) = self.live.lock() {
            map.remove(grant);
        }
    }

    /// The verdict for the next request of `grant`, before it is decided. Moves an OPEN breaker
    /// whose cooldown is over to HALF_OPEN.
    pub async fn check(
        &self,
        grant: &GrantId,
        advertiser: &AdvertiserId,
        now: DateTime<Utc>,
    ) -> Verdict {
        self.ensure(grant, advertiser, now).await;
        let rec = match self.live.lock() {
            Ok(map) => map.get(grant).map(|l| l.record.clone()),
            Err(_) => None,
        };
        let Some(rec) = rec else {
            return Verdict::Pass;
        };
        match rec.state {
            BreakerState::Closed | BreakerState::HalfOpen => Verdict::Pass,
            BreakerState::Terminated => Verdict::Terminated {
                why: format!(
                    "the agent's circuit breaker was terminated at {} after {} trips ({}); the advertiser must reset it",
                    rec.changed_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    rec.trips,
                    rec.reason.as_deref().unwrap_or("tripped"),
                ),
            },
            BreakerState::Open => {
                if now < rec.changed_at + rec.config.cooldown() {
                    return open_verdict(&rec, now);
                }
                let moved = self
                    .transition(&rec, BreakerState::HalfOpen, "cooldown over: probing", now)
                    .await;
                match moved {
                    Some(_) => Verdict::Pass,
                    None => {
                        // Another process moved it: read it again and go by that.
                        self.invalidate(grant);
                        self.ensure(grant, advertiser, now).await;
                        let state = self
                            .live
                            .lock()
                            .ok()
                            .and_then(|m| m.get(grant).map(|l| l.record.clone()));
                        match state {
                            Some(r) if r.state == BreakerState::Open => open_verdict(&r, now),
                            _ => Verdict::Pass,
                        }
                    }
                }
            }
        }
    }

    /// Counts a decided request and trips the breaker when a threshold is crossed. Returns the
    /// transition this call made, if any (for alerts).
    pub async fn observe(
        &self,
        grant: &GrantId,
        advertiser: &AdvertiserId,
        allowed: bool,
        amount_minor: i64,
        now: DateTime<Utc>,
    ) -> Option<Tripped> {
        // Requests denied before the breaker step still count: load the grant's breaker.
        self.ensure(grant, advertiser, now).await;
        enum Next {
            Nothing,
            Trip(BreakerRecord, String),
            Close(BreakerRecord),
        }
        let next = {
            let Ok(mut map) = self.live.lock() else {
                return None;
            };
            let live = map.get_mut(grant)?;
            live.trim(now);
            live.requests.push_back(now);
            if !allowed {
                live.denials.push_back(now);
            }
            if allowed && amount_minor > 0 {
                live.spend.push_back((now, amount_minor));
            }
            let cfg: BreakerConfig = live.record.config;
            let rpm = live.requests.len() as i64;
            let dpm = live.denials.len() as i64;
            let spent = live.spent_last_hour();
            let breach = if rpm > cfg.requests_per_minute() {
                Some(format!(
                    "{rpm} requests in the last minute (limit {})",
                    cfg.requests_per_minute()
                ))
            } else if dpm > cfg.denials_per_minute() {
                Some(format!(
                    "{dpm} denied requests in the last minute (limit {})",
                    cfg.denials_per_minute()
                ))
            } else {
                match cfg.spend_per_hour_minor(&live.limits) {
                    Some(cap) if spent > cap => Some(format!(
                        "{spent} minor units committed in the last hour (limit {cap})"
                    )),
                    _ => None,
                }
            };
            match (live.record.state, breach) {
                (BreakerState::Closed, Some(why)) => Next::Trip(live.record.clone(), why),
                (BreakerState::HalfOpen, Some(why)) => {
                    Next::Trip(live.record.clone(), format!("relapse while probing: {why}"))
                }
                (BreakerState::HalfOpen, None) if !allowed => Next::Trip(
                    live.record.clone(),
                    "relapse while probing: a request was denied".into(),
                ),
                (BreakerState::HalfOpen, None) => {
                    live.probes += 1;
                    if live.probes >= PROBES_TO_CLOSE {
                        Next::Close(live.record.clone())
                    } else {
                        Next::Nothing
                    }
                }
                _ => Next::Nothing,
            }
        };
        match next {
            Next::Nothing => None,
            Next::Trip(rec, why) => {
                let to = if rec.trips + 1 >= TRIPS_TO_TERMINATE {
                    BreakerState::Terminated
                } else {
                    BreakerState::Open
                };
                self.transition(&rec, to, &why, now)
                    .await
                    .map(|record| Tripped { record })
            }
            Next::Close(rec) => {
                self.transition(
                    &rec,
                    BreakerState::Closed,
                    "probes passed: closed again",
                    now,
                )
                .await;
                None
            }
        }
    }

    /// A compare-and-set on the stored state; updates this process's copy on success.
    async fn transition(
        &self,
        rec: &BreakerRecord,
        to: BreakerState,
        why: &str,
        now: DateTime<Utc>,
    ) -> Option<BreakerRecord> {
        let actor = Actor::System {
            label: "circuit breaker".into(),
        };
        let result = self
            .store
            .transition_breaker(&actor, &rec.grant_id, rec.state, to, why, now)
            .await;
        match result {
            Ok(Some(new)) => {
                if let Ok(mut map) = self.live.lock()
                    && let Some(live) = map.get_mut(&rec.grant_id)
                {
                    live.record = new.clone();
                    live.read_at = now;
                    live.probes = 0;
                    // Probes and a fresh start are judged on their own traffic.
                    if matches!(to, BreakerState::HalfOpen | BreakerState::Closed) {
                        live.requests.clear();
                        live.denials.clear();
                        live.spend.clear();
                    }
                }
                tracing::warn!(grant = %rec.grant_id, from = %rec.state, to = %to, why, "circuit breaker transition");
                Some(new)
            }
            Ok(None) => {
                self.invalidate(&rec.grant_id);
                None
            }
            Err(e) => {
                tracing::error!(error = %e, grant = %rec.grant_id, "breaker transition failed");
                None
            }
        }
    }
}
