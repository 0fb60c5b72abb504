//! Glob patterns with `*` (any run of characters, possibly empty) and `?` (exactly one character).
//! There is no escape syntax: every other character is literal.

/// One token of a compiled glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`: exactly one character.
    Any,
    /// `*`: any run of characters, possibly empty.
    Star,
}

/// Fast-path classification of a pattern, chosen at compile time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shape {
    /// `*`: matches everything.
    All,
    /// No wildcard: exact equality.
    Exact,
    /// `literal*`.
    Prefix(String),
    /// `*literal`.
    Suffix(String),
    /// Anything else: general matcher.
    General,
}

/// A compiled glob pattern. `src` is the pattern text (lowercased for case-insensitive globs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    src: String,
    toks: Vec<Tok>,
    shape: Shape,
    /// Match ASCII letters case-insensitively (used for actions; `src` is lowercased).
    ci: bool,
}

/// Hashes the pattern text and flags only: the tokens and the shape are functions of them, so
/// this agrees with `Eq` and is several times cheaper (the analyzer interns every pattern).
impl std::hash::Hash for Glob {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.src.hash(state);
        self.ci.hash(state);
        self.toks.len().hash(state);
        self.has_wildcard().hash(state);
    }
}

impl Glob {
    /// Compiles `pattern` with wildcards.
    pub fn new(pattern: &str) -> Glob {
        Self::build(pattern.to_string(), true, false)
    }

    /// Compiles an ASCII-case-insensitive pattern (the pattern is lowercased).
    pub fn new_ci(pattern: &str) -> Glob {
        Self::build(pattern.to_ascii_lowercase(), true, true)
    }

    /// A pattern that matches exactly `s` (`*` and `?` are literal).
    pub fn literal(s: &str) -> Glob {
        Self::build(s.to_string(), false, false)
    }

    fn build(src: String, wild: bool, ci: bool) -> Glob {
        let toks: Vec<Tok> = src
            .chars()
            .map(|c| match c {
                '*' if wild => Tok::Star,
                '?' if wild => Tok::Any,
                c => Tok::Lit(c),
            })
            .collect();
        let stars = toks.iter().filter(|t| **t == Tok::Star).count();
        let anys = toks.iter().filter(|t| **t == Tok::Any).count();
        let lit_of = |ts: &[Tok]| -> String {
            ts.iter()
                .map(|t| match t {
                    Tok::Lit(c) => *c,
                    _ => '?',
                })
                .collect()
        };
        let shape = if toks.len() == 1 && stars == 1 {
            Shape::All
        } else if stars == 0 && anys == 0 {
            Shape::Exact
        } else if stars == 1 && anys == 0 && toks.last() == Some(&Tok::Star) {
            Shape::Prefix(lit_of(&toks[..toks.len() - 1]))
        } else if stars == 1 && anys == 0 && toks.first() == Some(&Tok::Star) {
            Shape::Suffix(lit_of(&toks[1..]))
        } else {
            Shape::General
        };
        Glob {
            src,
            toks,
            shape,
            ci,
        }
    }

    /// The pattern text.
    pub fn as_str(&self) -> &str {
        &self.src
    }

    /// The tokens.
    pub fn toks(&self) -> &[Tok] {
        &self.toks
    }

    /// True when the pattern contains `*` or `?`.
    pub fn has_wildcard(&self) -> bool {
        self.shape != Shape::Exact
    }

    /// True when matching takes linear time (exact, prefix, suffix or `*` patterns); the general
    /// matcher is at worst `O(|string| · |pattern|)`.
    pub fn is_linear(&self) -> bool {
        self.shape != Shape::General
    }

    /// True for the pattern `*`.
    pub fn is_all(&self) -> bool {
        self.shape == Shape::All
    }

    /// Decides "some string matches both patterns" without a product search when both patterns
    /// have a linear shape (exact, prefix, suffix, `*`) and the same case handling; `None`
    /// otherwise.
    pub fn intersects_linear(&self, other: &Glob) -> Option<bool> {
        if self.ci != other.ci {
            return None;
        }
        match (&self.shape, &other.shape) {
            (Shape::All, _) | (_, Shape::All) => Some(true),
            (Shape::Exact, _) => Some(other.matches(&self.src)),
            (_, Shape::Exact) => Some(self.matches(&other.src)),
            (Shape::Prefix(a), Shape::Prefix(b)) => {
                Some(a.starts_with(b.as_str()) || b.starts_with(a.as_str()))
            }
            (Shape::Suffix(a), Shape::Suffix(b)) => {
                Some(a.ends_with(b.as_str()) || b.ends_with(a.as_str()))
            }
            // `p*` and `*s` share `p` followed by `s`.
            (Shape::Prefix(_), Shape::Suffix(_)) | (Shape::Suffix(_), Shape::Prefix(_)) => {
                Some(true)
            }
            _ => None,
        }
    }

