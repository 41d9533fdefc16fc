//! One semi-naive round on several threads (`crate::threads`).
//!
//! A round's plans read only rows below `hi` (module doc of `fixpoint`), never what the
//! round itself writes, so they can run at once. Each plan, or each piece of a plan's
//! delta scan (its first op), runs on its own thread into a buffer of the head tuples not
//! held when the round began; the buffers are then written in the order the plans run
//! serially, pieces in row order, each tuple only if still absent. That is the order in
//! which the serial round first derives each new tuple, so rows, row ids, rules, rounds
//! and hence proofs are the same for every thread count (`tests/it/engine_threads.rs`).

use super::State;
use crate::engine::eval::{Budget, Run};
use crate::engine::relation::{Pending, Prov, Rows, Vis};
use crate::engine::{EvalError, Model, Value};
use crate::program::{Op, Plan, RowRange, RuleId};
use rayon::prelude::*;

/// A piece of a round: plan `plan` of rule `rule`, its delta scan cut to `window`.
struct Piece<'p> {
    rule: RuleId,
    plan: &'p Plan,
    window: (u32, u32),
}

/// The buffers of one head relation, with the rule each came from, in serial order.
type Buffers = Vec<(RuleId, Pending)>;

/// How many pieces per thread a plan's delta is cut into, so that a thread that finishes
/// early takes another.
const PIECES_PER_THREAD: usize = 4;

/// Runs the round of `plans` (in their serial order) on the pool; `Ok(false)`, having
/// changed nothing, when the round is better run serially (one thread, or a delta too
/// small to share out).
pub(super) fn round(
    m: &mut Model,
    plans: &[(RuleId, &Plan)],
    st: &mut State,
) -> Result<bool, EvalError> {
    let delta = |p: &Plan| match p.ops.first() {
        Some(Op::Scan(s)) if s.range == RowRange::Delta => {
            let r = s.rel.0 as usize;
            Some((st.lo[r], st.hi[r]))
        }
        _ => None,
    };
    let rows: usize = plans
        .iter()
        .filter_map(|(_, p)| delta(p))
        .map(|(lo, hi)| hi.saturating_sub(lo) as usize)
        .sum();
    if rows < crate::threads::split_from() {
        return Ok(false);
    }
    let threads = crate::threads::within(rayon::current_num_threads);
    if threads < 2 {
        return Ok(false);
    }
    let pieces = cut(plans, threads, delta);
    let (lo, hi) = (st.lo.clone(), st.hi.clone());
    for wave in waves(&pieces) {
        let (model, budget) = (&*m, st.budget);
        let done: Vec<_> = crate::threads::within(|| {
            (wave.par_iter())
                .map(|p| (p.rule, run_piece(model, p, &lo, &hi, budget)))
                .collect()
        });
        let mut buffers = Vec::with_capacity(done.len());
        for (rule, buffer) in done {
            buffers.push((rule, buffer?));
        }
        if st.budget.tuples_left == usize::MAX {
            write_by_head(m, buffers, st);
        } else {
            write(m, &buffers, st)?;
        }
    }
    Ok(true)
}

/// Delta rows a wave of pieces reads: the buffers of one wave are held at once, so this
/// bounds the memory a round takes beyond the serial one's. At 75,000 users with two
/// threads, waves of 2^20 rows raised the peak by 100 MiB, of 2^16 by 36 MiB.
const WAVE_ROWS: u64 = 1 << 16;

/// [`WAVE_ROWS`], except in the tests that share out every round
/// (`threads::with_threads_splitting_all`): they cut it into many waves too.
fn wave_rows() -> u64 {
    if crate::threads::split_from() == 0 {
        3
    } else {
        WAVE_ROWS
    }
}

/// `pieces` in consecutive waves of about [`WAVE_ROWS`] delta rows (a piece that reads
/// no delta counts as one row). Later waves run on the rows earlier ones wrote, which
/// they skip but do not read (scans stop at `hi`), so the result is the same.
fn waves<'a, 'p>(pieces: &'a [Piece<'p>]) -> impl Iterator<Item = &'a [Piece<'p>]> {
    let wave_rows = wave_rows();
    let mut from = 0;
    std::iter::from_fn(move || {
        if from == pieces.len() {
            return None;
        }
        let mut rows = 0u64;
        let mut to = from;
        while to < pieces.len() && rows < wave_rows {
            let (a, b) = pieces[to].window;
            rows += if pieces[to].window == crate::engine::eval::WHOLE {
                1
            } else {
                u64::from(b - a)
            };
            to += 1;
        }
        let wave = &pieces[from..to];
        from = to;
        Some(wave)
    })
}

