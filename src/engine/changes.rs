//! What the last evaluation changed, without snapshotting the model before it.
//!
//! Rows only ever get appended, except in two places: `retract_fact` (the tuple is
//! recorded here) and a stratum recomputed from scratch (its relations' rows as they were
//! are saved here before they are dropped). So a relation's new tuples are
//! its rows past the count it had at the last fixpoint, unless it was recomputed, when
//! the saved rows tell gained from lost. The cost is a copy of the recomputed relations
//! only, which the recomputation costs anyway.

use super::{Model, Value};
use crate::program::RelId;
use rustc_hash::{FxHashMap, FxHashSet};

/// Bookkeeping for [`Model::changes`].
#[derive(Clone, Debug, Default)]
pub(super) struct Tracker {
    /// Per relation, its rows at the last fixpoint (after retractions since).
    pub old_len: Vec<u32>,
    /// Relations recomputed from scratch: how many rows they had before, and those rows,
    /// flat.
    pub saved: FxHashMap<RelId, (u32, Vec<Value>)>,
    /// Tuples of the last fixpoint retracted before this evaluation.
    pub retracted: Vec<(RelId, Vec<Value>)>,
    /// Retracted since the last evaluation (moved to `retracted` when it starts).
    pub pending: Vec<(RelId, Vec<Value>)>,
}

/// Tuples gained and lost, per relation, sorted by relation then tuple.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub gained: Vec<(RelId, Vec<Value>)>,
    pub lost: Vec<(RelId, Vec<Value>)>,
}

impl Tracker {
    /// Called when an evaluation starts: the rows consumed so far are the baseline.
    pub fn start(&mut self, seen: &[u32]) {
        self.old_len = seen.to_vec();
        self.saved.clear();
        self.retracted = std::mem::take(&mut self.pending);
    }
}

impl Tracker {
    /// Called before a stratum drops its derived rows: keep the rows of the last fixpoint.
    pub fn save(&mut self, rel: RelId, rows: &super::relation::Rows) {
        let n = self
            .old_len
            .get(rel.0 as usize)
            .copied()
            .unwrap_or(0)
            .min(rows.len());
        let mut flat = Vec::new();
        for i in 0..n {
            flat.extend_from_slice(rows.row(i));
        }
        self.saved.insert(rel, (n, flat));
    }
}

impl Model {
    /// The tuples the last [`Model::evaluate`] (with the facts added and retracted before
    /// it) gained and lost in `relations`, compared with the fixpoint before. Meaningful
    /// until the next `add_fact` or `retract_fact`; after an evaluation stopped by a
    /// limit it describes the partial state.
    pub fn changes(&self, relations: &[RelId]) -> Changes {
        let t = &self.tracker;
        let mut out = Changes::default();
        // Retracted tuples were in the fixpoint before, whatever the rows say now.
        let retracted: FxHashSet<(RelId, &[Value])> =
            t.retracted.iter().map(|(r, v)| (*r, &v[..])).collect();
        let new = |rel: RelId, row: &[Value]| !retracted.contains(&(rel, row));
        for &rel in relations {
            let r = rel.0 as usize;
            let rows = &self.rels[r];
            match t.saved.get(&rel) {
                Some((count, flat)) => {
                    let arity = self.program.arity(rel);
                    let old: Vec<&[Value]> = if arity == 0 {
                        vec![&[][..]; (*count).min(1) as usize]
                    } else {
                        flat.chunks(arity).collect()
                    };
                    let before: FxHashSet<&[Value]> = old.iter().copied().collect();
                    for i in 0..rows.len() {
                        if !before.contains(rows.row(i)) && new(rel, rows.row(i)) {
                            out.gained.push((rel, rows.row(i).to_vec()));
                        }
                    }
                    for row in old {
                        if !self.contains(rel, row) {
                            out.lost.push((rel, row.to_vec()));
                        }
                    }
                }
                None => {
                    let from = t.old_len.get(r).copied().unwrap_or(0).min(rows.len());
                    for i in from..rows.len() {
                        if new(rel, rows.row(i)) {
                            out.gained.push((rel, rows.row(i).to_vec()));
                        }
                    }
                }
            }
        }
        for (rel, tuple) in &t.retracted {
            if relations.contains(rel) && !self.contains(*rel, tuple) {
                out.lost.push((*rel, tuple.clone()));
            }
        }
        out.gained.sort();
        out.gained.dedup();
        out.lost.sort();
        out.lost.dedup();
        out
    }
}
