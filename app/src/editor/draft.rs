//! Pure helpers of the grant editor, shared by the server and the browser: the editor's form
//! fields (`EditorDraft`) to and from an `authz::MatrixSpec`, and the preview of a draft against
//! the current grant (new access, removed access, guardrails, ceiling).

use crate::consent::api::CheckView;
use authz::consent::{GuardrailSpec, ReviewInput, review};
use authz::{AccessLevel, Catalog, CheckResult, MatrixSpec, Policy, parse_policy};
use charter_model::Marketplace;
use serde::{Deserialize, Serialize};

/// The query parameter (and form field) of the chosen cells: `cells[]=sp:Write`.
pub const CELLS_PARAM: &str = "cells[]";

/// The editor's fields as submitted (form post or preview query).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorDraft {
    /// `namespace:Level`, e.g. `sp:Write`.
    pub cells: Vec<String>,
    /// Resource patterns, one a line (commas also separate).
    pub resources: String,
    /// `YYYY-MM-DD` or empty.
    pub not_before: String,
    /// `YYYY-MM-DD` or empty.
    pub not_after: String,
    /// A decimal or empty.
    pub max_bid: String,
    pub note: String,
}

/// Everything the preview needs to know about the grant and the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewInputs {
    /// The account's marketplace.
    pub marketplace: Marketplace,
    /// The advertiser id, as it appears in resource patterns.
    pub account: String,
    /// The current version's effective policy (its own, or its purpose template).
    pub current_policy: Option<String>,
    pub template_policy: Option<String>,
    pub guardrails: Vec<GuardrailSpec>,
    pub ceiling_policy: Option<String>,
    /// The current time bounds as editor dates (`YYYY-MM-DD`), empty when unbounded.
    pub current_not_before: String,
    pub current_not_after: String,
}

/// A time bound that the draft changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundChange {
    pub field: String,
    pub before: String,
    pub after: String,
    /// The change gives access for longer than before.
    pub widens: bool,
}

/// The preview of a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// Why the draft does not make a policy; the other fields are empty then.
    pub error: Option<String>,
    /// The proposed policy, pretty JSON.
    pub policy_json: String,
    /// `check_no_new_access(current, proposed)`: FAIL lists the new access.
    pub new_access: Option<CheckView>,
    /// `check_no_new_access(proposed, current)`: FAIL lists the access taken away.
    pub removed: Option<CheckView>,
    /// Why saving is refused (guardrails, ceiling, proofs out of budget).
    pub blockers: Vec<String>,
    /// Added cells that spend money or manage permissions, as titles.
    pub big_changes: Vec<String>,
    pub bounds: Vec<BoundChange>,
}

/// `sp:Write` for a cell.
pub fn cell_key(namespace: &str, level: AccessLevel) -> String {
    format!("{namespace}:{}", level.name())
}

/// The cell of `sp:Write`, if the level is known.
pub fn parse_cell(key: &str) -> Option<(String, AccessLevel)> {
    let (ns, level) = key.trim().rsplit_once(':')?;
    let level = AccessLevel::ALL.into_iter().find(|l| l.name() == level)?;
    (!ns.is_empty()).then(|| (ns.to_string(), level))
}

/// The default data scope: the whole account.
pub fn default_resource(marketplace: Marketplace, account: &str) -> String {
    charter_model::arn::all_resources(marketplace, account)
}

/// An example of one resource of the account, for hints and errors.
pub fn example_resource(marketplace: Marketplace, account: &str) -> String {
    charter_model::arn::resource(marketplace, account, "campaign", "123")
}

