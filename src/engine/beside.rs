//! A model of a changed program built beside an evaluated one (`grantlog diff`): what
//! the change does not touch is taken over, and what it touches is maintained from the
//! old fixpoint rather than evaluated again.
//!
//! Per stratum of the new program, in order:
//! - **Taken over** when the old program has a stratum with the same relations (by name
//!   and arity), the same rules (compared as resolved text: head, body, constants) and
//!   everything it reads is taken over too. Relations keep sharing their rows (`Arc`)
//!   unless the new plans index them differently or their rules got other ids, when they
//!   are copied and fixed up.
//! - **Maintained** when it has the same relations as an old stratum and reads only what
//!   is taken over or maintained, but rules were added or removed (or what it reads
//!   changes): it starts from the old rows; tuples recorded as derived by a removed rule
//!   die here, and the next evaluation carries that, the added rules and the changes
//!   below through delete and rederive (`fixpoint`). The work is that of the tuples the
//!   change touches, not of the strata they live in.
//! - **Recomputed** from scratch otherwise (its base facts kept).
//!
//! Base relations are taken over with their facts.
//!
//! The old model need not be evaluated yet ([`Model::beside_feed`]): `grantlog diff`
//! builds the new model on the loaded old one and evaluates both at once, on two threads.
//! Each derived relation carried over is taken over when the new evaluation reaches its
//! stratum, from the [`Feed`] the old evaluation publishes each finished stratum to
//! (waiting if need be); meanwhile the added rules that read only lower strata are joined
//! already (`fixpoint::dred::derive_added_early`). A carried relation keeps the old rows
//! id for id, so what differs is read off them ([`Model::changed_rows`]): the rows
//! appended after, and the old rows dead here.

