//! The impact of a rule change: the same facts evaluated under two rule sets (OLD and
//! NEW), and per relation the tuples NEW gained and lost, grouped by user and tenant,
//! each with its proof (under NEW for a gain, under OLD for a loss).
//!
//! Changes are rows of their own side's values (a gain NEW's, a loss OLD's); constants
//! are looked up only to order, render or prove them. When the two models share one
//! symbol table (NEW built beside OLD), tuples are compared value for value; otherwise
//! OLD's values are translated into NEW's once per symbol (a value NEW never interned
//! cannot occur in any NEW tuple), and the other way round.
//!
//! Grouping is generic, from column names (the tool runs any rules): the user of a tuple
//! is the first column named, in this order of preference, one of [`USER_COLUMNS`]; its
//! tenant is the column named [`TENANT_COLUMN`]. A relation with neither is not grouped.
//!
//! - [`order`]: sorting by ranks of constants.
//! - [`text`], [`json`]: the two renderings, streamed to any writer.

mod json;
mod order;
mod shown;
mod text;

pub use json::{to_json, write_json};
pub use text::{to_text, write_text};

use crate::engine::{Model, Symbols, Value};
use crate::explain::{prove, Fact, Proof};
use crate::program::RelId;
use crate::syntax::ast::Const;
use order::Ranks;
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
    /// Compare every relation of `old` and `new` (two models of the same facts under two
    /// rule sets). No proofs yet: see [`Diff::prove`].
    pub fn compute(old: &'m Model, new: &'m Model) -> Diff<'m> {
        let (po, pn) = (old.program(), new.program());
        let to_new = Translation::new(old, new);
        let to_old = Translation::new(new, old);
        let mut ranks = SideRanks {
            old,
            new,
            shared: new.shares_symbols(old),
            old_ranks: None,
            new_ranks: None,
        };
        let mut diff = Diff {
            relations: Vec::new(),
            only_old: Vec::new(),
            only_new: Vec::new(),
            arity_changed: Vec::new(),
            old,
            new,
        };
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
            let (mut gained, mut lost) = if new.shares_rows(rn, old, ro) {
                (Changes::none(new, rn), Changes::none(old, ro))
            } else {
                (
                    missing(new, rn, old, ro, &to_old),
                    missing(old, ro, new, rn, &to_new),
                )
            };
            for (c, new_side) in [(&mut gained, true), (&mut lost, false)] {
                if c.len > 1 {
                    let ranks = ranks.of(new_side);
                    order::sort_rows(&mut c.rows, c.arity, user_column, tenant_column, ranks);
                }
            }
            diff.relations.push(RelationDiff {
                relation: name.to_string(),
                columns,
                derived: po.is_derived(ro) || pn.is_derived(rn),
                user_column,
                tenant_column,
                gained,
                lost,
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
        diff
    }

    /// Attach proofs to the changes of the relations `include` accepts: a gain's proof
    /// under NEW, a loss's under OLD (`max_depth` as for `explain --depth`).
    pub fn prove(&mut self, max_depth: Option<usize>, include: impl Fn(&str) -> bool) {
        for rd in self.relations.iter_mut().filter(|r| include(&r.relation)) {
            rd.gained.prove(max_depth);
            rd.lost.prove(max_depth);
        }
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

/// The ranks of each side's values, computed when first needed (one table when the
/// sides share their symbols).
struct SideRanks<'m> {
    old: &'m Model,
    new: &'m Model,
    shared: bool,
    old_ranks: Option<Ranks>,
    new_ranks: Option<Ranks>,
}

impl SideRanks<'_> {
    fn of(&mut self, new_side: bool) -> &Ranks {
        if new_side && !self.shared {
            self.new_ranks
                .get_or_insert_with(|| Ranks::of(self.new.symbols()))
        } else {
            self.old_ranks
                .get_or_insert_with(|| Ranks::of(self.old.symbols()))
        }
    }
}

/// How one model's values map to another's.
enum Translation {
    /// Every value is the same constant in both (one symbol table, or a copy of it).
    Same,
    /// Values below this are the same in both; the others are unknown to the other side
    /// (it is a copy of this table before they were interned).
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
    fn none(model: &'m Model, rel: RelId) -> Changes<'m> {
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

/// Tuples of `a`'s relation `ra` that `b`'s relation `rb` does not hold.
fn missing<'m>(a: &'m Model, ra: RelId, b: &Model, rb: RelId, to_b: &Translation) -> Changes<'m> {
    let mut c = Changes::none(a, ra);
    let mut keep = |t: &[Value]| {
        c.rows.extend_from_slice(t);
        c.len += 1;
    };
    match to_b {
        Translation::Same => {
            for t in a.tuples(ra).filter(|t| !b.contains(rb, t)) {
                keep(t);
            }
        }
        Translation::Prefix(n) => {
            let unknown = |t: &[Value]| t.iter().any(|v| v.0 >= *n);
            for t in a.tuples(ra).filter(|t| unknown(t) || !b.contains(rb, t)) {
                keep(t);
            }
        }
        Translation::Table(to_b) => {
            let mut buf = Vec::new();
            for t in a.tuples(ra) {
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
