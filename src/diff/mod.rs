//! The impact of a rule change: the same facts evaluated under two rule sets (OLD and
//! NEW), and per relation the tuples NEW gained and lost, grouped by user and tenant,
//! each with its proof (under NEW for a gain, under OLD for a loss).
//!
//! The two models have separate symbol tables, so tuples are compared through their
//! constants: OLD's values are translated into NEW's once per symbol (a value NEW never
//! interned cannot occur in any NEW tuple), and the other way round.
//!
//! Grouping is generic, from column names (the tool runs any rules): the user of a tuple
//! is the first column named, in this order of preference, one of [`USER_COLUMNS`]; its
//! tenant is the column named [`TENANT_COLUMN`]. A relation with neither is not grouped.
//!
//! - [`render`]: text and JSON.

mod render;

pub use render::{to_json, to_text};

use crate::engine::{Model, Value};
use crate::explain::{fact_of, prove, values_of, Fact, Proof};
use crate::program::RelId;
use crate::syntax::ast::Const;
use std::collections::BTreeMap;

/// Column names that say which user a tuple is about, most preferred first.
pub const USER_COLUMNS: &[&str] = &["user", "grantee", "identity", "submitter"];
/// The column name that says which tenant a tuple is about.
pub const TENANT_COLUMN: &str = "tenant";

/// Everything that differs between two models of the same facts.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// Relations declared on both sides with the same arity, in OLD's declaration order
    /// (unchanged ones included, with nothing gained or lost).
    pub relations: Vec<RelationDiff>,
    /// Declared only in OLD: not compared.
    pub only_old: Vec<Unmatched>,
    /// Declared only in NEW: not compared.
    pub only_new: Vec<Unmatched>,
    /// Declared on both sides with different arities: not compared.
    pub arity_changed: Vec<ArityChange>,
}

/// A relation one side does not declare, with the tuples the other side holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    pub relation: String,
    pub tuples: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArityChange {
    pub relation: String,
    pub old_arity: usize,
    pub new_arity: usize,
    /// Tuples NEW holds.
    pub new_tuples: usize,
}

/// One relation's change. `gained` and `lost` are sorted by group, then by value.
#[derive(Clone, Debug)]
pub struct RelationDiff {
    pub relation: String,
    /// NEW's column names.
    pub columns: Vec<String>,
    /// Rules derive it on either side (otherwise only facts state it).
    pub derived: bool,
    /// The column grouping by user, if any (see [`USER_COLUMNS`]).
    pub user_column: Option<usize>,
    /// The column grouping by tenant, if any.
    pub tenant_column: Option<usize>,
    /// In NEW, not in OLD.
    pub gained: Vec<Change>,
    /// In OLD, not in NEW.
    pub lost: Vec<Change>,
}

/// A tuple gained or lost, with its proof once [`Diff::prove`] has run.
#[derive(Clone, Debug)]
pub struct Change {
    pub fact: Fact,
    pub proof: Option<Proof>,
}

/// The changes of one relation about one user and tenant (either may be absent).
#[derive(Debug)]
pub struct Group<'a> {
    pub user: Option<&'a Const>,
    pub tenant: Option<&'a Const>,
    pub gained: Vec<&'a Change>,
    pub lost: Vec<&'a Change>,
}

impl RelationDiff {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty()
    }

    /// The (user, tenant) a tuple of this relation is about.
    pub fn key<'a>(&self, values: &'a [Const]) -> (Option<&'a Const>, Option<&'a Const>) {
        (
            self.user_column.and_then(|c| values.get(c)),
            self.tenant_column.and_then(|c| values.get(c)),
        )
    }

    /// Changes grouped by user and tenant, in key order (ungrouped first); within a
    /// group, gains then losses, each in value order.
    pub fn groups(&self) -> Vec<Group<'_>> {
        let mut groups: BTreeMap<_, Group<'_>> = BTreeMap::new();
        let changes = self.gained.iter().map(|c| (c, true));
        for (c, gained) in changes.chain(self.lost.iter().map(|c| (c, false))) {
            let (user, tenant) = self.key(&c.fact.values);
            let g = groups.entry((user, tenant)).or_insert_with(|| Group {
                user,
                tenant,
                gained: Vec::new(),
                lost: Vec::new(),
            });
            if gained {
                g.gained.push(c);
            } else {
                g.lost.push(c);
            }
        }
        groups.into_values().collect()
    }
}

/// The user and tenant columns of a relation, from its column names.
pub fn group_columns(columns: &[String]) -> (Option<usize>, Option<usize>) {
    let user = USER_COLUMNS
        .iter()
        .find_map(|u| columns.iter().position(|c| c == u));
    let tenant = columns.iter().position(|c| c == TENANT_COLUMN);
    (user, tenant)
}

