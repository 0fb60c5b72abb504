//! Consent pages: the partner's requests and the account's requests, and the reasons behind a
//! failed proof (shown by the consent screen, `super::screen`, and the guardrails page,
//! `super::guardrails`).

use super::api::*;
use super::invitations::{InvitationsPanel, RedeemInvitationPanel};
use crate::components::*;
use crate::shell::banner::AccountBanner;
use charter_model::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub(super) fn consent_messages(kind: &str, code: &str) -> Option<String> {
    Some(
        match (kind, code) {
            ("notice", "request_filed") => {
                "Request sent. The account's owners and admins will review it."
            }
            ("notice", "request_denied") => "Request denied. No access was granted.",
            ("notice", "invitation_created") => {
                "Invitation created. Copy the code below and give it to the partner; it is shown once."
            }
            ("notice", "invitation_withdrawn") => "Invitation withdrawn. Its code no longer works.",
            ("notice", "invitation_redeemed") => {
                "Invitation accepted. The account that invited you is chosen in the form below."
            }
            ("notice", "guardrail_added") => {
                "Guardrail added. Every future request is checked against it."
            }
            ("notice", "guardrail_removed") => "Guardrail removed.",
            _ => return None,
        }
        .to_string(),
    )
}

#[component]
fn RequestBadge(status: RequestStatus) -> impl IntoView {
    let (tone, label) = request_tone(status);
    view! { <Badge tone=tone label=label/> }
}

// --- partner: requests ---------------------------------------------------------------------

#[component]
pub fn PartnerRequestsPage() -> impl IntoView {
    let partner = param("partner");
    let query = use_query_map();
    let data = Resource::new(
        move || (partner(), query.get().to_query_string()),
        |(partner, _)| partner_requests(partner),
    );
    view! {
        <Title text="Access requests"/>
        <PageWithCsrf fallback="Loading requests…" data=data view=|d, csrf| view! { <PartnerRequestsView data=d csrf=csrf/> }/>
    }
}

