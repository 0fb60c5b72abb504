//! The banners at the top of every account page: the support view's reason, a viewer's
//! read-only notice, and the circuit breakers that are not closed.

use super::{AccountView, BreakerAlert};
use crate::components::*;
use charter_model::{AdvertiserRole, BreakerState};
use leptos::prelude::*;

/// The banner a support person sees on every account page.
#[component]
pub fn AccountBanner(account: AccountView) -> impl IntoView {
    let support = account.support_reason.map(|reason| {
        view! {
            <div class="banner banner--support" role="note">
                <strong>"Read-only support view."</strong>
                " Reason: " <q>{reason}</q> ". Every page you open here is recorded in this account's activity."
            </div>
        }
    });
    let viewer = (account.role == Some(AdvertiserRole::Viewer)).then(|| {
        view! { <div class="banner" role="note">"You have view-only access to this account."</div> }
    });
    let adv = account.advertiser.id.to_string();
    view! {
        {support}{viewer}
        <BreakerBanner adv=adv alerts=account.alerts.clone()/>
    }
}

/// The banner of breakers that are not closed, on every account page. The riskiest thing on
/// the account, so it comes first and in the danger colour.
#[component]
pub fn BreakerBanner(adv: String, alerts: Vec<BreakerAlert>) -> AnyView {
    alerts
        .into_iter()
        .map(|a| {
            let href = format!("/accounts/{adv}/agents/{}#safety", a.agent_id);
            let what = match a.state {
                BreakerState::Terminated => "Circuit breaker terminated",
                BreakerState::HalfOpen => "Circuit breaker half-open",
                _ => "Circuit breaker open",
            };
            let effect = match a.state {
                BreakerState::HalfOpen => "a few probe calls are let through to test recovery",
                BreakerState::Terminated => {
                    "every call is denied until someone with admin rights resets it"
                }
                _ => "every call is denied until the cooldown ends",
            };
            let tone = if a.state == BreakerState::HalfOpen {
                "banner banner--warn"
            } else {
                "banner banner--danger"
            };
            view! {
                <div class=tone role="note">
                    <strong>{format!("{what}: {}", a.agent_name)}</strong>
                    {format!(" since {}: {effect}.", fmt_datetime(&a.changed_at))}
                    {a.reason.map(|r| view! { " Reason: " <q>{r}</q> "." })}
                    " " <a href=href>"Review and reset"</a>
                </div>
            }
        })
        .collect_view()
        .into_any()
}
