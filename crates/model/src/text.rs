//! Text people type: email addresses, names and free text.

use super::*;

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim().to_lowercase();
        if s.is_empty() {
            return Err(ParseError::Empty { what: "email" });
        }
        if s.len() > 254 {
            return Err(ParseError::TooLong {
                what: "email",
                max: 254,
            });
        }
        let valid = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                    && !domain.contains('@')
            }
            None => false,
        };
        if valid {
            Ok(Self(s))
        } else {
            Err(ParseError::Invalid {
                what: "email address",
                value: s.chars().take(64).collect(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A short, human-given name (application, agent, …): trimmed, 1–80 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 80;

    pub fn parse(what: &'static str, s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ParseError::Empty { what });
        }
        if s.chars().count() > Self::MAX {
            return Err(ParseError::TooLong {
                what,
                max: Self::MAX,
            });
        }
        if s.chars().any(char::is_control) {
            return Err(ParseError::Invalid {
                what,
                value: s.chars().take(64).collect(),
            });
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text such as a description or a support reason, trimmed, up to `max` characters.
pub fn parse_text(
    what: &'static str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<String, ParseError> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 && min > 0 {
        return Err(ParseError::Empty { what });
    }
    if n < min {
        return Err(ParseError::Invalid {
            what,
            value: s.chars().take(64).collect(),
        });
    }
    if n > max {
        return Err(ParseError::TooLong { what, max });
    }
    Ok(s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect())
}

/// Optional free text ([`parse_text`] with no minimum): `None` when absent, or empty once
/// trimmed.
pub fn parse_optional_text(
    what: &'static str,
    s: Option<&str>,
    max: usize,
) -> Result<Option<String>, ParseError> {
    Ok(s.map(|s| parse_text(what, s, 0, max))
        .transpose()?
        .filter(|s| !s.is_empty()))
}

/// The last four characters of a secret, shown so people can tell secrets apart (the secret
/// itself is never shown again).
pub fn secret_hint(secret: &str) -> String {
    let skip = secret.chars().count().saturating_sub(4);
    secret.chars().skip(skip).collect()
}
