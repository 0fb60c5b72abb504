//! Where an account sells and what money it counts in: the closed sets of Amazon Ads
//! marketplaces and their currencies. An account's currency is its marketplace's, so the two
//! cannot disagree; a currency knows its minor units ([`crate::money`] reads and writes amounts
//! through it).

use super::*;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code, upper case (`US`, `USD`).
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Accepts the code in any letter case, surrounding spaces ignored.
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($code) { return Ok($name::$variant); })+
                Err(ParseError::Invalid { what: $what, value: s.chars().take(16).collect() })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.code()
            }
        }

        text_column!($name);
    };
}

code_enum!(/** A currency an account can count in (ISO 4217). */ Currency, "currency" {
    Usd => "USD", Cad => "CAD", Mxn => "MXN", Brl => "BRL", Gbp => "GBP", Eur => "EUR",
    Sek => "SEK", Pln => "PLN", Try => "TRY", Aed => "AED", Sar => "SAR", Egp => "EGP",
    Inr => "INR", Jpy => "JPY", Aud => "AUD", Sgd => "SGD",
});

impl Currency {
    /// Digits after the decimal point (ISO 4217): the yen has none, every other currency here
    /// two.
    pub fn minor_digits(self) -> u32 {
        match self {
            Currency::Jpy => 0,
            _ => 2,
        }
    }

    /// Minor units in one major unit: 10 ^ [`Currency::minor_digits`].
    pub fn minor_per_major(self) -> i64 {
        10i64.pow(self.minor_digits())
    }

    /// The symbol people read before an amount, where one is unambiguous enough to use.
    pub fn symbol(self) -> Option<&'static str> {
        Some(match self {
            Currency::Usd | Currency::Cad | Currency::Aud | Currency::Mxn => "$",
            Currency::Gbp => "£",
            Currency::Eur => "€",
            Currency::Jpy => "¥",
            Currency::Inr => "₹",
            _ => return None,
        })
    }
}

code_enum!(/** An Amazon Ads marketplace an account sells in. */ Marketplace, "marketplace" {
    Us => "US", Ca => "CA", Mx => "MX", Br => "BR", Uk => "UK", De => "DE", Fr => "FR",
    It => "IT", Es => "ES", Nl => "NL", Be => "BE", Ie => "IE", Se => "SE", Pl => "PL",
    Tr => "TR", Ae => "AE", Sa => "SA", Eg => "EG", In => "IN", Jp => "JP", Au => "AU",
    Sg => "SG",
});

impl Marketplace {
    /// The currency accounts in this marketplace count in.
    pub fn currency(self) -> Currency {
        use Marketplace::*;
        match self {
            Us => Currency::Usd,
            Ca => Currency::Cad,
            Mx => Currency::Mxn,
            Br => Currency::Brl,
            Uk => Currency::Gbp,
            De | Fr | It | Es | Nl | Be | Ie => Currency::Eur,
            Se => Currency::Sek,
            Pl => Currency::Pln,
            Tr => Currency::Try,
            Ae => Currency::Aed,
            Sa => Currency::Sar,
            Eg => Currency::Egp,
            In => Currency::Inr,
            Jp => Currency::Jpy,
            Au => Currency::Aud,
            Sg => Currency::Sgd,
        }
    }

    /// The marketplace as it appears in a resource name: lower case (`US` → `us`).
    pub fn arn_segment(self) -> String {
        self.code().to_ascii_lowercase()
    }
}
