//! Sign-in page and the account chooser.

use super::api::{SessionInfo, SignIn};
use crate::components::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

fn sign_in_messages(kind: &str, code: &str) -> Option<String> {
    Some(
        match (kind, code) {
            ("error", "invalid") => "That email and password do not match an account.",
            ("error", "locked") => {
                "Too many failed sign-ins from here. Wait a little and try again: each failure makes the wait longer."
            }
            ("notice", "signed_out") => "You have signed out.",
            _ => return None,
        }
        .to_string(),
    )
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let SessionResource(info) = expect_context();
    let query = use_query_map();
    let action = ServerAction::<SignIn>::new();
    view! {
        <Title text="Sign in"/>
        <section class="auth">
            <div class="auth__card">
                <h1>"Sign in to Charter"</h1>
                <p class="muted">"Decide exactly what each AI agent may do on your ad accounts."</p>
                <Flash messages=sign_in_messages/>
                <Page fallback="Loading…" data=info view=move |info| sign_in_view(info, query, action)/>
            </div>
        </section>
    }
}

/// The sign-in card once the session is known: who is signed in, or the form.
fn sign_in_view(
    info: SessionInfo,
    query: Memo<ParamsMap>,
    action: ServerAction<SignIn>,
) -> AnyView {
    match info.person {
        Some(p) => view! {
            <p>"You are signed in as " <strong>{p.display_name}</strong> "."</p>
            <p><a class="button" href="/accounts">"Continue to your accounts"</a></p>
        }
        .into_any(),
        None => {
            let next = query.get_untracked().get("next").unwrap_or_default();
            view! {
                <ActionForm action=action attr:class="form">
                    <CsrfField token=info.csrf/>
                    <input type="hidden" name="next" value=next/>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required autofocus/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    </div>
                    <button class="button button--primary button--block" type="submit">"Sign in"</button>
                </ActionForm>
            }.into_any()
        }
    }
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let SessionResource(info) = expect_context();
    view! {
        <Title text="Your accounts"/>
        <Page fallback="Loading…" data=info view=accounts_view/>
    }
}

/// The account chooser: the person's advertiser accounts, partner consoles and, for support
/// staff, the support console.
fn accounts_view(info: SessionInfo) -> AnyView {
    let Some(person) = info.person else {
        return view! { <ErrorPanel error=crate::error::AppError::Unauthorized/> }.into_any();
    };
    let accounts = info
        .memberships
        .into_iter()
        .map(|m| {
            let href = format!("/accounts/{}/agents", m.advertiser.id);
            let meta = format!(
                "Marketplace {} · {}",
                m.advertiser.marketplace,
                m.advertiser.currency()
            );
            view! {
                <li class="card card--link">
                    <a href=href>
                        <span class="card__title">{m.advertiser.name}</span>
                        <span class="card__meta">{meta}</span>
                        <Badge tone="neutral" label=m.role.label()/>
                    </a>
                </li>
            }
        })
        .collect_view();
    let partners = info.partners.into_iter().map(|p| {
        let href = format!("/partners/{}", p.id);
        view! {
            <li class="card card--link">
                <a href=href>
                    <span class="card__title">{p.name}</span>
                    <span class="card__meta">{format!("Partner console · {}", p.kind.label())}</span>
                </a>
            </li>
        }
    }).collect_view();
    view! {
        <div class="page-head">
            <div>
                <p class="eyebrow">"Welcome, " {person.display_name}</p>
                <h1>"Your accounts"</h1>
            </div>
        </div>
        <ul class="cards" aria-label="Advertiser accounts">{accounts}</ul>
        <ul class="cards" aria-label="Partner consoles">{partners}</ul>
        {person.is_support.then(|| view! {
            <ul class="cards" aria-label="Support">
                <li class="card card--link">
                    <a href="/support">
                        <span class="card__title">"Support console"</span>
                        <span class="card__meta">"Find any account and inspect it read-only, with a reason"</span>
                    </a>
                </li>
            </ul>
        })}
    }
    .into_any()
}
