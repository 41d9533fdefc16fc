//! Tuple storage for one relation.
//!
//! Rows live flat in one `Vec<Value>` with stride = arity; a row id is its position.
//! Rows are only appended, so the semi-naive "stable / delta / all" sets are row-id
//! ranges. A dedup table (`HashTable<u32>` of row ids alone, hashed and compared through
//! the row slice, so keys and hashes are not stored twice) keeps rows unique. Each index maps the
//! fx-hash of its key columns to the ascending list of row ids with that hash, kept as a
//! chain through a per-row `next` vector (no allocation per key); a probe verifies the key
//! columns (hashes can collide) and stops at the first row past its range. Provenance is
//! a parallel `Vec<Prov>`.
//!
//! Deleting a row marks it dead (its provenance becomes [`DEAD`] with the generation it
//! died in) and leaves it in place: row ids stay stable, the rows of the fixpoint before a
//! change stay readable while the change is maintained (see `fixpoint`), and a rollback
//! revives them. Lookups see a row through a [`Vis`]; dead rows are dropped by
//! [`Rows::compact`] when they are many.

mod bulk;
mod log;
mod memory;

pub(crate) use memory::RowsMemory;

use super::symbols::Value;
use hashbrown::HashTable;
use rustc_hash::{FxHashSet, FxHasher};
use std::hash::Hasher;

/// Marks a base fact in [`Prov::rule`].
pub(crate) const BASE: u32 = u32::MAX;
/// Marks a dead row in [`Prov::rule`]; `detail` is the generation it died in.
pub(crate) const DEAD: u32 = u32::MAX - 1;

/// Which rows a lookup sees.
#[derive(Clone, Copy)]
pub(crate) enum Vis<'a> {
    /// Live rows: the model as it is now.
    Now,
    /// The fixpoint before the change being maintained: rows below `seen` (of relation
    /// `rel`, looked up per relation) that are alive or died in generation `gen`.
    Before { seen: &'a [u32], gen: u32 },
}

/// Where a row came from: `rule` = rule id and `detail` = round, or `rule` = [`BASE`] and
/// `detail` = index of its span in the model's list of base-fact spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prov {
    pub rule: u32,
    pub detail: u32,
}

/// The fx-hash of a sequence of values, folded to 32 bits: index tables keep it per key,
/// so growing them never reads row data.
#[inline]
pub(crate) fn hash_values(values: impl Iterator<Item = Value>) -> u32 {
    let mut h = FxHasher::default();
    for v in values {
        h.write_u32(v.0);
    }
    let h = h.finish();
    (h ^ (h >> 32)) as u32
}

/// Spreads a 32-bit hash over 64 bits for `HashTable` (which uses the top bits as tags).
#[inline]
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The dedup table's hash of row `r`, recomputed from its values when the table grows:
/// an entry is the row id alone (4 bytes, not 8 with the hash beside it: 43 MiB at
/// 75,000 users). Probes need no stored hash: the table's control bytes hold 7 bits of
/// it, which filter out all but about one wrong row in a hundred before its values are
/// compared.
#[inline]
fn row_hash(data: &[Value], arity: usize, r: u32) -> u64 {
    let start = r as usize * arity;
    spread(hash_values(data[start..start + arity].iter().copied()))
}

/// Rows with one key hash, as a chain through `Index::next`: ascending row ids.
#[derive(Clone, Copy)]
struct Bucket {
    hash: u32,
    first: u32,
    last: u32,
}

const END: u32 = u32::MAX;

#[derive(Clone)]
struct Index {
    columns: Vec<u32>,
    buckets: HashTable<Bucket>,
    /// Per row, the next row in its bucket (or `END`).
    next: Vec<u32>,
    /// Per row, the previous row in its bucket (or `END`): a dead row is unlinked in
    /// constant time once its evaluation is over ([`Rows::forget`]). Made by the first
    /// [`Rows::forget`] and kept from then on: a batch evaluation never forgets a row, and
    /// this is 4 bytes per row per index (10 per tuple at 75,000 users).
    prev: Vec<u32>,
    /// `prev` is made (else it is empty). Rows linked since hold their `prev`; those
    /// linked before hold it only in the buckets of `walked`.
    linked_back: bool,
    /// The buckets (by key hash) whose chains were walked to fill in `prev` for rows
    /// older than it: walking every chain of a relation at its first forget cost the
    /// first what-if of a session half a second at 75,000 users, and a forget only needs
    /// the chains its rows are in.
    walked: FxHashSet<u32>,
}