#[component]
fn PartnerRequestsView(data: PartnerRequestsPage, csrf: String) -> impl IntoView {
    let PartnerRequestsPage {
        partner,
        agents,
        accounts,
        purposes,
        requests,
    } = data;
    let highlight = use_query_map().get_untracked().get("request");
    let back = format!("/partners/{}", partner.id);
    let rows = requests
        .iter()
        .map(|r| {
            let q = &r.request;
            let current = highlight.as_deref() == Some(q.id.as_str());
            view! {
                <tr id=q.id.to_string() class=current.then_some("row--highlight")>
                    <th scope="row">
                        <span class="strong">{r.agent_name.clone()}</span>
                        <div class="muted small">{r.application_name.clone()}</div>
                    </th>
                    <td>{r.advertiser_name.clone()}<div class="mono muted small">{q.advertiser_id.to_string()}</div></td>
                    <td>{q.purpose.label()}</td>
                    <td><RequestBadge status=q.status/></td>
                    <td><time datetime=q.created_at.to_rfc3339()>{fmt_date(&q.created_at)}</time></td>
                    <td>{q.decision_note.clone().map(|n| view! { <q class="small">{n}</q> })}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = requests.is_empty();
    view! {
        <p class="breadcrumb"><a href=back>{format!("← {}", partner.name)}</a></p>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("Partner console · {}", partner.name)}</p>
                <h1>"Access requests"</h1>
                <p class="muted">"Ask an advertiser for access for one of your agents. They see exactly what the agent could do, and decide."</p>
            </div>
        </div>
        <Flash messages=consent_messages/>
        <section class="panel" aria-labelledby="sent-title">
            <h2 id="sent-title">"Requests sent"</h2>
            {if empty {
                view! { <p class="muted">"No requests yet."</p> }.into_any()
            } else {
                view! {
                    <DataTable caption="Access requests sent by this partner"
                        columns=&["Agent", "Account", "Purpose", "Status", "Sent", "Advertiser's note"]>
                        {rows}
                    </DataTable>
                }.into_any()
            }}
        </section>
        <NewRequestPanel partner=partner.clone() agents=agents accounts=accounts purposes=purposes csrf=csrf.clone()/>
        <RedeemInvitationPanel partner=partner.id.to_string() csrf=csrf/>
    }
}

/// The request form: one of the partner's agents, one of the accounts that know the partner
/// (the one just introduced by an invitation, `?account=`, is chosen), a purpose and a policy.
#[component]
fn NewRequestPanel(
    partner: Partner,
    agents: Vec<AgentOption>,
    accounts: Vec<Advertiser>,
    purposes: Vec<PurposeOption>,
    csrf: String,
) -> impl IntoView {
    let file = ServerAction::<FileAccessRequest>::new();
    let chosen = use_query_map().get_untracked().get("account");
    let agent_options = agents
        .iter()
        .map(|a| {
            view! { <option value=a.id.to_string()>{format!("{} · {}", a.name, a.application_name)}</option> }
        })
        .collect_view();
    let account_options = accounts
        .iter()
        .map(|a| {
            let selected = chosen.as_deref() == Some(a.id.as_str());
            view! { <option value=a.id.to_string() selected=selected>{format!("{} · {}", a.name, a.marketplace)}</option> }
        })
        .collect_view();
    let purpose_options = purposes
        .iter()
        .map(|p| view! { <option value=p.code.clone()>{format!("{} — {}", p.title, p.description)}</option> })
        .collect_view();
    let purpose_list = purposes
        .iter()
        .map(|p| view! { <div><dt>{p.title.clone()}</dt><dd>{p.description.clone()}</dd></div> })
        .collect_view();
    let form = view! {
        {action_error(file)}
        <ActionForm action=file attr:class="form consent-form">
            <CsrfField token=csrf/>
            <input type="hidden" name="partner_id" value=partner.id.to_string()/>
            <div class="consent-grid">
                <div class="field">
                    <label for="req-agent">"Agent"</label>
                    <select id="req-agent" name="agent_id" required>{agent_options}</select>
                </div>
                <div class="field">
                    <label for="req-account">"Advertiser account"</label>
                    <select id="req-account" name="advertiser_id" required aria-describedby="req-account-hint">{account_options}</select>
                    <p id="req-account-hint" class="hint">"The accounts that know your company: where your agents hold or held access, or that invited you."</p>
                </div>
                <div class="field field--wide">
                    <label for="req-purpose">"Purpose"</label>
                    <select id="req-purpose" name="purpose" required aria-describedby="req-purpose-hint">{purpose_options}</select>
                    <details id="req-purpose-hint" class="hint">
                        <summary>"What each purpose allows"</summary>
                        <dl class="purpose-list">{purpose_list}</dl>
                    </details>
                </div>
                <div class="field field--wide">
                    <label for="req-policy">"Policy (optional)"</label>
                    <textarea id="req-policy" name="policy" rows="8" class="code-input" spellcheck="false" aria-describedby="req-policy-hint"
                        placeholder="{\n  \"Statement\": [ … ]\n}"></textarea>
                    <p id="req-policy-hint" class="hint">"Leave empty to request exactly the purpose template for that account. Anything beyond the template is flagged to the advertiser."</p>
                </div>
                <div class="field">
                    <label for="req-expiry">"Expires on (optional)"</label>
                    <input id="req-expiry" name="expires_on" type="date"/>
                </div>
                <div class="field field--wide">
                    <label for="req-note">"Note to the advertiser"</label>
                    <textarea id="req-note" name="note" rows="2" maxlength="1000" placeholder="Why the agent needs this access"></textarea>
                </div>
            </div>
            <div class="form__actions">
                <button class="button button--primary" type="submit">"Send request"</button>
            </div>
        </ActionForm>
    };
    view! {
        <section class="panel" aria-labelledby="new-request-title">
            <h2 id="new-request-title">"Request access"</h2>
            {if agents.is_empty() {
                view! { <p class="muted">"Register an agent first; then request access for it here."</p> }.into_any()
            } else if accounts.is_empty() {
                view! { <p class="muted">{format!("No advertiser has introduced {} yet. Ask an advertiser for an invitation code and redeem it below; then you can ask that account for access here.", partner.name)}</p> }.into_any()
            } else {
                form.into_any()
            }}
        </section>
    }
}

// --- advertiser: requests ------------------------------------------------------------------

#[component]
pub fn AccountRequestsPage() -> impl IntoView {
    let adv = param("adv");
    let query = use_query_map();
    let data = Resource::new(
        move || (adv(), query.get().to_query_string()),
        |(adv, _)| account_requests(adv),
    );
    view! {
        <Title text="Access requests"/>
        <Page fallback="Loading requests…" data=data view=|d| view! { <AccountRequestsView data=d/> }/>
    }
}

#[component]
fn AccountRequestsView(data: AccountRequestsPage) -> impl IntoView {
    let AccountRequestsPage {
        account,
        requests,
        invitations,
    } = data;
    let adv = account.advertiser.id.to_string();
    let pending = requests
        .iter()
        .filter(|r| r.request.status == RequestStatus::Pending)
        .count();
    let rows = requests
        .iter()
        .map(|r| {
            let q = &r.request;
            let href = format!("/accounts/{adv}/requests/{}", q.id);
            let label = if q.status == RequestStatus::Pending {
                "Review"
            } else {
                "View"
            };
            view! {
                <tr class=format!("row--{}", q.status.as_str())>
                    <th scope="row">
                        <a class="strong-link" href=href.clone()>{r.application_name.clone()}</a>
                        <div class="muted small">{format!("{} · agent {}", r.partner_name, r.agent_name)}</div>
                    </th>
                    <td>{q.purpose.label()}</td>
                    <td><RequestBadge status=q.status/></td>
                    <td><time datetime=q.created_at.to_rfc3339()>{fmt_date(&q.created_at)}</time></td>
                    <td class="actions">
                        <a class="button button--secondary button--small" href=href aria-label=format!("{label} request from {}", r.application_name)>{label}</a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let empty = requests.is_empty();
    view! {
        <AccountBanner account=account.clone()/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} · {}", account.advertiser.name, account.advertiser.marketplace)}</p>
                <h1>"Access requests"</h1>
                <p class="muted">
                    {match pending {
                        0 => "No request is waiting for a decision.".to_string(),
                        1 => "1 request is waiting for your decision.".to_string(),
                        n => format!("{n} requests are waiting for your decision."),
                    }}
                </p>
            </div>
        </div>
        <Flash messages=consent_messages/>
        {if empty {
            view! {
                <EmptyState title="No requests yet"
                    hint="When a partner asks for access for one of its agents, the request appears here."/>
            }.into_any()
        } else {
            view! {
                <DataTable caption="Access requests on this account"
                    columns=&["Application", "Purpose", "Status", "Received"] actions="Actions">
                    {rows}
                </DataTable>
            }.into_any()
        }}
        <InvitationsPanel adv=adv.clone() data=invitations/>
    }
}

// --- proofs: the reasons behind a FAIL -----------------------------------------------------

/// The example request behind a FAIL reason.
#[component]
fn ReasonItem(reason: ReasonView) -> impl IntoView {
    let context = (!reason.context.is_empty()).then(|| {
        let items = reason
            .context
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        view! { <div class="small muted">"with " <code>{items}</code></div> }
    });
    view! {
        <li class="reason">
            <div class="reason__head"><strong>{reason.statement_label()}</strong></div>
            <div class="reason__text">{reason.description.clone()}</div>
            <div class="example">
                <span class="example__label">"For example"</span>
                <code class="example__action">{reason.action.clone()}</code>
                <span class="muted">" on "</span>
                <code class="example__resource">{reason.resource.clone()}</code>
            </div>
            {context}
        </li>
    }
}

#[component]
pub(super) fn Reasons(check: CheckView) -> impl IntoView {
    let items = check
        .reasons
        .into_iter()
        .map(|r| view! { <ReasonItem reason=r/> })
        .collect_view();
    view! { <ul class="reasons">{items}</ul> }
}
