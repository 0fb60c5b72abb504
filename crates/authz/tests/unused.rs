//! Unused access and the one-click least-privilege rewrite: data-driven cases, each checked
//! exactly (granted and unused sets) and with the proof that the rewrite grants nothing new.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use authz::Catalog;
use authz::unused::unused_access;
use std::collections::HashSet;

const ACCT: &str = "arn:ads:us:adv_01J9ZX6Q0F8R7M3T2K1V5W4Y6B";

fn policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// `check(policy, used, expect_unused_by_namespace, expect_recommendation)`.
fn check(src: &str, used: &[&str], unused: &[(&str, &[&str])], recommends: bool) {
    let catalog = Catalog::builtin();
    let used: HashSet<String> = used.iter().map(|s| s.to_string()).collect();
    let found = unused_access(src, &used, catalog).unwrap();
    for (ns, actions) in unused {
        let group = found
            .by_namespace
            .iter()
            .find(|g| g.namespace == *ns)
            .unwrap_or_else(|| panic!("no group `{ns}` in {found:#?}"));
        let mut got = group.unused.clone();
        got.sort();
        let mut want: Vec<String> = actions.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "unused in `{ns}`");
    }
    let total_unused: usize = found.by_namespace.iter().map(|g| g.unused.len()).sum();
    assert_eq!(found.granted, found.used + total_unused);
    match (&found.recommendation, recommends) {
        (Some(r), true) => {
            assert!(r.no_new_access.passed(), "{:#?}", r.no_new_access);
            assert_eq!(
                r.granted_after, found.used,
                "the rewrite keeps exactly what was used"
            );
            // Every used action is still allowed by the new policy; every unused one is not.
            let new = authz::parse_policy(&r.policy).unwrap();
            let granted = authz::describe::allowed_actions(&new, catalog);
            for (a, g) in catalog.actions.iter().zip(granted) {
                if used.iter().any(|u| u.eq_ignore_ascii_case(&a.name)) {
                    assert!(g, "`{}` was used and must stay", a.name);
                }
            }
        }
        (None, false) => {}
        (r, want) => panic!("recommendation {r:?}, expected one: {want}"),
    }
}

#[test]
fn unused_actions_are_found_and_dropped_with_proof() {
    // A wildcard on reads, of which only two were used.
    check(
        &policy(&format!(
            r#"{{"Sid":"Read","Effect":"Allow","Action":["sp:GetCampaign","sp:ListCampaigns","sp:GetKeyword"],"Resource":"{ACCT}:*"}}"#
        )),
        &["sp:GetCampaign", "sp:ListCampaigns"],
        &[("sp", &["sp:GetKeyword"])],
        true,
    );
    // Everything used: nothing to recommend.
    check(
        &policy(&format!(
            r#"{{"Sid":"Bids","Effect":"Allow","Action":"sp:UpdateKeywordBid","Resource":"{ACCT}:keyword/*"}}"#
        )),
        &["sp:UpdateKeywordBid"],
        &[("sp", &[])],
        false,
    );
    // Letter case of the used names does not matter.
    check(
        &policy(&format!(
            r#"{{"Sid":"Bids","Effect":"Allow","Action":"sp:UpdateKeywordBid","Resource":"{ACCT}:keyword/*"}}"#
        )),
        &["SP:updatekeywordbid"],
        &[("sp", &[])],
        false,
    );
}

#[test]
fn wildcards_become_shortest_safe_prefixes() {
    let catalog = Catalog::builtin();
    let src = policy(&format!(
        r#"{{"Sid":"Reports","Effect":"Allow","Action":"reports:*","Resource":"{ACCT}:*"}},{{"Sid":"Sp","Effect":"Allow","Action":"sp:Get*","Resource":"{ACCT}:*"}}"#
    ));
    let used: HashSet<String> = [
        "reports:GetReport",
        "reports:GetReportStatus",
        "sp:GetCampaign",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let found = unused_access(&src, &used, catalog).unwrap();
    let r = found.recommendation.expect("a recommendation");
    assert!(r.no_new_access.passed());
    assert_eq!(r.granted_after, 3);
    // `reports:GetReport*` covers both used report actions: the shortest safe prefix.
    assert!(r.policy.contains("reports:GetReport"), "{}", r.policy);
    assert!(!r.policy.contains("reports:*"), "{}", r.policy);
    let sp = found
        .by_namespace
        .iter()
        .find(|g| g.namespace == "sp")
        .unwrap();
    assert_eq!(sp.used, vec!["sp:GetCampaign".to_string()]);
    assert!(sp.unused.len() > 5, "{:?}", sp.unused);
}

#[test]
fn nothing_used_drops_every_statement_and_bad_policies_are_errors() {
    let catalog = Catalog::builtin();
    let src = policy(&format!(
        r#"{{"Sid":"Read","Effect":"Allow","Action":"sp:GetCampaign","Resource":"{ACCT}:*"}}"#
    ));
    let found = unused_access(&src, &HashSet::new(), catalog).unwrap();
    let r = found.recommendation.unwrap();
    assert_eq!(r.granted_after, 0);
    assert!(r.no_new_access.passed());
    let err = unused_access("{\"Statement\": 3}", &HashSet::new(), catalog).unwrap_err();
    assert!(err.to_string().contains("invalid"), "{err}");
}
