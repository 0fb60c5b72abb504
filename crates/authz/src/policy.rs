//! The policy language: an IAM-style JSON grammar, parsed with JSON paths and `line:col` in errors.

use crate::glob::Glob;
use crate::json::{self, Json, JsonValue};
use crate::values::{Dec, date_to_dec};

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Allows what the statement matches (unless a Deny matches too).
    Allow,
    /// Denies what the statement matches, whatever else allows it.
    Deny,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The `Version` element, if present.
    pub version: Option<String>,
    /// The `Id` element, if present.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// One statement. `principal` is [`PrincipalMatch::Absent`] for identity-based statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The `Sid`, if present.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// Whom the statement applies to.
    pub principal: PrincipalMatch,
    /// Action patterns (lowercased; matched ASCII-case-insensitively).
    pub action: Target,
    /// Resource patterns; absent `Resource`/`NotResource` means `Resource: "*"`.
    pub resource: Target,
    /// All conditions must hold (AND); one entry per (operator, key).
    pub conditions: Vec<Condition>,
}

/// `Principal` / `NotPrincipal` / neither.
#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalMatch {
    /// Neither element: the statement applies to the principal the policy is attached to.
    Absent,
    /// `Principal`: the statement applies to these principals.
    Principal(Vec<PrincipalPattern>),
    /// `NotPrincipal`: the statement applies to every principal but these.
    NotPrincipal(Vec<PrincipalPattern>),
}

/// One principal pattern: a plain string (any kind) or a `{ "<Kind>": pattern }` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalPattern {
    /// The required kind (`{ "Agent": … }`); `None` matches any kind.
    pub kind: Option<String>,
    /// The id pattern.
    pub id: Glob,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: patterns, OR-ed, possibly negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// True for `NotAction`/`NotResource`: matches what no pattern matches.
    pub negated: bool,
    /// The patterns.
    pub patterns: Vec<Glob>,
}

/// Condition operators (the `IfExists` suffix is a flag on [`Condition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `StringEquals`: equal to one of the values.
    StringEquals,
    /// `StringNotEquals`: equal to none of the values.
    StringNotEquals,
    /// `StringLike`: matches one of the glob values.
    StringLike,
    /// `StringNotLike`: matches none of the glob values.
    StringNotLike,
    /// `NumericEquals`.
    NumericEquals,
    /// `NumericNotEquals`: a number different from every value.
    NumericNotEquals,
    /// `NumericLessThan`.
    NumericLessThan,
    /// `NumericLessThanEquals`.
    NumericLessThanEquals,
    /// `NumericGreaterThan`.
    NumericGreaterThan,
    /// `NumericGreaterThanEquals`.
    NumericGreaterThanEquals,
    /// `DateLessThan`.
    DateLessThan,
    /// `DateLessThanEquals`.
    DateLessThanEquals,
    /// `DateGreaterThan`.
    DateGreaterThan,
    /// `DateGreaterThanEquals`.
    DateGreaterThanEquals,
    /// `Bool`: the exact string `true` or `false`.
    Bool,
    /// `Null`: whether the key is absent.
    Null,
}

pub const OPS: [(&str, Op); 16] = [
    ("StringEquals", Op::StringEquals),
    ("StringNotEquals", Op::StringNotEquals),
    ("StringLike", Op::StringLike),
    ("StringNotLike", Op::StringNotLike),
    ("NumericEquals", Op::NumericEquals),
    ("NumericNotEquals", Op::NumericNotEquals),
    ("NumericLessThan", Op::NumericLessThan),
    ("NumericLessThanEquals", Op::NumericLessThanEquals),
    ("NumericGreaterThan", Op::NumericGreaterThan),
    ("NumericGreaterThanEquals", Op::NumericGreaterThanEquals),
    ("DateLessThan", Op::DateLessThan),
    ("DateLessThanEquals", Op::DateLessThanEquals),
    ("DateGreaterThan", Op::DateGreaterThan),
    ("DateGreaterThanEquals", Op::DateGreaterThanEquals),
    ("Bool", Op::Bool),
    ("Null", Op::Null),
];

impl Op {
    /// The operator's name as written, without `IfExists`.
    pub fn name(self) -> &'static str {
        OPS.iter()
            .find(|(_, o)| *o == self)
            .map(|(n, _)| *n)
            .unwrap_or("Unknown")
    }
}

