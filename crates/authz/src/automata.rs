//! The per-variable string theory of the analyzer: every atom on a string variable is a
//! (lazily explored) finite automaton, and a conjunction of atoms and negated atoms is decided by
//! breadth-first search over the product automaton. This is exact for all strings:
//!
//! - glob membership: NFA over pattern positions (subset construction on the fly);
//! - "parses as a number `x` with `x op c`": a DFA that tracks sign, the comparison of the
//!   significant integer digits with `c` (length saturated at `len(c.int)+1`) and the fractional
//!   comparison (position saturated at `len(c.frac)`);
//! - "parses as a date `d` with `d op c`": the product of the integer DFA (epoch seconds) and a
//!   DFA for the fixed-width ISO forms, which validates months, days (leap years via the year
//!   modulo 400), hours, minutes and seconds and compares the text position by position with
//!   the canonical ISO form of `c` (fixed-width ISO text orders like time).
//!
//! Every automaton's state space is finite, so the search terminates. The alphabet is the set of
//! characters that occur in the atoms, the characters the typed grammars use, and one fresh
//! character: every automaton treats all other characters exactly like the fresh one, so a
//! witness over the full alphabet exists iff one exists over this reduced alphabet.

use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};

use crate::budget::{Exhausted, Meter};
use crate::glob::{Glob, Tok};
use crate::values::{Cmp, Dec, ISO_MAX, ISO_MIN, days_in_month, format_iso, is_leap};

/// One automaton of a conjunction.
#[derive(Debug, Clone)]
pub enum Aut {
    Glob(Glob),
    Num { c: Dec, cmp: Cmp },
    Date { c: Dec, cmp: Cmp },
}

const TYPED_CHARS: &str = "0123456789-.:TZ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct NumSt {
    phase: u8,
    neg: bool,
    nz: bool,
    len: u32,
    icmp: i8,
    fpos: u32,
    fcmp: i8,
}

const DEAD: u8 = 255;

impl NumSt {
    fn start() -> NumSt {
        NumSt {
            phase: 0,
            neg: false,
            nz: false,
            len: 0,
            icmp: 0,
            fpos: 0,
            fcmp: 0,
        }
    }
}

fn ord_i8(o: Ordering) -> i8 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

fn i8_ord(v: i8) -> Ordering {
    v.cmp(&0)
}

fn num_step(c: &Dec, int_only: bool, mut s: NumSt, ch: char) -> NumSt {
    let ci = c.int.as_bytes();
    let cf = c.frac.as_bytes();
    let dead = NumSt {
        phase: DEAD,
        ..NumSt::start()
    };
    match (s.phase, ch) {
        (0, '-') => {
            s.phase = 1;
            s.neg = true;
            s
        }
        (0..=2, d) if d.is_ascii_digit() => {
            s.phase = 2;
            if s.len == 0 && d == '0' {
                return s;
            }
            s.nz = true;
            s.len += 1;
            let l = s.len as usize;
            if l <= ci.len() {
                if s.icmp == 0 {
                    s.icmp = ord_i8((d as u8).cmp(&ci[l - 1]));
                }
            } else {
                s.len = ci.len() as u32 + 1;
                s.icmp = 0;
            }
            s
        }
        (2, '.') if !int_only => {
            let ires = match (s.len as usize).cmp(&ci.len()) {
                Ordering::Less => -1,
                Ordering::Greater => 1,
                Ordering::Equal => s.icmp,
            };
            NumSt {
                phase: 3,
                neg: s.neg,
                nz: s.nz,
                len: 0,
                icmp: 0,
                fpos: 0,
                fcmp: ires,
            }
        }
        (3 | 4, d) if d.is_ascii_digit() => {
            s.phase = 4;
            if d != '0' {
                s.nz = true;
            }
            if s.fcmp == 0 {
                let p = s.fpos as usize;
                let cd = cf.get(p).copied().unwrap_or(b'0');
                s.fcmp = ord_i8((d as u8).cmp(&cd));
                s.fpos = (p + 1).min(cf.len()) as u32;
                if s.fcmp != 0 {
                    s.fpos = 0;
                }
            }
            s
        }
        _ => dead,
    }
}

