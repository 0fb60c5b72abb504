//! Cross-check of the analyzer against the `z3` binary on the emitted SMT-LIB2.
//!
//! The generator covers a wider fragment than the brute-force oracle: globs with several
//! wildcards, string patterns mixed with numeric and date comparisons on the same key, decimals,
//! ISO and epoch dates, `Null`, `Bool` and `IfExists`. For every random pair the analyzer's
//! answer to "does `new` allow something `old` does not" must equal z3's `sat`/`unsat`.
//! This test needs `z3` on PATH (Debian package `z3`) and fails if it is missing.

use std::io::Write as _;
use std::process::{Command, Stdio};

use authz::analyze::{Encoder, Solver, and, not};
use authz::policy::{Policy, parse_policy};
use authz::smt;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn glob(r: &mut Rng, alphabet: &[char]) -> String {
    let n = r.below(6);
    (0..n)
        .map(|_| {
            if r.below(4) == 0 {
                *r.pick(&['*', '?'])
            } else {
                *r.pick(alphabet)
            }
        })
        .collect()
}

fn list(items: Vec<String>) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(",")
    )
}

fn condition(r: &mut Rng) -> String {
    let ie = if r.below(4) == 0 { "IfExists" } else { "" };
    let n = 1 + r.below(2);
    match r.below(8) {
        0 => format!(
            "\"{}{ie}\":{{\"s\":{}}}",
            r.pick(&["StringLike", "StringNotLike"]),
            list((0..n).map(|_| glob(r, &['a', 'b', 'c'])).collect())
        ),
        1 => format!(
            "\"{}{ie}\":{{\"s\":{}}}",
            r.pick(&["StringEquals", "StringNotEquals"]),
            list((0..n).map(|_| glob(r, &['a', 'b'])).collect())
        ),
        2 | 3 => {
            let op = r.pick(&[
                "Equals",
                "NotEquals",
                "LessThan",
                "LessThanEquals",
                "GreaterThan",
                "GreaterThanEquals",
            ]);
            let vals = (0..n)
                .map(|_| {
                    r.pick(&["-2", "-0.5", "0", "0.25", "1", "1.5", "10", "007"])
                        .to_string()
                })
                .collect();
            format!("\"Numeric{op}{ie}\":{{\"n\":{}}}", list(vals))
        }
        4 => format!(
            "\"{}{ie}\":{{\"n\":{}}}",
            r.pick(&["StringLike", "StringNotLike"]),
            list(
                (0..n)
                    .map(|_| glob(r, &['1', '0', '.', '-', '5']))
                    .collect()
            )
        ),
        5 => {
            let op = r.pick(&[
                "LessThan",
                "LessThanEquals",
                "GreaterThan",
                "GreaterThanEquals",
            ]);
            let vals = (0..n)
                .map(|_| {
                    r.pick(&[
                        "2024-01-01",
                        "2024-02-29T23:59:59Z",
                        "1704067200",
                        "2023-03-01",
                        "0",
                        "99999999999999",
                    ])
                    .to_string()
                })
                .collect();
            format!("\"Date{op}{ie}\":{{\"d\":{}}}", list(vals))
        }
        6 => format!(
            "\"{}{ie}\":{{\"d\":{}}}",
            r.pick(&["StringLike", "StringNotLike"]),
            list(
                (0..n)
                    .map(|_| glob(r, &['2', '0', '-', 'T', '1', '9']))
                    .collect()
            )
        ),
        _ => {
            if r.below(2) == 0 {
                format!(
                    "\"Null\":{{\"{}\":\"{}\"}}",
                    r.pick(&["s", "n", "d"]),
                    r.pick(&["true", "false"])
                )
            } else {
                format!("\"Bool{ie}\":{{\"b\":\"{}\"}}", r.pick(&["true", "false"]))
            }
        }
    }
}

