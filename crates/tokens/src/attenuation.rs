//! Offline attenuation: the checks a token holder may append, and what they mean as policies.
//!
//! A holder narrows a token by appending a block of checks (with any Biscuit library, or
//! `charter token attenuate`). Verification enforces every check of every block, whatever it
//! says. To *reason* about an attenuated token (token exchange proves the child's scope is
//! within it), Charter reads each block as an `authz` policy. It understands four checks,
//! written exactly as [`Restriction::check`] writes them:
//!
//! | Check | Policy it stands for |
//! | --- | --- |
//! | `check if operation($op), ["sp:GetCampaign", …].contains($op)` | Allow those actions |
//! | `check if resource($r), $r.starts_with("arn:ads:us:…")` | Allow resources under the prefix |
//! | `check if time($t), $t < 2026-12-01T00:00:00Z` | Allow while `ads:CurrentTime` is earlier |
//! | `check if amount($a), $a <= 5000` | Allow while `ads:AmountMinor`, when the call moves money, is at most 5000 |
//!
//! A block with anything else is still enforced, but an exchange from such a token is refused
//! (Charter cannot prove the child stays inside it). The verifier supplies `time`, `account`,
//! `operation`, `resource` and `amount` (0 when a call commits no money).

use crate::error::TokenError;
use biscuit_auth::Biscuit;
use biscuit_auth::builder::BlockBuilder;
use chrono::{DateTime, Utc};

/// One restriction a holder can append.
#[derive(Debug, Clone, PartialEq)]
pub enum Restriction {
    Operations(Vec<String>),
    ResourcePrefix(String),
    ExpiresBefore(DateTime<Utc>),
    MaxAmount(i64),
}

fn quote(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

impl Restriction {
    /// The Biscuit check for this restriction.
    pub fn check(&self) -> String {
        match self {
            Restriction::Operations(ops) => format!(
                "check if operation($op), [{}].contains($op)",
                ops.iter().map(|o| quote(o)).collect::<Vec<_>>().join(", ")
            ),
            Restriction::ResourcePrefix(p) => {
                format!("check if resource($r), $r.starts_with({})", quote(p))
            }
            Restriction::ExpiresBefore(t) => format!(
                "check if time($t), $t < {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Restriction::MaxAmount(n) => format!("check if amount($a), $a <= {n}"),
        }
    }

    /// The policy statement (JSON) this restriction stands for.
    fn statement(&self) -> Result<serde_json::Value, String> {
        use serde_json::json;
        Ok(match self {
            Restriction::Operations(ops) => {
                json!({ "Effect": "Allow", "Action": ops, "Resource": "*" })
            }
            Restriction::ResourcePrefix(p) => {
                if p.contains(['*', '?']) {
                    return Err(format!(
                        "resource prefix {} holds a wildcard character",
                        quote(p)
                    ));
                }
                json!({ "Effect": "Allow", "Action": "*", "Resource": format!("{p}*") })
            }
            Restriction::ExpiresBefore(t) => json!({
                "Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": { "DateLessThan": { "ads:CurrentTime":
                    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) } }
            }),
            Restriction::MaxAmount(n) => json!({
                "Effect": "Allow", "Action": "*", "Resource": "*",
                // The verifier's `amount` is 0 for a call that moves no money, where the gateway
                // sets no `ads:AmountMinor`: such a call passes, as it does in Biscuit.
                "Condition": { "NumericLessThanEqualsIfExists": { "ads:AmountMinor": n.to_string() } }
            }),
        })
    }
}

/// Appends one block with `restrictions` (what `charter token attenuate` does).
pub fn attenuate(token: &Biscuit, restrictions: &[Restriction]) -> Result<Biscuit, String> {
    let mut block = BlockBuilder::new();
    for r in restrictions {
        block = block.check(r.check().as_str()).map_err(|e| e.to_string())?;
    }
    token.append(block).map_err(|e| e.to_string())
}

/// One appended block as Charter understands it.
#[derive(Debug, Clone)]
pub struct Block {
    /// The block's index in the token (1 is the first appended block).
    pub index: usize,
    pub source: String,
    pub restrictions: Vec<Restriction>,
    /// Why the block cannot be read as a policy, if it cannot.
    pub unsupported: Option<String>,
}

impl Block {
    /// The policy the block stands for: the intersection of its restrictions, as a policy
    /// document per restriction (a request must be allowed by each).
    pub fn policies(&self) -> Result<Vec<authz::Policy>, String> {
        if let Some(why) = &self.unsupported {
            return Err(why.clone());
        }
        self.restrictions
            .iter()
            .map(|r| {
                let doc =
                    serde_json::json!({ "Version": "2012-10-17", "Statement": [r.statement()?] });
                authz::parse_policy(&doc.to_string()).map_err(|e| e.to_string())
            })
            .collect()
    }
}

/// True for a check that is about a request (operation, resource, amount) rather than the
/// token as a whole (time, account).
pub fn is_request_scoped(rule: &str) -> bool {
    let about_request = ["operation(", "resource(", "amount("]
        .iter()
        .any(|p| rule.contains(p));
    let about_token = ["time(", "account("].iter().any(|p| rule.contains(p));
    about_request && !about_token
}

/// Reads every appended block.
pub fn read_blocks(biscuit: &Biscuit) -> Result<Vec<Block>, TokenError> {
    (1..biscuit.block_count())
        .map(|i| {
            let source = biscuit
                .print_block_source(i)
                .map_err(|e| TokenError::Malformed(e.to_string()))?;
            let mut restrictions = Vec::new();
            let mut unsupported = None;
            for stmt in source.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                match parse_check(stmt) {
                    Some(r) => restrictions.push(r),
                    None => {
                        unsupported.get_or_insert_with(|| {
                            format!("block {i} has `{stmt}`, which Charter cannot reason about")
                        });
                    }
                }
            }
            Ok(Block {
                index: i,
                source,
                restrictions,
                unsupported,
            })
        })
        .collect()
}

