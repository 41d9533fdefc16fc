//! Stratified semi-naive evaluation, maintained incrementally through recursion and
//! negation.
//!
//! Strata run in order; each iterates rounds until no relation it reads has a delta.
//! Per relation the engine keeps `[lo, hi)`: in a round, rows `[lo, hi)` are the delta,
//! `[0, lo)` stable and `[0, hi)` all (rows appended during the round are past `hi` and
//! wait for the next round). Each rule runs one plan per positive atom: that atom reads
//! the delta, atoms before it the stable rows, atoms after it all rows, so every
//! combination of rows with at least one new row is joined exactly once.
//!
//! ## Changes: delete and rederive
//! `Model::seen` is, per relation, how many rows the last fixpoint consumed; rows past it
//! are insertions. Deleted rows stay in place, dead, in `Model::killed` (see `relation`),
//! so the fixpoint before the change can still be read (`Vis::Before`: rows below `seen`
//! that are alive or died in this generation). Each stratum, in order, takes the changes
//! of what it reads, insertions and deletions of any mix:
//! 1. **Over-delete** (reading the state before): every tuple of the stratum with a
//!    derivation that used a deleted tuple of a positive premise, or the absence of a
//!    tuple a negated premise has gained, dies; repeated through the stratum's own
//!    relations until nothing more dies. Base facts never die this way.
//! 2. **Rederive** (reading the state now): each tuple that died and still has a
//!    derivation comes back, as a new row with the rule and round of that derivation.
//! 3. **Insert** (now): derivations through a negated premise that lost tuples, then the
//!    semi-naive rounds from `seen`, which take the insertions below and the rederived
//!    tuples as their first delta.
//!
//! Delete-and-rederive is chosen over counting because it needs no per-tuple counts
//! (memory stays that of the tuples) and handles recursion as it handles the rest; the
//! seed plans (`program::plan::plan_seeded`) read the changed rows by id, so a change
//! costs work proportional to the derivations it touches. Provenance stays a proof: a
//! tuple that keeps its row kept every derivation (else step 1 would have killed it), and
//! a tuple written in steps 2-3 gets a round newer than every premise it used.
//!
//! Each seed costs a probe or more, so a stratum whose seeds (at least
//! `RECOMPUTE_MIN_SEEDS`) outnumber the rows a computation from scratch would scan is
//! computed again instead (`cheaper_to_recompute`): a small stratum that negates a
//! relation which gained millions of tuples, most matching nothing in it.
//!
//! A rule change (`Model::beside`, for `grantlog diff`) is maintained the same way: the
//! new model starts from the old fixpoint, tuples recorded as derived by a removed rule
//! die before step 1, and after step 3a every derivation of an added rule is inserted
//! (reading all rows), so the rounds of step 3 carry both on.
//!
//! A stratum at or after `Model::reset_from` (a new model, or one whose evaluation a limit
//! stopped) is recomputed from scratch instead: its derived rows die and every relation it
//! reads is a delta from row 0.

mod dred;
mod parallel;

use super::eval::{Budget, Run};
use super::relation::{Pending, Prov, Rows, Vis, BASE};
use super::{EvalError, EvalStats, Feed, Limits, Model};
use crate::program::{BodyLiteral, Plan, Program, RelId, RuleId};
use dred::{derive_added_early, insert_added, insert_through_negation, over_delete, rederive};
use std::sync::Arc;
use std::time::Instant;

