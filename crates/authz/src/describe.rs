//! Plain-language capabilities of a policy, for consent screens.
//!
//! [`capabilities`] groups the catalog actions a policy can allow by namespace and access level
//! ("Sponsored Products — change") and says, in words, where and when each group applies.
//!
//! # Which actions are listed
//! Exactly with respect to action patterns (the evaluator's own glob matching, no
//! approximation): a catalog action is listed iff
//! - some Allow statement's `Action`/`NotAction` matches it, and
//! - no Deny statement removes it everywhere: a Deny removes an action everywhere when its
//!   `Action`/`NotAction` matches the action, it applies to every principal (no `Principal`
//!   element, or a kind-less `"*"` principal), it has a `Resource` pattern `"*"` and it has no
//!   condition.
//!
//! Other Deny statements that match a listed action (limited to some resources, principals or
//! conditions) mark its group `partlyDenied`. Resources and conditions are reported as written;
//! statements whose conditions can never hold are still listed (a consent screen may overstate
//! access, never understate it).

use serde::Serialize;

use crate::catalog::{AccessLevel, Action, Catalog};
use crate::policy::{CondValues, Condition, Effect, Op, Policy, PrincipalMatch, Statement};
use crate::values::{Dec, cmp_dec, format_iso};

/// Context keys that carry the time of the request; date conditions on them read "only before
/// …", "only from …". Charter's gateway supplies [`CURRENT_TIME_KEY`].
pub const TIME_KEYS: [&str; 3] = [CURRENT_TIME_KEY, "aws:CurrentTime", "ads:Now"];

/// The context key with the time of the request (ISO 8601 UTC or epoch seconds).
pub const CURRENT_TIME_KEY: &str = "ads:CurrentTime";

/// The human name of a namespace (`sp` → "Sponsored Products"); unknown namespaces are shown
/// as they are.
pub fn namespace_title(ns: &str) -> &str {
    match ns {
        "sp" => "Sponsored Products",
        "sb" => "Sponsored Brands",
        "sd" => "Sponsored Display",
        "dsp" => "Amazon DSP",
        "portfolios" => "Portfolios",
        "reports" => "Reports",
        "audiences" => "Audiences",
        "creatives" => "Creatives",
        "stores" => "Stores",
        "billing" => "Billing",
        "account" => "Account and users",
        other => other,
    }
}

/// A consent-screen title such as "Sponsored Products — change".
pub fn group_title(ns: &str, level: AccessLevel) -> String {
    format!("{} — {}", namespace_title(ns), level.words())
}

/// A statement, by index and `Sid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementRef {
    /// The statement's index in the policy.
    pub index: usize,
    /// Its `Sid`, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// One Allow statement's share of a group: exactly which actions it grants, where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The granting statement.
    pub statement: StatementRef,
    /// The group's listed actions this statement allows.
    pub actions: Vec<String>,
    /// The statement's resources in words ("any resource", a pattern, "any resource except …").
    pub resources: Vec<String>,
    /// The statement's conditions in words (all of them must hold).
    pub conditions: Vec<String>,
    /// The statement names principals (it applies to them, not to the principal the policy is
    /// attached to).
    pub principals: Vec<String>,
}

