//! A model of a changed program built beside an evaluated one (`grantlog diff`): the
//! strata the change does not touch are taken over, tuples and provenance, and only the
//! rest is evaluated.
//!
//! A stratum of the new program is taken over when the old program has a stratum with the
//! same relations (by name and arity), the same rules (compared as resolved text: head,
//! body, constants) and everything it reads is taken over too; base relations are taken
//! over with their facts. Relations keep sharing their rows (`Arc`) unless the new plans
//! index them differently or their rules got other ids, when they are copied and fixed up
//! row by row, which is still far cheaper than deriving them again.

use super::relation::{hash_values, Prov, Rows, BASE, DEAD};
use super::Model;
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
        // Which strata are taken over, and the old rule id of each taken-over rule.
        let mut taken = vec![false; program.strata().len()];
        let mut rule_map: FxHashMap<u32, u32> = FxHashMap::default();
        let relation_taken = |r: RelId, taken: &[bool]| match old_of(r) {
            None => false,
            Some(o) if program.is_derived(r) => taken[program.stratum_of(r)] && op.is_derived(o),
            Some(o) => !op.is_derived(o),
        };
        for (s, stratum) in program.strata().iter().enumerate() {
            if stratum.rules.is_empty() {
                continue;
            }
            let Some(first_old) = old_of(stratum.relations[0]) else {
                continue;
            };
            let old_s = op.stratum_of(first_old);
            let old_stratum = &op.strata()[old_s];
            let same_relations = stratum.relations.len() == old_stratum.relations.len()
                && stratum
                    .relations
                    .iter()
                    .all(|&r| old_of(r).is_some_and(|o| op.stratum_of(o) == old_s));
            if !same_relations || old_stratum.rules.len() != stratum.rules.len() {
                continue;
            }
            let mut unused: Vec<(String, RuleId)> = old_stratum
                .rules
                .iter()
                .map(|&r| (signature(op, r), r))
                .collect();
            let mut pairs = Vec::new();
            for &r in &stratum.rules {
                let sig = signature(&program, r);
                match unused.iter().position(|(s, _)| *s == sig) {
                    Some(i) => pairs.push((unused.swap_remove(i).1, r)),
                    None => break,
                }
            }
            let reads_taken = stratum
                .reads
                .iter()
                .filter(|r| !stratum.relations.contains(r))
                .all(|&r| relation_taken(r, &taken));
            if pairs.len() == stratum.rules.len() && reads_taken {
                taken[s] = true;
                rule_map.extend(pairs.iter().map(|(o, n)| (o.0, n.0)));
            }
        }
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
            gen: old.gen,
            killed: vec![Vec::new(); n],
            journal: None,
            tracker: Default::default(),
            round: old.round,
            derived_total: 0,
        };
        for r in program.relations() {
            let indexes = program.indexes(r);
            let rows = match old_of(r) {
                Some(o) if relation_taken(r, &taken) => {
                    let shared = &old.rels[o.0 as usize];
                    let remap = op
                        .rules_for(o)
                        .any(|or| rule_map.get(&or.0).is_some_and(|&nr| nr != or.0));
                    if shared.index_set() == indexes && !remap {
                        Arc::clone(shared)
                    } else {
                        Arc::new(shared.copied(
                            indexes,
                            |_| true,
                            |p| match rule_map.get(&p.rule) {
                                Some(&rule) => Prov { rule, ..p },
                                None => p,
                            },
                        ))
                    }
                }
                // Not taken over: its base facts only.
                Some(o) => {
                    Arc::new(old.rels[o.0 as usize].copied(indexes, |p| p.rule == BASE, |p| p))
                }
                None => Arc::new(Rows::new(program.arity(r), indexes)),
            };
            m.derived_total += (rows.live() - rows.base_count()) as usize;
            m.seen[r.0 as usize] = if relation_taken(r, &taken) {
                rows.len()
            } else {
                0
            };
            m.rels.push(rows);
        }
        // The rule files' facts (equal to the old ones) now point at the new files.
        for f in program.facts() {
            let tuple: Vec<super::Value> = f.args.iter().map(|c| m.consts[c.0 as usize]).collect();
            let r = f.rel.0 as usize;
            let hash = hash_values(tuple.iter().copied());
            if let Some(id) = m.rels[r].find(hash, &tuple) {
                let prov = Prov {
                    rule: BASE,
                    detail: m.base_spans.len() as u32,
                };
                m.base_spans.push(f.span);
                Arc::make_mut(&mut m.rels[r]).set_prov(id, prov);
            }
        }
        for (s, t) in taken.iter().enumerate() {
            m.stale[s] = !t;
        }
        Some(m)
    }
}

impl Model {
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
