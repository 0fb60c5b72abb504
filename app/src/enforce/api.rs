//! Server functions of spend limits, circuit breakers and breaker alerts.
//!
//! Everyone who can see an account sees its spend and breakers; only owners and admins change
//! caps and thresholds, reset a breaker or set the alert webhook. Every change goes through the
//! store, which audits it with before and after in the same transaction.

use crate::error::AppError;
use crate::shell::AccountView;
use charter_model::*;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Days in the spend chart.
pub const SERIES_DAYS: i64 = 30;
/// Ledger rows shown on an agent's page.
pub const LEDGER_ROWS: i64 = 12;

/// Use of one cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaugeView {
    /// `daily`, `monthly` or `lifetime`.
    pub window: String,
    pub label: String,
    pub used_minor: i64,
    pub limit_minor: Option<i64>,
}

impl GaugeView {
    /// Share of the cap used, 0–100 (capped), or `None` without a cap.
    pub fn percent(&self) -> Option<u32> {
        self.limit_minor.filter(|l| *l > 0).map(|l| {
            let p = (self.used_minor.max(0) as i128 * 100) / l as i128;
            p.min(100) as u32
        })
    }

    /// `ok` below 75 %, `warn` below 100 %, `danger` at the cap.
    pub fn tone(&self) -> &'static str {
        match self.percent() {
            None => "muted",
            Some(p) if p >= 100 => "danger",
            Some(p) if p >= 75 => "warn",
            Some(_) => "ok",
        }
    }
}

/// Committed spend on one UTC day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendDay {
    pub day: NaiveDate,
    pub committed_minor: i64,
}

/// One ledger row as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerView {
    pub id: String,
    pub action: String,
    pub resource: String,
    pub amount_minor: i64,
    pub status: ReservationStatus,
    pub created_at: DateTime<Utc>,
}

/// A grant's breaker with its effective thresholds (defaults filled in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerView {
    pub state: BreakerState,
    pub reason: Option<String>,
    /// `None` when the breaker never changed state.
    pub changed_at: Option<DateTime<Utc>>,
    pub trips: i64,
    pub requests_per_minute: i64,
    pub denials_per_minute: i64,
    pub spend_per_hour_minor: Option<i64>,
    pub cooldown_seconds: i64,
    /// What the advertiser set (`None`: the default applies), for the form.
    pub set_requests_per_minute: Option<i64>,
    pub set_denials_per_minute: Option<i64>,
    pub set_spend_per_hour_minor: Option<i64>,
    pub set_cooldown_seconds: Option<i64>,
    /// When an OPEN breaker half-opens.
    pub half_opens_at: Option<DateTime<Utc>>,
}

pub fn breaker_tone(state: BreakerState) -> (&'static str, &'static str) {
    match state {
        BreakerState::Closed => ("ok", "Closed · calls flow"),
        BreakerState::HalfOpen => ("warn", "Half-open · probing"),
        BreakerState::Open => ("danger", "Open · calls denied"),
        BreakerState::Terminated => ("danger", "Terminated · calls denied"),
    }
}

/// Spend and breaker of one agent's grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnforcementView {
    pub currency: Currency,
    pub gauges: Vec<GaugeView>,
    /// The last [`SERIES_DAYS`] days, oldest first, days without spend as zero.
    pub series: Vec<SpendDay>,
    pub ledger: Vec<LedgerView>,
    pub breaker: BreakerView,
}

/// The spend and breaker signal of one row of the Agents list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentSignal {
    pub agent_id: String,
    pub today: GaugeView,
    pub breaker: BreakerState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub url: String,
    pub created_at: DateTime<Utc>,
    /// The signing secret's last four characters.
    pub secret_hint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsPage {
    pub account: AccountView,
    pub history: Vec<BreakerEvent>,
    pub webhook: Option<WebhookView>,
    /// The signing secret, only on the first load after it was created.
    pub fresh_secret: Option<String>,
    pub csrf: String,
}

// --- ssr helpers -----------------------------------------------------------------------------