/// Condition values, typed by operator family.
#[derive(Debug, Clone, PartialEq)]
pub enum CondValues {
    /// String operators and `Bool` (`Bool` values are the literals `true`/`false`).
    Str(Vec<Glob>),
    /// Numeric operators: exact decimals. Date operators: epoch seconds.
    Num(Vec<Dec>),
    /// `Null`: `true` means "key absent", `false` means "key present".
    Null(Vec<bool>),
}

/// One `Operator: { key: values }` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator.
    pub op: Op,
    /// The `IfExists` suffix: the condition also holds when the key is missing.
    pub if_exists: bool,
    /// The context key.
    pub key: String,
    /// The values (OR-ed).
    pub values: CondValues,
}

/// A policy parse error: JSON path, position and a plain message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path} at {line}:{col}: {message}")]
pub struct PolicyError {
    /// JSON path such as `$.Statement[0].Condtion`.
    pub path: String,
    /// 1-based line of the offending value (0 when the input is not source text, such as a
    /// matrix spec).
    pub line: usize,
    /// 1-based column, in characters (0 when the input is not source text).
    pub col: usize,
    /// Byte offset into the source.
    pub offset: usize,
    /// What is wrong, in plain words.
    pub message: String,
}

impl PolicyError {
    /// The error at byte `offset` of `src`, with its line and column: the one place they are
    /// computed for every JSON input the engine reads.
    pub(crate) fn at(
        src: &str,
        path: impl Into<String>,
        offset: usize,
        message: impl Into<String>,
    ) -> PolicyError {
        let (line, col) = json::line_col(src, offset);
        PolicyError {
            path: path.into(),
            line,
            col,
            offset,
            message: message.into(),
        }
    }
}

/// Largest accepted policy document, in bytes.
pub const MAX_POLICY_BYTES: usize = 131_072;
/// Most statements in one policy.
pub const MAX_STATEMENTS: usize = 256;
/// Most values in one policy: every action, resource and principal pattern, every condition
/// (operator and key) and every condition value counts once.
pub const MAX_VALUES: usize = 1_024;
/// Most entries in one list (`Action`, `Resource`, `Principal`, condition values).
pub const MAX_LIST_VALUES: usize = 256;
/// Longest accepted string (pattern, condition key or value, `Sid`, `Id`, principal kind), in
/// characters.
pub const MAX_STRING_CHARS: usize = 1_024;

struct Ctx<'a> {
    src: &'a str,
    values: std::cell::Cell<usize>,
}

/// User input shown in a message: at most 64 characters.
fn shown(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

impl<'a> Ctx<'a> {
    fn new(src: &'a str) -> Ctx<'a> {
        Ctx {
            src,
            values: std::cell::Cell::new(0),
        }
    }

    fn err(&self, path: &str, offset: usize, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.src, path, offset, message)
    }

    /// Counts one value against [`MAX_VALUES`].
    fn count(&self, path: &str, offset: usize) -> Result<(), PolicyError> {
        let n = self.values.get() + 1;
        self.values.set(n);
        if n > MAX_VALUES {
            return Err(self.err(
                path,
                offset,
                format!(
                    "too many values: a policy may hold at most {MAX_VALUES} patterns, conditions and condition values"
                ),
            ));
        }
        Ok(())
    }

    /// Checks a string against [`MAX_STRING_CHARS`].
    fn short<'s>(&self, path: &str, offset: usize, s: &'s str) -> Result<&'s str, PolicyError> {
        if s.len() > MAX_STRING_CHARS && s.chars().nth(MAX_STRING_CHARS).is_some() {
            return Err(self.err(
                path,
                offset,
                format!(
                    "the value is {} characters long; at most {MAX_STRING_CHARS} are allowed",
                    s.chars().count()
                ),
            ));
        }
        Ok(s)
    }

    /// Checks a list length against [`MAX_LIST_VALUES`].
    fn list(&self, path: &str, items: &[Json]) -> Result<(), PolicyError> {
        match items.get(MAX_LIST_VALUES) {
            Some(it) => Err(self.err(
                &format!("{path}[{MAX_LIST_VALUES}]"),
                it.offset,
                format!("too many values: a list may hold at most {MAX_LIST_VALUES}"),
            )),
            None => Ok(()),
        }
    }
}

