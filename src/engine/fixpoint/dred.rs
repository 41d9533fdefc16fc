//! The three steps of delete-and-rederive for one stratum (see the parent module): seeds
//! are rows by id (rows of the fixpoint that died, or live rows past `seen`), read by the
//! seed plans `program::plan::plan_seeded` builds.

use super::State;
use crate::engine::eval::Run;
use crate::engine::relation::{hash_values, Prov, Vis, BASE};
use crate::engine::{EvalError, Model};
use crate::program::{BodyLiteral, Plan, Program, RelId, RuleId};
use std::sync::Arc;

/// Which rows seed a plan: `Lost` = rows of the fixpoint that died (from `from` in the
/// list), `Gained` = live rows past `seen`.
enum Seeds {
    Lost { from: usize },
    Gained,
}

impl Model {
    /// Ids of rows below `seen` that died in this generation.
    pub(super) fn lost_rows(&self, r: RelId) -> impl Iterator<Item = u32> + '_ {
        let seen = self.seen[r.0 as usize];
        self.killed[r.0 as usize]
            .iter()
            .copied()
            .filter(move |&id| id < seen)
    }

    fn seeds(&self, r: RelId, which: &Seeds, out: &mut Vec<u32>) {
        out.clear();
        let ri = r.0 as usize;
        match which {
            Seeds::Lost { from } => {
                let seen = self.seen[ri];
                out.extend(self.killed[ri][*from..].iter().filter(|&&id| id < seen));
            }
            Seeds::Gained => {
                let rows = &self.rels[ri];
                out.extend((self.seen[ri]..rows.len()).filter(|&id| rows.is_alive(id)));
            }
        }
    }
}

