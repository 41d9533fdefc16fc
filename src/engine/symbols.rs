//! Interning constants: a [`Value`] is a `u32` id; numbers are looked up by id for `<`.
//!
//! The table's slots hold the value id and, for numbers and symbols of up to 15 bytes
//! (nearly all of them: `u1234`, `sf-creds`), the constant itself, so that a lookup by
//! `&str` or `i64` compares in the slot without following a pointer and builds no `Const`
//! or `String`. At a million facts a lookup that followed the id to `consts` and then to
//! the string's heap block spent three cache misses; now it is usually one. Longer
//! symbols are compared against `consts`. The table is open addressing with linear
//! probing over those slots (not hashbrown, whose separate tag array is a second miss).

use crate::syntax::ast::Const;
use std::hash::{BuildHasher, Hasher};

/// An interned constant. Equal values are equal constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Value(pub u32);

/// A slot of the table: a short constant inline (`key[15]` is its length, or [`NUM`]),
/// or [`LONG`] for a symbol found through `consts`.
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: [u8; 16],
    id: Value,
}

/// No constant here.
const EMPTY: Slot = Slot {
    key: [0; 16],
    id: Value(u32::MAX),
};

/// Open addressing, linear probing, at most 7/10 full; the length is a power of two.
#[derive(Clone, Debug, Default)]
struct Table {
    slots: Vec<Slot>,
    len: usize,
}

impl Table {
    #[inline]
    fn find(&self, hash: u64, mut eq: impl FnMut(&Slot) -> bool) -> Option<Value> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == EMPTY.id {
                return None;
            }
            if eq(slot) {
                return Some(slot.id);
            }
            i = (i + 1) & mask;
        }
    }

    /// Makes room for `additional` more slots, rehashing with `hash`.
    fn reserve(&mut self, additional: usize, hash: impl Fn(&Slot) -> u64) {
        let want = (self.len + additional) * 10 / 7 + 1;
        if want <= self.slots.len() {
            return;
        }
        let old = std::mem::replace(
            &mut self.slots,
            vec![EMPTY; want.next_power_of_two().max(16)],
        );
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.id != EMPTY.id) {
            let mut i = hash(&slot) as usize & mask;
            while self.slots[i].id != EMPTY.id {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    /// Adds a slot known to be absent.
    fn insert(&mut self, h: u64, slot: Slot, hash: impl Fn(&Slot) -> u64) {
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.reserve(self.len.max(8), hash);
        }
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i].id != EMPTY.id {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
        self.len += 1;
    }
}

const NUM: u8 = 0x80;
const LONG: u8 = 0xff;

fn sym_key(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    (b.len() <= 15).then(|| {
        let mut key = [0u8; 16];
        key[..b.len()].copy_from_slice(b);
        key[15] = b.len() as u8;
        key
    })
}

fn num_key(n: i64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&n.to_le_bytes());
    key[15] = NUM;
    key
}

/// Maps constants to values and back.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    consts: Vec<Const>,
    numbers: Vec<Option<i64>>,
    ids: Table,
}

/// foldhash with a fixed seed (Fx hashes of short similar names crowded hashbrown's tags).
fn hasher() -> impl Hasher {
    foldhash::fast::FixedState::with_seed(0x9e37_79b9_7f4a_7c15).build_hasher()
}

#[inline]
fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = hasher();
    h.write(b);
    h.finish()
}

#[inline]
fn hash_num(n: i64) -> u64 {
    let mut h = hasher();
    h.write_u8(1);
    h.write_i64(n);
    h.finish()
}

fn hash_const(c: &Const) -> u64 {
    match c {
        Const::Sym(s) => hash_bytes(s.as_bytes()),
        Const::Num(n) => hash_num(*n),
    }
}

/// A slot's hash, as it was computed when the constant was interned.
fn hash_slot(consts: &[Const], slot: &Slot) -> u64 {
    match slot.key[15] {
        NUM => hash_num(i64::from_le_bytes(
            slot.key[..8].try_into().unwrap_or_default(),
        )),
        LONG => hash_const(&consts[slot.id.0 as usize]),
        len => hash_bytes(&slot.key[..len as usize]),
    }
}

impl Symbols {
    pub fn new() -> Symbols {
        Symbols::default()
    }