#[cfg(feature = "ssr")]
fn breaker_view(
    rec: &charter_store::BreakerRecord,
    limits: &charter_store::SpendLimits,
) -> BreakerView {
    let never = rec.changed_at == DateTime::<Utc>::UNIX_EPOCH;
    BreakerView {
        state: rec.state,
        reason: rec.reason.clone(),
        changed_at: (!never).then_some(rec.changed_at),
        trips: rec.trips,
        requests_per_minute: rec.config.requests_per_minute(),
        denials_per_minute: rec.config.denials_per_minute(),
        spend_per_hour_minor: rec.config.spend_per_hour_minor(limits),
        cooldown_seconds: rec.config.cooldown().num_seconds(),
        set_requests_per_minute: rec.config.requests_per_minute,
        set_denials_per_minute: rec.config.denials_per_minute,
        set_spend_per_hour_minor: rec.config.spend_per_hour_minor,
        set_cooldown_seconds: rec.config.cooldown_seconds,
        half_opens_at: (rec.state == BreakerState::Open)
            .then(|| rec.changed_at + rec.config.cooldown()),
    }
}

#[cfg(feature = "ssr")]
fn gauges(
    limits: &charter_store::SpendLimits,
    usage: &charter_store::SpendUsage,
) -> Vec<GaugeView> {
    use charter_store::SpendWindow;
    [
        (SpendWindow::Daily, "Today", limits.daily_minor),
        (SpendWindow::Monthly, "This month", limits.monthly_minor),
        (SpendWindow::Lifetime, "Lifetime", limits.lifetime_minor),
    ]
    .into_iter()
    .map(|(w, label, limit)| GaugeView {
        window: w.as_str().to_string(),
        label: label.to_string(),
        used_minor: usage.in_window(w),
        limit_minor: limit,
    })
    .collect()
}

/// The spend and breaker panel of one grant.
#[cfg(feature = "ssr")]
pub async fn enforcement_for(
    store: &charter_store::DynStore,
    advertiser: &Advertiser,
    grant: &GrantId,
) -> Result<EnforcementView, AppError> {
    let now = Utc::now();
    let limits = store.spend_limits(&advertiser.id, grant).await?;
    let usage = store.spend_usage(grant, now).await?;
    let first = now.date_naive() - chrono::Duration::days(SERIES_DAYS - 1);
    let since = first
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or(now);
    let points = store.spend_series(&advertiser.id, grant, since).await?;
    let series = (0..SERIES_DAYS)
        .map(|k| {
            let day = first + chrono::Duration::days(k);
            SpendDay {
                day,
                committed_minor: points
                    .iter()
                    .filter(|p| p.day == day)
                    .fold(0i64, |sum, p| sum.saturating_add(p.committed_minor)),
            }
        })
        .collect();
    let ledger = store
        .ledger(&advertiser.id, grant, LEDGER_ROWS)
        .await?
        .into_iter()
        .map(|e| LedgerView {
            id: e.id.to_string(),
            action: e.action,
            resource: e.resource,
            amount_minor: e.amount_minor,
            // A reservation past its expiry holds nothing any more.
            status: if e.status == ReservationStatus::Reserved && e.expires_at <= now {
                ReservationStatus::Released
            } else {
                e.status
            },
            created_at: e.created_at,
        })
        .collect();
    let breaker = store.breaker(grant).await?;
    Ok(EnforcementView {
        currency: advertiser.currency(),
        gauges: gauges(&limits, &usage),
        series,
        ledger,
        breaker: breaker_view(&breaker, &limits),
    })
}

/// Today's spend and the breaker state of each row of the Agents list.
#[cfg(feature = "ssr")]
pub async fn agent_signals(
    store: &charter_store::DynStore,
    advertiser: &AdvertiserId,
    rows: &[AgentGrantRow],
) -> Result<Vec<AgentSignal>, AppError> {
    use std::collections::HashMap;
    let breakers: HashMap<GrantId, BreakerState> = store
        .breakers(advertiser)
        .await?
        .into_iter()
        .map(|b| (b.grant_id, b.state))
        .collect();
    let grants: Vec<GrantId> = rows.iter().map(|r| r.grant_id.clone()).collect();
    let spend = store
        .spend_overview(advertiser, &grants, Utc::now())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (limits, usage) = spend.get(&r.grant_id).copied().unwrap_or_default();
        out.push(AgentSignal {
            agent_id: r.agent_id.to_string(),
            today: GaugeView {
                window: "daily".into(),
                label: "Today".into(),
                used_minor: usage.day_minor,
                limit_minor: limits.daily_minor,
            },
            breaker: breakers
                .get(&r.grant_id)
                .copied()
                .unwrap_or(BreakerState::Closed),
        });
    }
    Ok(out)
}

