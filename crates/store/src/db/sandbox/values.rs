//! The values sandbox entities are made of: numeric ids and the report id, the enums with a
//! stored and an API form, and the validated texts (names, keyword texts, target expressions).

use crate::model::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! ads_id {
    ($(#[$m:meta])* $name:ident, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(i64);

        impl $name {
            /// A fresh random id of 15 digits.
            pub fn generate() -> Self {
                Self(random_id())
            }

            /// Accepts 1 to 18 ASCII digits (surrounding spaces ignored) naming a positive
            /// number; the canonical form has no leading zeros.
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                parse_numeric(s)
                    .map(Self)
                    .ok_or_else(|| ParseError::Invalid { what: $what, value: s.trim().chars().take(64).collect() })
            }

            pub fn get(self) -> i64 {
                self.0
            }

            /// An id read back from the database.
            pub(crate) fn from_db(n: i64) -> Result<Self, ParseError> {
                if n > 0 {
                    Ok(Self(n))
                } else {
                    Err(ParseError::Invalid { what: $what, value: n.to_string() })
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
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
                id.0.to_string()
            }
        }

        /// An integer column, decoded through `from_db` (a stored id that is not positive is
        /// a decode error, the store's `Corrupt`).
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            i64: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <i64 as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <i64 as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            i64: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(Self::from_db(<i64 as sqlx::Decode<'r, DB>>::decode(value)?)?)
            }
        }
    };
}

fn random_id() -> i64 {
    const MIN: i64 = 100_000_000_000_000;
    const SPAN: u128 = 900_000_000_000_000;
    let r = ulid::Ulid::new().random() % SPAN;
    MIN + i64::try_from(r).unwrap_or(0)
}

fn parse_numeric(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok().filter(|n| *n > 0)
}

ads_id!(/** A sandbox advertising profile (the `Amazon-Advertising-API-Scope`). */ ProfileId, "profile id");
ads_id!(/** A sandbox campaign. */ CampaignId, "campaign id");
ads_id!(/** A sandbox ad group. */ AdGroupId, "ad group id");
ads_id!(/** A sandbox keyword. */ KeywordId, "keyword id");
ads_id!(/** A sandbox product target. */ TargetId, "target id");
ads_id!(/** A sandbox invoice. */ InvoiceId, "invoice id");

/// A report job's id: a UUID in canonical lower-case form, like the Amazon Ads reporting API's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReportId(String);

impl ReportId {
    /// A fresh random (version 4 shaped) UUID.
    pub fn generate() -> Self {
        let mut b = ulid::Ulid::new().to_bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        Self(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }

    /// Accepts `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits in any case).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        let ok = s.len() == 36
            && s.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if ok {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(ParseError::Invalid {
                what: "report id",
                value: s.chars().take(64).collect(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ReportId {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<ReportId> for String {
    fn from(id: ReportId) -> String {
        id.0
    }
}

/// An enum with a stored form (lower-case) and the API's form (`ENABLED`); `parse` takes
/// either, in any case. Serialized in the API's form.
macro_rules! ads_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $db:literal, $api:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $db),+ }
            }

            /// The API's form.
            pub fn api(self) -> &'static str {
                match self { $($name::$variant => $api),+ }
            }

            pub fn parse(s: &str) -> Result<Self, ParseError> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($db) || t.eq_ignore_ascii_case($api) {
                    return Ok($name::$variant);
                })+
                Err(ParseError::Invalid { what: $what, value: t.chars().take(64).collect() })
            }

            /// The API's forms, for error messages: "`A`, `B` or `C`".
            pub fn expected() -> String {
                let names: Vec<String> = Self::ALL.iter().map(|v| format!("`{}`", v.api())).collect();
                match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => names.concat(),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.api())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.api())
            }
        }

        charter_model::text_column!($name);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{}` is not a valid {}: expected {}",
                        s.chars().take(64).collect::<String>(),
                        $what,
                        $name::expected()
                    ))
                })
            }
        }
    };
}

ads_enum!(/** The ad product a campaign belongs to. */ Program, "ad product" {
    Sp => "sp", "SPONSORED_PRODUCTS";
    Sb => "sb", "SPONSORED_BRANDS";
    Sd => "sd", "SPONSORED_DISPLAY";
});

ads_enum!(/** The state of a campaign, ad group, keyword or target. Archived is final. */ EntityState, "state" {
    Enabled => "enabled", "ENABLED";
    Paused => "paused", "PAUSED";
    Archived => "archived", "ARCHIVED";
});

ads_enum!(/** How a campaign chooses where ads show. */ TargetingType, "targeting type" {
    Manual => "manual", "MANUAL";
    Auto => "auto", "AUTO";
});

ads_enum!(/** A keyword's match type. */ MatchType, "match type" {
    Exact => "exact", "EXACT";
    Phrase => "phrase", "PHRASE";
    Broad => "broad", "BROAD";
});

ads_enum!(/** The kind of a product-targeting expression. */ ExpressionType, "expression type" {
    AsinSameAs => "asin_same_as", "ASIN_SAME_AS";
    AsinCategorySameAs => "asin_category_same_as", "ASIN_CATEGORY_SAME_AS";
    AsinBrandSameAs => "asin_brand_same_as", "ASIN_BRAND_SAME_AS";
    QueryHighRelMatches => "query_high_rel_matches", "QUERY_HIGH_REL_MATCHES";
    QueryBroadRelMatches => "query_broad_rel_matches", "QUERY_BROAD_REL_MATCHES";
    AsinSubstituteRelated => "asin_substitute_related", "ASIN_SUBSTITUTE_RELATED";
    AsinAccessoryRelated => "asin_accessory_related", "ASIN_ACCESSORY_RELATED";
});

impl ExpressionType {
    /// Whether the expression names a value (an ASIN, category or brand); the automatic ones
    /// do not.
    pub fn takes_value(self) -> bool {
        matches!(
            self,
            ExpressionType::AsinSameAs
                | ExpressionType::AsinCategorySameAs
                | ExpressionType::AsinBrandSameAs
        )
    }
}

ads_enum!(/** The kind of report. */ ReportType, "report type" {
    SpCampaigns => "sp_campaigns", "spCampaigns";
    SpTargeting => "sp_targeting", "spTargeting";
});

ads_enum!(/** A report's time unit: one row per entity, or one per entity and day. */ TimeUnit, "time unit" {
    Summary => "summary", "SUMMARY";
    Daily => "daily", "DAILY";
});

ads_enum!(/** Where a report job stands. */ ReportStatus, "report status" {
    Pending => "pending", "PENDING";
    Processing => "processing", "PROCESSING";
    Completed => "completed", "COMPLETED";
});

ads_enum!(/** Whether an invoice is paid. */ InvoiceStatus, "invoice status" {
    Issued => "issued", "ISSUED";
    Paid => "paid", "PAID_IN_FULL";
});

charter_model::text_column!(EntityName);
charter_model::text_column!(KeywordText);

/// A name of a campaign, ad group or report: trimmed, 1–128 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityName(String);

impl EntityName {
    pub const MAX: usize = 128;

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ParseError::Empty { what: "name" });
        }
        if s.chars().count() > Self::MAX {
            return Err(ParseError::TooLong {
                what: "name",
                max: Self::MAX,
            });
        }
        if s.chars().any(char::is_control) {
            return Err(ParseError::Invalid {
                what: "name",
                value: s.chars().take(64).collect(),
            });
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A keyword's text: lower-cased, single spaces, 1–80 characters and at most 10 words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordText(String);

impl KeywordText {
    pub const MAX: usize = 80;
    pub const MAX_WORDS: usize = 10;

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let words: Vec<String> = s.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Err(ParseError::Empty {
                what: "keyword text",
            });
        }
        let text = words.join(" ");
        if text.chars().count() > Self::MAX || words.len() > Self::MAX_WORDS {
            return Err(ParseError::TooLong {
                what: "keyword text",
                max: Self::MAX,
            });
        }
        if text.chars().any(char::is_control) {
            return Err(ParseError::Invalid {
                what: "keyword text",
                value: text.chars().take(64).collect(),
            });
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product-targeting expression: its type and, for the ASIN/category/brand types, a value
/// of 1–64 letters, digits, `-` or `_` (an ASIN is upper-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetExpression {
    kind: ExpressionType,
    value: Option<String>,
}

impl TargetExpression {
    pub fn parse(kind: ExpressionType, value: Option<&str>) -> Result<Self, ParseError> {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        match (kind.takes_value(), value) {
            (true, None) => Err(ParseError::Empty {
                what: "expression value",
            }),
            (false, Some(v)) => Err(ParseError::Invalid {
                what: "expression value (this type takes none)",
                value: v.chars().take(64).collect(),
            }),
            (false, None) => Ok(Self { kind, value: None }),
            (true, Some(v)) => {
                let valid = v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !valid {
                    return Err(ParseError::Invalid {
                        what: "expression value",
                        value: v.chars().take(64).collect(),
                    });
                }
                let v = if kind == ExpressionType::AsinSameAs {
                    v.to_ascii_uppercase()
                } else {
                    v.to_string()
                };
                Ok(Self {
                    kind,
                    value: Some(v),
                })
            }
        }
    }

    pub fn kind(&self) -> ExpressionType {
        self.kind
    }

    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The resolved form, e.g. `asin="B07XJ8C8F5"` or `close-match`.
    pub fn resolved(&self) -> String {
        match (self.kind, &self.value) {
            (ExpressionType::QueryHighRelMatches, _) => "close-match".into(),
            (ExpressionType::QueryBroadRelMatches, _) => "loose-match".into(),
            (ExpressionType::AsinSubstituteRelated, _) => "substitutes".into(),
            (ExpressionType::AsinAccessoryRelated, _) => "complements".into(),
            (ExpressionType::AsinSameAs, v) => format!("asin=\"{}\"", v.as_deref().unwrap_or("")),
            (ExpressionType::AsinCategorySameAs, v) => {
                format!("category=\"{}\"", v.as_deref().unwrap_or(""))
            }
            (ExpressionType::AsinBrandSameAs, v) => {
                format!("brand=\"{}\"", v.as_deref().unwrap_or(""))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_parse_canonically() {
        assert_eq!(CampaignId::parse(" 0042 ").map(|c| c.get()), Ok(42));
        assert_eq!(
            CampaignId::parse("42").map(|c| c.to_string()),
            Ok("42".into())
        );
        for bad in ["", "0", "-1", "1.5", "12a", "1234567890123456789", "١٢"] {
            assert!(CampaignId::parse(bad).is_err(), "{bad}");
        }
        let g = CampaignId::generate().to_string();
        assert_eq!(g.len(), 15);
        assert_eq!(CampaignId::parse(&g).map(|c| c.to_string()), Ok(g));
    }

    #[test]
    fn report_ids_are_uuids() {
        let id = ReportId::generate();
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(&id.as_str()[14..15], "4");
        let upper = id.as_str().to_ascii_uppercase();
        assert_eq!(ReportId::parse(&upper), Ok(id));
        assert!(ReportId::parse("not-a-uuid").is_err());
        assert!(ReportId::parse("0123456789abcdef0123456789abcdef0123").is_err());
    }

    #[test]
    fn enums_take_both_forms() {
        assert_eq!(EntityState::parse("ENABLED"), Ok(EntityState::Enabled));
        assert_eq!(EntityState::parse("paused"), Ok(EntityState::Paused));
        assert!(EntityState::parse("deleted").is_err());
        assert_eq!(EntityState::expected(), "`ENABLED`, `PAUSED` or `ARCHIVED`");
        assert_eq!(
            ReportType::parse("spcampaigns"),
            Ok(ReportType::SpCampaigns)
        );
    }

    #[test]
    fn names_keywords_and_expressions() {
        assert!(EntityName::parse("  ").is_err());
        assert!(EntityName::parse(&"x".repeat(129)).is_err());
        assert!(EntityName::parse(&"x".repeat(128)).is_ok());
        assert_eq!(
            KeywordText::parse("  Trail   RUNNING shoes ").map(|k| k.as_str().to_string()),
            Ok("trail running shoes".into())
        );
        assert!(KeywordText::parse("a b c d e f g h i j k").is_err());
        let e = TargetExpression::parse(ExpressionType::AsinSameAs, Some("b07xj8c8f5"));
        assert_eq!(
            e.map(|e| e.resolved()),
            Ok("asin=\"B07XJ8C8F5\"".to_string())
        );
        assert!(TargetExpression::parse(ExpressionType::AsinSameAs, None).is_err());
        assert!(TargetExpression::parse(ExpressionType::QueryHighRelMatches, Some("x")).is_err());
        assert!(TargetExpression::parse(ExpressionType::AsinBrandSameAs, Some("a b")).is_err());
    }
}
