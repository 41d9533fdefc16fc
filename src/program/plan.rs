//! Join planning: a rule body becomes a flat list of [`Op`]s over a register file (one
//! slot per variable). The engine runs the list as nested loops: a [`Op::Scan`] loops over
//! matching rows and runs the rest of the list for each; the other ops filter or bind.
//!
//! Per semi-naive variant the plan starts with the atom that reads the delta, then
//! repeatedly takes the atom with the most bound columns (first in the body on ties).
//! Comparisons, negations and `X = t` bindings are placed as soon as their variables are
//! bound (a negation's local variables never are: they stay free in its existence check). Bound columns of a scan are looked up in an index on exactly those columns (or
//! the dedup table when all columns are bound).

use super::{Arg, BodyAtom, BodyLiteral, ConstId, RelId};
use crate::syntax::ast::CompareOp;

/// Position of an index in [`super::Program::indexes`] for its relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IndexId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Slot(u32),
    Const(ConstId),
}

/// Which rows of a relation an atom reads in a semi-naive round: rows that are new since
/// the last round (`Delta`), rows before them (`Stable`) or both (`All`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowRange {
    Delta,
    Stable,
    All,
    /// The rows a change seeds (listed by id, dead or alive): see [`plan_seeded`].
    Seed,
}

/// How a scan finds candidate rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Every row in range; `filters` check the bound columns.
    Rows,
    /// Rows whose key columns (the index's, in its order) equal `key`.
    Index(IndexId, Vec<Operand>),
    /// All columns bound: the dedup table, one candidate at most.
    Exact(Vec<Operand>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    pub rel: RelId,
    pub range: RowRange,
    pub lookup: Lookup,
    /// Bound columns the lookup does not already guarantee: `(column, value)`.
    pub filters: Vec<(u32, Operand)>,
    /// Columns that must equal an earlier column of the same row (repeated new variable).
    pub same: Vec<(u32, u32)>,
    /// Columns that bind a new variable: `(column, slot)`.
    pub binds: Vec<(u32, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Scan(Scan),
    /// Continue only if no row matches (a negated atom; `_` columns and those of
    /// variables local to it are left out, except that `same` columns must agree).
    Absent {
        rel: RelId,
        lookup: Lookup,
        filters: Vec<(u32, Operand)>,
        same: Vec<(u32, u32)>,
    },
    Compare {
        op: CompareOp,
        left: Operand,
        right: Operand,
    },
    /// `X = t` with `X` not yet bound.
    Assign {
        slot: u32,
        value: Operand,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub ops: Vec<Op>,
    /// The head tuple, or the answer columns of a query.
    pub head: Vec<Operand>,
    /// The body literal whose atom reads the delta; `None` for a body without positive
    /// atoms (run once, when its stratum is computed from scratch).
    pub delta: Option<usize>,
    pub slots: usize,
}

/// Picks (or creates) an index over some of the bound columns of a relation.
pub trait IndexChooser {
    /// `bound` is sorted; returns the index and its key columns (a subset of `bound`).
    fn choose(&mut self, rel: RelId, bound: &[u32]) -> Option<(IndexId, Vec<u32>)>;
}

/// For compiling programs: every bound-column set gets its own index.
pub(super) struct CreateIndexes<'a>(pub &'a mut Vec<Vec<Vec<u32>>>);

impl IndexChooser for CreateIndexes<'_> {
    fn choose(&mut self, rel: RelId, bound: &[u32]) -> Option<(IndexId, Vec<u32>)> {
        let list = &mut self.0[rel.0 as usize];
        let i = list.iter().position(|c| c == bound).unwrap_or_else(|| {
            list.push(bound.to_vec());
            list.len() - 1
        });
        Some((IndexId(i as u32), bound.to_vec()))
    }
}

/// For queries against an existing model: the existing index covering most bound columns.
pub struct ExistingIndexes<'a>(pub &'a [Vec<Vec<u32>>]);

impl IndexChooser for ExistingIndexes<'_> {
    fn choose(&mut self, rel: RelId, bound: &[u32]) -> Option<(IndexId, Vec<u32>)> {
        self.0[rel.0 as usize]
            .iter()
            .enumerate()
            .filter(|(_, cols)| cols.iter().all(|c| bound.contains(c)))
            .max_by_key(|(i, cols)| (cols.len(), usize::MAX - i))
            .map(|(i, cols)| (IndexId(i as u32), cols.clone()))
    }
}