fn closest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    fn dist(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.to_ascii_lowercase().chars().collect();
        let b: Vec<char> = b.to_ascii_lowercase().chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            }
            prev = cur;
        }
        prev[b.len()]
    }
    allowed
        .iter()
        .map(|k| (dist(key, k), *k))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Parses a policy document. Documents beyond the limits above ([`MAX_POLICY_BYTES`],
/// [`MAX_STATEMENTS`], [`MAX_VALUES`], [`MAX_LIST_VALUES`], [`MAX_STRING_CHARS`]) are rejected
/// with a located error.
pub fn parse_policy(src: &str) -> Result<Policy, PolicyError> {
    let cx = Ctx::new(src);
    check_size(&cx)?;
    let doc = json::parse(src).map_err(|e| cx.err("$", e.offset, e.message))?;
    parse_doc(&cx, &doc)
}

/// Parses a policy from an already parsed JSON tree (offsets must refer to `src`).
pub fn parse_policy_json(src: &str, doc: &Json) -> Result<Policy, PolicyError> {
    let cx = Ctx::new(src);
    check_size(&cx)?;
    parse_doc(&cx, doc)
}

fn check_size(cx: &Ctx<'_>) -> Result<(), PolicyError> {
    if cx.src.len() <= MAX_POLICY_BYTES {
        return Ok(());
    }
    let mut at = MAX_POLICY_BYTES;
    while !cx.src.is_char_boundary(at) {
        at -= 1;
    }
    Err(cx.err(
        "$",
        at,
        format!(
            "the policy is {} bytes long; at most {MAX_POLICY_BYTES} are allowed",
            cx.src.len()
        ),
    ))
}

fn object<'j>(
    cx: &Ctx<'_>,
    path: &str,
    j: &'j Json,
    allowed: &[&str],
) -> Result<&'j [(String, usize, Json)], PolicyError> {
    let JsonValue::Object(entries) = &j.value else {
        return Err(cx.err(path, j.offset, "expected an object"));
    };
    for (k, off, _) in entries {
        if !allowed.contains(&k.as_str()) {
            let hint = closest(&shown(k), allowed)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(cx.err(
                &format!("{path}.{}", shown(k)),
                *off,
                format!("unknown key `{}`{hint}", shown(k)),
            ));
        }
    }
    Ok(entries)
}

fn get<'j>(entries: &'j [(String, usize, Json)], key: &str) -> Option<&'j Json> {
    entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v)
}

fn string<'j>(cx: &Ctx<'_>, path: &str, j: &'j Json) -> Result<&'j str, PolicyError> {
    match &j.value {
        JsonValue::String(s) => cx.short(path, j.offset, s),
        _ => Err(cx.err(path, j.offset, "expected a string")),
    }
}

/// [`string`] for a value that counts against [`MAX_VALUES`].
fn value<'j>(cx: &Ctx<'_>, path: &str, j: &'j Json) -> Result<&'j str, PolicyError> {
    let s = string(cx, path, j)?;
    cx.count(path, j.offset)?;
    Ok(s)
}

/// A string or a non-empty array of strings.
fn strings<'j>(
    cx: &Ctx<'_>,
    path: &str,
    j: &'j Json,
) -> Result<Vec<(String, &'j str)>, PolicyError> {
    match &j.value {
        JsonValue::String(_) => Ok(vec![(path.to_string(), value(cx, path, j)?)]),
        JsonValue::Array(items) => {
            if items.is_empty() {
                return Err(cx.err(path, j.offset, "expected at least one value"));
            }
            cx.list(path, items)?;
            items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    let p = format!("{path}[{i}]");
                    value(cx, &p, it).map(|s| (p, s))
                })
                .collect()
        }
        _ => Err(cx.err(path, j.offset, "expected a string or an array of strings")),
    }
}

