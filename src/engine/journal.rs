//! Transactions: a change to the model (facts added and retracted, then evaluated) is
//! undone row by row instead of by keeping a copy of the model.
//!
//! Rows are never removed while a transaction is open (compaction waits), so a rollback
//! kills the rows appended since [`Model::begin`] and restores the provenance (life
//! included) of the older rows the transaction changed, in reverse order; the small
//! per-relation bookkeeping is copied at `begin`. The cost is proportional to what the
//! transaction touched.

use super::relation::{Prov, DEAD};
use super::{Model, Symbols};
use std::sync::Arc;

#[derive(Clone)]
pub(super) struct Journal {
    rows_len: Vec<u32>,
    /// Per relation: its rows record appends (see [`Model::rows_mut`]).
    logging: Vec<bool>,
    /// Rows that died in an evaluation of this transaction: forgotten at commit.
    died: Vec<(u32, u32)>,
    /// (relation, row, provenance before) of rows below `rows_len` that changed.
    changed: Vec<(u32, u32, Prov)>,
    seen: Vec<u32>,
    killed: Vec<Vec<u32>>,
    reset_from: Option<usize>,
    gen: u32,
    round: u32,
    derived_total: usize,
    base_spans: usize,
    symbols: Arc<Symbols>,
}

impl Model {
    /// Opens a transaction: until [`Model::commit`], [`Model::rollback`] puts the model
    /// back as it is now. Nested calls keep the outer transaction.
    pub fn begin(&mut self) {
        if self.journal.is_some() {
            return;
        }
        self.compact();
        self.journal = Some(Box::new(Journal {
            rows_len: self.rels.iter().map(|r| r.len()).collect(),
            logging: vec![false; self.rels.len()],
            died: Vec::new(),
            changed: Vec::new(),
            seen: self.seen.clone(),
            killed: self.killed.clone(),
            reset_from: self.reset_from,
            gen: self.gen,
            round: self.round,
            derived_total: self.derived_total,
            base_spans: self.base_spans.len(),
            symbols: Arc::clone(&self.symbols),
        }));
    }

    pub fn in_transaction(&self) -> bool {
        self.journal.is_some()
    }

    /// Keeps what the transaction did.
    pub fn commit(&mut self) {
        self.tracker.unpin();
        if let Some(j) = self.journal.take() {
            for (r, _) in j.logging.iter().enumerate().filter(|(_, l)| **l) {
                Arc::make_mut(&mut self.rels[r]).stop_log();
            }
            for &(r, id) in &j.died {
                let rows = Arc::make_mut(&mut self.rels[r as usize]);
                if !rows.is_alive(id) {
                    rows.forget(id);
                }
            }
        }
    }

    /// [`Model::rows_mut`] about to take `additional` more rows: a shared relation is
    /// copied with the room made.
    pub(super) fn rows_mut_with_room(
        &mut self,
        r: usize,
        additional: usize,
    ) -> &mut super::relation::Rows {
        if Arc::get_mut(&mut self.rels[r]).is_none() {
            self.rels[r] = Arc::new(self.rels[r].with_room(additional));
        }
        let rows = self.rows_mut(r);
        rows.reserve(additional);
        rows
    }

    /// Relation `r` for writing; in a transaction its appends are recorded from the first
    /// write on, so that a rollback takes them off.
    pub(super) fn rows_mut(&mut self, r: usize) -> &mut super::relation::Rows {
        let rows = Arc::make_mut(&mut self.rels[r]);
        if let Some(j) = &mut self.journal {
            if !j.logging[r] {
                j.logging[r] = true;
                rows.start_log();
            }
        }
        rows
    }

    /// Undoes everything since [`Model::begin`] (nothing when no transaction is open).
    pub fn rollback(&mut self) {
        let Some(j) = self.journal.take() else {
            return;
        };
        for (r, &from) in j.rows_len.iter().enumerate() {
            if j.logging[r] {
                Arc::make_mut(&mut self.rels[r]).truncate_log();
            }
            // Every write in a transaction goes through `rows_mut`, which logs.
            debug_assert_eq!(self.rels[r].len(), from, "rows appended without a log");
        }
        for &(r, id, prov) in j.changed.iter().rev() {
            let rows = Arc::make_mut(&mut self.rels[r as usize]);
            if rows.prov(id).rule == DEAD {
                rows.revive(id, prov);
            } else {
                rows.set_prov(id, prov);
            }
        }
        self.seen = j.seen;
        self.killed = j.killed;
        self.reset_from = j.reset_from;
        self.gen = j.gen;
        self.round = j.round;
        self.derived_total = j.derived_total;
        self.base_spans.truncate(j.base_spans);
        self.symbols = j.symbols;
        self.tracker = Default::default();
        self.tracker.start(&self.seen, false);
    }

    /// At the end of an evaluation: the rows that died in it are forgotten by the dedup
    /// tables ([`super::relation::Rows::forget`]), at once or, in a transaction, when it
    /// commits (a rollback revives them).
    pub(super) fn forget_killed(&mut self) {
        for r in 0..self.killed.len() {
            if self.killed[r].is_empty() {
                continue;
            }
            match &mut self.journal {
                Some(j) => j
                    .died
                    .extend(self.killed[r].iter().map(|&id| (r as u32, id))),
                None => {
                    let ids = std::mem::take(&mut self.killed[r]);
                    let rows = Arc::make_mut(&mut self.rels[r]);
                    for &id in &ids {
                        rows.forget(id);
                    }
                    self.killed[r] = ids;
                }
            }
        }
    }

    /// Records the provenance row `id` of relation `r` had before a change.
    pub(super) fn journal_prov(&mut self, r: usize, id: u32, before: Prov) {
        if let Some(j) = &mut self.journal {
            if id < j.rows_len[r] {
                j.changed.push((r as u32, id, before));
            }
        }
    }

    /// Drops dead rows from relations where they are many (an eighth of the rows) and no
    /// change is under way; row ids shift, so only between evaluations.
    pub(super) fn compact(&mut self) {
        if self.journal.is_some() {
            return;
        }
        for r in 0..self.rels.len() {
            let rows = &self.rels[r];
            let dead = rows.dead();
            if dead == 0 || dead < rows.len() / 8 || !self.killed[r].is_empty() {
                continue;
            }
            let seen = self.seen[r];
            let alive_below = (0..seen).filter(|&id| rows.is_alive(id)).count() as u32;
            Arc::make_mut(&mut self.rels[r]).compact();
            self.seen[r] = alive_below;
            // Row ids moved: they no longer match the rows taken over.
            if let Some(t) = self.taken.get_mut(r) {
                *t = None;
            }
        }
    }
}
