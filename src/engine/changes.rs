//! What the last evaluation changed, without snapshotting the model before it.
//!
//! Rows are only appended or marked dead (see `relation`), so a relation's gains are its
//! live rows past the count it had at the last fixpoint, and its losses are the rows of
//! that fixpoint that died: their tuples are copied here when the evaluation ends (rows
//! that died and came back as a new row are neither). The cost is proportional to what
//! changed.

use super::relation::Rows;
use super::{Model, Value};
use crate::program::RelId;
use rustc_hash::FxHashSet;
use std::sync::Arc;

/// Bookkeeping for [`Model::changes`].
#[derive(Clone, Debug, Default)]
pub(super) struct Tracker {
    /// Per relation, its rows at the last fixpoint.
    old_len: Vec<u32>,
    /// Per relation, how many rows of the last fixpoint died, and their tuples, flat.
    died: Vec<(u32, Vec<Value>)>,
    /// The baseline is the fixpoint before the transaction: every evaluation inside it
    /// adds to the changes. One change can evaluate several times (the ordered reading
    /// evaluates for the check of each action that a previous one may have decided), and
    /// a `:assert` of a Can Manage Access grant and a grant made through it reported only
    /// the second evaluation's gains.
    pinned: bool,
}

/// Tuples gained and lost, per relation, sorted by relation then tuple.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub gained: Vec<(RelId, Vec<Value>)>,
    pub lost: Vec<(RelId, Vec<Value>)>,
}

impl Tracker {
    /// Called when an evaluation starts: the rows consumed so far are the baseline, unless
    /// a transaction's first evaluation set it (`in_transaction`).
    pub fn start(&mut self, seen: &[u32], in_transaction: bool) {
        if self.pinned {
            return;
        }
        self.old_len = seen.to_vec();
        self.died.clear();
        self.pinned = in_transaction;
    }

    /// Called when a transaction ends: the next evaluation sets the baseline again.
    pub fn unpin(&mut self) {
        self.pinned = false;
    }

    /// Called when an evaluation ends: keeps the tuples of the rows that died (and empties
    /// the model's list of them for the next generation).
    pub fn finish(&mut self, rels: &[Arc<Rows>], killed: &mut [Vec<u32>]) {
        self.died.resize(rels.len(), (0, Vec::new()));
        for (r, ids) in killed.iter_mut().enumerate() {
            let old = self.old_len.get(r).copied().unwrap_or(0);
            for &id in ids.iter().filter(|&&id| id < old) {
                self.died[r].0 += 1;
                self.died[r].1.extend_from_slice(rels[r].row(id));
            }
            ids.clear();
        }
    }
}

impl Model {
    /// The tuples the last [`Model::evaluate`] (with the facts added and retracted before
    /// it) gained and lost in `relations`, compared with the fixpoint before. Meaningful
    /// until the next `add_fact` or `retract_fact`; after an evaluation stopped by a
    /// limit it describes nothing.
    pub fn changes(&self, relations: &[RelId]) -> Changes {
        let t = &self.tracker;
        let mut out = Changes::default();
        for &rel in relations {
            let r = rel.0 as usize;
            let rows = &self.rels[r];
            let arity = self.program.arity(rel);
            let (count, flat) = t.died.get(r).map_or((0, &[][..]), |(c, f)| (*c, &f[..]));
            let died: Vec<&[Value]> = if arity == 0 {
                vec![&[][..]; count.min(1) as usize]
            } else {
                flat.chunks(arity).collect()
            };
            let before: FxHashSet<&[Value]> = died.iter().copied().collect();
            let from = t.old_len.get(r).copied().unwrap_or(0).min(rows.len());
            for i in from..rows.len() {
                if rows.is_alive(i) && !before.contains(rows.row(i)) {
                    out.gained.push((rel, rows.row(i).to_vec()));
                }
            }
            for row in died {
                if !self.contains(rel, row) {
                    out.lost.push((rel, row.to_vec()));
                }
            }
        }
        out.gained.sort();
        out.gained.dedup();
        out.lost.sort();
        out.lost.dedup();
        out
    }
}
