//! Data-driven examples: every `tests/cases/*.case` file holds policies, commands and the
//! expected output. `check(input, expect)` runs the commands and compares the output; run with
//! `UPDATE_EXPECT=1` to rewrite the expectations after an intended change (then review the diff).
//!
//! Format: sections start with `=== <name>`: `policy` (required), `other` (optional second
//! policy), `run` (one command per line) and `expect`. Commands:
//! - `evaluate <principal> <action> <resource> [key=value ...]`
//! - `no-new-access` (is everything `policy` allows also allowed by `other`?)
//! - `subset` / `equivalent` (`policy` vs `other`)
//! - `not-granted <actions,...> [<resources,...>]`
//! - `public`
//! - `validate`
//! - `try-no-new-access [steps]` / `try-subset [steps]`: the budgeted forms (default budget, or
//!   the default with `steps` steps); print the verdict or `TOO COMPLEX (<limit>)`
//! - `describe`: the capability groups of `policy`, one per line
//! - `time-bounds`: the time window of `policy` in words
//! - `matrix`: the cells of `policy` that are not empty
//!
//! Every example request printed by an analysis is re-checked with the evaluator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::Path;

use authz::analyze::{Analyzer, CheckResult};
use authz::{AnalysisError, Budget, Catalog, Policy, Request, evaluate, parse_policy};

