//! The expectations: for every mounted route, whose it is ([`Scope`]) and how to call it. The
//! outcome of each attacker follows from the scope ([`expect`]); a few cells are stated
//! explicitly. Machine and public routes are known by their surface, so a new sandbox route
//! joins the matrix with no entry here; a new page or server function needs one.

use crate::world::{Attacker, Rightful};
use charter_server::routes::{Mounted, Surface};

/// Whose a route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Reads of one account: its members, and support staff after a reason.
    Account,
    /// Changes to one account (and the grant editor): its owners and admins.
    AccountManage,
    /// One partner's console, agents and requests: its developers.
    Partner,
    /// Support staff's own tools.
    SupportTool,
    /// Partner developers' own list of their partners.
    DeveloperTool,
    /// Anyone signed in, about themselves (their accounts, their partners, signing out).
    SignedIn,
    /// Anyone at all (signing in, the sign-in page).
    Anyone,
    /// Bearer tokens or client credentials; a cookie is never enough.
    Machine,
    /// Public and tenant-free.
    Public,
}

/// When the rightful caller's control runs: changes that would spoil later controls go last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Order {
    First,
    Last,
    Final,
}

pub struct Spec {
    pub scope: Scope,
    /// Form fields of a server function (`{adv}` etc. from the world; `{csrf}` the caller's).
    pub fields: &'static [(&'static str, &'static str)],
    /// Who calls it rightfully, to prove the request is well formed. `None`: the world's own
    /// set-up already did (signing in).
    pub control: Option<Rightful>,
    pub order: Order,
    /// Cells that differ from what the scope implies, each with its reason in the table.
    pub overrides: &'static [(Attacker, Expect)],
}

/// What an attacker's call must come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// One of these statuses, the store unchanged, nothing of the victim's in the body.
    Refused(&'static [u16]),
    /// The PDP's answer: `200` with every decision `deny` (its contract: a decision, not an
    /// HTTP error); the store unchanged.
    Deny,
    /// A page's answer to no session: 303 to `/signin?next=…`; the store unchanged.
    SignIn,
    /// The attacker may call it (a viewer reading, anyone signing in): below 400, the store
    /// unchanged, nothing in the body the attacker may not see.
    Allowed,
    /// The attacker is a rightful caller of this route and the call changes something
    /// (support opening a view, anyone signing out): covered by the controls.
    Rightful,
    /// The cell does not exist (a read carries no CSRF token).
    NotApplicable,
}

const fn spec(scope: Scope, control: Rightful) -> Spec {
    Spec {
        scope,
        fields: &[],
        control: Some(control),
        order: Order::First,
        overrides: &[],
    }
}

const fn call(
    scope: Scope,
    control: Rightful,
    fields: &'static [(&'static str, &'static str)],
) -> Spec {
    Spec {
        scope,
        fields,
        control: Some(control),
        order: Order::First,
        overrides: &[],
    }
}

const fn last(mut s: Spec, order: Order) -> Spec {
    s.order = order;
    s
}

use Rightful::{Developer, Owner, Support};
use Scope::*;

const ADV: (&str, &str) = ("advertiser_id", "{adv}");
const AGENT: (&str, &str) = ("agent_id", "{agent}");
const PARTNER: (&str, &str) = ("partner_id", "{partner}");
const CSRF: (&str, &str) = ("csrf", "{csrf}");
/// An Ed25519 public key (RFC 8037's example) for `add_client_key`.
const JWK: &str = r#"{"kty":"OKP","crv":"Ed25519","kid":"isolation-attacker","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

