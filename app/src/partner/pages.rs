//! The partner console pages.

use super::api::*;
use crate::components::*;
use crate::error::AppError;
use charter_store::model::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn PartnersPage() -> impl IntoView {
    let SessionResource(info) = expect_context();
    view! {
        <Title text="Partner console"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let info = match info.await {
                    Ok(i) => i,
                    Err(e) => return view! { <ErrorPanel error=e/> }.into_any(),
                };
                if info.partners.is_empty() {
                    return view! { <ErrorPanel error=AppError::NotFound/> }.into_any();
                }
                let items = info.partners.into_iter().map(|p| {
                    let href = format!("/partners/{}", p.id);
                    view! {
                        <li class="card card--link">
                            <a href=href>
                                <span class="card__title">{p.name}</span>
                                <span class="card__meta">{p.kind.label()}</span>
                            </a>
                        </li>
                    }
                }).collect_view();
                view! {
                    <div class="page-head"><div><p class="eyebrow">"Partner console"</p><h1>"Your partners"</h1></div></div>
                    <ul class="cards">{items}</ul>
                }.into_any()
            })}
        </Suspense>
    }
}

fn partner_messages(kind: &str, code: &str) -> Option<String> {
    Some(
        match (kind, code) {
            ("notice", "application_created") => "Application created.",
            ("notice", "agent_registered") => {
                "Agent registered. Advertisers can now grant it access."
            }
            ("error", "duplicate") => "That name is already used here. Choose another.",
            ("error", "purposes") => "Choose at least one purpose for the agent.",
            ("error", "invalid") => {
                "Check the form: names are 1–80 characters, descriptions up to 500."
            }
            _ => return None,
        }
        .to_string(),
    )
}