use super::eval::Budget;
use super::relation::{hash_values, Prov, Rows, BASE, DEAD};
use super::{EvalError, Feed, Model};
use crate::program::{Arg, BodyLiteral, Program, RelId, RuleId};
use crate::syntax::ast::Const;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The rule as text with names and constants resolved (variable slots are numbered in
/// order of appearance, so equal rule texts give equal signatures).
fn signature(p: &Program, rule: RuleId) -> String {
    let r = p.rule(rule);
    let arg = |a: &Arg| match a {
        Arg::Var(s) => format!("v{s}"),
        Arg::Local(s) => format!("l{s}"),
        Arg::Wild => "_".to_string(),
        Arg::Const(c) => format!("{:?}", p.constants()[c.0 as usize]),
    };
    let atom = |rel: RelId, args: &[Arg]| {
        let args: Vec<String> = args.iter().map(arg).collect();
        format!("{}({})", p.relation_name(rel), args.join(","))
    };
    let mut out = atom(r.info.head, &r.head_args);
    for lit in &r.body {
        out.push_str(&match lit {
            BodyLiteral::Positive(a) => format!(" +{}", atom(a.rel, &a.args)),
            BodyLiteral::Negative(a) => format!(" !{}", atom(a.rel, &a.args)),
            BodyLiteral::Compare {
                op, left, right, ..
            } => format!(" {}{op:?}{}", arg(left), arg(right)),
        });
    }
    out
}

/// The facts of `p`'s rule files for `rel`, as constants, sorted.
fn rule_file_facts(p: &Program, rel: RelId) -> Vec<Vec<Const>> {
    let mut out: Vec<Vec<Const>> = p
        .facts()
        .iter()
        .filter(|f| f.rel == rel)
        .map(|f| {
            f.args
                .iter()
                .map(|c| p.constants()[c.0 as usize].clone())
                .collect()
        })
        .collect();
    out.sort();
    out
}

impl Model {
    /// A model of `program` over the same base facts as `old` (an evaluated model),
    /// taking over the strata the change of program does not touch; the next
    /// [`Model::evaluate`] computes the rest. `None` when the two cannot be matched up
    /// (a relation holding facts is missing or has another arity, or the rule files' facts
    /// differ): open the new program from its texts instead.
    pub fn beside(old: &Model, program: Arc<Program>) -> Option<Model> {
        let feed = old.feed();
        for r in old.program.relations() {
            feed.publish(r, &old.rels[r.0 as usize], old.round);
        }
        feed.close();
        Model::beside_feed(old, program, Arc::new(feed))
    }

    /// [`Model::beside`] a model whose base facts are loaded but whose evaluation may not
    /// have run yet: each derived relation is taken over from `feed` (which
    /// [`Model::evaluate_feeding`] on `old` fills, on another thread) when this model's
    /// evaluation reaches its stratum, waiting for it if need be.
    pub fn beside_feed(old: &Model, program: Arc<Program>, feed: Arc<Feed>) -> Option<Model> {
        let op = &old.program;
        let to_old: Vec<Option<RelId>> = program
            .relations()
            .map(|r| {
                op.relation(program.relation_name(r))
                    .filter(|&o| op.arity(o) == program.arity(r))
            })
            .collect();
        let old_of = |r: RelId| to_old[r.0 as usize];
        // Every old relation's base facts must have somewhere to go, and the rule files
        // must state the same facts.
        for o in op.relations() {
            let new = program
                .relation(op.relation_name(o))
                .filter(|&n| old_of(n) == Some(o));
            let has_base = old.base_facts(o).next().is_some();
            let differs =
                new.is_some_and(|n| rule_file_facts(op, o) != rule_file_facts(&program, n));
            if differs || (new.is_none() && has_base) {
                return None;
            }
        }
        let (carry, rule_map, added) = match_strata(op, &program, &old_of);
        // The facts language applied the grants and revocations checking the old rules'
        // rights (`crate::load::ordered`); where the new rules decide those rights
        // otherwise, the history must be read again under them.
        for check in crate::facts::CHECK_RELATIONS {
            let new = program.relation(check);
            if new.is_some() != op.relation(check).is_some()
                || new.is_some_and(|r| carry[program.stratum_of(r)] != Carry::Taken)
            {
                return None;
            }
        }
        let carried = |r: RelId| match old_of(r) {
            None => false,
            Some(o) if program.is_derived(r) => {
                carry[program.stratum_of(r)] != Carry::Stale && op.is_derived(o)
            }
            Some(o) => !op.is_derived(o),
        };
        let mut symbols = Arc::clone(&old.symbols);
        let consts = program
            .constants()
            .iter()
            .map(|c| match symbols.get(c) {
                Some(v) => v,
                None => Arc::make_mut(&mut symbols).insert_new(c),
            })
            .collect();
        let n = program.relations().count();
        let mut m = Model {
            program: Arc::clone(&program),
            symbols,
            consts,
            rels: Vec::with_capacity(n),
            base_spans: old.base_spans.clone(),
            seen: vec![0; n],
            reset_from: None,
            stale: vec![true; program.strata().len()],
            // Newer than any death among the rows taken over.
            gen: old.gen + 1,
            killed: vec![Vec::new(); n],
            journal: None,
            tracker: Default::default(),
            round: old.round,
            derived_total: 0,
            added: Vec::new(),
            carrying: None,
            taken: vec![None; n],
        };
        let mut pending = vec![None; n];
        for r in program.relations() {
            let indexes = program.indexes(r);
            let base_only = |o: RelId| {
                let rows = &old.rels[o.0 as usize];
                if rows.base_count() == 0 {
                    Rows::new(program.arity(r), indexes)
                } else {
                    rows.copied(indexes, |p| p.rule == BASE, |p| p)
                }
            };
            let rows = match old_of(r) {
                // Derived: taken over when its stratum comes (see `take_over`); until
                // then its base facts stand in, so that a stop before then leaves a
                // model a recomputation completes.
                Some(o) if carried(r) && program.is_derived(r) => {
                    pending[r.0 as usize] = Some(o);
                    Arc::new(base_only(o))
                }
                Some(o) if carried(r) => {
                    let old_rows = &old.rels[o.0 as usize];
                    let (rows, removed) = carry_rows(old_rows, indexes, &rule_map);
                    debug_assert!(removed.is_empty(), "base rows have no rule");
                    m.taken[r.0 as usize] =
                        same_ids(old_rows, indexes).then(|| Arc::clone(old_rows));
                    rows
                }
                // Recomputed: its base facts only.
                Some(o) => Arc::new(base_only(o)),
                None => Arc::new(Rows::new(program.arity(r), indexes)),
            };
            m.derived_total += (rows.live() - rows.base_count()) as usize;
            m.seen[r.0 as usize] = if carried(r) { rows.len() } else { 0 };
            m.rels.push(rows);
        }
        let waiting: Vec<RelId> = program
            .relations()
            .filter(|r| pending[r.0 as usize].is_none())
            .collect();
        m.point_rule_file_facts(&waiting);
        for (s, c) in carry.iter().enumerate() {
            m.stale[s] = *c == Carry::Stale;
        }
        m.added = added;
        m.carrying = Some(Box::new(Carrying {
            feed,
            rule_map,
            pending,
        }));
        Some(m)
    }

    /// The rule files' facts of `rels` (equal to the old ones) now point at the new files.
    fn point_rule_file_facts(&mut self, rels: &[RelId]) {
        let program = Arc::clone(&self.program);
        for f in program.facts().iter().filter(|f| rels.contains(&f.rel)) {
            let tuple: Vec<super::Value> =
                f.args.iter().map(|c| self.consts[c.0 as usize]).collect();
            let r = f.rel.0 as usize;
            let hash = hash_values(tuple.iter().copied());
            if let Some(id) = self.rels[r].find(hash, &tuple) {
                let prov = Prov {
                    rule: BASE,
                    detail: self.base_spans.len() as u32,
                };
                self.base_spans.push(f.span);
                Arc::make_mut(&mut self.rels[r]).set_prov(id, prov);
            }
        }
    }

    /// True when stratum `s` has relations still to take over.
    pub(super) fn takes_over(&self, s: usize) -> bool {
        self.carrying.as_ref().is_some_and(|c| {
            (self.program.strata()[s].relations.iter()).any(|r| c.pending[r.0 as usize].is_some())
        })
    }

    /// Before stratum `s` runs: its relations that come from the old model, taken over
    /// (waiting until the old evaluation has them). Tuples whose recorded derivation used
    /// a rule the change removed die now; the stratum's evaluation over-deletes from them
    /// and rederives what still holds.
    pub(super) fn take_over(&mut self, s: usize, budget: &mut Budget) -> Result<(), EvalError> {
        let Some(mut c) = self.carrying.take() else {
            return Ok(());
        };
        let program = Arc::clone(&self.program);
        let mut result = Ok(());
        for &r in &program.strata()[s].relations {
            let Some(o) = c.pending[r.0 as usize].take() else {
                continue;
            };
            // The old evaluation stopped (its error is reported): so does this one.
            let Some((old, round)) = c.feed.wait(o) else {
                result = Err(EvalError::Interrupted);
                break;
            };
            let (rows, removed) = carry_rows(&old, program.indexes(r), &c.rule_map);
            self.taken[r.0 as usize] = same_ids(&old, program.indexes(r)).then_some(old);
            let derived = (rows.live() - rows.base_count()) as usize;
            self.derived_total += derived;
            budget.tuples_left = budget.tuples_left.saturating_sub(derived);
            self.seen[r.0 as usize] = rows.len();
            self.rels[r.0 as usize] = rows;
            // What this model derives from here is newer than what it took over.
            self.round = self.round.max(round);
            for id in removed {
                self.kill_row(r, id);
            }
            self.point_rule_file_facts(&[r]);
        }
        self.carrying = Some(c);
        result
    }
}

/// What a model built beside another still takes over from it.
#[derive(Clone)]
pub(super) struct Carrying {
    feed: Arc<Feed>,
    /// Old rule id -> new rule id, for every rule both programs have.
    rule_map: FxHashMap<u32, u32>,
    /// Per relation: the old relation whose final rows it takes over, until it has.
    pending: Vec<Option<RelId>>,
}

/// What [`Model::beside`] does with a stratum of the new program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Carry {
    /// Same rules, reading only what is taken over: rows shared as they are.
    Taken,
    /// Same relations as an old stratum, but rules added or removed, or reading a
    /// maintained stratum: the old fixpoint is copied and maintained (delete and
    /// rederive) into the new one.
    Maintained,
    /// Recomputed from scratch.
    Stale,
}

