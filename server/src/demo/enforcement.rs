//! Demo data for spend caps and circuit breakers on Northwind: Bid Pilot's caps and 30 days of
//! spend, and Bid Guard's breaker story.

use super::rng::DemoRng;
use charter_store::model::*;
use charter_store::{DynStore, StoreError};
use chrono::{Datelike, Duration, Utc};

/// Spend and breaker demo data on Northwind: Bid Pilot has caps and 30 days of committed bid
/// and budget changes (a few released), and Bid Guard's breaker tripped three times and is
/// TERMINATED, so the account shows a breaker alert until someone resets it.
pub(super) async fn seed_enforcement(
    store: &DynStore,
    system: &Actor,
    northwind: &Advertiser,
    agents: &[Agent],
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    let by_name = |n: &str| agents.iter().find(|a| a.name == n);
    if let Some(pilot) = by_name("Bid Pilot") {
        seed_spend(store, system, northwind, pilot, now).await?;
    }
    if let Some(guard) = by_name("Bid Guard") {
        seed_breaker(store, system, northwind, guard, now).await?;
    }
    Ok(())
}

/// Bid Pilot's caps and 30 days of committed bid and budget changes (one in eight released).
async fn seed_spend(
    store: &DynStore,
    system: &Actor,
    northwind: &Advertiser,
    pilot: &Agent,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use charter_store::{NewReservation, ReserveOutcome, SpendLimits};
    let acct = charter_model::arn::account(northwind.marketplace, northwind.id.as_str());
    let Some(grant) = store.grant_for(&northwind.id, &pilot.id).await? else {
        return Ok(());
    };
    store
        .set_spend_limits(
            system,
            &northwind.id,
            &grant.id,
            SpendLimits {
                daily_minor: Some(50_000),
                monthly_minor: Some(800_000),
                lifetime_minor: Some(6_000_000),
            },
        )
        .await?;
    let mut rng = DemoRng::for_name("Bid Pilot spend");
    let today = now.date_naive();
    for ago in (0..30i64).rev() {
        let day = today - Duration::days(ago);
        // Busier mid-week, quieter at weekends; today only up to now.
        let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        let calls = match (ago, weekend) {
            // Today: a little, so the gauges show use and the cap has room for live demos.
            (0, _) => 2,
            (_, true) => rng.range(1, 3),
            (_, false) => rng.range(3, 6),
        };
        for k in 0..calls {
            let at = day
                .and_hms_opt(7 + (k as u32 * 3) % 15, rng.range(0, 59) as u32, 0)
                .map(|t| t.and_utc())
                .unwrap_or(now);
            if at > now - Duration::minutes(1) {
                continue;
            }
            let (action, resource, amount) = if rng.range(0, 3) == 0 {
                (
                    "sp:UpdateCampaignBudget",
                    format!("{acct}:campaign/{}", rng.range(100, 120)),
                    rng.range(5_000, 9_000),
                )
            } else {
                (
                    "sp:UpdateKeywordBid",
                    format!("{acct}:keyword/{}", rng.range(4_000, 4_999)),
                    rng.range(800, 4_000),
                )
            };
            let out = store
                .reserve_spend(
                    NewReservation {
                        advertiser_id: northwind.id.clone(),
                        grant_id: grant.id.clone(),
                        agent_id: pilot.id.clone(),
                        action: action.into(),
                        resource,
                        amount_minor: amount,
                        token_id: None,
                    },
                    at,
                )
                .await?;
            if let ReserveOutcome::Reserved(r) = out {
                // One call in eight failed at the ad platform: its hold was released.
                let commit = rng.range(0, 7) != 0;
                store
                    .settle_reservation(&grant.id, None, &r.id, commit, at + Duration::seconds(2))
                    .await?;
            }
        }
    }
    Ok(())
}

/// Bid Guard's breaker: tripped, probed, relapsed twice, and TERMINATED.
async fn seed_breaker(
    store: &DynStore,
    system: &Actor,
    northwind: &Advertiser,
    guard: &Agent,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use charter_store::BreakerConfig;
    let Some(grant) = store.grant_for(&northwind.id, &guard.id).await? else {
        return Ok(());
    };
    if grant.status == GrantStatus::Active {
        store
            .set_breaker_config(
                system,
                &northwind.id,
                &grant.id,
                BreakerConfig {
                    requests_per_minute: Some(120),
                    denials_per_minute: Some(10),
                    spend_per_hour_minor: None,
                    cooldown_seconds: Some(300),
                },
            )
            .await?;
        let breaker = Actor::System {
            label: "circuit breaker".into(),
        };
        use BreakerState::*;
        let story = [
            (
                190,
                Closed,
                Open,
                "14 denied requests in the last minute (limit 10)",
            ),
            (185, Open, HalfOpen, "cooldown over: probing"),
            (
                184,
                HalfOpen,
                Open,
                "relapse while probing: a request was denied",
            ),
            (120, Open, HalfOpen, "cooldown over: probing"),
            (
                119,
                HalfOpen,
                Terminated,
                "relapse while probing: 131 requests in the last minute (limit 120)",
            ),
        ];
        for (ago, from, to, why) in story {
            store
                .transition_breaker(
                    &breaker,
                    &grant.id,
                    from,
                    to,
                    why,
                    now - Duration::minutes(ago),
                )
                .await?;
        }
    }
    Ok(())
}
