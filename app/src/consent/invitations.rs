//! Invitations: how an advertiser introduces a partner, so the partner may ask the account for
//! access. An owner or admin creates one on the account's Requests page and gives its one-time
//! code (shown once) to the partner; a developer of the partner redeems it on the partner's
//! Requests page. The server functions and the two panels.

use crate::components::*;
use crate::error::AppError;
use charter_model::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The longest label ("whom it is for"), in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// Redemption attempts one partner may make in a row at once; after that each further attempt
/// waits [`REDEEM_BACKOFF_BASE_SECS`], doubling per attempt up to [`REDEEM_BACKOFF_MAX_SECS`].
/// A successful redemption gives its attempt back.
pub const REDEEM_FREE_ATTEMPTS: u64 = 10;
/// The first wait after the free attempts, in seconds.
pub const REDEEM_BACKOFF_BASE_SECS: i64 = 30;
/// The longest wait between attempts, in seconds.
pub const REDEEM_BACKOFF_MAX_SECS: i64 = 15 * 60;
/// A partner that makes no attempt for this long starts from zero again (seconds).
pub const REDEEM_WINDOW_SECS: i64 = 60 * 60;

/// The one answer to every code that cannot be redeemed, whatever the reason.
pub const INVALID_CODE: &str = "this invitation code is not valid";

/// An invitation with its state when the page was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationItem {
    pub invitation: Invitation,
    pub state: InvitationState,
}

/// The invitations panel of an account's Requests page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationsView {
    pub items: Vec<InvitationItem>,
    /// A code created moments ago, shown once to the person who created it.
    pub fresh_code: Option<String>,
    pub can_manage: bool,
    pub csrf: String,
}

#[cfg(feature = "ssr")]
const FRESH_INVITATION_KEY: &str = "fresh_invitation_code";

/// The panel's data, for a page that has checked the person's access to `advertiser`.
#[cfg(feature = "ssr")]
pub async fn invitations_view(
    session: &tower_sessions::Session,
    advertiser: &Advertiser,
    can_manage: bool,
) -> Result<InvitationsView, AppError> {
    use crate::session::server::{csrf_token, no_store_if, store, take_once};
    let now = chrono::Utc::now();
    let items = store()?
        .invitations(&advertiser.id)
        .await?
        .into_iter()
        .map(|invitation| InvitationItem {
            state: invitation.state(now),
            invitation,
        })
        .collect();
    let fresh_code: Option<String> = if can_manage {
        take_once(session, FRESH_INVITATION_KEY, advertiser.id.as_str()).await?
    } else {
        None
    };
    no_store_if(fresh_code.is_some());
    Ok(InvitationsView {
        items,
        fresh_code,
        can_manage,
        csrf: csrf_token(session).await?,
    })
}

/// Creates an invitation on the account (owners and admins). The code is kept in the session
/// for the one page view the redirect lands on, so it never travels in a URL.
#[server(endpoint = "create_invitation")]
pub async fn create_invitation(
    advertiser_id: String,
    label: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let label = parse_text("label", label.as_deref().unwrap_or(""), 0, MAX_LABEL_CHARS)?;
    let issued = charter_core::consent::create_invitation(&*store()?, &m, &label).await?;
    stash_once(
        &session,
        FRESH_INVITATION_KEY,
        m.account().as_str(),
        issued.code,
    )
    .await?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/requests?notice=invitation_created#invitations",
        m.account()
    ));
    Ok(())
}

/// Withdraws an invitation that was not redeemed (owners and admins); its code stops working.
#[server(endpoint = "withdraw_invitation")]
pub async fn withdraw_invitation(
    advertiser_id: String,
    invitation_id: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let m = account_manage_access(&person, &advertiser_id).await?;
    let id = InvitationId::parse(&invitation_id).map_err(|_| AppError::NotFound)?;
    charter_core::consent::withdraw_invitation(&*store()?, &m, &id)
        .await
        .map_err(|e| match e {
            charter_store::StoreError::Conflict(_) => {
                AppError::BadRequest("this invitation was already redeemed".into())
            }
            other => other.into(),
        })?;
    leptos_axum::redirect(&format!(
        "/accounts/{}/requests?notice=invitation_withdrawn#invitations",
        m.account()
    ));
    Ok(())
}

