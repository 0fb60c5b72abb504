//! The capability matrix of the grant editor: namespace × access level cells, data scopes (resource
//! patterns), a time window and a bid cap, to and from policies. Pure, so it runs in the browser
//! (wasm) and on the server.
//!
//! - [`policy_from_matrix`] writes one Allow statement per chosen cell with the cell's catalog
//!   actions by name (never a wildcard: actions added to the catalog later are not granted by
//!   an old grant), the chosen resources and the time window. With a bid cap, the cell's actions
//!   that commit money go into a second statement that also carries the cap
//!   (`NumericLessThanEquals` on [`BID_KEY`], which the gateway must supply for them).
//! - [`matrix_of`] reads any policy back as cells (None / Partial / Full), with the exact
//!   action-level semantics of [`crate::describe::allowed_actions`].

use serde::{Deserialize, Serialize};

use crate::catalog::{AccessLevel, Action, Catalog};
use crate::describe::{CURRENT_TIME_KEY, allowed_actions};
use crate::json::Json;
use crate::policy::{MAX_STRING_CHARS, MAX_VALUES, Policy, PolicyError, parse_policy};
use crate::values::{Dec, format_iso, parse_iso};

/// The context key capped by [`MatrixSpec::max_bid`].
pub const BID_KEY: &str = "ads:BidAmount";

/// What the grant editor chose.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MatrixSpec {
    /// The chosen cells, `(namespace, level)`; order and duplicates do not matter.
    pub cells: Vec<(String, AccessLevel)>,
    /// Resource patterns: `arn:ads:<marketplace>:<account>:<rest>`, e.g.
    /// `arn:ads:us:ADV1:campaign/12` or `arn:ads:us:ADV1:*`. At least one.
    pub resources: Vec<String>,
    /// First moment of access: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_before: Option<String>,
    /// Last moment of access: `YYYY-MM-DD` means through the end of that day (UTC);
    /// `YYYY-MM-DDTHH:MM:SSZ` is inclusive.
    pub not_after: Option<String>,
    /// Largest bid amount (a decimal) for the actions that commit money.
    pub max_bid: Option<String>,
}

/// How much of a cell a policy allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Coverage {
    /// The policy allows none of the cell's actions.
    None,
    /// Some of them.
    Partial,
    /// All of them.
    Full,
}

/// One cell of the matrix as read from a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CellState {
    /// The namespace, e.g. `sp`.
    pub namespace: String,
    /// The access level.
    pub level: AccessLevel,
    /// How much of the cell the policy allows.
    pub coverage: Coverage,
    /// Catalog actions of the cell the policy allows.
    pub allowed: usize,
    /// Catalog actions of the cell.
    pub total: usize,
}

/// A spec error. A spec is not source text, so `line`, `col` and `offset` are 0 and `path`
/// names the spec field (`$.cells[2]`, `$.resources[0]`, `$.notAfter`, …).
fn spec_err(path: impl Into<String>, message: impl Into<String>) -> PolicyError {
    PolicyError {
        path: path.into(),
        line: 0,
        col: 0,
        offset: 0,
        message: message.into(),
    }
}

