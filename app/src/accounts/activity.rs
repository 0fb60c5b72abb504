//! The account's activity log: every change, decision and support view, filtered and
//! exportable.

use super::api::*;
use crate::components::*;
use crate::shell::banner::AccountBanner;
use charter_model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

#[component]
pub fn ActivityPage() -> impl IntoView {
    let adv = param("adv");
    let filters = query_params(["page", "agent", "action", "decision", "since", "until"]);
    let data = Resource::new(
        move || (adv(), filters()),
        |(adv, [page, agent, action, decision, since, until])| {
            account_activity(adv, page, agent, action, decision, since, until)
        },
    );
    view! {
        <Title text="Activity"/>
        <Page fallback="Loading activity…" data=data view=activity_view/>
    }
}

/// The activity page once loaded: the banner, the exports, the filters and the events.
fn activity_view(d: ActivityPage) -> AnyView {
    let adv = d.account.advertiser.id.to_string();
    let page_count = d.events.page_count();
    let rows = d.events.items.iter().map(activity_row).collect_view();
    let empty = d.events.items.is_empty();
    let filtered = !d.form.is_empty();
    let list_href = format!("/accounts/{adv}/activity");
    let clear_href = list_href.clone();
    let q = d.form.query();
    let export = move |format: &str| {
        if q.is_empty() {
            format!("/accounts/{adv}/activity/export?format={format}")
        } else {
            format!("/accounts/{adv}/activity/export?format={format}&{q}")
        }
    };
    let (csv_href, jsonl_href) = (export("csv"), export("jsonl"));
    view! {
        <AccountBanner account=d.account.clone()/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{d.account.advertiser.name.clone()}</p>
                <h1>"Activity"</h1>
                <p class="muted">"Every change to this account's agent access, every access decision, and every support view, newest first. The trail is hash-chained: any edit or deletion is detected."</p>
            </div>
            <div class="filters__actions">
                <a class="button button--secondary" href=csv_href download rel="external">"Export CSV"</a>
                <a class="button button--secondary" href=jsonl_href download rel="external">"Export JSON Lines"</a>
            </div>
        </div>
        {activity_filters(&d, list_href, clear_href)}
        {if empty {
            let hint = if filtered { "Try other filters, or clear them." } else { "Nothing has happened on this account yet." };
            view! { <EmptyState title="No events match" hint=hint/> }.into_any()
        } else {
            view! {
                <DataTable dense=true caption="Audit events"
                    columns=&["When", "Who", "What", "Target", "Reason", "Change"]>
                    {rows}
                </DataTable>
            }.into_any()
        }}
        <Pager page=d.events.page page_count=page_count total=d.events.total noun="events"/>
    }.into_any()
}

/// The activity filters: agent, action, kind of event and dates (a GET form, so a filtered
/// view is a link).
fn activity_filters(
    d: &ActivityPage,
    list_href: String,
    clear_href: String,
) -> impl IntoView + use<> {
    let filtered = !d.form.is_empty();
    let agent_known = d.agents.iter().any(|(id, _)| id.as_str() == d.form.agent);
    let mut agent_options: Vec<(String, String)> = d
        .agents
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect();
    if !agent_known && !d.form.agent.is_empty() {
        agent_options.push((d.form.agent.clone(), d.form.agent.clone()));
    }
    let agent_options = agent_options
        .into_iter()
        .map(|(id, name)| {
            let selected = id == d.form.agent;
            view! { <option value=id selected=selected>{name}</option> }
        })
        .collect_view();
    let decision_options = DecisionFilter::ALL
        .iter()
        .map(|f| view! { <option value=f.as_str() selected=d.filter.decision == Some(*f)>{f.label()}</option> })
        .collect_view();
    let no_agent = d.form.agent.is_empty();
    let no_decision = d.filter.decision.is_none();
    let action = d.form.action.clone();
    let since = d.form.since.clone();
    let until = d.form.until.clone();
    view! {
        <Form method="GET" action=list_href attr:class="filters" attr:role="search" attr:aria-label="Filter activity">
            <div class="field">
                <label for="activity-agent">"Agent"</label>
                <select id="activity-agent" name="agent">
                    <option value="" selected=no_agent>"All agents"</option>
                    {agent_options}
                </select>
            </div>
            <div class="field field--grow">
                <label for="activity-action">"Action"</label>
                <input id="activity-action" type="text" name="action" value=action
                    placeholder="grant.revoked, campaigns:UpdateBudget or campaigns:*" spellcheck="false"/>
            </div>
            <div class="field">
                <label for="activity-decision">"Kind"</label>
                <select id="activity-decision" name="decision">
                    <option value="" selected=no_decision>"Everything"</option>
                    {decision_options}
                </select>
            </div>
            <div class="field">
                <label for="activity-since">"From"</label>
                <input id="activity-since" type="date" name="since" value=since/>
            </div>
            <div class="field">
                <label for="activity-until">"Until (inclusive)"</label>
                <input id="activity-until" type="date" name="until" value=until/>
            </div>
            <FilterActions filtered=filtered clear_href=clear_href/>
        </Form>
    }
}

/// One row of the activity log. A decision shows an allow/deny badge, its catalog action and
/// its reason code; a change shows what changed.
fn activity_row(e: &AuditEvent) -> impl IntoView + use<> {
    let support = e.action.starts_with("support.");
    let decision = e.decision.clone();
    let detail = if decision.is_some() {
        e.after
            .as_deref()
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .and_then(|v| {
                v.get("explanation")
                    .and_then(|x| x.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default()
    } else {
        match (&e.before, &e.after) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (None, Some(a)) => a.clone(),
            _ => String::new(),
        }
    };
    let badge = decision.as_deref().map(|d| match d {
        "allow" => view! { <Badge tone="ok" label="Allowed"/> },
        _ => view! { <Badge tone="danger" label="Denied"/> },
    });
    let what = match &e.catalog_action {
        Some(a) => a.clone(),
        None => e.action.clone(),
    };
    let reason = e.reason.clone().map(|r| {
        if decision.is_some() {
            view! { <code class="mono small">{r}</code> }.into_any()
        } else {
            view! { <q>{r}</q> }.into_any()
        }
    });
    let amount = e
        .amount_minor
        .map(|a| view! { <div class="muted small">{format!("amount {a} (minor units)")}</div> });
    view! {
        <tr class=support.then_some("row--support")>
            <td><time datetime=e.created_at.to_rfc3339()>{fmt_datetime(&e.created_at)}</time></td>
            <td>{e.actor_label.clone()}</td>
            <td>
                {badge}
                " "
                <strong>{describe_action(&e.action)}</strong>
                <div class="mono muted small">{what}</div>
                {amount}
            </td>
            <td class="mono small">{format!("{} {}", e.target_kind, e.target_id)}</td>
            <td>{reason}</td>
            <td class="mono small change">{detail}</td>
        </tr>
    }
}