/// Per stratum of `new`, what is carried over from `old` (strata in order, so what a
/// stratum reads is decided first); the old id -> new id of every rule paired up (same
/// signature) in a carried stratum; and the rules of maintained strata that are new.
fn match_strata(
    old: &Program,
    new: &Program,
    old_of: &dyn Fn(RelId) -> Option<RelId>,
) -> (Vec<Carry>, FxHashMap<u32, u32>, Vec<RuleId>) {
    let mut carry = vec![Carry::Stale; new.strata().len()];
    let mut rule_map: FxHashMap<u32, u32> = FxHashMap::default();
    let mut added = Vec::new();
    'strata: for (s, stratum) in new.strata().iter().enumerate() {
        if stratum.rules.is_empty() {
            continue;
        }
        let Some(first_old) = old_of(stratum.relations[0]) else {
            continue;
        };
        let old_s = old.stratum_of(first_old);
        let old_stratum = &old.strata()[old_s];
        // The old stratum derived exactly these relations (so its rows are their fixpoint).
        let same_relations = stratum.relations.len() == old_stratum.relations.len()
            && stratum.relations.iter().all(|&r| {
                old_of(r).is_some_and(|o| old.stratum_of(o) == old_s && old.is_derived(o))
            });
        if !same_relations {
            continue;
        }
        let mut reads_taken = true;
        for &r in stratum
            .reads
            .iter()
            .filter(|r| !stratum.relations.contains(r))
        {
            let c = match old_of(r) {
                Some(o) if new.is_derived(r) && old.is_derived(o) => carry[new.stratum_of(r)],
                Some(o) if !new.is_derived(r) && !old.is_derived(o) => Carry::Taken,
                _ => Carry::Stale,
            };
            match c {
                Carry::Stale => continue 'strata,
                Carry::Maintained => reads_taken = false,
                Carry::Taken => {}
            }
        }
        let mut unused: Vec<(String, RuleId)> = old_stratum
            .rules
            .iter()
            .map(|&r| (signature(old, r), r))
            .collect();
        let mut new_rules = Vec::new();
        for &r in &stratum.rules {
            let sig = signature(new, r);
            match unused.iter().position(|(s, _)| *s == sig) {
                Some(i) => {
                    rule_map.insert(unused.swap_remove(i).1 .0, r.0);
                }
                None => new_rules.push(r),
            }
        }
        carry[s] = if reads_taken && new_rules.is_empty() && unused.is_empty() {
            Carry::Taken
        } else {
            added.extend(new_rules);
            Carry::Maintained
        };
    }
    (carry, rule_map, added)
}

