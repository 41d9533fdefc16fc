//! Running plans: nested loops over row ranges and indexes, writing into a register file.

use super::relation::{hash_values, Pending, Prov, Rows, Vis};
use super::symbols::Value;
use super::EvalError;
use crate::program::{Lookup, Op, Operand, RowRange, Scan};
use crate::syntax::ast::CompareOp;
use std::time::{Duration, Instant};

/// How often (in join steps: rows visited) the clock and the interrupt flag are read.
/// A step costs nanoseconds, so this is well under a millisecond between reads.
const CHECK_EVERY: u32 = 4096;

/// Everything one plan run reads, plus where it writes.
pub(crate) struct Run<'a> {
    pub rels: &'a [std::sync::Arc<Rows>],
    /// `ConstId` -> value.
    pub consts: &'a [Value],
    /// Value id -> number; ids past the end index `extra_numbers` (query-only constants).
    pub numbers: &'a [Option<i64>],
    pub extra_numbers: &'a [Option<i64>],
    /// Per relation: rows `[lo, hi)` are the delta, `[0, lo)` stable, `[0, hi)` all.
    pub lo: &'a [u32],
    pub hi: &'a [u32],
    /// Rows a `Delta` scan reads are also cut to `[window.0, window.1)`: one piece of a
    /// round's delta, run on its own thread (`fixpoint::parallel`).
    pub window: (u32, u32),
    /// Which rows scans and negations see (the seed rows are read as they are).
    pub vis: Vis<'a>,
    /// The row ids a `RowRange::Seed` scan reads.
    pub seed: &'a [u32],
    pub head: &'a [Operand],
    /// Tuples already here are not emitted again.
    pub head_rel: Option<&'a Rows>,
    pub out: &'a mut Pending,
    /// Write head tuples straight into this relation (with this provenance) instead of
    /// `out`: for plans that do not read their head relation.
    pub direct: Option<(&'a mut Rows, Prov)>,
    pub scratch: Vec<Value>,
    pub budget: Budget,
    pub stopped: Option<EvalError>,
}

/// The window of a `Delta` scan that cuts nothing.
pub(crate) const WHOLE: (u32, u32) = (0, u32::MAX);

/// Limits as seen from the inner loop.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    /// How many more tuples may be derived.
    pub tuples_left: usize,
    pub max_tuples: usize,
    pub deadline: Option<(Instant, Duration)>,
    pub interrupt: Option<&'static super::limits::Interrupt>,
    /// Join steps left until the next check.
    pub steps: u32,
}

impl Budget {
    /// `limits` (and the enclosing [`super::limits::Scope`]'s) from `started`, when
    /// `held` tuples are already held.
    pub fn new(limits: &super::Limits, started: Instant, held: usize) -> Budget {
        let own = limits.timeout.map(|t| {
            (
                started
                    .checked_add(t)
                    .unwrap_or(started + Duration::from_secs(1 << 32)),
                t,
            )
        });
        let max = super::limits::max_tuples(limits.max_tuples);
        Budget {
            tuples_left: max.map_or(usize::MAX, |max| max.saturating_sub(held)),
            max_tuples: max.unwrap_or(usize::MAX),
            deadline: super::limits::deadline(own),
            interrupt: super::limits::watched(),
            steps: CHECK_EVERY,
        }
    }

    pub fn check_clock(&self) -> Result<(), EvalError> {
        if self.interrupt.is_some_and(|f| f.requested()) {
            return Err(super::limits::stopped(EvalError::Interrupted));
        }
        match self.deadline {
            Some((at, limit)) if Instant::now() >= at => {
                Err(super::limits::stopped(EvalError::Timeout { limit }))
            }
            _ => Ok(()),
        }
    }
}