fn sections(src: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in src.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            out.push((name.trim().to_string(), String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    out
}

fn parse_or_report(src: &str, out: &mut String) -> Option<Policy> {
    match parse_policy(src) {
        Ok(p) => Some(p),
        Err(e) => {
            let _ = writeln!(out, "parse error: {e}");
            None
        }
    }
}

fn check_line(r: &CheckResult) -> String {
    let mut s = format!("{:?}", r.result).to_uppercase();
    for x in &r.reasons {
        let _ = write!(
            s,
            " [{}:{}]",
            x.statement_index,
            x.statement_id.as_deref().unwrap_or("-")
        );
    }
    s
}

fn run(input: &str) -> String {
    let secs = sections(input);
    let get = |n: &str| secs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let mut out = String::new();
    let Some(policy) = parse_or_report(get("policy").unwrap_or(""), &mut out) else {
        return out;
    };
    let other = match get("other") {
        Some(o) => match parse_or_report(o, &mut out) {
            Some(p) => Some(p),
            None => return out,
        },
        None => None,
    };
    let an = Analyzer {
        catalog: Some(Catalog::builtin()),
    };
    for cmd in get("run")
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let res = match words[0] {
            "evaluate" => {
                let mut req = Request::new(words[1], words[2], words[3]);
                for kv in &words[4..] {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    req = req.with(k, v);
                }
                let d = evaluate(&[&policy], &req);
                let mut s = format!("{:?}", d.outcome);
                for st in &d.deciding {
                    let _ = write!(
                        s,
                        " [{}:{}]",
                        st.statement_index,
                        st.statement_id.as_deref().unwrap_or("-")
                    );
                }
                if let Some(m) = &d.nearest_miss {
                    let _ = write!(
                        s,
                        " nearest miss {}: {}",
                        m.statement.statement_index,
                        m.failed.join("; ")
                    );
                }
                s
            }
            "no-new-access" => {
                let old = other.as_ref().unwrap_or_else(|| panic!("`other` needed"));
                let r = an.check_no_new_access(old, &policy);
                for x in &r.reasons {
                    let req = x.example.to_request();
                    assert!(
                        authz::is_allowed(&[&policy], &req) && !authz::is_allowed(&[old], &req),
                        "bad example {x:?}"
                    );
                }
                check_line(&r)
            }
            "subset" => format!(
                "{}",
                authz::is_subset(
                    &policy,
                    other.as_ref().unwrap_or_else(|| panic!("`other` needed"))
                )
            ),
            "equivalent" => format!(
                "{}",
                authz::equivalent(
                    &policy,
                    other.as_ref().unwrap_or_else(|| panic!("`other` needed"))
                )
            ),
            "not-granted" => {
                let acts: Vec<String> = words[1].split(',').map(str::to_string).collect();
                let ress: Vec<String> = words
                    .get(2)
                    .map(|r| r.split(',').map(str::to_string).collect())
                    .unwrap_or_default();
                let r = an.check_access_not_granted(&policy, &acts, &ress);
                for x in &r.reasons {
                    assert!(
                        authz::is_allowed(&[&policy], &x.example.to_request()),
                        "bad example {x:?}"
                    );
                }
                check_line(&r)
            }
            "public" => check_line(&an.check_no_public_access(&policy)),
            "describe" => {
                let mut lines = Vec::new();
                for g in authz::capabilities(&policy, Catalog::builtin()) {
                    let refs = |v: &[authz::describe::StatementRef]| {
                        v.iter()
                            .map(|r| format!("{}:{}", r.index, r.sid.as_deref().unwrap_or("-")))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    let mut text = format!(
                        "\n  {} [{}{}] {}",
                        g.title,
                        g.actions.len(),
                        if g.all_actions {
                            " (all)".to_string()
                        } else {
                            format!(" of {}", g.total_actions)
                        },
                        g.actions.join(", "),
                    );
                    for gr in &g.grants {
                        let mut parts = vec![gr.resources.join(", ")];
                        if gr.actions.len() < g.actions.len() {
                            parts.insert(0, gr.actions.join(", "));
                        }
                        if !gr.principals.is_empty() {
                            parts.push(format!("for {}", gr.principals.join(", ")));
                        }
                        parts.extend(gr.conditions.iter().cloned());
                        let _ = write!(
                            text,
                            "\n    {} — {}",
                            refs(std::slice::from_ref(&gr.statement)),
                            parts.join("; ")
                        );
                    }
                    if g.partly_denied {
                        let _ = write!(text, "\n    partly denied by {}", refs(&g.denied_by));
                    }
                    lines.push(text);
                }
                if lines.is_empty() {
                    "nothing".to_string()
                } else {
                    lines.concat()
                }
            }
            "time-bounds" => authz::describe_time_bounds(&policy).text,
            "matrix" => {
                let cells: Vec<String> = authz::matrix_of(&policy, Catalog::builtin())
                    .into_iter()
                    .filter(|c| c.coverage != authz::Coverage::None)
                    .map(|c| {
                        format!(
                            "{}/{:?} {:?} {}/{}",
                            c.namespace, c.level, c.coverage, c.allowed, c.total
                        )
                    })
                    .collect();
                if cells.is_empty() {
                    "empty".to_string()
                } else {
                    cells.join(", ")
                }
            }
            "try-no-new-access" | "try-subset" => {
                let old = other.as_ref().unwrap_or_else(|| panic!("`other` needed"));
                let budget = words
                    .get(1)
                    .map(|w| Budget::with_steps(w.parse().unwrap_or_else(|e| panic!("{w}: {e}"))))
                    .unwrap_or_default();
                let shown = |e: AnalysisError| match e {
                    AnalysisError::TooComplex { limit, .. } => format!("TOO COMPLEX ({limit})"),
                };
                if words[0] == "try-subset" {
                    match authz::try_is_subset_within(&policy, old, budget) {
                        Ok(b) => {
                            assert_eq!(authz::is_subset(&policy, old), b);
                            b.to_string()
                        }
                        Err(e) => shown(e),
                    }
                } else {
                    match an.try_check_no_new_access_within(old, &policy, budget) {
                        Ok(r) => check_line(&r),
                        Err(e) => shown(e),
                    }
                }
            }
            "validate" => {
                let f = authz::validate::validate(&policy, Catalog::builtin());
                if f.is_empty() {
                    "no findings".to_string()
                } else {
                    f.iter()
                        .map(|x| format!("{:?} {} [{}]", x.level, x.code, x.statement_index))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            }
            other => panic!("unknown command `{other}`"),
        };
        let _ = writeln!(out, "{cmd} => {res}");
    }
    out
}

/// Runs one case file and compares (or, with `UPDATE_EXPECT=1`, rewrites) its expectation.
fn check(path: &Path) -> Result<(), String> {
    let src = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let actual = run(&src);
    let expect_at = src.find("=== expect\n");
    let expected = expect_at
        .map(|i| &src[i + "=== expect\n".len()..])
        .unwrap_or("");
    if actual.trim_end() == expected.trim_end() {
        return Ok(());
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let head = expect_at.map(|i| &src[..i]).unwrap_or(&src);
        std::fs::write(
            path,
            format!(
                "{}=== expect\n{actual}",
                head.trim_end_matches('\n').to_string() + "\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        return Ok(());
    }
    Err(format!(
        "{}:\n--- expected\n{expected}--- actual\n{actual}",
        path.display()
    ))
}

#[test]
fn data_driven_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "case"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 25,
        "expected many small fixtures, found {}",
        paths.len()
    );
    let failures: Vec<String> = paths.iter().filter_map(|p| check(p).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}
