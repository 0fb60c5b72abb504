//! Small building blocks shared by the pages.

use crate::error::AppError;
use crate::session::api::SessionInfo;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

mod page;
pub use page::{Page, PageWithCsrf};

/// The session summary, fetched once per navigation and shared through context.
#[derive(Clone, Copy)]
pub struct SessionResource(pub Resource<Result<SessionInfo, AppError>>);

pub fn fmt_date(t: &DateTime<Utc>) -> String {
    t.format("%b %-d, %Y").to_string()
}

pub fn fmt_datetime(t: &DateTime<Utc>) -> String {
    t.format("%b %-d, %Y %H:%M UTC").to_string()
}

/// Sets the HTTP status of the page being rendered on the server (no-op in the browser).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(opts), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        opts.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// The route's path parameter `name` (empty when absent), read reactively.
pub fn param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.get().get(name).unwrap_or_default()
}

/// The query parameters `names`, read reactively: what filters and pages a list.
pub fn query_params<const N: usize>(
    names: [&'static str; N],
) -> impl Fn() -> [Option<String>; N] + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        let q = query.get();
        names.map(|n| q.get(n))
    }
}

/// The hidden CSRF field every state-changing form carries.
#[component]
pub fn CsrfField(#[prop(into)] token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token/> }
}

/// A banner for `?notice=` and `?error=` codes set by redirects after a form post.
#[component]
pub fn Flash(messages: fn(&str, &str) -> Option<String>) -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.get();
        let notice = q.get("notice").and_then(|c| messages("notice", &c));
        let error = q.get("error").and_then(|c| messages("error", &c));
        view! {
            {notice.map(|m| view! { <div class="flash flash--ok" role="status">{m}</div> })}
            {error.map(|m| view! { <div class="flash flash--error" role="alert">{m}</div> })}
        }
    }
}

/// A coloured status pill.
/// What a list shows when it has nothing to show: a title and a hint of what to do next.
#[component]
pub fn EmptyState(title: &'static str, hint: &'static str) -> impl IntoView {
    view! {
        <div class="empty">
            <h2>{title}</h2>
            <p class="muted">{hint}</p>
        </div>
    }
}

/// The end of a form that stops an agent: an optional reason for the audit trail, the danger
/// button and a way back.
#[component]
pub fn RevokeFormEnd(label: &'static str, #[prop(into)] cancel: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for="reason">"Reason " <span class="muted">"(optional, kept in the audit trail)"</span></label>
            <textarea id="reason" name="reason" rows="2" maxlength="500"></textarea>
        </div>
        <div class="form__actions">
            <button class="button button--danger" type="submit">{label}</button>
            <a class="button button--ghost" href=cancel>"Cancel"</a>
        </div>
    }
}

/// The end of a list's filter form: apply, and, once filtered, a way back to the whole list.
#[component]
pub fn FilterActions(filtered: bool, clear_href: String) -> impl IntoView {
    view! {
        <div class="filters__actions">
            <button class="button button--secondary" type="submit">"Apply"</button>
            {filtered.then(|| view! { <a class="button button--ghost" href=clear_href>"Clear"</a> })}
        </div>
    }
}