/// The entry for a page or a server function, by its mounted path.
fn entry(path: &str) -> Option<Spec> {
    Some(match path {
        "/" | "/signin" => spec(Anyone, Owner),
        "/accounts" => spec(SignedIn, Owner),
        "/partners" => spec(DeveloperTool, Developer),
        "/accounts/{adv}/agents"
        | "/accounts/{adv}/agents/{agent}"
        | "/accounts/{adv}/activity"
        | "/accounts/{adv}/activity/export"
        | "/accounts/{adv}/requests"
        | "/accounts/{adv}/requests/{req}"
        | "/accounts/{adv}/guardrails"
        | "/accounts/{adv}/findings"
        | "/accounts/{adv}/alerts" => spec(Account, Owner),
        // The editor and the revoke confirmations are the first step of a change.
        "/accounts/{adv}/agents/{agent}/edit"
        | "/accounts/{adv}/agents/{agent}/revoke"
        | "/accounts/{adv}/revoke-all" => spec(AccountManage, Owner),
        "/support" => spec(SupportTool, Support),
        "/partners/{partner}"
        | "/partners/{partner}/requests"
        | "/partners/{partner}/agents/{agent}" => spec(Partner, Developer),

        "/api/list_agents"
        | "/api/account_activity"
        | "/api/account_findings"
        | "/api/account_alerts"
        | "/api/account_requests"
        | "/api/guardrails" => call(Account, Owner, &[ADV]),
        "/api/agent_detail" => call(Account, Owner, &[ADV, AGENT]),
        "/api/consent" => call(Account, Owner, &[ADV, ("request_id", "{request}")]),
        "/api/grant_editor" => call(AccountManage, Owner, &[ADV, AGENT]),
        "/api/save_grant_version" => call(
            AccountManage,
            Owner,
            &[
                ADV,
                AGENT,
                ("base_version", "{version}"),
                ("resources", "arn:charter:ads:us:{adv}:campaign/*"),
                ("note", "isolation matrix"),
                CSRF,
            ],
        ),
        "/api/set_spend_limits" => call(
            AccountManage,
            Owner,
            &[
                ADV,
                AGENT,
                ("daily", "100"),
                ("monthly", ""),
                ("lifetime", ""),
                CSRF,
            ],
        ),
        "/api/set_breaker_config" => call(
            AccountManage,
            Owner,
            &[
                ADV,
                AGENT,
                ("requests_per_minute", "60"),
                ("denials_per_minute", ""),
                ("spend_per_hour", ""),
                ("cooldown_seconds", ""),
                CSRF,
            ],
        ),
        "/api/reset_breaker" => call(AccountManage, Owner, &[ADV, AGENT, CSRF]),
        "/api/set_alert_webhook" => call(
            AccountManage,
            Owner,
            // An address literal (TEST-NET-3): no DNS lookup in the test; the rightful owner's
            // control is refused as not public (400), after its access check passed.
            &[ADV, ("url", "https://203.0.113.7/hook"), CSRF],
        ),
        "/api/remove_alert_webhook" => last(call(AccountManage, Owner, &[ADV, CSRF]), Order::Last),
        "/api/apply_least_privilege" => call(
            AccountManage,
            Owner,
            &[
                ADV,
                AGENT,
                ("window", "30"),
                ("base_version", "{version}"),
                CSRF,
            ],
        ),
        "/api/approve_access_request" => call(
            AccountManage,
            Owner,
            &[ADV, ("request_id", "{request}"), CSRF],
        ),
        "/api/deny_access_request" => last(
            call(
                AccountManage,
                Owner,
                &[ADV, ("request_id", "{request}"), ("note", "matrix"), CSRF],
            ),
            Order::Last,
        ),
        "/api/add_guardrail" => call(
            AccountManage,
            Owner,
            &[
                ADV,
                ("name", "Attacker guardrail"),
                ("actions", "sp:UpdateKeywordBid"),
                CSRF,
            ],
        ),
        "/api/remove_guardrail" => call(
            AccountManage,
            Owner,
            &[ADV, ("guardrail_id", "{guardrail}"), CSRF],
        ),
        "/api/revoke_grant" => last(
            call(
                AccountManage,
                Owner,
                &[ADV, AGENT, ("reason", "isolation matrix"), CSRF],
            ),
            Order::Last,
        ),
        // A wrong confirmation: the control proves the caller passes, not that all is revoked.
        "/api/revoke_all" => call(
            AccountManage,
            Owner,
            &[ADV, ("confirm_name", "not the account's name"), CSRF],
        ),

        "/api/create_invitation" => call(
            AccountManage,
            Owner,
            &[ADV, ("label", "Attacker invitation"), CSRF],
        ),
        "/api/withdraw_invitation" => last(
            call(
                AccountManage,
                Owner,
                &[ADV, ("invitation_id", "{invitation}"), CSRF],
            ),
            Order::Last,
        ),

        "/api/partner_console" | "/api/partner_requests" => call(Partner, Developer, &[PARTNER]),
        // The victim account's open code, sent to the victim partner's id: only its developers
        // may redeem for it.
        "/api/redeem_invitation" => call(Partner, Developer, &[PARTNER, ("code", "{code}"), CSRF]),
        "/api/agent_credentials" => call(Partner, Developer, &[PARTNER, AGENT]),
        "/api/create_application" => call(
            Partner,
            Developer,
            &[PARTNER, ("name", "Attacker Application"), CSRF],
        ),
        "/api/register_agent" => call(
            Partner,
            Developer,
            &[
                PARTNER,
                ("application_id", "{application}"),
                ("name", "Attacker Agent"),
                ("purposes[0]", "reporting"),
                ("party", "third_party"),
                CSRF,
            ],
        ),
        "/api/create_client_secret" => call(Partner, Developer, &[PARTNER, AGENT, CSRF]),
        "/api/revoke_client_secret" => call(
            Partner,
            Developer,
            &[PARTNER, AGENT, ("secret_id", "{secret}"), CSRF],
        ),
        "/api/add_client_key" => call(Partner, Developer, &[PARTNER, AGENT, ("jwk", JWK), CSRF]),
        "/api/revoke_client_key" => call(
            Partner,
            Developer,
            &[PARTNER, AGENT, ("key_id", "{key}"), CSRF],
        ),
        "/api/set_agent_status" => last(
            call(
                Partner,
                Developer,
                &[PARTNER, AGENT, ("status", "suspended"), CSRF],
            ),
            Order::Last,
        ),
        "/api/file_access_request" => call(
            Partner,
            Developer,
            &[
                PARTNER,
                AGENT,
                ADV,
                ("purpose", "reporting"),
                ("note", "isolation matrix"),
                CSRF,
            ],
        ),

        "/api/support_search" => call(SupportTool, Support, &[("query", "North")]),
        "/api/support_open" => Spec {
            overrides: &[(Attacker::SupportWithoutReason, Expect::Rightful)],
            ..call(
                SupportTool,
                Support,
                &[ADV, ("reason", "an isolation matrix check"), CSRF],
            )
        },

        "/api/session_info" => call(Anyone, Owner, &[]),
        // A wrong password from anyone: sent back to the sign-in page (below 400), nothing
        // stored but the throttle's count. The world's own sign-ins are the control.
        "/api/sign_in" => Spec {
            control: None,
            ..call(
                Anyone,
                Owner,
                &[
                    ("email", "owner@northwind.example"),
                    ("password", "not the password"),
                    CSRF,
                ],
            )
        },
        // Signing out is every signed-in person's own business: only the owner's control runs
        // (last of all), and no session or a wrong token changes nothing.
        "/api/sign_out" => Spec {
            overrides: &[
                (Attacker::Stranger, Expect::Rightful),
                (Attacker::Viewer, Expect::Rightful),
                (Attacker::OtherDeveloper, Expect::Rightful),
                (Attacker::SupportWithoutReason, Expect::Rightful),
                (Attacker::NoSession, Expect::Allowed),
            ],
            ..last(call(SignedIn, Owner, &[CSRF]), Order::Final)
        },
        _ => return None,
    })
}