/// One plan per positive atom (that atom reads the delta; positive atoms before it read
/// `Stable`, after it `All`), or one plan with no delta for a body without positive atoms.
pub fn plan_variants(
    body: &[BodyLiteral],
    head: &[Arg],
    indexes: &mut dyn IndexChooser,
) -> Vec<Plan> {
    let positives: Vec<usize> = (0..body.len())
        .filter(|&i| matches!(body[i], BodyLiteral::Positive(_)))
        .collect();
    if positives.is_empty() {
        return vec![plan_body(body, head, None, indexes)];
    }
    positives
        .iter()
        .map(|&d| plan_body(body, head, Some(d), indexes))
        .collect()
}

/// Plans `body` with literal `delta` read as the delta (or everything read as `All`).
pub fn plan_body(
    body: &[BodyLiteral],
    head: &[Arg],
    delta: Option<usize>,
    indexes: &mut dyn IndexChooser,
) -> Plan {
    let first = delta.map(|d| {
        let BodyLiteral::Positive(atom) = &body[d] else {
            unreachable!("the delta literal is a positive atom")
        };
        (atom, RowRange::Delta, Some(d))
    });
    let range = |i: usize| match delta {
        Some(d) if i == d => RowRange::Delta,
        Some(d) if i < d => RowRange::Stable,
        _ => RowRange::All,
    };
    let mut plan = plan_from(body, head, first, range, indexes);
    plan.delta = delta;
    plan
}

/// Plans `body` for incremental maintenance: first a scan of the seed rows of `seed` (an
/// atom over the same variables: a body literal, positive or negated, or the head), then
/// the whole body (the seed's own literal included) over `All` rows. Only the seed's
/// variables that occur elsewhere get bound: `_` and variables local to a negation stay
/// free, so a negated literal is still checked as "no row at all".
pub fn plan_seeded(
    body: &[BodyLiteral],
    head: &[Arg],
    seed: &BodyAtom,
    indexes: &mut dyn IndexChooser,
) -> Plan {
    let first = Some((seed, RowRange::Seed, None));
    plan_from(body, head, first, |_| RowRange::All, indexes)
}

/// `first` (an atom, its rows, the body literal it stands for if any) scanned first, then
/// the rest of `body` greedily: filters as soon as their inputs are bound, then the
/// positive atom with the most bound columns, reading `range(literal)`.
fn plan_from(
    body: &[BodyLiteral],
    head: &[Arg],
    first: Option<(&BodyAtom, RowRange, Option<usize>)>,
    range: impl Fn(usize) -> RowRange,
    indexes: &mut dyn IndexChooser,
) -> Plan {
    let slots = max_slot(body, head);
    let mut bound = vec![false; slots];
    let mut placed = vec![false; body.len()];
    let mut ops = Vec::new();
    if let Some((atom, rows, literal)) = first {
        if let Some(i) = literal {
            placed[i] = true;
        }
        ops.push(Op::Scan(scan(atom, rows, &mut bound, None)));
    }
    loop {
        place_filters(body, &mut placed, &mut bound, &mut ops, indexes);
        let next = (0..body.len())
            .filter(|&i| !placed[i])
            .filter_map(|i| match &body[i] {
                BodyLiteral::Positive(a) => Some((i, a)),
                _ => None,
            })
            .max_by_key(|(i, a)| (bound_columns(a, &bound).len(), usize::MAX - i));
        let Some((i, atom)) = next else { break };
        placed[i] = true;
        ops.push(Op::Scan(scan(atom, range(i), &mut bound, Some(indexes))));
    }
    debug_assert!(
        placed.iter().all(|&p| p),
        "a literal was never placed: unsafe rule"
    );
    let head = head
        .iter()
        .map(|a| operand(*a).expect("safe heads have no `_`"))
        .collect();
    Plan {
        ops,
        head,
        delta: None,
        slots,
    }
}

fn max_slot(body: &[BodyLiteral], head: &[Arg]) -> usize {
    let mut n = 0;
    let mut see = |a: &Arg| {
        if let Arg::Var(s) | Arg::Local(s) = a {
            n = n.max(*s as usize + 1);
        }
    };
    head.iter().for_each(&mut see);
    for lit in body {
        match lit {
            BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => a.args.iter().for_each(&mut see),
            BodyLiteral::Compare { left, right, .. } => {
                see(left);
                see(right);
            }
        }
    }
    n
}

fn operand(a: Arg) -> Option<Operand> {
    match a {
        Arg::Var(s) => Some(Operand::Slot(s)),
        Arg::Const(c) => Some(Operand::Const(c)),
        Arg::Wild | Arg::Local(_) => None,
    }
}