impl Index {
    /// Appends row `r` (holding `tuple`) to the chain of its key; the bucket's last row
    /// before it (`END`: the bucket is new), for a transaction's log.
    #[inline(always)]
    fn link(&mut self, r: u32, tuple: &[Value]) -> u32 {
        let key = hash_values(self.columns.iter().map(|&c| tuple[c as usize]));
        self.next.push(END);
        match self.buckets.find_mut(spread(key), |b| b.hash == key) {
            Some(b) => {
                let before = b.last;
                self.next[before as usize] = r;
                if self.linked_back {
                    self.prev.push(before);
                }
                b.last = r;
                before
            }
            None => {
                if self.linked_back {
                    self.prev.push(END);
                }
                let bucket = Bucket {
                    hash: key,
                    first: r,
                    last: r,
                };
                self.buckets
                    .insert_unique(spread(key), bucket, |b| spread(b.hash));
                END
            }
        }
    }

    /// Fills in `prev` for the chain of the bucket with key hash `key`, unless done (or
    /// the bucket was made after `prev`, whose rows hold it already).
    fn link_back(&mut self, key: u32) {
        if !self.linked_back {
            self.prev = vec![END; self.next.len()];
            self.linked_back = true;
        } else if self.walked.contains(&key) {
            return;
        }
        self.walked.insert(key);
        let Some(b) = self.buckets.find(spread(key), |b| b.hash == key) else {
            return;
        };
        let (mut p, mut r) = (END, b.first);
        while r != END {
            self.prev[r as usize] = p;
            p = r;
            r = self.next[r as usize];
        }
    }
}

/// Ascending row ids of one index bucket.
pub(crate) struct BucketRows<'a> {
    next: &'a [u32],
    at: u32,
}

impl Iterator for BucketRows<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.at == END {
            return None;
        }
        let r = self.at;
        self.at = self.next[r as usize];
        Some(r)
    }
}

#[derive(Clone)]
pub(crate) struct Rows {
    arity: usize,
    data: Vec<Value>,
    len: u32,
    /// How many live rows are base facts.
    base: u32,
    /// How many rows are dead.
    dead: u32,
    /// Row ids, by [`row_hash`].
    dedup: HashTable<u32>,
    indexes: Vec<Index>,
    prov: Vec<Prov>,
    /// While a transaction writes this relation: how to take its appends off again.
    log: Option<log::AppendLog>,
}

impl Rows {
    pub fn new(arity: usize, index_columns: &[Vec<u32>]) -> Rows {
        Rows {
            arity,
            data: Vec::new(),
            len: 0,
            base: 0,
            dead: 0,
            dedup: HashTable::new(),
            indexes: index_columns
                .iter()
                .map(|c| Index {
                    columns: c.clone(),
                    buckets: HashTable::new(),
                    next: Vec::new(),
                    prev: Vec::new(),
                    linked_back: false,
                    walked: FxHashSet::default(),
                })
                .collect(),
            prov: Vec::new(),
            log: None,
        }
    }

    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn arity(&self) -> usize {
        self.arity
    }

    /// Live base-fact rows.
    pub fn base_count(&self) -> u32 {
        self.base
    }

    /// The key columns of every index, in order.
    pub fn index_columns_all(&self) -> Vec<Vec<u32>> {
        self.indexes.iter().map(|i| i.columns.clone()).collect()
    }

    /// Live rows.
    #[inline]
    pub fn live(&self) -> u32 {
        self.len - self.dead
    }

    /// Entries of the dedup table and of the index chains (live rows and dead ones not yet
    /// forgotten); walks every chain.
    pub fn lookup_entries(&self) -> usize {
        let chained: usize = self
            .indexes
            .iter()
            .map(|index| {
                index
                    .buckets
                    .iter()
                    .map(|b| {
                        BucketRows {
                            next: &index.next,
                            at: b.first,
                        }
                        .count()
                    })
                    .sum::<usize>()
            })
            .sum();
        self.dedup.len() + chained
    }

