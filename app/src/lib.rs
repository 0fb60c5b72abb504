//! Charter's Agent Access UI. Pages render on the server (they work with JavaScript off, forms
//! post plainly) and hydrate in the browser.
#![recursion_limit = "256"]

pub mod accounts;
pub mod components;
pub mod consent;
pub mod editor;
pub mod enforce;
pub mod error;
pub mod findings;
pub mod partner;
pub mod session;
pub mod shell;
pub mod support;

use components::SessionResource;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, path};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/charter.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Charter: decide exactly what each AI agent may do on your ad accounts."/>
        <Title formatter=|t: String| if t.is_empty() { "Charter".to_string() } else { format!("{t} · Charter") }/>
        <Router>
            <Frame/>
        </Router>
    }
}

/// Header, navigation and the routed page.
#[component]
fn Frame() -> impl IntoView {
    let location = use_location();
    let info = Resource::new(
        move || location.pathname.get(),
        |_| session::api::get_session_info(),
    );
    provide_context(SessionResource(info));
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" class="main" tabindex="-1">
            <Routes fallback=|| view! { <components::ErrorPanel error=error::AppError::NotFound/> }>
                <Route path=path!("/") view=|| view! { <Redirect path="/accounts"/> } ssr=SsrMode::Async/>
                <Route path=path!("/signin") view=session::pages::SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts") view=session::pages::AccountsPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/agents") view=accounts::pages::AgentsPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/agents/:agent") view=accounts::pages::AgentPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/agents/:agent/revoke") view=accounts::revoke::RevokePage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/agents/:agent/edit") view=editor::pages::EditGrantPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/revoke-all") view=accounts::revoke::RevokeAllPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/activity") view=accounts::activity::ActivityPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/requests") view=consent::pages::AccountRequestsPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/requests/:req") view=consent::screen::ConsentScreenPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/guardrails") view=consent::guardrails::GuardrailsPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/findings") view=findings::pages::FindingsPage ssr=SsrMode::Async/>
                <Route path=path!("/accounts/:adv/alerts") view=enforce::pages::AlertsPage ssr=SsrMode::Async/>
                <Route path=path!("/support") view=support::pages::SupportPage ssr=SsrMode::Async/>
                <Route path=path!("/partners") view=partner::pages::PartnersPage ssr=SsrMode::Async/>
                <Route path=path!("/partners/:partner") view=partner::pages::PartnerConsolePage ssr=SsrMode::Async/>
                <Route path=path!("/partners/:partner/requests") view=consent::pages::PartnerRequestsPage ssr=SsrMode::Async/>
                <Route path=path!("/partners/:partner/agents/:agent") view=partner::pages::AgentCredentialsPage ssr=SsrMode::Async/>
            </Routes>
        </main>
        <footer class="footer">
            <p>"Charter · every decision and change is recorded in the audit trail"</p>
        </footer>
    }
}

#[component]
fn Header() -> impl IntoView {
    let SessionResource(info) = expect_context();
    let location = use_location();
    let sign_out = ServerAction::<session::api::SignOut>::new();
    // The account in the URL, if any: /accounts/{id}/…
    let current = move || {
        let path = location.pathname.get();
        let mut parts = path.trim_start_matches('/').split('/');
        match (parts.next(), parts.next()) {
            (Some("accounts"), Some(id)) if !id.is_empty() => Some(id.to_string()),
            _ => None,
        }
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/accounts" aria-label="Charter home">
                <span class="brand__mark" aria-hidden="true">"◆"</span>
                <span class="brand__name">"Charter"</span>
            </a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let Ok(info) = info.await else { return ().into_any() };
                    let Some(person) = info.person.clone() else { return ().into_any() };
                    let current = current();
                    let current_name = current.as_ref().and_then(|id| info.memberships.iter().find(|m| m.advertiser.id.as_str() == id)).map(|m| m.advertiser.name.clone());
                    let account_nav = current.clone().map(|id| {
                        let agents = format!("/accounts/{id}/agents");
                        let activity = format!("/accounts/{id}/activity");
                        let requests = format!("/accounts/{id}/requests");
                        let guardrails = format!("/accounts/{id}/guardrails");
                        let findings = format!("/accounts/{id}/findings");
                        let alerts = format!("/accounts/{id}/alerts");
                        view! {
                            <A href=agents>"Agents"</A>
                            <A href=requests>"Requests"</A>
                            <A href=guardrails>"Guardrails"</A>
                            <A href=findings>"Unused access"</A>
                            <A href=alerts>"Alerts"</A>
                            <A href=activity>"Activity"</A>
                        }
                    });
                    let switcher = (!info.memberships.is_empty()).then(|| {
                        let label = current_name.unwrap_or_else(|| "Choose account".to_string());
                        let items = info.memberships.iter().map(|m| {
                            let href = format!("/accounts/{}/agents", m.advertiser.id);
                            let is_current = current.as_deref() == Some(m.advertiser.id.as_str());
                            view! {
                                <li>
                                    <a href=href aria-current=is_current.then_some("true")>
                                        <span>{m.advertiser.name.clone()}</span>
                                        <small>{format!("{} · {}", m.advertiser.marketplace, m.role.label())}</small>
                                    </a>
                                </li>
                            }
                        }).collect_view();
                        view! {
                            <details class="switcher">
                                <summary aria-label="Switch account">{label}</summary>
                                <ul class="switcher__menu">{items}<li><a href="/accounts">"All accounts"</a></li></ul>
                            </details>
                        }
                    });
                    let partner_link = (!info.partners.is_empty()).then(|| view! { <A href="/partners">"Partner console"</A> });
                    let support_link = person.is_support.then(|| view! { <A href="/support">"Support"</A> });
                    view! {
                        {switcher}
                        <nav class="topnav" aria-label="Main">{account_nav}{partner_link}{support_link}</nav>
                        <div class="whoami">
                            <span class="whoami__name" title=person.email.clone()>{person.display_name.clone()}</span>
                            <ActionForm action=sign_out attr:class="inline-form">
                                <components::CsrfField token=info.csrf.clone()/>
                                <button class="button button--ghost" type="submit">"Sign out"</button>
                            </ActionForm>
                        </div>
                    }
                    .into_any()
                })}
            </Transition>
        </header>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A marker for browser tests (and curious people): the page is now interactive.
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
