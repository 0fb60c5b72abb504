//! Request guards around the whole app: sign-in redirects, the Origin check, mapping server
//! function errors to real status codes, security headers, and the friendly error page.

use app::error::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use tower_sessions::Session;

/// Pages under these prefixes need a signed-in person.
const PROTECTED: &[&str] = &["/accounts", "/partners", "/support"];

/// Sends a visitor without a session to the sign-in page, remembering where they were going.
pub async fn require_sign_in(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let protected = PROTECTED
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if protected && (req.method() == Method::GET || req.method() == Method::HEAD) {
        let signed_in = matches!(session.get::<String>("person_id").await, Ok(Some(_)));
        if !signed_in {
            let target = req.uri().path_and_query().map_or(path, |pq| pq.as_str());
            let location = format!("/signin?next={}", app::components::urlencode(target));
            return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
        }
    }
    next.run(req).await
}

/// Refuses state-changing requests that a browser marks as coming from another site. The
/// per-session CSRF token in every form is the primary defence; this is the second.
pub async fn check_origin(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let cross_site =
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_mismatch = match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
        (Some(_), None) => true,
        (None, _) => false,
    };
    if cross_site || origin_mismatch {
        tracing::warn!(path = %req.uri().path(), "cross-origin state change refused");
        return error_response(&AppError::Csrf, wants_html(req.headers()));
    }
    next.run(req).await
}

fn wants_html(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Server functions report every error as 500; this gives each `AppError` its real status. A
/// plain form post (no JavaScript) gets a readable page instead of JSON.
pub async fn server_fn_errors(req: Request, next: Next) -> Response {
    let html = wants_html(req.headers());
    let res = next.run(req).await;
    if !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let error: AppError = serde_json::from_slice(&bytes).unwrap_or(AppError::Internal);
    parts.status =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    parts.headers.remove(header::LOCATION);
    if html {
        let mut page = error_response(&error, true);
        *page.status_mut() = parts.status;
        return page;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A small self-contained error page (or JSON) for errors raised outside the app's pages.
pub fn error_response(error: &AppError, html: bool) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if !html {
        return (status, axum::Json(error.clone())).into_response();
    }
    let message = html_escape(&error.to_string());
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Error {code} · Charter</title><link rel=\"stylesheet\" href=\"/pkg/charter.css\"></head>\
         <body><main id=\"main\" class=\"main\"><section class=\"panel panel--error\"><p class=\"eyebrow\">Error {code}</p>\
         <h1>That did not work</h1><p>{message}.</p><p><a class=\"button button--secondary\" href=\"javascript:history.back()\">Go back</a> \
         <a class=\"button button--ghost\" href=\"/accounts\">Your accounts</a></p></section></main></body></html>",
        code = status.as_u16()
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Headers every response carries.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut http::HeaderMap, k: &'static str, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    // `same-origin` keeps the Referer on same-site form posts, which no-JS redirects rely on.
    set(h, "referrer-policy", "same-origin");
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self' ws:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    );
    res
}

/// The response for a panic anywhere in a handler: a friendly 500, no internals.
pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error_response(&AppError::Internal, true)
}