/// The actions of one namespace and access level that the policy can allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityGroup {
    /// The namespace, e.g. `sp`.
    pub namespace: String,
    /// "Sponsored Products".
    pub namespace_title: String,
    /// The access level.
    pub level: AccessLevel,
    /// "change".
    pub level_words: String,
    /// "Sponsored Products — change".
    pub title: String,
    /// The listed actions, in catalog order.
    pub actions: Vec<String>,
    /// Every catalog action of this namespace and level is listed.
    pub all_actions: bool,
    /// The number of catalog actions of this namespace and level.
    pub total_actions: usize,
    /// Some listed action commits money.
    pub commits_money: bool,
    /// The resources of the granting statements (deduplicated, in statement order); "any
    /// resource" for `*`.
    pub resources: Vec<String>,
    /// The conditions of the granting statements in words (deduplicated). Each grant's own
    /// conditions are in `grants`: a group granted once with and once without a condition is
    /// available without it.
    pub conditions: Vec<String>,
    /// Some granting statement has no condition.
    pub unconditional: bool,
    /// Some Deny statement takes away part of this access (for some resources, principals or
    /// conditions).
    pub partly_denied: bool,
    /// Those Deny statements.
    pub denied_by: Vec<StatementRef>,
    /// The Allow statements that grant this access.
    pub statements: Vec<StatementRef>,
    /// Per granting statement: its actions, resources and conditions.
    pub grants: Vec<Grant>,
}

fn sref(i: usize, s: &Statement) -> StatementRef {
    StatementRef {
        index: i,
        sid: s.sid.clone(),
    }
}

/// True when the Deny statement `d` takes `action` away for every request.
fn denies_everywhere(d: &Statement, action: &str) -> bool {
    let everyone = match &d.principal {
        PrincipalMatch::Absent => true,
        PrincipalMatch::Principal(l) => l.iter().any(|p| p.kind.is_none() && p.id.is_all()),
        PrincipalMatch::NotPrincipal(_) => false,
    };
    d.effect == Effect::Deny
        && everyone
        && d.conditions.is_empty()
        && !d.resource.negated
        && d.resource.patterns.iter().any(|g| g.is_all())
        && d.action.matches(action)
}

/// For every catalog action (by index): is it listed (see the module documentation)?
pub fn allowed_actions(policy: &Policy, catalog: &Catalog) -> Vec<bool> {
    catalog
        .actions
        .iter()
        .map(|a| {
            let granted = policy
                .statements
                .iter()
                .any(|s| s.effect == Effect::Allow && s.action.matches(&a.name));
            granted
                && !policy
                    .statements
                    .iter()
                    .any(|d| denies_everywhere(d, &a.name))
        })
        .collect()
}

/// The resources of a statement in words.
pub fn resources_in_words(s: &Statement) -> Vec<String> {
    let shown = |g: &crate::glob::Glob| {
        if g.is_all() {
            "any resource".to_string()
        } else {
            g.as_str().to_string()
        }
    };
    if s.resource.negated {
        let list: Vec<String> = s.resource.patterns.iter().map(shown).collect();
        vec![format!("any resource except {}", join_or(&list, "and"))]
    } else {
        s.resource.patterns.iter().map(shown).collect()
    }
}

