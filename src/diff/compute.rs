//! Comparing two models: per relation, the tuples each side holds that the other does
//! not, sorted. Every (relation, side) is one job of probing the other side's lookup
//! table; on a large diff the jobs run on the machine's cores, largest first. Where NEW
//! took a relation's rows over from OLD, only the rows that can differ are looked at
//! ([`Model::changed_rows`]); the rest are the same tuples.

use super::order::{self, Ranks};
use super::{group_columns, ArityChange, Changes, Diff, RelationDiff, Unmatched};
use crate::engine::{Model, Value};
use crate::program::RelId;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Below this many tuples to probe in all, threads cost more than they save.
const PARALLEL_FROM: usize = 200_000;

/// One side of one relation to compare: the tuples of `a`'s `ra` not in `b`'s `rb`.
struct Job<'m> {
    relation: usize,
    new_side: bool,
    a: &'m Model,
    ra: RelId,
    b: &'m Model,
    rb: RelId,
    /// Only these rows of `ra` can be missing from `rb` (NEW built beside OLD), and
    /// whether all of them are.
    only: Option<(Vec<u32>, bool)>,
}

impl Job<'_> {
    /// Rows to look at.
    fn size(&self) -> usize {
        self.only
            .as_ref()
            .map_or_else(|| self.a.len(self.ra), |(ids, _)| ids.len())
    }
}

impl<'m> Diff<'m> {
    /// Compare every relation of `old` and `new` (two models of the same facts under two
    /// rule sets). No proofs yet: see [`Diff::prove`].
    pub fn compute(old: &'m Model, new: &'m Model) -> Diff<'m> {
        let (po, pn) = (old.program(), new.program());
        let mut diff = Diff {
            relations: Vec::new(),
            only_old: Vec::new(),
            only_new: Vec::new(),
            arity_changed: Vec::new(),
            old,
            new,
            prove_gains: true,
        };
        let mut jobs = Vec::new();
        for ro in po.relations() {
            let name = po.relation_name(ro);
            let Some(rn) = pn.relation(name) else {
                diff.only_old.push(Unmatched {
                    relation: name.to_string(),
                    tuples: old.len(ro),
                });
                continue;
            };
            if po.arity(ro) != pn.arity(rn) {
                diff.arity_changed.push(ArityChange {
                    relation: name.to_string(),
                    old_arity: po.arity(ro),
                    new_arity: pn.arity(rn),
                    new_tuples: new.len(rn),
                    old_tuples: old.len(ro),
                });
                continue;
            }
            let columns = pn.columns(rn).to_vec();
            let (user_column, tenant_column) = group_columns(&columns);
            let relation = diff.relations.len();
            // Rows the new model took over from the old one are the same tuples.
            if !new.shares_rows(rn, old, ro) {
                // Rows NEW took over from OLD are the same tuples: only the others differ.
                let (gained, lost) = match new.changed_rows(rn, old, ro) {
                    Some(c) => (Some((c.gained, c.gained_exact)), Some((c.lost, false))),
                    None => (None, None),
                };
                let job = |new_side, a, ra, b, rb, only| Job {
                    relation,
                    new_side,
                    a,
                    ra,
                    b,
                    rb,
                    only,
                };
                jobs.push(job(true, new, rn, old, ro, gained));
                jobs.push(job(false, old, ro, new, rn, lost));
            }
            diff.relations.push(RelationDiff {
                relation: name.to_string(),
                columns,
                derived: po.is_derived(ro) || pn.is_derived(rn),
                user_column,
                tenant_column,
                gained: Changes::none(new, rn),
                lost: Changes::none(old, ro),
            });
        }
        for rn in pn.relations() {
            let name = pn.relation_name(rn);
            if po.relation(name).is_none() {
                diff.only_new.push(Unmatched {
                    relation: name.to_string(),
                    tuples: new.len(rn),
                });
            }
        }
        let sides = Sides {
            to_new: Translation::new(old, new),
            to_old: Translation::new(new, old),
            shared: new.shares_symbols(old),
            old_ranks: OnceLock::new(),
            new_ranks: OnceLock::new(),
        };
        for (job, changes) in run_jobs(jobs, &diff.relations, &sides) {
            let r = &mut diff.relations[job.relation];
            *if job.new_side {
                &mut r.gained
            } else {
                &mut r.lost
            } = changes;
        }
        diff
    }
}

/// What both sides' jobs share.
struct Sides {
    to_new: Translation,
    to_old: Translation,
    shared: bool,
    /// Computed when first needed (one table when the sides share their symbols).
    old_ranks: OnceLock<Ranks>,
    new_ranks: OnceLock<Ranks>,
}

impl Sides {
    fn ranks(&self, model: &Model, new_side: bool) -> &Ranks {
        let cell = if new_side && !self.shared {
            &self.new_ranks
        } else {
            &self.old_ranks
        };
        cell.get_or_init(|| Ranks::of(model.symbols()))
    }
}

