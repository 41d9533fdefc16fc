//! Interning constants: a [`Value`] is a `u32` id; numbers are looked up by id for `<`.

use crate::syntax::ast::Const;
use rustc_hash::FxHashMap;

/// An interned constant. Equal values are equal constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Value(pub u32);

/// Maps constants to values and back.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    consts: Vec<Const>,
    numbers: Vec<Option<i64>>,
    ids: FxHashMap<Const, Value>,
}

impl Symbols {
    pub fn new() -> Symbols {
        Symbols::default()
    }

    pub fn intern(&mut self, c: &Const) -> Value {
        match self.ids.get(c) {
            Some(&v) => v,
            None => self.insert_new(c),
        }
    }

    /// Interns a constant known not to be interned yet.
    pub(super) fn insert_new(&mut self, c: &Const) -> Value {
        debug_assert!(!self.ids.contains_key(c));
        let v = Value(self.consts.len() as u32);
        self.consts.push(c.clone());
        self.numbers.push(match c {
            Const::Num(n) => Some(*n),
            Const::Sym(_) => None,
        });
        self.ids.insert(c.clone(), v);
        v
    }

    /// The value of a constant, if it was ever interned.
    pub fn get(&self, c: &Const) -> Option<Value> {
        self.ids.get(c).copied()
    }

    pub fn constant(&self, v: Value) -> &Const {
        &self.consts[v.0 as usize]
    }

    /// The number a value stands for, `None` for symbols.
    #[inline]
    pub fn number(&self, v: Value) -> Option<i64> {
        self.numbers[v.0 as usize]
    }

    /// Per value id, the number it stands for (for lookups in inner loops).
    pub fn numbers(&self) -> &[Option<i64>] {
        &self.numbers
    }

    pub fn len(&self) -> usize {
        self.consts.len()
    }

    /// Every interned constant, by value id.
    pub fn constants(&self) -> &[Const] {
        &self.consts
    }

    pub fn is_empty(&self) -> bool {
        self.consts.is_empty()
    }
}
