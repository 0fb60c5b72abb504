//! The analyzer's work budget: hostile policies make every check stop quickly with
//! `AnalysisError::TooComplex` (or fail closed), and ordinary policies are unaffected.
//!
//! Timing bounds here are deliberately loose (the machine may be loaded); the budget itself is
//! the real bound, and each test prints what it measured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use authz::analyze::{Analyzer, TOO_COMPLEX_MESSAGE};
use authz::{AnalysisError, Budget, Catalog, Limit, Policy, Verdict, parse_policy};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// Generous wall-clock bound for one check on hostile input in a debug build (the budget is
/// calibrated for ~20–50 ms; see DESIGN.md).
const SLOW: Duration = Duration::from_millis(1_500);

fn policy(statements: &[String]) -> Policy {
    parse_policy(&format!(r#"{{"Statement":[{}]}}"#, statements.join(",")))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn pattern(r: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| *r.pick(&['a', 'b', '?', '*', 'a', 'b']))
        .collect()
}

/// The fuzz finding's shape: one glob made of many `*?` alternations against many distinct
/// wildcard patterns on the same field. The product automaton of the negated patterns is
/// exponential.
fn hostile(field: &str, n: usize, seed: u64) -> (Policy, Policy) {
    let mut r = Rng(seed);
    let stmt = |p: &str| {
        if field == "Action" {
            format!(r#"{{"Effect":"Allow","Action":"x:*{p}*","Resource":"*"}}"#)
        } else {
            format!(r#"{{"Effect":"Allow","Action":"*","{field}":"*{p}*"}}"#)
        }
    };
    // The first two cover the readable strings the analyzer tries before searching.
    let mut existing = vec![stmt("example"), stmt("x")];
    existing.extend((0..n).map(|_| {
        let len = 10 + r.below(8);
        stmt(&pattern(&mut r, len))
    }));
    let new = vec![stmt("a*?*b*?*a*?*b*?*a*?*b*?")];
    (policy(&existing), policy(&new))
}

fn too_complex<T: std::fmt::Debug>(r: Result<T, AnalysisError>) -> (Limit, u64) {
    match r {
        Err(AnalysisError::TooComplex {
            limit,
            spent,
            budget,
            ..
        }) => {
            assert!(
                limit != Limit::Steps || spent <= budget.steps + 1_000_000,
                "overshoot: {spent} of {}",
                budget.steps
            );
            (limit, spent)
        }
        Ok(v) => panic!("expected too complex, got {v:?}"),
    }
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    let e = t.elapsed();
    eprintln!("{what}: {e:?}");
    assert!(e < SLOW, "{what} took {e:?}");
    r
}

#[test]
fn hostile_glob_trips_the_budget_quickly() {
    let an = Analyzer::default();
    for field in ["Action", "Resource"] {
        let (existing, new) = hostile(field, 60, 7);
        let (limit, spent) =
            too_complex(timed(&format!("{field}: try_check_no_new_access"), || {
                an.try_check_no_new_access(&existing, &new)
            }));
        eprintln!("  stopped on {limit} after {spent} steps");
        too_complex(timed(&format!("{field}: try_is_subset"), || {
            authz::try_is_subset(&new, &existing)
        }));
        too_complex(timed(&format!("{field}: try_equivalent"), || {
            authz::try_equivalent(&new, &existing)
        }));
        // The infallible forms fail closed.
        let r = timed(&format!("{field}: check_no_new_access"), || {
            an.check_no_new_access(&existing, &new)
        });
        assert_eq!(r.result, Verdict::Fail);
        assert_eq!(r.message, TOO_COMPLEX_MESSAGE);
        assert!(!timed(&format!("{field}: is_subset"), || authz::is_subset(
            &new, &existing
        )));
        assert!(!timed(&format!("{field}: equivalent"), || {
            authz::equivalent(&new, &existing)
        }));
    }
}

#[test]
fn hostile_patterns_in_the_other_checks() {
    let an = Analyzer::default();
    let (existing, _) = hostile("Action", 60, 11);
    // Not granted: the listed action pattern against every hostile Allow.
    let r = timed("try_check_access_not_granted", || {
        an.try_check_access_not_granted(
            &existing,
            &["x:*a*?*b*?*a*?*b*?*a*?*b*?".to_string()],
            &["*".to_string()],
        )
    });
    // This one may be decided (each query has one statement); when it is, it is a FAIL.
    if let Ok(c) = &r {
        assert_eq!(c.result, Verdict::Fail);
    }
    // Principal ids: ∃∀ over many hostile principal patterns with Deny carve-outs.
    let mut rng = Rng(5);
    let mut stmts = vec![r#"{"Effect":"Allow","Principal":"*","Action":"*"}"#.to_string()];
    for _ in 0..40 {
        let len = 10 + rng.below(8);
        stmts.push(format!(
            r#"{{"Effect":"Deny","Principal":"*{}*","Action":"*"}}"#,
            pattern(&mut rng, len)
        ));
    }
    let p = policy(&stmts);
    let r = timed("try_check_no_public_access", || {
        an.try_check_no_public_access(&p)
    });
    if let Err(e) = &r {
        eprintln!("  {e}");
    }
    let c = timed("check_no_public_access", || an.check_no_public_access(&p));
    if r.is_err() {
        assert_eq!(c.result, Verdict::Fail, "fails closed");
    } else {
        assert_eq!(r.ok(), Some(c));
    }
    // Validation stops its semantic checks and says so.
    let findings = timed("validate", || {
        authz::validate::validate(&existing, Catalog::builtin())
    });
    assert!(
        findings.iter().any(|f| f.code == "ANALYSIS_INCOMPLETE"),
        "{findings:?}"
    );
}

#[test]
fn fail_closed_keeps_the_reasons_already_proved() {
    let an = Analyzer::default();
    let (existing, hostile_new) = hostile("Action", 60, 7);
    // Statement 0 of `new` is plainly new access; statement 1 is the hostile one.
    let mut stmts =
        vec![r#"{"Sid":"Plain","Effect":"Allow","Action":"y:Thing","Resource":"*"}"#.to_string()];
    stmts.push(
        r#"{"Effect":"Allow","Action":"x:*a*?*b*?*a*?*b*?*a*?*b*?*","Resource":"*"}"#.to_string(),
    );
    let new = policy(&stmts);
    assert_eq!(hostile_new.statements.len(), 1);
    let r = an.check_no_new_access(&existing, &new);
    assert_eq!(r.result, Verdict::Fail);
    assert_eq!(r.message, TOO_COMPLEX_MESSAGE);
    assert_eq!(r.reasons.len(), 1, "{r:?}");
    assert_eq!(r.reasons[0].statement_id.as_deref(), Some("Plain"));
    assert!(authz::is_allowed(
        &[&new],
        &r.reasons[0].example.to_request()
    ));
    assert!(an.try_check_no_new_access(&existing, &new).is_err());
}

#[test]
fn each_limit_is_reported() {
    let an = Analyzer::default();
    let (existing, new) = hostile("Resource", 60, 3);
    let bytes = Budget {
        steps: u64::MAX,
        bytes: 64 << 10,
        depth: 512,
    };
    let (limit, _) = too_complex(timed("bytes", || {
        an.try_check_no_new_access_within(&existing, &new, bytes)
    }));
    assert_eq!(limit, Limit::Bytes);
    // A chain of independent two-way choices needs one DPLL level per statement.
    let chain: Vec<String> = (0..40)
        .map(|i| {
            format!(
                r#"{{"Effect":"Allow","Action":"*","Condition":{{"StringEquals":{{"a{i}":"1","b{i}":"1"}}}}}}"#
            )
        })
        .collect();
    let all = policy(&[r#"{"Effect":"Allow","Action":"*"}"#.to_string()]);
    let shallow = Budget {
        depth: 8,
        ..Budget::DEFAULT
    };
    let (limit, _) = too_complex(an.try_check_no_new_access_within(&policy(&chain), &all, shallow));
    assert_eq!(limit, Limit::Depth);
    let e = authz::try_is_subset_within(&all, &policy(&chain), Budget::with_steps(10));
    assert!(matches!(
        e,
        Err(AnalysisError::TooComplex {
            check: "is_subset",
            limit: Limit::Steps,
            ..
        })
    ));
    let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        msg.starts_with(
            "the policies are too complex to analyze: is_subset ran out of its steps budget"
        ),
        "{msg}"
    );
    // The error serializes for the API.
    let json = serde_json::to_value(
        authz::try_is_subset_within(&all, &policy(&chain), Budget::with_steps(10)).err(),
    )
    .unwrap_or_default();
    assert_eq!(json["error"], "tooComplex");
    assert_eq!(json["check"], "is_subset");
    assert_eq!(json["limit"], "steps");
}

/// Ordinary policies: the fixtures of the CLI contract and bench-sized policies get the same
/// answers from the budgeted checks as without any budget, well within the default budget.
#[test]
fn ordinary_policies_are_unaffected() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cli/");
    let load = |f: &str| {
        parse_policy(&std::fs::read_to_string(format!("{dir}{f}")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{f}: {e}"))
    };
    let fixtures: Vec<(String, Policy)> = [
        "reporting-old.json",
        "reporting-new.json",
        "broad.json",
        "confined.json",
        "public.json",
        "s3.json",
    ]
    .iter()
    .map(|f| (f.to_string(), load(f)))
    .collect();
    let mut pairs: Vec<(String, &Policy, &Policy)> = Vec::new();
    for (na, a) in &fixtures {
        for (nb, b) in &fixtures {
            pairs.push((format!("{na} / {nb}"), a, b));
        }
    }
    let sized: Vec<(String, Policy, Policy)> = [(20, false), (50, false), (50, true), (200, false)]
        .iter()
        .map(|&(n, w)| {
            (
                format!("{n} statements, wildcards: {w}"),
                sized(n, w, false),
                sized(n, w, true),
            )
        })
        .collect();
    for (name, a, wider) in &sized {
        pairs.push((format!("{name}: same"), a, a));
        pairs.push((format!("{name}: narrower"), a, wider));
        pairs.push((format!("{name}: wider"), wider, a));
    }
    let an = Analyzer::default();
    // Ordinary policies fit in a quarter of the default budget.
    let quarter = Budget::with_steps(Budget::DEFAULT_STEPS / 4);
    for (name, a, b) in &pairs {
        let exact = an.try_check_no_new_access_within(a, b, Budget::UNLIMITED);
        assert!(exact.is_ok());
        assert_eq!(
            an.try_check_no_new_access_within(a, b, quarter),
            exact,
            "{name}"
        );
        assert_eq!(an.try_check_no_new_access(a, b), exact, "{name}");
        let exact = authz::try_is_subset_within(b, a, Budget::UNLIMITED);
        assert_eq!(authz::try_is_subset_within(b, a, quarter), exact, "{name}");
        assert_eq!(Ok(authz::is_subset(b, a)), exact, "{name}");
    }
    let singles = fixtures
        .iter()
        .map(|(n, p)| (n, p))
        .chain(sized.iter().map(|(n, p, _)| (n, p)));
    for (name, a) in singles {
        let exact = an.try_check_no_public_access_within(a, Budget::UNLIMITED);
        assert_eq!(
            an.try_check_no_public_access_within(a, quarter),
            exact,
            "{name}"
        );
        let acts = ["sp:Update*".to_string()];
        let exact = an.try_check_access_not_granted_within(a, &acts, &[], Budget::UNLIMITED);
        assert_eq!(
            an.try_check_access_not_granted_within(a, &acts, &[], quarter),
            exact
        );
        let f = authz::validate::validate(a, Catalog::builtin());
        assert!(
            !f.iter().any(|f| f.code == "ANALYSIS_INCOMPLETE"),
            "{name}: {f:?}"
        );
    }
}

/// Bench-shaped policies: `n` statements over catalog actions (optionally a CamelCase prefix
/// wildcard), resources in four accounts, some bid caps and dates, one Deny.
fn sized(n: usize, wild: bool, widen: bool) -> Policy {
    let c = Catalog::builtin();
    let mut stmts = Vec::new();
    for i in 0..n {
        let a = &c.actions[(i * 3) % c.actions.len()].name;
        let b = &c.actions[(i * 3 + 1) % c.actions.len()].name;
        let b = if wild {
            format!("{}*", &b[..5])
        } else {
            b.clone()
        };
        let cond = if i % 5 == 0 {
            let cap = if widen && i == 10 { 50 } else { 10 };
            format!(
                r#","Condition":{{"NumericLessThanEquals":{{"ads:BidAmount":"{cap}"}},"StringLike":{{"ads:Market":["US","DE*"]}}}}"#
            )
        } else if i % 7 == 0 {
            r#","Condition":{"DateLessThan":{"ads:CurrentTime":"2027-01-01T00:00:00Z"}}"#.into()
        } else {
            String::new()
        };
        stmts.push(format!(
            r#"{{"Sid":"S{i}","Effect":"Allow","Action":["{a}","{b}"],"Resource":"arn:ads:us:{}:campaign/*"{cond}}}"#,
            1000 + i % 4
        ));
    }
    stmts.push(r#"{"Sid":"NoBilling","Effect":"Deny","Action":"billing:*","Resource":"*"}"#.into());
    policy(&stmts)
}

/// Peak memory of this test process stays far below the 640 MB of the fuzz finding.
#[test]
fn hostile_input_memory_is_bounded() {
    let an = Analyzer::default();
    for seed in 0..4 {
        let (existing, new) = hostile(if seed % 2 == 0 { "Action" } else { "Resource" }, 80, seed);
        assert!(an.try_check_no_new_access(&existing, &new).is_err());
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        eprintln!("peak resident memory: {} MiB", kb / 1024);
        assert!(kb < 256 * 1024, "peak memory {kb} kB");
    }
}