/// Checks that a pattern names this account (and its marketplace, or `*`).
pub fn check_scope(pattern: &str, marketplace: Marketplace, account: &str) -> Result<(), String> {
    let example = example_resource(marketplace, account);
    let mut parts = pattern.splitn(5, ':');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("arn"), Some("ads"), Some(mp), Some(acct), Some(rest)) if !rest.is_empty() => {
            if acct != account {
                return Err(format!(
                    "`{pattern}` is for another account: this grant can only cover account {account} (for example `{example}`)"
                ));
            }
            let own = marketplace.arn_segment();
            if mp != own && mp != "*" {
                return Err(format!(
                    "`{pattern}` names marketplace `{mp}`, but this account is in `{own}`"
                ));
            }
            authz::matrix::check_resource(pattern)
        }
        _ => Err(format!(
            "`{pattern}` is not a resource of the form `{}:<resource>` (for example `{}` or `{example}`)",
            charter_model::arn::account(marketplace, account),
            default_resource(marketplace, account)
        )),
    }
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Splits the resources field: one pattern a line, commas also separate, blanks ignored.
pub fn resource_lines(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The matrix spec of a draft, after checking cells and data scope.
pub fn spec_of(
    draft: &EditorDraft,
    marketplace: Marketplace,
    account: &str,
) -> Result<MatrixSpec, String> {
    let mut cells = Vec::new();
    for c in &draft.cells {
        let cell = parse_cell(c).ok_or_else(|| {
            format!(
                "`{}` is not a capability of the matrix",
                c.chars().take(64).collect::<String>()
            )
        })?;
        if !cells.contains(&cell) {
            cells.push(cell);
        }
    }
    if cells.is_empty() {
        return Err(
            "Choose at least one capability. To take all access away, revoke the grant instead."
                .into(),
        );
    }
    let resources = resource_lines(&draft.resources);
    if resources.is_empty() {
        return Err(format!(
            "Choose at least one resource, for example `{}`.",
            default_resource(marketplace, account)
        ));
    }
    for r in &resources {
        check_scope(r, marketplace, account)?;
    }
    Ok(MatrixSpec {
        cells,
        resources,
        not_before: optional(&draft.not_before),
        not_after: optional(&draft.not_after),
        max_bid: optional(&draft.max_bid),
    })
}

/// The draft's fields as query pairs for a preview link (the inverse of [`draft_from_pairs`]).
pub fn draft_to_pairs(draft: &EditorDraft) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = draft
        .cells
        .iter()
        .map(|c| (CELLS_PARAM.to_string(), c.clone()))
        .collect();
    for (k, v) in [
        ("resources", &draft.resources),
        ("not_before", &draft.not_before),
        ("not_after", &draft.not_after),
        ("max_bid", &draft.max_bid),
        ("note", &draft.note),
    ] {
        out.push((k.to_string(), v.clone()));
    }
    out.push(("preview".into(), "1".into()));
    out
}

/// The draft of a preview query (`?preview=1&cells[]=…`), or `None` when the query is not a
/// preview. Unknown keys are ignored.
pub fn draft_from_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<EditorDraft> {
    let mut draft = EditorDraft::default();
    let mut preview = false;
    for (k, v) in pairs {
        match k {
            "preview" => preview = true,
            CELLS_PARAM | "cells" => draft.cells.push(v.to_string()),
            "resources" => draft.resources = v.to_string(),
            "not_before" => draft.not_before = v.to_string(),
            "not_after" => draft.not_after = v.to_string(),
            "max_bid" => draft.max_bid = v.to_string(),
            "note" => draft.note = v.to_string(),
            _ => {}
        }
    }
    preview.then_some(draft)
}

fn check_view(c: &CheckResult) -> CheckView {
    CheckView::from(c)
}

fn parse_opt(text: &Option<String>) -> Option<Policy> {
    text.as_deref().and_then(|t| parse_policy(t).ok())
}

/// The cells a policy allows fully, as `namespace:Level` keys.
pub fn full_cells(policy: Option<&Policy>) -> Vec<String> {
    policy
        .map(|p| {
            authz::matrix_of(p, Catalog::builtin())
                .into_iter()
                .filter(|c| c.coverage == authz::Coverage::Full)
                .map(|c| cell_key(&c.namespace, c.level))
                .collect()
        })
        .unwrap_or_default()
}

