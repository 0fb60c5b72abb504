//! The account's guardrails and application ceilings: the server functions
//! (`load_guardrails`, `add_guardrail`, `remove_guardrail`) and the page. Every proof is made on
//! the server by `authz`; the page shows it.

use super::pages::{Reasons, consent_messages};
pub use super::views::{ApplicationCeiling, CeilingGrant, GrantViolation, GuardrailsPage};
use crate::components::*;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::shell::account_view;
use crate::shell::banner::AccountBanner;
use charter_model::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The guardrails page's data: the account's guardrails, the active grants they find at fault,
/// and the applications' ceilings (see `super::guardrails_load`).
#[server(endpoint = "guardrails")]
pub async fn load_guardrails(advertiser_id: String) -> Result<GuardrailsPage, AppError> {
    use super::guardrails_load::guardrails_report;
    use crate::session::server::*;
    let (session, person) = require_person().await?;
    let (advertiser, access) =
        account_access(&session, &person, &advertiser_id, "guardrails").await?;
    let report = guardrails_report(&store()?, &advertiser).await?;
    Ok(GuardrailsPage {
        account: account_view(advertiser, &access).await?,
        guardrails: report.guardrails,
        grants_checked: report.grants_checked,
        violations: report.violations,
        ceilings: report.ceilings,
    })
}

#[cfg(feature = "ssr")]
fn patterns(what: &str, text: &str, default: Option<&str>) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    out.dedup();
    if out.is_empty()
        && let Some(d) = default
    {
        out.push(d.to_string());
    }
    if out.is_empty() {
        return Err(AppError::BadRequest(format!(
            "give at least one {what} pattern"
        )));
    }
    if out.len() > 50 {
        return Err(AppError::BadRequest(format!("at most 50 {what} patterns")));
    }
    if let Some(bad) = out
        .iter()
        .find(|p| p.len() > 200 || p.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(AppError::BadRequest(format!(
            "`{}` is not a valid {what} pattern",
            bad.chars().take(64).collect::<String>()
        )));
    }
    Ok(out)
}

#[server(endpoint = "add_guardrail")]
pub async fn add_guardrail(
    advertiser_id: String,
    name: String,
    actions: String,
    resources: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let name = Name::parse("guardrail name", &name)?;
    let actions = patterns("action", &actions, None)?;
    let resources = patterns("resource", resources.as_deref().unwrap_or(""), Some("*"))?;
    // The patterns must make a valid statement (the analyzer reads them as one).
    let probe = serde_json::json!({ "Statement": [{ "Effect": "Deny", "Action": actions, "Resource": resources }] });
    super::server::parse_policy("guardrail", &probe.to_string())?;
    let g =
        charter_core::consent::add_guardrail(&*store()?, &m, name.as_str(), &actions, &resources)
            .await?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/guardrails?notice=guardrail_added#{}",
        m.account(),
        g.id
    ));
    Ok(())
}

#[server(endpoint = "remove_guardrail")]
pub async fn remove_guardrail(
    advertiser_id: String,
    guardrail_id: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let id = GuardrailId::parse(&guardrail_id).map_err(|_| AppError::NotFound)?;
    charter_core::consent::remove_guardrail(&*store()?, &m, &id).await?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/guardrails?notice=guardrail_removed",
        m.account()
    ));
    Ok(())
}

// --- advertiser: guardrails and ceilings ---------------------------------------------------

#[component]
pub fn GuardrailsPage() -> impl IntoView {
    let adv = param("adv");
    let query = use_query_map();
    let data = Resource::new(
        move || (adv(), query.get().to_query_string()),
        |(adv, _)| load_guardrails(adv),
    );
    view! {
        <Title text="Guardrails"/>
        <PageWithCsrf fallback="Loading guardrails…" data=data view=|d, csrf| view! { <GuardrailsView data=d csrf=csrf/> }/>
    }
}