    /// Dead rows still held.
    pub fn dead(&self) -> u32 {
        self.dead
    }

    #[inline]
    pub fn is_alive(&self, r: u32) -> bool {
        self.dead == 0 || self.prov[r as usize].rule != DEAD
    }

    /// Is row `r` (of relation number `rel`) seen through `vis`?
    #[inline]
    pub fn visible(&self, r: u32, rel: usize, vis: Vis) -> bool {
        match vis {
            Vis::Now => self.is_alive(r),
            Vis::Before { seen, gen } => {
                r < seen[rel]
                    && (self.dead == 0 || {
                        let p = self.prov[r as usize];
                        p.rule != DEAD || p.detail == gen
                    })
            }
        }
    }

    /// Marks live row `r` dead in generation `gen`; returns its provenance before.
    pub fn kill(&mut self, r: u32, gen: u32) -> Prov {
        let old = self.prov[r as usize];
        debug_assert_ne!(old.rule, DEAD);
        self.base -= u32::from(old.rule == BASE);
        self.dead += 1;
        self.prov[r as usize] = Prov {
            rule: DEAD,
            detail: gen,
        };
        old
    }

    /// Brings a dead row back with provenance `prov` (a rollback).
    pub fn revive(&mut self, r: u32, prov: Prov) {
        debug_assert_eq!(self.prov[r as usize].rule, DEAD);
        self.dead -= 1;
        self.base += u32::from(prov.rule == BASE);
        self.prov[r as usize] = prov;
        let hash = spread(hash_values(self.row(r).iter().copied()));
        if self.dedup.find(hash, |&e| e == r).is_none() {
            let (data, arity) = (&self.data, self.arity);
            self.dedup
                .insert_unique(hash, r, |&x| row_hash(data, arity, x));
        }
    }

    /// Drops the dedup entry of dead row `r` and unlinks it from every index chain. Once
    /// the generation it died in is over it is never looked up again, and the entries of
    /// one tuple dying again and again (a what-if asserted and undone) would lengthen
    /// every probe for it.
    pub fn forget(&mut self, r: u32) {
        debug_assert_eq!(self.prov[r as usize].rule, DEAD);
        let hash = hash_values(self.row(r).iter().copied());
        if let Ok(e) = self.dedup.find_entry(spread(hash), |&e| e == r) {
            e.remove();
        } else {
            return; // forgotten already
        }
        let start = r as usize * self.arity;
        let row = &self.data[start..start + self.arity];
        for index in &mut self.indexes {
            let key = hash_values(index.columns.iter().map(|&c| row[c as usize]));
            index.link_back(key);
            let (p, n) = (index.prev[r as usize], index.next[r as usize]);
            let Ok(entry) = index.buckets.find_entry(spread(key), |b| b.hash == key) else {
                continue;
            };
            let b = entry.into_mut();
            match p {
                END => b.first = n,
                p => index.next[p as usize] = n,
            }
            match n {
                END => b.last = p,
                n => index.prev[n as usize] = p,
            }
            if b.first == END {
                if let Ok(entry) = index.buckets.find_entry(spread(key), |b| b.hash == key) {
                    entry.remove();
                }
            }
            index.next[r as usize] = END;
            index.prev[r as usize] = END;
        }
    }

    #[inline]
    pub fn row(&self, r: u32) -> &[Value] {
        let start = r as usize * self.arity;
        &self.data[start..start + self.arity]
    }

    pub fn prov(&self, r: u32) -> Prov {
        self.prov[r as usize]
    }

    pub fn set_prov(&mut self, r: u32, prov: Prov) {
        let was = self.prov[r as usize].rule == BASE;
        let is = prov.rule == BASE;
        self.base = self.base + u32::from(is) - u32::from(was);
        self.prov[r as usize] = prov;
    }