/// Evaluates strata `0..=last` (all when `last` is past the end). Later strata are left
/// as they are and marked for recomputation, so a later full evaluation is still right.
pub(super) fn evaluate(
    m: &mut Model,
    limits: &Limits,
    last: usize,
    feed: Option<&Feed>,
) -> Result<EvalStats, EvalError> {
    let started = Instant::now();
    if m.journal.is_none() {
        m.compact();
    }
    let program = Arc::clone(&m.program);
    let strata = &program.strata()[..program.strata().len().min(last.saturating_add(1))];
    let forced = m.reset_from.take().unwrap_or(strata.len());
    let in_transaction = m.journal.is_some();
    m.tracker.start(&m.seen, in_transaction);
    let mut state = State {
        budget: Budget::new(limits, started, m.derived_total),
        lo: vec![0; m.rels.len()],
        hi: vec![0; m.rels.len()],
        pending: Pending::new(0),
        regs: Vec::new(),
        scratch: Vec::new(),
        seed: Vec::new(),
        stats: EvalStats::default(),
        vacant: Arc::new(Rows::new(0, &[])),
        early: Vec::new(),
    };
    // A first evaluation: the base relations are loaded and stop changing.
    let shrinking = m.journal.is_none() && forced == 0;
    if shrinking {
        shrink(m, (0..m.rels.len()).map(|r| RelId(r as u32)));
    }
    for s in 0..strata.len() {
        let stale = m.stale.get(s).copied().unwrap_or(false);
        let early = if m.takes_over(s) {
            derive_added_early(m, &program, s, &mut state)
        } else {
            Ok(())
        };
        let result = early
            .and_then(|()| m.take_over(s, &mut state.budget))
            .and_then(|()| {
                if s >= forced || stale || cheaper_to_recompute(m, &program, s) {
                    recompute(m, &program, s, &mut state)
                } else {
                    maintain(m, &program, s, &mut state)
                }
            });
        if result.is_ok() && shrinking {
            shrink(m, program.strata()[s].relations.iter().copied());
        }
        if let (Ok(()), Some(feed)) = (&result, feed) {
            for &r in &program.strata()[s].relations {
                feed.publish(r, &m.rels[r.0 as usize], m.round);
            }
        }
        if let Err(e) = result {
            m.reset_from = Some(forced.min(s));
            m.added.clear();
            // What was not taken over yet is recomputed from there (its base facts are
            // in place).
            m.carrying = None;
            return Err(e);
        }
    }
    m.carrying = None;
    m.stale.clear();
    m.added.clear();
    m.forget_killed();
    m.tracker.finish(&m.rels, &mut m.killed);
    for (seen, rows) in m.seen.iter_mut().zip(&m.rels) {
        *seen = rows.len();
    }
    m.gen += 1;
    if strata.len() < program.strata().len() {
        m.reset_from = Some(strata.len());
    }
    state.stats.elapsed = started.elapsed();
    Ok(state.stats)
}

/// Gives back the growth room of relations `rels` that no other model shares: they are
/// complete for this evaluation. Only in a first evaluation, where relations grow from
/// empty: a maintained model would grow them again at its next change.
fn shrink(m: &mut Model, rels: impl Iterator<Item = RelId>) {
    for r in rels {
        if let Some(rows) = Arc::get_mut(&mut m.rels[r.0 as usize]) {
            rows.shrink();
        }
    }
}

/// Buffers reused across rule runs.
pub(super) struct State {
    budget: Budget,
    lo: Vec<u32>,
    hi: Vec<u32>,
    pending: Pending,
    regs: Vec<super::Value>,
    scratch: Vec<super::Value>,
    seed: Vec<u32>,
    stats: EvalStats,
    /// Stands in for a head relation while a plan writes into it (`run_into_head`).
    vacant: Arc<Rows>,
    /// Derivations of added rules made before their stratum was taken over
    /// (`dred::derive_added_early`), for `insert_added` to write.
    early: Vec<(RuleId, Pending)>,
}

/// From scratch: the stratum's derived rows die, then every relation it reads is a delta
/// from row 0.
fn recompute(m: &mut Model, program: &Program, s: usize, st: &mut State) -> Result<(), EvalError> {
    let stratum = &program.strata()[s];
    if stratum.rules.is_empty() {
        return Ok(());
    }
    for &r in &stratum.relations {
        for id in 0..m.rels[r.0 as usize].len() {
            let prov = m.rels[r.0 as usize].prov(id);
            if prov.rule != BASE && m.rels[r.0 as usize].is_alive(id) {
                m.kill_row(r, id);
            }
        }
    }
    run_stratum(m, program, s, true, st)
}

