//! Why a token was rejected.

use charter_store::revoked::Revoked;
use chrono::{DateTime, Utc};

/// Why a token was rejected. Messages are safe to show to the token's holder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed Charter token: {0}")]
    Malformed(String),
    #[error("the token's signature does not verify (altered block or wrong key)")]
    BadSignature,
    #[error("the token names signing key `{0}`, which Charter does not publish")]
    UnknownKey(String),
    #[error("the token has a third-party block, which Charter does not accept")]
    ThirdPartyBlock,
    #[error("the token's appended {0}")]
    BlockRefused(String),
    #[error("the token expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("the token is not valid before {0}")]
    NotYetValid(DateTime<Utc>),
    #[error("the token is for account `{expected}`, not `{actual}`")]
    WrongAudience { expected: String, actual: String },
    #[error("the token's delegation depth {depth} is over the limit {max}")]
    DepthExceeded { depth: u32, max: u32 },
    #[error("the request's intent `{intent}` is outside the grant's purpose `{purpose}`")]
    IntentOutsidePurpose { intent: String, purpose: String },
    #[error("an attenuation check in block {block} failed: `{rule}`")]
    Attenuation { block: u32, rule: String },
    #[error("the token was revoked: {0}")]
    Revoked(Revoked),
    #[error("token verification failed: {0}")]
    Internal(String),
}

impl TokenError {
    /// A stable code for logs, audit rows and JSON bodies.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Malformed(_) => "malformed",
            TokenError::BadSignature => "bad_signature",
            TokenError::UnknownKey(_) => "unknown_key",
            TokenError::ThirdPartyBlock => "third_party_block",
            TokenError::BlockRefused(_) => "block_refused",
            TokenError::Expired(_) => "expired",
            TokenError::NotYetValid(_) => "not_yet_valid",
            TokenError::WrongAudience { .. } => "wrong_audience",
            TokenError::DepthExceeded { .. } => "depth_exceeded",
            TokenError::IntentOutsidePurpose { .. } => "intent_outside_purpose",
            TokenError::Attenuation { .. } => "attenuation_failed",
            TokenError::Revoked(_) => "revoked",
            TokenError::Internal(_) => "internal",
        }
    }
}
