//! SMT-LIB2 (QF_SLIA: strings + linear integers) emission of analyzer queries, so that answers
//! can be cross-checked with an independent solver such as `z3`.
//!
//! Encoding: `pk`, `pid`, `act`, `res` are strings (`act` is the lower-cased action: it may not
//! contain `A`-`Z`); context key number `j` is a presence flag `cpJ` and a value `cvJ`. Globs become
//! regular expressions. A number is decomposed as `sign ++ int ++ dot ++ frac ++ zeros` (`frac`
//! without trailing zeros), so comparisons with a constant `c` are exact: integer parts with
//! `str.to_int`, fractional parts lexicographically. ISO dates are validated field by field
//! (leap years with `mod`) and compared as fixed-width text; epoch seconds reuse the number
//! encoding.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::analyze::{AtomKind, Encoder, F, Var, and, not};
use crate::glob::{Glob, Tok};
use crate::policy::Policy;
use crate::values::{Cmp, Dec, format_iso};

/// Quotes a string as an SMT-LIB 2.6 string literal.
pub fn smt_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\"\""),
            ' '..='~' if c != '\\' => out.push(c),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

fn glob_re(g: &Glob) -> String {
    let mut parts = Vec::new();
    let mut lit = String::new();
    for t in g.toks() {
        match t {
            Tok::Lit(c) => lit.push(*c),
            other => {
                if !lit.is_empty() {
                    parts.push(format!("(str.to_re {})", smt_str(&lit)));
                    lit.clear();
                }
                parts.push(if *other == Tok::Star {
                    "(re.* re.allchar)".to_string()
                } else {
                    "re.allchar".to_string()
                });
            }
        }
    }
    if !lit.is_empty() {
        parts.push(format!("(str.to_re {})", smt_str(&lit)));
    }
    match parts.len() {
        0 => "(str.to_re \"\")".to_string(),
        1 => parts.pop().unwrap_or_default(),
        _ => format!("(re.++ {})", parts.join(" ")),
    }
}

const DIGIT: &str = "(re.range \"0\" \"9\")";

struct Emitter {
    keys: BTreeMap<String, usize>,
    numeric: Vec<bool>,
    dated: Vec<bool>,
}

impl Emitter {
    fn var_name(&mut self, v: &Var) -> String {
        match v {
            Var::PrincipalKind => "pk".into(),
            Var::PrincipalId => "pid".into(),
            Var::Action => "act".into(),
            Var::Resource => "res".into(),
            Var::Context(k) => {
                let n = self.keys.len();
                let j = *self.keys.entry(k.clone()).or_insert(n);
                format!("cv{j}")
            }
        }
    }

    fn key_index(&mut self, k: &str) -> usize {
        let n = self.keys.len();
        *self.keys.entry(k.to_string()).or_insert(n)
    }

    /// Sign/magnitude comparison of number key `j` (decomposed) with `c`.
    fn num_cmp(j: usize, cmp: Cmp, c: &Dec) -> String {
        let ci = if c.int.is_empty() {
            "0".to_string()
        } else {
            c.int.clone()
        };
        let cf = smt_str(&c.frac);
        let mag_lt = format!(
            "(or (< (str.to_int ni{j}) {ci}) (and (= (str.to_int ni{j}) {ci}) (str.< nf{j} {cf})))"
        );
        let mag_eq = format!("(and (= (str.to_int ni{j}) {ci}) (= nf{j} {cf}))");
        let mag_gt = format!("(and (not {mag_lt}) (not {mag_eq}))");
        let zero = format!("(and (= (str.to_int ni{j}) 0) (= nf{j} \"\"))");
        let negv = format!("(and (= ns{j} \"-\") (not {zero}))");
        let (lt, eq) = if c.is_zero() {
            (negv.clone(), zero)
        } else if !c.neg {
            (
                format!("(or {negv} {mag_lt})"),
                format!("(and (not {negv}) {mag_eq})"),
            )
        } else {
            (
                format!("(and {negv} {mag_gt})"),
                format!("(and {negv} {mag_eq})"),
            )
        };
        match cmp {
            Cmp::Lt => lt,
            Cmp::Eq => eq,
            Cmp::Le => format!("(or {lt} {eq})"),
            Cmp::Gt => format!("(not (or {lt} {eq}))"),
            Cmp::Ge => format!("(not {lt})"),
        }
    }

