//! The grant editor page. It works without JavaScript: "Preview changes" is a GET of the same
//! page with the fields as query parameters (the preview is computed while rendering on the
//! server), and "Save" posts the form to the server function. With JavaScript, the same preview
//! is recomputed in the browser (authz compiled to wasm) on every change, and saving goes through
//! the server action so a refusal shows inline.

use super::api::*;
use super::draft::{self, CELLS_PARAM, EditorDraft, Preview, PreviewInputs};
use crate::accounts::api::{DiffKind, line_diff};
use crate::components::*;
use crate::consent::api::CheckView;
use authz::{AccessLevel, Catalog, Coverage};
use charter_model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeSet;

#[component]
pub fn EditGrantPage() -> impl IntoView {
    let adv = param("adv");
    let agent = param("agent");
    let query = use_query_map();
    let data = Resource::new(
        move || (adv(), agent()),
        |(adv, agent)| load_grant_editor(adv, agent),
    );
    view! {
        <Title text="Edit access"/>
        <PageWithCsrf fallback="Loading the editor…" data=data view=move |d, csrf| {
            let q = query.get();
            let pairs: Vec<(String, String)> = q
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            let from_query = draft::draft_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            view! { <Editor data=d csrf=csrf from_query=from_query/> }
        }/>
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn risky(level: AccessLevel) -> bool {
    matches!(
        level,
        AccessLevel::Spend | AccessLevel::PermissionsManagement
    )
}

#[component]
fn Editor(data: EditorData, csrf: String, from_query: Option<EditorDraft>) -> impl IntoView {
    let EditorData {
        account,
        agent_id,
        agent_name,
        partner_name,
        application_name,
        purpose,
        status,
        version,
        inputs,
        current,
    } = data;
    let adv = account.advertiser.id.to_string();
    let agent_href = format!("/accounts/{adv}/agents/{agent_id}");
    let edit_href = format!("{agent_href}/edit");
    if status == GrantStatus::Revoked {
        return view! {
            <section class="panel">
                <h1>"This grant is revoked"</h1>
                <p>{agent_name} " has no access to this account, so there is nothing to edit. The partner must ask again."</p>
                <a class="button button--secondary" href=agent_href>"Back to the agent"</a>
            </section>
        }
        .into_any();
    }
    let start = from_query.unwrap_or_else(|| current.clone());
    let was_full: BTreeSet<String> = current.cells.iter().cloned().collect();
    let sig = DraftSignals::new(&start);
    let draft_now = move || sig.draft();
    let preview_inputs = inputs.clone();
    let preview = Memo::new(move |_| draft::preview(&preview_inputs, &draft_now()));
    let current_policy_text = inputs.current_policy.clone().unwrap_or_default();

    let save = ServerAction::<SaveGrantVersion>::new();
    let save_error = move || {
        save.value().get().and_then(|r| r.err()).map(|e| {
            view! { <div class="flash flash--error" role="alert">{e.to_string()}</div> }
        })
    };
    let example = draft::example_resource(inputs.marketplace, &inputs.account);
    let scope_hint = format!(
        "One pattern a line. The whole account is {}; a single campaign is {example}. Patterns for other accounts are refused.",
        draft::default_resource(inputs.marketplace, &inputs.account)
    );

    view! {
        <Title text=format!("Edit access · {agent_name}")/>
        <p class="breadcrumb"><a href=agent_href.clone()>{format!("← {agent_name}")}</a></p>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} · {} · {}", account.advertiser.name, partner_name, application_name)}</p>
                <h1>"Edit access of " {agent_name.clone()}</h1>
                <p class="muted">{format!("Version {version} · purpose {}. Choose what the agent may do; the preview shows exactly what changes before you save.", purpose.label())}</p>
            </div>
        </div>
        {save_error}
        <div class="editor">
            <form class="editor__main" method="get" action=edit_href.clone() aria-label="Grant editor">
                {capability_matrix(&inputs, &start.cells, &was_full, sig)}
                {scope_section(&start, sig, scope_hint)}
            </form>
            {save_panel(SavePanel { adv: adv.clone(), agent_id: agent_id.clone(), csrf, version, start: start.clone(), agent_href, current_policy_text, preview, save, sig })}
        </div>
    }
    .into_any()
}

/// The editor's form state: one signal per field of the draft.
#[derive(Clone, Copy)]
struct DraftSignals {
    cells: RwSignal<BTreeSet<String>>,
    resources: RwSignal<String>,
    not_before: RwSignal<String>,
    not_after: RwSignal<String>,
    max_bid: RwSignal<String>,
    note: RwSignal<String>,
}

impl DraftSignals {
    fn new(start: &EditorDraft) -> Self {
        DraftSignals {
            cells: RwSignal::new(start.cells.iter().cloned().collect()),
            resources: RwSignal::new(start.resources.clone()),
            not_before: RwSignal::new(start.not_before.clone()),
            not_after: RwSignal::new(start.not_after.clone()),
            max_bid: RwSignal::new(start.max_bid.clone()),
            note: RwSignal::new(start.note.clone()),
        }
    }

    /// The draft as the fields hold it now.
    fn draft(&self) -> EditorDraft {
        EditorDraft {
            cells: self.cells.get().into_iter().collect(),
            resources: self.resources.get(),
            not_before: self.not_before.get(),
            not_after: self.not_after.get(),
            max_bid: self.max_bid.get(),
            note: self.note.get(),
        }
    }
}

/// The capability matrix: rows are namespaces, columns access levels; a checkbox per cell that
/// has actions, marked when it adds or removes access against what the agent holds in full.
fn capability_matrix(
    inputs: &PreviewInputs,
    start_cells: &[String],
    was_full: &BTreeSet<String>,
    sig: DraftSignals,
) -> impl IntoView + use<> {
    let catalog = Catalog::builtin();
    let coverage: Vec<authz::CellState> = inputs
        .current_policy
        .as_deref()
        .and_then(|t| authz::parse_policy(t).ok())
        .map(|p| authz::matrix_of(&p, catalog))
        .unwrap_or_default();
    let all_cells: Vec<(String, AccessLevel)> = {
        let mut v: Vec<(String, AccessLevel)> = catalog
            .actions
            .iter()
            .map(|a| (a.namespace().to_string(), a.access_level))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let header = AccessLevel::ALL
        .iter()
        .map(|l| {
            let risk = risky(*l);
            view! {
                <th scope="col" class:matrix__col--risky=risk>
                    {capitalized(l.words())}
                    {risk.then(|| view! { <span class="matrix__risk" aria-hidden="true">" ⚠"</span><span class="visually-hidden">" (big change)"</span> })}
                </th>
            }
        })
        .collect_view();
    let rows = catalog
        .namespaces()
        .into_iter()
        .map(|ns| {
            let tds = AccessLevel::ALL
                .iter()
                .map(|level| {
                    let level = *level;
                    if !all_cells.iter().any(|(n, l)| n == ns && *l == level) {
                        return view! { <td class="matrix__cell matrix__cell--none"><span class="visually-hidden">"Not applicable"</span><span aria-hidden="true">"—"</span></td> }.into_any();
                    }
                    let key = draft::cell_key(ns, level);
                    let label = authz::describe::group_title(ns, level);
                    let state = coverage.iter().find(|c| c.namespace == ns && c.level == level);
                    let partial = state.filter(|c| c.coverage == Coverage::Partial).map(|c| (c.allowed, c.total));
                    let full = was_full.contains(&key);
                    let id = format!("cell-{}", key.replace(':', "-"));
                    let key_checked = key.clone();
                    let key_change = key.clone();
                    let key_added = key.clone();
                    let key_removed = key.clone();
                    let is_checked = move || sig.cells.with(|c| c.contains(&key_checked));
                    let added = move || !full && sig.cells.with(|c| c.contains(&key_added));
                    let removed = move || full && !sig.cells.with(|c| c.contains(&key_removed));
                    let initially = start_cells.contains(&key);
                    view! {
                        <td class="matrix__cell" class:matrix__cell--risky=risky(level) class:matrix__cell--added=added class:matrix__cell--removed=removed class:matrix__cell--current=full>
                            <input
                                type="checkbox"
                                id=id
                                name=CELLS_PARAM
                                value=key.clone()
                                aria-label=label
                                checked=initially
                                prop:checked=is_checked
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    sig.cells.update(|c| {
                                        if on { c.insert(key_change.clone()); } else { c.remove(&key_change); }
                                    });
                                }
                            />
                            {partial.map(|(n, total)| view! {
                                <span class="matrix__partial" title=format!("Partly granted now: {n} of {total} actions")>
                                    <span aria-hidden="true">"◐"</span>
                                    <span class="visually-hidden">{format!("partly granted now, {n} of {total} actions")}</span>
                                </span>
                            })}
                        </td>
                    }
                    .into_any()
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{authz::namespace_title(ns).to_string()}<div class="mono muted small">{ns.to_string()}</div></th>
                    {tds}
                </tr>
            }
        })
        .collect_view();

    view! {
        <section class="panel" aria-labelledby="matrix-title">
            <h2 id="matrix-title">"Capabilities"</h2>
            <p class="muted small">
                "Tick a box to allow every action of that kind. Ticked boxes are what the agent has in full now; "
                <span aria-hidden="true">"◐"</span>" marks access it has only in part, which is dropped unless you tick the box. "
                "Columns marked ⚠ are big changes."
            </p>
            <div class="matrix-wrap" role="region" aria-labelledby="matrix-title" tabindex="0">
                <table class="matrix">
                    <caption class="visually-hidden">"Capabilities: namespaces by access level"</caption>
                    <thead><tr><th scope="col">"Area"</th>{header}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// The data scope and time fields.
fn scope_section(
    start: &EditorDraft,
    sig: DraftSignals,
    scope_hint: String,
) -> impl IntoView + use<> {
    view! {
        <section class="panel" aria-labelledby="scope-title">
            <h2 id="scope-title">"Data scope and time"</h2>
            <div class="field">
                <label for="resources">"Resources"</label>
                <textarea id="resources" name="resources" rows="3" spellcheck="false" class="mono" aria-describedby="resources-hint"
                    prop:value=move || sig.resources.get()
                    on:input=move |ev| sig.resources.set(event_target_value(&ev))
                >{start.resources.clone()}</textarea>
                <p id="resources-hint" class="muted small">{scope_hint}</p>
            </div>
            <div class="editor__row">
                <div class="field">
                    <label for="not_before">"Not before"</label>
                    <input id="not_before" name="not_before" type="date" value=start.not_before.clone()
                        prop:value=move || sig.not_before.get()
                        on:input=move |ev| sig.not_before.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="not_after">"Not after " <span class="muted">"(last day of access)"</span></label>
                    <input id="not_after" name="not_after" type="date" value=start.not_after.clone()
                        prop:value=move || sig.not_after.get()
                        on:input=move |ev| sig.not_after.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="max_bid">"Maximum bid " <span class="muted">"(optional)"</span></label>
                    <input id="max_bid" name="max_bid" type="text" inputmode="decimal" placeholder="2.50" value=start.max_bid.clone()
                        prop:value=move || sig.max_bid.get()
                        on:input=move |ev| sig.max_bid.set(event_target_value(&ev))/>
                </div>
            </div>
            <div class="field">
                <label for="note">"Note " <span class="muted">"(optional, kept with the version)"</span></label>
                <textarea id="note" name="note" rows="2" maxlength="500"
                    prop:value=move || sig.note.get()
                    on:input=move |ev| sig.note.set(event_target_value(&ev))
                >{start.note.clone()}</textarea>
            </div>
            <div class="form__actions">
                <button class="button button--secondary" type="submit" name="preview" value="1">"Preview changes"</button>
            </div>
        </section>
    }
}

/// What the save panel shows and sends.
struct SavePanel {
    adv: String,
    agent_id: String,
    csrf: String,
    version: u32,
    start: EditorDraft,
    agent_href: String,
    current_policy_text: String,
    preview: Memo<Preview>,
    save: ServerAction<SaveGrantVersion>,
    sig: DraftSignals,
}

/// The live preview and the save form: with JavaScript the fields' current draft is saved;
/// without it, the draft last previewed (hidden fields).
fn save_panel(p: SavePanel) -> impl IntoView {
    let SavePanel {
        adv,
        agent_id,
        csrf,
        version,
        start,
        agent_href,
        current_policy_text,
        preview,
        save,
        sig,
    } = p;
    let save_url = <SaveGrantVersion as server_fn::ServerFn>::url();
    let next = version + 1;
    let save_label = format!("Save as version {next}");
    let (adv_s, agent_s, csrf_s) = (adv.clone(), agent_id.clone(), csrf.clone());
    let on_save = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let d = sig.draft();
        let opt = |s: String| (!s.trim().is_empty()).then_some(s);
        save.dispatch(SaveGrantVersion {
            advertiser_id: adv_s.clone(),
            agent_id: agent_s.clone(),
            base_version: version,
            cells: Some(d.cells),
            resources: d.resources,
            not_before: opt(d.not_before),
            not_after: opt(d.not_after),
            max_bid: opt(d.max_bid),
            note: opt(d.note),
            csrf: csrf_s.clone(),
        });
    };
    view! {
        <aside class="editor__side" aria-labelledby="preview-title">
            <section class="panel editor__preview">
                <h2 id="preview-title">"Preview"</h2>
                <div aria-live="polite">
                    {move || view! { <PreviewView preview=preview.get() current=current_policy_text.clone()/> }}
                </div>
                <form method="post" action=save_url class="form">
                    <input type="hidden" name="csrf" value=csrf/>
                    <input type="hidden" name="advertiser_id" value=adv.clone()/>
                    <input type="hidden" name="agent_id" value=agent_id.clone()/>
                    <input type="hidden" name="base_version" value=version.to_string()/>
                    {start.cells.iter().map(|c| view! { <input type="hidden" name=CELLS_PARAM value=c.clone()/> }).collect_view()}
                    <input type="hidden" name="resources" value=start.resources.clone()/>
                    <input type="hidden" name="not_before" value=start.not_before.clone()/>
                    <input type="hidden" name="not_after" value=start.not_after.clone()/>
                    <input type="hidden" name="max_bid" value=start.max_bid.clone()/>
                    <input type="hidden" name="note" value=start.note.clone()/>
                    <noscript><p class="muted small">"Saving stores the choices shown in this preview: press “Preview changes” first."</p></noscript>
                    <div class="form__actions">
                        <button class="button button--primary" type="submit" on:click=on_save disabled=move || save.pending().get()>{save_label}</button>
                        <a class="button button--ghost" href=agent_href>"Cancel"</a>
                    </div>
                </form>
            </section>
        </aside>
    }
}

/// The reasons of a failed check, each with an example request. `of` names the policy the
/// statements belong to ("the proposed policy", "the current version").
#[component]
fn Reasons(check: CheckView, tone: &'static str, of: &'static str) -> impl IntoView {
    let items = check
        .reasons
        .into_iter()
        .map(|r| {
            view! {
                <li class=format!("reason reason--{tone}")>
                    <div class="reason__head"><strong>{r.statement_label()}</strong> {format!(" of {of}")}</div>
                    <div class="example">
                        <span class="example__label">"For example"</span>
                        <code class="example__action">{r.action.clone()}</code>
                        <span>" on "</span>
                        <code>{r.resource.clone()}</code>
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="reasons">{items}</ul> }
}

#[component]
fn PreviewView(preview: Preview, current: String) -> impl IntoView {
    if let Some(e) = preview.error {
        return view! { <div class="flash flash--error" role="alert">{e}</div> }.into_any();
    }
    let blockers = (!preview.blockers.is_empty()).then(|| {
        let items = preview
            .blockers
            .iter()
            .map(|b| view! { <li>{b.clone()}</li> })
            .collect_view();
        view! {
            <div class="editor__blockers" role="alert">
                <h3>"Cannot be saved"</h3>
                <ul>{items}</ul>
            </div>
        }
    });
    let big = (!preview.big_changes.is_empty()).then(|| {
        let items = preview
            .big_changes
            .iter()
            .map(|b| view! { <li>{b.clone()}</li> })
            .collect_view();
        view! {
            <div class="editor__big">
                <h3>"⚠ Big change"</h3>
                <p class="small">"The agent could spend money or manage permissions:"</p>
                <ul>{items}</ul>
            </div>
        }
    });
    let bounds = (!preview.bounds.is_empty()).then(|| {
        let items = preview.bounds.iter().map(|b| view! {
            <li class:reason--risky=b.widens>
                <strong>{b.field.clone()}</strong> ": " <del>{b.before.clone()}</del> " → " <ins>{b.after.clone()}</ins>
                {b.widens.then_some(" (longer access)")}
            </li>
        }).collect_view();
        view! { <div class="editor__section"><h3>"Time bounds"</h3><ul class="changes">{items}</ul></div> }
    });
    let new_access = match preview.new_access {
        Some(c) if !c.passed => view! {
            <div class="editor__section editor__section--risky">
                <h3>"New access"</h3>
                <p class="small">"The agent could do these things it cannot do now:"</p>
                <Reasons check=c tone="risky" of="the proposed policy"/>
            </div>
        }.into_any(),
        Some(_) => view! { <p class="editor__ok small">"No new access: everything proposed is already allowed."</p> }.into_any(),
        None => view! { <p class="muted small">"There is no current policy to compare with."</p> }.into_any(),
    };
    let removed = match preview.removed {
        Some(c) if !c.passed => view! {
            <div class="editor__section">
                <h3>"Access removed"</h3>
                <p class="small">"The agent could no longer do these things:"</p>
                <Reasons check=c tone="removed" of="the current version"/>
            </div>
        }
        .into_any(),
        Some(_) => view! { <p class="muted small">"No access removed."</p> }.into_any(),
        None => ().into_any(),
    };
    let lines = line_diff(&current, &preview.policy_json)
        .into_iter()
        .map(|l| match l.kind {
            DiffKind::Added => view! { <ins class="diff__line diff__line--added"><span class="diff__mark">"+ "</span>{l.text}</ins> }.into_any(),
            DiffKind::Removed => view! { <del class="diff__line diff__line--removed"><span class="diff__mark">"- "</span>{l.text}</del> }.into_any(),
            DiffKind::Same => view! { <span class="diff__line"><span class="diff__mark">"  "</span>{l.text}</span> }.into_any(),
            DiffKind::Skipped => view! { <span class="diff__line diff__line--skipped">{format!("  … {}", l.text)}</span> }.into_any(),
        })
        .collect_view();
    view! {
        {blockers}
        {big}
        {new_access}
        {removed}
        {bounds}
        <details class="tree__scope">
            <summary>"Proposed policy (JSON)"</summary>
            <pre class="code">{preview.policy_json.clone()}</pre>
        </details>
        <details class="tree__scope">
            <summary>"Policy changes against the current version"</summary>
            <pre class="diff">{lines}</pre>
        </details>
    }
    .into_any()
}