/// Below this many seeds, maintenance always wins (and the property tests, whose models
/// are small, exercise it).
const RECOMPUTE_MIN_SEEDS: usize = 4096;

/// True when stratum `s` is cheaper to compute again than to maintain: the seeds of
/// over-deletion and of insertion through negation (rows lost by what it reads, rows
/// gained or lost by what it negates; each costs a probe or more) outnumber the rows a
/// computation from scratch scans (what it reads positively, its own relations
/// included). Typical: a small stratum negating a relation that gained millions of
/// tuples, none of which match its other premises.
fn cheaper_to_recompute(m: &Model, program: &Program, s: usize) -> bool {
    let stratum = &program.strata()[s];
    if stratum.rules.is_empty() {
        return false;
    }
    let ri = |r: &RelId| r.0 as usize;
    let lost = |r: &RelId| m.lost_rows(*r).count();
    let gained = |r: &RelId| (m.rels[ri(r)].len() as usize).saturating_sub(m.seen[ri(r)] as usize);
    let negated = |r: &RelId| stratum.negated.contains(r);
    // What it reads, and its own relations (a recursive stratum reads them too).
    let own = stratum
        .relations
        .iter()
        .filter(|r| !stratum.reads.contains(r));
    let all: Vec<&RelId> = stratum.reads.iter().chain(own).collect();
    let seeds: usize = (all.iter())
        .map(|r| {
            if negated(r) {
                lost(r) + gained(r)
            } else {
                lost(r)
            }
        })
        .sum();
    if seeds < RECOMPUTE_MIN_SEEDS {
        return false;
    }
    let scanned: usize = (all.iter())
        .filter(|r| !negated(r))
        .map(|r| m.rels[ri(r)].live() as usize)
        .sum();
    seeds > scanned
}

/// The changes of what stratum `s` reads, carried into its relations (module doc).
fn maintain(m: &mut Model, program: &Program, s: usize, st: &mut State) -> Result<(), EvalError> {
    let stratum = &program.strata()[s];
    if stratum.rules.is_empty() {
        return Ok(());
    }
    let lost = |m: &Model, r: &RelId| m.lost_rows(*r).next().is_some();
    let gained = |m: &Model, r: &RelId| m.rels[r.0 as usize].len() > m.seen[r.0 as usize];
    let read_lost = stratum.rules.iter().any(|&rule| {
        program.rule(rule).body.iter().any(|lit| match lit {
            BodyLiteral::Positive(a) => lost(m, &a.rel),
            _ => false,
        })
    });
    let deletes = read_lost
        || stratum.relations.iter().any(|r| lost(m, r))
        || stratum.negated.iter().any(|r| gained(m, r));
    if deletes {
        over_delete(m, program, s, st)?;
        if stratum
            .relations
            .iter()
            .any(|r| !m.killed[r.0 as usize].is_empty())
        {
            rederive(m, program, s, st)?;
        }
    }
    if stratum.negated.iter().any(|r| lost(m, r)) {
        insert_through_negation(m, program, s, st)?;
    }
    let added: Vec<RuleId> = (stratum.rules.iter().copied())
        .filter(|r| m.added.contains(r))
        .collect();
    if !added.is_empty() {
        insert_added(m, program, &added, st)?;
    }
    run_stratum(m, program, s, false, st)
}

