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

    /// Comparison of the number held by key `j` with `c`, as regular-expression memberships
    /// (no integer conversion): sign handling plus magnitude regexes from [`mag_re`].
    fn num_cmp(j: usize, cmp: Cmp, c: &Dec) -> String {
        let inr = |re: &str| format!("(str.in_re cv{j} {re})");
        let neg = |re: &str| format!("(re.++ (str.to_re \"-\") {re})");
        let (m_lt, m_eq) = mag_re(c);
        let u = unsigned_re();
        let (lt, eq) = if c.is_zero() {
            (
                inr(&neg(&nonzero_re())),
                inr(&format!("(re.++ (re.opt (str.to_re \"-\")) {})", zero_re())),
            )
        } else if !c.neg {
            (inr(&format!("(re.union {} {m_lt})", neg(&u))), inr(&m_eq))
        } else {
            (
                format!(
                    "(and {} (not {}) (not {}))",
                    inr(&neg(&u)),
                    inr(&neg(&m_lt)),
                    inr(&neg(&m_eq))
                ),
                inr(&neg(&m_eq)),
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
                            "(and (str.in_re cv{j} (re.++ (re.opt (str.to_re \"-\")) (re.+ {DIGIT}))) {})",
                            Self::num_cmp(j, *cmp, c)
                        );
                        let iso = match c.to_i64().and_then(format_iso) {
                            Some(txt) => {
                                let (lt, eq) = iso_lt_eq(j, &txt);
                                match cmp {
                                    Cmp::Lt => lt,
                                    Cmp::Le => format!("(or {lt} {eq})"),
                                    Cmp::Eq => eq,
                                    Cmp::Gt => format!("(not (or {lt} {eq}))"),
                                    Cmp::Ge => format!("(not {lt})"),
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

/// `D+ (. D+)?`: an unsigned number.
fn unsigned_re() -> String {
    format!("(re.++ (re.+ {DIGIT}) (re.opt (re.++ (str.to_re \".\") (re.+ {DIGIT}))))")
}

/// Unsigned spellings of zero: `0+ (. 0+)?`.
fn zero_re() -> String {
    "(re.++ (re.+ (str.to_re \"0\")) (re.opt (re.++ (str.to_re \".\") (re.+ (str.to_re \"0\")))))"
        .to_string()
}

/// Unsigned numbers with a non-zero digit.
fn nonzero_re() -> String {
    let nz = range('1', '9');
    format!(
        "(re.union (re.++ (re.* (str.to_re \"0\")) {nz} (re.* {DIGIT}) (re.opt (re.++ (str.to_re \".\") (re.+ {DIGIT})))) \
         (re.++ (re.+ (str.to_re \"0\")) (str.to_re \".\") (re.* (str.to_re \"0\")) {nz} (re.* {DIGIT})))"
    )
}

/// `D^{0..k}` without `re.loop`.
fn digits_upto(k: usize) -> String {
    let mut r = "(str.to_re \"\")".to_string();
    for _ in 0..k {
        r = format!("(re.opt (re.++ {DIGIT} {r}))");
    }
    r
}

fn exactly(k: usize) -> String {
    if k == 0 {
        "(str.to_re \"\")".to_string()
    } else {
        format!("(re.++ {})", vec![DIGIT; k].join(" "))
    }
}

/// `(less, equal)`: unsigned spellings whose magnitude is less than / equal to `|c|`.
fn mag_re(c: &Dec) -> (String, String) {
    let ci: Vec<char> = c.int.chars().collect();
    let cf: Vec<char> = c.frac.chars().collect();
    let zs = "(re.* (str.to_re \"0\"))";
    let any_frac = format!("(re.opt (re.++ (str.to_re \".\") (re.+ {DIGIT})))");
    let l = ci.len();
    let int_eq = if l == 0 {
        "(re.+ (str.to_re \"0\"))".to_string()
    } else {
        format!("(re.++ {zs} {})", lit(&c.int))
    };
    let mut less = Vec::new();
    if l >= 1 {
        // Fewer significant integer digits.
        less.push(format!(
            "(re.++ (re.union (re.+ (str.to_re \"0\")) (re.++ {zs} {} {})) {any_frac})",
            range('1', '9'),
            digits_upto(l.saturating_sub(2))
        ));
        if l == 1 {
            less.pop();
            less.push(format!("(re.++ (re.+ (str.to_re \"0\")) {any_frac})"));
        }
        // Same length, smaller at position p.
        for p in 0..l {
            let lo = if p == 0 { '1' } else { '0' };
            if ci[p] > lo {
                let prev = char::from_u32(ci[p] as u32 - 1).unwrap_or('0');
                let head: String = ci[..p].iter().collect();
                less.push(format!(
                    "(re.++ {zs} {} {} {} {any_frac})",
                    lit(&head),
                    range(lo, prev),
                    exactly(l - p - 1)
                ));
            }
        }
    }
    if !cf.is_empty() {
        // Equal integer part, smaller fraction.
        let mut fr = vec!["(str.to_re \"\")".to_string()];
        for p in 0..cf.len() {
            let head: String = cf[..p].iter().collect();
            if cf[p] > '0' {
                let prev = char::from_u32(cf[p] as u32 - 1).unwrap_or('0');
                fr.push(format!(
                    "(re.++ (str.to_re \".\") {} {} (re.* {DIGIT}))",
                    lit(&head),
                    range('0', prev)
                ));
            }
            let zeros = if p == 0 {
                "(re.+ (str.to_re \"0\"))"
            } else {
                zs
            };
            fr.push(format!("(re.++ (str.to_re \".\") {} {zeros})", lit(&head)));
        }
        less.push(format!(
            "(re.++ {int_eq} (re.union re.none {}))",
            fr.join(" ")
        ));
    }
    let frac_eq = if cf.is_empty() {
        "(re.opt (re.++ (str.to_re \".\") (re.+ (str.to_re \"0\"))))".to_string()
    } else {
        format!("(re.++ (str.to_re \".\") {} {zs})", lit(&c.frac))
    };
    let lt = format!("(re.union re.none {})", less.join(" "));
    (lt, format!("(re.++ {int_eq} {frac_eq})"))
}

fn lit(s: &str) -> String {
    format!("(str.to_re {})", smt_str(s))
}

fn alt(items: &[&str]) -> String {
    format!(
        "(re.union {})",
        items.iter().map(|s| lit(s)).collect::<Vec<_>>().join(" ")
    )
}

fn range(a: char, b: char) -> String {
    format!(
        "(re.range {} {})",
        smt_str(&a.to_string()),
        smt_str(&b.to_string())
    )
}

/// Valid ISO dates as a regular expression (fixed width, so validity is a finite language):
/// days per month, February 29 only in leap years, hours 00-23, minutes and seconds 00-59.
fn iso_re() -> String {
    let d = DIGIT;
    let leap2 = format!(
        "(re.union (re.++ (str.to_re \"0\") {}) (re.++ {} {}) (re.++ {} {}))",
        alt(&["4", "8"]),
        alt(&["2", "4", "6", "8"]),
        alt(&["0", "4", "8"]),
        alt(&["1", "3", "5", "7", "9"]),
        alt(&["2", "6"])
    );
    let leap_year =
        format!("(re.union (re.++ {d} {d} {leap2}) (re.++ {leap2} (str.to_re \"00\")))");
    let day28 = format!(
        "(re.union (re.++ (str.to_re \"0\") {}) (re.++ (str.to_re \"1\") {d}) (re.++ (str.to_re \"2\") {}))",
        range('1', '9'),
        range('0', '8')
    );
    let day30 = format!("(re.union {day28} (str.to_re \"29\") (str.to_re \"30\"))");
    let day31 = format!("(re.union {day30} (str.to_re \"31\"))");
    let any_year = format!("(re.++ {d} {d} {d} {d})");
    let date = format!(
        "(re.union (re.++ {any_year} (str.to_re \"-\") {} (str.to_re \"-\") {day31}) (re.++ {any_year} (str.to_re \"-\") {} (str.to_re \"-\") {day30}) (re.++ {any_year} (str.to_re \"-02-\") {day28}) (re.++ {leap_year} (str.to_re \"-02-29\")))",
        alt(&["01", "03", "05", "07", "08", "10", "12"]),
        alt(&["04", "06", "09", "11"])
    );
    let time = format!(
        "(re.++ (str.to_re \"T\") (re.union (re.++ {} {d}) (re.++ (str.to_re \"2\") {})) (str.to_re \":\") {} {d} (str.to_re \":\") {} {d} (str.to_re \"Z\"))",
        range('0', '1'),
        range('0', '3'),
        range('0', '5'),
        range('0', '5')
    );
    format!("(re.++ {date} (re.opt {time}))")
}

/// `(less, equal)` for an ISO value of key `j` against the canonical 20-character text `c`,
/// as regular-expression memberships (fixed-width ISO text orders like time; a date-only value
/// stands for midnight).
fn iso_lt_eq(j: usize, c: &str) -> (String, String) {
    let cb: Vec<char> = c.chars().collect();
    let mut branches = Vec::new();
    for (i, ch) in cb.iter().enumerate() {
        if ch.is_ascii_digit() && *ch > '0' {
            let prev = char::from_u32(*ch as u32 - 1).unwrap_or('0');
            let head: String = cb[..i].iter().collect();
            branches.push(format!(
                "(re.++ {} {} (re.* re.allchar))",
                lit(&head),
                range('0', prev)
            ));
        }
    }
    let head10: String = cb[..10].iter().collect();
    let tail: String = cb[10..].iter().collect();
    if "T00:00:00Z" < tail.as_str() {
        branches.push(lit(&head10));
    }
    let lt = if branches.is_empty() {
        "false".to_string()
    } else {
        format!(
            "(str.in_re cv{j} (re.union re.none {}))",
            branches.join(" ")
        )
    };
    let mut eq = format!("(= cv{j} {})", smt_str(c));
    if tail == "T00:00:00Z" {
        eq = format!("(or {eq} (= cv{j} {}))", smt_str(&head10));
    }
    (lt, eq)
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
            let _ = writeln!(
                out,
                "(declare-const isnum{j} Bool)\n(assert (= isnum{j} (str.in_re cv{j} (re.++ (re.opt (str.to_re \"-\")) {}))))",
                unsigned_re()
            );
        }
        if e.dated[j] {
            let _ = writeln!(
                out,
                "(declare-const isiso{j} Bool)\n(assert (= isiso{j} (str.in_re cv{j} {})))",
                iso_re()
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
