//! What every sandbox route shares: the [`Account`] extractor (the gateway's decision and the
//! optional profile scope), body parsing with errors that name the field, amounts, dates,
//! paging, resource names.

use super::spec::{Decided, DescribeInput, Operation, SandboxError};
use axum::extract::FromRequestParts;
pub use charter_model::Currency;
use charter_model::money;
use charter_store::model::Advertiser;
use charter_store::{
    AdGroupId, CampaignId, EntityName, EntityState, ProfileId, SandboxDb, SandboxQuery,
};
use chrono::NaiveDate;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

/// The optional header naming the profile a call is for. When present it must be the
/// account's own profile.
pub const SCOPE_HEADER: &str = "Amazon-Advertising-API-Scope";

/// The account a handler acts on: the gateway's [`Decided`] (inserted after an allow) and the
/// store. Extracting it fails with a 500 when there is no decision (the handler cannot run
/// without the gateway), with a 400 for a malformed scope header and a 404 for a scope that is
/// not this account's profile.
pub struct Account {
    pub decided: Decided,
    pub store: SandboxDb,
}

impl Account {
    pub fn advertiser(&self) -> &Advertiser {
        &self.decided.advertiser
    }

    /// The account's currency: every amount a handler reads or shows is in it.
    pub fn currency(&self) -> Currency {
        self.decided.advertiser.currency()
    }

    /// The call's body, read in the account's currency ([`from_bytes`]).
    pub fn read<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, SandboxError> {
        from_bytes(bytes, self.currency())
    }
}

impl FromRequestParts<SandboxDb> for Account {
    type Rejection = SandboxError;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        store: &SandboxDb,
    ) -> Result<Self, SandboxError> {
        let Some(decided) = parts.extensions.get::<Decided>().cloned() else {
            tracing::error!(path = %parts.uri.path(), "sandbox handler reached without a decision");
            return Err(SandboxError::Internal);
        };
        if let Some(value) = parts.headers.get(SCOPE_HEADER) {
            let raw = value.to_str().unwrap_or("");
            let id = ProfileId::parse(raw).map_err(|_| {
                SandboxError::BadRequest(format!(
                    "`{SCOPE_HEADER}`: expected a profile id (digits), got `{}`",
                    raw.chars().take(32).collect::<String>()
                ))
            })?;
            let profile = store.sandbox_profile(&decided.advertiser.id).await?;
            if profile.is_none_or(|p| p.id != id) {
                return Err(SandboxError::NotFound("profile"));
            }
        }
        Ok(Account {
            decided,
            store: store.clone(),
        })
    }
}

impl DescribeInput<'_> {
    /// The call's body, read in the account's currency ([`from_value`]).
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, SandboxError> {
        from_value(self.body, self.advertiser.currency())
    }
}

/// The operation a route describes.
pub fn op(action: &'static str, resource: String, amount_minor: Option<i64>) -> Operation {
    Operation {
        action,
        resource,
        amount_minor,
        bid_amount: None,
    }
}

/// `arn:ads:<marketplace lower-case>:<advertiser id>:<kind>/<id>`. Kinds are the catalog's
/// resource types in lower camel case (`campaign`, `adGroup`, `keyword`, `target`, `report`,
/// `invoice`, `profile`, `billingProfile`).
pub fn resource(advertiser: &Advertiser, kind: &str, id: impl fmt::Display) -> String {
    charter_model::arn::resource(
        advertiser.marketplace,
        advertiser.id.as_str(),
        kind,
        &id.to_string(),
    )
}

/// The collection of a kind, `…:<kind>/*`, for listings and creations.
pub fn collection(advertiser: &Advertiser, kind: &str) -> String {
    resource(advertiser, kind, "*")
}

/// A path parameter, parsed; a malformed one is a 400 naming it.
pub fn path_id<T>(
    params: &BTreeMap<String, String>,
    name: &'static str,
    parse: impl Fn(&str) -> Result<T, charter_store::model::ParseError>,
) -> Result<T, SandboxError> {
    let raw = params
        .get(name)
        .ok_or_else(|| SandboxError::BadRequest(format!("`{name}`: missing path parameter")))?;
    parse(raw).map_err(|e| SandboxError::BadRequest(format!("`{name}`: {e}")))
}

thread_local! {
    /// The currency of the account whose body is being read: [`from_value`] sets it for one
    /// synchronous deserialization, so that every [`Amount`] in the body reads in it.
    static BODY_CURRENCY: Cell<Option<Currency>> = const { Cell::new(None) };
}

/// Sets [`BODY_CURRENCY`] until dropped, then puts back what was there.
struct CurrencyScope(Option<Currency>);

impl CurrencyScope {
    fn enter(currency: Currency) -> Self {
        CurrencyScope(BODY_CURRENCY.replace(Some(currency)))
    }
}