/// True when [`carry_rows`] keeps every row's id (it drops dead rows when it re-indexes).
fn same_ids(old: &Rows, indexes: &[Vec<u32>]) -> bool {
    old.dead() == 0 || old.index_set() == indexes
}

/// The old rows of a carried relation for the new model, with rule ids remapped, and the
/// ids of rows whose recorded rule the change removed. Shared when nothing needs fixing
/// (a maintained relation is copied on its first write), else copied.
fn carry_rows(
    old: &Arc<Rows>,
    indexes: &[Vec<u32>],
    rule_map: &FxHashMap<u32, u32>,
) -> (Arc<Rows>, Vec<u32>) {
    let derived = |p: Prov| p.rule != BASE && p.rule != DEAD;
    let fixes = (0..old.len()).any(|id| {
        let p = old.prov(id);
        derived(p) && rule_map.get(&p.rule) != Some(&p.rule)
    });
    let same_indexes = old.index_set() == indexes;
    if same_indexes && !fixes {
        return (Arc::clone(old), Vec::new());
    }
    let mut rows = if same_indexes {
        (**old).clone()
    } else {
        old.copied(indexes, |_| true, |p| p)
    };
    let mut removed = Vec::new();
    for id in 0..rows.len() {
        let p = rows.prov(id);
        if !derived(p) {
            continue;
        }
        match rule_map.get(&p.rule) {
            Some(&rule) if rule != p.rule => rows.set_prov(id, Prov { rule, ..p }),
            Some(_) => {}
            None => removed.push(id),
        }
    }
    (Arc::new(rows), removed)
}

