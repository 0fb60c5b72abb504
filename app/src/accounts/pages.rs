//! The Agents page, agent detail, revoke confirmations and the activity log.

use super::api::*;
use crate::components::*;
use crate::shell::banner::AccountBanner;
use charter_model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

pub(super) fn agent_messages(kind: &str, code: &str) -> Option<String> {
    let query = use_query_map().get_untracked();
    Some(match (kind, code) {
        ("notice", "revoked") => {
            "Access revoked. The agent can no longer act on this account.".to_string()
        }
        ("notice", "already_revoked") => "This grant was already revoked.".to_string(),
        ("notice", "grant_updated") => format!(
            "Access updated: saved as version {}. Tokens issued under earlier versions no longer work.",
            query.get("version").unwrap_or_else(|| "new".into())
        ),
        ("notice", "request_approved") => {
            "Request approved. The agent now holds exactly the access you approved.".to_string()
        }
        ("notice", "revoked_all") => format!(
            "Revoked {} agent grant(s). No agent can act on this account now.",
            query.get("count").unwrap_or_else(|| "all".into())
        ),
        ("notice", "revoked_partner") => format!(
            "Revoked {} agent grant(s) of this partner. Its agents cannot act on this account now.",
            query.get("count").unwrap_or_else(|| "all".into())
        ),
        ("notice", "caps_saved") => {
            "Spend caps saved. They apply to the agent's next call.".to_string()
        }
        ("notice", "breaker_saved") => {
            "Breaker thresholds saved. They apply within a second.".to_string()
        }
        ("notice", "breaker_reset") => {
            "Breaker reset: closed, with its trip count cleared. The agent's calls flow again."
                .to_string()
        }
        ("notice", "breaker_already_closed") => "The breaker is already closed.".to_string(),
        ("notice", "breaker_moved") => {
            "The breaker changed state while you looked; here is where it stands now.".to_string()
        }
        ("error", "confirm_mismatch") => {
            "The name you typed does not match. Nothing was revoked.".to_string()
        }
        _ => return None,
    })
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let adv = param("adv");
    let filters = query_params(["search", "partner", "status", "page"]);
    let data = Resource::new(
        move || (adv(), filters()),
        |(adv, [search, partner, status, page])| list_agents(adv, search, partner, status, page),
    );
    view! {
        <Title text="Agents"/>
        <Page fallback="Loading agents…" data=data view=|d| view! { <AgentsView data=d/> }/>
    }
}