fn principals_in_words(s: &Statement) -> Vec<String> {
    let one = |p: &crate::policy::PrincipalPattern| {
        let id = if p.id.is_all() {
            "anyone".to_string()
        } else {
            p.id.as_str().to_string()
        };
        match &p.kind {
            Some(k) if p.id.is_all() => format!("any {k}"),
            Some(k) => format!("{k} {id}"),
            None => id,
        }
    };
    match &s.principal {
        PrincipalMatch::Absent => Vec::new(),
        PrincipalMatch::Principal(l) => l.iter().map(one).collect(),
        PrincipalMatch::NotPrincipal(l) => {
            let list: Vec<String> = l.iter().map(one).collect();
            vec![format!("anyone except {}", join_or(&list, "and"))]
        }
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

/// A date constant (epoch seconds) in words: `2026-12-31`, `2026-12-31T12:00:00Z`, or the
/// number when it lies outside the ISO range.
pub fn date_in_words(d: &Dec) -> String {
    match d.to_i64().and_then(format_iso) {
        Some(iso) => match iso.strip_suffix("T00:00:00Z") {
            Some(day) => day.to_string(),
            None => iso,
        },
        None => d.to_string(),
    }
}

fn is_time_key(key: &str) -> bool {
    TIME_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// One condition in plain words, e.g. "only when ads:BidAmount ≤ 5", "only before 2026-12-31",
/// "only from 2026-01-01".
pub fn condition_in_words(c: &Condition) -> String {
    let key = c.key.as_str();
    let strs = |v: &[crate::glob::Glob]| -> Vec<String> {
        v.iter().map(|g| g.as_str().to_string()).collect()
    };
    let nums = |v: &[Dec]| -> Vec<String> { v.iter().map(Dec::to_string).collect() };
    let dates = |v: &[Dec]| -> Vec<String> { v.iter().map(date_in_words).collect() };
    let body = match (&c.values, c.op) {
        (CondValues::Null(v), _) => {
            let absent = v.contains(&true);
            let present = v.contains(&false);
            return match (absent, present) {
                (true, true) => format!("whether or not {key} is provided"),
                (true, false) => format!("only when {key} is not provided"),
                _ => format!("only when {key} is provided"),
            };
        }
        (CondValues::Str(v), Op::StringEquals | Op::Bool) => {
            format!("only when {key} is {}", join_or(&strs(v), "or"))
        }
        (CondValues::Str(v), Op::StringLike) => {
            format!("only when {key} matches {}", join_or(&strs(v), "or"))
        }
        (CondValues::Str(v), Op::StringNotEquals) => match v.len() {
            1 => format!("only when {key} is not {}", join_or(&strs(v), "or")),
            _ => format!("only when {key} is none of {}", join_or(&strs(v), "or")),
        },
        (CondValues::Str(v), _) => match v.len() {
            1 => format!("only when {key} does not match {}", join_or(&strs(v), "or")),
            _ => format!(
                "only when {key} matches none of {}",
                join_or(&strs(v), "or")
            ),
        },
        (CondValues::Num(v), Op::NumericNotEquals) => format!(
            "only when {key} is a number other than {}",
            join_or(&nums(v), "and")
        ),
        (CondValues::Num(v), op) => {
            let (sym, time_word) = match op {
                Op::NumericLessThan => ("<", ""),
                Op::NumericLessThanEquals => ("≤", ""),
                Op::NumericGreaterThan => (">", ""),
                Op::NumericGreaterThanEquals => ("≥", ""),
                Op::DateLessThan => ("before", "before"),
                Op::DateLessThanEquals => ("until", "until"),
                Op::DateGreaterThan => ("after", "after"),
                Op::DateGreaterThanEquals => ("from", "from"),
                _ => ("=", ""),
            };
            if time_word.is_empty() {
                let alts: Vec<String> = nums(v).iter().map(|n| format!("{sym} {n}")).collect();
                format!("only when {key} {}", join_or(&alts, "or"))
            } else {
                let alts: Vec<String> = dates(v)
                    .iter()
                    .map(|d| format!("{time_word} {d}"))
                    .collect();
                if is_time_key(key) {
                    format!("only {}", join_or(&alts, "or"))
                } else {
                    format!("only when {key} is {}", join_or(&alts, "or"))
                }
            }
        }
    };
    if c.if_exists {
        format!("{body} (or when {key} is not provided)")
    } else {
        body
    }
}

fn push_unique(list: &mut Vec<String>, items: &[String]) {
    for it in items {
        if !list.contains(it) {
            list.push(it.clone());
        }
    }
}

/// The capabilities a policy can grant, grouped by (namespace, access level) in a stable order:
/// namespaces alphabetically, then List < Read < Write < Spend < PermissionsManagement.
pub fn capabilities(policy: &Policy, catalog: &Catalog) -> Vec<CapabilityGroup> {
    let allowed = allowed_actions(policy, catalog);
    let mut keys: Vec<(&str, AccessLevel)> = catalog
        .actions
        .iter()
        .map(|a| (a.namespace(), a.access_level))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for (ns, level) in keys {
        let members: Vec<(usize, &Action)> = catalog
            .actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.namespace() == ns && a.access_level == level)
            .collect();
        let listed: Vec<&Action> = members
            .iter()
            .filter(|(i, _)| allowed.get(*i).copied().unwrap_or(false))
            .map(|(_, a)| *a)
            .collect();
        if listed.is_empty() {
            continue;
        }
        let mut group = CapabilityGroup {
            namespace: ns.to_string(),
            namespace_title: namespace_title(ns).to_string(),
            level,
            level_words: level.words().to_string(),
            title: group_title(ns, level),
            actions: listed.iter().map(|a| a.name.clone()).collect(),
            all_actions: listed.len() == members.len(),
            total_actions: members.len(),
            commits_money: listed.iter().any(|a| a.commits_money),
            resources: Vec::new(),
            conditions: Vec::new(),
            unconditional: false,
            partly_denied: false,
            denied_by: Vec::new(),
            statements: Vec::new(),
            grants: Vec::new(),
        };
        for (i, s) in policy.statements.iter().enumerate() {
            let hits: Vec<String> = listed
                .iter()
                .filter(|a| s.action.matches(&a.name))
                .map(|a| a.name.clone())
                .collect();
            if hits.is_empty() {
                continue;
            }
            match s.effect {
                Effect::Deny => {
                    group.partly_denied = true;
                    group.denied_by.push(sref(i, s));
                }
                Effect::Allow => {
                    let resources = resources_in_words(s);
                    let conditions: Vec<String> =
                        s.conditions.iter().map(condition_in_words).collect();
                    push_unique(&mut group.resources, &resources);
                    push_unique(&mut group.conditions, &conditions);
                    group.unconditional |= conditions.is_empty();
                    group.statements.push(sref(i, s));
                    group.grants.push(Grant {
                        statement: sref(i, s),
                        actions: hits,
                        resources,
                        conditions,
                        principals: principals_in_words(s),
                    });
                }
            }
        }
        out.push(group);
    }
    out
}

/// One end of a time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeBound {
    /// `2026-12-31` or `2026-12-31T12:00:00Z`.
    pub date: String,
    /// The end itself belongs to the window (`≥`/`≤` rather than `>`/`<`).
    pub inclusive: bool,
}

/// When the policy's access can apply, from the date conditions on the [`TIME_KEYS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeBounds {
    /// Nothing is allowed before this (`None`: no start).
    pub not_before: Option<TimeBound>,
    /// Nothing is allowed after this (`None`: no end).
    pub not_after: Option<TimeBound>,
    /// "only from 2026-01-01 and before 2027-01-01", "no time limits".
    pub text: String,
}

