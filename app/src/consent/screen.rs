//! The advertiser's consent screen: who asks for what, what the agent could do in plain words,
//! the proofs (purpose template, new access, guardrails, the application's ceiling, a narrowed
//! policy), and the decision.

use super::api::*;
use super::pages::{Reasons, consent_messages};
use crate::components::*;
use crate::shell::banner::AccountBanner;
use charter_model::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ConsentScreenPage() -> impl IntoView {
    let adv = param("adv");
    let req = param("req");
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.get();
            (adv(), req(), q.get("policy"), q.to_query_string())
        },
        |(adv, req, policy, _)| load_consent(adv, req, policy),
    );
    view! {
        <Title text="Access request"/>
        <PageWithCsrf fallback="Loading request…" data=data view=|d, csrf| view! { <ConsentView data=d csrf=csrf/> }/>
    }
}

#[component]
fn Capability(cap: CapabilityView) -> impl IntoView {
    let tone = cap.risk.tone();
    let flag = match cap.risk {
        Risk::Money => Some("Spends money"),
        Risk::Permissions => Some("Manages permissions"),
        _ => None,
    };
    let scope = if cap.all_actions {
        format!("All {} actions", cap.total_actions)
    } else {
        format!("{} of {} actions", cap.actions.len(), cap.total_actions)
    };
    let actions = cap
        .actions
        .iter()
        .map(|a| view! { <li><code>{a.clone()}</code></li> })
        .collect_view();
    let resources = cap.resources.join(", ");
    let conditions = (!cap.conditions.is_empty()).then(|| {
        let text = cap.conditions.join("; ");
        let prefix = if cap.unconditional {
            "Sometimes limited: "
        } else {
            "Only "
        };
        let text = if cap.unconditional {
            text
        } else {
            text.trim_start_matches("only ").to_string()
        };
        view! { <p class="capability__limits">{prefix}{text}</p> }
    });
    view! {
        <li class=format!("capability capability--{tone}")>
            <div class="capability__head">
                <span class=format!("level level--{tone}")>{cap.level_words.clone()}</span>
                <h3 class="capability__title">{cap.namespace_title.clone()}</h3>
                {flag.map(|f| view! { <span class="risk-flag">"⚠ " {f}</span> })}
            </div>
            <p class="capability__where">"On " {resources}</p>
            {conditions}
            {cap.partly_denied.then(|| view! { <p class="small muted">"Partly taken away again by a Deny statement."</p> })}
            <details class="capability__actions">
                <summary>{scope}</summary>
                <ul class="action-list">{actions}</ul>
            </details>
        </li>
    }
}

/// One request's consent screen: who asks, the review of its policy (or of the advertiser's
/// narrowed version) with every proof, the policy as filed, and the decision.
#[component]
fn ConsentView(data: ConsentPage, csrf: String) -> impl IntoView {
    let ConsentPage {
        account,
        row,
        partner_name,
        purpose,
        requested_policy,
        policy,
        narrowed,
        narrow_error,
        review,
        review_error,
        current,
        ceiling,
    } = data;
    let adv = account.advertiser.id.to_string();
    let request = &row.request;
    let pending = request.status == RequestStatus::Pending;
    let can_decide = pending && account.can_manage;
    let back = format!("/accounts/{adv}/requests");
    let ceiling_exceeded = review
        .as_ref()
        .and_then(|r| r.ceiling.as_ref())
        .is_some_and(|c| !c.passed);
    let blockers = review
        .as_ref()
        .map(|r| r.blockers.clone())
        .unwrap_or_else(|| {
            vec![
                review_error
                    .clone()
                    .unwrap_or_else(|| "the request cannot be read".into()),
            ]
        });
    let approvable = review.is_some() && blockers.is_empty();

    let blocker_box =
        (pending && !blockers.is_empty()).then(|| view! { <BlockedAlert blockers=blockers/> });
    let review_sections = review.map(|r| {
        view! {
            <ReviewPanels review=r purpose_title=purpose.title.clone() adv=adv.clone()
                application_name=row.application_name.clone() ceiling=ceiling narrowed=narrowed/>
        }
    });
    let decision = if pending {
        if can_decide {
            let self_href = format!("/accounts/{adv}/requests/{}", request.id);
            view! {
                <DecisionForms row=row.clone() adv=adv.clone() csrf=csrf policy=policy.clone()
                    narrowed=narrowed ceiling_exceeded=ceiling_exceeded approvable=approvable/>
                <NarrowPanel self_href=self_href policy=policy narrowed=narrowed narrow_error=narrow_error/>
            }
            .into_any()
        } else {
            view! { <AwaitingDecision/> }.into_any()
        }
    } else {
        view! { <DecisionOutcome request=request.clone() adv=adv.clone()/> }.into_any()
    };

    let (tone, label) = request_tone(request.status);
    view! {
        <AccountBanner account=account.clone()/>
        <p class="breadcrumb"><a href=back>"← Access requests"</a></p>
        <Flash messages=consent_messages/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("Access request · {partner_name}")}</p>
                <h1>{format!("{} asks for access to {}", row.application_name, row.advertiser_name)} " " <Badge tone=tone label=label/></h1>
                <p class="muted">{format!("For its agent {}, to do {}.", row.agent_name, purpose.title.to_lowercase())}</p>
            </div>
        </div>
        {blocker_box}
        <div class="consent">
            <WhoIsAsking row=row.clone() partner_name=partner_name purpose=purpose current=current/>
            {review_error.map(|e| view! { <div class="flash flash--error" role="alert">{format!("The requested policy cannot be read: {e}")}</div> })}
            {review_sections}
            <details class="panel policy-source">
                <summary>"Requested policy (JSON)"</summary>
                <pre class="code">{requested_policy}</pre>
            </details>
            {decision}
        </div>
    }
}

