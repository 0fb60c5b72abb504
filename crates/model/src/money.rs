//! Money: the one definition of a currency's minor units and of amounts as people read and
//! type them. Amounts are stored in the currency's minor units; people see and enter major units
//! (`1,250.50`). Shared by the server, the sandbox and the browser. A currency's minor units are
//! [`Currency::minor_digits`].

use crate::Currency;

fn group(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12345` GBP → `£123.45`; `-5` USD → `-$0.05`; unknown currencies are prefixed by their code.
pub fn format_minor(minor: i64, currency: Currency) -> String {
    let digits = currency.minor_digits();
    let scale = 10u128.pow(digits);
    let abs = minor.unsigned_abs() as u128;
    let (major, frac) = (abs / scale, abs % scale);
    let number = if digits == 0 {
        group(major)
    } else {
        format!("{}.{:0width$}", group(major), frac, width = digits as usize)
    };
    let sign = if minor < 0 { "-" } else { "" };
    match currency.symbol() {
        Some(s) => format!("{sign}{s}{number}"),
        None => format!("{sign}{currency} {number}"),
    }
}

/// A plain amount for a form field: `12345` → `123.45` (no symbol, no grouping).
pub fn minor_to_input(minor: i64, currency: Currency) -> String {
    let digits = currency.minor_digits();
    if digits == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale as u64,
        abs % scale as u64,
        width = digits as usize
    )
}

/// Parses what a person typed into a money field. Empty means "no value". Accepts an optional
/// currency symbol, thousands separators and up to the currency's decimals; refuses negative,
/// zero and absurdly large amounts. The error names the field and repeats the input.
pub fn parse_amount(field: &str, input: &str, currency: Currency) -> Result<Option<i64>, String> {
    let raw = input.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let shown: String = raw.chars().take(40).collect();
    let bad = |why: &str| format!("{field}: `{shown}` {why}");
    let cleaned: String = raw
        .trim_start_matches(|c: char| !c.is_ascii_digit() && c != '-' && c != '.')
        .chars()
        .filter(|c| *c != ',' && *c != '_' && !c.is_whitespace())
        .collect();
    if cleaned.starts_with('-') {
        return Err(bad("is negative; enter an amount above zero"));
    }
    let digits = currency.minor_digits();
    let (whole, frac) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !all_digits(whole) || !all_digits(frac) {
        return Err(bad(&format!(
            "is not an amount (for example {})",
            minor_to_input(25_000 * 10i64.pow(digits) / 100, currency)
        )));
    }
    if frac.len() > digits as usize {
        return Err(bad(&format!(
            "has more than {digits} decimal place(s) for {currency}"
        )));
    }
    let too_big = || bad("is too large");
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_big())?
    };
    let frac_minor: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().map_err(|_| too_big())? * 10i64.pow(digits - frac.len() as u32)
    };
    let minor = whole
        .checked_mul(10i64.pow(digits))
        .and_then(|m| m.checked_add(frac_minor))
        .filter(|m| *m <= 1_000_000_000_000_000)
        .ok_or_else(too_big)?;
    if minor == 0 {
        return Err(bad("is zero; leave the field empty for no cap"));
    }
    Ok(Some(minor))
}

/// Reads an amount in major units as an API writes it, a JSON number's text (digits, an
/// optional fraction; no sign, exponent or grouping), as minor units of `currency`. `None` when
/// the text is not such a number, has more decimals than the currency (trailing zeros aside) or
/// more than 12 digits before the point.
pub fn decimal_to_minor(text: &str, currency: Currency) -> Option<i64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = frac.trim_end_matches('0');
    let digits = currency.minor_digits() as usize;
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || int.len() > 12
        || frac.len() > digits
        || !all_digits(int)
        || !all_digits(frac)
    {
        return None;
    }
    let int: i64 = int.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<digits$}").parse().ok()?
    };
    int.checked_mul(currency.minor_per_major())?
        .checked_add(frac)
}

/// An amount in minor units as a number in major units, for an API's JSON (`12345` USD →
/// `123.45`, `1500` JPY → `1500`).
pub fn minor_to_major(minor: i64, currency: Currency) -> f64 {
    minor as f64 / currency.minor_per_major() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn check_format(minor: i64, currency: &str, expect: &str) {
        assert_eq!(
            format_minor(minor, cur(currency)),
            expect,
            "{minor} {currency}"
        );
    }

    #[test]
    fn formats_minor_units() {
        check_format(0, "USD", "$0.00");
        check_format(5, "USD", "$0.05");
        check_format(12345, "GBP", "£123.45");
        check_format(123456789, "EUR", "€1,234,567.89");
        check_format(-250, "USD", "-$2.50");
        check_format(1500, "JPY", "¥1,500");
        check_format(1234, "SEK", "SEK 12.34");
    }

    fn check_parse(input: &str, currency: &str, expect: Result<Option<i64>, &str>) {
        let got = parse_amount("daily cap", input, cur(currency));
        match expect {
            Ok(v) => assert_eq!(got, Ok(v), "{input:?}"),
            Err(fragment) => {
                let e = got.expect_err(input);
                assert!(e.starts_with("daily cap: `"), "{e}");
                assert!(e.contains(fragment), "{input:?}: {e}");
            }
        }
    }

    #[test]
    fn parses_what_people_type() {
        check_parse("", "USD", Ok(None));
        check_parse("   ", "USD", Ok(None));
        check_parse("250", "USD", Ok(Some(25_000)));
        check_parse("250.5", "USD", Ok(Some(25_050)));
        check_parse("$1,250.05", "USD", Ok(Some(125_005)));
        check_parse("£ 40", "GBP", Ok(Some(4_000)));
        check_parse(".75", "EUR", Ok(Some(75)));
        check_parse("1500", "JPY", Ok(Some(1_500)));
        check_parse("abc", "USD", Err("is not an amount"));
        check_parse("12.3.4", "USD", Err("is not an amount"));
        check_parse("-5", "USD", Err("is negative"));
        check_parse("0", "USD", Err("is zero"));
        check_parse("1.005", "USD", Err("more than 2 decimal"));
        check_parse("1.5", "JPY", Err("more than 0 decimal"));
        check_parse("99999999999999999999", "USD", Err("too large"));
    }

    #[test]
    fn input_round_trips() {
        for (minor, code) in [(0, "USD"), (5, "USD"), (123_456, "GBP"), (1_500, "JPY")] {
            let typed = minor_to_input(minor, cur(code));
            let back = parse_amount("x", &typed, cur(code))
                .unwrap_or(None)
                .unwrap_or(0);
            assert_eq!(back, minor, "{typed}");
        }
    }

    fn check_decimal(text: &str, currency: &str, expect: Option<i64>) {
        assert_eq!(
            decimal_to_minor(text, cur(currency)),
            expect,
            "{text} {currency}"
        );
    }

    #[test]
    fn reads_api_numbers_in_the_currency() {
        check_decimal("12", "USD", Some(1_200));
        check_decimal("12.5", "USD", Some(1_250));
        check_decimal("12.50", "USD", Some(1_250));
        check_decimal("0.02", "EUR", Some(2));
        check_decimal("12.345", "USD", None);
        check_decimal("1500", "JPY", Some(1_500));
        check_decimal("1500.0", "JPY", Some(1_500));
        check_decimal("1.5", "JPY", None);
        check_decimal("-1", "USD", None);
        check_decimal("1e3", "USD", None);
        check_decimal("", "USD", None);
        check_decimal(".5", "USD", None);
        check_decimal("1,000", "USD", None);
        check_decimal("999999999999", "USD", Some(99_999_999_999_900));
        check_decimal("1000000000000", "USD", None);
        assert_eq!(minor_to_major(12_345, cur("USD")), 123.45);
        assert_eq!(minor_to_major(1_500, cur("JPY")), 1_500.0);
    }

    #[test]
    fn every_marketplace_has_its_currency_and_codes_round_trip() {
        for m in crate::Marketplace::ALL {
            assert_eq!(crate::Marketplace::parse(m.code()), Ok(*m));
            assert_eq!(crate::Marketplace::parse(&m.arn_segment()), Ok(*m));
            let c = m.currency();
            assert_eq!(Currency::parse(c.code()), Ok(c));
        }
        assert_eq!(crate::Marketplace::Jp.currency().minor_digits(), 0);
        assert_eq!(crate::Marketplace::Uk.currency(), Currency::Gbp);
        assert!(Currency::parse("XYZ").is_err());
        assert!(crate::Marketplace::parse("GB").is_err());
        let json = serde_json::to_string(&Currency::Jpy).unwrap();
        assert_eq!(json, "\"JPY\"");
        assert_eq!(
            serde_json::from_str::<Currency>("\"jpy\"").unwrap(),
            Currency::Jpy
        );
        assert!(serde_json::from_str::<crate::Marketplace>("\"XX\"").is_err());
    }
}