impl Run<'_> {
    #[inline]
    fn value(&self, o: Operand, regs: &[Value]) -> Value {
        match o {
            Operand::Slot(s) => regs[s as usize],
            Operand::Const(c) => self.consts[c.0 as usize],
        }
    }

    /// One join step; every `CHECK_EVERY` steps the clock and the interrupt flag are
    /// read. False (and `stopped` set) when a limit stops the run.
    #[inline]
    fn tick(&mut self) -> bool {
        self.budget.steps -= 1;
        if self.budget.steps > 0 {
            return true;
        }
        self.budget.steps = CHECK_EVERY;
        match self.budget.check_clock() {
            Ok(()) => true,
            Err(e) => {
                self.stopped = Some(e);
                false
            }
        }
    }

    fn number(&self, v: Value) -> Option<i64> {
        let i = v.0 as usize;
        match self.numbers.get(i) {
            Some(n) => *n,
            None => self.extra_numbers[i - self.numbers.len()],
        }
    }

    /// Runs `ops` to completion; false when a limit stopped it.
    pub fn run(&mut self, ops: &[Op], regs: &mut [Value]) -> bool {
        let Some((op, rest)) = ops.split_first() else {
            return self.emit(regs);
        };
        match op {
            Op::Scan(scan) => self.scan(scan, rest, regs),
            Op::Absent {
                rel,
                lookup,
                filters,
                same,
            } => {
                let rels = self.rels;
                let rows = &rels[rel.0 as usize];
                if self.any_row(rows, rel.0 as usize, lookup, filters, same, regs) {
                    self.stopped.is_none()
                } else if self.stopped.is_some() {
                    false
                } else {
                    self.run(rest, regs)
                }
            }
            Op::Compare { op, left, right } => {
                let (l, r) = (self.value(*left, regs), self.value(*right, regs));
                let holds = match op {
                    CompareOp::Eq => l == r,
                    CompareOp::Ne => l != r,
                    _ => match (self.number(l), self.number(r)) {
                        (Some(a), Some(b)) => match op {
                            CompareOp::Lt => a < b,
                            CompareOp::Le => a <= b,
                            CompareOp::Gt => a > b,
                            _ => a >= b,
                        },
                        _ => false,
                    },
                };
                !holds || self.run(rest, regs)
            }
            Op::Assign { slot, value } => {
                regs[*slot as usize] = self.value(*value, regs);
                self.run(rest, regs)
            }
        }
    }

    #[inline]
    fn row_matches(
        &self,
        row: &[Value],
        filters: &[(u32, Operand)],
        same: &[(u32, u32)],
        regs: &[Value],
    ) -> bool {
        filters
            .iter()
            .all(|&(c, o)| row[c as usize] == self.value(o, regs))
            && same
                .iter()
                .all(|&(a, b)| row[a as usize] == row[b as usize])
    }

    fn scan(&mut self, scan: &Scan, rest: &[Op], regs: &mut [Value]) -> bool {
        let rels = self.rels;
        let rows = &rels[scan.rel.0 as usize];
        let r = scan.rel.0 as usize;
        let (lo, hi) = match scan.range {
            RowRange::Delta => (self.lo[r].max(self.window.0), self.hi[r].min(self.window.1)),
            RowRange::Stable => (0, self.lo[r]),
            RowRange::All => (0, self.hi[r]),
            RowRange::Seed => (0, 0),
        };
        let vis = self.vis;
        macro_rules! visit {
            ($row:expr) => {{
                if !self.tick() {
                    return false;
                }
                let row = $row;
                if self.row_matches(row, &scan.filters, &scan.same, regs) {
                    for &(c, s) in &scan.binds {
                        regs[s as usize] = row[c as usize];
                    }
                    if !self.run(rest, regs) {
                        return false;
                    }
                }
            }};
        }
        if scan.range == RowRange::Seed {
            let seed = self.seed;
            for &id in seed {
                visit!(rows.row(id));
            }
            return true;
        }
        if lo >= hi {
            return true;
        }
        match &scan.lookup {
            Lookup::Rows => {
                for id in lo..hi {
                    if rows.visible(id, r, vis) {
                        visit!(rows.row(id));
                    }
                }
            }
            Lookup::Index(index, key) => {
                let hash = hash_values(key.iter().map(|&o| self.value(o, regs)));
                let columns = rows.index_columns(index.0);
                for id in rows.index_rows(index.0, hash) {
                    if id >= hi {
                        break;
                    }
                    if id < lo || !rows.visible(id, r, vis) {
                        continue;
                    }
                    let row = rows.row(id);
                    if columns
                        .iter()
                        .zip(key)
                        .all(|(&c, &o)| row[c as usize] == self.value(o, regs))
                    {
                        visit!(row);
                    }
                }
            }
            Lookup::Exact(key) => {
                if let Some(id) = self.exact(rows, r, key, regs) {
                    if (lo..hi).contains(&id) {
                        visit!(rows.row(id));
                    }
                }
            }
        }
        true
    }

    #[inline]
    fn exact(&self, rows: &Rows, rel: usize, key: &[Operand], regs: &[Value]) -> Option<u32> {
        let hash = hash_values(key.iter().map(|&o| self.value(o, regs)));
        rows.find_in(hash, rel, self.vis, |row| {
            row.iter().zip(key).all(|(v, &o)| *v == self.value(o, regs))
        })
    }

    /// Is there a visible row matching the lookup, the filters and `same` (the columns of
    /// a repeated variable local to the negation)? An existence check: it stops at the
    /// first match (true, with `stopped` set, when a limit stopped the search).
    fn any_row(
        &mut self,
        rows: &Rows,
        rel: usize,
        lookup: &Lookup,
        filters: &[(u32, Operand)],
        same: &[(u32, u32)],
        regs: &[Value],
    ) -> bool {
        let vis = self.vis;
        match lookup {
            Lookup::Rows => (0..rows.len()).any(|id| {
                !self.tick()
                    || (rows.visible(id, rel, vis)
                        && self.row_matches(rows.row(id), filters, same, regs))
            }),
            Lookup::Exact(key) => self.exact(rows, rel, key, regs).is_some(),
            Lookup::Index(index, key) => {
                let hash = hash_values(key.iter().map(|&o| self.value(o, regs)));
                let columns = rows.index_columns(index.0);
                rows.index_rows(index.0, hash).any(|id| {
                    if !self.tick() {
                        return true;
                    }
                    if !rows.visible(id, rel, vis) {
                        return false;
                    }
                    let row = rows.row(id);
                    columns
                        .iter()
                        .zip(key)
                        .all(|(&c, &o)| row[c as usize] == self.value(o, regs))
                        && self.row_matches(row, filters, same, regs)
                })
            }
        }
    }

    /// The end of the plan: the head tuple is new unless the relation or buffer has it.
    #[inline]
    fn emit(&mut self, regs: &[Value]) -> bool {
        let mut tuple = std::mem::take(&mut self.scratch);
        tuple.clear();
        tuple.extend(self.head.iter().map(|&o| self.value(o, regs)));
        let hash = hash_values(tuple.iter().copied());
        let mut ok = true;
        if let Some((rows, prov)) = &mut self.direct {
            if self.budget.tuples_left > 0 {
                if rows.insert_if_absent(hash, &tuple, *prov) {
                    self.budget.tuples_left -= 1;
                }
            } else if rows.find(hash, &tuple).is_none() {
                self.stopped = Some(super::limits::stopped(EvalError::TupleLimit {
                    limit: self.budget.max_tuples,
                }));
                ok = false;
            }
            self.scratch = tuple;
            return ok;
        }
        let known = self
            .head_rel
            .is_some_and(|rel| rel.find(hash, &tuple).is_some());
        if !known && self.out.insert(hash, &tuple) {
            if self.budget.tuples_left == 0 {
                self.stopped = Some(super::limits::stopped(EvalError::TupleLimit {
                    limit: self.budget.max_tuples,
                }));
                ok = false;
            } else {
                self.budget.tuples_left -= 1;
            }
        }
        self.scratch = tuple;
        ok
    }
}