/// The agent's grant on the account, for a change by an owner or admin.
#[cfg(feature = "ssr")]
async fn managed_grant(
    csrf: &str,
    advertiser_id: &str,
    agent_id: &str,
) -> Result<(Person, charter_core::access::Manage, AgentId, Grant), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(csrf).await?;
    let m = account_manage_access(&person, advertiser_id).await?;
    let agent = AgentId::parse(agent_id).map_err(|_| AppError::NotFound)?;
    let grant = store()?
        .grant_for(m.account(), &agent)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((person, m, agent, grant))
}

#[cfg(feature = "ssr")]
fn parse_count(field: &str, input: &str, max: i64) -> Result<Option<i64>, AppError> {
    let raw = input.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let shown: String = raw.chars().take(40).collect();
    match raw.replace([',', '_'], "").parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        Ok(_) => Err(AppError::BadRequest(format!(
            "{field}: `{shown}` must be between 1 and {max}; leave it empty for the default"
        ))),
        Err(_) => Err(AppError::BadRequest(format!(
            "{field}: `{shown}` is not a whole number"
        ))),
    }
}

#[cfg(feature = "ssr")]
fn agent_href(advertiser: &Advertiser, agent: &AgentId, notice: &str) -> String {
    format!(
        "/accounts/{}/agents/{}?notice={notice}#safety",
        advertiser.id, agent
    )
}

// --- server functions ------------------------------------------------------------------------

/// Sets a grant's daily, monthly and lifetime caps. Amounts in major units; empty = no cap.
#[server(endpoint = "set_spend_limits")]
pub async fn set_spend_limits(
    advertiser_id: String,
    agent_id: String,
    daily: String,
    monthly: String,
    lifetime: String,
    csrf: String,
) -> Result<(), AppError> {
    use super::money::parse_amount;
    use crate::session::server::*;
    let (_person, m, agent, grant) = managed_grant(&csrf, &advertiser_id, &agent_id).await?;
    let cur = m.advertiser().currency();
    let limits = charter_store::SpendLimits {
        daily_minor: parse_amount("daily cap", &daily, cur).map_err(AppError::BadRequest)?,
        monthly_minor: parse_amount("monthly cap", &monthly, cur).map_err(AppError::BadRequest)?,
        lifetime_minor: parse_amount("lifetime cap", &lifetime, cur)
            .map_err(AppError::BadRequest)?,
    };
    // The store refuses caps out of order (`SpendLimits::check`), as a 400 naming them.
    charter_core::enforce::set_spend_limits(&*store()?, &m, &grant.id, limits).await?;
    leptos_axum::redirect(&agent_href(m.advertiser(), &agent, "caps_saved"));
    Ok(())
}

/// Sets a grant's breaker thresholds; empty fields take the defaults.
#[server(endpoint = "set_breaker_config")]
pub async fn set_breaker_config(
    advertiser_id: String,
    agent_id: String,
    requests_per_minute: String,
    denials_per_minute: String,
    spend_per_hour: String,
    cooldown_seconds: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_person, m, agent, grant) = managed_grant(&csrf, &advertiser_id, &agent_id).await?;
    let config = charter_store::BreakerConfig {
        requests_per_minute: parse_count("requests per minute", &requests_per_minute, 1_000_000)?,
        denials_per_minute: parse_count("denials per minute", &denials_per_minute, 1_000_000)?,
        spend_per_hour_minor: super::money::parse_amount(
            "spend per hour",
            &spend_per_hour,
            m.advertiser().currency(),
        )
        .map_err(AppError::BadRequest)?,
        cooldown_seconds: parse_count("cooldown seconds", &cooldown_seconds, 86_400)?,
    };
    charter_core::enforce::set_breaker_config(&*store()?, &m, &grant.id, config).await?;
    leptos_axum::redirect(&agent_href(m.advertiser(), &agent, "breaker_saved"));
    Ok(())
}