    /// The live row equal to `tuple`, whose hash is `hash`.
    #[inline]
    pub fn find(&self, hash: u32, tuple: &[Value]) -> Option<u32> {
        self.find_by(hash, |row| row == tuple)
    }

    /// The live row with hash `hash` that `eq` accepts.
    #[inline]
    pub fn find_by(&self, hash: u32, mut eq: impl FnMut(&[Value]) -> bool) -> Option<u32> {
        self.dedup
            .find(spread(hash), |&e| self.is_alive(e) && eq(self.row(e)))
            .copied()
    }

    /// The row with hash `hash` that `eq` accepts, seen through `vis` (dead rows stay in
    /// the dedup table until [`Rows::compact`], so the fixpoint before a change is found).
    #[inline]
    pub fn find_in(
        &self,
        hash: u32,
        rel: usize,
        vis: Vis,
        mut eq: impl FnMut(&[Value]) -> bool,
    ) -> Option<u32> {
        if let Vis::Now = vis {
            return self.find_by(hash, eq);
        }
        self.dedup
            .find(spread(hash), |&e| {
                self.visible(e, rel, vis) && eq(self.row(e))
            })
            .copied()
    }

    /// The key columns of index `i`.
    #[inline]
    pub fn index_columns(&self, i: u32) -> &[u32] {
        &self.indexes[i as usize].columns
    }

    /// Ascending ids of the rows whose key hash is `hash` (verify the key columns).
    #[inline]
    pub fn index_rows(&self, i: u32, hash: u32) -> BucketRows<'_> {
        let index = &self.indexes[i as usize];
        let at = index
            .buckets
            .find(spread(hash), |b| b.hash == hash)
            .map_or(END, |b| b.first);
        BucketRows {
            next: &index.next,
            at,
        }
    }

    /// Makes room for `additional` more rows.
    pub fn reserve(&mut self, additional: usize) {
        self.data.reserve(additional * self.arity);
        self.prov.reserve(additional);
        self.reserve_dedup(additional);
        for index in &mut self.indexes {
            index.next.reserve(additional);
            if index.linked_back {
                index.prev.reserve(additional);
            }
        }
    }

    /// Gives back the room vectors grew into (up to half of each): for a relation that
    /// no longer changes in this evaluation. Shrinking a big block moves no data (the
    /// allocator remaps it). The hash tables keep theirs: shrinking them rehashes.
    pub fn shrink(&mut self) {
        self.data.shrink_to_fit();
        self.prov.shrink_to_fit();
        for index in &mut self.indexes {
            index.next.shrink_to_fit();
            index.prev.shrink_to_fit();
        }
    }

    /// Appends a tuple known to be absent, with its precomputed hash.
    pub fn insert_new(&mut self, hash: u32, tuple: &[Value], prov: Prov) -> u32 {
        self.enter(hash);
        self.append(tuple, prov)
    }

    /// Makes room in the dedup table for `additional` more rows. When every row is in it
    /// (no dead row, as in a first evaluation) a bigger table is filled by reading the rows
    /// in order: hashbrown's own growth rehashes in table order, reading each row's values
    /// at random, which cost 11-16% of the 1M-fact engine bench once the table no longer
    /// kept the hashes (session 12).
    #[inline]
    fn reserve_dedup(&mut self, additional: usize) {
        let need = self.dedup.len() + additional;
        if need <= self.dedup.capacity() {
            return;
        }
        let (data, arity) = (&self.data, self.arity);
        if self.dead == 0 && self.dedup.len() == self.len as usize {
            let mut table = HashTable::with_capacity(need.max(2 * self.dedup.capacity()));
            for r in 0..self.len {
                table.insert_unique(row_hash(data, arity, r), r, |&x| row_hash(data, arity, x));
            }
            self.dedup = table;
        } else {
            self.dedup
                .reserve(additional, |&x| row_hash(data, arity, x));
        }
    }

    /// The dedup entry of the next row, whose tuple (hash `hash`) is known to be absent.
    #[inline]
    fn enter(&mut self, hash: u32) {
        self.reserve_dedup(1);
        let (row, data, arity) = (self.len, &self.data, self.arity);
        self.dedup
            .insert_unique(spread(hash), row, |&x| row_hash(data, arity, x));
    }

    /// Appends `tuple` (hash `hash`) unless a live row holds it, with one probe of the
    /// dedup table where a check then an insert would take two. True when appended.
    #[inline]
    pub fn insert_if_absent(&mut self, hash: u32, tuple: &[Value], prov: Prov) -> bool {
        self.reserve_dedup(1);
        let (r, arity, dead) = (self.len, self.arity, self.dead);
        let (data, provs) = (&self.data, &self.prov);
        let same = |&e: &u32| {
            (dead == 0 || provs[e as usize].rule != DEAD)
                && &data[e as usize * arity..(e as usize + 1) * arity] == tuple
        };
        let rehash = |&x: &u32| row_hash(data, arity, x);
        match self.dedup.entry(spread(hash), same, rehash) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(r);
                self.append(tuple, prov);
                true
            }
        }
    }

    /// Appends a row whose dedup entry is in place: data, provenance, index chains.
    fn append(&mut self, tuple: &[Value], prov: Prov) -> u32 {
        let r = self.push_row(tuple, prov);
        for index in &mut self.indexes {
            let before = index.link(r, tuple);
            if let Some(log) = &mut self.log {
                log.links.push(before);
            }
        }
        r
    }

    /// Appends a row's data and provenance (not its index links).
    #[inline(always)]
    fn push_row(&mut self, tuple: &[Value], prov: Prov) -> u32 {
        let r = self.len;
        self.data.extend_from_slice(tuple);
        self.len += 1;
        self.base += u32::from(prov.rule == BASE);
        self.prov.push(prov);
        r
    }

    /// Drops dead rows, keeping the others in order (row ids shift down).
    pub fn compact(&mut self) {
        if self.dead > 0 {
            self.retain(|_, prov| prov.rule != DEAD);
        }
    }

    /// Keeps the rows `keep` accepts, in order (row ids of later rows shift down).
    fn retain(&mut self, mut keep: impl FnMut(u32, Prov) -> bool) {
        let columns: Vec<Vec<u32>> = self.indexes.iter().map(|i| i.columns.clone()).collect();
        let old = std::mem::replace(self, Rows::new(self.arity, &columns));
        let kept = (0..old.len).filter(|&r| keep(r, old.prov(r))).count();
        self.reserve(kept);
        for r in 0..old.len {
            let prov = old.prov(r);
            if keep(r, prov) {
                let row = old.row(r);
                self.insert_new(hash_values(row.iter().copied()), row, prov);
            }
        }
    }
}

