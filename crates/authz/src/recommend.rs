//! Least-privilege recommendations from unused actions.

use std::collections::HashSet;

use serde::Serialize;

use crate::catalog::{Catalog, camel_words};
use crate::glob::Glob;
use crate::json::{self, Json, JsonValue};
use crate::policy::{Effect, PolicyError, Statement, parse_policy_json};

/// What changed in one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementDiff {
    /// The statement's index in the original policy.
    pub statement_index: usize,
    /// Its `Sid`, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
    /// Action patterns taken out.
    pub removed: Vec<String>,
    /// Action patterns put in (the safe prefixes that replace a wildcard).
    pub added: Vec<String>,
    /// The statement was left with no actions and was dropped.
    pub dropped: bool,
}

/// A recommended policy plus its diff.
#[derive(Debug, Clone)]
pub struct Recommendation {
    /// The recommended policy document: the original with the unused actions taken out of its
    /// Allow statements (a statement left with none is dropped).
    pub document: Json,
    /// What changed, per statement.
    pub diff: Vec<StatementDiff>,
}

impl Recommendation {
    /// The recommended policy document, pretty-printed.
    pub fn policy_text(&self) -> String {
        self.document.to_pretty()
    }

    /// A human-readable diff: removed (`-`) and added (`+`) actions per statement.
    pub fn human_diff(&self) -> String {
        let mut out = String::new();
        for d in &self.diff {
            let sid = d
                .statement_id
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "Statement {}{sid}{}\n",
                d.statement_index,
                if d.dropped { ": dropped" } else { ":" }
            ));
            for r in &d.removed {
                out.push_str(&format!("  - {r}\n"));
            }
            for a in &d.added {
                out.push_str(&format!("  + {a}\n"));
            }
        }
        if out.is_empty() {
            out.push_str("No changes.\n");
        }
        out
    }
}

/// Parses the AWS unused-permissions shape `[{"serviceNamespace": "...", "actions": [...]}]`.
/// Actions may be `Action` or `namespace:Action` strings, or objects with an `action` key.
/// Returns lower-cased full names.
pub fn parse_unused(src: &str) -> Result<HashSet<String>, PolicyError> {
    let err =
        |path: String, offset: usize, message: String| PolicyError::at(src, path, offset, message);
    let doc = json::parse(src).map_err(|e| err("$".into(), e.offset, e.message))?;
    let JsonValue::Array(items) = &doc.value else {
        return Err(err(
            "$".into(),
            doc.offset,
            "expected an array of `{serviceNamespace, actions}` objects".into(),
        ));
    };
    let mut out = HashSet::new();
    for (i, it) in items.iter().enumerate() {
        let p = format!("$[{i}]");
        let JsonValue::Object(entries) = &it.value else {
            return Err(err(p, it.offset, "expected an object".into()));
        };
        let mut ns = None;
        let mut actions = None;
        for (k, off, v) in entries {
            match (k.as_str(), &v.value) {
                ("serviceNamespace", JsonValue::String(s)) => ns = Some(s.clone()),
                ("actions", JsonValue::Array(a)) => actions = Some(a),
                ("serviceNamespace" | "actions", _) => {
                    return Err(err(
                        format!("{p}.{k}"),
                        v.offset,
                        "unexpected value type".into(),
                    ));
                }
                _ => return Err(err(format!("{p}.{k}"), *off, format!("unknown key `{k}`"))),
            }
        }
        let (Some(ns), Some(actions)) = (ns, actions) else {
            return Err(err(
                p,
                it.offset,
                "expected keys `serviceNamespace` and `actions`".into(),
            ));
        };
        for (j, a) in actions.iter().enumerate() {
            let name = match &a.value {
                JsonValue::String(s) => s.clone(),
                JsonValue::Object(e) => match e.iter().find(|(k, _, _)| k == "action") {
                    Some((
                        _,
                        _,
                        Json {
                            value: JsonValue::String(s),
                            ..
                        },
                    )) => s.clone(),
                    _ => {
                        return Err(err(
                            format!("{p}.actions[{j}]"),
                            a.offset,
                            "expected an `action` string".into(),
                        ));
                    }
                },
                _ => {
                    return Err(err(
                        format!("{p}.actions[{j}]"),
                        a.offset,
                        "expected a string".into(),
                    ));
                }
            };
            let full = if name.contains(':') {
                name
            } else {
                format!("{ns}:{name}")
            };
            out.insert(full.to_ascii_lowercase());
        }
    }
    Ok(out)
}

