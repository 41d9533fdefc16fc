//! The impact of a rule change: the same facts evaluated under two rule sets (OLD and
//! NEW), and per relation the tuples NEW gained and lost, grouped by user and tenant,
//! each with its proof (under NEW for a gain, under OLD for a loss).
//!
//! Changes are rows of their own side's values (a gain NEW's, a loss OLD's); constants
//! are looked up only to order, render or prove them. When the two models share one
//! symbol table (NEW built beside OLD), or NEW's is OLD's extended with constants of the
//! new rules, tuples are compared value for value; otherwise
//! OLD's values are translated into NEW's once per symbol (a value NEW never interned
//! cannot occur in any NEW tuple), and the other way round.
//!
//! Grouping is generic, from column names (the tool runs any rules): the user of a tuple
//! is the first column named, in this order of preference, one of [`USER_COLUMNS`]; its
//! tenant is the column named [`TENANT_COLUMN`]. A relation with neither is not grouped.
//!
//! - [`compute`]: the comparison, both sides and all relations at once on the cores.
//! - [`order`]: sorting by ranks of constants.
//! - [`text`], [`json`]: the two renderings, streamed to any writer.

mod aligned;
mod compute;
mod json;
mod order;
mod replay;
mod shown;
mod stated;
mod text;
mod tracked;

pub use json::write_json;
pub use replay::{replay, Replayed};
pub use stated::{FactChange, Stated, Unplaced};
pub use text::{to_text, write_text};
pub use tracked::{measure, MeasureError, Measured, MeasuredRows, ProveGains};

use crate::engine::{Model, Symbols, Value};
use crate::explain::{prove, Fact, Proof};
use crate::program::RelId;
use crate::syntax::ast::Const;
use std::fmt;
use std::ops::Range;

/// Column names that say which user a tuple is about, most preferred first.
pub const USER_COLUMNS: &[&str] = &["user", "grantee", "identity", "submitter"];
/// The column name that says which tenant a tuple is about.
pub const TENANT_COLUMN: &str = "tenant";

/// Everything that differs between two models of the same facts.
#[derive(Clone)]
pub struct Diff<'m> {
    /// Relations declared on both sides with the same arity, in OLD's declaration order
    /// (unchanged ones included, with nothing gained or lost).
    pub relations: Vec<RelationDiff<'m>>,
    /// Declared only in OLD: not compared.
    pub only_old: Vec<Unmatched>,
    /// Declared only in NEW: not compared.
    pub only_new: Vec<Unmatched>,
    /// Declared on both sides with different arities: not compared.
    pub arity_changed: Vec<ArityChange>,
    old: &'m Model,
    new: &'m Model,
    /// Whether [`Diff::prove`] proves the gains: not when NEW's state is gone (a change
    /// [`measure`]d in a transaction, whose gains were proved before the rollback).
    prove_gains: bool,
}

impl fmt::Debug for Diff<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Diff")
            .field("relations", &self.relations)
            .field("only_old", &self.only_old)
            .field("only_new", &self.only_new)
            .field("arity_changed", &self.arity_changed)
            .finish()
    }
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
    /// Tuples OLD holds.
    pub old_tuples: usize,
}

/// One relation's change. `gained` and `lost` are sorted by group, then by value.
#[derive(Clone, Debug)]
pub struct RelationDiff<'m> {
    pub relation: String,
    /// NEW's column names.
    pub columns: Vec<String>,
    /// Rules derive it on either side (otherwise only facts state it).
    pub derived: bool,
    /// The column grouping by user, if any (see [`USER_COLUMNS`]).
    pub user_column: Option<usize>,
    /// The column grouping by tenant, if any.
    pub tenant_column: Option<usize>,
    /// In NEW, not in OLD (NEW's values).
    pub gained: Changes<'m>,
    /// In OLD, not in NEW (OLD's values).
    pub lost: Changes<'m>,
}

/// The tuples one side gained or lost in one relation: a flat vector of that side's
/// values, `arity` per tuple, with their proofs once [`Diff::prove`] has run.
#[derive(Clone)]
pub struct Changes<'m> {
    model: &'m Model,
    rel: RelId,
    arity: usize,
    /// Tuples (`rows` alone cannot say for arity 0).
    len: usize,
    rows: Vec<Value>,
    /// Empty, or one per tuple.
    proofs: Vec<Proof>,
}

impl fmt::Debug for Changes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len).map(|i| self.fact(i)))
            .finish()
    }
}