/// `(value, inclusive)` of a bound.
type Bound = (Dec, bool);

/// The earliest start and latest end of the Allow statements' time windows. An Allow statement
/// without a start (end) makes the policy's start (end) open. Conditions with `IfExists` do not
/// bound, and Deny statements are not considered: the window may overstate the access, never
/// understate it.
pub fn describe_time_bounds(policy: &Policy) -> TimeBounds {
    let mut start: Option<Option<Bound>> = None;
    let mut end: Option<Option<Bound>> = None;
    // The later of two starts / the earlier of two ends within one statement (both must hold).
    let later = |a: Option<Bound>, b: Bound| match a {
        Some(a) if cmp_bound(&a, &b, true).is_ge() => Some(a),
        _ => Some(b),
    };
    let earlier = |a: Option<Bound>, b: Bound| match a {
        Some(a) if cmp_bound(&a, &b, false).is_le() => Some(a),
        _ => Some(b),
    };
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let mut lo: Option<Bound> = None;
        let mut hi: Option<Bound> = None;
        for c in &s.conditions {
            if c.if_exists || !is_time_key(&c.key) {
                continue;
            }
            let CondValues::Num(vals) = &c.values else {
                continue;
            };
            // Several values are OR-ed: the loosest one bounds.
            let loosest = |lower: bool| {
                vals.iter().cloned().reduce(|a, b| {
                    let a_first = cmp_dec(a.as_ref(), b.as_ref()).is_le();
                    if a_first == lower { a } else { b }
                })
            };
            match c.op {
                Op::DateGreaterThan | Op::DateGreaterThanEquals => {
                    if let Some(v) = loosest(true) {
                        lo = later(lo, (v, c.op == Op::DateGreaterThanEquals));
                    }
                }
                Op::DateLessThan | Op::DateLessThanEquals => {
                    if let Some(v) = loosest(false) {
                        hi = earlier(hi, (v, c.op == Op::DateLessThanEquals));
                    }
                }
                _ => {}
            }
        }
        start = Some(match (start, lo) {
            (None, lo) => lo,
            (Some(Some(a)), Some(b)) => Some(if cmp_bound(&a, &b, true).is_le() {
                a
            } else {
                b
            }),
            _ => None,
        });
        end = Some(match (end, hi) {
            (None, hi) => hi,
            (Some(Some(a)), Some(b)) => Some(if cmp_bound(&a, &b, false).is_ge() {
                a
            } else {
                b
            }),
            _ => None,
        });
    }
    let bound = |b: Option<Option<Bound>>| {
        b.flatten().map(|(d, inclusive)| TimeBound {
            date: date_in_words(&d),
            inclusive,
        })
    };
    let not_before = bound(start);
    let not_after = bound(end);
    let from = not_before
        .as_ref()
        .map(|b| format!("{} {}", if b.inclusive { "from" } else { "after" }, b.date));
    let to = not_after.as_ref().map(|b| {
        format!(
            "{} {}",
            if b.inclusive { "until" } else { "before" },
            b.date
        )
    });
    let text = match (from, to) {
        (None, None) => "no time limits".to_string(),
        (Some(f), None) => format!("only {f}"),
        (None, Some(t)) => format!("only {t}"),
        (Some(f), Some(t)) => format!("only {f} and {t}"),
    };
    TimeBounds {
        not_before,
        not_after,
        text,
    }
}

