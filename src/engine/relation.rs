//! Tuple storage for one relation.
//!
//! Rows live flat in one `Vec<Value>` with stride = arity; a row id is its position.
//! Rows are only appended, so the semi-naive "stable / delta / all" sets are row-id
//! ranges. A dedup table (`HashTable<u32>` of row ids, hashed and compared through the
//! row slice, so keys are not stored twice) keeps rows unique. Each index maps the
//! fx-hash of its key columns to the ascending list of row ids with that hash; a probe
//! verifies the key columns (hashes can collide) and can stop at the first row past its
//! range. Provenance is a parallel `Vec<Prov>`.

use super::symbols::Value;
use hashbrown::HashTable;
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Marks a base fact in [`Prov::rule`].
pub(crate) const BASE: u32 = u32::MAX;

/// Where a row came from: `rule` = rule id and `detail` = round, or `rule` = [`BASE`] and
/// `detail` = index of its span in the model's list of base-fact spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prov {
    pub rule: u32,
    pub detail: u32,
}

#[inline]
pub(crate) fn hash_values(values: impl Iterator<Item = Value>) -> u64 {
    let mut h = FxHasher::default();
    for v in values {
        h.write_u32(v.0);
    }
    h.finish()
}

struct Bucket {
    hash: u64,
    rows: Vec<u32>,
}

struct Index {
    columns: Vec<u32>,
    buckets: HashTable<Bucket>,
}

pub(crate) struct Rows {
    arity: usize,
    data: Vec<Value>,
    len: u32,
    dedup: HashTable<u32>,
    indexes: Vec<Index>,
    prov: Vec<Prov>,
}

impl Rows {
    pub fn new(arity: usize, index_columns: &[Vec<u32>]) -> Rows {
        Rows {
            arity,
            data: Vec::new(),
            len: 0,
            dedup: HashTable::new(),
            indexes: index_columns
                .iter()
                .map(|c| Index {
                    columns: c.clone(),
                    buckets: HashTable::new(),
                })
                .collect(),
            prov: Vec::new(),
        }
    }

    #[inline]
    pub fn len(&self) -> u32 {
        self.len
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
        self.prov[r as usize] = prov;
    }

    /// The row equal to `tuple`, whose hash is `hash`.
    #[inline]
    pub fn find(&self, hash: u64, tuple: &[Value]) -> Option<u32> {
        self.find_by(hash, |row| row == tuple)
    }

    /// The row with hash `hash` that `eq` accepts.
    #[inline]
    pub fn find_by(&self, hash: u64, mut eq: impl FnMut(&[Value]) -> bool) -> Option<u32> {
        self.dedup.find(hash, |&r| eq(self.row(r))).copied()
    }

    /// The key columns of index `i`.
    #[inline]
    pub fn index_columns(&self, i: u32) -> &[u32] {
        &self.indexes[i as usize].columns
    }

    /// Ascending ids of the rows whose key hash is `hash` (verify the key columns).
    #[inline]
    pub fn index_rows(&self, i: u32, hash: u64) -> &[u32] {
        match self.indexes[i as usize]
            .buckets
            .find(hash, |b| b.hash == hash)
        {
            Some(b) => &b.rows,
            None => &[],
        }
    }

    /// Adds `tuple` unless present; returns its row id and whether it is new.
    pub fn insert(&mut self, tuple: &[Value], prov: Prov) -> (u32, bool) {
        debug_assert_eq!(tuple.len(), self.arity);
        let hash = hash_values(tuple.iter().copied());
        if let Some(r) = self.find(hash, tuple) {
            return (r, false);
        }
        (self.insert_new(hash, tuple, prov), true)
    }

    /// Appends a tuple known to be absent, with its precomputed hash.
    pub fn insert_new(&mut self, hash: u64, tuple: &[Value], prov: Prov) -> u32 {
        let r = self.len;
        self.data.extend_from_slice(tuple);
        self.len += 1;
        self.prov.push(prov);
        let (data, arity) = (&self.data, self.arity);
        self.dedup.insert_unique(hash, r, |&x| {
            let start = x as usize * arity;
            hash_values(data[start..start + arity].iter().copied())
        });
        for index in &mut self.indexes {
            let key = hash_values(index.columns.iter().map(|&c| tuple[c as usize]));
            match index.buckets.find_mut(key, |b| b.hash == key) {
                Some(b) => b.rows.push(r),
                None => {
                    index.buckets.insert_unique(
                        key,
                        Bucket {
                            hash: key,
                            rows: vec![r],
                        },
                        |b| b.hash,
                    );
                }
            }
        }
        r
    }

    /// Drops every derived row, keeping base facts (with their provenance) in order.
    pub fn retain_base(&mut self) {
        let columns: Vec<Vec<u32>> = self.indexes.iter().map(|i| i.columns.clone()).collect();
        let old = std::mem::replace(self, Rows::new(self.arity, &columns));
        for r in 0..old.len {
            let prov = old.prov(r);
            if prov.rule == BASE {
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
    hashes: Vec<u64>,
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

    pub fn hash(&self, i: usize) -> u64 {
        self.hashes[i]
    }

    /// Adds `tuple` (hash `hash`) unless already pending; true if added.
    #[inline]
    pub fn insert(&mut self, hash: u64, tuple: &[Value]) -> bool {
        let (data, arity) = (&self.data, self.arity);
        if self
            .table
            .find(hash, |&i| {
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
        self.table.insert_unique(hash, i, |&x| hashes[x as usize]);
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