#[component]
pub fn PartnerConsolePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let SessionResource(info) = expect_context();
    // Keyed on the query too: after a form post the redirect's query (`notice`, new ids) changes,
    // which refetches the console so the new application or agent appears.
    let data = Resource::new(
        move || {
            (
                params.get().get("partner").unwrap_or_default(),
                query.get().to_query_string(),
            )
        },
        |(partner, _)| load_partner_console(partner),
    );
    view! {
        <Title text="Partner console"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (d, info) = match (data.await, info.await) {
                    (Ok(d), Ok(i)) => (d, i),
                    (Err(e), _) | (_, Err(e)) => return view! { <ErrorPanel error=e/> }.into_any(),
                };
                let highlight = query.get_untracked().get("agent");
                let partner_id = d.partner.id.to_string();
                let csrf = info.csrf.clone();
                let apps = d.applications.into_iter().map(|a| {
                    view! { <ApplicationCard app=a partner_id=partner_id.clone() csrf=csrf.clone() highlight=highlight.clone()/> }
                }).collect_view();
                let create = ServerAction::<CreateApplication>::new();
                view! {
                    <div class="page-head">
                        <div>
                            <p class="eyebrow">{format!("Partner console · {}", d.partner.kind.label())}</p>
                            <h1>{d.partner.name.clone()}</h1>
                            <p class="muted">"Register applications and the agents under them. Advertisers then decide what each agent may do."</p>
                        </div>
                    </div>
                    <Flash messages=partner_messages/>
                    {apps}
                    <section class="panel" aria-labelledby="new-app-title">
                        <h2 id="new-app-title">"New application"</h2>
                        <ActionForm action=create attr:class="form form--row">
                            <CsrfField token=info.csrf.clone()/>
                            <input type="hidden" name="partner_id" value=d.partner.id.to_string()/>
                            <div class="field">
                                <label for="app-name">"Name"</label>
                                <input id="app-name" name="name" type="text" required maxlength="80"/>
                            </div>
                            <div class="field field--grow">
                                <label for="app-description">"Description"</label>
                                <input id="app-description" name="description" type="text" maxlength="500"/>
                            </div>
                            <button class="button button--primary" type="submit">"Create application"</button>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn ApplicationCard(
    app: ApplicationWithAgents,
    partner_id: String,
    csrf: String,
    highlight: Option<String>,
) -> impl IntoView {
    let ApplicationWithAgents {
        application,
        agents,
    } = app;
    let app_id = application.id.to_string();
    let register = ServerAction::<RegisterAgent>::new();
    let rows = agents.iter().map(|a| {
        let is_new = highlight.as_deref() == Some(a.id.as_str());
        let purposes = a.purposes.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ");
        view! {
            <tr id=a.id.to_string() class:is-new=is_new>
                <th scope="row">{a.name.clone()}<div class="muted small">{a.description.clone()}</div></th>
                <td class="mono small">{a.id.to_string()}</td>
                <td>{purposes}</td>
                <td>{a.party.label()}</td>
                <td>{a.status.label()}</td>
                <td>{fmt_date(&a.created_at)}</td>
            </tr>
        }
    }).collect_view();
    let empty = agents.is_empty();
    let prefix = app_id.clone();
    let f = move |s: &str| format!("{prefix}-{s}");
    let purpose_boxes = Purpose::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let id = f(p.as_str());
            let label_for = id.clone();
            view! {
                <label class="check" for=label_for>
                    <input id=id type="checkbox" name=format!("purposes[{i}]") value=p.as_str()/>
                    {p.label()}
                </label>
            }
        })
        .collect_view();
    let (title_id, labelledby) = (f("title"), f("title"));
    let (name_id, name_for, desc_id, desc_for) =
        (f("name"), f("name"), f("description"), f("description"));
    let (third_id, third_for, first_id, first_for) =
        (f("third"), f("third"), f("first"), f("first"));
    let app_id_field = app_id.clone();
    let app_id_label = app_id.clone();
    view! {
        <section class="panel" id=app_id aria-labelledby=labelledby>
            <div class="panel__head">
                <div>
                    <h2 id=title_id>{application.name.clone()}</h2>
                    <p class="muted">{application.description.clone()}</p>
                </div>
                <span class="mono muted small">{app_id_label}</span>
            </div>
            {if empty {
                view! { <p class="muted">"No agents yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table table--dense">
                            <caption class="visually-hidden">{format!("Agents of {}", application.name)}</caption>
                            <thead><tr>
                                <th scope="col">"Agent"</th><th scope="col">"Id"</th><th scope="col">"Purposes"</th>
                                <th scope="col">"Built by"</th><th scope="col">"Status"</th><th scope="col">"Registered"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <details class="disclosure">
                <summary>"Register an agent under " {application.name.clone()}</summary>
                <ActionForm action=register attr:class="form">
                    <CsrfField token=csrf/>
                    <input type="hidden" name="partner_id" value=partner_id/>
                    <input type="hidden" name="application_id" value=app_id_field/>
                    <div class="form__row">
                        <div class="field">
                            <label for=name_for>"Agent name"</label>
                            <input id=name_id name="name" type="text" required maxlength="80"/>
                        </div>
                        <div class="field field--grow">
                            <label for=desc_for>"What it does"</label>
                            <input id=desc_id name="description" type="text" maxlength="500"/>
                        </div>
                    </div>
                    <fieldset class="fieldset">
                        <legend>"Declared purposes"</legend>
                        <div class="checks">{purpose_boxes}</div>
                    </fieldset>
                    <fieldset class="fieldset">
                        <legend>"Built by"</legend>
                        <div class="checks">
                            <label class="check" for=third_for><input id=third_id type="radio" name="party" value="third_party" checked/>"Third-party (us, for advertisers)"</label>
                            <label class="check" for=first_for><input id=first_id type="radio" name="party" value="first_party"/>"First-party (the advertiser's own)"</label>
                        </div>
                    </fieldset>
                    <button class="button button--primary" type="submit">"Register agent"</button>
                </ActionForm>
            </details>
        </section>
    }
}