fn num_accepts(c: &Dec, cmp: Cmp, s: NumSt) -> bool {
    let ci = c.int.len();
    let cf = c.frac.len();
    let mag = match s.phase {
        2 => {
            let ires = match (s.len as usize).cmp(&ci) {
                Ordering::Less => Ordering::Less,
                Ordering::Greater => Ordering::Greater,
                Ordering::Equal => i8_ord(s.icmp),
            };
            if ires == Ordering::Equal && cf > 0 {
                Ordering::Less
            } else {
                ires
            }
        }
        4 => {
            if s.fcmp != 0 {
                i8_ord(s.fcmp)
            } else if (s.fpos as usize) < cf {
                Ordering::Less
            } else {
                Ordering::Equal
            }
        }
        _ => return false,
    };
    let sv: i8 = if !s.nz {
        0
    } else if s.neg {
        -1
    } else {
        1
    };
    let cv: i8 = if c.is_zero() {
        0
    } else if c.neg {
        -1
    } else {
        1
    };
    let ord = if sv != cv {
        sv.cmp(&cv)
    } else if sv == 0 {
        Ordering::Equal
    } else if sv > 0 {
        mag
    } else {
        mag.reverse()
    };
    cmp.holds(ord)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct IsoSt {
    pos: u8,
    cmp: i8,
    /// Year modulo 400 while reading the year, then the leap flag (0/1).
    y: u16,
    mon: u8,
    first: u8,
}

/// The ISO template; `D` is a digit.
const ISO_T: &[u8; 20] = b"DDDD-DD-DDTDD:DD:DDZ";

/// Reference text for an ISO comparison with a constant.
#[derive(Debug, Clone)]
enum IsoRef {
    Text(Vec<u8>),
    /// The constant lies outside the ISO range: every ISO date compares this way with it.
    Fixed(Ordering),
}

fn iso_ref(c: &Dec) -> IsoRef {
    match c.to_i64().and_then(format_iso) {
        Some(t) => IsoRef::Text(t.into_bytes()),
        None => IsoRef::Fixed(if c.neg {
            Ordering::Greater
        } else {
            Ordering::Less
        }),
    }
}

fn iso_step(r: &IsoRef, s: IsoSt, ch: char) -> Option<IsoSt> {
    let pos = s.pos as usize;
    let t = *ISO_T.get(pos)?;
    let mut n = s;
    n.pos += 1;
    if t == b'D' {
        let d = ch.to_digit(10)? as u8;
        match pos {
            0..=3 => n.y = (s.y * 10 + u16::from(d)) % 400,
            5 | 8 | 11 | 14 | 17 => {
                let max_first = match pos {
                    5 => 1,
                    8 => 3,
                    11 => 2,
                    _ => 5,
                };
                if d > max_first {
                    return None;
                }
                n.first = d;
            }
            6 => {
                let m = s.first * 10 + d;
                if !(1..=12).contains(&m) {
                    return None;
                }
                n.mon = m;
                n.first = 0;
            }
            9 => {
                let day = i64::from(s.first * 10 + d);
                let leap_year = if s.y == 1 { 2000 } else { 2001 };
                if day < 1 || day > days_in_month(leap_year, i64::from(s.mon)) {
                    return None;
                }
                n.y = 0;
                n.mon = 0;
                n.first = 0;
            }
            12 => {
                if s.first * 10 + d > 23 {
                    return None;
                }
                n.first = 0;
            }
            _ => n.first = 0,
        }
    } else if ch as u32 != u32::from(t) {
        return None;
    }
    if pos == 3 {
        n.y = u16::from(is_leap(i64::from(n.y)));
    }
    if n.cmp == 0
        && let IsoRef::Text(txt) = r
    {
        n.cmp = ord_i8((ch as u32).cmp(&u32::from(txt[pos])));
    }
    Some(n)
}

fn iso_accepts(r: &IsoRef, cmp: Cmp, s: IsoSt) -> bool {
    if s.pos != 10 && s.pos != 20 {
        return false;
    }
    let ord = match r {
        IsoRef::Fixed(o) => *o,
        IsoRef::Text(txt) => {
            if s.cmp != 0 {
                i8_ord(s.cmp)
            } else if s.pos == 10 {
                b"T00:00:00Z".as_slice().cmp(&txt[10..])
            } else {
                Ordering::Equal
            }
        }
    };
    cmp.holds(ord)
}

/// A fast non-cryptographic hasher (FxHash) for product states.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum St {
    /// Glob positions when the pattern has at most 63 tokens.
    Glob1(u64),
    Glob(Vec<u64>),
    Num(NumSt),
    Date(NumSt, Option<IsoSt>),
    /// A negated automaton that can no longer accept: satisfied for every continuation.
    Done,
}

