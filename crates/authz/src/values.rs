//! Typed condition values: exact decimals and dates.
//!
//! **Numbers** use the grammar `-?[0-9]+(\.[0-9]+)?` (no exponent, no `+`, no spaces). Leading
//! zeros and trailing fractional zeros are allowed and do not change the value; `-0` equals `0`.
//! Values are compared exactly (as decimal digit strings, never as `f64`).
//!
//! **Dates** are accepted in three forms, all converted to a whole number of seconds since the
//! Unix epoch and then compared exactly:
//! - epoch seconds: `-?[0-9]+` (any length);
//! - `YYYY-MM-DD` (midnight UTC);
//! - `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339 in UTC; the `T` and `Z` are upper case, no fractional
//!   seconds, no numeric offsets).
//!
//! Years run from `0000` to `9999`; months, days (with leap years), hours (00-23), minutes and
//! seconds (00-59) are validated. A string that does not parse is not a number/date: every
//! typed comparison on it is false.

use std::cmp::Ordering;

/// An exact decimal number. `int` has no leading zeros, `frac` no trailing zeros; zero is
/// `{neg: false, int: "", frac: ""}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dec {
    /// True for a negative number.
    pub neg: bool,
    /// The integer digits, without leading zeros.
    pub int: String,
    /// The fractional digits, without trailing zeros.
    pub frac: String,
}

/// A borrowed decimal, produced without allocation on the evaluation hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecRef<'a> {
    /// True for a negative number.
    pub neg: bool,
    /// The integer digits, without leading zeros.
    pub int: &'a str,
    /// The fractional digits, without trailing zeros.
    pub frac: &'a str,
}

/// Parses a number in the grammar `-?[0-9]+(\.[0-9]+)?`.
pub fn parse_dec(s: &str) -> Option<DecRef<'_>> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (ip, fp) = match body.split_once('.') {
        Some((i, f)) => {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (i, f)
        }
        None => (body, ""),
    };
    if ip.is_empty() || !ip.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int = ip.trim_start_matches('0');
    let frac = fp.trim_end_matches('0');
    let zero = int.is_empty() && frac.is_empty();
    Some(DecRef {
        neg: neg && !zero,
        int,
        frac,
    })
}

impl DecRef<'_> {
    /// The owned decimal.
    pub fn to_owned_dec(self) -> Dec {
        Dec {
            neg: self.neg,
            int: self.int.to_string(),
            frac: self.frac.to_string(),
        }
    }
}

impl Dec {
    /// Parses a number in the grammar `-?[0-9]+(\.[0-9]+)?`.
    pub fn parse(s: &str) -> Option<Dec> {
        parse_dec(s).map(DecRef::to_owned_dec)
    }

    /// The borrowed form (compared without allocation).
    pub fn as_ref(&self) -> DecRef<'_> {
        DecRef {
            neg: self.neg,
            int: &self.int,
            frac: &self.frac,
        }
    }

    /// The integer `v`.
    pub fn from_i64(v: i64) -> Dec {
        let neg = v < 0;
        let mag = v.unsigned_abs();
        let int = if mag == 0 {
            String::new()
        } else {
            mag.to_string()
        };
        Dec {
            neg,
            int,
            frac: String::new(),
        }
    }

    /// The value as an `i64` when it is an integer that fits.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.frac.is_empty() {
            return None;
        }
        if self.int.is_empty() {
            return Some(0);
        }
        let m: i128 = self.int.parse().ok()?;
        i64::try_from(if self.neg { -m } else { m }).ok()
    }

    /// True when the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        self.frac.is_empty()
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.is_empty()
    }
}

impl std::fmt::Display for Dec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.neg {
            f.write_str("-")?;
        }
        f.write_str(if self.int.is_empty() { "0" } else { &self.int })?;
        if !self.frac.is_empty() {
            write!(f, ".{}", self.frac)?;
        }
        Ok(())
    }
}

fn cmp_mag(a: DecRef<'_>, b: DecRef<'_>) -> Ordering {
    a.int
        .len()
        .cmp(&b.int.len())
        .then_with(|| a.int.cmp(b.int))
        // Fractions without trailing zeros compare lexicographically.
        .then_with(|| a.frac.cmp(b.frac))
}

/// Exact comparison of two decimals.
pub fn cmp_dec(a: DecRef<'_>, b: DecRef<'_>) -> Ordering {
    match (a.neg, b.neg) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, false) => cmp_mag(a, b),
        (true, true) => cmp_mag(b, a),
    }
}