fn parse_doc(cx: &Ctx<'_>, doc: &Json) -> Result<Policy, PolicyError> {
    let entries = object(cx, "$", doc, &["Version", "Id", "Statement"])?;
    let version = match get(entries, "Version") {
        Some(v) => {
            let s = string(cx, "$.Version", v)?;
            if s != "2012-10-17" && s != "2008-10-17" {
                return Err(cx.err(
                    "$.Version",
                    v.offset,
                    format!("unsupported version `{}`; use `2012-10-17`", shown(s)),
                ));
            }
            Some(s.to_string())
        }
        None => None,
    };
    let id = match get(entries, "Id") {
        Some(v) => Some(string(cx, "$.Id", v)?.to_string()),
        None => None,
    };
    let Some(st) = get(entries, "Statement") else {
        return Err(cx.err("$", doc.offset, "missing key `Statement`"));
    };
    let statements = match &st.value {
        JsonValue::Array(items) => {
            if let Some(extra) = items.get(MAX_STATEMENTS) {
                return Err(cx.err(
                    &format!("$.Statement[{MAX_STATEMENTS}]"),
                    extra.offset,
                    format!("too many statements: a policy may hold at most {MAX_STATEMENTS}"),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, it)| parse_statement(cx, &format!("$.Statement[{i}]"), it))
                .collect::<Result<Vec<_>, _>>()?
        }
        JsonValue::Object(_) => vec![parse_statement(cx, "$.Statement", st)?],
        _ => {
            return Err(cx.err(
                "$.Statement",
                st.offset,
                "expected an object or an array of statements",
            ));
        }
    };
    Ok(Policy {
        version,
        id,
        statements,
    })
}

const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn parse_statement(cx: &Ctx<'_>, path: &str, j: &Json) -> Result<Statement, PolicyError> {
    let e = object(cx, path, j, &STATEMENT_KEYS)?;
    let sid = match get(e, "Sid") {
        Some(v) => Some(string(cx, &format!("{path}.Sid"), v)?.to_string()),
        None => None,
    };
    let effect = match get(e, "Effect") {
        Some(v) => match string(cx, &format!("{path}.Effect"), v)? {
            "Allow" => Effect::Allow,
            "Deny" => Effect::Deny,
            other => {
                return Err(cx.err(
                    &format!("{path}.Effect"),
                    v.offset,
                    format!("`{}` is not `Allow` or `Deny`", shown(other)),
                ));
            }
        },
        None => return Err(cx.err(path, j.offset, "missing key `Effect`")),
    };
    let principal = match (get(e, "Principal"), get(e, "NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(cx.err(
                path,
                j.offset,
                "a statement cannot have both `Principal` and `NotPrincipal`",
            ));
        }
        (Some(p), None) => {
            PrincipalMatch::Principal(parse_principal(cx, &format!("{path}.Principal"), p)?)
        }
        (None, Some(p)) => {
            PrincipalMatch::NotPrincipal(parse_principal(cx, &format!("{path}.NotPrincipal"), p)?)
        }
        (None, None) => PrincipalMatch::Absent,
    };
    let action = match (get(e, "Action"), get(e, "NotAction")) {
        (Some(_), Some(_)) => {
            return Err(cx.err(
                path,
                j.offset,
                "a statement cannot have both `Action` and `NotAction`",
            ));
        }
        (Some(a), None) => Target {
            negated: false,
            patterns: patterns(cx, &format!("{path}.Action"), a, true)?,
        },
        (None, Some(a)) => Target {
            negated: true,
            patterns: patterns(cx, &format!("{path}.NotAction"), a, true)?,
        },
        (None, None) => return Err(cx.err(path, j.offset, "missing key `Action` or `NotAction`")),
    };
    let resource = match (get(e, "Resource"), get(e, "NotResource")) {
        (Some(_), Some(_)) => {
            return Err(cx.err(
                path,
                j.offset,
                "a statement cannot have both `Resource` and `NotResource`",
            ));
        }
        (Some(a), None) => Target {
            negated: false,
            patterns: patterns(cx, &format!("{path}.Resource"), a, false)?,
        },
        (None, Some(a)) => Target {
            negated: true,
            patterns: patterns(cx, &format!("{path}.NotResource"), a, false)?,
        },
        (None, None) => Target {
            negated: false,
            patterns: vec![Glob::new("*")],
        },
    };
    let conditions = match get(e, "Condition") {
        Some(c) => parse_conditions(cx, &format!("{path}.Condition"), c)?,
        None => Vec::new(),
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn patterns(cx: &Ctx<'_>, path: &str, j: &Json, ci: bool) -> Result<Vec<Glob>, PolicyError> {
    Ok(strings(cx, path, j)?
        .into_iter()
        .map(|(_, s)| if ci { Glob::new_ci(s) } else { Glob::new(s) })
        .collect())
}

fn parse_principal(
    cx: &Ctx<'_>,
    path: &str,
    j: &Json,
) -> Result<Vec<PrincipalPattern>, PolicyError> {
    match &j.value {
        JsonValue::Object(entries) => {
            if entries.is_empty() {
                return Err(cx.err(path, j.offset, "expected at least one principal kind"));
            }
            let mut out = Vec::new();
            for (kind, off, v) in entries {
                let p = format!("{path}.{}", shown(kind));
                if kind.is_empty() {
                    return Err(cx.err(&p, *off, "the principal kind must not be empty"));
                }
                cx.short(&p, *off, kind)?;
                for (_, s) in strings(cx, &p, v)? {
                    out.push(PrincipalPattern {
                        kind: Some(kind.clone()),
                        id: Glob::new(s),
                    });
                }
            }
            Ok(out)
        }
        _ => Ok(strings(cx, path, j)?
            .into_iter()
            .map(|(_, s)| PrincipalPattern {
                kind: None,
                id: Glob::new(s),
            })
            .collect()),
    }
}

/// Parses an operator name such as `StringLikeIfExists`.
pub fn parse_op(name: &str) -> Option<(Op, bool)> {
    let (base, if_exists) = match name.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (name, false),
    };
    let op = OPS.iter().find(|(n, _)| *n == base).map(|(_, o)| *o)?;
    if op == Op::Null && if_exists {
        return None;
    }
    Some((op, if_exists))
}