#[component]
fn AgentsView(data: AgentsPage) -> impl IntoView {
    let AgentsPage {
        account,
        query,
        page,
        partners,
        counts,
        signals,
    } = data;
    let adv = account.advertiser.id.to_string();
    let currency = account.advertiser.currency();
    let now = chrono::Utc::now();
    let can_manage = account.can_manage;
    let filtered = !query.search.is_empty() || query.partner.is_some() || query.status.is_some();
    // With a partner filter, the emergency stop can take just that partner's agents.
    let partner_stop = query.partner.as_ref().and_then(|pid| {
        partners.iter().find(|p| &p.id == pid).map(|p| {
            (
                format!("/accounts/{adv}/revoke-all?partner={}", p.id),
                format!("Revoke all agents of {}…", p.name),
            )
        })
    });
    let partner_options = partners
        .into_iter()
        .map(|p| {
            let selected = query.partner.as_ref() == Some(&p.id);
            view! { <option value=p.id.to_string() selected=selected>{p.name}</option> }
        })
        .collect_view();
    let status_options = StatusFilter::ALL
        .iter()
        .map(|s| {
            let selected = query.status == Some(*s);
            view! { <option value=s.as_str() selected=selected>{s.label()}</option> }
        })
        .collect_view();
    let rows = page
        .items
        .iter()
        .map(|r| {
            let signal = signals
                .iter()
                .find(|s| s.agent_id == r.agent_id.as_str())
                .cloned();
            agent_row(&adv, r, signal, currency, can_manage, now)
        })
        .collect_view();
    let empty = page.items.is_empty();
    let total = page.total;
    let page_count = page.page_count();
    let revoke_all_href = format!("/accounts/{adv}/revoke-all");
    let list_href = format!("/accounts/{adv}/agents");
    let clear_href = list_href.clone();
    view! {
        <AccountBanner account=account.clone()/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} · {}", account.advertiser.name, account.advertiser.marketplace)}</p>
                <h1>"Agents with access"</h1>
                <p class="muted">"Every AI agent that holds a grant on this account, across all partners."</p>
            </div>
        </div>
        <Flash messages=agent_messages/>
        <StatusTiles adv=adv.clone() counts=counts/>
        <Form method="GET" action=list_href attr:class="filters" attr:role="search" attr:aria-label="Filter agents">
            <div class="field field--grow">
                <label for="search">"Search"</label>
                <input id="search" type="search" name="search" value=query.search.clone() placeholder="Agent, application, partner or agent id"/>
            </div>
            <div class="field">
                <label for="partner">"Partner"</label>
                <select id="partner" name="partner">
                    <option value="" selected=query.partner.is_none()>"All partners"</option>
                    {partner_options}
                </select>
            </div>
            <div class="field">
                <label for="status">"Status"</label>
                <select id="status" name="status">
                    <option value="" selected=query.status.is_none()>"Any status"</option>
                    {status_options}
                </select>
            </div>
            <FilterActions filtered=filtered clear_href=clear_href/>
        </Form>
        {if empty {
            let hint = if filtered { "Try a different search or clear the filters." } else { "No agent holds a grant on this account yet." };
            view! { <EmptyState title="No agents match" hint=hint/> }.into_any()
        } else {
            view! {
                <DataTable caption="Agents with a grant on this account"
                    columns=&["Agent", "Partner · application", "Purpose", "Status", "Spend today", "Granted on", "Expires"]
                    actions="Actions">
                    {rows}
                </DataTable>
                <Pager page=query.page page_count=page_count total=total noun="agents"/>
            }.into_any()
        }}
        {can_manage.then(|| emergency_stop(revoke_all_href, partner_stop))}
    }
}