/// A comparison operator of a typed atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl Cmp {
    /// True when an ordering (value compared with constant) satisfies the operator.
    pub fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ge => o != Ordering::Less,
            Cmp::Gt => o == Ordering::Greater,
        }
    }

    /// The SMT-LIB operator.
    pub fn smt(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "=",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if is_leap(y) {
                29
            } else {
                28
            }
        }
    }
}

/// Epoch seconds of `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59Z`.
pub const ISO_MIN: i64 = -62_167_219_200;
pub const ISO_MAX: i64 = 253_402_300_799;

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Parses an ISO date (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`) into epoch seconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 && b.len() != 20 {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if b.len() == 20 {
        if b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
            return None;
        }
        let hh = digits(&b[11..13])?;
        let mm = digits(&b[14..16])?;
        let ss = digits(&b[17..19])?;
        if hh > 23 || mm > 59 || ss > 59 {
            return None;
        }
        secs += hh * 3600 + mm * 60 + ss;
    }
    Some(secs)
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ` (only within `ISO_MIN..=ISO_MAX`: the
/// years 0000 to 9999).
pub fn format_iso(secs: i64) -> Option<String> {
    if !(ISO_MIN..=ISO_MAX).contains(&secs) {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// A parsed date value: either borrowed epoch digits or ISO seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRef<'a> {
    Epoch(DecRef<'a>),
    Iso(i64),
}

/// Parses a date in any accepted form.
pub fn parse_date(s: &str) -> Option<DateRef<'_>> {
    if let Some(d) = parse_dec(s) {
        return if d.frac.is_empty() && !s.contains('.') {
            Some(DateRef::Epoch(d))
        } else {
            None
        };
    }
    parse_iso(s).map(DateRef::Iso)
}

/// Parses a date constant into epoch seconds as an integer [`Dec`].
pub fn date_to_dec(s: &str) -> Option<Dec> {
    match parse_date(s)? {
        DateRef::Epoch(d) => Some(d.to_owned_dec()),
        DateRef::Iso(v) => Some(Dec::from_i64(v)),
    }
}

/// Compares a parsed date with an epoch-seconds constant.
pub fn cmp_date(a: DateRef<'_>, c: &Dec) -> Ordering {
    match a {
        DateRef::Epoch(d) => cmp_dec(d, c.as_ref()),
        DateRef::Iso(v) => match c.to_i64() {
            Some(cv) => v.cmp(&cv),
            None => {
                // Constants outside i64 are far outside the ISO range.
                if c.neg {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
        },
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_exactly() {
        fn d(s: &str) -> DecRef<'_> {
            parse_dec(s).unwrap_or_else(|| panic!("{s}"))
        }
        assert_eq!(cmp_dec(d("5"), d("5.000")), Ordering::Equal);
        assert_eq!(cmp_dec(d("-0"), d("0.0")), Ordering::Equal);
        assert_eq!(cmp_dec(d("0.1"), d("0.09")), Ordering::Greater);
        assert_eq!(cmp_dec(d("-2"), d("-10")), Ordering::Greater);
        assert_eq!(
            cmp_dec(d("007"), d("7.0000000000000000000001")),
            Ordering::Less
        );
        assert_eq!(
            cmp_dec(
                d("100000000000000000000000000"),
                d("99999999999999999999999999.9")
            ),
            Ordering::Greater
        );
        for bad in [
            "", "-", "1.", ".5", "1e3", "+1", " 1", "1 ", "abc", "--1", "1.2.3",
        ] {
            assert!(parse_dec(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn dates_parse_and_round_trip() {
        assert_eq!(parse_iso("1970-01-01"), Some(0));
        assert_eq!(parse_iso("2000-02-29T12:00:00Z"), Some(951_825_600));
        assert_eq!(parse_iso("1900-02-29"), None);
        assert_eq!(parse_iso("2024-13-01"), None);
        assert_eq!(parse_iso("2024-01-01T24:00:00Z"), None);
        assert_eq!(parse_iso("0000-01-01T00:00:00Z"), Some(ISO_MIN));
        assert_eq!(parse_iso("9999-12-31T23:59:59Z"), Some(ISO_MAX));
        for s in [ISO_MIN, -1, 0, 86_399, 951_825_600, ISO_MAX] {
            let f = format_iso(s).unwrap_or_default();
            assert_eq!(parse_iso(&f), Some(s), "{f}");
        }
        assert!(parse_date("1.5").is_none());
        assert_eq!(
            cmp_date(
                parse_date("1970-01-02").unwrap_or(DateRef::Iso(0)),
                &Dec::from_i64(86_400)
            ),
            Ordering::Equal
        );
    }
}