/// Who asks, and for what: the partner, application, agent, purpose, expiry, their note, and
/// the agent's current grant when the request is an upgrade.
#[component]
fn WhoIsAsking(
    row: AccessRequestRow,
    partner_name: String,
    purpose: PurposeOption,
    current: Option<CurrentGrantView>,
) -> impl IntoView {
    let AccessRequestRow {
        request,
        agent_name,
        application_name,
        ..
    } = row;
    view! {
        <section class="panel consent-who" aria-labelledby="who-title">
            <h2 id="who-title">"Who is asking"</h2>
            <dl class="facts">
                <dt>"Partner"</dt><dd>{partner_name.clone()}</dd>
                <dt>"Application"</dt><dd>{application_name.clone()}</dd>
                <dt>"Agent"</dt><dd>{agent_name.clone()} " " <span class="mono muted small">{request.agent_id.to_string()}</span></dd>
                <dt>"Purpose"</dt>
                <dd><strong>{purpose.title.clone()}</strong><div class="muted">{purpose.description.clone()}</div></dd>
                <dt>"Access until"</dt>
                <dd>{request.expires_at.map(|e| fmt_date(&e)).unwrap_or_else(|| "No expiry requested".into())}</dd>
                <dt>"Their note"</dt>
                <dd>{if request.note.is_empty() { view! { <span class="muted">"No note"</span> }.into_any() } else { view! { <q>{request.note.clone()}</q> }.into_any() }}</dd>
                <dt>"Requested by"</dt>
                <dd>{request.created_by.clone()} <span class="muted">{format!(" · {}", fmt_datetime(&request.created_at))}</span></dd>
                {current.clone().map(|c| view! {
                    <dt>"Current access"</dt>
                    <dd>
                        <Badge tone="neutral" label="Upgrade"/>
                        {format!(" The agent already holds a {} grant ({}{}).", c.purpose.label(), c.status.label().to_lowercase(),
                            if c.custom_policy { ", custom policy" } else { ", purpose template" })}
                    </dd>
                })}
            </dl>
        </section>
    }
}

/// Why a pending request cannot be approved as it stands.
#[component]
fn BlockedAlert(blockers: Vec<String>) -> impl IntoView {
    let items = blockers
        .iter()
        .map(|b| view! { <li>{b.clone()}</li> })
        .collect_view();
    view! {
        <div class="alert alert--danger" role="alert">
            <h2 class="alert__title">"Approval is blocked"</h2>
            <ul>{items}</ul>
            <p class="small">"Narrow the policy below, or deny the request."</p>
        </div>
    }
}

