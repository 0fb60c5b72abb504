//! The support console.

use super::api::*;
use crate::components::*;
use charter_model::Advertiser;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

fn support_messages(kind: &str, code: &str) -> Option<String> {
    match (kind, code) {
        ("error", "reason") => Some(format!(
            "Give a reason of at least {MIN_REASON} characters, such as a ticket number and what the customer asked."
        )),
        _ => None,
    }
}

#[component]
pub fn SupportPage() -> impl IntoView {
    let query = use_query_map();
    let results = Resource::new(
        move || {
            let q = query.get();
            (q.get("q"), q.get("account"), q.get("error"))
        },
        |(q, _, _)| support_search(q),
    );
    let action = ServerAction::<OpenSupportView>::new();
    view! {
        <Title text="Support console"/>
        <div class="page-head">
            <div>
                <p class="eyebrow">"Support"</p>
                <h1>"Inspect an account"</h1>
                <p class="muted">"Views are read-only, last one hour, and each one is recorded in the account's activity with your reason."</p>
            </div>
        </div>
        <Flash messages=support_messages/>
        <PageWithCsrf fallback="Loading…" data=results view=move |accounts, csrf| support_view(accounts, csrf, query, action)/>
    }
}

/// The search form and the accounts found; the chosen one opens the reason form.
fn support_view(
    accounts: Vec<Advertiser>,
    csrf: String,
    query: Memo<ParamsMap>,
    action: ServerAction<OpenSupportView>,
) -> AnyView {
    let q = query.get_untracked();
    let search = q.get("q").unwrap_or_default();
    let chosen = q.get("account");
    let items = accounts.into_iter().map(|a| {
        let is_chosen = chosen.as_deref() == Some(a.id.as_str());
        let choose = format!("/support?q={}&account={}", urlencode(&search), a.id);
        let (name, id) = (a.name.clone(), a.id.to_string());
        let csrf = csrf.clone();
        let form = is_chosen.then(move || view! {
            <ActionForm action=action attr:class="form form--inline-reason">
                <CsrfField token=csrf/>
                <input type="hidden" name="advertiser_id" value=id/>
                <div class="field field--grow">
                    <label for="reason">"Reason for looking at " {name}</label>
                    <input id="reason" name="reason" type="text" required minlength=MIN_REASON maxlength="500"
                        placeholder="Ticket number and what the customer asked" autofocus/>
                </div>
                <button class="button button--primary" type="submit">"Open read-only view"</button>
            </ActionForm>
        });
        view! {
            <li class="list__item" class:is-chosen=is_chosen>
                <div class="list__row">
                    <div>
                        <strong>{a.name.clone()}</strong>
                        <div class="muted small">{format!("{} · {} · ", a.marketplace, a.currency())}<span class="mono">{a.id.to_string()}</span></div>
                    </div>
                    {(!is_chosen).then(|| view! { <a class="button button--secondary" href=choose>"Inspect…"</a> })}
                </div>
                {form}
            </li>
        }
    }).collect_view();
    view! {
        <Form method="GET" action="/support" attr:class="filters" attr:role="search" attr:aria-label="Find an account">
            <div class="field field--grow">
                <label for="q">"Account name, marketplace or id"</label>
                <input id="q" type="search" name="q" value=search.clone()/>
            </div>
            <div class="filters__actions"><button class="button button--secondary" type="submit">"Search"</button></div>
        </Form>
        <ul class="list" aria-label="Accounts">{items}</ul>
    }.into_any()
}