/// User input shown in a message: at most 64 characters.
fn shown(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Checks a data-scope pattern: `arn:ads:<marketplace>:<account>:<rest>` where the marketplace
/// is lower-case letters or `*`, the account has no wildcard (a grant never spans accounts) and
/// nothing is blank or a control character.
pub fn check_resource(p: &str) -> Result<(), String> {
    if p.chars().count() > MAX_STRING_CHARS {
        return Err(format!(
            "the resource is longer than {MAX_STRING_CHARS} characters"
        ));
    }
    if p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{}` contains a space or a control character",
            shown(p)
        ));
    }
    let bad = || {
        format!(
            "`{}` is not a resource of the form `arn:ads:<marketplace>:<account>:<resource>`",
            shown(p)
        )
    };
    let mut parts = p.splitn(5, ':');
    let (Some("arn"), Some("ads"), Some(mp), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad());
    };
    if !(mp == "*" || (!mp.is_empty() && mp.chars().all(|c| c.is_ascii_lowercase()))) {
        return Err(format!(
            "`{}`: the marketplace must be a lower-case code such as `us`, or `*`",
            shown(p)
        ));
    }
    if account.is_empty() || account.contains(['*', '?']) {
        return Err(format!(
            "`{}`: the account must be named exactly (no `*` or `?`)",
            shown(p)
        ));
    }
    if rest.is_empty() {
        return Err(bad());
    }
    Ok(())
}

/// Parses a window end: epoch seconds and a flag "date only".
fn parse_moment(path: &str, s: &str) -> Result<(i64, bool), PolicyError> {
    match parse_iso(s) {
        Some(v) => Ok((v, s.len() == 10)),
        None => Err(spec_err(
            path,
            format!(
                "`{}` is not a date (use `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`)",
                shown(s)
            ),
        )),
    }
}

/// Sid of a cell: `SpWrite`, `PortfoliosSpend`, `AccountPermissionsManagement`.
fn cell_sid(ns: &str, level: AccessLevel) -> String {
    let mut chars = ns.chars();
    let head: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string())
        .unwrap_or_default();
    let ns_part: String = head
        + &chars
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>();
    format!("{ns_part}{}", level.name())
}

/// Builds the policy of a matrix: `(policy, pretty JSON)`. Errors name the spec field.
pub fn policy_from_matrix(
    spec: &MatrixSpec,
    catalog: &Catalog,
) -> Result<(Policy, String), PolicyError> {
    let cells = chosen_cells(spec, catalog)?;
    let resources = chosen_resources(spec)?;
    let window = time_window(spec)?;
    let cap = bid_cap(spec)?;
    let statements = Statements {
        conditions: window.conditions(),
        cap,
        resources,
    };
    let (json, values) = statements.for_cells(&cells, catalog);
    if values > MAX_VALUES {
        return Err(spec_err(
            "$.resources",
            format!(
                "too many resources for this many capabilities: the policy would hold {values} values (at most {MAX_VALUES})"
            ),
        ));
    }
    let doc = Json::object(vec![
        ("Version", Json::string("2012-10-17")),
        ("Statement", Json::array(json)),
    ]);
    let text = doc.to_pretty();
    let policy = parse_policy(&text)?;
    Ok((policy, text))
}

/// The chosen cells: known to the catalog, deduplicated, in (namespace, level) order.
fn chosen_cells<'s>(
    spec: &'s MatrixSpec,
    catalog: &Catalog,
) -> Result<Vec<(&'s str, AccessLevel)>, PolicyError> {
    let mut cells: Vec<(&str, AccessLevel)> = Vec::new();
    for (i, (ns, level)) in spec.cells.iter().enumerate() {
        if !catalog
            .actions
            .iter()
            .any(|a| a.namespace() == ns && a.access_level == *level)
        {
            return Err(spec_err(
                format!("$.cells[{i}]"),
                format!(
                    "the catalog has no `{}` actions at level `{}`",
                    shown(ns),
                    level.name()
                ),
            ));
        }
        cells.push((ns.as_str(), *level));
    }
    cells.sort_unstable();
    cells.dedup();
    Ok(cells)
}

/// The chosen resources: at least one, each checked by [`check_resource`], duplicates dropped
/// (first occurrence kept).
fn chosen_resources(spec: &MatrixSpec) -> Result<Vec<String>, PolicyError> {
    if spec.resources.is_empty() {
        return Err(spec_err(
            "$.resources",
            "choose at least one resource (for example `arn:ads:us:ADV1:*`)",
        ));
    }
    for (i, r) in spec.resources.iter().enumerate() {
        check_resource(r).map_err(|m| spec_err(format!("$.resources[{i}]"), m))?;
    }
    let mut resources: Vec<String> = Vec::new();
    for r in &spec.resources {
        if !resources.contains(r) {
            resources.push(r.clone());
        }
    }
    Ok(resources)
}

/// The time window of a spec, as it goes into the conditions.
struct Window {
    /// `notBefore` as written, and its epoch seconds.
    start: Option<(String, i64)>,
    /// The operator, the text and the epoch seconds of the end: a date is "through that day"
    /// (`DateLessThan` the next day), a moment is inclusive (`DateLessThanEquals`).
    end: Option<(&'static str, String, i64)>,
}

impl Window {
    /// The window's conditions on [`CURRENT_TIME_KEY`]: start first, then end.
    fn conditions(&self) -> Vec<(&'static str, Json)> {
        let mut conditions: Vec<(&str, Json)> = Vec::new();
        if let Some((s, _)) = &self.start {
            conditions.push((
                "DateGreaterThanEquals",
                Json::object(vec![(CURRENT_TIME_KEY, Json::string(s.clone()))]),
            ));
        }
        if let Some((op, text, _)) = &self.end {
            conditions.push((
                op,
                Json::object(vec![(CURRENT_TIME_KEY, Json::string(text.clone()))]),
            ));
        }
        conditions
    }
}

/// Reads `notBefore` and `notAfter`; the end must come after the start.
fn time_window(spec: &MatrixSpec) -> Result<Window, PolicyError> {
    let start = match &spec.not_before {
        Some(s) => Some((s.clone(), parse_moment("$.notBefore", s)?.0)),
        None => None,
    };
    let end = match &spec.not_after {
        Some(s) => {
            let (v, date_only) = parse_moment("$.notAfter", s)?;
            // A date means "through that day": before the next midnight.
            let (op, text, v) = if date_only {
                let next = v + 86_400;
                let day = format_iso(next)
                    .and_then(|t| t.get(..10).map(str::to_string))
                    .ok_or_else(|| spec_err("$.notAfter", "the date is out of range"))?;
                ("DateLessThan", day, next)
            } else {
                ("DateLessThanEquals", s.clone(), v)
            };
            Some((op, text, v))
        }
        None => None,
    };
    if let (Some((_, a)), Some((_, _, b))) = (&start, &end)
        && a >= b
    {
        return Err(spec_err(
            "$.notAfter",
            "the end of access must come after its start",
        ));
    }
    Ok(Window { start, end })
}

/// Reads `maxBid`: a decimal that is not negative, in its canonical text.
fn bid_cap(spec: &MatrixSpec) -> Result<Option<String>, PolicyError> {
    let Some(s) = &spec.max_bid else {
        return Ok(None);
    };
    let d = Dec::parse(s.trim()).ok_or_else(|| {
        spec_err(
            "$.maxBid",
            format!("`{}` is not a number such as `2.50`", shown(s)),
        )
    })?;
    if d.neg {
        return Err(spec_err("$.maxBid", "the maximum bid must not be negative"));
    }
    Ok(Some(d.to_string()))
}

/// What every statement of the policy shares: the window's conditions, the bid cap and the
/// resources.
struct Statements {
    conditions: Vec<(&'static str, Json)>,
    cap: Option<String>,
    resources: Vec<String>,
}

impl Statements {
    /// The statements of every cell, and the number of values they hold (see [`MAX_VALUES`]).
    /// With a bid cap, a cell's actions that commit money go into a second statement
    /// (`…Capped`, or the cell's only statement when all its actions commit money).
    fn for_cells(&self, cells: &[(&str, AccessLevel)], catalog: &Catalog) -> (Vec<Json>, usize) {
        let mut statements = Vec::new();
        let mut values = 0;
        for (ns, level) in cells {
            let actions: Vec<&Action> = catalog
                .actions
                .iter()
                .filter(|a| a.namespace() == *ns && a.access_level == *level)
                .collect();
            let sid = cell_sid(ns, *level);
            let (plain, money): (Vec<&Action>, Vec<&Action>) = if self.cap.is_some() {
                actions.iter().partition(|a| !a.commits_money)
            } else {
                (actions, Vec::new())
            };
            let both = !plain.is_empty() && !money.is_empty();
            for (part, capped) in [(plain, false), (money, true)] {
                if part.is_empty() {
                    continue;
                }
                let sid = if both && capped {
                    format!("{sid}Capped")
                } else {
                    sid.clone()
                };
                let (json, n) = self.statement(sid, &part, capped);
                values += n + self.conditions.len() + usize::from(capped);
                statements.push(json);
            }
        }
        (statements, values)
    }

    /// One Allow statement, and its number of action and resource values.
    fn statement(&self, sid: String, actions: &[&Action], capped: bool) -> (Json, usize) {
        let names: Vec<String> = actions.iter().map(|a| a.name.clone()).collect();
        let mut conds = self.conditions.clone();
        if capped && let Some(c) = &self.cap {
            conds.push((
                "NumericLessThanEquals",
                Json::object(vec![(BID_KEY, Json::string(c.clone()))]),
            ));
        }
        let mut entries = vec![
            ("Sid", Json::string(sid)),
            ("Effect", Json::string("Allow")),
            ("Action", Json::strings(&names)),
            ("Resource", Json::strings(&self.resources)),
        ];
        if !conds.is_empty() {
            entries.push(("Condition", Json::object(conds)));
        }
        (Json::object(entries), names.len() + self.resources.len())
    }
}

/// For every (namespace, level) pair of the catalog, in (namespace, level) order: how much of it
/// the policy allows (see [`crate::describe::allowed_actions`] for the exact rule).
pub fn matrix_of(policy: &Policy, catalog: &Catalog) -> Vec<CellState> {
    let allowed = allowed_actions(policy, catalog);
    let mut cells: Vec<CellState> = Vec::new();
    let mut keys: Vec<(&str, AccessLevel)> = catalog
        .actions
        .iter()
        .map(|a| (a.namespace(), a.access_level))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for (ns, level) in keys {
        let (mut n, mut total) = (0, 0);
        for (i, a) in catalog.actions.iter().enumerate() {
            if a.namespace() == ns && a.access_level == level {
                total += 1;
                if allowed.get(i).copied().unwrap_or(false) {
                    n += 1;
                }
            }
        }
        cells.push(CellState {
            namespace: ns.to_string(),
            level,
            coverage: match n {
                0 => Coverage::None,
                n if n == total => Coverage::Full,
                _ => Coverage::Partial,
            },
            allowed: n,
            total,
        });
    }
    cells
}