    fn atom(&mut self, enc: &Encoder, i: usize) -> String {
        let a = &enc.atoms[i];
        match (&a.var, &a.kind) {
            (Var::Context(k), kind) => {
                let j = self.key_index(k);
                let body = match kind {
                    AtomKind::Present => return format!("cp{j}"),
                    AtomKind::Glob(g) => format!("(str.in_re cv{j} {})", glob_re(g)),
                    AtomKind::Num(cmp, c) => {
                        self.numeric[j] = true;
                        format!("(and isnum{j} {})", Self::num_cmp(j, *cmp, c))
                    }
                    AtomKind::Date(cmp, c) => {
                        self.numeric[j] = true;
                        self.dated[j] = true;
                        let epoch = format!(
                            "(and isnum{j} (= nd{j} \"\") {})",
                            Self::num_cmp(j, *cmp, c)
                        );
                        let iso = match c.to_i64().and_then(format_iso) {
                            Some(txt) => {
                                let full = format!(
                                    "(ite (= (str.len cv{j}) 10) (str.++ cv{j} \"T00:00:00Z\") cv{j})"
                                );
                                let t = smt_str(&txt);
                                match cmp {
                                    Cmp::Lt => format!("(str.< {full} {t})"),
                                    Cmp::Le => format!("(str.<= {full} {t})"),
                                    Cmp::Eq => format!("(= {full} {t})"),
                                    Cmp::Gt => format!("(str.< {t} {full})"),
                                    Cmp::Ge => format!("(str.<= {t} {full})"),
                                }
                            }
                            None => {
                                let below = c.neg; // constant below the ISO range: ISO dates are greater
                                let holds = match cmp {
                                    Cmp::Lt | Cmp::Le => !below,
                                    Cmp::Eq => false,
                                    Cmp::Gt | Cmp::Ge => below,
                                };
                                holds.to_string()
                            }
                        };
                        format!("(or {epoch} (and isiso{j} {iso}))")
                    }
                };
                format!("(and cp{j} {body})")
            }
            (v, AtomKind::Glob(g)) => {
                let name = self.var_name(v);
                format!("(str.in_re {name} {})", glob_re(g))
            }
            (v, _) => {
                let name = self.var_name(v);
                format!("(= {name} \"\\u{{0}}never\")")
            }
        }
    }

    fn formula(&mut self, enc: &Encoder, f: &F, out: &mut String) {
        match f {
            F::True => out.push_str("true"),
            F::False => out.push_str("false"),
            F::Lit(i, p) => {
                let a = self.atom(enc, *i);
                if *p {
                    out.push_str(&a);
                } else {
                    let _ = write!(out, "(not {a})");
                }
            }
            F::And(v) | F::Or(v) => {
                out.push_str(if matches!(f, F::And(_)) {
                    "(and"
                } else {
                    "(or"
                });
                for x in v {
                    out.push(' ');
                    self.formula(enc, x, out);
                }
                out.push(')');
            }
        }
    }
}

/// Emits a complete SMT-LIB2 script asserting `f` (over `enc`'s atoms), ending in `(check-sat)`.
pub fn emit(enc: &Encoder, f: &F) -> String {
    let mut script = String::from("(set-logic QF_SLIA)\n");
    script.push_str(&emit_body(enc, f));
    script.push_str("(check-sat)\n");
    script
}