fn bound_changes(inputs: &PreviewInputs, draft: &EditorDraft) -> Vec<BoundChange> {
    use std::cmp::Ordering::{Greater, Less};
    // Each bound: its name, what empty means, the current and the drafted value, and the way
    // it moves when it gives access for longer. Dates as YYYY-MM-DD compare as text.
    [
        (
            "Valid from",
            "Immediately",
            inputs.current_not_before.as_str(),
            draft.not_before.trim(),
            Less,
        ),
        (
            "Expires after",
            "No expiry",
            inputs.current_not_after.as_str(),
            draft.not_after.trim(),
            Greater,
        ),
    ]
    .into_iter()
    .filter(|(_, _, current, drafted, _)| drafted != current)
    .map(|(field, none, current, drafted, longer)| {
        let show = |s: &str| if s.is_empty() { none } else { s }.to_string();
        BoundChange {
            field: field.into(),
            before: show(current),
            after: show(drafted),
            widens: !current.is_empty() && (drafted.is_empty() || drafted.cmp(current) == longer),
        }
    })
    .collect()
}

/// Builds the proposed policy of `draft` and compares it with the current version, exactly.
pub fn preview(inputs: &PreviewInputs, draft: &EditorDraft) -> Preview {
    let catalog = Catalog::builtin();
    let failed = |error: String| Preview {
        error: Some(error),
        policy_json: String::new(),
        new_access: None,
        removed: None,
        blockers: Vec::new(),
        big_changes: Vec::new(),
        bounds: Vec::new(),
    };
    let spec = match spec_of(draft, inputs.marketplace, &inputs.account) {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let (policy, policy_json) = match authz::policy_from_matrix(&spec, catalog) {
        Ok(p) => p,
        Err(e) => {
            let field = match e.path.as_str() {
                p if p.starts_with("$.resources") => "Data scope",
                "$.notBefore" => "Not before",
                "$.notAfter" => "Not after",
                "$.maxBid" => "Maximum bid",
                _ => "Capabilities",
            };
            return failed(format!("{field}: {}", e.message));
        }
    };
    let current = parse_opt(&inputs.current_policy);
    let template = parse_opt(&inputs.template_policy);
    let ceiling = parse_opt(&inputs.ceiling_policy);
    let r = review(
        ReviewInput {
            policy: &policy,
            requested: None,
            template: template.as_ref(),
            current: current.as_ref(),
            guardrails: &inputs.guardrails,
            ceiling: ceiling.as_ref(),
            raise_ceiling: false,
        },
        catalog,
    );
    let mut blockers = r.blockers.clone();
    if inputs.current_policy.is_some() && current.is_none() {
        blockers.push("the current version's policy could not be read".into());
    }
    let removed = current
        .as_ref()
        .and_then(|c| match authz::try_check_no_new_access(&policy, c) {
            Ok(res) => Some(check_view(&res)),
            Err(e) => {
                blockers.push(format!("removed access: {e}"));
                None
            }
        });
    let before = full_cells(current.as_ref());
    let big_changes = spec
        .cells
        .iter()
        .filter(|(ns, level)| {
            matches!(
                level,
                AccessLevel::Spend | AccessLevel::PermissionsManagement
            ) && !before.contains(&cell_key(ns, *level))
        })
        .map(|(ns, level)| authz::describe::group_title(ns, *level))
        .collect();
    Preview {
        error: None,
        policy_json,
        new_access: r.new_access.as_ref().map(check_view),
        removed,
        blockers,
        big_changes,
        bounds: bound_changes(inputs, draft),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADV: &str = "ADV1";

    fn inputs(current: Option<String>) -> PreviewInputs {
        PreviewInputs {
            marketplace: Marketplace::Us,
            account: ADV.into(),
            current_policy: current,
            template_policy: None,
            guardrails: vec![GuardrailSpec {
                id: "grd_1".into(),
                name: "No agent may touch billing".into(),
                actions: vec!["billing:*".into()],
                resources: vec!["*".into()],
            }],
            ceiling_policy: None,
            current_not_before: String::new(),
            current_not_after: "2030-01-31".into(),
        }
    }

    fn draft(cells: &[&str]) -> EditorDraft {
        EditorDraft {
            cells: cells.iter().map(|c| c.to_string()).collect(),
            resources: default_resource(Marketplace::Us, ADV),
            not_after: "2030-01-31".into(),
            ..EditorDraft::default()
        }
    }

    #[test]
    fn cells_round_trip() {
        for ns in ["sp", "billing", "account"] {
            for level in AccessLevel::ALL {
                assert_eq!(
                    parse_cell(&cell_key(ns, level)),
                    Some((ns.to_string(), level))
                );
            }
        }
        assert_eq!(parse_cell("sp:Delete"), None);
        assert_eq!(parse_cell(":Read"), None);
        assert_eq!(parse_cell("nocolon"), None);
    }

    #[test]
    fn query_pairs_round_trip() {
        let mut d = draft(&["sp:Write", "reports:Read"]);
        d.resources = "arn:ads:us:ADV1:campaign/1\narn:ads:us:ADV1:campaign/2".into();
        d.max_bid = "2.50".into();
        d.note = "tighten & go".into();
        let pairs = draft_to_pairs(&d);
        let back = draft_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, Some(d));
        assert_eq!(draft_from_pairs([("cells[]", "sp:Write")]), None);
    }

    #[test]
    fn spec_from_draft() {
        let mut d = draft(&["sp:Write", "sp:Write", "reports:Read"]);
        d.resources = " arn:ads:us:ADV1:campaign/123 , arn:ads:*:ADV1:*\n\n".into();
        let spec = spec_of(&d, Marketplace::Us, ADV).unwrap_or_default();
        assert_eq!(
            spec.cells,
            vec![
                ("sp".to_string(), AccessLevel::Write),
                ("reports".to_string(), AccessLevel::Read)
            ]
        );
        assert_eq!(
            spec.resources,
            vec!["arn:ads:us:ADV1:campaign/123", "arn:ads:*:ADV1:*"]
        );
        assert_eq!(spec.not_before, None);
        assert_eq!(spec.not_after.as_deref(), Some("2030-01-31"));
    }

    #[test]
    fn other_accounts_and_bad_patterns_are_refused() {
        let e = check_scope("arn:ads:us:ADV2:*", Marketplace::Us, ADV).unwrap_err();
        assert!(e.contains("another account"), "{e}");
        assert!(check_scope("arn:ads:de:ADV1:*", Marketplace::Us, ADV).is_err());
        assert!(check_scope("arn:ads:us:ADV1", Marketplace::Us, ADV).is_err());
        assert!(check_scope("*", Marketplace::Us, ADV).is_err());
        assert!(check_scope("arn:ads:us:ADV1:campaign/1", Marketplace::Us, ADV).is_ok());
        let mut d = draft(&["sp:Read"]);
        d.resources = "arn:ads:us:OTHER:*".into();
        assert!(spec_of(&d, Marketplace::Us, ADV).is_err());
        assert!(spec_of(&draft(&[]), Marketplace::Us, ADV).is_err());
    }

    #[test]
    fn preview_names_new_and_removed_access_and_guardrails() {
        let current = authz::policy_from_matrix(
            &spec_of(&draft(&["sp:Read", "sp:List"]), Marketplace::Us, ADV).unwrap_or_default(),
            Catalog::builtin(),
        )
        .map(|(_, text)| text)
        .ok();
        let inputs = inputs(current);
        // Unchanged: nothing new, nothing removed, no blockers.
        let same = preview(&inputs, &draft(&["sp:List", "sp:Read"]));
        assert_eq!(same.error, None);
        assert!(same.new_access.as_ref().is_some_and(|c| c.passed));
        assert!(same.removed.as_ref().is_some_and(|c| c.passed));
        assert!(same.blockers.is_empty());
        assert!(same.bounds.is_empty());
        // One cell removed, billing added: both directions fail, the guardrail blocks.
        let p = preview(&inputs, &draft(&["sp:List", "billing:Read"]));
        assert!(p.new_access.as_ref().is_some_and(|c| !c.passed));
        assert!(p.removed.as_ref().is_some_and(|c| !c.passed));
        assert!(
            p.blockers
                .iter()
                .any(|b| b.contains("No agent may touch billing")),
            "{:?}",
            p.blockers
        );
        // Spending is a big change; dropping the expiry widens access.
        let mut d = draft(&["sp:List", "sp:Spend"]);
        d.not_after.clear();
        let p = preview(&inputs, &d);
        assert_eq!(p.big_changes, vec!["Sponsored Products — spend money"]);
        assert!(p.bounds.iter().any(|b| b.widens));
    }
}