impl Drop for CurrencyScope {
    fn drop(&mut self) {
        BODY_CURRENCY.set(self.0);
    }
}

/// Parses a JSON body of a call on an account whose currency is `currency` (`null`, i.e. an
/// empty body, reads as `{}`); amounts read in that currency. Errors name the field's path:
/// "`budget.budget`: expected …".
pub fn from_value<T: DeserializeOwned>(
    value: &Value,
    currency: Currency,
) -> Result<T, SandboxError> {
    let empty = Value::Object(serde_json::Map::new());
    let value = if value.is_null() { &empty } else { value };
    let _scope = CurrencyScope::enter(currency);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path.is_empty() || path == "." {
            SandboxError::BadRequest(inner)
        } else {
            SandboxError::BadRequest(format!("`{path}`: {inner}"))
        }
    })
}

/// Parses a raw body as the gateway passes it on (empty means `{}`), as [`from_value`] does.
pub fn from_bytes<T: DeserializeOwned>(
    bytes: &[u8],
    currency: Currency,
) -> Result<T, SandboxError> {
    let value = body_value(bytes)?;
    from_value(&value, currency)
}

/// A raw body as JSON (`null` when empty).
pub fn body_value(bytes: &[u8]) -> Result<Value, SandboxError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes)
        .map_err(|e| SandboxError::BadRequest(format!("the body is not valid JSON: {e}")))
}

/// The body of a call that takes none: empty or `{}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an empty object")]
pub struct NoBody {}

/// A money amount in minor units of `currency` as the API shows it: a JSON number in major
/// units (`12345` USD → `123.45`).
pub fn money(minor: i64, currency: Currency) -> Value {
    serde_json::Number::from_f64(money::minor_to_major(minor, currency))
        .map_or(Value::Null, Value::Number)
}

/// A money amount as a decimal string in major units, e.g. `1.25` (USD) or `150` (JPY).
pub fn decimal(minor: i64, currency: Currency) -> String {
    money::minor_to_input(minor, currency)
}

/// An amount of the account's currency, in its minor units, read from a JSON number in major
/// units with at most the currency's decimals, between `MIN` and `MAX` **hundredths of a major
/// unit** (so the same bounds in every currency: 0.02 is a cent in USD; in JPY, whose smallest
/// unit is 1, the lower bound rounds up to 1). Only [`from_value`] reads it, in the account's
/// currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount<const MIN: i64, const MAX: i64>(pub i64);

/// A daily budget: 1 to 1,000,000 major units.
pub type Budget = Amount<100, 100_000_000>;
/// A bid: 0.02 to 1,000 major units.
pub type Bid = Amount<2, 100_000>;

impl<const MIN: i64, const MAX: i64> Amount<MIN, MAX> {
    /// The bounds in minor units of `currency`: the lower rounded up, the upper down.
    pub fn bounds(currency: Currency) -> (i64, i64) {
        let per = currency.minor_per_major();
        ((MIN * per + 99) / 100, MAX * per / 100)
    }

    fn check<E: de::Error>(text: &str) -> Result<Self, E> {
        let Some(currency) = BODY_CURRENCY.get() else {
            return Err(E::custom("an amount can only be read for an account"));
        };
        let (min, max) = Self::bounds(currency);
        match money::decimal_to_minor(text, currency) {
            Some(n) if (min..=max).contains(&n) => Ok(Amount(n)),
            _ => Err(E::custom(format!(
                "expected a positive amount in {currency} with at most {} decimals, from {} to {}; got `{}`",
                currency.minor_digits(),
                decimal(min, currency),
                decimal(max, currency),
                text.chars().take(32).collect::<String>()
            ))),
        }
    }
}

impl<'de, const MIN: i64, const MAX: i64> Deserialize<'de> for Amount<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const MIN: i64, const MAX: i64>;
        impl<const MIN: i64, const MAX: i64> Visitor<'_> for V<MIN, MAX> {
            type Value = Amount<MIN, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a positive amount in the account's currency")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                Amount::check(&n.to_string())
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                Amount::check(&n.to_string())
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
                Amount::check(&n.to_string())
            }
        }
        d.deserialize_any(V::<MIN, MAX>)
    }
}

/// A date `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiDate(pub NaiveDate);

impl<'de> Deserialize<'de> for ApiDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ApiDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date `YYYY-MM-DD`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ApiDate, E> {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .filter(|_| s.len() == 10)
                    .map(ApiDate)
                    .ok_or_else(|| {
                        E::custom(format!(
                            "expected a date `YYYY-MM-DD`, got `{}`",
                            s.chars().take(32).collect::<String>()
                        ))
                    })
            }
        }
        d.deserialize_str(V)
    }
}

/// A name of 1–128 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiName(pub EntityName);

