//! The contract between the sandbox Ads API and the gateway in front of it.
//!
//! Every sandbox route is a [`Route`]: its method and path, the catalog action it performs, and a
//! [`DescribeFn`] that tells the gateway — *before* the handler runs — which resource the call
//! touches and how much money it commits. The gateway decides on that [`Operation`], and only on
//! an allow does it call the handler, with a [`Decided`] in the request's extensions.

use axum::handler::Handler;
use axum::routing::{self, MethodRouter};
use charter_store::SandboxDb;
use charter_store::model::{Advertiser, AgentId, GrantId};
use chrono::{DateTime, Utc};
use http::Method;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// What a call would do: the input of the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The catalog action, e.g. `sp:UpdateCampaignBudget`.
    pub action: &'static str,
    /// The resource name, `arn:ads:<marketplace>:<advertiser id>:<type>/<id>`.
    pub resource: String,
    /// Money the call commits, in the advertiser's currency minor units (`None`: moves no money).
    /// The rule is documented in `sandbox/mod.rs`.
    pub amount_minor: Option<i64>,
    /// For calls that set a bid: the bid as a decimal in the advertiser's currency (e.g. `1.25`),
    /// the value the gateway supplies as `ads:BidAmount` (`authz::matrix::BID_KEY`, which a
    /// grant's bid cap compares). `None` for every other call.
    pub bid_amount: Option<String>,
}

/// What the gateway knows about the request when it asks a route to describe it.
pub struct DescribeInput<'a> {
    /// The account the token is for (its audience).
    pub advertiser: &'a Advertiser,
    /// Path parameters by name, e.g. `campaignId`.
    pub params: &'a BTreeMap<String, String>,
    /// The JSON body (`Value::Null` when empty).
    pub body: &'a serde_json::Value,
    pub store: &'a SandboxDb,
    pub now: DateTime<Utc>,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Describes a request before it runs. A bad body or an unknown id is a [`SandboxError`], which
/// the gateway returns as is (a 400 or a 404, or a 409 for a change to something archived),
/// *after* authenticating the caller.
pub type DescribeFn =
    for<'a> fn(DescribeInput<'a>) -> BoxFuture<'a, Result<Operation, SandboxError>>;

/// One sandbox route.
pub struct Route {
    pub method: Method,
    /// The axum path, e.g. `/sandbox/v1/sp/campaigns/{campaignId}`.
    pub path: &'static str,
    /// The catalog action this route performs (also in every `Operation` it describes).
    pub action: &'static str,
    pub describe: DescribeFn,
    /// The handler. It takes `Extension<Decided>`, so it cannot run without a decision.
    pub handler: MethodRouter<SandboxDb>,
}

impl Route {
    /// A `GET` route to `handler`.
    pub fn get<H: Handler<T, SandboxDb>, T: 'static>(
        path: &'static str,
        action: &'static str,
        describe: DescribeFn,
        handler: H,
    ) -> Self {
        Self::on(Method::GET, path, action, describe, routing::get(handler))
    }

    /// A `POST` route to `handler`.
    pub fn post<H: Handler<T, SandboxDb>, T: 'static>(
        path: &'static str,
        action: &'static str,
        describe: DescribeFn,
        handler: H,
    ) -> Self {
        Self::on(Method::POST, path, action, describe, routing::post(handler))
    }

    /// A `PUT` route to `handler`.
    pub fn put<H: Handler<T, SandboxDb>, T: 'static>(
        path: &'static str,
        action: &'static str,
        describe: DescribeFn,
        handler: H,
    ) -> Self {
        Self::on(Method::PUT, path, action, describe, routing::put(handler))
    }

    fn on(
        method: Method,
        path: &'static str,
        action: &'static str,
        describe: DescribeFn,
        handler: MethodRouter<SandboxDb>,
    ) -> Self {
        Self {
            method,
            path,
            action,
            describe,
            handler,
        }
    }
}

/// Inserted by the gateway after an allow; handlers act on `advertiser` only.
#[derive(Debug, Clone)]
pub struct Decided {
    pub advertiser: Advertiser,
    pub agent_id: AgentId,
    pub grant_id: GrantId,
    /// The audit event id of the decision.
    pub decision_id: String,
    /// The spend reservation held for this call, if it moves money.
    pub reservation_id: Option<String>,
    pub operation: Operation,
}

/// A sandbox error as the Amazon Ads API shapes them: `{"code": "...", "details": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    /// 400: the body or a parameter is invalid; `details` names the field.
    #[error("{0}")]
    BadRequest(String),
    /// 404: no such entity on this account (never reveals other accounts' ids).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the entity is in a state that does not allow this (e.g. archived).
    #[error("{0}")]
    Conflict(String),
    /// 500, with nothing internal in the body.
    #[error("internal error")]
    Internal,
}

impl SandboxError {
    pub fn status(&self) -> http::StatusCode {
        match self {
            SandboxError::BadRequest(_) => http::StatusCode::BAD_REQUEST,
            SandboxError::NotFound(_) => http::StatusCode::NOT_FOUND,
            SandboxError::Conflict(_) => http::StatusCode::CONFLICT,
            SandboxError::Internal => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            SandboxError::BadRequest(_) => "INVALID_ARGUMENT",
            SandboxError::NotFound(_) => "NOT_FOUND",
            SandboxError::Conflict(_) => "CONFLICT",
            SandboxError::Internal => "INTERNAL_ERROR",
        }
    }
}

impl axum::response::IntoResponse for SandboxError {
    fn into_response(self) -> axum::response::Response {
        let body = serde_json::json!({ "code": self.code(), "details": self.to_string() });
        (self.status(), axum::Json(body)).into_response()
    }
}

impl From<charter_store::StoreError> for SandboxError {
    fn from(e: charter_store::StoreError) -> Self {
        match e {
            charter_store::StoreError::NotFound => SandboxError::NotFound("entity"),
            charter_store::StoreError::Invalid(p) => SandboxError::BadRequest(p.to_string()),
            charter_store::StoreError::Conflict(what) => {
                SandboxError::Conflict(format!("the {what} already exists"))
            }
            other => {
                tracing::error!(error = %other, "sandbox store error");
                SandboxError::Internal
            }
        }
    }
}