fn statement(r: &mut Rng) -> String {
    let mut parts = vec![format!(
        "\"Effect\":\"{}\"",
        if r.below(10) < 7 { "Allow" } else { "Deny" }
    )];
    match r.below(4) {
        0 => parts.push(format!(
            "\"Principal\":{{\"{}\":{}}}",
            r.pick(&["K1", "K2"]),
            list(vec![glob(r, &['a', 'b'])])
        )),
        1 => parts.push(format!(
            "\"NotPrincipal\":{}",
            list(vec![glob(r, &['a', 'b'])])
        )),
        _ => {}
    }
    let key = if r.below(6) == 0 {
        "NotAction"
    } else {
        "Action"
    };
    parts.push(format!(
        "\"{key}\":{}",
        list(
            (0..1 + r.below(2))
                .map(|_| glob(r, &['a', 'B', ':']))
                .collect()
        )
    ));
    if r.below(3) > 0 {
        let key = if r.below(6) == 0 {
            "NotResource"
        } else {
            "Resource"
        };
        parts.push(format!(
            "\"{key}\":{}",
            list(
                (0..1 + r.below(2))
                    .map(|_| glob(r, &['x', 'y', '/']))
                    .collect()
            )
        ));
    }
    let nc = r.below(3);
    if nc > 0 {
        // One operator per statement avoids duplicate operator keys.
        let conds: Vec<String> = (0..nc).map(|_| condition(r)).collect();
        let mut seen = std::collections::BTreeSet::new();
        let conds: Vec<String> = conds
            .into_iter()
            .filter(|c| seen.insert(c.split(':').next().unwrap_or("").to_string()))
            .collect();
        parts.push(format!("\"Condition\":{{{}}}", conds.join(",")));
    }
    format!("{{{}}}", parts.join(","))
}

fn policy(r: &mut Rng) -> (Policy, String) {
    let stmts: Vec<String> = (0..1 + r.below(3)).map(|_| statement(r)).collect();
    let src = format!("{{\"Statement\":[{}]}}", stmts.join(","));
    (
        parse_policy(&src).unwrap_or_else(|e| panic!("{e}\n{src}")),
        src,
    )
}

#[test]
fn analyzer_agrees_with_z3() {
    let cases = 1_200;
    let mut rng = Rng(0x5EED_0001);
    let mut script = String::from("(set-option :produce-models false)\n(set-logic QF_SLIA)\n");
    let mut expected = Vec::new();
    let mut sources = Vec::new();
    for _ in 0..cases {
        let (old, old_src) = policy(&mut rng);
        let (new, new_src) = policy(&mut rng);
        let mut enc = Encoder::default();
        let o = enc.allows(&old);
        let n = enc.allows(&new);
        let q = and(vec![n, not(o)]);
        let sat = Solver::new(&enc).sat(&q);
        expected.push(sat);
        script.push_str("(push 1)\n");
        script.push_str(&smt::emit_body(&enc, &q));
        script.push_str("(check-sat)\n(pop 1)\n");
        sources.push((old_src, new_src));
    }
    let mut child = Command::new("z3")
        .args(["-in", "-smt2", "-T:600"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `z3` (install the Debian package `z3`): {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("z3 failed: {e}"));
    writer
        .join()
        .unwrap_or_else(|_| panic!("writer panicked"))
        .unwrap_or_else(|e| panic!("write to z3: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let answers: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        answers.len(),
        cases,
        "z3 output:\n{}",
        text.chars().take(2000).collect::<String>()
    );
    let mut sat_count = 0;
    for (i, (a, e)) in answers.iter().zip(&expected).enumerate() {
        let z3_sat = match *a {
            "sat" => true,
            "unsat" => false,
            other => panic!(
                "case {i}: z3 answered `{other}`\nold = {}\nnew = {}",
                sources[i].0, sources[i].1
            ),
        };
        assert_eq!(
            *e, z3_sat,
            "case {i}: analyzer says sat={e}, z3 says {a}\nold = {}\nnew = {}",
            sources[i].0, sources[i].1
        );
        sat_count += usize::from(z3_sat);
    }
    eprintln!(
        "{cases} cases agree with z3 ({sat_count} sat, {} unsat)",
        cases - sat_count
    );
    assert!(
        sat_count > cases / 10 && sat_count < cases * 9 / 10,
        "unbalanced generator: {sat_count} sat of {cases}"
    );
}