/// Redeems an invitation code for the partner (its developers): the account now knows the
/// partner, and the request form offers it. Every code that cannot be redeemed gets the same
/// answer ([`INVALID_CODE`]); attempts are throttled per partner with the sign-in throttle's
/// machinery (`ThrottleStore::claim_login_attempt`), so guessing costs time.
#[server(endpoint = "redeem_invitation")]
pub async fn redeem_invitation(
    partner_id: String,
    code: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let dev = partner_access(&person, &partner_id).await?;
    let partner = dev.partner();
    let store = store()?;
    let key = format!("invitation:{}", partner.id);
    let backoff = charter_store::Backoff {
        free: REDEEM_FREE_ATTEMPTS,
        base_secs: REDEEM_BACKOFF_BASE_SECS,
        max_secs: REDEEM_BACKOFF_MAX_SECS,
        window_secs: REDEEM_WINDOW_SECS,
    };
    if let Some(wait) = store
        .claim_login_attempt(&[(key.clone(), backoff)], chrono::Utc::now())
        .await?
    {
        tracing::warn!(wait_secs = wait, "invitation redemption throttled");
        return Err(AppError::RateLimited);
    }
    let advertiser = charter_core::partners::redeem_invitation(&*store, &dev, &code)
        .await
        .map_err(|e| match e {
            charter_store::StoreError::NotFound => AppError::BadRequest(INVALID_CODE.into()),
            other => other.into(),
        })?;
    store.login_succeeded(&[], &[key]).await?;
    leptos_axum::redirect(&format!(
        "/partners/{}/requests?notice=invitation_redeemed&account={}#new-request-title",
        partner.id, advertiser.id
    ));
    Ok(())
}

fn state_tone(state: InvitationState) -> &'static str {
    match state {
        InvitationState::Open => "ok",
        InvitationState::Redeemed => "neutral",
        InvitationState::Withdrawn | InvitationState::Expired => "muted",
    }
}

/// One invitation as a table row, with the withdraw form while it is open.
#[component]
fn InvitationRow(
    item: InvitationItem,
    adv: String,
    csrf: String,
    can_manage: bool,
) -> impl IntoView {
    let withdraw = ServerAction::<WithdrawInvitation>::new();
    let InvitationItem {
        invitation: i,
        state,
    } = item;
    let label = if i.label.is_empty() {
        "Invitation".to_string()
    } else {
        i.label.clone()
    };
    let outcome = match state {
        InvitationState::Redeemed => i.partner_name.clone().map(|p| format!("Redeemed by {p}")),
        InvitationState::Withdrawn => i.withdrawn_by.clone().map(|w| format!("Withdrawn by {w}")),
        InvitationState::Open | InvitationState::Expired => None,
    };
    let when = i.redeemed_at.or(i.withdrawn_at);
    let id = i.id.to_string();
    let row_id = id.clone();
    let withdraw_label = format!("Withdraw invitation {label}");
    view! {
        <tr id=row_id>
            <th scope="row">{label}<div class="muted small">{format!("Created by {}", i.created_by)}</div></th>
            <td><time datetime=i.created_at.to_rfc3339()>{fmt_date(&i.created_at)}</time></td>
            <td><time datetime=i.expires_at.to_rfc3339()>{fmt_datetime(&i.expires_at)}</time></td>
            <td>
                <Badge tone=state_tone(state) label=state.label()/>
                {outcome.map(|o| view! { <div class="small">{o}</div> })}
                {when.map(|w| view! { <div class="muted small">{fmt_datetime(&w)}</div> })}
            </td>
            <td class="actions">
                {(can_manage && state == InvitationState::Open).then(move || view! {
                    <ActionForm action=withdraw attr:class="inline-form">
                        <CsrfField token=csrf/>
                        <input type="hidden" name="advertiser_id" value=adv/>
                        <input type="hidden" name="invitation_id" value=id/>
                        <button class="button button--danger-ghost button--small" type="submit" aria-label=withdraw_label>"Withdraw"</button>
                    </ActionForm>
                    {action_error(withdraw)}
                })}
            </td>
        </tr>
    }
}

