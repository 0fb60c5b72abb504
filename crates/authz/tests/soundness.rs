//! Soundness and completeness evidence: the exact analyzer against a brute-force oracle.
//!
//! # The small-model argument
//! The generator draws policies from a fragment in which a finite universe of requests provably
//! contains a representative of every *region* (a set of requests on which every statement part
//! evaluates the same way), so "some request satisfies the query" holds iff "some request of the
//! universe does". The variables are independent, so it suffices to argue per variable:
//!
//! - **Strings** (principal id, action, resource, context key `s`): patterns use the letters `a`,
//!   `b` and the wildcards; a pattern has at most one `*`, at most two tokens on each side of it,
//!   and a star-free pattern has at most three tokens. Let `φ` map every character other than `a`
//!   and `b` to `z`: `φ` preserves membership in every such pattern (`?` and `*` accept any
//!   character; literals only `a`/`b`). For `|s| ≤ 4`, `φ(s)` has the same memberships as `s`. For
//!   `|s| ≥ 5`, `t = φ(s[..2] ++ s[len-2..])` has length 4: star-free patterns (≤ 3 tokens) match
//!   neither, and `u*v` (`|u|, |v| ≤ 2`) sees the same prefix and suffix with enough length.
//!   So the universe `{a, b, z}^{≤4}` (121 strings) meets every region. Actions additionally
//!   get upper-case variants (actions are case-insensitive, so this only adds test coverage).
//! - **Principal kind**: membership atoms are equalities with `K1`/`K2`; no kind, `K1`, `K2` and
//!   the fresh `K3` cover every region.
//! - **Numbers** (key `n`): the typed atoms compare values with constants `c1 < … < ck`; the
//!   regions are the points `ci`, the open intervals between them and the two unbounded ends,
//!   represented by `ci`, midpoints, `c1 - 1` and `ck + 1`. `StringEquals` atoms on `n` use at most
//!   six literals, so each numeric representative comes in six spellings (`x`, `x.0`, `x.00`,
//!   `x.000`, a leading zero, `x.0000`), one of which differs from every literal; the literals
//!   themselves, a non-number and absence complete the universe.
//! - **Dates** (key `d`): only date atoms, whose truth depends only on the value in seconds;
//!   constants are at least an hour apart, so `v - 1`, `v`, `v + 1` of each constant (in ISO and
//!   epoch spellings), a non-date and absence meet every region.
//! - **Booleans** (key `b`): `true`, `false`, another string, absence.
//!
//! The oracle evaluates with the real evaluator ([`authz::eval`]); to keep the product small it
//! first groups each variable's universe by the vector of statement-part results (values with
//! equal vectors are interchangeable), then evaluates every combination.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use authz::analyze::Analyzer;
use authz::eval::{Principal, Request, is_allowed};
use authz::{Catalog, Effect, Policy, PrincipalMatch, check_access_not_granted, parse_policy};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn tokens(r: &mut Rng, max: usize, wild: bool) -> String {
    let n = r.below(max + 1);
    (0..n)
        .map(|_| {
            if wild {
                *r.pick(&['a', 'b', '?', 'a'])
            } else {
                *r.pick(&['a', 'b'])
            }
        })
        .collect()
}

fn pattern(r: &mut Rng) -> String {
    match r.below(10) {
        0 => "*".into(),
        1..=5 => format!("{}*{}", tokens(r, 2, true), tokens(r, 2, true)),
        _ => tokens(r, 3, true),
    }
}

