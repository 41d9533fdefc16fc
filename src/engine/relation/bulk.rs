//! Appending many tuples at once (`grantlog diff`'s added rules): a shared relation is
//! copied with room for them in every table, then the dedup table and the rows are
//! written, then every index, the indexes shared out over two threads. Each index is its
//! own tables, so linking them is independent work; it is most of an insert.

use super::{row_hash, spread, Index, Pending, Prov, Rows};
use crate::engine::Value;
use hashbrown::HashTable;

/// Below this many new rows a second thread costs more than it saves.
const PARALLEL_FROM: usize = 100_000;

impl Rows {
    /// A copy with room for `additional` more rows, in every table at once: cheaper than
    /// a clone then [`Rows::reserve`], which copies each table twice and rehashes it.
    /// Index buckets get room in proportion (a key holds many rows).
    pub fn with_room(&self, additional: usize) -> Rows {
        let n = self.len as usize;
        let grown = |x: usize| x + (x * additional).div_ceil(n.max(1));
        // Entries hold no hash: each is hashed again from its row (in row order, which
        // reads the rows in order).
        let mut dedup = HashTable::with_capacity(self.dedup.len() + additional);
        let (data, arity) = (&self.data, self.arity);
        let mut ids: Vec<u32> = self.dedup.iter().copied().collect();
        ids.sort_unstable();
        for r in ids {
            dedup.insert_unique(row_hash(data, arity, r), r, |&x| row_hash(data, arity, x));
        }
        let indexes = (self.indexes.iter())
            .map(|index| {
                let mut buckets = HashTable::with_capacity(grown(index.buckets.len()));
                for b in &index.buckets {
                    buckets.insert_unique(spread(b.hash), *b, |b| spread(b.hash));
                }
                let with = |v: &Vec<u32>| {
                    if v.is_empty() {
                        return Vec::new(); // `prev` not built
                    }
                    let mut out = Vec::with_capacity(n + additional);
                    out.extend_from_slice(v);
                    out
                };
                Index {
                    columns: index.columns.clone(),
                    buckets,
                    next: with(&index.next),
                    prev: with(&index.prev),
                    linked_back: index.linked_back,
                    walked: index.walked.clone(),
                }
            })
            .collect();
        let mut data = Vec::with_capacity((n + additional) * self.arity);
        data.extend_from_slice(&self.data);
        let mut prov = Vec::with_capacity(n + additional);
        prov.extend_from_slice(&self.prov);
        Rows {
            arity: self.arity,
            data,
            len: self.len,
            base: self.base,
            dead: self.dead,
            dedup,
            indexes,
            prov,
            log: self.log.clone(),
        }
    }

    /// Appends the tuples of `pending` that no live row holds, with `prov`; returns how
    /// many. The same rows, ids and index chains as inserting them one by one.
    pub fn append_absent(&mut self, pending: &Pending, prov: Prov) -> usize {
        // A transaction logs index links row by row, in order: those rows are linked as
        // they come. A lookup then an entry, not `insert_if_absent`'s single probe: one
        // more caller of that probe would keep it from being inlined into the join loop.
        let logged = self.log.is_some();
        let from = self.len;
        self.reserve(pending.len());
        for i in 0..pending.len() {
            let (hash, tuple) = (pending.hash(i), pending.row(i));
            if self.find(hash, tuple).is_none() {
                self.enter(hash);
                if logged {
                    self.append(tuple, prov);
                } else {
                    self.push_row(tuple, prov);
                }
            }
        }
        let added = (self.len - from) as usize;
        if logged {
            return added;
        }
        let (data, arity, to) = (&self.data[..], self.arity, self.len);
        let link = |index: &mut Index| link_rows(index, data, arity, from, to);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if added < PARALLEL_FROM || threads < 2 || self.indexes.len() < 2 {
            self.indexes.iter_mut().for_each(link);
        } else {
            let half = self.indexes.len() / 2;
            let (mine, theirs) = self.indexes.split_at_mut(half);
            std::thread::scope(|s| {
                s.spawn(|| theirs.iter_mut().for_each(link));
                mine.iter_mut().for_each(link);
            });
        }
        added
    }
}

/// Links rows `from..to` into `index`, as `Rows::append` does for one row.
fn link_rows(index: &mut Index, data: &[Value], arity: usize, from: u32, to: u32) {
    for r in from..to {
        index.link(r, &data[r as usize * arity..(r as usize + 1) * arity]);
    }
}