    /// Room for `additional` more constants without rehashing.
    pub fn reserve(&mut self, additional: usize) {
        self.consts.reserve(additional);
        self.numbers.reserve(additional);
        let consts = &self.consts;
        self.ids.reserve(additional, |s| hash_slot(consts, s));
    }

    pub fn intern(&mut self, c: &Const) -> Value {
        match c {
            Const::Sym(s) => self.intern_sym(s),
            Const::Num(n) => self.intern_num(*n),
        }
    }

    /// Interns a symbol by its text (a `String` is made only when it is new).
    #[inline]
    pub fn intern_sym(&mut self, s: &str) -> Value {
        let hash = hash_bytes(s.as_bytes());
        match self.find_sym(hash, s) {
            Some(v) => v,
            None => {
                let key = sym_key(s).unwrap_or([0xff; 16]);
                self.push(hash, key, Const::Sym(s.to_owned()), None)
            }
        }
    }

    #[inline]
    pub fn intern_num(&mut self, n: i64) -> Value {
        let hash = hash_num(n);
        match self.find_num(hash, n) {
            Some(v) => v,
            None => self.push(hash, num_key(n), Const::Num(n), Some(n)),
        }
    }

    /// Interns a constant known not to be interned yet.
    pub(super) fn insert_new(&mut self, c: &Const) -> Value {
        debug_assert!(self.get(c).is_none());
        self.intern(c)
    }

    fn push(&mut self, hash: u64, key: [u8; 16], c: Const, n: Option<i64>) -> Value {
        let id = Value(self.consts.len() as u32);
        self.consts.push(c);
        self.numbers.push(n);
        let consts = &self.consts;
        self.ids
            .insert(hash, Slot { key, id }, |s| hash_slot(consts, s));
        id
    }

    #[inline]
    fn find_sym(&self, hash: u64, s: &str) -> Option<Value> {
        match sym_key(s) {
            Some(key) => self.ids.find(hash, |slot| slot.key == key),
            None => self.ids.find(hash, |slot| {
                slot.key[15] == LONG
                    && matches!(&self.consts[slot.id.0 as usize], Const::Sym(t) if t == s)
            }),
        }
    }

    #[inline]
    fn find_num(&self, hash: u64, n: i64) -> Option<Value> {
        let key = num_key(n);
        self.ids.find(hash, |slot| slot.key == key)
    }

    /// The value of a constant, if it was ever interned.
    pub fn get(&self, c: &Const) -> Option<Value> {
        match c {
            Const::Sym(s) => self.get_sym(s),
            Const::Num(n) => self.find_num(hash_num(*n), *n),
        }
    }

    /// The value of a symbol, if it was ever interned.
    pub fn get_sym(&self, s: &str) -> Option<Value> {
        self.find_sym(hash_bytes(s.as_bytes()), s)
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

impl Symbols {
    /// Bytes allocated: the constants (strings included), the numbers and the table.
    pub fn memory(&self) -> usize {
        let strings: usize = (self.consts.iter())
            .map(|c| match c {
                Const::Sym(s) => s.capacity(),
                Const::Num(_) => 0,
            })
            .sum();
        self.consts.capacity() * std::mem::size_of::<Const>()
            + strings
            + self.numbers.capacity() * std::mem::size_of::<Option<i64>>()
            + self.ids.slots.capacity() * std::mem::size_of::<Slot>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_number_lookups_agree_with_constants() {
        let mut s = Symbols::new();
        let a = s.intern_sym("a");
        let one = s.intern_num(1);
        let one_text = s.intern_sym("1");
        assert_ne!(one, one_text);
        assert_eq!(s.intern(&Const::Sym("a".into())), a);
        assert_eq!(s.get(&Const::Num(1)), Some(one));
        assert_eq!(s.get_sym("1"), Some(one_text));
        assert_eq!(s.get_sym("b"), None);
        assert_eq!(s.number(one), Some(1));
        assert_eq!(s.number(a), None);
        s.reserve(100);
        for i in 0..1000 {
            s.intern_sym(&format!("x{i}"));
        }
        assert_eq!(s.get_sym("x999"), Some(Value(1002)));
        assert_eq!(s.len(), 1003);
    }
}
