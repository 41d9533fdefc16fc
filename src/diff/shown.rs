//! Constants as they are shown in facts (`Const`'s `Display`), formatted once per value:
//! a diff prints millions of tuples over far fewer constants.

use super::Changes;
use crate::engine::{Symbols, Value};
use std::fmt::Write;

/// The shown text of the values of one symbol table, filled in as they are asked for.
pub(super) struct Shown<'m> {
    symbols: &'m Symbols,
    /// Per value, its text's range in `text` (`u32::MAX` start: not shown yet).
    at: Vec<(u32, u32)>,
    text: String,
}

impl<'m> Shown<'m> {
    pub(super) fn new(symbols: &'m Symbols) -> Shown<'m> {
        Shown {
            symbols,
            at: vec![(u32::MAX, 0); symbols.len()],
            text: String::new(),
        }
    }

    pub(super) fn get(&mut self, v: Value) -> &str {
        let (start, end) = self.at[v.0 as usize];
        if start != u32::MAX {
            return &self.text[start as usize..end as usize];
        }
        let start = self.text.len();
        let _ = write!(self.text, "{}", self.symbols.constant(v));
        self.at[v.0 as usize] = (start as u32, self.text.len() as u32);
        &self.text[start..]
    }

    /// Appends the `i`th tuple of `c` to `out` as `Fact` shows it: `rel(a, b)`.
    pub(super) fn fact(&mut self, relation: &str, c: &Changes<'_>, i: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(relation.as_bytes());
        let row = c.row(i);
        if row.is_empty() {
            return;
        }
        out.push(b'(');
        for (k, &v) in row.iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(self.get(v).as_bytes());
        }
        out.push(b')');
    }
}

/// The shown texts of both sides: one cache when they share their symbols.
pub(super) struct SideShown<'m> {
    old: Shown<'m>,
    new: Option<Shown<'m>>,
}

impl<'m> SideShown<'m> {
    pub(super) fn new(old: &'m Symbols, new: &'m Symbols) -> SideShown<'m> {
        SideShown {
            old: Shown::new(old),
            new: (!std::ptr::eq(old, new)).then(|| Shown::new(new)),
        }
    }

    pub(super) fn side(&mut self, new_side: bool) -> &mut Shown<'m> {
        match &mut self.new {
            Some(n) if new_side => n,
            _ => &mut self.old,
        }
    }
}