fn json_list(items: &[String], r: &mut Rng) -> String {
    if items.len() == 1 && r.chance(50) {
        format!("\"{}\"", items[0])
    } else {
        format!(
            "[{}]",
            items
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

const NUMS: [&str; 6] = ["-1", "0", "0.5", "1", "2", "10"];
const NUM_LITS: [&str; 6] = ["1", "1.0", "01", "-0", "0", "abc"];
const DATES: [&str; 5] = [
    "2024-01-01",
    "2024-01-01T12:00:00Z",
    "1704070800",
    "2024-02-29",
    "0",
];

fn condition(r: &mut Rng) -> (String, String, String) {
    let ie = |r: &mut Rng| if r.chance(25) { "IfExists" } else { "" };
    let many = |r: &mut Rng, f: &mut dyn FnMut(&mut Rng) -> String| -> Vec<String> {
        (0..1 + r.below(2)).map(|_| f(r)).collect()
    };
    match r.below(9) {
        0 => {
            let op = format!("{}{}", r.pick(&["StringEquals", "StringNotEquals"]), ie(r));
            let v = many(r, &mut |r| tokens(r, 3, false));
            (op, "s".into(), json_list(&v, r))
        }
        1 | 2 => {
            let op = format!("{}{}", r.pick(&["StringLike", "StringNotLike"]), ie(r));
            let v = many(r, &mut pattern);
            (op, "s".into(), json_list(&v, r))
        }
        3 | 4 => {
            let op = format!(
                "{}{}",
                r.pick(&[
                    "NumericEquals",
                    "NumericNotEquals",
                    "NumericLessThan",
                    "NumericLessThanEquals",
                    "NumericGreaterThan",
                    "NumericGreaterThanEquals"
                ]),
                ie(r)
            );
            let v = many(r, &mut |r| r.pick(&NUMS).to_string());
            (op, "n".into(), json_list(&v, r))
        }
        5 => {
            let op = format!("{}{}", r.pick(&["StringEquals", "StringNotEquals"]), ie(r));
            let v = many(r, &mut |r| r.pick(&NUM_LITS).to_string());
            (op, "n".into(), json_list(&v, r))
        }
        6 => {
            let op = format!(
                "{}{}",
                r.pick(&[
                    "DateLessThan",
                    "DateLessThanEquals",
                    "DateGreaterThan",
                    "DateGreaterThanEquals"
                ]),
                ie(r)
            );
            let v = many(r, &mut |r| r.pick(&DATES).to_string());
            (op, "d".into(), json_list(&v, r))
        }
        7 => {
            let op = format!("Bool{}", ie(r));
            let v = many(r, &mut |r| r.pick(&["true", "false"]).to_string());
            (op, "b".into(), json_list(&v, r))
        }
        _ => {
            let v = many(r, &mut |r| r.pick(&["true", "false"]).to_string());
            (
                "Null".into(),
                r.pick(&["s", "n", "d", "b"]).to_string(),
                json_list(&v, r),
            )
        }
    }
}

fn principal(r: &mut Rng) -> String {
    if r.chance(40) {
        let mut parts = Vec::new();
        for k in ["K1", "K2"] {
            if r.chance(60) || parts.is_empty() && k == "K2" {
                let v: Vec<String> = (0..1 + r.below(2)).map(|_| pattern(r)).collect();
                parts.push(format!("\"{k}\": {}", json_list(&v, r)));
            }
        }
        format!("{{{}}}", parts.join(", "))
    } else {
        let v: Vec<String> = (0..1 + r.below(2)).map(|_| pattern(r)).collect();
        json_list(&v, r)
    }
}

fn statement(r: &mut Rng) -> String {
    let mut parts = Vec::new();
    if r.chance(50) {
        parts.push(format!("\"Sid\": \"S{}\"", r.below(100)));
    }
    parts.push(format!(
        "\"Effect\": \"{}\"",
        if r.chance(70) { "Allow" } else { "Deny" }
    ));
    match r.below(10) {
        0..=4 => {}
        5..=7 => parts.push(format!("\"Principal\": {}", principal(r))),
        _ => parts.push(format!("\"NotPrincipal\": {}", principal(r))),
    }
    let acts: Vec<String> = (0..1 + r.below(2)).map(|_| pattern(r)).collect();
    parts.push(format!(
        "\"{}\": {}",
        if r.chance(85) { "Action" } else { "NotAction" },
        json_list(&acts, r)
    ));
    match r.below(10) {
        0..=2 => {}
        3..=8 => {
            let v: Vec<String> = (0..1 + r.below(2)).map(|_| pattern(r)).collect();
            parts.push(format!("\"Resource\": {}", json_list(&v, r)));
        }
        _ => {
            let v: Vec<String> = (0..1 + r.below(2)).map(|_| pattern(r)).collect();
            parts.push(format!("\"NotResource\": {}", json_list(&v, r)));
        }
    }
    let nc = [0, 0, 1, 1, 2][r.below(5)];
    if nc > 0 {
        let mut by_op: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for _ in 0..nc {
            let (op, k, v) = condition(r);
            let e = by_op.entry(op).or_default();
            if !e.iter().any(|(kk, _)| *kk == k) {
                e.push((k, v));
            }
        }
        let body: Vec<String> = by_op
            .iter()
            .map(|(op, kv)| {
                format!(
                    "\"{op}\": {{{}}}",
                    kv.iter()
                        .map(|(k, v)| format!("\"{k}\": {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        parts.push(format!("\"Condition\": {{{}}}", body.join(", ")));
    }
    format!("{{{}}}", parts.join(", "))
}

fn policy(r: &mut Rng) -> (Policy, String) {
    let n = 1 + r.below(3);
    let stmts: Vec<String> = (0..n).map(|_| statement(r)).collect();
    let body = if n == 1 && r.chance(30) {
        stmts[0].clone()
    } else {
        format!("[{}]", stmts.join(", "))
    };
    let src = format!("{{\"Version\": \"2012-10-17\", \"Statement\": {body}}}");
    (
        parse_policy(&src)
            .unwrap_or_else(|e| panic!("generator produced an invalid policy: {e}\n{src}")),
        src,
    )
}

fn strings_upto4() -> Vec<String> {
    let mut out = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for s in &layer {
            for c in ['a', 'b', 'z'] {
                next.push(format!("{s}{c}"));
            }
        }
        out.extend(next.iter().cloned());
        layer = next;
    }
    out
}

fn num_universe() -> Vec<Option<String>> {
    let vals: Vec<f64> = NUMS.iter().filter_map(|s| s.parse().ok()).collect();
    let mut pts: Vec<f64> = vals.clone();
    for w in vals.windows(1) {
        pts.push(w[0] - 1.0);
        pts.push(w[0] + 1.0);
    }
    let mut sorted = vals.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    for w in sorted.windows(2) {
        pts.push((w[0] + w[1]) / 2.0);
    }
    let mut out: Vec<Option<String>> = vec![None, Some("abc".into()), Some("z".into())];
    out.extend(NUM_LITS.iter().map(|s| Some(s.to_string())));
    for p in pts {
        // All constants and midpoints here are exact in binary with at most 2 decimals.
        let canon = format!("{p}");
        let (neg, mag) = match canon.strip_prefix('-') {
            Some(m) => ("-", m.to_string()),
            None => ("", canon.clone()),
        };
        let dot = if mag.contains('.') { "" } else { "." };
        for v in [
            canon.clone(),
            format!("{neg}{mag}{dot}0"),
            format!("{neg}{mag}{dot}00"),
            format!("{neg}{mag}{dot}000"),
            format!("{neg}0{mag}"),
            format!("{neg}{mag}{dot}0000"),
        ] {
            out.push(Some(v));
        }
    }
    out
}

fn date_universe() -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None, Some("abc".into()), Some("2024-02-30".into())];
    for d in DATES {
        let v = authz::date_to_dec(d)
            .and_then(|x| x.to_i64())
            .unwrap_or_default();
        for x in [v - 1, v, v + 1] {
            out.push(Some(x.to_string()));
            if let Some(iso) = authz::format_iso(x) {
                out.push(Some(iso));
            }
        }
    }
    out
}

struct Universe {
    principals: Vec<Principal>,
    actions: Vec<String>,
    resources: Vec<String>,
    keys: Vec<(String, Vec<Option<String>>)>,
}

fn universe() -> Universe {
    let strs = strings_upto4();
    let mut principals = Vec::new();
    for kind in [None, Some("K1"), Some("K2"), Some("K3")] {
        for s in &strs {
            principals.push(Principal {
                kind: kind.map(str::to_string),
                id: s.clone(),
            });
        }
    }
    let mut actions = strs.clone();
    actions.extend(["A", "aB", "BA", "ABzA"].iter().map(|s| s.to_string()));
    let mut s_vals: Vec<Option<String>> = vec![None];
    s_vals.extend(strs.iter().cloned().map(Some));
    Universe {
        principals,
        actions,
        resources: strs,
        keys: vec![
            ("s".into(), s_vals),
            ("n".into(), num_universe()),
            ("d".into(), date_universe()),
            (
                "b".into(),
                vec![
                    None,
                    Some("true".into()),
                    Some("false".into()),
                    Some("z".into()),
                ],
            ),
        ],
    }
}

/// Representatives: one value per distinct vector of statement-part results.
fn group<T: Clone>(vals: &[T], sig: impl Fn(&T) -> Vec<bool>) -> Vec<T> {
    let mut seen: HashMap<Vec<bool>, ()> = HashMap::new();
    vals.iter()
        .filter(|v| seen.insert(sig(v), ()).is_none())
        .cloned()
        .collect()
}

/// The grouped universe as per-component statement masks: bit `i` of a mask says whether the
/// component satisfies its part of statement `i` (statements of all policies, in order). A
/// statement matches a request iff its bit is set in the AND of the request's component masks.
struct Space {
    /// (principal, mask, outsider mask: statements without a principal element never match).
    principals: Vec<(Principal, u64, u64)>,
    actions: Vec<(String, u64)>,
    resources: Vec<(String, u64)>,
    contexts: Vec<(BTreeMap<String, String>, u64)>,
}

fn space(u: &Universe, pols: &[&Policy]) -> Space {
    let stmts: Vec<_> = pols.iter().flat_map(|p| p.statements.iter()).collect();
    assert!(stmts.len() <= 64);
    let mask = |f: &dyn Fn(&authz::Statement) -> bool| {
        stmts
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, s)| if f(s) { m | 1 << i } else { m })
    };
    let ps = group(&u.principals, |p| {
        stmts.iter().map(|s| s.principal.matches(p)).collect()
    });
    let principals = ps
        .into_iter()
        .map(|p| {
            let m = mask(&|s| s.principal.matches(&p));
            let o = mask(&|s| s.principal != PrincipalMatch::Absent && s.principal.matches(&p));
            (p, m, o)
        })
        .collect();
    let actions = group(&u.actions, |a| {
        stmts.iter().map(|s| s.action.matches(a)).collect()
    })
    .into_iter()
    .map(|a| {
        let m = mask(&|s| s.action.matches(&a));
        (a, m)
    })
    .collect();
    let resources = group(&u.resources, |a| {
        stmts.iter().map(|s| s.resource.matches(a)).collect()
    })
    .into_iter()
    .map(|a| {
        let m = mask(&|s| s.resource.matches(&a));
        (a, m)
    })
    .collect();
    let used: BTreeSet<&str> = stmts
        .iter()
        .flat_map(|s| s.conditions.iter().map(|c| c.key.as_str()))
        .collect();
    let mut contexts: Vec<(BTreeMap<String, String>, u64)> = vec![(BTreeMap::new(), u64::MAX)];
    for (k, vals) in &u.keys {
        if !used.contains(k.as_str()) {
            continue;
        }
        let conds: Vec<_> = stmts
            .iter()
            .flat_map(|s| s.conditions.iter())
            .filter(|c| c.key == *k)
            .collect();
        let reps = group(vals, |v| {
            conds
                .iter()
                .map(|c| c.matches_value(v.as_deref()))
                .collect()
        });
        let mut next = Vec::new();
        for (c, m) in &contexts {
            for v in &reps {
                let vm = mask(&|s| {
                    s.conditions
                        .iter()
                        .filter(|c| c.key == *k)
                        .all(|c| c.matches_value(v.as_deref()))
                });
                let mut c = c.clone();
                if let Some(v) = v {
                    c.insert(k.clone(), v.clone());
                }
                next.push((c, m & vm));
            }
        }
        contexts = next;
    }
    Space {
        principals,
        actions,
        resources,
        contexts,
    }
}

fn allows(p: &Policy, r: &Request) -> bool {
    is_allowed(&[p], r)
}

/// Decision of the statements selected by `range` (bit positions) under a request mask.
fn decide_bits(stmts: &[&authz::Statement], offset: usize, m: u64) -> bool {
    let hit = |e: Effect| {
        stmts
            .iter()
            .enumerate()
            .any(|(i, s)| s.effect == e && m >> (offset + i) & 1 == 1)
    };
    hit(Effect::Allow) && !hit(Effect::Deny)
}

#[test]
fn analyzer_agrees_with_brute_force_oracle() {
    let u = universe();
    let catalog = Catalog::from_json(r#"["ns:Unused"]"#).unwrap_or_default();
    let an = Analyzer {
        catalog: Some(&catalog),
    };
    let mut rng = Rng(0x00C0_FFEE);
    let mut answers = 0usize;
    let mut requests = 0usize;
    let pairs: usize = std::env::var("AUTHZ_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8_500);
    for case in 0..pairs {
        let (a, a_src) = policy(&mut rng);
        let (b, b_src) = policy(&mut rng);
        let acts = vec![pattern(&mut rng)];
        let ress = if rng.chance(50) {
            vec![]
        } else {
            vec![pattern(&mut rng)]
        };
        let q_src = format!(
            "{{\"Statement\": {{\"Effect\": \"Allow\", \"Action\": \"{}\", \"Resource\": \"{}\"}}}}",
            acts[0],
            ress.first().map(String::as_str).unwrap_or("*")
        );
        let q = parse_policy(&q_src).unwrap_or_else(|e| panic!("{e}"));
        let ctx = |what: &str| format!("case {case}: {what}\nA = {a_src}\nB = {b_src}");
        let sp = space(&u, &[&a, &b, &q]);
        let sa: Vec<_> = a.statements.iter().collect();
        let sb: Vec<_> = b.statements.iter().collect();
        let (na, nb) = (sa.len(), sb.len());

        // Every request of the universe as a statement mask.
        let mut masks = Vec::new();
        for (_, pm, _) in &sp.principals {
            for (_, am) in &sp.actions {
                for (_, rm) in &sp.resources {
                    for (_, cm) in &sp.contexts {
                        masks.push(pm & am & rm & cm);
                    }
                }
            }
        }
        requests += masks.len();
        // Spot-check the mask decomposition against the evaluator on concrete requests.
        for (k, (p, pm, _)) in sp.principals.iter().enumerate().take(3) {
            let (act, am) = &sp.actions[k % sp.actions.len()];
            let (res, rm) = &sp.resources[k % sp.resources.len()];
            let (c, cm) = &sp.contexts[k % sp.contexts.len()];
            let r = Request {
                principal: p.clone(),
                action: act.clone(),
                resource: res.clone(),
                context: c.clone(),
            };
            let m = pm & am & rm & cm;
            assert_eq!(
                decide_bits(&sa, 0, m),
                allows(&a, &r),
                "{}",
                ctx("mask decomposition")
            );
            assert_eq!(
                decide_bits(&sb, na, m),
                allows(&b, &r),
                "{}",
                ctx("mask decomposition")
            );
        }
        let a_ok: Vec<bool> = masks.iter().map(|m| decide_bits(&sa, 0, *m)).collect();
        let b_ok: Vec<bool> = masks.iter().map(|m| decide_bits(&sb, na, *m)).collect();

        // check_no_new_access in both directions, per statement.
        for (old, new, new_stmts, new_off, old_ok) in
            [(&a, &b, &sb, na, &a_ok), (&b, &a, &sa, 0, &b_ok)]
        {
            let res = an.check_no_new_access(old, new);
            let new_deny: u64 = new_stmts
                .iter()
                .enumerate()
                .filter(|(_, s)| s.effect == Effect::Deny)
                .fold(0, |m, (i, _)| m | 1 << (new_off + i));
            let expected: BTreeSet<usize> = (0..new_stmts.len())
                .filter(|i| new_stmts[*i].effect == Effect::Allow)
                .filter(|i| {
                    masks
                        .iter()
                        .zip(old_ok)
                        .any(|(m, ok)| m >> (new_off + i) & 1 == 1 && m & new_deny == 0 && !ok)
                })
                .collect();
            let got: BTreeSet<usize> = res.reasons.iter().map(|x| x.statement_index).collect();
            assert_eq!(got, expected, "{}", ctx("check_no_new_access statements"));
            assert_eq!(res.passed(), expected.is_empty());
            for reason in &res.reasons {
                let r = reason.example.to_request();
                assert!(
                    allows(new, &r) && !allows(old, &r),
                    "{}",
                    ctx(&format!("bad example {:?}", reason.example))
                );
                assert!(
                    new.statements[reason.statement_index].matches(&r),
                    "{}",
                    ctx("example misses its statement")
                );
            }
            answers += 1 + new_stmts.len();
        }

        // is_subset / equivalent.
        let a_in_b = !a_ok.iter().zip(&b_ok).any(|(x, y)| *x && !*y);
        let b_in_a = !a_ok.iter().zip(&b_ok).any(|(x, y)| *y && !*x);
        assert_eq!(authz::is_subset(&a, &b), a_in_b, "{}", ctx("is_subset"));
        assert_eq!(
            authz::equivalent(&a, &b),
            a_in_b && b_in_a,
            "{}",
            ctx("equivalent")
        );
        answers += 2;

        // check_access_not_granted with a random action pattern and optional resource pattern.
        let res = an.check_access_not_granted(&a, &acts, &ress);
        let qbit = na + nb;
        let expected: BTreeSet<usize> = (0..na)
            .filter(|i| sa[*i].effect == Effect::Allow)
            .filter(|i| {
                masks
                    .iter()
                    .zip(&a_ok)
                    .any(|(m, ok)| m >> i & 1 == 1 && *ok && m >> qbit & 1 == 1)
            })
            .collect();
        let got: BTreeSet<usize> = res.reasons.iter().map(|x| x.statement_index).collect();
        assert_eq!(
            got,
            expected,
            "{}",
            ctx(&format!("check_access_not_granted {acts:?} {ress:?}"))
        );
        for reason in &res.reasons {
            let r = reason.example.to_request();
            assert!(
                allows(&a, &r) && q.statements[0].matches(&r),
                "{}",
                ctx("bad access example")
            );
        }
        if case < 200 {
            // The free function uses the built-in catalog; it must give the same verdict.
            assert_eq!(
                check_access_not_granted(&a, &acts, &ress).passed(),
                res.passed()
            );
        }
        answers += 1 + na;

        // check_no_public_access: some kind and (action, resource, context) allowed for every id.
        let res = an.check_no_public_access(&a);
        let kinds = [None, Some("K1"), Some("K2"), Some("K3")];
        let public = kinds.iter().any(|k| {
            let of_kind: Vec<Principal> = u
                .principals
                .iter()
                .filter(|p| p.kind.as_deref() == *k)
                .cloned()
                .collect();
            let ids: Vec<u64> = group(&of_kind, |p| {
                sa.iter().map(|s| s.principal.matches(p)).collect()
            })
            .iter()
            .map(|p| {
                sa.iter().enumerate().fold(0u64, |m, (i, s)| {
                    if s.principal != PrincipalMatch::Absent && s.principal.matches(p) {
                        m | 1 << i
                    } else {
                        m
                    }
                })
            })
            .collect();
            sp.actions.iter().any(|(_, am)| {
                sp.resources.iter().any(|(_, rm)| {
                    sp.contexts
                        .iter()
                        .any(|(_, cm)| ids.iter().all(|im| decide_bits(&sa, 0, im & am & rm & cm)))
                })
            })
        });
        assert_eq!(!res.passed(), public, "{}", ctx("check_no_public_access"));
        answers += 1;
    }
    eprintln!(
        "{pairs} policy pairs, {requests} universe requests, {answers} analyzer answers compared with the oracle, 0 disagreements"
    );
    assert!(
        answers >= 100_000 || pairs < 8_500,
        "only {answers} answers"
    );
}