impl<'m> Changes<'m> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`th tuple, as values of its side's model.
    pub fn row(&self, i: usize) -> &[Value] {
        &self.rows[i * self.arity..][..self.arity]
    }

    /// The symbol table of the row values.
    pub fn symbols(&self) -> &'m Symbols {
        self.model.symbols()
    }

    pub fn constant(&self, i: usize, column: usize) -> &'m Const {
        self.model.constant(self.row(i)[column])
    }

    /// The `i`th tuple as a fact (built on each call).
    pub fn fact(&self, i: usize) -> Fact {
        Fact {
            relation: self.model.program().relation_name(self.rel).to_string(),
            values: (0..self.arity)
                .map(|c| self.constant(i, c).clone())
                .collect(),
        }
    }

    /// Every tuple as a fact, in order.
    pub fn facts(&self) -> impl Iterator<Item = Fact> + '_ {
        (0..self.len).map(|i| self.fact(i))
    }

    pub fn proof(&self, i: usize) -> Option<&Proof> {
        self.proofs.get(i)
    }

    /// The (user, tenant) values of the `i`th tuple.
    fn key(&self, i: usize, user: Option<usize>, tenant: Option<usize>) -> GroupKey {
        let row = self.row(i);
        (user.map(|c| row[c]), tenant.map(|c| row[c]))
    }

    fn prove(&mut self, max_depth: Option<usize>) {
        self.proofs = (0..self.len)
            .map(|i| prove(self.model, self.rel, self.row(i), max_depth))
            .collect();
    }
}

type GroupKey = (Option<Value>, Option<Value>);

/// The changes of one relation about one user and tenant (either may be absent): index
/// ranges into the relation's `gained` and `lost`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    pub user: Option<&'a Const>,
    pub tenant: Option<&'a Const>,
    pub gained: Range<usize>,
    pub lost: Range<usize>,
}

impl<'m> RelationDiff<'m> {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty()
    }

    /// Changes grouped by user and tenant, in key order (ungrouped first); within a
    /// group, gains then losses, each in value order. One pass: both sides are sorted
    /// by group already.
    pub fn groups(&self) -> Vec<Group<'m>> {
        let (u, t) = (self.user_column, self.tenant_column);
        let runs = |c: &Changes<'_>| {
            let mut runs: Vec<Range<usize>> = Vec::new();
            for i in 0..c.len() {
                match runs.last_mut() {
                    Some(r) if c.key(r.start, u, t) == c.key(i, u, t) => r.end = i + 1,
                    _ => runs.push(i..i + 1),
                }
            }
            runs
        };
        fn consts<'m>(
            c: &Changes<'m>,
            r: &Range<usize>,
            u: Option<usize>,
            t: Option<usize>,
        ) -> (Option<&'m Const>, Option<&'m Const>) {
            (
                u.map(|col| c.constant(r.start, col)),
                t.map(|col| c.constant(r.start, col)),
            )
        }
        let (gained, lost) = (runs(&self.gained), runs(&self.lost));
        let mut groups = Vec::with_capacity(gained.len().max(lost.len()));
        let (mut g, mut l) = (gained.iter().peekable(), lost.iter().peekable());
        loop {
            // The two sides' keys compare as constants: their values may be of two tables.
            let kg = g.peek().map(|r| consts(&self.gained, r, u, t));
            let kl = l.peek().map(|r| consts(&self.lost, r, u, t));
            let (key, take_g, take_l) = match (kg, kl) {
                (None, None) => break,
                (Some(a), None) => (a, true, false),
                (None, Some(b)) => (b, false, true),
                (Some(a), Some(b)) => match a.cmp(&b) {
                    std::cmp::Ordering::Less => (a, true, false),
                    std::cmp::Ordering::Greater => (b, false, true),
                    std::cmp::Ordering::Equal => (a, true, true),
                },
            };
            let empty = |n: usize| n..n;
            groups.push(Group {
                user: key.0,
                tenant: key.1,
                gained: if take_g { g.next().cloned() } else { None }.unwrap_or(empty(0)),
                lost: if take_l { l.next().cloned() } else { None }.unwrap_or(empty(0)),
            });
        }
        groups
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

impl<'m> Diff<'m> {
    /// Attach proofs to the changes of the relations `include` accepts: a gain's proof
    /// under NEW, a loss's under OLD (`max_depth` as for `explain --depth`). A measured
    /// diff's gains keep the proofs [`measure`] gave them.
    pub fn prove(&mut self, max_depth: Option<usize>, include: impl Fn(&str) -> bool) {
        for rd in self.relations.iter_mut().filter(|r| include(&r.relation)) {
            if self.prove_gains {
                rd.gained.prove(max_depth);
            }
            rd.lost.prove(max_depth);
        }
    }

    /// Passes the proof of every gain through `f` (e.g. to point the facts NEW took over
    /// from OLD at where NEW's files state them).
    pub fn map_gained_proofs(&mut self, mut f: impl FnMut(&mut Proof)) {
        for rd in &mut self.relations {
            rd.gained.proofs.iter_mut().for_each(&mut f);
        }
    }

    /// What OLD granted that NEW does not in `relation`: the tuples lost when both sides
    /// declare it alike, else every tuple OLD holds (a relation NEW dropped, or whose
    /// arity changed). `None`: neither side declares it.
    pub fn lost_in(&self, relation: &str) -> Option<usize> {
        if let Some(r) = self.relations.iter().find(|r| r.relation == relation) {
            return Some(r.lost.len());
        }
        if let Some(u) = self.only_old.iter().find(|u| u.relation == relation) {
            return Some(u.tuples);
        }
        if let Some(a) = self.arity_changed.iter().find(|a| a.relation == relation) {
            return Some(a.old_tuples);
        }
        self.only_new
            .iter()
            .any(|u| u.relation == relation)
            .then_some(0)
    }

    /// The two models compared.
    pub fn models(&self) -> (&'m Model, &'m Model) {
        (self.old, self.new)
    }

    /// The changed relations, in order.
    pub fn changed(&self) -> impl Iterator<Item = &RelationDiff<'m>> {
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
