//! Unit tests of the analyzer's internals.

use super::theory::dates_only;
use crate::automata::{self, Aut};
use crate::glob::Glob;
use crate::values::{Cmp, date_to_dec};

/// The date shortcut agrees with the product automaton on every small conjunction, and its
/// witnesses satisfy every atom.
#[test]
fn date_shortcut_agrees_with_the_automata() {
    let consts = [
        "2024-01-01",
        "2024-01-01T12:00:00Z",
        "1704110400",
        "1704110401",
        "-5",
        "0",
        "99999999999999",
    ];
    let cmps = [Cmp::Lt, Cmp::Le, Cmp::Eq, Cmp::Ge, Cmp::Gt];
    let atoms: Vec<Aut> = consts
        .iter()
        .flat_map(|c| {
            cmps.iter().map(move |cmp| Aut::Date {
                c: date_to_dec(c).unwrap_or_else(|| panic!("{c}")),
                cmp: *cmp,
            })
        })
        .collect();
    let mut checked = 0;
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as usize % n
    };
    for _ in 0..150 {
        let k = 1 + next(3);
        let conj: Vec<(Aut, bool)> = (0..k)
            .map(|_| (atoms[next(atoms.len())].clone(), next(3) > 0))
            .collect();
        let fast = dates_only(&conj).unwrap_or_else(|| panic!("not dates only"));
        let slow = automata::witness(&conj);
        assert_eq!(fast.is_some(), slow.is_some(), "{conj:?}");
        if let Some(w) = fast {
            for (a, p) in &conj {
                assert_eq!(automata::accepts(a, &w), *p, "{w} {conj:?}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 150);
    // Anything else goes to the automata.
    assert!(dates_only(&[(Aut::Glob(Glob::new("2*")), true)]).is_none());
}
