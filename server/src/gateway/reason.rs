//! Stable reason codes and the problem-details body (RFC 9457) every denial carries.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

/// Why a request was allowed or denied. The codes are a public contract: partners branch on
/// them, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Allowed,
    /// No bearer token.
    TokenMissing,
    /// Not a valid Charter token: malformed, bad signature, unknown key, third-party block,
    /// wrong audience or too deep.
    TokenInvalid,
    /// The token itself expired (or is not valid yet).
    TokenExpired,
    /// The token, an ancestor, the agent or the grant was revoked, suspended or changed.
    Revoked,
    /// The request's declared intent is missing or not the grant's purpose.
    IntentMismatch,
    /// The grant is outside its not-before/expiry window.
    OutsideTimeBounds,
    /// No statement of the grant policy allows it (nearest miss in the explanation).
    PolicyDenied,
    /// A Deny statement of the grant policy matches.
    ExplicitDeny,
    /// A block the holder appended to the token does not allow it.
    AttenuationDenied,
    /// One of the advertiser's guardrails forbids it.
    GuardrailDenied,
    /// The amount would break a daily, monthly or lifetime cap.
    SpendLimitExceeded,
    /// The agent's circuit breaker is open.
    CircuitOpen,
    /// The agent's circuit breaker was terminated; only the advertiser can reset it.
    CircuitTerminated,
    /// The request names no known action, or an action this endpoint does not serve.
    UnknownAction,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::TokenMissing => "token_missing",
            Reason::TokenInvalid => "token_invalid",
            Reason::TokenExpired => "token_expired",
            Reason::Revoked => "revoked",
            Reason::IntentMismatch => "intent_mismatch",
            Reason::OutsideTimeBounds => "outside_time_bounds",
            Reason::PolicyDenied => "policy_denied",
            Reason::ExplicitDeny => "explicit_deny",
            Reason::AttenuationDenied => "attenuation_denied",
            Reason::GuardrailDenied => "guardrail_denied",
            Reason::SpendLimitExceeded => "spend_limit_exceeded",
            Reason::CircuitOpen => "circuit_open",
            Reason::CircuitTerminated => "circuit_terminated",
            Reason::UnknownAction => "unknown_action",
        }
    }

    pub const ALL: &'static [Reason] = &[
        Reason::Allowed,
        Reason::TokenMissing,
        Reason::TokenInvalid,
        Reason::TokenExpired,
        Reason::Revoked,
        Reason::IntentMismatch,
        Reason::OutsideTimeBounds,
        Reason::PolicyDenied,
        Reason::ExplicitDeny,
        Reason::AttenuationDenied,
        Reason::GuardrailDenied,
        Reason::SpendLimitExceeded,
        Reason::CircuitOpen,
        Reason::CircuitTerminated,
        Reason::UnknownAction,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Reason::Allowed => "Allowed",
            Reason::TokenMissing => "No access token",
            Reason::TokenInvalid => "Invalid access token",
            Reason::TokenExpired => "Access token expired",
            Reason::Revoked => "Access revoked",
            Reason::IntentMismatch => "Intent outside the grant's purpose",
            Reason::OutsideTimeBounds => "Grant not valid at this time",
            Reason::PolicyDenied => "Not allowed by the grant",
            Reason::ExplicitDeny => "Denied by the grant",
            Reason::AttenuationDenied => "Not allowed by the token's restrictions",
            Reason::GuardrailDenied => "Blocked by the advertiser's guardrail",
            Reason::SpendLimitExceeded => "Spend limit reached",
            Reason::CircuitOpen => "Circuit breaker open",
            Reason::CircuitTerminated => "Circuit breaker terminated",
            Reason::UnknownAction => "Unknown action",
        }
    }

    /// The HTTP status of a denial at the gateway.
    pub fn status(self) -> StatusCode {
        match self {
            Reason::Allowed => StatusCode::OK,
            Reason::TokenMissing
            | Reason::TokenInvalid
            | Reason::TokenExpired
            | Reason::Revoked => StatusCode::UNAUTHORIZED,
            Reason::SpendLimitExceeded | Reason::CircuitOpen => StatusCode::TOO_MANY_REQUESTS,
            Reason::UnknownAction => StatusCode::NOT_FOUND,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

/// A problem-details body for a denial.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    /// The stable reason code.
    pub reason: &'static str,
    /// Why, in words: the statement, guardrail, cap or breaker at fault.
    pub detail: String,
    /// For a policy denial: the Allow statement that came closest, and what it lacked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_miss: Option<String>,
    /// The audit event of this decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<i64>,
}

impl Problem {
    pub fn new(reason: Reason, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("https://charter.dev/problems/{}", reason.code()),
            title: reason.title(),
            status: reason.status().as_u16(),
            reason: reason.code(),
            detail: detail.into(),
            nearest_miss: None,
            decision_id: None,
            retry_after_seconds: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::FORBIDDEN);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        if status == StatusCode::UNAUTHORIZED {
            let v = format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                self.reason
            );
            if let Ok(v) = http::HeaderValue::from_str(&v) {
                headers.insert(http::header::WWW_AUTHENTICATE, v);
            }
        }
        if let Some(s) = self.retry_after_seconds
            && let Ok(v) = http::HeaderValue::from_str(&s.max(1).to_string())
        {
            headers.insert(http::header::RETRY_AFTER, v);
        }
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (status, headers, body).into_response()
    }
}