fn unquote(s: &str) -> Option<String> {
    serde_json::from_str::<String>(s.trim()).ok()
}

/// Parses one printed statement back into a restriction (the inverse of
/// [`Restriction::check`], tolerant of the printer's spacing).
fn parse_check(stmt: &str) -> Option<Restriction> {
    let s: String = stmt.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(rest) = s.strip_prefix("check if operation($op), [") {
        let list = rest.strip_suffix("].contains($op)")?;
        let ops: Option<Vec<String>> = split_strings(list)?
            .into_iter()
            .map(|o| unquote(&o))
            .collect();
        return ops.filter(|o| !o.is_empty()).map(Restriction::Operations);
    }
    if let Some(rest) = s.strip_prefix("check if resource($r), $r.starts_with(") {
        return unquote(rest.strip_suffix(')')?).map(Restriction::ResourcePrefix);
    }
    if let Some(rest) = s.strip_prefix("check if time($t), $t < ") {
        return DateTime::parse_from_rfc3339(rest.trim())
            .ok()
            .map(|t| Restriction::ExpiresBefore(t.with_timezone(&Utc)));
    }
    if let Some(rest) = s.strip_prefix("check if amount($a), $a <= ") {
        return rest.trim().parse().ok().map(Restriction::MaxAmount);
    }
    None
}

/// Splits `"a", "b, c"` into quoted items, respecting quotes.
fn split_strings(list: &str) -> Option<Vec<String>> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut in_str = false;
    let mut escaped = false;
    for c in list.chars() {
        if in_str {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            cur.push(c);
        } else if c == ',' {
            items.push(std::mem::take(&mut cur));
        } else if !c.is_whitespace() {
            return None;
        }
    }
    if in_str {
        return None;
    }
    if !cur.is_empty() {
        items.push(cur);
    }
    Some(items)
}
