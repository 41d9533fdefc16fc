//! What a model's memory holds, per structure: the figures of the memory table in
//! `benches/RESULTS.md` (`cargo bench --bench memory`).

use super::relation::RowsMemory;
use super::Model;
use crate::source::Span;
use std::mem::size_of;

/// Bytes allocated per structure of a model (capacities: growth slack counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUse {
    pub rows: usize,
    pub prov: usize,
    pub dedup: usize,
    pub index_buckets: usize,
    pub index_next: usize,
    pub index_prev: usize,
    pub log: usize,
    pub symbols: usize,
    /// The span of every base fact.
    pub base_spans: usize,
    /// Per relation, rows that died this generation; per relation, counters.
    pub other: usize,
    /// Rows held over all relations (dead ones included).
    pub held_rows: usize,
    /// Indexes over all relations.
    pub indexes: usize,
}

impl MemoryUse {
    /// (structure, bytes), in the order of the table.
    pub fn parts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("rows (tuple values)", self.rows),
            ("provenance", self.prov),
            ("dedup table", self.dedup),
            ("index buckets", self.index_buckets),
            ("index `next` chains", self.index_next),
            ("index `prev` chains", self.index_prev),
            ("transaction log", self.log),
            ("symbols", self.symbols),
            ("base-fact spans", self.base_spans),
            ("other model vectors", self.other),
        ]
    }

    pub fn total(&self) -> usize {
        self.parts().iter().map(|p| p.1).sum()
    }
}

impl Model {
    /// Bytes this model holds, per structure. Relations shared with another model (a
    /// what-if copy) count in full here.
    pub fn memory(&self) -> MemoryUse {
        let mut r = RowsMemory::default();
        for rows in &self.rels {
            r += rows.memory();
        }
        let vec_u32 = |v: &Vec<u32>| v.capacity() * size_of::<u32>();
        MemoryUse {
            rows: r.rows,
            prov: r.prov,
            dedup: r.dedup,
            index_buckets: r.index_buckets,
            index_next: r.index_next,
            index_prev: r.index_prev,
            log: r.log,
            symbols: self.symbols.memory() + self.consts.capacity() * 4,
            base_spans: self.base_spans.capacity() * size_of::<Span>(),
            other: self.killed.iter().map(vec_u32).sum::<usize>()
                + vec_u32(&self.seen)
                + self.rels.capacity() * size_of::<usize>(),
            held_rows: r.held,
            indexes: r.indexes,
        }
    }
}