/// Declarations, definitions and the assertion for `f`, without `set-logic`/`check-sat`, so
/// several queries can share one solver process with `(push)`/`(pop)`.
pub fn emit_body(enc: &Encoder, f: &F) -> String {
    let mut e = Emitter {
        keys: BTreeMap::new(),
        numeric: Vec::new(),
        dated: Vec::new(),
    };
    for a in &enc.atoms {
        if let Var::Context(k) = &a.var {
            e.key_index(k);
        }
    }
    e.numeric = vec![false; e.keys.len()];
    e.dated = vec![false; e.keys.len()];
    let mut body = String::new();
    e.formula(enc, f, &mut body);
    let mut out = String::new();
    for v in ["pk", "pid", "act", "res"] {
        let _ = writeln!(out, "(declare-const {v} String)");
    }
    out.push_str("(assert (not (str.in_re act (re.++ (re.* re.allchar) (re.range \"A\" \"Z\") (re.* re.allchar)))))\n");
    for j in 0..e.keys.len() {
        let _ = writeln!(
            out,
            "(declare-const cp{j} Bool)\n(declare-const cv{j} String)"
        );
        if e.numeric[j] {
            let numre = format!(
                "(re.++ (re.opt (str.to_re \"-\")) (re.+ {DIGIT}) (re.opt (re.++ (str.to_re \".\") (re.+ {DIGIT}))))"
            );
            let _ = writeln!(
                out,
                "(declare-const isnum{j} Bool)\n(declare-const ns{j} String)\n(declare-const ni{j} String)\n\
                 (declare-const nd{j} String)\n(declare-const nf{j} String)\n(declare-const nz{j} String)\n\
                 (assert (= isnum{j} (str.in_re cv{j} {numre})))\n\
                 (assert (=> isnum{j} (and (= cv{j} (str.++ ns{j} ni{j} nd{j} nf{j} nz{j}))\n\
                   (or (= ns{j} \"\") (= ns{j} \"-\"))\n\
                   (str.in_re ni{j} (re.+ {DIGIT}))\n\
                   (or (= nd{j} \"\") (= nd{j} \".\"))\n\
                   (=> (= nd{j} \"\") (and (= nf{j} \"\") (= nz{j} \"\")))\n\
                   (=> (= nd{j} \".\") (>= (+ (str.len nf{j}) (str.len nz{j})) 1))\n\
                   (str.in_re nf{j} (re.union (str.to_re \"\") (re.++ (re.* {DIGIT}) (re.range \"1\" \"9\"))))\n\
                   (str.in_re nz{j} (re.* (str.to_re \"0\"))))))"
            );
        }
        if e.dated[j] {
            let d = |n: usize| vec![DIGIT; n].join(" ");
            let isore = format!(
                "(re.++ {} (str.to_re \"-\") {} (str.to_re \"-\") {} (re.opt (re.++ (str.to_re \"T\") {} (str.to_re \":\") {} (str.to_re \":\") {} (str.to_re \"Z\"))))",
                d(4),
                d(2),
                d(2),
                d(2),
                d(2),
                d(2)
            );
            let f = |o: usize, l: usize| format!("(str.to_int (str.substr cv{j} {o} {l}))");
            let (y, m, dd, hh, mi, ss) = (f(0, 4), f(5, 2), f(8, 2), f(11, 2), f(14, 2), f(17, 2));
            let leap = format!(
                "(or (and (= (mod {y} 4) 0) (not (= (mod {y} 100) 0))) (= (mod {y} 400) 0))"
            );
            let dim = format!(
                "(ite (or (= {m} 4) (= {m} 6) (= {m} 9) (= {m} 11)) 30 (ite (= {m} 2) (ite {leap} 29 28) 31))"
            );
            let _ = writeln!(
                out,
                "(declare-const isiso{j} Bool)\n(assert (= isiso{j} (and (str.in_re cv{j} {isore}) (<= 1 {m} 12) (<= 1 {dd}) (<= {dd} {dim})\n\
                   (=> (= (str.len cv{j}) 20) (and (<= {hh} 23) (<= {mi} 59) (<= {ss} 59))))))"
            );
        }
    }
    let _ = writeln!(out, "(assert {body})");
    out
}

/// The query "`new` allows a request that `existing` does not" as an SMT-LIB2 script:
/// `sat` exactly when [`crate::check_no_new_access`] fails.
pub fn no_new_access_script(existing: &Policy, new: &Policy) -> String {
    let mut enc = Encoder::default();
    let o = enc.allows(existing);
    let n = enc.allows(new);
    emit(&enc, &and(vec![n, not(o)]))
}
