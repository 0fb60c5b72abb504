//! `authz::describe`: the listed actions are exact with respect to action patterns (checked
//! against the evaluator on many random policies), and the output has the documented shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use authz::describe::{allowed_actions, capabilities};
use authz::{AccessLevel, Catalog, Request, is_allowed, parse_policy};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// An action pattern over the catalog: a name (in any case), `*`, a namespace, a cut prefix,
/// a suffix or a `?` pattern.
fn pattern(rng: &mut Rng, c: &Catalog) -> String {
    let a = &c.actions[rng.below(c.actions.len())].name;
    match rng.below(8) {
        0 => a.clone(),
        1 => a.to_ascii_uppercase(),
        2 => "*".into(),
        3 => format!("{}:*", a.split(':').next().unwrap_or("")),
        4 => format!("*{}", &a[a.len() - 1 - rng.below(6)..]),
        5 => a.replacen(|ch: char| ch.is_ascii_lowercase(), "?", 2),
        _ => format!("{}*", &a[..1 + rng.below(a.len() - 1)]),
    }
}

fn list(rng: &mut Rng, c: &Catalog) -> String {
    let items: Vec<String> = (0..1 + rng.below(3))
        .map(|_| format!("\"{}\"", pattern(rng, c)))
        .collect();
    format!("[{}]", items.join(","))
}

/// Random policies in which the evaluator is a precise oracle for "listed": Allow statements
/// apply to every resource; a Deny either removes its actions everywhere or only applies under
/// a condition that the probe request leaves false (`ads:Mfa` is missing), to another principal
/// or to other resources.
#[test]
fn listed_actions_are_exact() {
    let c = Catalog::builtin();
    let mut rng = Rng(0xDE5C);
    let mut checked = 0usize;
    for case in 0..600 {
        let mut stmts = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let key = if rng.chance(25) {
                "NotAction"
            } else {
                "Action"
            };
            stmts.push(format!(
                r#"{{"Effect":"Allow","{key}":{},"Resource":"*"}}"#,
                list(&mut rng, c)
            ));
        }
        for _ in 0..rng.below(3) {
            let key = if rng.chance(20) {
                "NotAction"
            } else {
                "Action"
            };
            let limit = match rng.below(4) {
                0 => r#","Resource":"*""#.to_string(),
                1 => r#","Resource":"*","Condition":{"Bool":{"ads:Mfa":"true"}}"#.to_string(),
                2 => r#","Resource":"arn:ads:uk:*""#.to_string(),
                _ => r#","Principal":{"Partner":"*"},"Resource":"*""#.to_string(),
            };
            stmts.push(format!(
                r#"{{"Effect":"Deny","{key}":{}{limit}}}"#,
                list(&mut rng, c)
            ));
        }
        let src = format!(r#"{{"Statement":[{}]}}"#, stmts.join(","));
        let p = parse_policy(&src).unwrap_or_else(|e| panic!("{e}: {src}"));
        let listed = allowed_actions(&p, c);
        let groups = capabilities(&p, c);
        let in_groups: BTreeSet<&str> = groups
            .iter()
            .flat_map(|g| g.actions.iter().map(String::as_str))
            .collect();
        for (i, a) in c.actions.iter().enumerate() {
            // The probe: a principal without kind, a `us` resource, no context.
            let probe = Request::new("agt_1", &a.name, "arn:ads:us:ADV1:campaign/1");
            let want = is_allowed(&[&p], &probe);
            assert_eq!(listed[i], want, "case {case}: {}\n{src}", a.name);
            assert_eq!(in_groups.contains(a.name.as_str()), want, "case {case}");
            checked += 1;
        }
        // Groups: sorted, one per (namespace, level), consistent counts.
        let keys: Vec<(&str, AccessLevel)> = groups
            .iter()
            .map(|g| (g.namespace.as_str(), g.level))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(keys, sorted, "case {case}");
        for g in &groups {
            let total = c
                .actions
                .iter()
                .filter(|a| a.namespace() == g.namespace && a.access_level == g.level)
                .count();
            assert_eq!(g.total_actions, total);
            assert_eq!(g.all_actions, g.actions.len() == total);
            assert!(!g.actions.is_empty() && !g.statements.is_empty());
            let granted: BTreeSet<&str> = g
                .grants
                .iter()
                .flat_map(|x| x.actions.iter().map(String::as_str))
                .collect();
            let listed: BTreeSet<&str> = g.actions.iter().map(String::as_str).collect();
            assert_eq!(granted, listed, "every listed action has a grant");
        }
    }
    assert!(checked >= 600 * 180);
}

#[test]
fn serializes_for_the_ui() {
    let p = parse_policy(
        r#"{"Statement":[
        {"Sid":"Bids","Effect":"Allow","Action":"sp:UpdateKeywordBid","Resource":"arn:ads:us:ADV1:keyword/*","Condition":{"NumericLessThanEquals":{"ads:BidAmount":"5"},"DateLessThan":{"ads:CurrentTime":"2026-12-31"}}},
        {"Sid":"List","Effect":"Allow","Action":"sp:UpdateKeywordBid","Resource":"*"},
        {"Sid":"NoUk","Effect":"Deny","Action":"sp:Update*","Resource":"arn:ads:uk:*"}
    ]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let groups = capabilities(&p, Catalog::builtin());
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(g.title, "Sponsored Products — spend money");
    assert_eq!(g.resources, ["arn:ads:us:ADV1:keyword/*", "any resource"]);
    assert_eq!(
        g.conditions,
        ["only when ads:BidAmount ≤ 5", "only before 2026-12-31"]
    );
    assert!(g.unconditional, "statement 1 grants it without conditions");
    assert!(g.commits_money && g.partly_denied);
    let v = serde_json::to_value(g).unwrap_or_default();
    assert_eq!(v["namespace"], "sp");
    assert_eq!(v["namespaceTitle"], "Sponsored Products");
    assert_eq!(v["level"], "Spend");
    assert_eq!(v["levelWords"], "spend money");
    assert_eq!(v["allActions"], false);
    assert_eq!(v["totalActions"], 5);
    assert_eq!(v["partlyDenied"], true);
    assert_eq!(v["deniedBy"][0]["index"], 2);
    assert_eq!(v["deniedBy"][0]["sid"], "NoUk");
    assert_eq!(v["statements"][1]["sid"], "List");
    assert_eq!(v["grants"][0]["conditions"][1], "only before 2026-12-31");
    let t = serde_json::to_value(authz::describe_time_bounds(&p)).unwrap_or_default();
    assert_eq!(t["text"], "no time limits");
    assert!(t["notAfter"].is_null());
}