struct Prepared {
    aut: Aut,
    positive: bool,
    iso: Option<IsoRef>,
}

fn bit(set: &[u64], i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

fn set_bit(set: &mut [u64], i: usize) {
    if let Some(w) = set.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

fn glob_close(toks: &[Tok], set: &mut [u64]) {
    for (i, t) in toks.iter().enumerate() {
        if *t == Tok::Star && bit(set, i) {
            set_bit(set, i + 1);
        }
    }
}

fn glob_start(toks: &[Tok]) -> Vec<u64> {
    let mut s = vec![0u64; toks.len() / 64 + 1];
    set_bit(&mut s, 0);
    glob_close(toks, &mut s);
    s
}

fn glob_step(toks: &[Tok], set: &[u64], ch: char) -> Vec<u64> {
    let mut n = vec![0u64; set.len()];
    for (i, t) in toks.iter().enumerate() {
        if !bit(set, i) {
            continue;
        }
        match t {
            Tok::Star => set_bit(&mut n, i),
            Tok::Any => set_bit(&mut n, i + 1),
            Tok::Lit(c) if *c == ch => set_bit(&mut n, i + 1),
            Tok::Lit(_) => {}
        }
    }
    glob_close(toks, &mut n);
    n
}

fn glob_step1(toks: &[Tok], set: u64, ch: char) -> u64 {
    let mut n = 0u64;
    let mut rest = set;
    while rest != 0 {
        let i = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        match toks.get(i) {
            Some(Tok::Star) => n |= 1 << i,
            Some(Tok::Any) => n |= 1 << (i + 1),
            Some(Tok::Lit(c)) if *c == ch => n |= 1 << (i + 1),
            _ => {}
        }
    }
    for (i, t) in toks.iter().enumerate() {
        if *t == Tok::Star && n >> i & 1 == 1 {
            n |= 1 << (i + 1);
        }
    }
    n
}

impl Prepared {
    fn start(&self) -> St {
        match &self.aut {
            Aut::Glob(g) if g.toks().len() < 64 => St::Glob1(glob_start(g.toks())[0]),
            Aut::Glob(g) => St::Glob(glob_start(g.toks())),
            Aut::Num { .. } => St::Num(NumSt::start()),
            Aut::Date { .. } => St::Date(
                NumSt::start(),
                Some(IsoSt {
                    pos: 0,
                    cmp: 0,
                    y: 0,
                    mon: 0,
                    first: 0,
                }),
            ),
        }
    }

    fn accepts(&self, s: &St) -> bool {
        match (&self.aut, s) {
            (Aut::Glob(g), St::Glob1(set)) => set >> g.toks().len() & 1 == 1,
            (Aut::Glob(g), St::Glob(set)) => bit(set, g.toks().len()),
            (Aut::Num { c, cmp }, St::Num(n)) => num_accepts(c, *cmp, *n),
            (Aut::Date { c, cmp }, St::Date(n, iso)) => {
                num_accepts(c, *cmp, *n)
                    || match (iso, &self.iso) {
                        (Some(i), Some(r)) => iso_accepts(r, *cmp, *i),
                        _ => false,
                    }
            }
            _ => false,
        }
    }

    fn dead(&self, s: &St) -> bool {
        match s {
            St::Glob1(set) => *set == 0,
            St::Glob(set) => set.iter().all(|w| *w == 0),
            St::Num(n) => n.phase == DEAD,
            St::Date(n, iso) => n.phase == DEAD && iso.is_none(),
            St::Done => false,
        }
    }

    fn step(&self, s: &St, ch: char) -> St {
        match (&self.aut, s) {
            (Aut::Glob(g), St::Glob1(set)) => St::Glob1(glob_step1(g.toks(), *set, ch)),
            (Aut::Glob(g), St::Glob(set)) => St::Glob(glob_step(g.toks(), set, ch)),
            (Aut::Num { c, .. }, St::Num(n)) => St::Num(num_step(c, false, *n, ch)),
            (Aut::Date { c, .. }, St::Date(n, iso)) => {
                let r = self.iso.as_ref();
                St::Date(
                    num_step(c, true, *n, ch),
                    iso.and_then(|i| r.and_then(|r| iso_step(r, i, ch))),
                )
            }
            _ => St::Done,
        }
    }
}

/// Chooses a character that no atom distinguishes (not in `used`, not a typed-grammar character,
/// not an ASCII upper-case letter so it is also valid for the case-folded action variable).
pub fn fresh_char(used: &[char]) -> char {
    let mut cands = "xzqjkvwyu_"
        .chars()
        .chain(('a'..='z').chain('\u{e0}'..='\u{24f}'));
    cands
        .find(|c| !used.contains(c) && !TYPED_CHARS.contains(*c))
        .unwrap_or('\u{2603}')
}

/// Decides whether some string satisfies every `(automaton, polarity)` pair and returns the
/// shortest one (breadth-first). `None` means the conjunction is unsatisfiable.
///
/// This search is unbounded (it can take exponential time and memory on hostile patterns): use
/// it only on trusted input, and [`witness_metered`] otherwise.
pub fn witness(atoms: &[(Aut, bool)]) -> Option<String> {
    witness_metered(atoms, &mut Meter::unlimited()).unwrap_or(None)
}

/// Step cost of advancing one automaton by one character (see [`crate::budget`]).
fn step_cost(a: &Aut) -> u64 {
    match a {
        // Patterns of 64 tokens or more step a heap-allocated position set.
        Aut::Glob(g) if g.toks().len() >= 64 => 16 + g.toks().len() as u64,
        Aut::Glob(g) => 8 + g.toks().len() as u64 / 2,
        Aut::Num { .. } | Aut::Date { .. } => 16,
    }
}

/// Bytes one product state holds (in the visited set and the queue), an upper bound.
fn state_bytes(atoms: &[(Aut, bool)]) -> u64 {
    let st = std::mem::size_of::<St>() as u64;
    let per: u64 = atoms
        .iter()
        .map(|(a, _)| match a {
            Aut::Glob(g) if g.toks().len() >= 64 => st + 8 * (g.toks().len() as u64 / 64 + 1),
            _ => st,
        })
        .sum();
    // Two copies (visited set and queue), vector headers, hash-table slot and parent link.
    2 * (per + 24) + 48
}

/// [`witness`] within a budget: `Err` when the meter runs out before the search decides.
pub fn witness_metered(
    atoms: &[(Aut, bool)],
    meter: &mut Meter,
) -> Result<Option<String>, Exhausted> {
    let setup: u64 = atoms
        .iter()
        .map(|(a, _)| match a {
            Aut::Glob(g) => 1 + g.toks().len() as u64,
            _ => 16,
        })
        .sum();
    meter.charge(setup)?;
    let mut alpha: Vec<char> = Vec::new();
    let mut typed = false;
    let mut prepared = Vec::new();
    let mut kept = Vec::new();
    for (a, pos) in atoms {
        match a {
            Aut::Glob(g) => {
                if *pos && g.is_all() {
                    continue;
                }
                for t in g.toks() {
                    if let Tok::Lit(c) = t
                        && !alpha.contains(c)
                    {
                        meter.charge(alpha.len() as u64 / 8)?;
                        alpha.push(*c);
                    }
                }
            }
            _ => typed = true,
        }
        let iso = match a {
            Aut::Date { c, .. } => Some(iso_ref(c)),
            _ => None,
        };
        kept.push((a.clone(), *pos));
        prepared.push(Prepared {
            aut: a.clone(),
            positive: *pos,
            iso,
        });
    }
    if typed {
        for c in TYPED_CHARS.chars() {
            if !alpha.contains(&c) {
                alpha.push(c);
            }
        }
    }
    let fresh = fresh_char(&alpha);
    alpha.push(fresh);
    // Readable witnesses first: prefer the fresh letter and digits early.
    alpha.sort_by_key(|c| (!c.is_ascii_alphanumeric(), *c));
    // One transition: step every automaton, hash and compare the product state.
    let trans_cost: u64 = 32 + kept.iter().map(|(a, _)| step_cost(a)).sum::<u64>();
    let per_state = state_bytes(&kept);

    let norm = |states: Vec<St>| -> Option<Vec<St>> {
        let mut out = Vec::with_capacity(states.len());
        for (p, s) in prepared.iter().zip(states) {
            if p.dead(&s) {
                if p.positive {
                    return None;
                }
                out.push(St::Done);
            } else {
                out.push(s);
            }
        }
        Some(out)
    };
    let accepting = |states: &[St]| {
        prepared.iter().zip(states).all(|(p, s)| match s {
            St::Done => !p.positive,
            s => p.accepts(s) == p.positive,
        })
    };
    meter.charge(trans_cost)?;
    let Some(start) = norm(prepared.iter().map(Prepared::start).collect()) else {
        return Ok(None);
    };
    let mut nodes: Vec<(usize, char)> = vec![(usize::MAX, '\0')];
    let mut seen: HashMap<Vec<St>, usize, FxBuild> = HashMap::default();
    let mut queue = VecDeque::new();
    let mut held = per_state;
    meter.check_bytes(held)?;
    seen.insert(start.clone(), 0);
    queue.push_back((start, 0usize));
    while let Some((states, id)) = queue.pop_front() {
        meter.charge(2 * prepared.len() as u64 + 2)?;
        if accepting(&states) {
            let mut out = Vec::new();
            let mut cur = id;
            while cur != 0 {
                let (parent, ch) = nodes[cur];
                out.push(ch);
                cur = parent;
            }
            return Ok(Some(out.into_iter().rev().collect()));
        }
        for &ch in &alpha {
            meter.charge(trans_cost)?;
            let next: Vec<St> = prepared
                .iter()
                .zip(&states)
                .map(|(p, s)| {
                    if *s == St::Done {
                        St::Done
                    } else {
                        p.step(s, ch)
                    }
                })
                .collect();
            let Some(next) = norm(next) else { continue };
            if seen.contains_key(&next) {
                continue;
            }
            held += per_state;
            meter.check_bytes(held)?;
            nodes.push((id, ch));
            let nid = nodes.len() - 1;
            seen.insert(next.clone(), nid);
            queue.push_back((next, nid));
        }
    }
    Ok(None)
}

/// Runs the automata on a concrete string (used by tests to cross-check the evaluator).
pub fn accepts(a: &Aut, s: &str) -> bool {
    let iso = match a {
        Aut::Date { c, .. } => Some(iso_ref(c)),
        _ => None,
    };
    let p = Prepared {
        aut: a.clone(),
        positive: true,
        iso,
    };
    let mut st = p.start();
    for ch in s.chars() {
        st = p.step(&st, ch);
    }
    p.accepts(&st)
}

/// Bounds used by tests: the ISO range endpoints.
pub const ISO_RANGE: (i64, i64) = (ISO_MIN, ISO_MAX);

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::values::{cmp_date, cmp_dec, parse_date, parse_dec};

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
                    let expect_num =
                        parse_dec(&s).is_some_and(|d| cmp.holds(cmp_dec(d, cd.as_ref())));
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
        let w =
            witness(&[(num("4", Cmp::Gt), true), (num("5", Cmp::Lt), true)]).unwrap_or_default();
        assert!(
            parse_dec(&w)
                .is_some_and(|d| cmp_dec(d, parse_dec("4").unwrap_or(d)) == Ordering::Greater),
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
}