fn run_stratum(
    m: &mut Model,
    program: &Program,
    s: usize,
    fresh: bool,
    st: &mut State,
) -> Result<(), EvalError> {
    let stratum = &program.strata()[s];
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
        let mut plans = Vec::new();
        for &rule_id in &stratum.rules {
            let rule = program.rule(rule_id);
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
                if runs {
                    plans.push((rule_id, plan));
                }
            }
        }
        if !parallel::round(m, &plans, st)? {
            for (rule_id, plan) in plans {
                run_rule_plan(m, rule_id, plan, st)?;
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

/// Runs `plan` of rule `rule_id` on the model as it is now and adds what it derives that
/// the head relation lacks, with the current round.
fn run_rule_plan(
    m: &mut Model,
    rule_id: RuleId,
    plan: &Plan,
    st: &mut State,
) -> Result<(), EvalError> {
    let rule = m.program.rule(rule_id);
    let head = rule.info.head;
    let reads_head = rule.body.iter().any(|lit| match lit {
        BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => a.rel == head,
        BodyLiteral::Compare { .. } => false,
    });
    if !reads_head {
        return run_into_head(m, rule_id, plan, st);
    }
    st.pending.clear(rule.head_args.len());
    run_plan(m, plan, head.0 as usize, Vis::Now, true, st)?;
    write_pending(m, rule_id, st);
    Ok(())
}

/// [`run_rule_plan`] for a rule whose body does not read its head relation: the head
/// relation is taken out of the model while the plan runs and written as tuples come
/// (one dedup probe each, no pending buffer).
fn run_into_head(
    m: &mut Model,
    rule_id: RuleId,
    plan: &Plan,
    st: &mut State,
) -> Result<(), EvalError> {
    let head = m.program.rule(rule_id).info.head.0 as usize;
    let prov = Prov {
        rule: rule_id.0,
        detail: m.round,
    };
    m.rows_mut(head); // unshared, and logged in a transaction
    let mut rows = std::mem::replace(&mut m.rels[head], Arc::clone(&st.vacant));
    let before = rows.len();
    let target = Arc::get_mut(&mut rows).expect("rows_mut unshares the head");
    let result = run_plan_with(m, plan, Vis::Now, None, Some((target, prov)), st);
    let derived = (rows.len() - before) as usize;
    m.rels[head] = rows;
    m.derived_total += derived;
    st.stats.derived += derived;
    result
}

/// Runs `plan` (reading `st.lo`/`st.hi`, and `st.seed` for a seed scan), seeing `vis`;
/// the head tuples land in `st.pending`, those the head relation already has skipped when
/// `skip_known`.
fn run_plan(
    m: &Model,
    plan: &Plan,
    head: usize,
    vis: Vis,
    skip_known: bool,
    st: &mut State,
) -> Result<(), EvalError> {
    let head_rel = skip_known.then(|| &*m.rels[head]);
    run_plan_with(m, plan, vis, head_rel, None, st)
}

/// [`run_plan`] with the head relation to skip known tuples of, or to write into.
fn run_plan_with<'a>(
    m: &'a Model,
    plan: &'a Plan,
    vis: Vis<'a>,
    head_rel: Option<&'a Rows>,
    direct: Option<(&'a mut Rows, Prov)>,
    st: &'a mut State,
) -> Result<(), EvalError> {
    st.regs.clear();
    st.regs.resize(plan.slots, super::Value(0));
    let mut run = Run {
        rels: &m.rels,
        consts: &m.consts,
        numbers: m.symbols.numbers(),
        extra_numbers: &[],
        lo: &st.lo,
        hi: &st.hi,
        window: super::eval::WHOLE,
        vis,
        seed: &st.seed,
        head: &plan.head,
        head_rel,
        out: &mut st.pending,
        direct,
        scratch: std::mem::take(&mut st.scratch),
        budget: st.budget,
        stopped: None,
    };
    run.run(&plan.ops, &mut st.regs);
    st.budget = run.budget;
    st.scratch = run.scratch;
    match run.stopped {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Appends the pending tuples of `rule` to its head with the current round. They are new:
/// the run skipped what the head held, rows written by earlier runs included.
fn write_pending(m: &mut Model, rule_id: RuleId, st: &mut State) {
    let head = m.program.rule(rule_id).info.head.0 as usize;
    let prov = Prov {
        rule: rule_id.0,
        detail: m.round,
    };
    let rows = m.rows_mut(head);
    rows.reserve(st.pending.len());
    for i in 0..st.pending.len() {
        rows.insert_new(st.pending.hash(i), st.pending.row(i), prov);
    }
    m.derived_total += st.pending.len();
    st.stats.derived += st.pending.len();
}