/// The spec of a mounted route, or `None` when the matrix does not know it.
pub fn spec_for(route: &Mounted) -> Option<Spec> {
    match route.surface {
        Surface::Machine => Some(Spec {
            control: None,
            ..spec(Machine, Owner)
        }),
        Surface::Public => Some(spec(Public, Owner)),
        Surface::Page | Surface::ServerFn | Surface::SessionHandler => entry(&route.path),
    }
}

/// What `attacker` must get from the route.
pub fn expect(spec: &Spec, route: &Mounted, attacker: Attacker) -> Expect {
    use Attacker::*;
    use Expect::*;
    if let Some((_, e)) = spec.overrides.iter().find(|(a, _)| *a == attacker) {
        return *e;
    }
    let changes = spec.fields.iter().any(|(k, _)| *k == "csrf");
    let page = route.surface != Surface::ServerFn;
    let no_session = if page { SignIn } else { Refused(&[401]) };
    let wrong_csrf = if changes {
        Refused(&[403])
    } else {
        NotApplicable
    };
    match (spec.scope, attacker) {
        (Machine, _) if route.path.starts_with(charter_server::pdp::AUTHORIZE) => Deny,
        (Machine, _) => Refused(&[401]),
        (Public, WrongCsrf) => NotApplicable,
        (Public, _) => Allowed,
        (_, WrongCsrf) => wrong_csrf,
        (_, NoSession) if matches!(spec.scope, Anyone) => Allowed,
        (_, NoSession) => no_session,
        (Anyone | SignedIn, _) => Allowed,
        (Account, Viewer) => Allowed,
        (Account | AccountManage, SupportWithoutReason) => Refused(&[403]),
        (AccountManage, Viewer) => Refused(&[403]),
        (SupportTool, SupportWithoutReason) | (DeveloperTool, OtherDeveloper) => Allowed,
        (Account | AccountManage | Partner | SupportTool, Stranger | Viewer | OtherDeveloper)
        | (DeveloperTool, Stranger | Viewer)
        | (Partner | DeveloperTool, SupportWithoutReason) => Refused(&[404]),
    }
}