/// Where the tuples of a relation of a model built beside another can differ from the
/// other's, read off the rows it took over ([`Model::changed_rows`]).
pub struct Candidates {
    /// Live rows of this model appended after those taken over.
    pub gained: Vec<u32>,
    /// Every row of `gained` is a tuple the other model lacks. When false, some may be
    /// tuples that died here and were derived again: look them up.
    pub gained_exact: bool,
    /// Rows of the other model alive there and dead here (a tuple may have been derived
    /// again in another row: look them up).
    pub lost: Vec<u32>,
}

impl Model {
    /// The rows of `rel` that can differ from `old`'s `old_rel`, when this model was built
    /// beside `old` and took that relation's rows over (and neither has renumbered them
    /// since); `None` when the relations must be compared in full.
    pub fn changed_rows(&self, rel: RelId, old: &Model, old_rel: RelId) -> Option<Candidates> {
        let taken = self.taken.get(rel.0 as usize)?.as_ref()?;
        let old_rows = &old.rels[old_rel.0 as usize];
        if !Arc::ptr_eq(taken, old_rows) {
            return None;
        }
        let rows = &self.rels[rel.0 as usize];
        let n = taken.len().min(rows.len());
        let lost: Vec<u32> = (0..n)
            .filter(|&id| old_rows.is_alive(id) && !rows.is_alive(id))
            .collect();
        let gained = (n..rows.len()).filter(|&id| rows.is_alive(id)).collect();
        Some(Candidates {
            gained,
            gained_exact: lost.is_empty(),
            lost,
        })
    }

    /// True when `rel` here and `other_rel` in `other` are the same rows (taken over by
    /// [`Model::beside`] and not changed since): they hold the same tuples.
    pub fn shares_rows(&self, rel: RelId, other: &Model, other_rel: RelId) -> bool {
        Arc::ptr_eq(
            &self.rels[rel.0 as usize],
            &other.rels[other_rel.0 as usize],
        ) && Arc::ptr_eq(&self.symbols, &other.symbols)
    }
}

impl Rows {
    /// The column sets of the indexes.
    pub(super) fn index_set(&self) -> Vec<Vec<u32>> {
        self.index_columns_all()
    }

    /// A copy of the live rows whose provenance `keep` accepts, with the indexes
    /// `indexes` and provenance passed through `prov`.
    pub(super) fn copied(
        &self,
        indexes: &[Vec<u32>],
        keep: impl Fn(Prov) -> bool,
        prov: impl Fn(Prov) -> Prov,
    ) -> Rows {
        let mut out = Rows::new(self.arity(), indexes);
        for id in 0..self.len() {
            let p = self.prov(id);
            if p.rule != DEAD && keep(p) {
                let row = self.row(id);
                out.insert_new(hash_values(row.iter().copied()), row, prov(p));
            }
        }
        out
    }
}