impl<'de> Deserialize<'de> for ApiName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EntityName::parse(&s).map(ApiName).map_err(|e| match e {
            charter_store::model::ParseError::Empty { .. } => {
                de::Error::custom("must not be empty")
            }
            charter_store::model::ParseError::TooLong { max, .. } => {
                de::Error::custom(format!("must be at most {max} characters"))
            }
            charter_store::model::ParseError::Invalid { .. } => {
                de::Error::custom("must not contain control characters")
            }
        })
    }
}

/// For `Option<Option<T>>` fields: absent → `None`, `null` → `Some(None)`.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A state filter, `{"include": ["ENABLED", …]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object with `include`")]
pub struct Include<T> {
    pub include: Vec<T>,
}

/// The paging fields of a list body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: u32,
    pub limit: u32,
}

impl Window {
    pub const DEFAULT_LIMIT: u32 = 100;
    pub const MAX_LIMIT: u32 = 1000;

    /// From `maxResults` (1–1000, default 100) and `nextToken` (a token from an earlier page).
    pub fn parse(
        max_results: Option<i64>,
        next_token: Option<&str>,
        names: (&str, &str),
    ) -> Result<Window, SandboxError> {
        let limit = match max_results {
            None => Self::DEFAULT_LIMIT,
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| (1..=Self::MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    SandboxError::BadRequest(format!(
                        "`{}`: expected a number from 1 to {}, got {n}",
                        names.0,
                        Self::MAX_LIMIT
                    ))
                })?,
        };
        let offset = match next_token.map(str::trim).filter(|t| !t.is_empty()) {
            None => 0,
            Some(t) => t
                .strip_prefix("page-")
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| {
                    SandboxError::BadRequest(format!(
                        "`{}`: not a token from an earlier page",
                        names.1
                    ))
                })?,
        };
        Ok(Window { offset, limit })
    }

    /// The query for this window.
    pub fn query(self) -> SandboxQuery {
        SandboxQuery {
            offset: self.offset,
            limit: self.limit,
            ..SandboxQuery::all()
        }
    }

    /// The token of the next page, if there is one.
    pub fn next_token(self, total: u64) -> Option<String> {
        let next = u64::from(self.offset) + u64::from(self.limit);
        (next < total).then(|| format!("page-{next}"))
    }
}

/// The body of a listing of ad groups, keywords or targets.
#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a list request object"
)]
pub struct ChildListBody {
    #[serde(default)]
    state_filter: Option<Include<EntityState>>,
    #[serde(default)]
    campaign_id_filter: Option<Include<CampaignId>>,
    #[serde(default)]
    ad_group_id_filter: Option<Include<AdGroupId>>,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

impl ChildListBody {
    pub fn query(self) -> Result<(SandboxQuery, Window), SandboxError> {
        let window = Window::parse(
            self.max_results,
            self.next_token.as_deref(),
            ("maxResults", "nextToken"),
        )?;
        let mut q = window.query();
        q.states = self.state_filter.map(|f| f.include).unwrap_or_default();
        q.campaigns = self
            .campaign_id_filter
            .map(|f| f.include)
            .unwrap_or_default();
        q.ad_groups = self
            .ad_group_id_filter
            .map(|f| f.include)
            .unwrap_or_default();
        if q.campaigns.len() > 100 {
            return Err(SandboxError::BadRequest(
                "`campaignIdFilter.include`: at most 100 ids".into(),
            ));
        }
        if q.ad_groups.len() > 100 {
            return Err(SandboxError::BadRequest(
                "`adGroupIdFilter.include`: at most 100 ids".into(),
            ));
        }
        Ok((q, window))
    }
}

/// The state an update may set: `ENABLED` or `PAUSED` (archiving is a delete).
pub fn settable_state(state: Option<EntityState>) -> Result<Option<EntityState>, SandboxError> {
    if state == Some(EntityState::Archived) {
        return Err(SandboxError::BadRequest(
            "`state`: must be `ENABLED` or `PAUSED` (archiving is not an update)".into(),
        ));
    }
    Ok(state)
}

/// Maps a store error, naming what was not found.
pub fn store_err(what: &'static str) -> impl Fn(charter_store::StoreError) -> SandboxError {
    move |e| match e {
        charter_store::StoreError::NotFound => SandboxError::NotFound(what),
        other => SandboxError::from(other),
    }
}

/// The conflict of a change to an archived entity.
pub fn archived(what: &str) -> SandboxError {
    SandboxError::Conflict(format!("the {what} is archived and cannot be changed"))
}

/// The conflict of a change whose entity changed between the decision and the write so that
/// the change would now commit more money than was reserved for it (see the amount rule).
pub fn changed_meanwhile(what: &str) -> SandboxError {
    SandboxError::Conflict(format!(
        "the {what} changed while this call was being decided, and the change would now commit more than was reserved; nothing changed, send it again"
    ))
}

/// A list response: `{ "<key>": [...], "totalResults": n, "nextToken": … }`.
pub fn listing(key: &str, items: Vec<Value>, total: u64, window: Window) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(key.into(), Value::Array(items));
    m.insert("totalResults".into(), Value::from(total));
    if let Some(t) = window.next_token(total) {
        m.insert("nextToken".into(), Value::String(t));
    }
    Value::Object(m)
}