/// Orders bounds by value; at equal values, for starts an inclusive bound is earlier (looser),
/// for ends an inclusive bound is later (looser).
fn cmp_bound(a: &Bound, b: &Bound, start: bool) -> std::cmp::Ordering {
    cmp_dec(a.0.as_ref(), b.0.as_ref()).then_with(|| match (a.1, b.1) {
        (x, y) if x == y => std::cmp::Ordering::Equal,
        (true, false) => {
            if start {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        }
        _ => {
            if start {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Less
            }
        }
    })
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::parse_policy;

    fn p(src: &str) -> Policy {
        parse_policy(src).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn words_and_titles() {
        assert_eq!(namespace_title("sp"), "Sponsored Products");
        assert_eq!(namespace_title("dsp"), "Amazon DSP");
        assert_eq!(namespace_title("zz"), "zz");
        assert_eq!(
            group_title("sp", AccessLevel::Write),
            "Sponsored Products — change"
        );
        let words: Vec<&str> = AccessLevel::ALL.iter().map(|l| l.words()).collect();
        assert_eq!(
            words,
            [
                "list",
                "read",
                "change",
                "spend money",
                "manage permissions"
            ]
        );
    }

    #[test]
    fn conditions_in_words() {
        let cases = [
            (
                r#"{"NumericLessThanEquals":{"ads:BidAmount":"5"}}"#,
                "only when ads:BidAmount ≤ 5",
            ),
            (
                r#"{"NumericLessThan":{"ads:BidAmount":["5","7.50"]}}"#,
                "only when ads:BidAmount < 5 or < 7.5",
            ),
            (
                r#"{"DateLessThan":{"ads:CurrentTime":"2026-12-31"}}"#,
                "only before 2026-12-31",
            ),
            (
                r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-01"}}"#,
                "only from 2026-01-01",
            ),
            (
                r#"{"DateLessThanEquals":{"ads:Now":"2026-06-30T12:00:00Z"}}"#,
                "only until 2026-06-30T12:00:00Z",
            ),
            (
                r#"{"DateGreaterThan":{"ads:LaunchDate":"1767225600"}}"#,
                "only when ads:LaunchDate is after 2026-01-01",
            ),
            (
                r#"{"StringEquals":{"ads:Market":["us","uk","de"]}}"#,
                "only when ads:Market is us, uk or de",
            ),
            (
                r#"{"StringLike":{"ads:Market":"DE*"}}"#,
                "only when ads:Market matches DE*",
            ),
            (
                r#"{"StringNotEquals":{"ads:Market":["us","uk"]}}"#,
                "only when ads:Market is none of us or uk",
            ),
            (
                r#"{"StringNotLike":{"ads:Market":"x*"}}"#,
                "only when ads:Market does not match x*",
            ),
            (
                r#"{"Bool":{"ads:Mfa":"true"}}"#,
                "only when ads:Mfa is true",
            ),
            (
                r#"{"Null":{"ads:Mfa":"true"}}"#,
                "only when ads:Mfa is not provided",
            ),
            (
                r#"{"Null":{"ads:Mfa":"false"}}"#,
                "only when ads:Mfa is provided",
            ),
            (
                r#"{"NumericNotEquals":{"n":["1","2"]}}"#,
                "only when n is a number other than 1 and 2",
            ),
            (
                r#"{"NumericLessThanEqualsIfExists":{"ads:BidAmount":"5"}}"#,
                "only when ads:BidAmount ≤ 5 (or when ads:BidAmount is not provided)",
            ),
        ];
        for (cond, want) in cases {
            let pol = p(&format!(
                r#"{{"Statement":{{"Effect":"Allow","Action":"*","Condition":{cond}}}}}"#
            ));
            let got = condition_in_words(&pol.statements[0].conditions[0]);
            assert_eq!(got, want, "{cond}");
        }
    }

    #[test]
    fn time_bounds() {
        let cases = [
            (r#"{"Effect":"Allow","Action":"*"}"#, "no time limits"),
            (
                r#"{"Effect":"Allow","Action":"*","Condition":{"DateGreaterThanEquals":{"ads:CurrentTime":"2026-01-01"},"DateLessThan":{"ads:CurrentTime":"2027-01-01"}}}"#,
                "only from 2026-01-01 and before 2027-01-01",
            ),
            // Two statements: the window is their union's hull.
            (
                r#"{"Effect":"Allow","Action":"a:B","Condition":{"DateLessThan":{"ads:CurrentTime":"2026-06-01"}}},{"Effect":"Allow","Action":"a:C","Condition":{"DateLessThanEquals":{"ads:CurrentTime":["2026-03-01","2026-09-01"]},"DateGreaterThan":{"ads:CurrentTime":"2025-01-01"}}}"#,
                "only until 2026-09-01",
            ),
            // Within one statement both bounds hold: the tighter one counts.
            (
                r#"{"Effect":"Allow","Action":"a:B","Condition":{"DateLessThan":{"ads:CurrentTime":"2026-06-01"},"DateLessThanEquals":{"aws:CurrentTime":"2026-05-01"}}}"#,
                "only until 2026-05-01",
            ),
            // IfExists does not bound; Deny statements are ignored.
            (
                r#"{"Effect":"Allow","Action":"a:B","Condition":{"DateLessThanIfExists":{"ads:CurrentTime":"2026-06-01"}}},{"Effect":"Deny","Action":"*","Condition":{"DateGreaterThan":{"ads:CurrentTime":"2026-01-01"}}}"#,
                "no time limits",
            ),
        ];
        for (stmts, want) in cases {
            let pol = p(&format!(r#"{{"Statement":[{stmts}]}}"#));
            assert_eq!(describe_time_bounds(&pol).text, want, "{stmts}");
        }
    }
}
