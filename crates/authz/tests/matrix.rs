//! `authz::matrix`: `matrix_of(policy_from_matrix(spec))` marks exactly the chosen cells Full
//! (and every other cell None) for many random specs; the generated policies validate, mean what
//! the spec says at evaluation time, and bad specs are refused with the field's path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use authz::matrix::{BID_KEY, check_resource};
use authz::validate::{Level, validate};
use authz::{
    AccessLevel, Catalog, Coverage, MatrixSpec, Request, capabilities, describe_time_bounds,
    is_allowed, matrix_of, parse_policy, policy_from_matrix,
};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn all_cells(c: &Catalog) -> Vec<(String, AccessLevel)> {
    let mut cells: Vec<(String, AccessLevel)> = c
        .actions
        .iter()
        .map(|a| (a.namespace().to_string(), a.access_level))
        .collect();
    cells.sort();
    cells.dedup();
    cells
}

#[test]
fn round_trip_marks_exactly_the_chosen_cells() {
    let c = Catalog::builtin();
    let cells = all_cells(c);
    let mut rng = Rng(0x3A7);
    for case in 0..150 {
        let chosen: Vec<(String, AccessLevel)> = match case {
            0 => Vec::new(),
            1 => cells.clone(),
            _ => cells.iter().filter(|_| rng.chance(20)).cloned().collect(),
        };
        let spec = MatrixSpec {
            // Duplicates and order do not matter.
            cells: chosen.iter().rev().chain(chosen.first()).cloned().collect(),
            resources: match rng.below(3) {
                0 => vec!["arn:ads:us:ADV1:*".into()],
                1 => vec![
                    "arn:ads:us:ADV1:campaign/12".into(),
                    "arn:ads:us:ADV1:keyword/*".into(),
                ],
                _ => vec!["arn:ads:*:ADV1:*".into()],
            },
            not_before: rng.chance(50).then(|| "2026-01-01".into()),
            not_after: rng.chance(50).then(|| "2026-12-31T23:59:59Z".into()),
            max_bid: rng.chance(50).then(|| "2.50".into()),
        };
        let (policy, text) =
            policy_from_matrix(&spec, c).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert_eq!(parse_policy(&text).as_ref(), Ok(&policy));
        let want: BTreeSet<(String, AccessLevel)> = chosen.iter().cloned().collect();
        let m = matrix_of(&policy, c);
        assert_eq!(m.len(), cells.len(), "every catalog cell is reported");
        for cell in &m {
            let key = (cell.namespace.clone(), cell.level);
            let expected = if want.contains(&key) {
                Coverage::Full
            } else {
                Coverage::None
            };
            assert_eq!(cell.coverage, expected, "case {case}: {key:?}\n{text}");
        }
        // The consent screen agrees: exactly the chosen groups, each complete.
        let groups = capabilities(&policy, c);
        let described: BTreeSet<(String, AccessLevel)> = groups
            .iter()
            .map(|g| (g.namespace.clone(), g.level))
            .collect();
        assert_eq!(described, want);
        assert!(groups.iter().all(|g| g.all_actions));
        let errors: Vec<_> = validate(&policy, c)
            .into_iter()
            .filter(|f| f.level == Level::Error)
            .collect();
        assert!(errors.is_empty(), "case {case}: {errors:?}");
    }
}

