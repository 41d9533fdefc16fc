//! Two texts of one `.facts` file compared statement by statement, without parsing them:
//! each text is cut at its statement ends, and the statements of OLD are matched with
//! equal ones of NEW in order. What is left unmatched is what changed; only that is parsed.
//! Any matching that keeps the order is correct (a statement matched nowhere is read as
//! removed and added again); the one found here is the longest common prefix and suffix,
//! and in between, at each mismatch, the nearer of the two next equal statements.

use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;
use std::ops::Range;

/// One file's two texts, aligned.
pub struct Aligned {
    /// OLD's statements NEW does not have, in order (byte ranges of OLD's text).
    pub removed: Vec<Range<usize>>,
    /// NEW's statements OLD does not have, in order (byte ranges of NEW's text).
    pub added: Vec<Range<usize>>,
    /// Matched stretches: (OLD offset, NEW offset, length), by OLD offset.
    runs: Vec<(usize, usize, usize)>,
    /// NEW's statements, for finding those that name something.
    pub new_statements: Vec<Range<usize>>,
    /// OLD's statements.
    pub old_statements: Vec<Range<usize>>,
}

impl Aligned {
    pub fn of(old: &str, new: &str) -> Aligned {
        let (os, ns) = (
            crate::facts::statement_ranges(old),
            crate::facts::statement_ranges(new),
        );
        if old == new {
            return Aligned {
                removed: Vec::new(),
                added: Vec::new(),
                runs: vec![(0, 0, old.len())],
                new_statements: ns,
                old_statements: os,
            };
        }
        let (ob, nb) = (old.as_bytes(), new.as_bytes());
        let same = |i: usize, j: usize| ob[os[i].clone()] == nb[ns[j].clone()];
        let (mut p, mut s) = (0, 0);
        while p < os.len() && p < ns.len() && same(p, p) {
            p += 1;
        }
        while s < os.len() - p && s < ns.len() - p && same(os.len() - 1 - s, ns.len() - 1 - s) {
            s += 1;
        }
        let (oe, ne) = (os.len() - s, ns.len() - s);
        // Positions of each statement text in the middle of either side, by hash.
        let positions = |text: &[u8], ranges: &[Range<usize>], from: usize, to: usize| {
            let mut at: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
            for (i, r) in ranges.iter().enumerate().take(to).skip(from) {
                at.entry(hash(&text[r.clone()])).or_default().push(i);
            }
            at
        };
        let (in_old, in_new) = (positions(ob, &os, p, oe), positions(nb, &ns, p, ne));
        let next = |at: &FxHashMap<u64, Vec<usize>>, h: u64, from: usize| -> Option<usize> {
            let list = at.get(&h)?;
            let k = list.partition_point(|&x| x < from);
            list.get(k).copied()
        };
        let mut pairs: Vec<(usize, usize)> = (0..p).map(|i| (i, i)).collect();
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (p, p);
        while i < oe && j < ne {
            if same(i, j) {
                pairs.push((i, j));
                i += 1;
                j += 1;
                continue;
            }
            // The next equal statement on each side; skip to the nearer one.
            let oi = next(&in_new, hash(&ob[os[i].clone()]), j).filter(|&k| same(i, k));
            let nj = next(&in_old, hash(&nb[ns[j].clone()]), i).filter(|&k| same(k, j));
            match (oi, nj) {
                (Some(k), Some(l)) if k - j <= l - i => {
                    added.extend(j..k);
                    j = k;
                }
                (Some(k), None) => {
                    added.extend(j..k);
                    j = k;
                }
                (_, Some(l)) => {
                    removed.extend(i..l);
                    i = l;
                }
                (None, None) => {
                    removed.push(i);
                    added.push(j);
                    i += 1;
                    j += 1;
                }
            }
        }
        removed.extend(i..oe);
        added.extend(j..ne);
        pairs.extend((0..s).map(|k| (oe + k, ne + k)));
        let runs = pairs
            .iter()
            .map(|&(i, j)| (os[i].start, ns[j].start, os[i].len()))
            .collect();
        Aligned {
            removed: removed.into_iter().map(|i| os[i].clone()).collect(),
            added: added.into_iter().map(|j| ns[j].clone()).collect(),
            runs,
            new_statements: ns,
            old_statements: os,
        }
    }

    /// Where OLD's byte `offset` is in NEW, if its statement is in both.
    pub fn to_new(&self, offset: usize) -> Option<usize> {
        let k = self.runs.partition_point(|r| r.0 <= offset);
        let &(o, n, len) = self.runs.get(k.checked_sub(1)?)?;
        (offset < o + len || (len == 0 && offset == o)).then_some(n + offset - o)
    }

    /// Whether the two texts are the same.
    pub fn unchanged(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.finish()
}

/// The statements of `statements` (ranges of `text`) in which `name` occurs as a whole
/// word (not inside a longer name), by index. A statement that names something (a
/// tenant, a user) holds its name this way, quoted or not: a sound way to find every
/// statement about it without parsing the others.
pub fn naming(text: &str, statements: &[Range<usize>], name: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut out: Vec<usize> = Vec::new();
    if name.is_empty() {
        return out;
    }
    for at in memchr::memmem::find_iter(b, name.as_bytes()) {
        let end = at + name.len();
        let before = at.checked_sub(1).map(|i| b[i]);
        if before.is_none_or(|c| !word(c)) && b.get(end).is_none_or(|&c| !word(c)) {
            let i = statements.partition_point(|r| r.end <= at);
            if i < statements.len() && out.last() != Some(&i) {
                out.push(i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(a: &Aligned, old: &str, new: &str) -> (Vec<String>, Vec<String>) {
        (
            a.removed
                .iter()
                .map(|r| old[r.clone()].trim().to_string())
                .collect(),
            a.added
                .iter()
                .map(|r| new[r.clone()].trim().to_string())
                .collect(),
        )
    }

    #[test]
    fn only_the_statements_that_differ_are_left_unmatched() {
        let old = "tenant a.\ntenant b.\ntenant c.\ntenant d.\ntenant e.\n";
        let new = "tenant a.\ntenant x.\ntenant c.\ntenant e.\ntenant d.\ntenant f.\n";
        let a = Aligned::of(old, new);
        let (removed, added) = texts(&a, old, new);
        // b went, x came; one of d and e moved; f came.
        assert!(removed.contains(&"tenant b.".to_string()), "{removed:?}");
        assert!(added.contains(&"tenant x.".to_string()), "{added:?}");
        assert!(added.contains(&"tenant f.".to_string()), "{added:?}");
        assert_eq!(removed.len() + 3, added.len() + 2, "{removed:?} {added:?}");
        // Offsets of a matched statement map across; those of a removed one do not.
        assert_eq!(
            a.to_new(old.find("tenant c").unwrap()),
            new.find("tenant c")
        );
        assert_eq!(a.to_new(old.find("tenant b").unwrap()), None);
    }

    #[test]
    fn a_name_is_found_as_a_whole_word_only() {
        let text =
            "grant x on t0-a in t0 to u1 by u0.\ngrant x on t01 in t01 to u1 by u0.\n\"t0\"(a).\n";
        let st = crate::facts::statement_ranges(text);
        assert_eq!(naming(text, &st, "t0"), vec![0, 2]);
        assert_eq!(naming(text, &st, "u0"), vec![0, 1]);
        assert!(naming(text, &st, "t9").is_empty());
    }
}