/// Tuples derived by one rule variant, deduplicated, with their hashes kept so that moving
/// them into the relation does not hash them again.
pub(crate) struct Pending {
    arity: usize,
    data: Vec<Value>,
    hashes: Vec<u32>,
    table: HashTable<u32>,
}

impl Pending {
    pub fn new(arity: usize) -> Pending {
        Pending {
            arity,
            data: Vec::new(),
            hashes: Vec::new(),
            table: HashTable::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn row(&self, i: usize) -> &[Value] {
        &self.data[i * self.arity..(i + 1) * self.arity]
    }

    pub fn hash(&self, i: usize) -> u32 {
        self.hashes[i]
    }

    /// Adds `tuple` (hash `hash`) unless already pending; true if added.
    #[inline]
    pub fn insert(&mut self, hash: u32, tuple: &[Value]) -> bool {
        let (data, arity) = (&self.data, self.arity);
        if self
            .table
            .find(spread(hash), |&i| {
                &data[i as usize * arity..(i as usize + 1) * arity] == tuple
            })
            .is_some()
        {
            return false;
        }
        let i = self.hashes.len() as u32;
        self.data.extend_from_slice(tuple);
        self.hashes.push(hash);
        let hashes = &self.hashes;
        self.table
            .insert_unique(spread(hash), i, |&x| spread(hashes[x as usize]));
        true
    }

    /// Empties the buffer, keeping its memory.
    pub fn clear(&mut self, arity: usize) {
        self.arity = arity;
        self.data.clear();
        self.hashes.clear();
        self.table.clear();
    }
}

#[cfg(test)]
mod tests;