#[test]
fn the_policy_means_what_the_spec_says() {
    let c = Catalog::builtin();
    let spec = MatrixSpec {
        cells: vec![
            ("sp".into(), AccessLevel::Write),
            ("sp".into(), AccessLevel::Spend),
            ("reports".into(), AccessLevel::Read),
        ],
        resources: vec!["arn:ads:us:ADV1:*".into()],
        not_before: Some("2026-01-01".into()),
        not_after: Some("2026-12-31".into()),
        max_bid: Some("05.50".into()),
    };
    let (p, text) = policy_from_matrix(&spec, c).unwrap_or_else(|e| panic!("{e}"));
    // Write splits into the plain actions and the capped money actions; Spend is all money.
    let sids: Vec<&str> = p
        .statements
        .iter()
        .filter_map(|s| s.sid.as_deref())
        .collect();
    assert_eq!(sids, ["ReportsRead", "SpWrite", "SpWriteCapped", "SpSpend"]);
    assert!(text.contains("\"ads:BidAmount\": \"5.5\""), "{text}");
    assert!(text.contains("\"DateLessThan\": {\n"), "{text}");
    assert!(
        text.contains("\"ads:CurrentTime\": \"2027-01-01\""),
        "{text}"
    );
    assert_eq!(
        describe_time_bounds(&p).text,
        "only from 2026-01-01 and before 2027-01-01"
    );
    let at = |action: &str, resource: &str, when: &str, bid: Option<&str>| {
        let mut r = Request::new("agt_1", action, resource).with("ads:CurrentTime", when);
        if let Some(b) = bid {
            r = r.with(BID_KEY, b);
        }
        is_allowed(&[&p], &r)
    };
    let kw = "arn:ads:us:ADV1:keyword/7";
    assert!(at("sp:UpdateKeywordBid", kw, "2026-06-01", Some("5.50")));
    assert!(!at("sp:UpdateKeywordBid", kw, "2026-06-01", Some("5.51")));
    assert!(
        !at("sp:UpdateKeywordBid", kw, "2026-06-01", None),
        "fail closed"
    );
    assert!(
        at("sp:CreateAdGroups", kw, "2026-06-01", None),
        "no cap on plain writes"
    );
    assert!(
        !at("sp:CreateCampaigns", kw, "2026-06-01", None),
        "money writes are capped"
    );
    // Creating a keyword or target sets a bid: the cap covers it like a bid change.
    assert!(at("sp:CreateKeywords", kw, "2026-06-01", Some("5.50")));
    assert!(!at("sp:CreateKeywords", kw, "2026-06-01", Some("5.51")));
    assert!(!at("sp:CreateTargets", kw, "2026-06-01", Some("9")));
    assert!(at("sp:CreateAdGroups", kw, "2026-01-01", None));
    assert!(!at("sp:CreateAdGroups", kw, "2025-12-31T23:59:59Z", None));
    assert!(
        at("sp:CreateAdGroups", kw, "2026-12-31T23:59:59Z", None),
        "through that day"
    );
    assert!(!at("sp:CreateAdGroups", kw, "2027-01-01", None));
    assert!(!at(
        "sp:CreateAdGroups",
        "arn:ads:us:ADV2:keyword/7",
        "2026-06-01",
        None
    ));
    assert!(
        !at("sp:ListCampaigns", kw, "2026-06-01", None),
        "List was not chosen"
    );
    assert!(at(
        "reports:GetReport",
        "arn:ads:us:ADV1:report/1",
        "2026-06-01",
        None
    ));
    // An inclusive RFC 3339 end.
    let spec = MatrixSpec {
        not_after: Some("2026-06-30T12:00:00Z".into()),
        max_bid: None,
        ..spec
    };
    let (p, _) = policy_from_matrix(&spec, c).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        describe_time_bounds(&p).text,
        "only from 2026-01-01 and until 2026-06-30T12:00:00Z"
    );
    let r = |t: &str| {
        Request::new("a", "sp:CreateCampaigns", "arn:ads:us:ADV1:c").with("ads:CurrentTime", t)
    };
    assert!(is_allowed(&[&p], &r("2026-06-30T12:00:00Z")));
    assert!(!is_allowed(&[&p], &r("2026-06-30T12:00:01Z")));
}

