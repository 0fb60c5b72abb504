//! The action catalog: built-in Amazon-Ads-API-shaped actions, or one loaded from a JSON array
//! of names (parsed from a string; no IO).

use std::collections::HashMap;

use crate::json::{self, JsonValue};
use crate::policy::PolicyError;

mod builtin;

/// Access level of an action. Levels are ordered from the least to the most powerful.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum AccessLevel {
    /// Lists resources.
    List,
    /// Reads a resource.
    Read,
    /// Changes a resource.
    Write,
    /// Commits money (budgets, bids, payments).
    Spend,
    /// Changes who may do what.
    PermissionsManagement,
}

impl AccessLevel {
    /// Every level, in order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::Spend,
        AccessLevel::PermissionsManagement,
    ];

    /// Plain words for a consent screen: `list`, `read`, `change`, `spend money`,
    /// `manage permissions`.
    pub fn words(self) -> &'static str {
        match self {
            AccessLevel::List => "list",
            AccessLevel::Read => "read",
            AccessLevel::Write => "change",
            AccessLevel::Spend => "spend money",
            AccessLevel::PermissionsManagement => "manage permissions",
        }
    }

    /// The name as serialized (`List`, …, `PermissionsManagement`).
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::Spend => "Spend",
            AccessLevel::PermissionsManagement => "PermissionsManagement",
        }
    }
}

/// One catalog action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// `namespace:ActionName` in CamelCase.
    pub name: String,
    /// The action's access level.
    pub access_level: AccessLevel,
    /// The kind of resource it acts on, e.g. `Campaign`.
    pub resource_type: String,
    /// True when the action can commit money (a bid or a budget, for instance).
    pub commits_money: bool,
}

/// A set of actions, looked up case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The actions, in catalog order.
    pub actions: Vec<Action>,
    index: HashMap<String, usize>,
    /// Lower-cased names, by action index.
    pub(crate) lower: Vec<String>,
    /// (lower-cased name, action index), sorted: names under a prefix form one range.
    pub(crate) sorted: Vec<(String, usize)>,
}

impl Catalog {
    /// A catalog of `actions`, indexed by lower-cased name.
    pub fn new(actions: Vec<Action>) -> Catalog {
        let index = actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
            .collect();
        let lower: Vec<String> = actions
            .iter()
            .map(|a| a.name.to_ascii_lowercase())
            .collect();
        let mut sorted: Vec<(String, usize)> = lower.iter().cloned().zip(0..).collect();
        sorted.sort_unstable();
        Catalog {
            actions,
            index,
            lower,
            sorted,
        }
    }
    /// Loads a catalog from a JSON array of action names. Levels and resource types are inferred
    /// from the verb (`List…` → List, `Get…`/`Describe…`/`Download…` → Read, verbs that pay or bid →
    /// Spend, otherwise Write); such actions never commit money unless their level is Spend.
    pub fn from_json(src: &str) -> Result<Catalog, PolicyError> {
        let err = |path: String, offset: usize, message: String| {
            PolicyError::at(src, path, offset, message)
        };
        let doc = json::parse(src).map_err(|e| err("$".into(), e.offset, e.message))?;
        let JsonValue::Array(items) = &doc.value else {
            return Err(err(
                "$".into(),
                doc.offset,
                "expected an array of action names".into(),
            ));
        };
        let mut actions = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, it) in items.iter().enumerate() {
            let JsonValue::String(name) = &it.value else {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    "expected a string".into(),
                ));
            };
            let Some((ns, act)) = name.split_once(':') else {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    format!("`{name}` is not of the form `namespace:Action`"),
                ));
            };
            if ns.is_empty() || act.is_empty() || name.contains(['*', '?']) {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    format!("`{name}` is not of the form `namespace:Action`"),
                ));
            }
            if !seen.insert(name.to_ascii_lowercase()) {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    format!("duplicate action `{name}`"),
                ));
            }
            let words = camel_words(act);
            let verb = words.first().copied().unwrap_or_default();
            let level = match verb {
                "List" => AccessLevel::List,
                "Get" | "Describe" | "Download" | "Read" => AccessLevel::Read,
                "Pay" | "Bid" | "Spend" | "Purchase" => AccessLevel::Spend,
                _ if act.ends_with("Budget") || act.ends_with("Bid") => AccessLevel::Spend,
                _ => AccessLevel::Write,
            };
            let resource_type = words.get(1..).map(|w| w.concat()).unwrap_or_default();
            actions.push(Action {
                name: name.clone(),
                access_level: level,
                resource_type,
                commits_money: level == AccessLevel::Spend,
            });
        }
        Ok(Catalog::new(actions))
    }

    /// Looks an action up case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Action> {
        self.index
            .get(&name.to_ascii_lowercase())
            .and_then(|i| self.actions.get(*i))
    }

    /// True when the catalog has the action (case-insensitively).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The distinct namespaces (`sp` of `sp:GetCampaign`), sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.actions.iter().map(|a| a.namespace()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Action {
    /// The namespace: the part of the name before `:`.
    pub fn namespace(&self) -> &str {
        self.name.split_once(':').map_or("", |(ns, _)| ns)
    }
}

/// Splits a CamelCase name into words: `GetBucketPolicy` → `Get`, `Bucket`, `Policy`;
/// `DSPOrder` → `DSP`, `Order`. Digits stay with the preceding word.
pub fn camel_words(s: &str) -> Vec<&str> {
    let b: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..b.len() {
        let (i, c) = b[k];
        let prev = b[k - 1].1;
        let next = b.get(k + 1).map(|x| x.1);
        let boundary = c.is_uppercase()
            && (prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next.is_some_and(char::is_lowercase)));
        if boundary {
            out.push(&s[start..i]);
            start = i;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests;