/// One row of the Agents list: the agent, its partner, purpose, status with the breaker, today's
/// spend, dates and the revoke link.
fn agent_row(
    adv: &str,
    r: &AgentGrantRow,
    signal: Option<crate::enforce::api::AgentSignal>,
    currency: Currency,
    can_manage: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView + use<> {
    let href = format!("/accounts/{adv}/agents/{}", r.agent_id);
    let revoke_href = format!("/accounts/{adv}/agents/{}/revoke", r.agent_id);
    let expired = r.expires_at.is_some_and(|e| e <= now);
    let (tone, label) = status_tone(r.status, expired);
    let revocable = can_manage && r.status != GrantStatus::Revoked;
    let name = r.agent_name.clone();
    let spend = signal.clone().map(|s| {
        if s.today.limit_minor.is_none() && s.today.used_minor == 0 {
            view! { <span class="muted small">"No cap · nothing spent"</span> }.into_any()
        } else {
            view! {
                <crate::enforce::pages::SpendGauge gauge=s.today currency=currency compact=true/>
            }
            .into_any()
        }
    });
    let breaker = signal
        .map(|s| s.breaker)
        .filter(|b| *b != BreakerState::Closed)
        .map(|b| {
            let (tone, label) = crate::enforce::api::breaker_tone(b);
            view! { <div><Badge tone=tone label=label/></div> }
        });
    view! {
        <tr class=format!("row--{}", r.status.as_str())>
            <th scope="row">
                <a class="strong-link" href=href>{r.agent_name.clone()}</a>
                <div class="mono muted small">{r.agent_id.to_string()}</div>
            </th>
            <td>
                <div>{r.partner_name.clone()}</div>
                <div class="muted small">{r.application_name.clone()}</div>
            </td>
            <td>
                {r.purpose.label()}
                {(r.party == Party::ThirdParty).then(|| view! { <div class="muted small">"Third-party"</div> })}
            </td>
            <td><Badge tone=tone label=label/>{breaker}</td>
            <td class="cell--gauge">{spend}</td>
            <td><time datetime=r.granted_at.to_rfc3339()>{fmt_date(&r.granted_at)}</time></td>
            <td>{match r.expires_at {
                Some(e) => view! { <time datetime=e.to_rfc3339()>{fmt_date(&e)}</time> }.into_any(),
                None => view! { <span class="muted">"No expiry"</span> }.into_any(),
            }}</td>
            <td class="actions">
                {revocable.then(|| view! {
                    <a class="button button--danger-ghost button--small" href=revoke_href aria-label=format!("Revoke {name}")>"Revoke"</a>
                })}
            </td>
        </tr>
    }
}

/// The account's emergency stop: revoke every agent (or, with a partner filter, that
/// partner's agents) at once.
fn emergency_stop(
    revoke_all_href: String,
    partner_stop: Option<(String, String)>,
) -> impl IntoView {
    view! {
        <section class="danger-zone" aria-labelledby="danger-title">
            <div>
                <h2 id="danger-title">"Emergency stop"</h2>
                <p class="muted">"Revoke every agent's access to this account at once. Agents lose access immediately."</p>
            </div>
            <div class="danger-zone__actions">
                {partner_stop.map(|(href, label)| view! {
                    <a class="button button--danger-ghost" href=href>{label}</a>
                })}
                <a class="button button--danger" href=revoke_all_href>"Revoke all agents…"</a>
            </div>
        </section>
    }
}

/// Counts by grant state, each a link to that filter. Access that can act now comes first.
#[component]
fn StatusTiles(adv: String, counts: GrantCounts) -> impl IntoView {
    let tiles = [
        (
            "ok",
            "Can act now",
            counts.active,
            "active",
            "Active grants, not expired",
        ),
        (
            "warn",
            "Suspended",
            counts.suspended,
            "suspended",
            "Paused: no access until resumed",
        ),
        (
            "muted",
            "Expired",
            counts.expired,
            "expired",
            "Past their expiry date",
        ),
        (
            "danger",
            "Revoked",
            counts.revoked,
            "revoked",
            "Access removed",
        ),
    ];
    let items = tiles
        .into_iter()
        .map(|(tone, label, n, filter, hint)| {
            let href = format!("/accounts/{adv}/agents?status={filter}");
            view! {
                <li class=format!("stat stat--{tone}")>
                    <a href=href>
                        <span class="stat__value">{n}</span>
                        <span class="stat__label">{label}</span>
                        <span class="stat__hint">{hint}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="stats" aria-label="Grants by state">{items}</ul> }
}

#[component]
pub fn AgentPage() -> impl IntoView {
    let adv = param("adv");
    let agent = param("agent");
    let safety = crate::enforce::pages::SafetyActions::new();
    provide_context(safety);
    let data = Resource::new(
        move || (adv(), agent(), safety.version()),
        |(adv, agent, _)| load_agent(adv, agent),
    );
    view! {
        <Title text="Agent"/>
        <Page fallback="Loading agent…" data=data view=|d| view! { <AgentView data=d/> }/>
    }
}

#[component]
fn AgentView(data: AgentDetailPage) -> impl IntoView {
    let AgentDetailPage {
        account,
        detail,
        delegations,
        versions,
        enforcement,
        csrf,
    } = data;
    let AgentDetail {
        agent,
        application,
        partner,
        grant,
        revoked_by,
        history,
    } = detail;
    let adv = account.advertiser.id.to_string();
    let expired = grant.expires_at.is_some_and(|e| e <= chrono::Utc::now());
    let (tone, label) = status_tone(grant.status, expired);
    let revocable = account.can_manage && grant.status != GrantStatus::Revoked;
    let revoke_href = format!("/accounts/{adv}/agents/{}/revoke", agent.id);
    let back = format!("/accounts/{adv}/agents");
    let purposes = agent
        .purposes
        .iter()
        .map(|p| view! { <li class="chip">{p.label()}</li> })
        .collect_view();
    let history_items = history
        .into_iter()
        .map(|e| {
            view! {
                <li class="timeline__item">
                    <time datetime=e.created_at.to_rfc3339()>{fmt_datetime(&e.created_at)}</time>
                    <div>
                        <strong>{describe_action(&e.action)}</strong>
                        <span class="muted">{format!(" by {}", e.actor_label)}</span>
                        {e.reason.map(|r| view! { <div class="small">"Reason: " <q>{r}</q></div> })}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        <Title text=agent.name.clone()/>
        <AccountBanner account=account.clone()/>
        <p class="breadcrumb"><a href=back>"← All agents"</a></p>
        <Flash messages=agent_messages/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} · {}", partner.name, application.name)}</p>
                <h1>{agent.name.clone()} " " <Badge tone=tone label=label/></h1>
                <p class="muted">{agent.description.clone()}</p>
            </div>
            <div class="page-head__actions">
                {revocable.then(|| view! { <a class="button button--secondary" href=format!("/accounts/{adv}/agents/{}/edit", agent.id)>"Edit access"</a> })}
                {revocable.then(|| view! { <a class="button button--danger" href=revoke_href>"Revoke access…"</a> })}
            </div>
        </div>
        <div class="grid-2">
            <section class="panel" aria-labelledby="grant-title">
                <h2 id="grant-title">"Grant on this account"</h2>
                <dl class="facts">
                    <dt>"Status"</dt><dd><Badge tone=tone label=label/></dd>
                    <dt>"Purpose"</dt><dd>{grant.purpose.label()}</dd>
                    <dt>"Granted on"</dt><dd>{fmt_datetime(&grant.created_at)}</dd>
                    <dt>"Expires"</dt><dd>{grant.expires_at.map(|e| fmt_datetime(&e)).unwrap_or_else(|| "No expiry".into())}</dd>
                    {grant.revoked_at.map(|r| view! {
                        <dt>"Revoked"</dt>
                        <dd>{fmt_datetime(&r)}{revoked_by.clone().map(|b| format!(" by {b}"))}</dd>
                    })}
                    <dt>"Policy"</dt>
                    <dd>{match grant.policy.clone() {
                        Some(p) => view! { <pre class="code">{p}</pre> }.into_any(),
                        None => view! { <span class="muted">"Purpose template (no custom policy)"</span> }.into_any(),
                    }}</dd>
                    <dt>"Grant id"</dt><dd class="mono">{grant.id.to_string()}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="identity-title">
                <h2 id="identity-title">"Identity"</h2>
                <dl class="facts">
                    <dt>"Agent id"</dt><dd class="mono">{agent.id.to_string()}</dd>
                    <dt>"Partner"</dt><dd>{partner.name.clone()} <span class="muted">{format!(" · {}", partner.kind.label())}</span></dd>
                    <dt>"Application"</dt><dd>{application.name.clone()}</dd>
                    <dt>"Built by"</dt><dd>{agent.party.label()}</dd>
                    <dt>"Agent status"</dt><dd>{agent.status.label()}</dd>
                    <dt>"Registered"</dt><dd>{fmt_date(&agent.created_at)}</dd>
                    <dt>"Declared purposes"</dt><dd><ul class="chips">{purposes}</ul></dd>
                </dl>
            </section>
        </div>
        {match enforcement {
            Some(enforcement) => view! {
                <crate::enforce::pages::SafetyPanels
                    adv=adv.clone()
                    agent_id=agent.id.to_string()
                    agent_name=agent.name.clone()
                    view=enforcement
                    can_manage=account.can_manage
                    csrf=csrf
                />
            }
            .into_any(),
            None => view! {
                <section class="panel" id="safety" aria-labelledby="safety-title">
                    <h2 id="safety-title">"Spend and circuit breaker"</h2>
                    <p class="muted">"The spend figures of this agent cannot be read right now. Revoking it does not depend on them."</p>
                </section>
            }
            .into_any(),
        }}
        <DelegationTree agent_name=agent.name.clone() delegations=delegations/>
        <GrantVersions versions=versions/>
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <ol class="timeline">{history_items}</ol>
        </section>
    }
}

/// The agents this agent passed its access on to, nested by delegation.
#[component]
fn DelegationTree(agent_name: String, delegations: Vec<DelegationView>) -> impl IntoView {
    let count = delegations.len();
    let body = if delegations.is_empty() {
        view! {
            <p class="empty empty--compact">
                {format!("No delegations. {agent_name} has not passed its access on to another agent.")}
            </p>
        }
        .into_any()
    } else {
        let jtis: std::collections::HashSet<&str> =
            delegations.iter().map(|d| d.jti.as_str()).collect();
        // Delegations whose parent is not listed hang off the granted agent: their parent is
        // one of its own (root) tokens.
        let roots: Vec<usize> = (0..delegations.len())
            .filter(|&i| {
                delegations[i]
                    .parent_jti
                    .as_deref()
                    .is_none_or(|p| !jtis.contains(p))
            })
            .collect();
        let children = tree_level(&delegations, &roots, 0);
        view! {
            <ul class="tree" aria-label="Delegations">
                <li class="tree__node">
                    <div class="tree__card tree__card--root">
                        <strong>{agent_name.clone()}</strong>
                        <span class="muted small">" holds the grant on this account"</span>
                    </div>
                    {children}
                </li>
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="delegations-title">
            <div class="panel__head">
                <h2 id="delegations-title">"Delegation tree"</h2>
                {(count > 0).then(|| view! { <span class="muted small">{format!("{count} delegated token(s), newest first")}</span> })}
            </div>
            <p class="muted">"Agents can hand a narrower part of their access to other agents of the same application. Revoking this agent's grant revokes every delegation below it."</p>
            {body}
        </section>
    }
}

/// The nodes in `level` and, below each, the delegations made from it.
fn tree_level(all: &[DelegationView], level: &[usize], guard: u32) -> AnyView {
    let items = level
        .iter()
        .map(|&i| {
            let d = &all[i];
            let kids: Vec<usize> = if guard < 32 {
                (0..all.len())
                    .filter(|&k| all[k].parent_jti.as_deref() == Some(d.jti.as_str()))
                    .collect()
            } else {
                Vec::new()
            };
            let below = (!kids.is_empty()).then(|| tree_level(all, &kids, guard + 1));
            let (tone, label) = d.state.tone_label();
            let summary = format!("Delegated scope of {}", d.agent_name);
            view! {
                <li class="tree__node">
                    <div class=format!("tree__card tree__card--{}", label.to_lowercase())>
                        <div class="tree__title">
                            <strong>{d.agent_name.clone()}</strong>
                            <Badge tone=tone label=label/>
                            <span class="chip chip--small">{format!("Depth {}", d.depth)}</span>
                        </div>
                        <div class="small muted">
                            "Issued " <time datetime=d.issued_at.to_rfc3339()>{fmt_datetime(&d.issued_at)}</time>
                            " · expires " <time datetime=d.expires_at.to_rfc3339()>{fmt_datetime(&d.expires_at)}</time>
                            {d.revoked_at.map(|r| view! { " · revoked " <time datetime=r.to_rfc3339()>{fmt_datetime(&r)}</time> })}
                        </div>
                        <div class="mono muted small">{format!("{} · token {}", d.agent_id, d.jti)}</div>
                        <details class="tree__scope">
                            <summary aria-label=summary>"Delegated scope"</summary>
                            {match d.policy.clone() {
                                Some(p) => view! { <pre class="code">{p}</pre> }.into_any(),
                                None => view! { <p class="muted small">"Not recorded."</p> }.into_any(),
                            }}
                        </details>
                    </div>
                    {below}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="tree__children">{items}</ul> }.into_any()
}

/// The grant's versions, newest first, each with what changed from the one before.
#[component]
fn GrantVersions(versions: Vec<VersionView>) -> impl IntoView {
    let latest = versions.first().map(|v| v.version);
    let items = versions
        .into_iter()
        .map(|v| {
            let current = Some(v.version) == latest;
            let when = |t: Option<chrono::DateTime<chrono::Utc>>, none: &'static str| {
                t.map(|t| fmt_datetime(&t)).unwrap_or_else(|| none.to_string())
            };
            let changes = match v.changes {
                None => view! { <p class="small muted">"First version of the grant."</p> }.into_any(),
                Some(c) if c.fields.is_empty() && c.policy.is_empty() => view! {
                    <p class="small muted">"No change to the purpose, time bounds or policy."</p>
                }.into_any(),
                Some(c) => {
                    let fields = c.fields.into_iter().map(|f| view! {
                        <li>
                            <strong>{f.field}</strong> ": "
                            <del class="change__before">{f.before}</del>
                            <span aria-hidden="true">" → "</span><span class="visually-hidden">" changed to "</span>
                            <ins class="change__after">{f.after}</ins>
                        </li>
                    }).collect_view();
                    let has_policy = !c.policy.is_empty();
                    let lines = c.policy.into_iter().map(|l| match l.kind {
                        DiffKind::Added => view! { <ins class="diff__line diff__line--added"><span class="diff__mark">"+ "</span>{l.text}</ins> }.into_any(),
                        DiffKind::Removed => view! { <del class="diff__line diff__line--removed"><span class="diff__mark">"- "</span>{l.text}</del> }.into_any(),
                        DiffKind::Same => view! { <span class="diff__line"><span class="diff__mark">"  "</span>{l.text}</span> }.into_any(),
                        DiffKind::Skipped => view! { <span class="diff__line diff__line--skipped">{format!("  … {}", l.text)}</span> }.into_any(),
                    }).collect_view();
                    let prev = v.version.saturating_sub(1);
                    view! {
                        <div class="version__changes">
                            <p class="small"><strong>{format!("Changes from version {prev}")}</strong></p>
                            <ul class="changes">{fields}</ul>
                            {has_policy.then(|| view! {
                                <figure class="diff-figure">
                                    <figcaption class="visually-hidden">{format!("Policy changes from version {prev}: lines marked + were added, lines marked - were removed")}</figcaption>
                                    <pre class="diff">{lines}</pre>
                                </figure>
                            })}
                        </div>
                    }.into_any()
                }
            };
            let title = format!("Version {}", v.version);
            let summary = format!("Policy of version {}", v.version);
            view! {
                <li class="version" class:version--current=current>
                    <div class="version__head">
                        <h3>{title}</h3>
                        {current.then(|| view! { <Badge tone="neutral" label="Current"/> })}
                        <span class="muted small">
                            <time datetime=v.created_at.to_rfc3339()>{fmt_datetime(&v.created_at)}</time>
                            {format!(" · by {}", v.created_by)}
                        </span>
                    </div>
                    {v.note.map(|n| view! { <p class="small">"Note: " <q>{n}</q></p> })}
                    <p class="small">
                        {format!("Purpose: {} · Valid from: {} · Expires: {}", v.purpose.label(), when(v.not_before, "Immediately"), when(v.expires_at, "No expiry"))}
                    </p>
                    {changes}
                    <details class="tree__scope">
                        <summary aria-label=summary>"Policy"</summary>
                        {match v.policy {
                            Some(p) => view! { <pre class="code">{p}</pre> }.into_any(),
                            None => view! { <p class="muted small">"Purpose template (no custom policy)."</p> }.into_any(),
                        }}
                    </details>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="versions-title">
            <h2 id="versions-title">"Grant versions"</h2>
            <p class="muted">"Every change to this grant is kept as a new version. Tokens name the version they were issued under."</p>
            <ol class="versions" aria-label="Grant versions, newest first">{items}</ol>
        </section>
    }
}