/// Every job's changes, sorted: on the calling thread for a small diff, else on as many
/// threads as there are cores (each taking the largest job left).
fn run_jobs<'m>(
    mut jobs: Vec<Job<'m>>,
    relations: &[RelationDiff<'m>],
    sides: &Sides,
) -> Vec<(Job<'m>, Changes<'m>)> {
    let run = |job: &Job<'m>| {
        let r = &relations[job.relation];
        let to_b = if job.new_side {
            &sides.to_old
        } else {
            &sides.to_new
        };
        let mut c = match &job.only {
            Some((ids, true)) => all_of(job.a, job.ra, ids),
            Some((ids, false)) => {
                let rows = ids.iter().map(|&id| job.a.row(job.ra, id));
                missing(job.a, job.ra, rows, job.b, job.rb, to_b)
            }
            None => missing(job.a, job.ra, job.a.tuples(job.ra), job.b, job.rb, to_b),
        };
        if c.len > 1 {
            let ranks = sides.ranks(job.a, job.new_side);
            order::sort_rows(&mut c.rows, c.arity, r.user_column, r.tenant_column, ranks);
        }
        c
    };
    let total: usize = jobs.iter().map(Job::size).sum();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if total < PARALLEL_FROM || threads < 2 || jobs.len() < 2 {
        return jobs
            .into_iter()
            .map(|j| {
                let c = run(&j);
                (j, c)
            })
            .collect();
    }
    jobs.sort_by_key(|j| std::cmp::Reverse(j.size()));
    let next = AtomicUsize::new(0);
    let done: Vec<Mutex<Option<Changes<'m>>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(jobs.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let c = run(job);
                *done[i].lock().expect("no job panics") = Some(c);
            });
        }
    });
    jobs.into_iter()
        .zip(done)
        .map(|(j, c)| (j, c.into_inner().expect("no job panics").expect("run")))
        .collect()
}

/// How one model's values map to another's.
enum Translation {
    /// Every value is the same constant in both (one symbol table).
    Same,
    /// Values below this are the same in both; the others are unknown to the other side
    /// (a copy of this table before they were interned, as `Model::beside` makes when
    /// the new rules bring constants of their own).
    Prefix(u32),
    /// Per value, the same constant's value on the other side (`None`: never seen).
    Table(Vec<Option<Value>>),
}

impl Translation {
    fn new(from: &Model, to: &Model) -> Translation {
        if from.shares_symbols(to) {
            return Translation::Same;
        }
        let table: Vec<Option<Value>> = (0..from.symbols().len() as u32)
            .map(|v| to.symbols().get(from.constant(Value(v))))
            .collect();
        let same = table
            .iter()
            .enumerate()
            .take_while(|&(v, w)| *w == Some(Value(v as u32)))
            .count();
        if table[same..].iter().all(Option::is_none) {
            Translation::Prefix(same as u32)
        } else {
            Translation::Table(table)
        }
    }
}

impl<'m> Changes<'m> {
    pub(super) fn none(model: &'m Model, rel: RelId) -> Changes<'m> {
        Changes {
            model,
            rel,
            arity: model.program().arity(rel),
            len: 0,
            rows: Vec::new(),
            proofs: Vec::new(),
        }
    }
}

/// The rows `ids` of `a`'s relation `ra`, unsorted.
fn all_of<'m>(a: &'m Model, ra: RelId, ids: &[u32]) -> Changes<'m> {
    let mut c = Changes::none(a, ra);
    c.rows.reserve(ids.len() * c.arity);
    for &id in ids {
        c.rows.extend_from_slice(a.row(ra, id));
    }
    c.len = ids.len();
    c
}

/// The tuples `rows` (of `a`'s relation `ra`) that `b`'s relation `rb` does not hold,
/// unsorted.
fn missing<'m, 'r>(
    a: &'m Model,
    ra: RelId,
    rows: impl Iterator<Item = &'r [Value]>,
    b: &Model,
    rb: RelId,
    to_b: &Translation,
) -> Changes<'m> {
    let mut c = Changes::none(a, ra);
    let mut keep = |t: &[Value]| {
        c.rows.extend_from_slice(t);
        c.len += 1;
    };
    match to_b {
        Translation::Same => {
            for t in rows.filter(|t| !b.contains(rb, t)) {
                keep(t);
            }
        }
        Translation::Prefix(n) => {
            let unknown = |t: &[Value]| t.iter().any(|v| v.0 >= *n);
            for t in rows.filter(|t| unknown(t) || !b.contains(rb, t)) {
                keep(t);
            }
        }
        Translation::Table(to_b) => {
            let mut buf = Vec::new();
            for t in rows {
                buf.clear();
                buf.extend(t.iter().map_while(|v| to_b[v.0 as usize]));
                if buf.len() < t.len() || !b.contains(rb, &buf) {
                    keep(t);
                }
            }
        }
    }
    c
}
