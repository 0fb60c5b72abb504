//! A request to decide ([`AuthzRequest`]) and what a caller may put in it: the limits named in
//! the API, and the context keys only Charter sets. Every field of an [`AuthzRequest`] is attacker input (a partner's
//! gateway, or a rogue agent calling the PDP itself), and what passes here is written to the
//! advertiser's permanent audit trail.
//!
//! | field | limit |
//! | --- | --- |
//! | `action` | [`MAX_ACTION_BYTES`] bytes (and a catalog action, else `unknown_action`) |
//! | `resource` | [`MAX_RESOURCE_BYTES`] bytes, in the token's own account (else `policy_denied`) |
//! | `intent` | [`MAX_INTENT_BYTES`] bytes |
//! | `context` | [`MAX_CONTEXT_KEYS`] keys, [`MAX_CONTEXT_BYTES`] bytes of keys and values in all; none of [`GATEWAY_CONTEXT_KEYS`] |
//!
//! A request over a limit is refused as a whole (`400 invalid_request`, naming the field but
//! not echoing its value) before any token is read: nothing of it is decided, recorded or
//! logged.

use charter_store::model::MAX_AMOUNT_MINOR;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A request to decide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthzRequest {
    /// The catalog action, e.g. `sp:UpdateCampaignBudget`.
    pub action: String,
    /// The resource name, `arn:ads:<marketplace>:<advertiser id>:<type>/<id>`.
    pub resource: String,
    /// Money the call commits, in minor units of the account's currency: a whole number of at
    /// most [`MAX_AMOUNT_MINOR`]; a larger one (or one that is not a whole number) makes the
    /// body invalid (a `400` naming `amountMinor`).
    #[serde(
        default,
        deserialize_with = "bounded_amount",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount_minor: Option<i64>,
    /// The declared intent: one of the purpose codes; it must be the grant's purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// Extra context keys for policy conditions (`ads:CurrentTime` is always set by Charter).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, String>,
}

/// Reads `amountMinor`: `null`, or a whole number no larger than [`MAX_AMOUNT_MINOR`].
fn bounded_amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) if n.as_i64().is_some_and(|a| a <= MAX_AMOUNT_MINOR) => {
            Ok(n.as_i64())
        }
        Some(_) => Err(serde::de::Error::custom(format!(
            "`amountMinor`: expected a whole number of minor units of at most {MAX_AMOUNT_MINOR}"
        ))),
    }
}

/// The longest `action`; catalog actions are far shorter.
pub const MAX_ACTION_BYTES: usize = 128;
/// The longest `resource` (an ARN).
pub const MAX_RESOURCE_BYTES: usize = 512;
/// The longest `intent` (a purpose code).
pub const MAX_INTENT_BYTES: usize = 32;
/// The most `context` keys.
pub const MAX_CONTEXT_KEYS: usize = 32;
/// The most bytes of `context` keys and values together.
pub const MAX_CONTEXT_BYTES: usize = 4 * 1024;

/// Context keys Charter sets itself when it decides (the time, the intent, the amount), which a
/// caller may not send, in any letter case. Policies read the time from any of
/// [`authz::describe::TIME_KEYS`].
pub const GATEWAY_CONTEXT_KEYS: [&str; 6] = [
    authz::describe::TIME_KEYS[0],
    authz::describe::TIME_KEYS[1],
    authz::describe::TIME_KEYS[2],
    "ads:Intent",
    "ads:AmountMinor",
    "ads:Amount",
];

/// Checks the caller-controlled fields of `req` against the limits above. The error names the
/// field (for a context key, `context.<key>` when the key itself is short enough to be named).
pub fn check(req: &AuthzRequest) -> Result<(), String> {
    let too_long = |field: &str, max: usize| format!("`{field}` is longer than {max} bytes");
    if req.action.len() > MAX_ACTION_BYTES {
        return Err(too_long("action", MAX_ACTION_BYTES));
    }
    if req.resource.len() > MAX_RESOURCE_BYTES {
        return Err(too_long("resource", MAX_RESOURCE_BYTES));
    }
    if req
        .intent
        .as_ref()
        .is_some_and(|i| i.len() > MAX_INTENT_BYTES)
    {
        return Err(too_long("intent", MAX_INTENT_BYTES));
    }
    if req.context.len() > MAX_CONTEXT_KEYS {
        return Err(format!("`context` has more than {MAX_CONTEXT_KEYS} keys"));
    }
    let bytes: usize = req.context.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > MAX_CONTEXT_BYTES {
        return Err(format!(
            "`context` holds more than {MAX_CONTEXT_BYTES} bytes of keys and values"
        ));
    }
    if let Some(key) = req.context.keys().find(|k| is_gateway_key(k)) {
        return Err(format!(
            "`context.{key}` is set by Charter when it decides; callers may not send it"
        ));
    }
    Ok(())
}

/// Whether `key` is one of [`GATEWAY_CONTEXT_KEYS`] (condition keys ignore letter case).
pub fn is_gateway_key(key: &str) -> bool {
    GATEWAY_CONTEXT_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
}

/// The account an ARN names: `arn:ads:<marketplace>:<account>:…` → `<account>`; `None` for
/// anything else.
pub fn arn_account(resource: &str) -> Option<&str> {
    let mut parts = resource.splitn(5, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some("ads"), Some(_), Some(account)) if !account.is_empty() => Some(account),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_account_reads_the_fourth_field() {
        let check = |arn: &str, want: Option<&str>| assert_eq!(arn_account(arn), want, "{arn}");
        check("arn:ads:us:adv_1:campaign/c-1", Some("adv_1"));
        check("arn:ads:us:adv_1", Some("adv_1"));
        check("arn:ads:us:*:campaign/*", Some("*"));
        check("arn:ads:us::campaign/c", None);
        check("arn:aws:us:adv_1:campaign/c", None);
        check("*", None);
        check("campaign/c-1", None);
    }

    #[test]
    fn gateway_keys_are_refused_in_any_case() {
        for key in [
            "ads:currenttime",
            "ADS:AMOUNTMINOR",
            "aws:CurrentTime",
            "ads:now",
        ] {
            let mut req = AuthzRequest::default();
            req.context.insert(key.into(), "1".into());
            let err = check(&req).expect_err(key);
            assert!(err.contains(&format!("`context.{key}`")), "{err}");
        }
        let mut req = AuthzRequest::default();
        req.context.insert("ads:BidAmount".into(), "1.50".into());
        assert_eq!(check(&req), Ok(()));
    }
}
