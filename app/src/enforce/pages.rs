//! Spend and breaker panels of an agent's page, the breaker banner of every account page, the
//! spend column of the Agents list and `/accounts/:adv/alerts`.

use super::api::*;
use super::money::{format_minor, minor_to_input};
use crate::components::*;
use crate::shell::banner::AccountBanner;
use charter_model::{BreakerState, Currency};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The forms of the agent page's safety panels. The page creates them and keys its data on
/// their versions, so a change made with JavaScript on reloads the panels (without JavaScript
/// each post ends in a redirect and a fresh page).
#[derive(Clone, Copy)]
pub struct SafetyActions {
    pub caps: ServerAction<SetSpendLimits>,
    pub thresholds: ServerAction<SetBreakerConfig>,
    pub reset: ServerAction<ResetBreaker>,
}

impl SafetyActions {
    pub fn new() -> SafetyActions {
        SafetyActions {
            caps: ServerAction::new(),
            thresholds: ServerAction::new(),
            reset: ServerAction::new(),
        }
    }

    /// Changes whenever one of the forms completed.
    pub fn version(&self) -> usize {
        self.caps.version().get() + self.thresholds.version().get() + self.reset.version().get()
    }
}

impl Default for SafetyActions {
    fn default() -> Self {
        Self::new()
    }
}

/// A cap's use as a bar, with the numbers beside it.
#[component]
pub fn SpendGauge(
    gauge: GaugeView,
    currency: Currency,
    #[prop(optional)] compact: bool,
) -> AnyView {
    let used = format_minor(gauge.used_minor, currency);
    let pct = gauge.percent();
    let tone = gauge.tone();
    let label = gauge.label.clone();
    let text = match gauge.limit_minor {
        Some(l) => format!("{used} of {}", format_minor(l, currency)),
        None => format!("{used} · no cap"),
    };
    let aria = format!("{label}: {text}");
    let width = format!("width: {}%", pct.unwrap_or(0));
    view! {
        <div class=if compact { "gauge gauge--compact" } else { "gauge" }>
            {(!compact).then(|| view! {
                <div class="gauge__head">
                    <span class="gauge__label">{label.clone()}</span>
                    <span class=format!("gauge__pct gauge__pct--{tone}")>{pct.map(|p| format!("{p}%")).unwrap_or_default()}</span>
                </div>
            })}
            <div
                class=format!("gauge__track gauge__track--{tone}")
                role="meter"
                aria-label=aria
                aria-valuemin="0"
                aria-valuemax=gauge.limit_minor.unwrap_or(0).to_string()
                aria-valuenow=gauge.used_minor.to_string()
                aria-valuetext=text.clone()
            >
                <div class="gauge__fill" style=width></div>
            </div>
            <div class="gauge__text small">{text}</div>
        </div>
    }
    .into_any()
}