/// The review of the policy: what the agent could do, then each proof (the narrowing, the
/// purpose template, new access, the guardrails, the application's ceiling).
#[component]
fn ReviewPanels(
    review: ReviewView,
    purpose_title: String,
    adv: String,
    application_name: String,
    ceiling: Option<CeilingView>,
    narrowed: bool,
) -> impl IntoView {
    let r = review;
    let narrowing = r
        .narrowing
        .clone()
        .map(|c| view! { <NarrowingProof check=c/> });
    let beyond = r
        .beyond_template
        .clone()
        .map(|c| view! { <BeyondTemplateProof check=c purpose_title=purpose_title.clone()/> });
    let new_access = r
        .new_access
        .clone()
        .map(|c| view! { <NewAccessProof check=c/> });
    view! {
        <CapabilitiesPanel capabilities=r.capabilities.clone() time_bounds=r.time_bounds.clone() narrowed=narrowed/>
        {narrowing}
        {beyond}
        {new_access}
        <GuardrailsProofs guardrails=r.guardrails.clone() adv=adv/>
        <CeilingProof check=r.ceiling.clone() ceiling=ceiling application_name=application_name/>
    }
}

/// What the agent could do, in plain words, one capability per namespace and level.
#[component]
fn CapabilitiesPanel(
    capabilities: Vec<CapabilityView>,
    time_bounds: String,
    narrowed: bool,
) -> impl IntoView {
    let no_caps = capabilities.is_empty();
    let caps = capabilities
        .into_iter()
        .map(|c| view! { <Capability cap=c/> })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="caps-title">
            <h2 id="caps-title">{if narrowed { "What the agent could do (narrowed)" } else { "What the agent could do" }}</h2>
            <p class="muted">{format!("Time limits: {time_bounds}.")}</p>
            {if no_caps {
                view! { <p class="muted">"Nothing: this policy allows no known action."</p> }.into_any()
            } else {
                view! { <ul class="capabilities">{caps}</ul> }.into_any()
            }}
        </section>
    }
}

/// The proof that the advertiser's narrowed policy is within the request.
#[component]
fn NarrowingProof(check: CheckView) -> impl IntoView {
    let c = check;
    if c.passed {
        view! { <p class="proof-line"><Badge tone="ok" label="Within the request"/>" Your narrowed policy gives no access the request did not ask for."</p> }.into_any()
    } else {
        view! {
            <div class="proofbox proofbox--danger">
                <p><Badge tone="danger" label="Wider than the request"/>" Your edit gives access the request did not ask for:"</p>
                <Reasons check=c/>
            </div>
        }.into_any()
    }
}

/// The proof that the policy asks for nothing beyond its purpose's template.
#[component]
fn BeyondTemplateProof(check: CheckView, purpose_title: String) -> impl IntoView {
    let c = check;
    if c.passed {
        view! {
            <section class="proofbox proofbox--ok" aria-labelledby="beyond-title">
                <h2 id="beyond-title" class="proofbox__title"><span class="proofbox__mark" aria-hidden="true">"✓"</span>"Within the purpose template"</h2>
                <p class="muted">{format!("Nothing beyond what {purpose_title} needs.")}</p>
            </section>
        }.into_any()
    } else {
        view! {
            <section class="proofbox proofbox--warn" aria-labelledby="beyond-title">
                <h2 id="beyond-title" class="proofbox__title"><span class="proofbox__mark" aria-hidden="true">"!"</span>"Beyond the purpose template"</h2>
                <p>{format!("This asks for more than {purpose_title} needs:")}</p>
                <Reasons check=c/>
            </section>
        }.into_any()
    }
}

/// For an upgrade: the proof of what the agent would gain beyond its current grant.
#[component]
fn NewAccessProof(check: CheckView) -> impl IntoView {
    let c = check;
    if c.passed {
        view! {
            <section class="proofbox proofbox--ok" aria-labelledby="new-title">
                <h2 id="new-title" class="proofbox__title"><span class="proofbox__mark" aria-hidden="true">"✓"</span>"No new access"</h2>
                <p class="muted">"The agent's current grant already allows all of this."</p>
            </section>
        }.into_any()
    } else {
        view! {
            <section class="proofbox proofbox--warn" aria-labelledby="new-title">
                <h2 id="new-title" class="proofbox__title"><span class="proofbox__mark" aria-hidden="true">"+"</span>"New access for this agent"</h2>
                <p>"Beyond its current grant, the agent would gain:"</p>
                <Reasons check=c/>
            </section>
        }.into_any()
    }
}

