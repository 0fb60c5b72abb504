//! The one error type every server function returns. Its messages are safe to show: internal
//! details are logged on the server and never sent to the client.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("sign in to continue")]
    Unauthorized,
    #[error("you do not have permission to do that")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("support access to this account needs a reason first")]
    SupportReasonRequired,
    #[error("too many attempts; try again in a few minutes")]
    RateLimited,
    #[error("this form has expired; reload the page and try again")]
    Csrf,
    #[error("something went wrong on our side; please try again")]
    Internal,
}

impl AppError {
    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden | AppError::Csrf | AppError::SupportReasonRequired => 403,
            AppError::NotFound => 404,
            AppError::BadRequest(_) => 400,
            AppError::RateLimited => 429,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                AppError::BadRequest(format!("invalid form input: {m}"))
            }
            ServerFnErrorErr::Request(_) => AppError::BadRequest(
                "the server could not be reached; check your connection".into(),
            ),
            _ => AppError::Internal,
        }
    }
}

impl From<charter_model::ParseError> for AppError {
    fn from(e: charter_model::ParseError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<charter_core::access::AccessError> for AppError {
    fn from(e: charter_core::access::AccessError) -> Self {
        use charter_core::access::AccessError as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Forbidden => AppError::Forbidden,
            E::Store(e) => e.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<charter_core::review::ConsentError> for AppError {
    fn from(e: charter_core::review::ConsentError) -> Self {
        match e {
            charter_core::review::ConsentError::Store(e) => e.into(),
            other => AppError::BadRequest(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<charter_core::partners::RequestError> for AppError {
    fn from(e: charter_core::partners::RequestError) -> Self {
        use charter_core::partners::RequestError as E;
        match e {
            E::Store(e) => e.into(),
            E::Policy(e) => e.into(),
            other => AppError::BadRequest(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<charter_store::StoreError> for AppError {
    fn from(e: charter_store::StoreError) -> Self {
        use charter_store::StoreError as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Conflict(what) => AppError::BadRequest(format!("{what} already exists")),
            E::Invalid(p) => AppError::BadRequest(p.to_string()),
            E::Caps(c) => AppError::BadRequest(format!("caps: {c}")),
            E::Limit(why) => AppError::BadRequest(why),
            e @ E::Revoked => AppError::BadRequest(e.to_string()),
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal
            }
        }
    }
}
