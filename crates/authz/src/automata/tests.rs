//! The automata against the parsers, and the witness search on small cases.

use std::cmp::Ordering;

use super::{Aut, accepts, witness};
use crate::glob::Glob;
use crate::values::{Cmp, Dec, cmp_date, cmp_dec, parse_date, parse_dec};

fn strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "0",
        "-0",
        "00",
        "0.0",
        "5",
        "05",
        "5.0",
        "5.00",
        "-5",
        "4.99",
        "5.01",
        "10",
        "-10.5",
        "1.",
        ".5",
        "1e3",
        "abc",
        "12a",
        "-",
        "--1",
        "999999999999999999999",
        "1970-01-01",
        "1970-01-01T00:00:00Z",
        "2000-02-29",
        "1900-02-29",
        "2024-12-31T23:59:59Z",
        "2024-12-31T24:00:00Z",
        "0000-01-01",
        "9999-12-31T23:59:59Z",
        "86400",
        "-86400",
        "1970-01-02",
        "2024-02-30",
        "2023-02-29",
        "2024-02-29",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in -30i64..30 {
        v.push(format!("{}", i * 7));
        v.push(format!("{}.{}", i, (i * 37).rem_euclid(100)));
    }
    v
}

#[test]
fn number_and_date_automata_agree_with_parsers() {
    let consts = [
        "0",
        "5",
        "-5",
        "4.99",
        "10",
        "0.5",
        "-10.5",
        "86400",
        "951782400",
        "-62167219200",
        "253402300799",
        "999999999999999",
    ];
    let cmps = [Cmp::Lt, Cmp::Le, Cmp::Eq, Cmp::Ge, Cmp::Gt];
    for c in consts {
        let Some(cd) = Dec::parse(c) else { continue };
        for cmp in cmps {
            for s in strings() {
                let expect_num = parse_dec(&s).is_some_and(|d| cmp.holds(cmp_dec(d, cd.as_ref())));
                assert_eq!(
                    accepts(&Aut::Num { c: cd.clone(), cmp }, &s),
                    expect_num,
                    "num {s} {cmp:?} {c}"
                );
                let expect_date = parse_date(&s).is_some_and(|d| cmp.holds(cmp_date(d, &cd)));
                assert_eq!(
                    accepts(&Aut::Date { c: cd.clone(), cmp }, &s),
                    expect_date,
                    "date {s} {cmp:?} {c}"
                );
            }
        }
    }
}

#[test]
fn witness_search_is_exact_on_small_cases() {
    let g = |s: &str| Aut::Glob(Glob::new(s));
    assert_eq!(
        witness(&[(g("a*"), true), (g("*b"), true)]).as_deref(),
        Some("ab")
    );
    assert_eq!(
        witness(&[(g("a*"), true), (g("a?*"), false)]).as_deref(),
        Some("a")
    );
    assert!(witness(&[(g("a*"), true), (g("*"), false)]).is_none());
    assert!(witness(&[(g("a?"), true), (g("a*"), false)]).is_none());
    let num = |c: &str, cmp| Aut::Num {
        c: Dec::parse(c).unwrap_or_else(|| panic!("{c}")),
        cmp,
    };
    // 4 < x < 5 has no integer, but decimals exist.
    let w = witness(&[(num("4", Cmp::Gt), true), (num("5", Cmp::Lt), true)]).unwrap_or_default();
    assert!(
        parse_dec(&w).is_some_and(|d| cmp_dec(d, parse_dec("4").unwrap_or(d)) == Ordering::Greater),
        "{w}"
    );
    // x = 5 but not written "5": "05", "5.0", ...
    let w = witness(&[(num("5", Cmp::Eq), true), (g("5"), false)]).unwrap_or_default();
    assert!(w != "5" && parse_dec(&w).is_some(), "{w}");
    // x = 5 and x matches "5.?" and not "5.0": impossible (5.x with x != 0 is not 5).
    assert!(
        witness(&[
            (num("5", Cmp::Eq), true),
            (g("5.?"), true),
            (g("5.0"), false)
        ])
        .is_none()
    );
    let date = |c: &str, cmp| Aut::Date {
        c: crate::values::date_to_dec(c).unwrap_or_else(|| panic!("{c}")),
        cmp,
    };
    let w = witness(&[
        (date("2024-02-28", Cmp::Gt), true),
        (date("2024-03-01", Cmp::Lt), true),
        (g("2*"), true),
    ])
    .unwrap_or_default();
    assert!(w.starts_with("2024-02-2"), "{w}");
    assert!(
        witness(&[
            (date("2023-02-28", Cmp::Gt), true),
            (date("2023-03-01", Cmp::Lt), true),
            (g("????-??-??"), true)
        ])
        .is_none()
    );
}