/// A table of records: the scrolling wrapper, a caption for screen readers, a head per column
/// and the rows (`children`). `actions`, when given, heads a last column of buttons, named for
/// screen readers only.
#[component]
pub fn DataTable(
    /// The denser table style (`table--dense`).
    #[prop(optional)]
    dense: bool,
    #[prop(into)] caption: String,
    columns: &'static [&'static str],
    #[prop(optional)] actions: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let heads = columns
        .iter()
        .map(|c| view! { <th scope="col">{*c}</th> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class=if dense { "table table--dense" } else { "table" }>
                <caption class="visually-hidden">{caption}</caption>
                <thead><tr>
                    {heads}
                    {actions.map(|a| view! { <th scope="col"><span class="visually-hidden">{a}</span></th> })}
                </tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn Badge(#[prop(into)] tone: String, #[prop(into)] label: String) -> impl IntoView {
    view! { <span class=format!("badge badge--{tone}")>{label}</span> }
}

/// The page shown for an error: the right status code, a plain message, a way on.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    set_status(error.status());
    let (title, body, link): (&str, String, Option<(&str, &str)>) = match &error {
        AppError::NotFound => (
            "Page not found",
            "There is nothing here, or you do not have access to it.".into(),
            Some(("/accounts", "Go to your accounts")),
        ),
        AppError::Unauthorized => (
            "Please sign in",
            "Your session has ended. Sign in to continue.".into(),
            Some(("/signin", "Sign in")),
        ),
        AppError::Forbidden => (
            "Not allowed",
            "Your role on this account does not allow that.".into(),
            Some(("/accounts", "Go to your accounts")),
        ),
        AppError::BadRequest(m) => ("That request was not valid", m.clone(), None),
        AppError::SupportReasonRequired => (
            "A reason is needed",
            "Support staff must give a reason before looking at an account.".into(),
            Some(("/support", "Open the support console")),
        ),
        AppError::RateLimited => ("Too many attempts", error.to_string(), None),
        AppError::Csrf => ("Form expired", error.to_string(), None),
        AppError::Internal => (
            "Something went wrong",
            "We could not complete that. Please try again in a moment.".into(),
            None,
        ),
    };
    view! {
        <section class="panel panel--error" aria-labelledby="error-title">
            <p class="eyebrow">"Error " {error.status()}</p>
            <h1 id="error-title">{title}</h1>
            <p>{body}</p>
            {link.map(|(href, label)| view! { <p><a class="button button--secondary" href=href>{label}</a></p> })}
        </section>
    }
}

/// Previous/next links that keep the other query parameters.
#[component]
pub fn Pager(page: u32, page_count: u32, total: u64, #[prop(into)] noun: String) -> impl IntoView {
    let query = use_query_map();
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let href = move |p: u32| {
        let q = query.get_untracked();
        let mut parts: Vec<String> = q
            .into_iter()
            .filter(|(k, _)| k != "page" && k != "notice" && k != "error" && k != "count")
            .map(|(k, v)| format!("{}={}", urlencode(&k), urlencode(&v)))
            .collect();
        parts.push(format!("page={p}"));
        format!("{path}?{}", parts.join("&"))
    };
    let prev = (page > 1).then(|| href(page - 1));
    let next = (page < page_count).then(|| href(page + 1));
    view! {
        <nav class="pager" aria-label=format!("{noun} pages")>
            <span class="pager__summary">{format!("Page {page} of {page_count} · {total} {noun}")}</span>
            {match prev {
                Some(h) => view! { <a class="button button--secondary" rel="prev" href=h>"← Previous"</a> }.into_any(),
                None => view! { <span class="button button--secondary is-disabled" aria-disabled="true">"← Previous"</span> }.into_any(),
            }}
            {match next {
                Some(h) => view! { <a class="button button--secondary" rel="next" href=h>"Next →"</a> }.into_any(),
                None => view! { <span class="button button--secondary is-disabled" aria-disabled="true">"Next →"</span> }.into_any(),
            }}
        </nav>
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Human wording for an audit action.
pub fn describe_action(action: &str) -> &'static str {
    match action {
        "grant.created" => "Access granted",
        "grant.revoked" => "Access revoked",
        "account.revoke_all" => "All agents revoked",
        "account.revoke_partner" => "All agents of a partner revoked",
        "grant.updated" => "Access changed (new version)",
        "token.issued" => "Token issued",
        "token.delegated" => "Token delegated",
        "token.revoked" => "Token revoked",
        "access.requested" => "Access requested",
        "access.approved" => "Access request approved",
        "access.denied" => "Access request denied",
        "ceiling.set" => "Application ceiling set",
        "guardrail.added" => "Guardrail added",
        "guardrail.removed" => "Guardrail removed",
        "support.view_opened" => "Support opened a read-only view",
        "support.viewed" => "Support viewed",
        "agent.registered" => "Agent registered",
        "application.created" => "Application created",
        "advertiser.created" => "Account created",
        "member.role_set" => "Member role set",
        "partner.created" => "Partner created",
        "partner.member_added" => "Partner developer added",
        "person.created" => "Person created",
        "decision.allow" => "Request allowed",
        "decision.deny" => "Request denied",
        "activity.exported" => "Activity exported",
        "spend_limits.set" => "Spend caps set",
        "breaker.transition" => "Circuit breaker changed state",
        "breaker.configured" => "Breaker thresholds set",
        "webhook.set" => "Alert webhook set",
        "webhook.removed" => "Alert webhook removed",
        _ => "Change",
    }
}

/// The tone of a grant status badge.
pub fn status_tone(
    status: charter_model::GrantStatus,
    expired: bool,
) -> (&'static str, &'static str) {
    use charter_model::GrantStatus::*;
    match status {
        Active if expired => ("muted", "Expired"),
        Active => ("ok", "Active"),
        Suspended => ("warn", "Suspended"),
        Revoked => ("danger", "Revoked"),
    }
}

/// The error of the last submission of a form, when JavaScript handled it (without JavaScript
/// the server answers with an error page instead).
pub fn action_error<S>(action: ServerAction<S>) -> impl IntoView
where
    S: server_fn::ServerFn<Output = (), Error = crate::error::AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    move || {
        action.value().get().and_then(|r| r.err()).map(|e| {
            view! { <div class="flash flash--error" role="alert">{e.to_string()}</div> }
        })
    }
}
