//! Why a token no longer holds: wasm-safe, shared by the revocation index and the token
//! verifier.

/// Why a token no longer holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Revoked {
    #[error("the grant was revoked")]
    GrantRevoked,
    #[error("the grant is suspended")]
    GrantSuspended,
    #[error("the grant changed (now version {current}); request a new token")]
    GrantChanged { current: u32 },
    #[error("the grant is not valid yet")]
    GrantNotYetValid,
    #[error("the grant expired")]
    GrantExpired,
    #[error("the agent `{0}` is disabled")]
    AgentDisabled(String),
    #[error("the token `{0}` was revoked")]
    TokenRevoked(String),
}