/// The invitations panel on an account's Requests page: the code just created (once), the
/// account's invitations, and (owners and admins) the form to create one.
#[component]
pub fn InvitationsPanel(adv: String, data: InvitationsView) -> impl IntoView {
    let InvitationsView {
        items,
        fresh_code,
        can_manage,
        csrf,
    } = data;
    let create = ServerAction::<CreateInvitation>::new();
    let fresh = fresh_code.map(|code| {
        view! {
            <section class="panel panel--secret" aria-labelledby="invitation-code-title">
                <h2 id="invitation-code-title">"Copy this code now; it will not be shown again"</h2>
                <p>"Charter keeps only a hash of it. Give it to the partner's developer, who redeems it in the partner console; then the partner can ask this account for access."</p>
                <label class="secret__label" for="invitation-code">"Invitation code"</label>
                <input id="invitation-code" class="secret__value" type="text" readonly value=code
                    autocomplete="off" spellcheck="false" aria-describedby="invitation-code-hint"/>
                <p id="invitation-code-hint" class="small muted">"It works once, for 7 days. If it is lost, withdraw it and create another."</p>
            </section>
        }
    });
    let empty = items.is_empty();
    let rows = items
        .into_iter()
        .map(|item| {
            view! { <InvitationRow item=item adv=adv.clone() csrf=csrf.clone() can_manage=can_manage/> }
        })
        .collect_view();
    view! {
        <div id="invitations" class="section">
        {fresh}
        <section class="panel" aria-labelledby="invitations-title">
            <h2 id="invitations-title">"Invitations"</h2>
            <p class="muted">"A partner can ask this account for access only once the account knows it: one of its agents holds or held a grant here, or it redeemed an invitation code you gave it."</p>
            {if empty {
                view! { <p class="muted">"No invitations yet."</p> }.into_any()
            } else {
                view! {
                    <DataTable caption="Invitations of this account"
                        columns=&["For", "Created", "Expires", "Status"] actions="Actions">
                        {rows}
                    </DataTable>
                }.into_any()
            }}
            {can_manage.then(|| view! {
                {action_error(create)}
                <ActionForm action=create attr:class="form form--inline">
                    <CsrfField token=csrf.clone()/>
                    <input type="hidden" name="advertiser_id" value=adv.clone()/>
                    <div class="field">
                        <label for="invitation-label">"For (optional)"</label>
                        <input id="invitation-label" name="label" type="text" maxlength=MAX_LABEL_CHARS.to_string() placeholder="Quantive Labs, Bid Pilot team"/>
                    </div>
                    <button class="button button--primary" type="submit">"Create invitation"</button>
                </ActionForm>
            })}
        </section>
        </div>
    }
}

/// The form on a partner's Requests page that redeems an invitation code.
#[component]
pub fn RedeemInvitationPanel(partner: String, csrf: String) -> impl IntoView {
    let redeem = ServerAction::<RedeemInvitation>::new();
    view! {
        <section class="panel" id="redeem" aria-labelledby="redeem-title">
            <h2 id="redeem-title">"Redeem an invitation"</h2>
            <p class="muted">"You can ask an advertiser for access once the account knows you. An advertiser introduces you with a one-time invitation code; redeem it here."</p>
            {action_error(redeem)}
            <ActionForm action=redeem attr:class="form form--inline">
                <CsrfField token=csrf/>
                <input type="hidden" name="partner_id" value=partner/>
                <div class="field">
                    <label for="invite-code">"Invitation code"</label>
                    <input id="invite-code" name="code" type="text" required autocomplete="off" spellcheck="false" class="mono" placeholder="chinv_…"/>
                </div>
                <button class="button button--secondary" type="submit">"Redeem code"</button>
            </ActionForm>
        </section>
    }
}