    /// Matches `s` against the pattern, without allocating.
    pub fn matches(&self, s: &str) -> bool {
        let eq = |a: &str, b: &str| {
            if self.ci {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        match &self.shape {
            Shape::All => true,
            Shape::Exact => eq(&self.src, s),
            Shape::Prefix(p) => {
                s.len() >= p.len() && s.is_char_boundary(p.len()) && eq(p, &s[..p.len()])
            }
            Shape::Suffix(p) => {
                s.len() >= p.len()
                    && s.is_char_boundary(s.len() - p.len())
                    && eq(p, &s[s.len() - p.len()..])
            }
            Shape::General => self.general(s),
        }
    }

    /// Greedy matcher with single backtrack point (classic wildcard algorithm), O(n*m) worst case.
    fn general(&self, s: &str) -> bool {
        let t = &self.toks;
        let ci = self.ci;
        let ceq = |a: char, b: char| {
            if ci {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        };
        let mut si = s.char_indices();
        let mut cur: Option<char> = si.next().map(|x| x.1);
        // Iterator state for backtracking: (token index after star, string position).
        let mut p = 0usize;
        let mut star: Option<(usize, std::str::CharIndices<'_>, Option<char>)> = None;
        loop {
            match (t.get(p), cur) {
                (Some(Tok::Star), _) => {
                    p += 1;
                    star = Some((p, si.clone(), cur));
                }
                (Some(Tok::Any), Some(_)) => {
                    p += 1;
                    cur = si.next().map(|x| x.1);
                }
                (Some(Tok::Lit(a)), Some(c)) if ceq(*a, c) => {
                    p += 1;
                    cur = si.next().map(|x| x.1);
                }
                (None, None) => return true,
                _ => {
                    // Mismatch: let the last star absorb one more character.
                    match star.take() {
                        Some((sp, mut sit, scur)) => {
                            if scur.is_none() {
                                return false;
                            }
                            let next = sit.next().map(|x| x.1);
                            p = sp;
                            si = sit.clone();
                            cur = next;
                            star = Some((sp, sit, next));
                        }
                        None => return false,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn naive(t: &[Tok], s: &[char]) -> bool {
        match t.first() {
            None => s.is_empty(),
            Some(Tok::Star) => (0..=s.len()).any(|i| naive(&t[1..], &s[i..])),
            Some(Tok::Any) => !s.is_empty() && naive(&t[1..], &s[1..]),
            Some(Tok::Lit(c)) => s.first() == Some(c) && naive(&t[1..], &s[1..]),
        }
    }

    #[test]
    fn matcher_agrees_with_naive_recursion() {
        let alphabet = ['a', 'b', '*', '?'];
        let mut pats = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for p in &pats {
                for c in alphabet {
                    next.push(format!("{p}{c}"));
                }
            }
            pats.extend(next);
            pats.sort();
            pats.dedup();
        }
        let mut strs = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for p in &strs {
                for c in ['a', 'b', 'é'] {
                    next.push(format!("{p}{c}"));
                }
            }
            strs.extend(next);
            strs.sort();
            strs.dedup();
        }
        for p in &pats {
            let g = Glob::new(p);
            for s in &strs {
                let chars: Vec<char> = s.chars().collect();
                assert_eq!(
                    g.matches(s),
                    naive(g.toks(), &chars),
                    "pattern {p:?} string {s:?}"
                );
            }
        }
    }

    #[test]
    fn linear_intersection_agrees_with_brute_force() {
        let pats = [
            "*", "a", "ab", "b", "a*", "ab*", "b*", "*a", "*ba", "*b", "aab", "ba*", "*ab",
        ];
        let mut strs = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for p in &strs {
                for c in ['a', 'b'] {
                    next.push(format!("{p}{c}"));
                }
            }
            strs.extend(next);
            strs.sort();
            strs.dedup();
        }
        for x in pats {
            for y in pats {
                let (gx, gy) = (Glob::new(x), Glob::new(y));
                let brute = strs.iter().any(|s| gx.matches(s) && gy.matches(s));
                assert_eq!(gx.intersects_linear(&gy), Some(brute), "{x} {y}");
            }
        }
        assert_eq!(Glob::new("a?").intersects_linear(&Glob::new("a*")), None);
        assert_eq!(Glob::new("a*").intersects_linear(&Glob::new_ci("a*")), None);
    }

    #[test]
    fn case_insensitive_and_literal() {
        assert!(Glob::new_ci("sp:Get*").matches("SP:GETCAMPAIGN"));
        assert!(!Glob::new("sp:Get*").matches("sp:getCampaign"));
        assert!(Glob::literal("a*").matches("a*"));
        assert!(!Glob::literal("a*").matches("ab"));
    }
}
