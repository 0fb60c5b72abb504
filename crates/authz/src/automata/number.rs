//! The number automaton: "parses as a decimal `x` with `x op c`", a DFA that tracks the sign and
//! the digit-wise comparison with `c`. The date automaton reuses it for epoch seconds.

use std::cmp::Ordering;

use crate::values::{Cmp, Dec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct NumSt {
    pub(super) phase: u8,
    neg: bool,
    nz: bool,
    len: u32,
    icmp: i8,
    fpos: u32,
    fcmp: i8,
}

pub(super) const DEAD: u8 = 255;

impl NumSt {
    pub(super) fn start() -> NumSt {
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

pub(super) fn ord_i8(o: Ordering) -> i8 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

pub(super) fn i8_ord(v: i8) -> Ordering {
    v.cmp(&0)
}

pub(super) fn num_step(c: &Dec, int_only: bool, mut s: NumSt, ch: char) -> NumSt {
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

pub(super) fn num_accepts(c: &Dec, cmp: Cmp, s: NumSt) -> bool {
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