/// Serializes a view; views are plain data, so this cannot fail in practice.
pub fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Probe {
        name: ApiName,
        budget: Budget,
        #[serde(default)]
        bid: Option<Bid>,
        #[serde(default, deserialize_with = "double_option")]
        end_date: Option<Option<ApiDate>>,
    }

    fn err(v: Value) -> String {
        match from_value::<Probe>(&v, Currency::Usd) {
            Err(SandboxError::BadRequest(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn amounts_read_in_the_accounts_currency() {
        assert_eq!(Budget::bounds(Currency::Usd), (100, 100_000_000));
        assert_eq!(Bid::bounds(Currency::Eur), (2, 100_000));
        // The yen's smallest unit is 1: the bid's lower bound (0.02) rounds up to it.
        assert_eq!(Bid::bounds(Currency::Jpy), (1, 1_000));
        assert_eq!(Budget::bounds(Currency::Jpy), (1, 1_000_000));
        assert_eq!(decimal(1234, Currency::Usd), "12.34");
        assert_eq!(decimal(-250, Currency::Gbp), "-2.50");
        assert_eq!(decimal(1234, Currency::Jpy), "1234");
        assert_eq!(money(1234, Currency::Usd), json!(12.34));
        assert_eq!(money(1234, Currency::Jpy), json!(1234.0));
        let yen = |v: Value| from_value::<Probe>(&v, Currency::Jpy);
        let p = yen(json!({"name": "x", "budget": 1500})).unwrap();
        assert_eq!(p.budget.0, 1500);
        match yen(json!({"name": "x", "budget": 1.5})) {
            Err(SandboxError::BadRequest(m)) => {
                assert!(m.starts_with("`budget`: expected a positive amount in JPY with at most 0 decimals, from 1 to 1000000"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        // Outside a body read for an account, an amount cannot be read at all.
        assert!(serde_json::from_value::<Budget>(json!(1)).is_err());
    }

    #[test]
    fn body_errors_name_the_field() {
        let p: Probe = from_value(
            &json!({"name": " Spring ", "budget": 25.5, "endDate": null}),
            Currency::Usd,
        )
        .unwrap();
        assert_eq!(p.name.0.as_str(), "Spring");
        assert_eq!(p.budget.0, 2550);
        assert_eq!(p.end_date, Some(None));
        assert_eq!(p.bid, None);
        assert!(
            err(json!({"name": "x", "budget": -3}))
                .starts_with("`budget`: expected a positive amount")
        );
        assert!(err(json!({"name": "x", "budget": 0})).starts_with("`budget`: "));
        assert!(err(json!({"name": "x", "budget": "12"})).starts_with("`budget`: invalid type"));
        assert!(err(json!({"name": "x", "budget": 1.234})).contains("at most 2 decimals"));
        assert!(err(json!({"name": "x", "budget": 2_000_000})).contains("1000000.00"));
        assert_eq!(
            err(json!({"name": "", "budget": 1})),
            "`name`: must not be empty"
        );
        assert_eq!(err(json!({"budget": 1})), "missing field `name`");
        assert!(err(json!({"name": "x", "budget": 1, "bid": 0.01})).starts_with("`bid`: "));
        assert!(
            err(json!({"name": "x", "budget": 1, "endDate": "2026-2-1"}))
                .starts_with("`endDate`: expected a date")
        );
        assert!(
            err(json!({"name": "x", "budget": 1, "colour": 1})).contains("unknown field `colour`")
        );
        assert_eq!(
            err(json!({"name": "x".repeat(129), "budget": 1})),
            "`name`: must be at most 128 characters"
        );
    }

    #[test]
    fn windows_and_tokens() {
        let w = Window::parse(Some(2), None, ("maxResults", "nextToken")).unwrap();
        assert_eq!(w.next_token(5).as_deref(), Some("page-2"));
        let w2 = Window::parse(Some(2), Some("page-4"), ("maxResults", "nextToken")).unwrap();
        assert_eq!(w2.offset, 4);
        assert_eq!(w2.next_token(5), None);
        assert!(Window::parse(Some(0), None, ("maxResults", "nextToken")).is_err());
        assert!(Window::parse(Some(1001), None, ("maxResults", "nextToken")).is_err());
        assert!(Window::parse(None, Some("4"), ("maxResults", "nextToken")).is_err());
    }
}
