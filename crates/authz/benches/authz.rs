//! Criterion benchmarks. Run: `CARGO_TARGET_DIR=/tmp/authz-target cargo bench -p authz`.
//!
//! - `decide/*`: one request stream against a 20-statement grant, Charter vs `cedar-policy` on an
//!   equivalent policy set (the bench first checks that both give the same answer on every
//!   request of the stream).
//! - `analysis/*`: `check_no_new_access` on 50-statement policy pairs, and `z3` solving the
//!   emitted SMT-LIB of the same query (a process per solve, as a user would run it).
//! - `recommend/*`: a recommendation against a 2,000-action catalog.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::str::FromStr as _;
use std::time::Duration;

use authz::{Catalog, Policy, Request, decide, parse_policy};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "../tests/support/rng.rs"]
mod rng;
use rng::Rng;

/// A 20-statement grant: (action patterns, resource pattern, optional bid cap).
fn grant() -> Vec<(Vec<String>, String, Option<i64>)> {
    let c = Catalog::builtin();
    let mut rng = Rng(7);
    let mut out = Vec::new();
    for i in 0..20 {
        let a = &c.actions[rng.below(c.actions.len())].name;
        let actions = if i % 4 == 0 {
            // A prefix wildcard over the verb: `sp:Get*`.
            let (ns, act) = a.split_once(':').unwrap_or(("sp", "Get"));
            let verb: String = act
                .chars()
                .take_while(|ch| ch.is_uppercase())
                .chain(act.chars().skip(1).take_while(|ch| ch.is_lowercase()))
                .collect();
            vec![format!("{ns}:{verb}*")]
        } else {
            vec![
                a.clone(),
                c.actions[rng.below(c.actions.len())].name.clone(),
            ]
        };
        let resource = format!("arn:ads:us:{}:*", 1000 + i % 5);
        let cap = if i % 3 == 0 { Some(5 + i as i64) } else { None };
        out.push((actions, resource, cap));
    }
    out
}

