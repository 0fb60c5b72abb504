//! The OAuth wire: grant and token type names, the RFC 6749 §5.2 error and how it is sent,
//! and reading form parameters.

use crate::limits::RetryAfter;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";
pub const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const TOKEN_TYPE_ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const ASSERTION_JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The RFC 8707 resource for an advertiser account: this prefix and the advertiser id.
pub const RESOURCE_PREFIX: &str = "urn:charter:account:";
/// An RFC 6749 §5.2 error.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub code: &'static str,
    pub description: String,
    /// Extra members (the offending statement and example request of a refused exchange).
    pub extra: Option<Value>,
    /// Set when the client used HTTP Basic: the 401 then carries `WWW-Authenticate`.
    pub(super) basic: bool,
    /// Set on `rate_limited` (429): the `Retry-After` seconds (small, so the error stays small).
    pub(super) retry_after: Option<std::num::NonZeroU16>,
}

impl OAuthError {
    pub fn new(code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: description.into(),
            extra: None,
            basic: false,
            retry_after: None,
        }
    }
    pub(super) fn invalid_request(d: impl Into<String>) -> Self {
        Self::new("invalid_request", d)
    }
    pub(super) fn invalid_client(d: impl Into<String>) -> Self {
        Self::new("invalid_client", d)
    }
    pub(super) fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new("invalid_grant", d)
    }
    pub(super) fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new("invalid_scope", d)
    }
    pub(super) fn invalid_target(d: impl Into<String>) -> Self {
        Self::new("invalid_target", d)
    }
    pub(super) fn rate_limited(retry: RetryAfter, what: &str) -> Self {
        let mut e = Self::new(
            "rate_limited",
            format!("too many requests {what}; retry after {} s", retry.0),
        );
        e.retry_after = std::num::NonZeroU16::new(u16::try_from(retry.0).unwrap_or(u16::MAX));
        e
    }
    pub(super) fn server_error(e: impl std::fmt::Display) -> Self {
        tracing::error!("oauth: {e}");
        Self::new("server_error", "the server could not complete the request")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = match self.code {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "rate_limited" => StatusCode::TOO_MANY_REQUESTS,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut body = json!({ "error": self.code, "error_description": self.description });
        if let (Some(Value::Object(extra)), Some(obj)) = (self.extra, body.as_object_mut()) {
            obj.extend(extra);
        }
        let mut res = (status, no_store(), axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.get()));
        }
        if status == StatusCode::UNAUTHORIZED {
            let challenge = if self.basic {
                "Basic realm=\"charter\""
            } else {
                "Bearer realm=\"charter\""
            };
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        res
    }
}

pub(super) fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}

pub type OResult<T> = Result<T, OAuthError>;

pub(super) fn param<'a>(p: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    p.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

pub(super) fn required<'a>(p: &'a HashMap<String, String>, name: &str) -> OResult<&'a str> {
    param(p, name).ok_or_else(|| OAuthError::invalid_request(format!("`{name}` is required")))
}