#[component]
fn GuardrailsView(data: GuardrailsPage, csrf: String) -> impl IntoView {
    let GuardrailsPage {
        account,
        guardrails,
        grants_checked,
        violations,
        ceilings,
    } = data;
    let adv = account.advertiser.id.to_string();
    let can_manage = account.can_manage;
    let no_guardrails = guardrails.is_empty();
    view! {
        <AccountBanner account=account.clone()/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} · {}", account.advertiser.name, account.advertiser.marketplace)}</p>
                <h1>"Guardrails"</h1>
                <p class="muted">"Critical permissions no agent may ever hold on this account. Requests that would break one cannot be approved."</p>
            </div>
        </div>
        <Flash messages=consent_messages/>
        <GuardrailsList guardrails=guardrails adv=adv.clone() can_manage=can_manage csrf=csrf.clone()/>
        {can_manage.then(|| view! { <AddGuardrailPanel adv=adv.clone() csrf=csrf.clone()/> })}
        <ViolationsPanel violations=violations grants_checked=grants_checked no_guardrails=no_guardrails adv=adv.clone()/>
        <CeilingsPanel ceilings=ceilings adv=adv/>
    }
}

/// The account's guardrails, each with its remove button for those who manage the account.
#[component]
fn GuardrailsList(
    guardrails: Vec<Guardrail>,
    adv: String,
    can_manage: bool,
    csrf: String,
) -> impl IntoView {
    let remove = ServerAction::<RemoveGuardrail>::new();
    let items = guardrails
        .iter()
        .map(|g| {
            let csrf = csrf.clone();
            let adv = adv.clone();
            let name = g.name.clone();
            let gid = g.id.to_string();
            view! {
                <tr id=g.id.to_string()>
                    <th scope="row">{g.name.clone()}<div class="muted small">{format!("Added by {} · {}", g.created_by, fmt_date(&g.created_at))}</div></th>
                    <td><ul class="patterns">{g.actions.iter().map(|a| view! { <li><code>{a.clone()}</code></li> }).collect_view()}</ul></td>
                    <td><ul class="patterns">{g.resources.iter().map(|a| view! { <li><code>{a.clone()}</code></li> }).collect_view()}</ul></td>
                    <td class="actions">
                        {can_manage.then(move || view! {
                            <ActionForm action=remove attr:class="inline-form">
                                <CsrfField token=csrf/>
                                <input type="hidden" name="advertiser_id" value=adv/>
                                <input type="hidden" name="guardrail_id" value=gid/>
                                <button class="button button--danger-ghost button--small" type="submit" aria-label=format!("Remove guardrail {name}")>"Remove"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="list-title">
            <h2 id="list-title">"Guardrails on this account"</h2>
            {if guardrails.is_empty() {
                view! { <p class="muted">"No guardrails yet."</p> }.into_any()
            } else {
                view! {
                    <DataTable caption="Guardrails" columns=&["Name", "No agent may", "On resources"] actions="Actions">
                        {items}
                    </DataTable>
                }.into_any()
            }}
            {action_error(remove)}
        </section>
    }
}

/// The form that adds a guardrail (for those who manage the account).
#[component]
fn AddGuardrailPanel(adv: String, csrf: String) -> impl IntoView {
    let add = ServerAction::<AddGuardrail>::new();
    view! {
        <section class="panel" aria-labelledby="add-title">
            <h2 id="add-title">"Add a guardrail"</h2>
            {action_error(add)}
            <ActionForm action=add attr:class="form">
                <CsrfField token=csrf/>
                <input type="hidden" name="advertiser_id" value=adv/>
                <div class="consent-grid">
                    <div class="field field--wide">
                        <label for="g-name">"Guardrail name"</label>
                        <input id="g-name" name="name" type="text" required maxlength="80" placeholder="No agent may touch billing"/>
                    </div>
                    <div class="field">
                        <label for="g-actions">"Actions"</label>
                        <textarea id="g-actions" name="actions" rows="3" required class="code-input" spellcheck="false" placeholder="billing:*" aria-describedby="g-actions-hint"></textarea>
                        <p id="g-actions-hint" class="hint">"Action patterns, separated by commas or new lines, e.g. " <code>"billing:*"</code> ", " <code>"account:*"</code> "."</p>
                    </div>
                    <div class="field">
                        <label for="g-resources">"Resources"</label>
                        <textarea id="g-resources" name="resources" rows="3" class="code-input" spellcheck="false" aria-describedby="g-resources-hint">"*"</textarea>
                        <p id="g-resources-hint" class="hint">"Resource patterns; " <code>"*"</code> " is every resource."</p>
                    </div>
                </div>
                <div class="form__actions">
                    <button class="button button--primary" type="submit">"Add guardrail"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// The active grants that already break a guardrail.
#[component]
fn ViolationsPanel(
    violations: Vec<GrantViolation>,
    grants_checked: usize,
    no_guardrails: bool,
    adv: String,
) -> impl IntoView {
    let violation_items = violations
        .iter()
        .map(|v| {
            let href = format!("/accounts/{adv}/agents/{}", v.agent_id);
            view! {
                <li class="violation">
                    <div class="guardrail__head">
                        <Badge tone="danger" label="Violates"/>
                        <a class="strong-link" href=href>{v.agent_name.clone()}</a>
                        <span class="muted small">{format!(" · {} · guardrail “{}”", v.application_name, v.guardrail)}</span>
                    </div>
                    <Reasons check=v.check.clone()/>
                </li>
            }
        })
        .collect_view();
    let no_violations = violations.is_empty();
    view! {
        <section class="panel" aria-labelledby="violations-title">
            <h2 id="violations-title">"Current grants against your guardrails"</h2>
            <p class="muted">{format!("{grants_checked} active grant(s) checked.")}</p>
            {if no_guardrails {
                view! { <p class="muted">"Add a guardrail to check the current grants against it."</p> }.into_any()
            } else if no_violations {
                view! { <p><Badge tone="ok" label="All clear"/>" No active grant breaks a guardrail."</p> }.into_any()
            } else {
                view! {
                    <p>"These agents already hold access a guardrail forbids. Revoke or replace their grants."</p>
                    <ul class="violations">{violation_items}</ul>
                }.into_any()
            }}
        </section>
    }
}

/// Each application's ceiling on the account, with the grants under it.
#[component]
fn CeilingsPanel(ceilings: Vec<ApplicationCeiling>, adv: String) -> impl IntoView {
    let no_ceilings = ceilings.is_empty();
    let ceiling_items = ceilings
        .into_iter()
        .map(|c| view! { <CeilingArticle ceiling=c adv=adv.clone()/> })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="ceilings-title">
            <h2 id="ceilings-title">"Application ceilings"</h2>
            <p class="muted">"The most each application's agents may hold on this account, set when you approve its first request. Every grant is proved against it."</p>
            {if no_ceilings {
                view! { <p class="muted">"No application has a ceiling on this account yet."</p> }.into_any()
            } else {
                view! { <div class="ceilings">{ceiling_items}</div> }.into_any()
            }}
        </section>
    }
}

/// One application's ceiling: each grant under it, within or beyond, and the ceiling's policy.
#[component]
fn CeilingArticle(ceiling: ApplicationCeiling, adv: String) -> impl IntoView {
    let c = ceiling;
    let grants = c
        .grants
        .iter()
        .map(|g| {
            let href = format!("/accounts/{adv}/agents/{}", g.agent_id);
            view! {
                <li class="proof">
                    {if g.check.passed {
                        view! { <Badge tone="ok" label="Within ceiling"/> }.into_any()
                    } else {
                        view! { <Badge tone="danger" label="Exceeds"/> }.into_any()
                    }}
                    " " <a href=href>{g.agent_name.clone()}</a>
                    <span class="muted small">{format!(" · {}", g.status.label())}</span>
                    {(!g.check.passed).then(|| view! {
                        {(g.check.reasons.is_empty()).then(|| view! { <p class="small">{g.check.message.clone()}</p> })}
                        <Reasons check=g.check.clone()/>
                    })}
                </li>
            }
        })
        .collect_view();
    let no_grants = c.grants.is_empty();
    view! {
        <article class="ceiling" aria-label=format!("Ceiling of {}", c.application_name)>
            <div class="ceiling__head">
                <h3>{c.application_name.clone()}</h3>
                <span class="muted small">{format!("{} · version {} · set by {} on {}", c.partner_name, c.ceiling.version, c.ceiling.updated_by, fmt_date(&c.ceiling.updated_at))}</span>
            </div>
            {if no_grants {
                view! { <p class="muted small">"No grant under this ceiling."</p> }.into_any()
            } else {
                view! { <ul class="proofs">{grants}</ul> }.into_any()
            }}
            <details><summary>"Ceiling policy"</summary><pre class="code">{c.policy.clone()}</pre></details>
        </article>
    }
}