/// Committed spend per day as a bar chart (SVG), with the daily cap as a line, and the figures
/// as a table for people who would rather read.
#[component]
pub fn SpendChart(series: Vec<SpendDay>, currency: Currency, daily_cap: Option<i64>) -> AnyView {
    const W: f64 = 640.0;
    const H: f64 = 180.0;
    const LEFT: f64 = 8.0;
    const TOP: f64 = 14.0;
    const BOTTOM: f64 = 24.0;
    let total: i64 = series
        .iter()
        .fold(0i64, |sum, d| sum.saturating_add(d.committed_minor));
    let peak = series.iter().max_by_key(|d| d.committed_minor).cloned();
    let top = series
        .iter()
        .map(|d| d.committed_minor)
        .chain(daily_cap)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot_h = H - TOP - BOTTOM;
    let n = series.len().max(1) as f64;
    let slot = (W - LEFT * 2.0) / n;
    let y = move |v: i64| TOP + plot_h - (v as f64 / top) * plot_h;
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = LEFT + i as f64 * slot + slot * 0.15;
            let h = (d.committed_minor as f64 / top) * plot_h;
            let tip = format!(
                "{}: {}",
                d.day.format("%b %-d"),
                format_minor(d.committed_minor, currency)
            );
            view! {
                <rect class="chart__bar" x=format!("{x:.1}") y=format!("{:.1}", TOP + plot_h - h)
                    width=format!("{:.1}", slot * 0.7) height=format!("{h:.1}")>
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    let cap_line = daily_cap.map(|c| {
        let cy = y(c);
        view! {
            <line class="chart__cap" x1=format!("{LEFT}") x2=format!("{}", W - LEFT) y1=format!("{cy:.1}") y2=format!("{cy:.1}")/>
            <text class="chart__cap-label" x=format!("{}", W - LEFT) y=format!("{:.1}", cy - 4.0) text-anchor="end">
                {format!("Daily cap {}", format_minor(c, currency))}
            </text>
        }
    });
    let axis = [0usize, series.len() / 2, series.len().saturating_sub(1)]
        .into_iter()
        .filter_map(|i| series.get(i).map(|d| (i, d.day)))
        .map(|(i, day)| {
            let x = LEFT + i as f64 * slot + slot / 2.0;
            let anchor = if i == 0 { "start" } else if i + 1 == series.len() { "end" } else { "middle" };
            view! { <text class="chart__axis" x=format!("{x:.1}") y=format!("{}", H - 6.0) text-anchor=anchor>{day.format("%b %-d").to_string()}</text> }
        })
        .collect_view();
    let baseline = TOP + plot_h;
    let desc = match &peak {
        Some(p) if p.committed_minor > 0 => format!(
            "{} committed over {} days; the highest day was {} with {}.",
            format_minor(total, currency),
            series.len(),
            p.day.format("%B %-d"),
            format_minor(p.committed_minor, currency)
        ),
        _ => format!("Nothing was committed in the last {} days.", series.len()),
    };
    let rows = series
        .iter()
        .rev()
        .filter(|d| d.committed_minor > 0)
        .map(|d| view! { <tr><th scope="row">{d.day.format("%Y-%m-%d").to_string()}</th><td class="numeric">{format_minor(d.committed_minor, currency)}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart">
            <svg class="chart__svg" viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby="spend-chart-title spend-chart-desc" preserveAspectRatio="none">
                <title id="spend-chart-title">"Committed spend per day"</title>
                <desc id="spend-chart-desc">{desc.clone()}</desc>
                <line class="chart__base" x1=format!("{LEFT}") x2=format!("{}", W - LEFT) y1=format!("{baseline:.1}") y2=format!("{baseline:.1}")/>
                {bars}
                {cap_line}
                {axis}
            </svg>
            <figcaption class="muted small">{desc}</figcaption>
            <details class="chart__table">
                <summary>"Daily figures"</summary>
                <table class="table table--compact">
                    <thead><tr><th scope="col">"Day (UTC)"</th><th scope="col" class="numeric">"Committed"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}

/// The hidden fields every form about one agent's grant posts: the CSRF token and the ids.
#[component]
fn AgentFormFields(form: AgentForm) -> impl IntoView {
    view! {
        <CsrfField token=form.csrf/>
        <input type="hidden" name="advertiser_id" value=form.adv/>
        <input type="hidden" name="agent_id" value=form.agent_id/>
    }
}

/// The spend and breaker panels of an agent's page (`#safety`).
#[component]
pub fn SafetyPanels(
    adv: String,
    agent_id: String,
    agent_name: String,
    view: EnforcementView,
    can_manage: bool,
    csrf: String,
) -> AnyView {
    let EnforcementView {
        currency,
        gauges,
        series,
        ledger,
        breaker,
    } = view;
    let actions = use_context::<SafetyActions>().unwrap_or_default();
    let form = can_manage.then_some(AgentForm {
        csrf,
        adv,
        agent_id,
    });
    view! {
        <div id="safety" class="grid-2 safety">
            {spend_panel(gauges, series, currency, form.clone(), actions.caps)}
            {breaker_panel(breaker, currency, agent_name, form, actions)}
        </div>
        {ledger_panel(ledger, currency)}
    }
    .into_any()
}

/// The hidden fields every safety form sends: whose agent, on which account, and the CSRF
/// token. Present only for someone who may change the settings.
#[derive(Clone, Default)]
struct AgentForm {
    csrf: String,
    adv: String,
    agent_id: String,
}

/// The spend panel: a gauge per cap, the 30-day chart and the caps form.
fn spend_panel(
    gauges: Vec<GaugeView>,
    series: Vec<SpendDay>,
    currency: Currency,
    form: Option<AgentForm>,
    caps: ServerAction<SetSpendLimits>,
) -> impl IntoView + use<> {
    let daily_cap = gauges
        .iter()
        .find(|g| g.window == "daily")
        .and_then(|g| g.limit_minor);
    let cap_of = |w: &str| {
        gauges
            .iter()
            .find(|g| g.window == w)
            .and_then(|g| g.limit_minor)
            .map(|l| minor_to_input(l, currency))
            .unwrap_or_default()
    };
    let (daily_v, monthly_v, lifetime_v) = (cap_of("daily"), cap_of("monthly"), cap_of("lifetime"));
    let gauge_views = gauges
        .into_iter()
        .map(|g| view! { <SpendGauge gauge=g currency=currency/> })
        .collect_view();
    let can_manage = form.is_some();
    let form = form.unwrap_or_default();
    view! {
        <section class="panel" aria-labelledby="spend-title">
            <div class="panel__head">
                <h2 id="spend-title">"Spend"</h2>
                <span class="muted small">{format!("Caps in {currency}; a call that moves money holds its amount first")}</span>
            </div>
            <div class="gauges">{gauge_views}</div>
            <SpendChart series=series currency=currency daily_cap=daily_cap/>
            {can_manage.then({
                let (form, currency) = (form.clone(), currency);
                move || view! {
                <details class="disclosure">
                    <summary>"Change spend caps"</summary>
                    <ActionForm action=caps attr:class="form">
                        <AgentFormFields form=form.clone()/>
                        <div class="form__row">
                            <div class="field">
                                <label for="cap-daily">{format!("Daily cap ({currency})")}</label>
                                <input id="cap-daily" name="daily" inputmode="decimal" value=daily_v placeholder="No cap" autocomplete="off"/>
                            </div>
                            <div class="field">
                                <label for="cap-monthly">{format!("Monthly cap ({currency})")}</label>
                                <input id="cap-monthly" name="monthly" inputmode="decimal" value=monthly_v placeholder="No cap" autocomplete="off"/>
                            </div>
                            <div class="field">
                                <label for="cap-lifetime">{format!("Lifetime cap ({currency})")}</label>
                                <input id="cap-lifetime" name="lifetime" inputmode="decimal" value=lifetime_v placeholder="No cap" autocomplete="off"/>
                            </div>
                        </div>
                        <p class="muted small">"Leave a field empty for no cap. Days and months are UTC calendar days and months."</p>
                        {action_error(caps)}
                        <div class="form__actions"><button class="button button--primary" type="submit">"Save caps"</button></div>
                    </ActionForm>
                </details>
            }})}
        </section>
    }
}

/// The breaker panel: its state and why, its thresholds, the reset and the thresholds form.
fn breaker_panel(
    breaker: BreakerView,
    currency: Currency,
    agent_name: String,
    form: Option<AgentForm>,
    actions: SafetyActions,
) -> impl IntoView + use<> {
    let SafetyActions {
        thresholds, reset, ..
    } = actions;
    let (b_tone, b_label) = breaker_tone(breaker.state);
    let not_closed = breaker.state != BreakerState::Closed;
    let defaults = "Empty fields use the default.";
    let spend_hour = breaker
        .spend_per_hour_minor
        .map(|s| format_minor(s, currency))
        .unwrap_or_else(|| "no limit".into());
    let panel_class = if not_closed {
        "panel panel--alert"
    } else {
        "panel"
    };
    let set_sph = breaker
        .set_spend_per_hour_minor
        .map(|s| minor_to_input(s, currency))
        .unwrap_or_default();
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let can_manage = form.is_some();
    let form = form.unwrap_or_default();
    view! {
        <section class=panel_class aria-labelledby="breaker-title">
            <div class="panel__head">
                <h2 id="breaker-title">"Circuit breaker"</h2>
                <Badge tone=b_tone label=b_label/>
            </div>
            {not_closed.then(|| view! {
                <p class="breaker__why">
                    {breaker.changed_at.map(|t| format!("Since {}. ", fmt_datetime(&t)))}
                    {breaker.reason.clone().map(|r| view! { "Reason: " <q>{r}</q> ". " })}
                    {breaker.half_opens_at.map(|t| format!("It half-opens at {} and closes after 5 good calls.", fmt_datetime(&t)))}
                    {(breaker.state == BreakerState::Terminated).then_some("Only a manual reset closes it.")}
                </p>
            })}
            <dl class="facts">
                <dt>"Requests per minute"</dt><dd>{format!("trips above {}", breaker.requests_per_minute)}</dd>
                <dt>"Denials per minute"</dt><dd>{format!("trips above {}", breaker.denials_per_minute)}</dd>
                <dt>"Spend per hour"</dt><dd>{format!("trips above {spend_hour}")}</dd>
                <dt>"Cooldown"</dt><dd>{format!("{} s, then half-open", breaker.cooldown_seconds)}</dd>
                <dt>"Trips since last reset"</dt><dd>{format!("{} (the 3rd terminates it)", breaker.trips)}</dd>
            </dl>
            {(can_manage && not_closed).then({
                let form = form.clone();
                move || view! {
                <ActionForm action=reset attr:class="form form--inline">
                    <AgentFormFields form=form.clone()/>
                    {action_error(reset)}
                    <button class="button button--danger" type="submit">{format!("Reset breaker for {agent_name}")}</button>
                </ActionForm>
            }})}
            {can_manage.then(|| view! {
                <details class="disclosure">
                    <summary>"Change thresholds"</summary>
                    <ActionForm action=thresholds attr:class="form">
                        <AgentFormFields form=form.clone()/>
                        <div class="form__row">
                            <div class="field">
                                <label for="br-rpm">"Requests per minute"</label>
                                <input id="br-rpm" name="requests_per_minute" inputmode="numeric" value=opt(breaker.set_requests_per_minute) placeholder=breaker.requests_per_minute.to_string()/>
                            </div>
                            <div class="field">
                                <label for="br-dpm">"Denials per minute"</label>
                                <input id="br-dpm" name="denials_per_minute" inputmode="numeric" value=opt(breaker.set_denials_per_minute) placeholder=breaker.denials_per_minute.to_string()/>
                            </div>
                            <div class="field">
                                <label for="br-sph">{format!("Spend per hour ({currency})")}</label>
                                <input id="br-sph" name="spend_per_hour" inputmode="decimal" value=set_sph placeholder="A quarter of the daily cap"/>
                            </div>
                            <div class="field">
                                <label for="br-cool">"Cooldown (seconds)"</label>
                                <input id="br-cool" name="cooldown_seconds" inputmode="numeric" value=opt(breaker.set_cooldown_seconds) placeholder=breaker.cooldown_seconds.to_string()/>
                            </div>
                        </div>
                        <p class="muted small">{defaults}</p>
                        {action_error(thresholds)}
                        <div class="form__actions"><button class="button button--primary" type="submit">"Save thresholds"</button></div>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

/// Every reservation of the grant, newest first.
fn ledger_panel(ledger: Vec<LedgerView>, currency: Currency) -> impl IntoView + use<> {
    let ledger_rows = ledger
        .into_iter()
        .map(|e| {
            let tone = match e.status {
                charter_model::ReservationStatus::Committed => "ok",
                charter_model::ReservationStatus::Reserved => "warn",
                charter_model::ReservationStatus::Released => "muted",
            };
            view! {
                <tr>
                    <td><time datetime=e.created_at.to_rfc3339()>{fmt_datetime(&e.created_at)}</time></td>
                    <td class="mono small">{e.action}</td>
                    <td class="mono small">{e.resource}</td>
                    <td class="numeric">{format_minor(e.amount_minor, currency)}</td>
                    <td><Badge tone=tone label=e.status.label()/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="ledger-title">
            <h2 id="ledger-title">"Spend ledger"</h2>
            <p class="muted small">"Every reservation: held before the call, committed when it succeeded, released when it failed or timed out."</p>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th scope="col">"When"</th><th scope="col">"Action"</th><th scope="col">"Resource"</th>
                        <th scope="col" class="numeric">"Amount"</th><th scope="col">"Status"</th>
                    </tr></thead>
                    <tbody>{ledger_rows}</tbody>
                </table>
            </div>
        </section>
    }
}

fn alerts_messages(kind: &str, code: &str) -> Option<String> {
    Some(
        match (kind, code) {
            ("notice", "webhook_set") => {
                "Webhook saved. Breaker alerts are now sent to it, signed."
            }
            ("notice", "webhook_removed") => "Webhook removed. Alerts show here only.",
            _ => return None,
        }
        .to_string(),
    )
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let params = use_params_map();
    let set = ServerAction::<SetAlertWebhook>::new();
    let remove = ServerAction::<RemoveAlertWebhook>::new();
    provide_context((set, remove));
    let data = Resource::new(
        move || {
            (
                params.get().get("adv").unwrap_or_default(),
                set.version().get() + remove.version().get(),
            )
        },
        |(adv, _)| load_alerts(adv),
    );
    view! {
        <Title text="Breaker alerts"/>
        <Page fallback="Loading alerts…" data=data view=|d| view! { <AlertsView data=d/> }/>
    }
}

#[component]
fn AlertsView(data: AlertsPage) -> impl IntoView {
    let AlertsPage {
        account,
        history,
        webhook,
        fresh_secret,
        csrf,
    } = data;
    let adv = account.advertiser.id.to_string();
    let can_manage = account.can_manage;
    let (set, remove) = use_context::<(
        ServerAction<SetAlertWebhook>,
        ServerAction<RemoveAlertWebhook>,
    )>()
    .unwrap_or_else(|| (ServerAction::new(), ServerAction::new()));
    let open_now = account.alerts.len();
    let open_class = if open_now > 0 {
        "stat stat--danger"
    } else {
        "stat stat--ok"
    };
    let has_history = !history.is_empty();
    let rows = history
        .into_iter()
        .map(|e| {
            let to = e.to.clone().unwrap_or_default();
            let state = BreakerState::parse(&to).ok();
            let badge = state.map(|s| {
                let (tone, _) = breaker_tone(s);
                view! { <Badge tone=tone label=s.label()/> }
            });
            let agent = match &e.agent_id {
                Some(id) => view! { <a href=format!("/accounts/{adv}/agents/{id}#safety")>{e.agent_name.clone()}</a> }.into_any(),
                None => view! { <span>{e.agent_name.clone()}</span> }.into_any(),
            };
            view! {
                <tr>
                    <td><time datetime=e.at.to_rfc3339()>{fmt_datetime(&e.at)}</time></td>
                    <th scope="row">{agent}</th>
                    <td>{e.from.as_deref().and_then(|f| BreakerState::parse(f).ok()).map(|s| s.label()).unwrap_or("—")} " → " {badge}</td>
                    <td class="small">{e.reason.unwrap_or_default()}</td>
                    <td class="small muted">{e.by}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = view! { <p class="muted">"No breaker has tripped on this account."</p> };
    view! {
        <AccountBanner account=account.clone()/>
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href=format!("/accounts/{adv}/agents")>{account.advertiser.name.clone()}</a>
            " / Breaker alerts"
        </nav>
        <header class="page-head">
            <div>
                <h1>"Breaker alerts"</h1>
                <p class="muted">"A circuit breaker stops an agent that calls too often, is denied too often or spends too fast. Each trip is listed here and can be sent to your webhook."</p>
            </div>
        </header>
        <Flash messages=alerts_messages/>
        <ul class="stats" aria-label="Breakers">
            <li class=open_class>
                <div>
                    <span class="stat__value">{open_now}</span>
                    <span class="stat__label">"Not closed now"</span>
                    <span class="stat__hint">"Open, half-open or terminated"</span>
                </div>
            </li>
        </ul>
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">"Breaker history"</h2>
            {if !has_history { empty.into_any() } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Agent"</th><th scope="col">"Change"</th>
                                <th scope="col">"Reason"</th><th scope="col">"By"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        {webhook_panel(WebhookPanel { adv: adv.clone(), csrf, webhook, fresh_secret, can_manage, set, remove })}
    }
}

/// What the webhook panel shows and its forms.
struct WebhookPanel {
    adv: String,
    csrf: String,
    webhook: Option<WebhookView>,
    fresh_secret: Option<String>,
    can_manage: bool,
    set: ServerAction<SetAlertWebhook>,
    remove: ServerAction<RemoveAlertWebhook>,
}

/// The alert webhook: where alerts go, the signing secret shown once, and the set and remove
/// forms.
fn webhook_panel(p: WebhookPanel) -> impl IntoView {
    let WebhookPanel {
        adv,
        csrf,
        webhook,
        fresh_secret,
        can_manage,
        set,
        remove,
    } = p;
    let has_webhook = webhook.is_some();
    view! {
        <section class="panel" aria-labelledby="webhook-title">
            <h2 id="webhook-title">"Alert webhook"</h2>
            <p class="muted">
                "When a breaker opens or terminates, Charter POSTs a JSON alert to this address, signed in the "
                <code>"Charter-Signature: t=…,v1=…"</code> " header (HMAC-SHA256 of " <code>"t.body"</code> " with the signing secret)."
            </p>
            {fresh_secret.map(|s| view! {
                <div class="secret-once" role="status">
                    <p><strong>"Signing secret: copy it now."</strong> " It is not shown again."</p>
                    <code class="secret-once__value" aria-label="Signing secret">{s}</code>
                </div>
            })}
            {match webhook.clone() {
                Some(w) => view! {
                    <dl class="facts">
                        <dt>"Sends to"</dt><dd class="mono">{w.url}</dd>
                        <dt>"Signing secret"</dt><dd class="mono">{format!("whsec_…{}", w.secret_hint)}</dd>
                        <dt>"Since"</dt><dd>{fmt_datetime(&w.created_at)}</dd>
                    </dl>
                }.into_any(),
                None => view! { <p>"No webhook: alerts show in Charter only."</p> }.into_any(),
            }}
            {can_manage.then({
                let (csrf, adv, url) = (csrf.clone(), adv.clone(), webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default());
                move || view! {
                <ActionForm action=set attr:class="form">
                    <CsrfField token=csrf.clone()/>
                    <input type="hidden" name="advertiser_id" value=adv.clone()/>
                    <div class="field">
                        <label for="webhook-url">"Webhook URL"</label>
                        <input id="webhook-url" name="url" type="url" required value=url placeholder="https://example.com/charter-alerts"/>
                    </div>
                    <p class="muted small">"Saving creates a new signing secret; the old one stops working."</p>
                    {action_error(set)}
                    <div class="form__actions"><button class="button button--primary" type="submit">"Save webhook"</button></div>
                </ActionForm>
            }})}
            {(can_manage && has_webhook).then(|| view! {
                <ActionForm action=remove attr:class="form form--inline">
                    <CsrfField token=csrf.clone()/>
                    <input type="hidden" name="advertiser_id" value=adv.clone()/>
                    {action_error(remove)}
                    <button class="button button--danger-ghost" type="submit">"Remove webhook"</button>
                </ActionForm>
            })}
        </section>
    }
}