/// Closes a breaker by hand (from OPEN, HALF_OPEN or TERMINATED) and clears its trip count.
#[server(endpoint = "reset_breaker")]
pub async fn reset_breaker(
    advertiser_id: String,
    agent_id: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (person, m, agent, grant) = managed_grant(&csrf, &advertiser_id, &agent_id).await?;
    use charter_core::enforce::Reset;
    let notice =
        match charter_core::enforce::reset_breaker(&*store()?, &m, &grant, &person.display_name)
            .await?
        {
            Reset::AlreadyClosed => "breaker_already_closed",
            Reset::Closed => "breaker_reset",
            // Another request moved it first; the page shows where it stands now.
            Reset::MovedMeanwhile => "breaker_moved",
        };
    leptos_axum::redirect(&agent_href(m.advertiser(), &agent, notice));
    Ok(())
}

/// The session slot of a just-created webhook signing secret.
#[cfg(feature = "ssr")]
const FRESH_WEBHOOK_KEY: &str = "fresh_webhook_secret";

/// The account's breaker alerts: transitions from the audit trail and the webhook.
#[server(endpoint = "account_alerts")]
pub async fn load_alerts(advertiser_id: String) -> Result<AlertsPage, AppError> {
    use crate::session::server::*;
    use crate::shell::account_view;
    let (session, person) = require_person().await?;
    let (advertiser, access) = account_access(&session, &person, &advertiser_id, "alerts").await?;
    let store = store()?;
    let history = charter_core::enforce::breaker_history(&*store, &advertiser.id, 50).await?;
    let webhook = store.webhook(&advertiser.id).await?.map(|w| WebhookView {
        secret_hint: secret_hint(&w.secret),
        url: w.url,
        created_at: w.created_at,
    });
    // A secret created moments ago is shown once, to the person who created it.
    let fresh_secret: Option<String> =
        take_once(&session, FRESH_WEBHOOK_KEY, advertiser.id.as_str()).await?;
    no_store_if(fresh_secret.is_some());
    Ok(AlertsPage {
        account: account_view(advertiser, &access).await?,
        history,
        webhook,
        fresh_secret,
        csrf: csrf_token(&session).await?,
    })
}

/// Sets the alert webhook and creates a new signing secret, shown once.
#[server(endpoint = "set_alert_webhook")]
pub async fn set_alert_webhook(
    advertiser_id: String,
    url: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    use rand_core::RngCore;
    let (session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    // The address must be https and resolve to public addresses only (checked again before
    // every delivery: see `super::webhook`).
    let policy = use_context::<super::webhook::WebhookPolicy>().unwrap_or_default();
    let url = policy
        .check_on_save(&url)
        .await
        .map_err(AppError::BadRequest)?;
    let mut bytes = [0u8; 24];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let secret = format!("whsec_{}", hex::encode(bytes));
    charter_core::enforce::set_webhook(&*store()?, &m, Some((url, secret.clone()))).await?;
    stash_once(&session, FRESH_WEBHOOK_KEY, m.account().as_str(), secret).await?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/alerts?notice=webhook_set",
        m.account()
    ));
    Ok(())
}

/// Removes the alert webhook.
#[server(endpoint = "remove_alert_webhook")]
pub async fn remove_alert_webhook(advertiser_id: String, csrf: String) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    charter_core::enforce::set_webhook(&*store()?, &m, None).await?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/alerts?notice=webhook_removed",
        m.account()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_report_share_and_tone() {
        let g = |used, limit| GaugeView {
            window: "daily".into(),
            label: "Today".into(),
            used_minor: used,
            limit_minor: limit,
        };
        for (used, limit, pct, tone) in [
            (0, None, None, "muted"),
            (0, Some(100), Some(0), "ok"),
            (74, Some(100), Some(74), "ok"),
            (75, Some(100), Some(75), "warn"),
            (100, Some(100), Some(100), "danger"),
            (250, Some(100), Some(100), "danger"),
        ] {
            assert_eq!(
                (g(used, limit).percent(), g(used, limit).tone()),
                (pct, tone),
                "{used}/{limit:?}"
            );
        }
    }
}