fn parse_conditions(cx: &Ctx<'_>, path: &str, j: &Json) -> Result<Vec<Condition>, PolicyError> {
    let JsonValue::Object(ops) = &j.value else {
        return Err(cx.err(path, j.offset, "expected an object of condition operators"));
    };
    let names: Vec<String> = OPS.iter().map(|(n, _)| n.to_string()).collect();
    let mut out = Vec::new();
    for (name, off, body) in ops {
        let p = format!("{path}.{}", shown(name));
        let Some((op, if_exists)) = parse_op(name) else {
            let all: Vec<&str> = names.iter().map(String::as_str).collect();
            let hint = closest(&shown(name), &all)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(cx.err(
                &p,
                *off,
                format!("unknown condition operator `{}`{hint}", shown(name)),
            ));
        };
        let JsonValue::Object(keys) = &body.value else {
            return Err(cx.err(
                &p,
                body.offset,
                "expected an object mapping condition keys to values",
            ));
        };
        for (key, koff, vals) in keys {
            let kp = format!("{p}.{}", shown(key));
            if key.is_empty() {
                return Err(cx.err(&kp, *koff, "the condition key must not be empty"));
            }
            cx.short(&kp, *koff, key)?;
            cx.count(&kp, *koff)?;
            let raw: Vec<(String, usize, String)> = match &vals.value {
                JsonValue::Array(items) => {
                    cx.list(&kp, items)?;
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, it)| {
                            scalar(cx, &format!("{kp}[{i}]"), it)
                                .map(|s| (format!("{kp}[{i}]"), it.offset, s))
                        })
                        .collect::<Result<_, _>>()?
                }
                _ => vec![(kp.clone(), vals.offset, scalar(cx, &kp, vals)?)],
            };
            let values = match op {
                Op::StringEquals | Op::StringNotEquals => {
                    CondValues::Str(raw.iter().map(|(_, _, s)| Glob::literal(s)).collect())
                }
                Op::StringLike | Op::StringNotLike => CondValues::Str(raw.iter().map(|(_, _, s)| Glob::new(s)).collect()),
                Op::Bool => CondValues::Str(
                    raw.iter()
                        .map(|(vp, o, s)| match s.as_str() {
                            "true" | "false" => Ok(Glob::literal(s)),
                            _ => Err(cx.err(vp, *o, format!("`{}` is not `true` or `false`", shown(s)))),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Op::Null => CondValues::Null(
                    raw.iter()
                        .map(|(vp, o, s)| match s.as_str() {
                            "true" => Ok(true),
                            "false" => Ok(false),
                            _ => Err(cx.err(vp, *o, format!("`{}` is not `true` or `false`", shown(s)))),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Op::DateLessThan | Op::DateLessThanEquals | Op::DateGreaterThan | Op::DateGreaterThanEquals => {
                    CondValues::Num(
                        raw.iter()
                            .map(|(vp, o, s)| {
                                date_to_dec(s).ok_or_else(|| {
                                    cx.err(vp, *o, format!("`{}` is not a date (use `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or epoch seconds)", shown(s)))
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    )
                }
                _ => CondValues::Num(
                    raw.iter()
                        .map(|(vp, o, s)| Dec::parse(s).ok_or_else(|| cx.err(vp, *o, format!("`{}` is not a number", shown(s)))))
                        .collect::<Result<_, _>>()?,
                ),
            };
            out.push(Condition {
                op,
                if_exists,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

fn scalar(cx: &Ctx<'_>, path: &str, j: &Json) -> Result<String, PolicyError> {
    let s = match &j.value {
        JsonValue::String(s) => s.clone(),
        JsonValue::Number(n) => n.clone(),
        JsonValue::Bool(b) => b.to_string(),
        _ => return Err(cx.err(path, j.offset, "expected a string, number or boolean")),
    };
    cx.short(path, j.offset, &s)?;
    cx.count(path, j.offset)?;
    Ok(s)
}