/// The pieces of a round, in serial order: a plan whose first op scans the delta is cut
/// into row ranges of it (in row order; at least `PIECES_PER_THREAD` per thread, and
/// small enough that a wave holds that many), any other plan is one piece.
fn cut<'p>(
    plans: &[(RuleId, &'p Plan)],
    threads: usize,
    delta: impl Fn(&Plan) -> Option<(u32, u32)>,
) -> Vec<Piece<'p>> {
    let mut pieces = Vec::new();
    for &(rule, plan) in plans {
        let Some((a, b)) = delta(plan) else {
            pieces.push(Piece {
                rule,
                plan,
                window: crate::engine::eval::WHOLE,
            });
            continue;
        };
        let len = b.saturating_sub(a);
        let per_wave = (threads * PIECES_PER_THREAD) as u64;
        let most = (wave_rows() / per_wave).max(1) as u32;
        let step = len.div_ceil(per_wave as u32).clamp(1, most);
        let mut from = a;
        while from < b {
            let to = from.saturating_add(step).min(b);
            pieces.push(Piece {
                rule,
                plan,
                window: (from, to),
            });
            from = to;
        }
    }
    pieces
}

/// Runs one piece on the model as the round began: the head tuples it derives that the
/// head relation did not hold.
fn run_piece(
    m: &Model,
    piece: &Piece<'_>,
    lo: &[u32],
    hi: &[u32],
    budget: Budget,
) -> Result<Pending, EvalError> {
    let rule = m.program.rule(piece.rule);
    let head = rule.info.head.0 as usize;
    let mut out = Pending::new(rule.head_args.len());
    let mut regs = vec![Value(0); piece.plan.slots];
    let mut run = Run {
        rels: &m.rels,
        consts: &m.consts,
        numbers: m.symbols.numbers(),
        extra_numbers: &[],
        lo,
        hi,
        window: piece.window,
        vis: Vis::Now,
        seed: &[],
        head: &piece.plan.head,
        head_rel: Some(&m.rels[head]),
        out: &mut out,
        direct: None,
        scratch: Vec::new(),
        budget,
        stopped: None,
    };
    run.run(&piece.plan.ops, &mut regs);
    match run.stopped {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// [`write`] with no tuple limit to stop at: each head relation's buffers, in order, on
/// a thread of its own (a relation's rows depend only on the order of its own buffers).
fn write_by_head(m: &mut Model, buffers: Buffers, st: &mut State) {
    let mut heads: Vec<(usize, Buffers)> = Vec::new();
    for (rule, buffer) in buffers {
        let head = m.program.rule(rule).info.head.0 as usize;
        match heads.iter_mut().find(|(h, _)| *h == head) {
            Some((_, list)) => list.push((rule, buffer)),
            None => heads.push((head, vec![(rule, buffer)])),
        }
    }
    if heads.len() < 2 {
        let buffers: Vec<_> = heads.into_iter().flat_map(|(_, b)| b).collect();
        write(m, &buffers, st).expect("no tuple limit to reach");
        return;
    }
    let round = m.round;
    // Each head taken out of the model (unshared, and logged in a transaction) while
    // it is written; a stand-in holds its place.
    let mut taken: Vec<(usize, std::sync::Arc<Rows>, Buffers)> = heads
        .into_iter()
        .map(|(head, list)| {
            m.rows_mut(head);
            let rows = std::mem::replace(&mut m.rels[head], std::sync::Arc::clone(&st.vacant));
            (head, rows, list)
        })
        .collect();
    let written: usize = crate::threads::within(|| {
        (taken.par_iter_mut())
            .map(|(_, rows, list)| {
                let rows = std::sync::Arc::get_mut(rows).expect("rows_mut unshares the head");
                let mut n = 0;
                for (rule, buffer) in list.iter() {
                    let prov = Prov {
                        rule: rule.0,
                        detail: round,
                    };
                    rows.reserve(buffer.len());
                    for i in 0..buffer.len() {
                        n +=
                            usize::from(rows.insert_if_absent(buffer.hash(i), buffer.row(i), prov));
                    }
                }
                n
            })
            .sum()
    });
    for (head, rows, _) in taken {
        m.rels[head] = rows;
    }
    m.derived_total += written;
    st.stats.derived += written;
}

/// Writes the buffers of `pieces` in order, each tuple only if the head still lacks it,
/// with the rule of its piece and the current round; stops, as the serial round does,
/// at the first new tuple past the tuple limit.
fn write(m: &mut Model, pieces: &[(RuleId, Pending)], st: &mut State) -> Result<(), EvalError> {
    for (rule, buffer) in pieces {
        let head = m.program.rule(*rule).info.head.0 as usize;
        let prov = Prov {
            rule: rule.0,
            detail: m.round,
        };
        let rows = m.rows_mut(head);
        let mut written = 0;
        let mut stopped = None;
        for i in 0..buffer.len() {
            let (hash, tuple) = (buffer.hash(i), buffer.row(i));
            if st.budget.tuples_left == written {
                if rows.find(hash, tuple).is_none() {
                    stopped = Some(crate::engine::limits::stopped(EvalError::TupleLimit {
                        limit: st.budget.max_tuples,
                    }));
                    break;
                }
                continue;
            }
            if rows.insert_if_absent(hash, tuple, prov) {
                written += 1;
            }
        }
        st.budget.tuples_left -= written;
        m.derived_total += written;
        st.stats.derived += written;
        if let Some(e) = stopped {
            return Err(e);
        }
    }
    Ok(())
}