impl Diff {
    /// Compare every relation of `old` and `new` (two models of the same facts under two
    /// rule sets). No proofs yet: see [`Diff::prove`].
    pub fn compute(old: &Model, new: &Model) -> Diff {
        let (po, pn) = (old.program(), new.program());
        let to_new = translation(old, new);
        let to_old = translation(new, old);
        let mut diff = Diff::default();
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
                });
                continue;
            }
            let columns = pn.columns(rn).to_vec();
            let (user_column, tenant_column) = group_columns(&columns);
            // Rows the new model took over from the old one are the same tuples.
            let shared = new.shares_rows(rn, old, ro);
            let mut rd = RelationDiff {
                relation: name.to_string(),
                columns,
                derived: po.is_derived(ro) || pn.is_derived(rn),
                user_column,
                tenant_column,
                gained: if shared {
                    Vec::new()
                } else {
                    missing(new, rn, old, ro, &to_old)
                },
                lost: if shared {
                    Vec::new()
                } else {
                    missing(old, ro, new, rn, &to_new)
                },
            };
            for changes in [&mut rd.gained, &mut rd.lost] {
                let key = |c: &Change| {
                    let (u, t) = (user_column, tenant_column);
                    let v = &c.fact.values;
                    (u.map(|i| v[i].clone()), t.map(|i| v[i].clone()), v.clone())
                };
                changes.sort_by_cached_key(key);
            }
            diff.relations.push(rd);
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
        diff
    }

    /// Attach proofs to the changes of the relations `include` accepts: a gain's proof
    /// under `new`, a loss's under `old` (`max_depth` as for `explain --depth`).
    pub fn prove(
        &mut self,
        old: &Model,
        new: &Model,
        max_depth: Option<usize>,
        include: impl Fn(&str) -> bool,
    ) {
        for rd in self.relations.iter_mut().filter(|r| include(&r.relation)) {
            for c in &mut rd.gained {
                c.proof = proof_of(new, &c.fact, max_depth);
            }
            for c in &mut rd.lost {
                c.proof = proof_of(old, &c.fact, max_depth);
            }
        }
    }

    /// The changed relations, in order.
    pub fn changed(&self) -> impl Iterator<Item = &RelationDiff> {
        self.relations.iter().filter(|r| !r.is_empty())
    }

    /// What NEW grants that OLD did not in `relation`: the tuples gained when both sides
    /// declare it alike, else every tuple NEW holds (a relation new to NEW, or whose arity
    /// changed, grants all of its tuples anew). `None`: neither side declares it.
    pub fn gained_in(&self, relation: &str) -> Option<usize> {
        if let Some(r) = self.relations.iter().find(|r| r.relation == relation) {
            return Some(r.gained.len());
        }
        if let Some(u) = self.only_new.iter().find(|u| u.relation == relation) {
            return Some(u.tuples);
        }
        if let Some(a) = self.arity_changed.iter().find(|a| a.relation == relation) {
            return Some(a.new_tuples);
        }
        self.only_old
            .iter()
            .any(|u| u.relation == relation)
            .then_some(0)
    }

    /// Every relation name either side declares.
    pub fn relation_names(&self) -> impl Iterator<Item = &str> {
        let compared = self.relations.iter().map(|r| r.relation.as_str());
        let unmatched = self.only_old.iter().chain(&self.only_new);
        let changed = self.arity_changed.iter().map(|a| a.relation.as_str());
        compared
            .chain(unmatched.map(|u| u.relation.as_str()))
            .chain(changed)
    }
}

/// Per value of `from`, the same constant's value in `to` (`None`: `to` never saw it).
fn translation(from: &Model, to: &Model) -> Vec<Option<Value>> {
    (0..from.symbols().len() as u32)
        .map(|v| to.symbols().get(from.constant(Value(v))))
        .collect()
}

/// Tuples of `a`'s relation `ra` that `b`'s relation `rb` does not hold.
fn missing(a: &Model, ra: RelId, b: &Model, rb: RelId, to_b: &[Option<Value>]) -> Vec<Change> {
    let mut buf = Vec::new();
    a.tuples(ra)
        .filter(|t| {
            buf.clear();
            for v in t.iter() {
                match to_b[v.0 as usize] {
                    Some(w) => buf.push(w),
                    None => return true,
                }
            }
            !b.contains(rb, &buf)
        })
        .map(|t| Change {
            fact: fact_of(a, ra, t),
            proof: None,
        })
        .collect()
}

fn proof_of(model: &Model, fact: &Fact, max_depth: Option<usize>) -> Option<Proof> {
    let rel = model.program().relation(&fact.relation)?;
    let tuple = values_of(model, &fact.values)?;
    model
        .contains(rel, &tuple)
        .then(|| prove(model, rel, &tuple, max_depth))
}
