//! The fixed-width ISO date automaton: validates `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SSZ` and
//! compares the text position by position with the canonical ISO form of a constant.

use std::cmp::Ordering;

use super::number::{i8_ord, ord_i8};
use crate::values::{Cmp, Dec, days_in_month, format_iso, is_leap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct IsoSt {
    pos: u8,
    cmp: i8,
    /// Year modulo 400 while reading the year, then the leap flag (0/1).
    y: u16,
    mon: u8,
    first: u8,
}

impl IsoSt {
    /// Before the first character.
    pub(super) fn start() -> IsoSt {
        IsoSt {
            pos: 0,
            cmp: 0,
            y: 0,
            mon: 0,
            first: 0,
        }
    }
}

/// The ISO template; `D` is a digit.
const ISO_T: &[u8; 20] = b"DDDD-DD-DDTDD:DD:DDZ";

/// Reference text for an ISO comparison with a constant.
#[derive(Debug, Clone)]
pub(super) enum IsoRef {
    Text(Vec<u8>),
    /// The constant lies outside the ISO range: every ISO date compares this way with it.
    Fixed(Ordering),
}

pub(super) fn iso_ref(c: &Dec) -> IsoRef {
    match c.to_i64().and_then(format_iso) {
        Some(t) => IsoRef::Text(t.into_bytes()),
        None => IsoRef::Fixed(if c.neg {
            Ordering::Greater
        } else {
            Ordering::Less
        }),
    }
}

pub(super) fn iso_step(r: &IsoRef, s: IsoSt, ch: char) -> Option<IsoSt> {
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

pub(super) fn iso_accepts(r: &IsoRef, cmp: Cmp, s: IsoSt) -> bool {
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