fn is_bound(a: Arg, bound: &[bool]) -> bool {
    match a {
        Arg::Var(s) => bound[s as usize],
        Arg::Const(_) => true,
        Arg::Wild | Arg::Local(_) => false,
    }
}

fn bound_columns(atom: &BodyAtom, bound: &[bool]) -> Vec<u32> {
    (0..atom.args.len() as u32)
        .filter(|&c| is_bound(atom.args[c as usize], bound))
        .collect()
}

/// The lookup for a set of bound columns plus the bound columns it leaves to filters.
fn lookup(
    rel: RelId,
    args: &[Arg],
    cols: &[u32],
    indexes: Option<&mut dyn IndexChooser>,
) -> (Lookup, Vec<(u32, Operand)>) {
    let value = |c: &u32| operand(args[*c as usize]).expect("bound column");
    let all_filters = || cols.iter().map(|c| (*c, value(c))).collect();
    let Some(indexes) = indexes.filter(|_| !cols.is_empty()) else {
        return (Lookup::Rows, all_filters());
    };
    if cols.len() == args.len() {
        return (Lookup::Exact(cols.iter().map(value).collect()), Vec::new());
    }
    match indexes.choose(rel, cols) {
        Some((id, key)) => {
            let filters = cols
                .iter()
                .filter(|c| !key.contains(c))
                .map(|c| (*c, value(c)))
                .collect();
            (Lookup::Index(id, key.iter().map(value).collect()), filters)
        }
        None => (Lookup::Rows, all_filters()),
    }
}

fn scan(
    atom: &BodyAtom,
    range: RowRange,
    bound: &mut [bool],
    indexes: Option<&mut dyn IndexChooser>,
) -> Scan {
    let cols = bound_columns(atom, bound);
    let (lookup, filters) = lookup(atom.rel, &atom.args, &cols, indexes);
    let mut same = Vec::new();
    let mut binds: Vec<(u32, u32)> = Vec::new();
    for (c, a) in atom.args.iter().enumerate() {
        let Arg::Var(s) = *a else { continue };
        if bound[s as usize] {
            continue;
        }
        match binds.iter().find(|(_, slot)| *slot == s) {
            Some(&(first, _)) => same.push((c as u32, first)),
            None => binds.push((c as u32, s)),
        }
    }
    for &(_, s) in &binds {
        bound[s as usize] = true;
    }
    Scan {
        rel: atom.rel,
        range,
        lookup,
        filters,
        same,
        binds,
    }
}

/// Places every unplaced negation, comparison and binding `=` whose inputs are bound.
fn place_filters(
    body: &[BodyLiteral],
    placed: &mut [bool],
    bound: &mut [bool],
    ops: &mut Vec<Op>,
    indexes: &mut dyn IndexChooser,
) {
    loop {
        let mut progress = false;
        for (i, lit) in body.iter().enumerate() {
            if placed[i] {
                continue;
            }
            match lit {
                BodyLiteral::Positive(_) => continue,
                BodyLiteral::Negative(atom) => {
                    if !atom
                        .args
                        .iter()
                        .all(|a| matches!(a, Arg::Wild | Arg::Local(_)) || is_bound(*a, bound))
                    {
                        continue;
                    }
                    let cols = bound_columns(atom, bound);
                    let (lookup, filters) =
                        lookup(atom.rel, &atom.args, &cols, Some(&mut *indexes));
                    ops.push(Op::Absent {
                        rel: atom.rel,
                        lookup,
                        filters,
                        same: atom.same_locals(),
                    });
                }
                BodyLiteral::Compare {
                    op, left, right, ..
                } => {
                    let (l, r) = (is_bound(*left, bound), is_bound(*right, bound));
                    if l && r {
                        ops.push(Op::Compare {
                            op: *op,
                            left: operand(*left).expect("bound"),
                            right: operand(*right).expect("bound"),
                        });
                    } else if *op == CompareOp::Eq && (l || r) {
                        let (Arg::Var(slot), value) =
                            (if l { (*right, *left) } else { (*left, *right) })
                        else {
                            continue;
                        };
                        bound[slot as usize] = true;
                        ops.push(Op::Assign {
                            slot,
                            value: operand(value).expect("bound"),
                        });
                    } else {
                        continue;
                    }
                }
            }
            placed[i] = true;
            progress = true;
        }
        if !progress {
            return;
        }
    }
}