/// Each of the account's guardrails, PASS or FAIL with the statement at fault.
#[component]
fn GuardrailsProofs(guardrails: Vec<GuardrailCheck>, adv: String) -> impl IntoView {
    let list = if guardrails.is_empty() {
        view! { <p class="muted">"This account has no guardrails. " <a href=format!("/accounts/{adv}/guardrails")>"Add one"</a></p> }.into_any()
    } else {
        let items = guardrails
            .iter()
            .map(|g| {
                let ok = g.check.passed;
                view! {
                    <li class=if ok { "guardrail guardrail--ok" } else { "guardrail guardrail--fail" }>
                        <div class="guardrail__head">
                            {if ok { view! { <Badge tone="ok" label="PASS"/> } } else { view! { <Badge tone="danger" label="FAIL"/> } }}
                            <strong>{g.name.clone()}</strong>
                            <span class="muted small">{format!(" · no {} on {}", g.actions.join(", "), g.resources.join(", "))}</span>
                        </div>
                        {(!ok).then(|| view! { <p>"Violated. The statement at fault:"</p> <Reasons check=g.check.clone()/> })}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="guardrails">{items}</ul> }.into_any()
    };
    view! {
        <section class="panel" aria-labelledby="guardrails-title">
            <h2 id="guardrails-title">"Your guardrails"</h2>
            {list}
        </section>
    }
}

/// The proof against the application's ceiling on the account, or that this first grant
/// becomes the ceiling.
#[component]
fn CeilingProof(
    check: Option<CheckView>,
    ceiling: Option<CeilingView>,
    application_name: String,
) -> impl IntoView {
    let proof = match (check, ceiling) {
        (Some(c), Some(info)) if c.passed => view! {
            <p><Badge tone="ok" label="Within ceiling"/>
            {format!(" Within {application_name}'s ceiling on your account (version {}).", info.version)}</p>
        }.into_any(),
        (Some(c), Some(info)) => view! {
            <p><Badge tone="warn" label="Exceeds ceiling"/>
            {format!(" Goes beyond {application_name}'s ceiling on your account (version {}). Approving needs you to raise the ceiling.", info.version)}</p>
            <Reasons check=c/>
        }.into_any(),
        _ => view! {
            <p><Badge tone="neutral" label="First grant"/>
            {format!(" {application_name} has no ceiling on your account yet. This also becomes {application_name}'s ceiling on your account: its agents can never hold more without your approval.")}</p>
        }.into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="ceiling-title">
            <h2 id="ceiling-title">"Application ceiling"</h2>
            {proof}
        </section>
    }
}

/// The approve and deny forms of a pending request, for those who manage the account.
#[component]
fn DecisionForms(
    row: AccessRequestRow,
    adv: String,
    csrf: String,
    policy: String,
    narrowed: bool,
    ceiling_exceeded: bool,
    approvable: bool,
) -> impl IntoView {
    let AccessRequestRow {
        request,
        agent_name,
        application_name,
        advertiser_name,
        ..
    } = row;
    let approve = ServerAction::<ApproveAccessRequest>::new();
    let deny = ServerAction::<DenyAccessRequest>::new();
    let (csrf_a, csrf_d) = (csrf.clone(), csrf);
    let (adv_a, adv_d) = (adv.clone(), adv);
    let req_id = request.id.to_string();
    let (req_a, req_d) = (req_id.clone(), req_id);
    let policy_a = policy;
    let raise_label = format!(" Raise {application_name}'s ceiling to cover this");
    let approve_hint = if approvable {
        format!(
            "Grants {agent_name} this access on {advertiser_name}{}.",
            request
                .expires_at
                .map(|e| format!(" until {}", fmt_date(&e)))
                .unwrap_or_default()
        )
    } else {
        "Approval is blocked: see above.".to_string()
    };
    let approve_label = if narrowed {
        "Approve narrowed policy"
    } else {
        "Approve"
    };
    view! {
        <section class="panel decision" aria-labelledby="decide-title">
            <h2 id="decide-title">"Your decision"</h2>
            {action_error(approve)}
            {action_error(deny)}
            <div class="decision__grid">
                <ActionForm action=approve attr:class="form decision__approve">
                    <CsrfField token=csrf_a/>
                    <input type="hidden" name="advertiser_id" value=adv_a/>
                    <input type="hidden" name="request_id" value=req_a/>
                    {narrowed.then(move || view! { <input type="hidden" name="policy" value=policy_a/> })}
                    {ceiling_exceeded.then(move || view! {
                        <label class="checkbox">
                            <input type="checkbox" name="raise_ceiling" value="true"/>
                            {raise_label}
                        </label>
                    })}
                    <div class="field">
                        <label for="approve-note">"Note for the record (optional)"</label>
                        <input id="approve-note" name="note" type="text" maxlength="1000"/>
                    </div>
                    <button class="button button--primary" type="submit" disabled=!approvable aria-describedby="approve-hint">{approve_label}</button>
                    <p id="approve-hint" class="hint">{approve_hint}</p>
                </ActionForm>
                <ActionForm action=deny attr:class="form decision__deny">
                    <CsrfField token=csrf_d/>
                    <input type="hidden" name="advertiser_id" value=adv_d/>
                    <input type="hidden" name="request_id" value=req_d/>
                    <div class="field">
                        <label for="deny-note">"Reason for denying (optional)"</label>
                        <textarea id="deny-note" name="note" rows="2" maxlength="1000"></textarea>
                    </div>
                    <button class="button button--danger-ghost" type="submit">"Deny request"</button>
                </ActionForm>
            </div>
        </section>
    }
}

/// The narrowing form: the advertiser edits the policy and previews its review (a GET of this
/// page with `?policy=`), then approves it above.
#[component]
fn NarrowPanel(
    self_href: String,
    policy: String,
    narrowed: bool,
    narrow_error: Option<String>,
) -> impl IntoView {
    view! {
        <section class="panel narrow" aria-labelledby="narrow-title">
            <h2 id="narrow-title">"Narrow before approving"</h2>
            <p class="muted">"Edit the policy to grant less than was asked: remove actions, limit resources, add conditions. Preview shows the review of your version; then approve it above."</p>
            {narrow_error.clone().map(|e| view! { <div class="flash flash--error" role="alert">{e}</div> })}
            <Form method="GET" action=self_href.clone() attr:class="form">
                <div class="field">
                    <label for="narrow-policy">"Policy to grant"</label>
                    <textarea id="narrow-policy" name="policy" rows="14" class="code-input" spellcheck="false">{policy.clone()}</textarea>
                </div>
                <div class="form__actions">
                    <button class="button button--secondary" type="submit">"Preview"</button>
                    {(narrowed || narrow_error.is_some()).then(|| view! { <a class="button button--ghost" href=self_href.clone()>"Back to the request as filed"</a> })}
                </div>
            </Form>
        </section>
    }
}

/// A pending request seen by someone who cannot decide it.
#[component]
fn AwaitingDecision() -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="decide-title">
            <h2 id="decide-title">"Decision"</h2>
            <p class="muted">"Waiting for a decision. Only the account's owners and admins can approve or deny requests."</p>
        </section>
    }
}

/// A decided request: its outcome, who decided and when, the note and the granted policy.
#[component]
fn DecisionOutcome(request: AccessRequest, adv: String) -> impl IntoView {
    let (tone, label) = request_tone(request.status);
    view! {
        <section class="panel" aria-labelledby="decide-title">
            <h2 id="decide-title">"Decision"</h2>
            <dl class="facts">
                <dt>"Outcome"</dt><dd><Badge tone=tone label=label/></dd>
                <dt>"Decided by"</dt><dd>{request.decided_by.clone().unwrap_or_default()}</dd>
                <dt>"Decided on"</dt><dd>{request.decided_at.map(|d| fmt_datetime(&d)).unwrap_or_default()}</dd>
                {request.decision_note.clone().map(|n| view! { <dt>"Note"</dt><dd><q>{n}</q></dd> })}
                {request.approved_policy.clone().map(|p| view! {
                    <dt>"Granted policy"</dt><dd><pre class="code">{p}</pre></dd>
                })}
            </dl>
            {(request.status == RequestStatus::Approved).then(|| view! {
                <p><a class="button button--secondary" href=format!("/accounts/{adv}/agents/{}", request.agent_id)>"See the agent's access"</a></p>
            })}
        </section>
    }
}