/// Byte ends of the trie nodes of an action name: `sp:GetCampaign` → ends of `sp:`, `sp:Get`,
/// `sp:GetCampaign` (the namespace, then one CamelCase word at a time).
fn prefix_ends(name: &str) -> Vec<usize> {
    let ns_end = name.find(':').map_or(0, |k| k + 1);
    let mut out = vec![ns_end];
    let mut end = ns_end;
    for w in camel_words(&name[ns_end..]) {
        end += w.len();
        out.push(end);
    }
    out
}

/// Replaces a wildcard that covers unused actions by the shortest safe CamelCase prefixes.
/// `wanted[i]` is true for catalog actions the pattern covers that are not unused.
fn safe_prefixes(catalog: &Catalog, wanted: &[bool]) -> Vec<String> {
    let sorted = &catalog.sorted;
    let range = |p: &str| {
        let lo = sorted.partition_point(|(n, _)| n.as_str() < p);
        let hi = lo + sorted[lo..].partition_point(|(n, _)| n.starts_with(p));
        &sorted[lo..hi]
    };
    let mut out: Vec<String> = Vec::new();
    let mut done: HashSet<&str> = HashSet::new();
    let mut memo: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for (i, a) in catalog.actions.iter().enumerate() {
        if !wanted[i] {
            continue;
        }
        let own = catalog.lower[i].as_str();
        for end in prefix_ends(&a.name) {
            let pl = &own[..end];
            let under = range(pl);
            let safe = *memo
                .entry(pl)
                .or_insert_with(|| under.iter().all(|(_, k)| wanted[*k]));
            if safe {
                if done.insert(pl) {
                    out.push(if under.len() == 1 {
                        catalog.actions[under[0].1].name.clone()
                    } else {
                        format!("{}*", &a.name[..end])
                    });
                }
                break;
            }
            if end == own.len() {
                // The action itself is wanted but longer actions share its name as a prefix.
                if done.insert(own) {
                    out.push(a.name.clone());
                }
                break;
            }
        }
    }
    // Trie order (a prefix sorts before everything it covers, `x*` before `x`), then keep only
    // maximal entries in one pass: a shorter emitted prefix may subsume a longer one.
    out.sort_by_cached_key(|s| {
        let l = s.to_ascii_lowercase();
        let star = l.ends_with('*');
        (l.trim_end_matches('*').to_string(), !star)
    });
    let mut kept: Vec<String> = Vec::new();
    let mut active: Option<String> = None;
    for s in out {
        let l = s.to_ascii_lowercase();
        if active.as_ref().is_some_and(|p| l.starts_with(p.as_str())) {
            continue;
        }
        active = l.strip_suffix('*').map(str::to_string);
        kept.push(s);
    }
    kept
}

/// Recommends a least-privilege version of `policy_src` given the unused actions.
pub fn recommend(
    policy_src: &str,
    unused: &HashSet<String>,
    catalog: &Catalog,
) -> Result<Recommendation, PolicyError> {
    let mut doc = json::parse(policy_src)
        .map_err(|e| PolicyError::at(policy_src, "$", e.offset, e.message))?;
    let policy = parse_policy_json(policy_src, &doc)?;
    let mut diff = Vec::new();
    let JsonValue::Object(top) = &mut doc.value else {
        return Ok(Recommendation {
            document: doc,
            diff,
        });
    };
    let Some((_, _, stmts)) = top.iter_mut().find(|(k, _, _)| k == "Statement") else {
        return Ok(Recommendation {
            document: doc,
            diff,
        });
    };
    let single = matches!(stmts.value, JsonValue::Object(_));
    let mut list: Vec<Json> = match std::mem::replace(&mut stmts.value, JsonValue::Null) {
        JsonValue::Array(v) => v,
        other => vec![Json {
            offset: stmts.offset,
            value: other,
        }],
    };
    let narrow = Narrowing {
        unused,
        is_unused: catalog.lower.iter().map(|l| unused.contains(l)).collect(),
        catalog,
    };
    let mut kept = Vec::new();
    for (idx, (sj, st)) in list.drain(..).zip(&policy.statements).enumerate() {
        if let Some(sj) = narrow.statement(idx, sj, st, &mut diff) {
            kept.push(sj);
        }
    }
    stmts.value = if single && kept.len() == 1 {
        kept.remove(0).value
    } else {
        JsonValue::Array(kept)
    };
    Ok(Recommendation {
        document: doc,
        diff,
    })
}