fn charter_policy(g: &[(Vec<String>, String, Option<i64>)]) -> Policy {
    let stmts: Vec<String> = g
        .iter()
        .enumerate()
        .map(|(i, (acts, res, cap))| {
            let cond = cap
                .map(|c| {
                    format!(r#","Condition":{{"NumericLessThanEquals":{{"ads:BidAmount":"{c}"}}}}"#)
                })
                .unwrap_or_default();
            let acts: Vec<String> = acts.iter().map(|a| format!("\"{a}\"")).collect();
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Action":[{}],"Resource":"{res}"{cond}}}"#,
                acts.join(",")
            )
        })
        .collect();
    parse_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        stmts.join(",")
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The same grant in Cedar: wildcard actions are expanded over the catalog (Cedar has no action
/// wildcards), the resource pattern becomes `context.res like`, the cap `context.bid <=`.
fn cedar_policies(g: &[(Vec<String>, String, Option<i64>)]) -> cedar_policy::PolicySet {
    let c = Catalog::builtin();
    let mut src = String::new();
    for (acts, res, cap) in g {
        let globs: Vec<authz::Glob> = acts.iter().map(|a| authz::Glob::new_ci(a)).collect();
        let names: Vec<String> = c
            .actions
            .iter()
            .filter(|a| globs.iter().any(|g| g.matches(&a.name)))
            .map(|a| format!("Action::\"{}\"", a.name))
            .collect();
        let cap = cap
            .map(|c| format!(" && context has bid && context.bid <= {c}"))
            .unwrap_or_default();
        src.push_str(&format!(
            "permit(principal, action in [{}], resource) when {{ context.res like \"{res}\"{cap} }};\n",
            names.join(", ")
        ));
    }
    cedar_policy::PolicySet::from_str(&src).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn stream(n: usize) -> Vec<(String, String, Option<i64>)> {
    let c = Catalog::builtin();
    let mut rng = Rng(11);
    (0..n)
        .map(|_| {
            let a = c.actions[rng.below(c.actions.len())].name.clone();
            let r = format!(
                "arn:ads:us:{}:campaign/{}",
                1000 + rng.below(7),
                rng.below(1000)
            );
            let bid = if rng.below(3) == 0 {
                None
            } else {
                Some(rng.below(30) as i64)
            };
            (a, r, bid)
        })
        .collect()
}

fn bench_decisions(c: &mut Criterion) {
    let g = grant();
    let policy = charter_policy(&g);
    let cedar = cedar_policies(&g);
    let reqs = stream(1000);
    let charter_reqs: Vec<Request> = reqs
        .iter()
        .map(|(a, r, bid)| {
            let req = Request::new("agt_1", a, r);
            match bid {
                Some(b) => req.with("ads:BidAmount", &b.to_string()),
                None => req,
            }
        })
        .collect();
    let cedar_reqs: Vec<cedar_policy::Request> = reqs
        .iter()
        .map(|(a, r, bid)| {
            let mut ctx = serde_json::json!({ "res": r });
            if let Some(b) = bid {
                ctx["bid"] = serde_json::json!(b);
            }
            cedar_policy::Request::new(
                cedar_policy::EntityUid::from_str("Agent::\"agt_1\"")
                    .unwrap_or_else(|e| panic!("{e}")),
                cedar_policy::EntityUid::from_str(&format!("Action::\"{a}\""))
                    .unwrap_or_else(|e| panic!("{e}")),
                cedar_policy::EntityUid::from_str("Resource::\"r\"")
                    .unwrap_or_else(|e| panic!("{e}")),
                cedar_policy::Context::from_json_value(ctx, None).unwrap_or_else(|e| panic!("{e}")),
                None,
            )
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let authorizer = cedar_policy::Authorizer::new();
    let entities = cedar_policy::Entities::empty();
    let mut allowed = 0;
    for (cr, xr) in charter_reqs.iter().zip(&cedar_reqs) {
        let a = decide(&[&policy], cr).0 == authz::Outcome::Allow;
        let b = authorizer.is_authorized(xr, &cedar, &entities).decision()
            == cedar_policy::Decision::Allow;
        assert_eq!(a, b, "engines disagree on {cr:?}");
        allowed += usize::from(a);
    }
    eprintln!(
        "decision stream: {} requests, {allowed} allowed (both engines agree on all)",
        reqs.len()
    );

    let mut grp = c.benchmark_group("decide");
    grp.throughput(Throughput::Elements(charter_reqs.len() as u64));
    grp.bench_function("charter_20_statements_x1000", |b| {
        b.iter(|| {
            charter_reqs
                .iter()
                .filter(|r| decide(&[&policy], black_box(r)).0 == authz::Outcome::Allow)
                .count()
        })
    });
    grp.bench_function("cedar_20_policies_x1000", |b| {
        b.iter(|| {
            cedar_reqs
                .iter()
                .filter(|r| {
                    authorizer
                        .is_authorized(black_box(r), &cedar, &entities)
                        .decision()
                        == cedar_policy::Decision::Allow
                })
                .count()
        })
    });
    grp.finish();
    let mut i = 0;
    c.bench_function("decide/charter_single_request", |b| {
        b.iter(|| {
            i = (i + 1) % charter_reqs.len();
            decide(&[&policy], black_box(&charter_reqs[i]))
        })
    });
    c.bench_function("decide/charter_evaluate_explained", |b| {
        b.iter(|| {
            i = (i + 1) % charter_reqs.len();
            authz::evaluate(&[&policy], black_box(&charter_reqs[i]))
        })
    });
}

/// 50 statements over distinct catalog actions, resources and some conditions.
fn fifty(seed: u64, widen: bool) -> Policy {
    let c = Catalog::builtin();
    let mut rng = Rng(seed);
    let mut stmts = Vec::new();
    for i in 0..50 {
        let a = &c.actions[(i * 3) % c.actions.len()].name;
        let b = &c.actions[(i * 3 + 1) % c.actions.len()].name;
        let mut cond = String::new();
        if i % 5 == 0 {
            let cap = if widen && i == 25 { 50 } else { 10 };
            cond = format!(
                r#","Condition":{{"NumericLessThanEquals":{{"ads:BidAmount":"{cap}"}},"StringLike":{{"ads:Market":["US","DE*"]}}}}"#
            );
        } else if i % 7 == 0 {
            cond =
                r#","Condition":{"DateLessThan":{"ads:Now":"2027-01-01T00:00:00Z"}}"#.to_string();
        }
        let _ = rng.next();
        stmts.push(format!(
            r#"{{"Sid":"S{i}","Effect":"Allow","Action":["{a}","{b}"],"Resource":"arn:ads:us:{}:campaign/*"{cond}}}"#,
            1000 + i % 4
        ));
    }
    stmts.push(
        r#"{"Sid":"NoBilling","Effect":"Deny","Action":"billing:*","Resource":"*"}"#.to_string(),
    );
    parse_policy(&format!(r#"{{"Statement":[{}]}}"#, stmts.join(",")))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn z3_solve(script: &str) -> String {
    let mut child = Command::new("z3")
        .args(["-in", "-smt2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("z3: {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
    stdin
        .write_all(script.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    drop(stdin);
    String::from_utf8_lossy(
        &child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("{e}"))
            .stdout,
    )
    .trim()
    .to_string()
}

fn bench_analysis(c: &mut Criterion) {
    let old = fifty(1, false);
    let same = fifty(1, false);
    let wider = fifty(1, true);
    assert!(authz::check_no_new_access(&old, &same).passed());
    assert!(!authz::check_no_new_access(&old, &wider).passed());
    let mut grp = c.benchmark_group("analysis");
    grp.bench_function("check_no_new_access_50_pass", |b| {
        b.iter(|| authz::check_no_new_access(black_box(&old), black_box(&same)))
    });
    grp.bench_function("check_no_new_access_50_fail", |b| {
        b.iter(|| authz::check_no_new_access(black_box(&old), black_box(&wider)))
    });
    let pass_script = authz::smt::no_new_access_script(&old, &same);
    let fail_script = authz::smt::no_new_access_script(&old, &wider);
    let z3_ok = Command::new("z3").arg("--version").output().is_ok();
    if z3_ok {
        assert_eq!(z3_solve(&pass_script), "unsat");
        assert_eq!(z3_solve(&fail_script), "sat");
        grp.sample_size(10);
        grp.measurement_time(Duration::from_secs(20));
        grp.bench_function("z3_50_pass", |b| {
            b.iter(|| z3_solve(black_box(&pass_script)))
        });
        grp.bench_function("z3_50_fail", |b| {
            b.iter(|| z3_solve(black_box(&fail_script)))
        });
    } else {
        eprintln!("z3 not found: skipping the z3 comparison (install the Debian package `z3`)");
    }
    grp.finish();
}

fn bench_recommend(c: &mut Criterion) {
    let verbs = [
        "List", "Get", "Create", "Update", "Delete", "Describe", "Put", "Tag", "Untag", "Export",
    ];
    let nouns = [
        "Campaign", "AdGroup", "Keyword", "Target", "Budget", "Report", "Audience", "Creative",
        "Store", "Invoice",
    ];
    let tails = [
        "", "Bid", "Status", "Policy", "Settings", "History", "Summary", "Batch", "Rule", "Tags",
    ];
    let mut names = Vec::new();
    'outer: for ns in ["svc1", "svc2"] {
        for v in verbs {
            for n in nouns {
                for t in tails {
                    names.push(format!("{ns}:{v}{n}{t}"));
                    if names.len() == 2000 {
                        break 'outer;
                    }
                }
            }
        }
    }
    let json = serde_json::to_string(&names).unwrap_or_default();
    let catalog = Catalog::from_json(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(catalog.actions.len(), 2000);
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"All1","Effect":"Allow","Action":"svc1:*","Resource":"*"},
        {"Sid":"Reads","Effect":"Allow","Action":["svc2:Get*","svc2:List*","svc2:DescribeCampaign"],"Resource":"*"},
        {"Sid":"Writes","Effect":"Allow","Action":["svc2:Update*","svc2:CreateKeywordBid"],"Resource":"*"}]}"#;
    let mut rng = Rng(3);
    let unused_names: Vec<String> = (0..200)
        .map(|_| names[rng.below(names.len())].clone())
        .collect();
    let unused_json = format!(
        r#"[{{"serviceNamespace":"svc1","actions":{}}}]"#,
        serde_json::to_string(&unused_names).unwrap_or_default()
    );
    let unused = authz::recommend::parse_unused(&unused_json).unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("recommend/2000_action_catalog", |b| {
        b.iter(|| {
            authz::recommend::recommend(black_box(policy), black_box(&unused), black_box(&catalog))
        })
    });
}

criterion_group!(benches, bench_decisions, bench_analysis, bench_recommend);
criterion_main!(benches);
