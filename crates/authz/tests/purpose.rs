//! Purpose templates: each parses, validates without ERROR findings, uses only catalog actions,
//! grants exactly its listed actions within its account, and templates for different accounts
//! or marketplaces share no request (checked with the analyzer).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use authz::analyze::{Analyzer, Encoder, Solver, and};
use authz::purpose::{allowed_namespaces, purpose, purposes, template, template_json};
use authz::validate::{Level, validate};
use authz::{AccessLevel, Catalog, Request, Verdict, capabilities, is_allowed, parse_policy};

const CODES: [&str; 8] = [
    "reporting",
    "bid_optimization",
    "budget_pacing",
    "campaign_launch",
    "keyword_research",
    "creative_rotation",
    "audience_insights",
    "billing_reconciliation",
];

#[test]
fn the_purpose_codes_are_exactly_these() {
    let codes: Vec<&str> = purposes().iter().map(|p| p.code).collect();
    assert_eq!(codes, CODES);
    for p in purposes() {
        assert!(!p.title.is_empty() && !p.description.is_empty());
        assert!(!p.description.contains('\n'), "one line: {}", p.code);
    }
    assert!(purpose("spam").is_none());
    assert!(template("spam", "us", "ADV1").is_none());
}

#[test]
fn templates_are_valid_minimal_and_scoped() {
    let c = Catalog::builtin();
    for info in purposes() {
        let code = info.code;
        let text = template_json(code, "us", "ADV1").unwrap_or_else(|| panic!("{code}"));
        let p = parse_policy(&text).unwrap_or_else(|e| panic!("{code}: {e}\n{text}"));
        assert_eq!(template(code, "us", "ADV1").as_ref(), Some(&p));
        // Validates without ERROR findings.
        let errors: Vec<_> = validate(&p, c)
            .into_iter()
            .filter(|f| f.level == Level::Error)
            .collect();
        assert!(errors.is_empty(), "{code}: {errors:?}");
        // Only catalog actions, no duplicates, no wildcards.
        let mut seen = BTreeSet::new();
        for a in info.actions {
            assert!(c.contains(a), "{code}: `{a}` is not in the catalog");
            assert!(seen.insert(*a), "{code}: `{a}` twice");
        }
        for s in &p.statements {
            assert!(!s.action.negated);
            assert!(s.action.patterns.iter().all(|g| !g.has_wildcard()));
            let res: Vec<&str> = s.resource.patterns.iter().map(|g| g.as_str()).collect();
            assert_eq!(res, ["arn:ads:us:ADV1:*"], "{code}");
        }
        // It allows exactly its actions, on its account only.
        for a in &c.actions {
            let listed = info.actions.contains(&a.name.as_str());
            let mine = Request::new("agt_1", &a.name, "arn:ads:us:ADV1:campaign/1");
            assert_eq!(is_allowed(&[&p], &mine), listed, "{code}: {}", a.name);
            for other in [
                "arn:ads:us:ADV2:campaign/1",
                "arn:ads:uk:ADV1:campaign/1",
                "arn:ads:us:ADV12:campaign/1",
                "arn:ads:us:ADV1",
            ] {
                let r = Request::new("agt_1", &a.name, other);
                assert!(!is_allowed(&[&p], &r), "{code}: {} on {other}", a.name);
            }
        }
        let described: BTreeSet<String> = capabilities(&p, c)
            .into_iter()
            .flat_map(|g| g.actions)
            .collect();
        let listed: BTreeSet<String> = info.actions.iter().map(|a| a.to_string()).collect();
        assert_eq!(described, listed, "{code}");
        // Minimal: never manages permissions, deletes, or pays.
        for a in info.actions {
            let action = c.get(a).unwrap_or_else(|| panic!("{a}"));
            assert_ne!(
                action.access_level,
                AccessLevel::PermissionsManagement,
                "{a}"
            );
            assert!(!a.contains(":Delete") && !a.contains(":Pay"), "{a}");
        }
        // Namespaces.
        let ns: BTreeSet<&str> = info
            .actions
            .iter()
            .filter_map(|a| a.split(':').next())
            .collect();
        assert_eq!(
            allowed_namespaces(code),
            Some(ns.into_iter().collect::<Vec<_>>())
        );
    }
    assert_eq!(
        allowed_namespaces("billing_reconciliation"),
        Some(vec!["billing"])
    );
    assert_eq!(allowed_namespaces("nope"), None);
}