/// What narrowing the statements needs: the unused actions (lower-cased names, and a flag per
/// catalog action) and the catalog.
struct Narrowing<'a> {
    unused: &'a HashSet<String>,
    /// `is_unused[i]` for catalog action `i`.
    is_unused: Vec<bool>,
    catalog: &'a Catalog,
}

impl Narrowing<'_> {
    /// Statement `idx` (JSON `sj`, parsed `st`) with its unused actions removed: `None` when no
    /// action is left (the statement is dropped). Changes are recorded in `diff`. Only Allow
    /// statements with an `Action` element change.
    fn statement(
        &self,
        idx: usize,
        mut sj: Json,
        st: &Statement,
        diff: &mut Vec<StatementDiff>,
    ) -> Option<Json> {
        if st.effect != Effect::Allow || st.action.negated {
            return Some(sj);
        }
        let JsonValue::Object(entries) = &mut sj.value else {
            return Some(sj);
        };
        let Some((_, _, action)) = entries.iter_mut().find(|(k, _, _)| k == "Action") else {
            return Some(sj);
        };
        let (mut new_actions, removed, added) = self.actions(&action_strings(action));
        let mut seen = HashSet::new();
        new_actions.retain(|a| seen.insert(a.to_ascii_lowercase()));
        let dropped = new_actions.is_empty();
        if !removed.is_empty() || dropped {
            diff.push(StatementDiff {
                statement_index: idx,
                statement_id: st.sid.clone(),
                removed,
                added,
                dropped,
            });
        }
        if dropped {
            return None;
        }
        let off = action.offset;
        action.value = if new_actions.len() == 1 && matches!(action.value, JsonValue::String(_)) {
            JsonValue::String(new_actions.remove(0))
        } else {
            JsonValue::Array(
                new_actions
                    .into_iter()
                    .map(|s| Json {
                        offset: off,
                        value: JsonValue::String(s),
                    })
                    .collect(),
            )
        };
        Some(sj)
    }

    /// The statement's actions without the unused ones: `(kept, removed, added)`. An unused
    /// action name is removed; a wildcard that covers unused actions is replaced by the shortest
    /// safe CamelCase prefixes of the actions it covers that are used.
    fn actions(&self, originals: &[String]) -> (Vec<String>, Vec<String>, Vec<String>) {
        let catalog = self.catalog;
        let mut new_actions: Vec<String> = Vec::new();
        let mut removed = Vec::new();
        let mut added = Vec::new();
        for a in originals {
            let g = Glob::new_ci(a);
            if !g.has_wildcard() {
                if self.unused.contains(&a.to_ascii_lowercase()) {
                    removed.push(a.clone());
                } else {
                    new_actions.push(a.clone());
                }
                continue;
            }
            let covered: Vec<bool> = catalog.actions.iter().map(|x| g.matches(&x.name)).collect();
            let hits_unused = covered.iter().zip(&self.is_unused).any(|(c, u)| *c && *u);
            if !hits_unused {
                new_actions.push(a.clone());
                continue;
            }
            let wanted: Vec<bool> = covered
                .iter()
                .zip(&self.is_unused)
                .map(|(c, u)| *c && !*u)
                .collect();
            let repl = safe_prefixes(catalog, &wanted);
            removed.push(a.clone());
            for r in repl {
                added.push(r.clone());
                new_actions.push(r);
            }
        }
        (new_actions, removed, added)
    }
}

/// The strings of an `Action` element (one string or an array; other values are ignored).
fn action_strings(action: &Json) -> Vec<String> {
    match &action.value {
        JsonValue::String(s) => vec![s.clone()],
        JsonValue::Array(v) => v
            .iter()
            .filter_map(|x| {
                if let JsonValue::String(s) = &x.value {
                    Some(s.clone())
                } else {
                    None
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}
