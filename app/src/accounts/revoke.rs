//! Revoking access: one agent's grant, or every agent of the account (the emergency stop).

use super::api::*;
use super::pages::agent_messages;
use crate::components::*;
use crate::error::AppError;
use charter_model::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RevokePage() -> impl IntoView {
    let adv = param("adv");
    let agent = param("agent");
    let data = Resource::new(
        move || (adv(), agent()),
        |(adv, agent)| load_agent(adv, agent),
    );
    let action = ServerAction::<RevokeGrant>::new();
    view! {
        <Title text="Revoke access"/>
        <PageWithCsrf fallback="Loading…" data=data view=move |d, csrf| revoke_view(d, csrf, action)/>
    }
}

/// The confirmation for revoking one agent's access, or word that it is already revoked.
fn revoke_view(d: AgentDetailPage, csrf: String, action: ServerAction<RevokeGrant>) -> AnyView {
    if !d.account.can_manage {
        return view! { <ErrorPanel error=AppError::Forbidden/> }.into_any();
    }
    let adv = d.account.advertiser.id.to_string();
    let agent = d.detail.agent.clone();
    let cancel = format!("/accounts/{adv}/agents/{}", agent.id);
    if d.detail.grant.status == GrantStatus::Revoked {
        return view! {
            <section class="panel">
                <h1>"Already revoked"</h1>
                <p>{agent.name} " has no access to this account."</p>
                <a class="button button--secondary" href=cancel>"Back to the agent"</a>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="panel panel--danger" aria-labelledby="revoke-title">
            <p class="eyebrow">{d.account.advertiser.name.clone()}</p>
            <h1 id="revoke-title">"Revoke " {agent.name.clone()} "?"</h1>
            <ul class="consequences">
                <li>"The agent loses access to this account immediately."</li>
                <li>{format!("{} ({}) must ask again to regain access.", d.detail.partner.name, d.detail.application.name)}</li>
                <li>"The revocation is recorded in the account's activity."</li>
            </ul>
            <ActionForm action=action attr:class="form">
                <CsrfField token=csrf/>
                <input type="hidden" name="advertiser_id" value=adv.clone()/>
                <input type="hidden" name="agent_id" value=agent.id.to_string()/>
                <RevokeFormEnd label="Revoke access" cancel=cancel/>
            </ActionForm>
        </section>
    }.into_any()
}

fn revoke_all_messages(kind: &str, code: &str) -> Option<String> {
    agent_messages(kind, code)
}

#[component]
pub fn RevokeAllPage() -> impl IntoView {
    let adv = param("adv");
    let query = use_query_map();
    let data = Resource::new(
        move || (adv(), query.get().get("partner")),
        |(adv, partner)| {
            list_agents(
                adv,
                None,
                partner,
                Some(GrantStatus::Active.as_str().to_string()),
                None,
            )
        },
    );
    let action = ServerAction::<RevokeAll>::new();
    view! {
        <Title text="Revoke all agents"/>
        <PageWithCsrf fallback="Loading…" data=data view=move |d, csrf| revoke_all_view(d, csrf, action)/>
    }
}

/// The emergency stop's confirmation: every active agent of the account, or of one partner on
/// it, with the name to type.
fn revoke_all_view(d: AgentsPage, csrf: String, action: ServerAction<RevokeAll>) -> AnyView {
    if !d.account.can_manage {
        return view! { <ErrorPanel error=AppError::Forbidden/> }.into_any();
    }
    let partner = d
        .query
        .partner
        .as_ref()
        .and_then(|pid| d.partners.iter().find(|p| &p.id == pid).cloned());
    if d.query.partner.is_some() && partner.is_none() {
        return view! { <ErrorPanel error=AppError::NotFound/> }.into_any();
    }
    let account_name = d.account.advertiser.name.clone();
    let name = partner
        .as_ref()
        .map_or(account_name.clone(), |p| p.name.clone());
    let partner_id = partner
        .as_ref()
        .map(|p| p.id.to_string())
        .unwrap_or_default();
    let title = match &partner {
        Some(p) => format!("Revoke all agents of {} on {account_name}?", p.name),
        None => format!("Revoke all agents on {account_name}?"),
    };
    let confirm_what = if partner.is_some() {
        "Type the partner name, "
    } else {
        "Type the account name, "
    };
    let adv = d.account.advertiser.id.to_string();
    let cancel = format!("/accounts/{adv}/agents");
    view! {
        <section class="panel panel--danger" aria-labelledby="revoke-all-title">
            <p class="eyebrow">"Emergency stop"</p>
            <h1 id="revoke-all-title">{title}</h1>
            <Flash messages=revoke_all_messages/>
            <p class="lead">
                <strong>{d.page.total}</strong> " active agent grant(s) will be revoked, together with any suspended ones. "
                "Every agent loses access to this account immediately. This cannot be undone: each partner must ask again."
            </p>
            <ActionForm action=action attr:class="form">
                <CsrfField token=csrf/>
                <input type="hidden" name="advertiser_id" value=adv/>
                <input type="hidden" name="partner_id" value=partner_id/>
                <div class="field">
                    <label for="confirm_name">{confirm_what} <strong>{name.clone()}</strong> ", to confirm"</label>
                    <input id="confirm_name" name="confirm_name" type="text" required autocomplete="off" spellcheck="false"/>
                </div>
                <RevokeFormEnd label="Revoke all agents" cancel=cancel/>
            </ActionForm>
        </section>
    }.into_any()
}
