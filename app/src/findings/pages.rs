//! `/accounts/:adv/findings`: unused access from the audit trail, and one-click least privilege.

use super::api::*;
use crate::components::*;
use crate::shell::banner::AccountBanner;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

fn findings_messages(kind: &str, code: &str) -> Option<String> {
    let q = use_query_map().get_untracked();
    match (kind, code) {
        ("notice", "applied") => Some(format!(
            "Least privilege applied: the grant is now version {}. check_no_new_access passed: the new version grants nothing the old one did not.",
            q.get("version").unwrap_or_default()
        )),
        _ => None,
    }
}

#[component]
pub fn FindingsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.get().get("adv").unwrap_or_default(),
                query.get().get("window"),
            )
        },
        |(adv, window)| load_findings(adv, window),
    );
    view! {
        <Title text="Unused access"/>
        <Page fallback="Loading findings…" data=data view=|d| view! { <FindingsView data=d/> }/>
    }
}

#[component]
fn FindingsView(data: FindingsPage) -> impl IntoView {
    let FindingsPage {
        account,
        window_days,
        agents,
        csrf,
    } = data;
    let adv = account.advertiser.id.to_string();
    let can_manage = account.can_manage;
    let idle = agents.iter().filter(|a| a.idle).count();
    let with_unused = agents.iter().filter(|a| a.granted > a.used).count();
    let self_href = format!("/accounts/{adv}/findings");
    let options = WINDOWS
        .iter()
        .map(|d| {
            view! { <option value=d.to_string() selected=*d == window_days>{format!("Last {d} days")}</option> }
        })
        .collect_view();
    let cards = agents
        .into_iter()
        .map(|f| view! { <FindingCard f=f adv=adv.clone() window=window_days can_manage=can_manage csrf=csrf.clone()/> })
        .collect_view();
    view! {
        <AccountBanner account=account.clone()/>
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <a href=format!("/accounts/{adv}/agents")>{account.advertiser.name.clone()}</a>
            " / Unused access"
        </nav>
        <header class="page-head">
            <div>
                <h1>"Unused access"</h1>
                <p class="muted">
                    "What each agent was granted but did not use, from this account's audit trail. Removing it is proved safe: the new version grants nothing the current one does not."
                </p>
            </div>
        </header>
        <Flash messages=findings_messages/>
        <section class="panel" aria-labelledby="summary-title">
            <h2 id="summary-title" class="visually-hidden">"Summary"</h2>
            <Form method="GET" action=self_href attr:class="form form--inline">
                <div class="field">
                    <label for="window">"Window"</label>
                    <select id="window" name="window">{options}</select>
                </div>
                <button class="button button--secondary" type="submit">"Show"</button>
            </Form>
            <p>
                <strong>{format!("{idle} idle agent{}", if idle == 1 { "" } else { "s" })}</strong>
                {format!(" (no decision in the last {window_days} days) · {with_unused} with unused access")}
            </p>
        </section>
        {cards}
    }
}

