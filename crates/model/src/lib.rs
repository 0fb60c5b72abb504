//! Domain types shared by the server and the browser. Identifiers and enums are built only
//! through `parse`, so a value of these types is always well formed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A malformed value supplied by a user or a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("`{value}` is not a valid {what}")]
    Invalid { what: &'static str, value: String },
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} must be at most {max} characters")]
    TooLong { what: &'static str, max: usize },
}

/// With the `sqlx` feature: `$name` (a type with `parse(&str)`) is a text column, decoded
/// through `parse`, so a malformed stored value is a decode error (the store's `Corrupt`), never
/// a value of the type. Exported for the store's own value types; without the feature it
/// expands to nothing.
#[cfg(feature = "sqlx")]
#[doc(hidden)]
#[macro_export]
macro_rules! text_column {
    ($name:ident) => {
        impl<DB: $crate::__sqlx::Database> $crate::__sqlx::Type<DB> for $name
        where
            str: $crate::__sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as $crate::__sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as $crate::__sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: $crate::__sqlx::Database> $crate::__sqlx::Decode<'r, DB> for $name
        where
            &'r str: $crate::__sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, $crate::__sqlx::error::BoxDynError> {
                Ok(Self::parse(
                    <&'r str as $crate::__sqlx::Decode<'r, DB>>::decode(value)?,
                )?)
            }
        }
    };
}

/// Without the `sqlx` feature, [`text_column!`] is nothing.
#[cfg(not(feature = "sqlx"))]
#[doc(hidden)]
#[macro_export]
macro_rules! text_column {
    ($name:ident) => {};
}

#[cfg(feature = "sqlx")]
#[doc(hidden)]
pub use sqlx as __sqlx;

macro_rules! prefixed_id {
    ($(#[$m:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh, globally unique id: the prefix plus a ULID.
            #[cfg(feature = "generate")]
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, ulid::Ulid::new()))
            }

            /// Accepts exactly the prefix followed by a 26-character Crockford base32 ULID, in
            /// any letter case, and returns the canonical (upper-case) form.
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                let s = s.trim();
                match s.strip_prefix($prefix).map(ulid::Ulid::from_string) {
                    Some(Ok(ulid)) => Ok(Self(format!("{}{ulid}", $prefix))),
                    _ => Err(ParseError::Invalid { what: $what, value: s.chars().take(64).collect() }),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        text_column!($name);
    };
}

prefixed_id!(/** An advertiser (ad account). */ AdvertiserId, "adv_", "advertiser id");
prefixed_id!(/** A person who signs in. */ PersonId, "per_", "person id");
prefixed_id!(/** A partner company (agency or tool vendor). */ PartnerId, "ptn_", "partner id");
prefixed_id!(/** An application owned by a partner. */ ApplicationId, "app_", "application id");
prefixed_id!(/** An AI agent registered under an application. */ AgentId, "agt_", "agent id");
prefixed_id!(/** A grant of an advertiser to an agent. */ GrantId, "grt_", "grant id");
prefixed_id!(/** An audit event. */ EventId, "evt_", "event id");
prefixed_id!(/** A client secret of an agent. */ SecretId, "sec_", "secret id");
prefixed_id!(/** A registered public key of an agent (private_key_jwt). */ ClientKeyId, "key_", "key id");
prefixed_id!(/** A token Charter minted. */ TokenId, "tok_", "token id");
prefixed_id!(/** An application's request for access to an account. */ AccessRequestId, "req_", "request id");
prefixed_id!(/** An advertiser's guardrail (a critical permission no agent may hold). */ GuardrailId, "grd_", "guardrail id");
prefixed_id!(/** A spend reservation in the ledger. */ ReservationId, "rsv_", "reservation id");

/// The largest amount one call may commit, in minor units of the account's currency
/// (10,000,000,000.00 in a two-decimal currency). The PDP refuses a larger `amountMinor` with a
/// 400 naming the field, the gateway denies it and the store never reserves it, so no ledger row
/// written through Charter is larger; spend sums saturate at `i64::MAX` rather than overflow.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $s:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// A label for people to read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Result<Self, ParseError> {
                match s.trim() {
                    $($s => Ok($name::$variant),)+
                    other => Err(ParseError::Invalid { what: $what, value: other.chars().take(64).collect() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        text_column!($name);
    };
}

pub mod arn;
pub mod money;

// One module per topic, all re-exported here: the model is one namespace.
mod audit;
mod consent;
mod entities;
mod enums;
mod market;
mod query;
mod spend;
#[cfg(test)]
mod tests;
mod text;

pub use audit::*;
pub use consent::*;
pub use entities::*;
pub use enums::*;
pub use market::*;
pub use query::*;
pub use spend::*;
pub use text::*;
