//! Bytes held by one relation's structures, for the memory table (`benches/memory.rs`):
//! what each vector and table has allocated (capacity, not length), so growth slack counts.

use super::Rows;
use std::mem::size_of;

/// Bytes allocated per structure of one relation (or summed over several).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowsMemory {
    /// The tuples (flat values).
    pub rows: usize,
    /// Provenance, one per row.
    pub prov: usize,
    /// The dedup table (row ids by tuple hash).
    pub dedup: usize,
    /// Index tables: one bucket per distinct key.
    pub index_buckets: usize,
    /// Index `next` chains, one entry per row per index.
    pub index_next: usize,
    /// Index `prev` chains, one entry per row per index.
    pub index_prev: usize,
    /// A transaction's append log.
    pub log: usize,
    /// Rows held (dead ones included), and indexes over all relations summed.
    pub held: usize,
    pub indexes: usize,
}

impl std::ops::AddAssign for RowsMemory {
    fn add_assign(&mut self, o: RowsMemory) {
        self.rows += o.rows;
        self.prov += o.prov;
        self.dedup += o.dedup;
        self.index_buckets += o.index_buckets;
        self.index_next += o.index_next;
        self.index_prev += o.index_prev;
        self.log += o.log;
        self.held += o.held;
        self.indexes += o.indexes;
    }
}

/// Bytes a hashbrown table of `T` with room for `capacity` entries allocates: its
/// buckets (a power of two, at most 7/8 full) and one control byte each.
fn table_bytes<T>(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 {
        (capacity + 1).next_power_of_two()
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    buckets * (size_of::<T>() + 1) + 16
}

impl Rows {
    pub fn memory(&self) -> RowsMemory {
        let u32s = |v: &Vec<u32>| v.capacity() * size_of::<u32>();
        let mut m = RowsMemory {
            rows: self.data.capacity() * size_of::<super::Value>(),
            prov: self.prov.capacity() * size_of::<super::Prov>(),
            dedup: table_bytes::<u32>(self.dedup.capacity()),
            log: self.log.as_ref().map_or(0, |l| u32s(&l.links)),
            held: self.len as usize,
            indexes: self.indexes.len(),
            ..RowsMemory::default()
        };
        for index in &self.indexes {
            m.index_buckets += table_bytes::<super::Bucket>(index.buckets.capacity());
            m.index_next += u32s(&index.next);
            m.index_prev += u32s(&index.prev);
        }
        m
    }
}