#[test]
fn partial_and_full_cells_of_any_policy() {
    let p = parse_policy(
        r#"{"Statement":[
        {"Effect":"Allow","Action":["sp:Get*","sp:List*","billing:ListInvoices"],"Resource":"*"},
        {"Effect":"Deny","Action":"sp:ListBudgetRules","Resource":"*"}
    ]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let m = matrix_of(&p, Catalog::builtin());
    let get = |ns: &str, l: AccessLevel| {
        m.iter()
            .find(|c| c.namespace == ns && c.level == l)
            .map(|c| (c.coverage, c.allowed, c.total))
    };
    assert_eq!(get("sp", AccessLevel::Read), Some((Coverage::Full, 12, 12)));
    assert_eq!(
        get("sp", AccessLevel::List),
        Some((Coverage::Partial, 8, 9))
    );
    assert_eq!(
        get("billing", AccessLevel::List),
        Some((Coverage::Partial, 1, 2))
    );
    assert_eq!(get("sp", AccessLevel::Write), Some((Coverage::None, 0, 25)));
    // Order: namespace, then level.
    let keys: Vec<(String, AccessLevel)> =
        m.iter().map(|c| (c.namespace.clone(), c.level)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let v = serde_json::to_value(&m[0]).unwrap_or_default();
    assert_eq!(v["coverage"], "none");
}

#[test]
fn specs_serialize_and_bad_specs_name_their_field() {
    let json = r#"{"cells":[["sp","Write"],["reports","Read"]],"resources":["arn:ads:us:ADV1:*"],"notAfter":"2026-12-31"}"#;
    let spec: MatrixSpec = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.cells[0], ("sp".to_string(), AccessLevel::Write));
    assert_eq!(spec.max_bid, None);
    let back: MatrixSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, spec);
    assert_eq!(MatrixSpec::default().cells.len(), 0);

    let c = Catalog::builtin();
    let ok = MatrixSpec {
        cells: vec![("sp".into(), AccessLevel::Read)],
        resources: vec!["arn:ads:us:ADV1:*".into()],
        ..MatrixSpec::default()
    };
    let cases: Vec<(MatrixSpec, &str, &str)> = vec![
        (
            MatrixSpec {
                cells: vec![
                    ("sp".into(), AccessLevel::Read),
                    ("reports".into(), AccessLevel::Spend),
                ],
                ..ok.clone()
            },
            "$.cells[1]",
            "the catalog has no `reports` actions at level `Spend`",
        ),
        (
            MatrixSpec {
                resources: vec![],
                ..ok.clone()
            },
            "$.resources",
            "choose at least one resource",
        ),
        (
            MatrixSpec {
                resources: vec!["arn:ads:us:ADV1:*".into(), "*".into()],
                ..ok.clone()
            },
            "$.resources[1]",
            "`*` is not a resource of the form",
        ),
        (
            MatrixSpec {
                resources: vec!["arn:ads:us:*:*".into()],
                ..ok.clone()
            },
            "$.resources[0]",
            "`arn:ads:us:*:*`: the account must be named exactly",
        ),
        (
            MatrixSpec {
                resources: vec!["arn:ads:US:ADV1:*".into()],
                ..ok.clone()
            },
            "$.resources[0]",
            "`arn:ads:US:ADV1:*`: the marketplace must be a lower-case code",
        ),
        (
            MatrixSpec {
                not_before: Some("2026-02-30".into()),
                ..ok.clone()
            },
            "$.notBefore",
            "`2026-02-30` is not a date",
        ),
        (
            MatrixSpec {
                not_before: Some("2026-06-01".into()),
                not_after: Some("2026-05-31T23:59:59Z".into()),
                ..ok.clone()
            },
            "$.notAfter",
            "the end of access must come after its start",
        ),
        (
            MatrixSpec {
                max_bid: Some("lots".into()),
                ..ok.clone()
            },
            "$.maxBid",
            "`lots` is not a number",
        ),
        (
            MatrixSpec {
                max_bid: Some("-1".into()),
                ..ok.clone()
            },
            "$.maxBid",
            "the maximum bid must not be negative",
        ),
    ];
    for (spec, path, msg) in cases {
        let e = policy_from_matrix(&spec, c)
            .err()
            .unwrap_or_else(|| panic!("{path} accepted"));
        assert_eq!(e.path, path);
        assert!(e.message.starts_with(msg), "{path}: {}", e.message);
        assert_eq!((e.line, e.col, e.offset), (0, 0, 0));
    }
    // A whole day: start and end on the same date is a one-day window.
    let day = MatrixSpec {
        not_before: Some("2026-06-01".into()),
        not_after: Some("2026-06-01".into()),
        ..ok.clone()
    };
    assert!(policy_from_matrix(&day, c).is_ok());
    for good in [
        "arn:ads:us:ADV1:*",
        "arn:ads:*:ADV1:campaign/1",
        "arn:ads:de:123:a:b",
    ] {
        assert_eq!(check_resource(good), Ok(()), "{good}");
    }
    for bad in [
        "",
        "*",
        "arn:ads:us:ADV1",
        "arn:ads:us:ADV1:",
        "arn:aws:us:A:*",
        "arn:ads:us:A :*",
    ] {
        assert!(check_resource(bad).is_err(), "{bad}");
    }
}
