//! The partner console pages.

use super::api::*;
use crate::components::*;
use crate::error::AppError;
use crate::session::api::SessionInfo;
use charter_model::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

#[component]
pub fn PartnersPage() -> impl IntoView {
    let SessionResource(info) = expect_context();
    view! {
        <Title text="Partner console"/>
        <Page fallback="Loading…" data=info view=partners_view/>
    }
}

/// The partners the person works for, each a link to its console.
fn partners_view(info: SessionInfo) -> AnyView {
    if info.partners.is_empty() {
        return view! { <ErrorPanel error=AppError::NotFound/> }.into_any();
    }
    let items = info
        .partners
        .into_iter()
        .map(|p| {
            let href = format!("/partners/{}", p.id);
            view! {
                <li class="card card--link">
                    <a href=href>
                        <span class="card__title">{p.name}</span>
                        <span class="card__meta">{p.kind.label()}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="page-head"><div><p class="eyebrow">"Partner console"</p><h1>"Your partners"</h1></div></div>
        <ul class="cards">{items}</ul>
    }.into_any()
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
        <PageWithCsrf fallback="Loading…" data=data view=move |d, csrf| console_view(d, csrf, query)/>
    }
}

/// One partner's console: its applications with their agents, and the form for a new one.
fn console_view(d: PartnerConsole, csrf: String, query: Memo<ParamsMap>) -> AnyView {
    let highlight = query.get_untracked().get("agent");
    let partner_id = d.partner.id.to_string();
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
            <a class="button button--secondary" href=format!("/partners/{partner_id}/requests")>"Access requests"</a>
        </div>
        <Flash messages=partner_messages/>
        {apps}
        <section class="panel" aria-labelledby="new-app-title">
            <h2 id="new-app-title">"New application"</h2>
            <ActionForm action=create attr:class="form form--row">
                <CsrfField token=csrf/>
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
        let href = format!("/partners/{partner_id}/agents/{}", a.id);
        let credentials_label = format!("Credentials of {}", a.name);
        view! {
            <tr id=a.id.to_string() class:is-new=is_new>
                <th scope="row"><a class="strong-link" href=href.clone()>{a.name.clone()}</a><div class="muted small">{a.description.clone()}</div></th>
                <td class="mono small">{a.id.to_string()}</td>
                <td>{purposes}</td>
                <td>{a.party.label()}</td>
                <td>{a.status.label()}</td>
                <td>{fmt_date(&a.created_at)}</td>
                <td class="actions"><a class="button button--secondary button--small" href=href aria-label=credentials_label>"Credentials"</a></td>
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
                    <DataTable dense=true caption=format!("Agents of {}", application.name)
                        columns=&["Agent", "Id", "Purposes", "Built by", "Status", "Registered"] actions="Credentials">
                        {rows}
                    </DataTable>
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

fn credential_messages(kind: &str, code: &str) -> Option<String> {
    if let Some(problem) = JwkProblem::from_code(code).filter(|_| kind == "error") {
        return Some(format!("Key not registered. {}", problem.message()));
    }
    Some(
        match (kind, code) {
            ("notice", "secret_created") => {
                "Secret created. It is shown only once."
            }
            ("notice", "secret_revoked") => {
                "Secret revoked. It can no longer be used to get tokens."
            }
            ("notice", "key_added") => {
                "Public key registered. The agent can now sign client assertions with it."
            }
            ("notice", "agent_disabled") => {
                "Agent disabled. Its tokens stopped working on every account, and it cannot get new ones."
            }
            ("notice", "agent_active") => {
                "Agent enabled. It can get tokens again for the accounts that granted it access."
            }
            ("notice", "key_revoked") => {
                "Public key revoked. Assertions signed with it are refused."
            }
            ("error", "two_live_secrets") => {
                "This agent already has two live secrets. Revoke the old secret first, then create a new one."
            }
            ("error", "jwk_duplicate") => {
                "Key not registered. This agent already has a key with that `kid`: choose another `kid`."
            }
            _ => return None,
        }
        .to_string(),
    )
}

/// The example that gets a token with a client secret (client_secret_basic).
fn curl_example(endpoint: &str, client_id: &str) -> String {
    format!(
        "curl -sS -X POST '{endpoint}' \\\n  -u \"{client_id}:$CHARTER_CLIENT_SECRET\" \\\n  -d grant_type=client_credentials \\\n  --data-urlencode 'resource=urn:charter:account:<advertiser id>'"
    )
}

/// One agent's client credentials: how to connect, its secrets and its public keys.
#[component]
pub fn AgentCredentialsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // Keyed on the query too: every post redirects here with a new query, which refetches.
    let data = Resource::new(
        move || {
            let p = params.get();
            (
                p.get("partner").unwrap_or_default(),
                p.get("agent").unwrap_or_default(),
                query.get().to_query_string(),
            )
        },
        |(partner, agent, _)| load_agent_credentials(partner, agent),
    );
    view! {
        <Title text="Agent credentials"/>
        <PageWithCsrf fallback="Loading…" data=data view=|d, csrf| view! { <CredentialsView data=d csrf=csrf/> }/>
    }
}

#[component]
fn CredentialsView(data: AgentCredentials, csrf: String) -> impl IntoView {
    let live = data.live_secrets();
    let AgentCredentials {
        partner,
        application_name,
        agent,
        token_endpoint,
        secrets,
        keys,
        fresh_secret,
    } = data;
    let partner_id = partner.id.to_string();
    let agent_id = agent.id.to_string();
    let back = format!("/partners/{partner_id}#{agent_id}");
    let fresh =
        fresh_secret.map(|f| view! { <FreshSecretPanel fresh=f agent_id=agent_id.clone()/> });
    let (status_tone, status_label) = match agent.status {
        AgentStatus::Active => ("ok", agent.status.label()),
        _ => ("muted", agent.status.label()),
    };
    let disabled = agent.status == AgentStatus::Disabled;
    let ids = AgentIds {
        partner_id,
        agent_id,
    };
    view! {
        <Title text=format!("{} · credentials", agent.name)/>
        <p class="breadcrumb"><a href=back>{format!("← {}", partner.name)}</a></p>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} · {}", partner.name, application_name)}</p>
                <h1>{agent.name.clone()} " " <Badge tone=status_tone label=status_label/></h1>
                <p class="muted">{agent.description.clone()}</p>
            </div>
        </div>
        <Flash messages=credential_messages/>
        {fresh}
        <ConnectPanel agent_id=ids.agent_id.clone() token_endpoint=token_endpoint/>
        <SecretsPanel secrets=secrets live=live ids=ids.clone() csrf=csrf.clone()/>
        <KeysPanel keys=keys ids=ids.clone() csrf=csrf.clone()/>
        <KillSwitch disabled=disabled ids=ids csrf=csrf/>
    }
}

/// The partner and agent a credentials form is about.
#[derive(Debug, Clone)]
struct AgentIds {
    partner_id: String,
    agent_id: String,
}

/// The hidden fields every credentials form posts: the partner and the agent.
#[component]
fn AgentIdFields(ids: AgentIds) -> impl IntoView {
    view! {
        <input type="hidden" name="partner_id" value=ids.partner_id/>
        <input type="hidden" name="agent_id" value=ids.agent_id/>
    }
}

/// A secret created moments ago, shown this once.
#[component]
fn FreshSecretPanel(fresh: FreshSecret, agent_id: String) -> impl IntoView {
    let f = fresh;
    view! {
        <section class="panel panel--secret" id="new-secret" aria-labelledby="new-secret-title">
            <h2 id="new-secret-title">"Copy this secret now; it will not be shown again"</h2>
            <p>
                "Charter keeps only a hash of it. Store it in your secret manager, then use it as the "
                <code>"client_secret"</code> " of " <span class="mono">{agent_id.clone()}</span> "."
            </p>
            <label class="secret__label" for="new-secret-value">"New client secret"</label>
            <input id="new-secret-value" class="secret__value" type="text" readonly value=f.secret.clone()
                autocomplete="off" spellcheck="false" aria-describedby="new-secret-hint"/>
            <p id="new-secret-hint" class="small muted">{format!("It ends in …{}. If you lose it, create a new secret and revoke this one.", f.hint)}</p>
        </section>
    }
}

/// How to connect the agent: its client id, the token endpoint, the ways to authenticate, and
/// an example.
#[component]
fn ConnectPanel(agent_id: String, token_endpoint: String) -> impl IntoView {
    let curl = curl_example(&token_endpoint, &agent_id);
    view! {
        <section class="panel" id="connect" aria-labelledby="connect-title">
            <h2 id="connect-title">"Connect the agent"</h2>
            <p class="muted">"The agent gets short-lived access tokens for one advertiser account at a time, and only for accounts that granted it access."</p>
            <dl class="facts">
                <dt>"Client id"</dt><dd class="mono">{agent_id.clone()}</dd>
                <dt>"Token endpoint"</dt><dd class="mono">{token_endpoint.clone()}</dd>
                <dt>"Authentication"</dt><dd><code>"client_secret_basic"</code>", " <code>"client_secret_post"</code>" or " <code>"private_key_jwt"</code>" (EdDSA)"</dd>
                <dt>"Resource"</dt><dd><code>"urn:charter:account:"</code><em>"<advertiser id>"</em></dd>
            </dl>
            <h3 class="subhead" id="curl-title">"Example: a token with a client secret"</h3>
            <pre class="code code--copy" role="region" aria-labelledby="curl-title" tabindex="0">{curl}</pre>
        </section>
    }
}

/// The agent's client secrets, each with its revoke button, and the button that creates one.
#[component]
fn SecretsPanel(
    secrets: Vec<SecretView>,
    live: usize,
    ids: AgentIds,
    csrf: String,
) -> impl IntoView {
    let create = ServerAction::<CreateClientSecret>::new();
    let no_secrets = secrets.is_empty();
    let secret_rows = secrets
        .into_iter()
        .map(|s| {
            let label = format!("Revoke secret ending {}", s.hint);
            view! {
                <CredentialRow revoked_at=s.revoked_at live="Live" revoke=Revoke::Secret(s.id)
                    label=label ids=ids.clone() csrf=csrf.clone()>
                    <th scope="row"><span class="mono">{format!("…{}", s.hint)}</span></th>
                    <td><time datetime=s.created_at.to_rfc3339()>{fmt_datetime(&s.created_at)}</time></td>
                    <td>{match s.last_used_at {
                        Some(t) => view! { <time datetime=t.to_rfc3339()>{fmt_datetime(&t)}</time> }.into_any(),
                        None => view! { <span class="muted">"Never"</span> }.into_any(),
                    }}</td>
                </CredentialRow>
            }
        })
        .collect_view();
    view! {
        <section class="panel" id="secrets" aria-labelledby="secrets-title">
            <div class="panel__head">
                <div>
                    <h2 id="secrets-title">"Client secrets"</h2>
                    <p class="muted">{format!("At most {MAX_LIVE_SECRETS} secrets are live at once, so you can rotate: create a new one, deploy it, then revoke the old one. Charter stores only a hash.")}</p>
                </div>
                <ActionForm action=create attr:class="inline-form">
                    <CsrfField token=csrf/>
                    <AgentIdFields ids=ids/>
                    <button class="button button--primary" type="submit">"Create secret"</button>
                </ActionForm>
            </div>
            {(live >= MAX_LIVE_SECRETS).then(|| view! {
                <p class="note" role="note">"Two secrets are live. Revoke the old secret before you create another."</p>
            })}
            {if no_secrets {
                view! { <p class="empty empty--compact">"No secrets yet. Create one to let the agent authenticate with a secret."</p> }.into_any()
            } else {
                view! {
                    <DataTable dense=true caption="Client secrets"
                        columns=&["Secret", "Created", "Last used", "Status"] actions="Actions">
                        {secret_rows}
                    </DataTable>
                }.into_any()
            }}
        </section>
    }
}

/// What a credential row's revoke button revokes, by id.
enum Revoke {
    Secret(String),
    Key(String),
}

/// One credential (a client secret or a public key) as a table row: its own cells
/// (`children`), its status (`live` until revoked, then when), and while live its revoke
/// button (named `label` for screen readers).
#[component]
fn CredentialRow(
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    live: &'static str,
    revoke: Revoke,
    label: String,
    ids: AgentIds,
    csrf: String,
    children: Children,
) -> impl IntoView {
    let revoked = revoked_at.is_some();
    let form = (!revoked).then(move || {
        let (field, id) = match &revoke {
            Revoke::Secret(id) => ("secret_id", id.clone()),
            Revoke::Key(id) => ("key_id", id.clone()),
        };
        let fields = view! {
            <CsrfField token=csrf/>
            <AgentIdFields ids=ids/>
            <input type="hidden" name=field value=id/>
            <button class="button button--danger-ghost button--small" type="submit" aria-label=label>"Revoke"</button>
        };
        match revoke {
            Revoke::Secret(_) => {
                let action = ServerAction::<RevokeClientSecret>::new();
                view! { <ActionForm action=action attr:class="inline-form">{fields}</ActionForm> }.into_any()
            }
            Revoke::Key(_) => {
                let action = ServerAction::<RevokeClientKey>::new();
                view! { <ActionForm action=action attr:class="inline-form">{fields}</ActionForm> }.into_any()
            }
        }
    });
    view! {
        <tr class:row--revoked=revoked>
            {children()}
            <td>{match revoked_at {
                Some(t) => view! { <Badge tone="danger" label="Revoked"/> <div class="small">{fmt_datetime(&t)}</div> }.into_any(),
                None => view! { <Badge tone="ok" label=live/> }.into_any(),
            }}</td>
            <td class="actions">{form}</td>
        </tr>
    }
}

/// The agent's public keys (`private_key_jwt`), each with its revoke button, and the form that
/// registers one.
#[component]
fn KeysPanel(keys: Vec<KeyView>, ids: AgentIds, csrf: String) -> impl IntoView {
    let add_key = ServerAction::<AddClientKey>::new();
    let no_keys = keys.is_empty();
    let key_rows = keys
        .into_iter()
        .map(|k| {
            let label = format!("Revoke key {}", k.kid);
            view! {
                <CredentialRow revoked_at=k.revoked_at live="Active" revoke=Revoke::Key(k.id)
                    label=label ids=ids.clone() csrf=csrf.clone()>
                    <th scope="row" class="mono">{k.kid.clone()}</th>
                    <td class="mono small">{k.x.clone()}</td>
                    <td><time datetime=k.created_at.to_rfc3339()>{fmt_datetime(&k.created_at)}</time></td>
                </CredentialRow>
            }
        })
        .collect_view();
    view! {
        <section class="panel" id="keys" aria-labelledby="keys-title">
            <h2 id="keys-title">"Public keys"</h2>
            <p class="muted">"Register an Ed25519 public key to authenticate with " <code>"private_key_jwt"</code> " instead of a secret: the agent signs a short assertion with its private key, which never leaves it."</p>
            {if no_keys {
                view! { <p class="empty empty--compact">"No public keys registered."</p> }.into_any()
            } else {
                view! {
                    <DataTable dense=true caption="Public keys"
                        columns=&["Key id (kid)", "Public key (x)", "Registered", "Status"] actions="Actions">
                        {key_rows}
                    </DataTable>
                }.into_any()
            }}
            <ActionForm action=add_key attr:class="form form--key">
                <CsrfField token=csrf/>
                <AgentIdFields ids=ids/>
                <div class="field">
                    <label for="jwk">"Public key (JWK)"</label>
                    <textarea id="jwk" name="jwk" rows="4" required maxlength="4096" spellcheck="false" autocomplete="off"
                        class="mono" aria-describedby="jwk-hint"
                        placeholder="{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"…\",\"kid\":\"…\"}"></textarea>
                    <p id="jwk-hint" class="small muted">"One JSON Web Key: " <code>"kty"</code> " OKP, " <code>"crv"</code> " Ed25519, " <code>"x"</code> " the 32-byte public key in base64url, " <code>"kid"</code> " up to 64 characters. Never paste the private key (" <code>"d"</code> ")."</p>
                </div>
                <div class="form__actions">
                    <button class="button button--secondary" type="submit">"Register key"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// The kill switch: disables the agent everywhere at once, or enables it again.
#[component]
fn KillSwitch(disabled: bool, ids: AgentIds, csrf: String) -> impl IntoView {
    let toggle = ServerAction::<SetAgentStatus>::new();
    view! {
        <section class="danger-zone" aria-labelledby="kill-title">
            <div>
                <h2 id="kill-title">{if disabled { "This agent is disabled" } else { "Disable this agent" }}</h2>
                <p class="muted">{if disabled {
                    "It cannot get tokens, and every token it holds is refused. Enable it to let it work again."
                } else {
                    "Stops the agent everywhere at once: every token it holds, and every token delegated from them, is refused on the next request."
                }}</p>
            </div>
            <ActionForm action=toggle attr:class="inline-form">
                <CsrfField token=csrf/>
                <AgentIdFields ids=ids/>
                <input type="hidden" name="status" value=if disabled { "active" } else { "disabled" }/>
                <button class=if disabled { "button button--secondary" } else { "button button--danger" } type="submit">
                    {if disabled { "Enable agent" } else { "Disable agent" }}
                </button>
            </ActionForm>
        </section>
    }
}
