//! Stratified semi-naive evaluation, continued incrementally.
//!
//! Strata run in order; each iterates rounds until no relation it reads has a delta.
//! Per relation the engine keeps `[lo, hi)`: in a round, rows `[lo, hi)` are the delta,
//! `[0, lo)` stable and `[0, hi)` all (rows appended during the round are past `hi` and
//! wait for the next round). Each rule runs one plan per positive atom: that atom reads
//! the delta, atoms before it the stable rows, atoms after it all rows, so every
//! combination of rows with at least one new row is joined exactly once.
//!
//! Incremental continuation: `Model::seen` is, per relation, how many rows the last
//! successful evaluation consumed. The next evaluation starts every stratum with
//! `lo = seen`, so facts added since then are simply the first delta. That is sound for
//! monotone consequences only, so a stratum is instead recomputed from scratch (its
//! derived tuples dropped, base facts kept, `lo = 0` for everything it reads) when
//! - a relation it negates gained rows (conclusions drawn from their absence may be
//!   wrong),
//! - a relation it reads, or one of its own, lost rows: retracted by
//!   `Model::retract_fact` (`Model::shrunk`) or dropped and recomputed by an earlier
//!   stratum in this evaluation (which may have lost tuples, and whose rows were
//!   renumbered),
//! - or it comes at or after `Model::reset_from` (a new model, or an evaluation stopped
//!   by a limit: `seen` is left alone and the strata from the first one recomputed are
//!   marked, so the next call finishes).
//!
//! The decision is taken stratum by stratum, in order, on what actually changed, so
//! asserting a grant recomputes only the strata that negate something the grant made
//! grow, and their dependents.

use super::eval::{Budget, Run};
use super::relation::{Pending, Prov};
use super::{EvalError, EvalStats, Limits, Model};
use crate::program::{BodyLiteral, Program};
use std::sync::Arc;
use std::time::Instant;

/// Evaluates strata `0..=last` (all when `last` is past the end). Later strata are left
/// as they are and marked for recomputation, so a later full evaluation is still right.
pub(super) fn evaluate(
    m: &mut Model,
    limits: &Limits,
    last: usize,
) -> Result<EvalStats, EvalError> {
    let started = Instant::now();
    let program = Arc::clone(&m.program);
    let strata = &program.strata()[..program.strata().len().min(last.saturating_add(1))];
    let forced = m.reset_from.take().unwrap_or(strata.len());
    // Relations that lost rows since the last evaluation or were rebuilt in this one.
    let mut changed = std::mem::replace(&mut m.shrunk, vec![false; m.rels.len()]);
    m.tracker.start(&m.seen);
    let mut state = State {
        budget: Budget::new(limits, started, m.derived_total),
        lo: vec![0; m.rels.len()],
        hi: vec![0; m.rels.len()],
        pending: Pending::new(0),
        regs: Vec::new(),
        scratch: Vec::new(),
        stats: EvalStats::default(),
    };
    let mut first_fresh = None;
    for (s, stratum) in strata.iter().enumerate() {
        let is = |r: &crate::program::RelId| changed[r.0 as usize];
        let fresh = s >= forced
            || stratum.reads.iter().any(is)
            || stratum.relations.iter().any(is)
            || stratum
                .negated
                .iter()
                .any(|r| m.rels[r.0 as usize].len() > m.seen[r.0 as usize]);
        if fresh && !stratum.rules.is_empty() {
            first_fresh.get_or_insert(s);
            for r in &stratum.relations {
                m.tracker.save(*r, &m.rels[r.0 as usize]);
                let rows = Arc::make_mut(&mut m.rels[r.0 as usize]);
                let before = rows.len();
                rows.retain_base();
                m.derived_total -= (before - rows.len()) as usize;
                changed[r.0 as usize] = true;
            }
        }
        if let Err(e) = run_stratum(m, &program, s, fresh, &mut state) {
            m.reset_from = Some(first_fresh.map_or(s, |f: usize| f.min(s)));
            return Err(e);
        }
    }
    for (seen, rows) in m.seen.iter_mut().zip(&m.rels) {
        *seen = rows.len();
    }
    if strata.len() < program.strata().len() {
        m.reset_from = Some(strata.len());
    }
    state.stats.elapsed = started.elapsed();
    Ok(state.stats)
}

/// Buffers reused across rule runs.
struct State {
    budget: Budget,
    lo: Vec<u32>,
    hi: Vec<u32>,
    pending: Pending,
    regs: Vec<super::Value>,
    scratch: Vec<super::Value>,
    stats: EvalStats,
}

fn run_stratum(
    m: &mut Model,
    program: &Program,
    s: usize,
    fresh: bool,
    st: &mut State,
) -> Result<(), EvalError> {
    let stratum = &program.strata()[s];
    if stratum.rules.is_empty() {
        return Ok(());
    }
    for r in &stratum.reads {
        let r = r.0 as usize;
        st.lo[r] = if fresh { 0 } else { m.seen[r] };
        st.hi[r] = m.rels[r].len();
    }
    let initial = fresh
        && stratum
            .rules
            .iter()
            .any(|&r| program.rule(r).plans.iter().any(|p| p.delta.is_none()));
    let mut first = true;
    loop {
        let has_delta = stratum
            .reads
            .iter()
            .any(|r| st.lo[r.0 as usize] < st.hi[r.0 as usize]);
        if !(has_delta || (first && initial)) {
            return Ok(());
        }
        st.budget.check_clock()?;
        m.round += 1;
        st.stats.rounds += 1;
        for &rule_id in &stratum.rules {
            let rule = program.rule(rule_id);
            let head = rule.info.head.0 as usize;
            for plan in &rule.plans {
                let runs = match plan.delta {
                    None => first && initial,
                    Some(d) => match &rule.body[d] {
                        BodyLiteral::Positive(a) => {
                            st.lo[a.rel.0 as usize] < st.hi[a.rel.0 as usize]
                        }
                        _ => false,
                    },
                };
                if !runs {
                    continue;
                }
                st.pending.clear(rule.head_args.len());
                st.regs.clear();
                st.regs.resize(plan.slots, super::Value(0));
                let mut run = Run {
                    rels: &m.rels,
                    consts: &m.consts,
                    numbers: m.symbols.numbers(),
                    extra_numbers: &[],
                    lo: &st.lo,
                    hi: &st.hi,
                    head: &plan.head,
                    head_rel: Some(&m.rels[head]),
                    out: &mut st.pending,
                    scratch: std::mem::take(&mut st.scratch),
                    budget: st.budget,
                    stopped: None,
                };
                run.run(&plan.ops, &mut st.regs);
                st.budget = run.budget;
                st.scratch = run.scratch;
                if let Some(e) = run.stopped {
                    return Err(e);
                }
                let prov = Prov {
                    rule: rule_id.0,
                    detail: m.round,
                };
                let rows = Arc::make_mut(&mut m.rels[head]);
                rows.reserve(st.pending.len());
                for i in 0..st.pending.len() {
                    rows.insert_new(st.pending.hash(i), st.pending.row(i), prov);
                }
                m.derived_total += st.pending.len();
                st.stats.derived += st.pending.len();
            }
        }
        first = false;
        for r in &stratum.reads {
            let r = r.0 as usize;
            st.lo[r] = st.hi[r];
            st.hi[r] = m.rels[r].len();
        }
    }
}
