//! The three steps of delete-and-rederive for one stratum (see the parent module): seeds
//! are rows by id (rows of the fixpoint that died, or live rows past `seen`), read by the
//! seed plans `program::plan::plan_seeded` builds.

use super::{run_plan, run_rule_plan, write_pending, State};
use crate::engine::relation::{hash_values, Vis, BASE};
use crate::engine::{EvalError, Model};
use crate::program::{BodyLiteral, CompiledRule, Plan, Program, RelId, RuleId};

/// Which rows seed a plan: `Lost` = rows of the fixpoint that died (from `from` in the
/// list), `Died` = every row that died in this generation, `Gained` = live rows past
/// `seen`.
enum Seeds {
    Lost { from: usize },
    Died,
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
            Seeds::Died => out.extend(&self.killed[ri]),
            Seeds::Gained => {
                let rows = &self.rels[ri];
                out.extend((self.seen[ri]..rows.len()).filter(|&id| rows.is_alive(id)));
            }
        }
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
                if let Err(e) = run_plan(m, plan, head, vis, false, st) {
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
    insert_step(m, program, s, st, |rule| {
        vec![(&rule.rederive, rule.info.head, Seeds::Died)]
    })
}

/// Step 3a: derivations through a negated premise whose relation lost tuples.
pub(super) fn insert_through_negation(
    m: &mut Model,
    program: &Program,
    s: usize,
    st: &mut State,
) -> Result<(), EvalError> {
    insert_step(m, program, s, st, |rule| {
        rule.seeded
            .iter()
            .filter_map(|(lit, plan)| match &rule.body[*lit] {
                BodyLiteral::Negative(a) => Some((plan, a.rel, Seeds::Lost { from: 0 })),
                _ => None,
            })
            .collect()
    })
}

/// One round of stratum `s` run from seeds: for each rule, the plans `plans` picks (each
/// with the relation and rows that seed it), reading the model as it is now; what they
/// derive is written with the new round.
fn insert_step(
    m: &mut Model,
    program: &Program,
    s: usize,
    st: &mut State,
    plans: impl for<'r> Fn(&'r CompiledRule) -> Vec<(&'r Plan, RelId, Seeds)>,
) -> Result<(), EvalError> {
    // `hi` = every row now, so rows written during the step wait for the next one.
    for (h, rows) in st.hi.iter_mut().zip(&m.rels) {
        *h = rows.len();
    }
    m.round += 1;
    st.stats.rounds += 1;
    for &rule_id in &program.strata()[s].rules {
        let rule = program.rule(rule_id);
        for (plan, rel, which) in plans(rule) {
            m.seeds(rel, &which, &mut st.seed);
            if st.seed.is_empty() {
                continue;
            }
            st.pending.clear(rule.head_args.len());
            run_plan(m, plan, rule.info.head.0 as usize, Vis::Now, true, st)?;
            write_pending(m, rule_id, st);
        }
    }
    Ok(())
}

/// Step 3b, after a rule change: every derivation of the rules the change added, reading
/// the model now, written with a new round.
pub(super) fn insert_added(
    m: &mut Model,
    program: &Program,
    rules: &[RuleId],
    st: &mut State,
) -> Result<(), EvalError> {
    // No row is stable (`lo` = 0), so the plan whose delta is the first positive atom
    // reads every row of every atom; a body without positive atoms has one plan.
    st.lo.fill(0);
    for (h, rows) in st.hi.iter_mut().zip(&m.rels) {
        *h = rows.len();
    }
    m.round += 1;
    st.stats.rounds += 1;
    for &rule_id in rules {
        if let Some(i) = st.early.iter().position(|(r, _)| *r == rule_id) {
            let (_, tuples) = st.early.swap_remove(i);
            write_early(m, rule_id, &tuples, st)?;
            continue;
        }
        let rule = program.rule(rule_id);
        let first = (rule.body.iter()).position(|l| matches!(l, BodyLiteral::Positive(_)));
        let Some(plan) = rule.plans.iter().find(|p| p.delta == first) else {
            continue;
        };
        run_rule_plan(m, rule_id, plan, st)?;
    }
    Ok(())
}

/// Before stratum `s` is taken over from a model still being evaluated (its rows may not
/// be there yet): the derivations of its added rules that read only lower strata, which
/// are final, into `st.early`. So they are joined while the other model finishes.
pub(super) fn derive_added_early(
    m: &Model,
    program: &Program,
    s: usize,
    st: &mut State,
) -> Result<(), EvalError> {
    st.early.clear();
    let stratum = &program.strata()[s];
    let lower = |r: RelId| program.stratum_of(r) < s;
    st.lo.fill(0);
    for (h, rows) in st.hi.iter_mut().zip(&m.rels) {
        *h = rows.len();
    }
    for &rule_id in stratum.rules.iter().filter(|r| m.added.contains(r)) {
        let rule = program.rule(rule_id);
        let reads_lower = rule.body.iter().all(|l| match l {
            BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => lower(a.rel),
            BodyLiteral::Compare { .. } => true,
        });
        let first = (rule.body.iter()).position(|l| matches!(l, BodyLiteral::Positive(_)));
        let plan = rule.plans.iter().find(|p| p.delta == first);
        let Some(plan) = plan.filter(|_| reads_lower) else {
            continue;
        };
        st.pending.clear(rule.head_args.len());
        run_plan(m, plan, rule.info.head.0 as usize, Vis::Now, false, st)?;
        let tuples = std::mem::replace(&mut st.pending, crate::engine::relation::Pending::new(0));
        st.early.push((rule_id, tuples));
    }
    Ok(())
}

/// Writes derivations made early: those the head does not hold yet, with this round.
fn write_early(
    m: &mut Model,
    rule_id: RuleId,
    tuples: &crate::engine::relation::Pending,
    st: &mut State,
) -> Result<(), EvalError> {
    let head = m.program().rule(rule_id).info.head.0 as usize;
    let prov = crate::engine::relation::Prov {
        rule: rule_id.0,
        detail: m.round,
    };
    let derived = m
        .rows_mut_with_room(head, tuples.len())
        .append_absent(tuples, prov);
    if derived > st.budget.tuples_left {
        return Err(crate::engine::limits::stopped(EvalError::TupleLimit {
            limit: st.budget.max_tuples,
        }));
    }
    st.budget.tuples_left -= derived;
    m.derived_total += derived;
    st.stats.derived += derived;
    Ok(())
}