#[test]
fn purposes_match_their_intent() {
    let c = Catalog::builtin();
    let levels = |code: &str| -> BTreeSet<AccessLevel> {
        purpose(code)
            .map(|p| p.actions)
            .unwrap_or_default()
            .iter()
            .filter_map(|a| c.get(a).map(|x| x.access_level))
            .collect()
    };
    let read_only: BTreeSet<AccessLevel> = [AccessLevel::List, AccessLevel::Read].into();
    assert_eq!(levels("billing_reconciliation"), read_only);
    assert_eq!(levels("keyword_research"), read_only);
    assert_eq!(levels("audience_insights"), read_only);
    assert!(levels("reporting").iter().all(|l| *l <= AccessLevel::Write));
    let bids = purpose("bid_optimization")
        .map(|p| p.actions)
        .unwrap_or_default();
    assert!(bids.contains(&"sp:UpdateKeywordBid") && bids.contains(&"sp:UpdateTargetBid"));
    assert!(!bids.iter().any(|a| a.contains("Budget")), "bids only");
    let budgets = purpose("budget_pacing")
        .map(|p| p.actions)
        .unwrap_or_default();
    assert!(budgets.iter().all(|a| !a.contains("Bid")), "budgets only");
    let launch = levels("campaign_launch");
    assert!(launch.contains(&AccessLevel::Write) && !launch.contains(&AccessLevel::Spend));
}

#[test]
fn templates_for_different_accounts_are_disjoint() {
    let an = Analyzer::default();
    for code in CODES {
        let a = template(code, "us", "ADV1").unwrap_or_else(|| panic!("{code}"));
        for (mp, acct) in [("us", "ADV2"), ("uk", "ADV1"), ("us", "ADV12"), ("de", "A")] {
            let b = template(code, mp, acct).unwrap_or_else(|| panic!("{code}"));
            // Each grants something the other does not, in both directions.
            for (x, y) in [(&a, &b), (&b, &a)] {
                let r = an
                    .try_check_no_new_access(x, y)
                    .unwrap_or_else(|e| panic!("{code}: {e}"));
                assert_eq!(r.result, Verdict::Fail, "{code} {mp}:{acct}");
                for reason in &r.reasons {
                    let req = reason.example.to_request();
                    assert!(is_allowed(&[y], &req) && !is_allowed(&[x], &req));
                }
                assert_eq!(authz::try_is_subset(y, x), Ok(false));
            }
            // Stronger: no request is allowed by both.
            let mut enc = Encoder::default();
            let fa = enc.allows(&a);
            let fb = enc.allows(&b);
            let mut s = Solver::with_budget(&enc, authz::Budget::DEFAULT);
            assert_eq!(
                s.try_sat(&and(vec![fa, fb])),
                Ok(false),
                "{code} {mp}:{acct}"
            );
        }
        // The same account twice: equivalent.
        let again = template(code, "us", "ADV1").unwrap_or_else(|| panic!("{code}"));
        assert_eq!(authz::try_equivalent(&a, &again), Ok(true));
    }
}

#[test]
fn invalid_marketplaces_and_accounts_are_refused() {
    for (mp, acct) in [
        ("US", "ADV1"),
        ("u", "ADV1"),
        ("*", "ADV1"),
        ("us", ""),
        ("us", "*"),
        ("us", "ADV1:*"),
        ("us", "AD V1"),
        ("us", "ADV\"1"),
        ("us", "ADV?"),
        ("us:x", "ADV1"),
    ] {
        assert!(
            template_json("reporting", mp, acct).is_none(),
            "{mp:?} {acct:?}"
        );
    }
    let text = template_json("billing_reconciliation", "de", "A-1_b").unwrap_or_default();
    assert!(
        text.contains("\"Resource\": \"arn:ads:de:A-1_b:*\""),
        "{text}"
    );
    assert!(text.contains("\"Id\": \"charter-purpose-billing_reconciliation\""));
    assert!(
        text.starts_with("{\n  \"Version\": \"2012-10-17\","),
        "{text}"
    );
}