/// Runs `plan` from the seed rows in `st.seed`, seeing `vis`; the head tuples land in
/// `st.pending` (those the head relation already has are skipped when `skip_known`).
fn run_seeded(
    m: &Model,
    plan: &Plan,
    head: usize,
    vis: Vis,
    skip_known: bool,
    st: &mut State,
) -> Result<(), EvalError> {
    st.regs.clear();
    st.regs.resize(plan.slots, crate::engine::Value(0));
    let mut run = Run {
        rels: &m.rels,
        consts: &m.consts,
        numbers: m.symbols.numbers(),
        extra_numbers: &[],
        lo: &st.hi,
        hi: &st.hi,
        vis,
        seed: &st.seed,
        head: &plan.head,
        head_rel: skip_known.then(|| &*m.rels[head]),
        out: &mut st.pending,
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

/// Step 1: kills, in rounds, the tuples of stratum `s` with a derivation that no longer
/// holds, reading the fixpoint before the change.
pub(super) fn over_delete(
    m: &mut Model,
    program: &Program,
    s: usize,
    st: &mut State,
) -> Result<(), EvalError> {
    let stratum = &program.strata()[s];
    let own = |r: RelId| program.stratum_of(r) == s;
    // Per own relation, where the seeds of the next round start in `killed`.
    let mut from: Vec<usize> = stratum
        .relations
        .iter()
        .map(|r| m.killed[r.0 as usize].len())
        .collect();
    let mut first = true;
    loop {
        st.budget.check_clock()?;
        st.hi.copy_from_slice(&m.seen);
        let mut doomed: Vec<(RelId, Vec<crate::engine::Value>)> = Vec::new();
        // Killing is not deriving: the tuple budget is only for what gets written.
        let tuples_left = std::mem::replace(&mut st.budget.tuples_left, usize::MAX);
        let mut result = Ok(());
        'rules: for &rule_id in &stratum.rules {
            let rule = program.rule(rule_id);
            let head = rule.info.head.0 as usize;
            for (lit, plan) in &rule.seeded {
                let (rel, which) = match &rule.body[*lit] {
                    BodyLiteral::Positive(a) if first => (a.rel, Seeds::Lost { from: 0 }),
                    BodyLiteral::Positive(a) if own(a.rel) => {
                        let k = stratum.relations.iter().position(|r| *r == a.rel);
                        (
                            a.rel,
                            Seeds::Lost {
                                from: from[k.expect("own")],
                            },
                        )
                    }
                    BodyLiteral::Negative(a) if first => (a.rel, Seeds::Gained),
                    _ => continue,
                };
                m.seeds(rel, &which, &mut st.seed);
                if st.seed.is_empty() {
                    continue;
                }
                st.pending.clear(rule.head_args.len());
                let vis = Vis::Before {
                    seen: &m.seen,
                    gen: m.gen,
                };
                if let Err(e) = run_seeded(m, plan, head, vis, false, st) {
                    result = Err(e);
                    break 'rules;
                }
                for i in 0..st.pending.len() {
                    doomed.push((rule.info.head, st.pending.row(i).to_vec()));
                }
            }
        }
        st.budget.tuples_left = tuples_left;
        result?;
        for (k, r) in stratum.relations.iter().enumerate() {
            from[k] = m.killed[r.0 as usize].len();
        }
        let mut any = false;
        for (rel, tuple) in doomed {
            let r = rel.0 as usize;
            let hash = hash_values(tuple.iter().copied());
            let vis = Vis::Before {
                seen: &m.seen,
                gen: m.gen,
            };
            let found = m.rels[r].find_in(hash, r, vis, |row| row == &tuple[..]);
            if let Some(id) = found {
                let rows = &m.rels[r];
                if rows.is_alive(id) && rows.prov(id).rule != BASE {
                    m.kill_row(rel, id);
                    any = true;
                }
            }
        }
        first = false;
        if !any {
            return Ok(());
        }
    }
}

/// Step 2: brings back the tuples of stratum `s` that died and still have a derivation.
pub(super) fn rederive(
    m: &mut Model,
    program: &Program,
    s: usize,
    st: &mut State,
) -> Result<(), EvalError> {
    let stratum = &program.strata()[s];
    capture_now(m, st);
    m.round += 1;
    st.stats.rounds += 1;
    for &rule_id in &stratum.rules {
        let rule = program.rule(rule_id);
        let head = rule.info.head;
        st.seed.clear();
        st.seed.extend(m.killed[head.0 as usize].iter().copied());
        if st.seed.is_empty() {
            continue;
        }
        st.pending.clear(rule.head_args.len());
        run_seeded(m, &rule.rederive, head.0 as usize, Vis::Now, true, st)?;
        write_pending(m, rule_id, st);
    }
    Ok(())
}

/// Step 3a: derivations through a negated premise whose relation lost tuples.
pub(super) fn insert_through_negation(
    m: &mut Model,
    program: &Program,
    s: usize,
    st: &mut State,
) -> Result<(), EvalError> {
    let stratum = &program.strata()[s];
    capture_now(m, st);
    m.round += 1;
    st.stats.rounds += 1;
    for &rule_id in &stratum.rules {
        let rule = program.rule(rule_id);
        for (lit, plan) in &rule.seeded {
            let BodyLiteral::Negative(a) = &rule.body[*lit] else {
                continue;
            };
            m.seeds(a.rel, &Seeds::Lost { from: 0 }, &mut st.seed);
            if st.seed.is_empty() {
                continue;
            }
            st.pending.clear(rule.head_args.len());
            run_seeded(m, plan, rule.info.head.0 as usize, Vis::Now, true, st)?;
            write_pending(m, rule_id, st);
        }
    }
    Ok(())
}

/// `hi` = every row now, so rows written during a step wait for the next one.
fn capture_now(m: &Model, st: &mut State) {
    for (h, rows) in st.hi.iter_mut().zip(&m.rels) {
        *h = rows.len();
    }
}

/// Appends the pending tuples of `rule` to its head with the current round.
fn write_pending(m: &mut Model, rule_id: RuleId, st: &mut State) {
    let program = Arc::clone(&m.program);
    let head = program.rule(rule_id).info.head.0 as usize;
    let prov = Prov {
        rule: rule_id.0,
        detail: m.round,
    };
    let rows = m.rows_mut(head);
    rows.reserve(st.pending.len());
    let mut written = 0;
    for i in 0..st.pending.len() {
        // A tuple written by an earlier rule of this step is not written twice.
        if rows.find(st.pending.hash(i), st.pending.row(i)).is_none() {
            rows.insert_new(st.pending.hash(i), st.pending.row(i), prov);
            written += 1;
        }
    }
    m.derived_total += written;
    st.stats.derived += written;
}