#[component]
fn FindingCard(
    f: AgentFinding,
    adv: String,
    window: i64,
    can_manage: bool,
    csrf: String,
) -> impl IntoView {
    let apply = ServerAction::<ApplyLeastPrivilege>::new();
    let unused_total = f.granted.saturating_sub(f.used);
    let title_id = format!("finding-{}", f.agent_id);
    let seen = match f.last_seen {
        Some(t) => format!("Last decision {}", fmt_datetime(&t)),
        None => "Never used on this account".to_string(),
    };
    let risk = if f.idle {
        "finding finding--risk"
    } else if unused_total > 0 {
        "finding finding--warn"
    } else {
        "finding"
    };
    let namespaces = f
        .namespaces
        .iter()
        .map(|n| {
            view! {
                <tr>
                    <th scope="row">{n.title.clone()}</th>
                    <td>
                        <ul class="chips">
                            {n.unused.iter().map(|a| view! { <li class="chip chip--unused"><code>{a.clone()}</code></li> }).collect_view()}
                        </ul>
                    </td>
                    <td class="numeric">{n.used.len()}</td>
                </tr>
            }
        })
        .collect_view();
    let has_unused = !f.namespaces.is_empty();
    let changes = f
        .changes
        .iter()
        .map(|c| {
            view! {
                <li>
                    <strong>{c.statement.clone()}</strong>
                    {c.dropped.then(|| view! { <span class="muted">" (dropped: nothing in it was used)"</span> })}
                    <ul class="diff">
                        {c.removed.iter().map(|a| view! { <li class="diff__line diff__line--removed"><span aria-hidden="true">"− "</span><span class="visually-hidden">"Removed: "</span><code>{a.clone()}</code></li> }).collect_view()}
                        {c.added.iter().map(|a| view! { <li class="diff__line diff__line--added"><span aria-hidden="true">"+ "</span><span class="visually-hidden">"Added: "</span><code>{a.clone()}</code></li> }).collect_view()}
                    </ul>
                </li>
            }
        })
        .collect_view();
    let has_changes = !f.changes.is_empty();
    let proof = f.proof.clone().map(|p| {
        let (tone, label) = if f.proof_passed {
            ("ok", "PASS")
        } else {
            ("danger", "FAIL")
        };
        view! {
            <p class="proof">
                <code>"check_no_new_access"</code>" "<Badge tone=tone label=label/>" "
                <span class="muted">{p}</span>
            </p>
        }
    });
    let agent_href = format!("/accounts/{adv}/agents/{}", f.agent_id);
    let form = (can_manage && has_changes && f.proof_passed).then(|| {
        let (adv, agent, version) = (adv.clone(), f.agent_id.clone(), f.version.to_string());
        let label = format!("Apply least privilege to {}", f.agent_name);
        view! {
            <ActionForm action=apply attr:class="form">
                <CsrfField token=csrf/>
                <input type="hidden" name="advertiser_id" value=adv/>
                <input type="hidden" name="agent_id" value=agent/>
                <input type="hidden" name="window" value=window.to_string()/>
                <input type="hidden" name="base_version" value=version/>
                <button class="button button--primary" type="submit" aria-label=label>"Apply least privilege"</button>
                <span class="muted small">{format!(" Creates version {} of the grant.", f.version + 1)}</span>
            </ActionForm>
            {action_error(apply)}
        }
    });
    let labelled_by = title_id.clone();
    view! {
        <section class=risk aria-labelledby=labelled_by>
            <header class="finding__header">
                <h2 id=title_id><a href=agent_href>{f.agent_name.clone()}</a></h2>
                <span class="muted">{format!("{} · {} · version {}", f.partner_name, f.purpose, f.version)}</span>
            </header>
            <p>
                {f.idle.then(|| view! { <Badge tone="danger" label="Idle"/> })}
                " " {seen} " · "
                <strong>{format!("{} of {} granted actions used", f.used, f.granted)}</strong>
                {format!(" in the last {window} days")}
            </p>
            {f.error.clone().map(|e| view! { <div class="flash flash--error" role="alert">{e}</div> })}
            {has_unused.then(|| view! {
                <table class="table">
                    <caption class="visually-hidden">"Unused actions by namespace"</caption>
                    <thead><tr><th scope="col">"Namespace"</th><th scope="col">"Granted but unused"</th><th scope="col" class="numeric">"Used"</th></tr></thead>
                    <tbody>{namespaces}</tbody>
                </table>
            })}
            {has_changes.then(|| view! {
                <details class="recommendation" open=f.idle>
                    <summary>{format!("Recommendation: keep {} actions, remove {}", f.granted_after, f.granted.saturating_sub(f.granted_after))}</summary>
                    <ul class="statement-diffs">{changes}</ul>
                </details>
            })}
            {proof}
            {form}
        </section>
    }
}
