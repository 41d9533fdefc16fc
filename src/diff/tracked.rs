//! The impact of a change of facts measured on OLD's own model: the change is applied and
//! maintained inside a transaction ([`Model::begin`]), the tuples it gained and lost are
//! read off the model's change tracker ([`Model::changes`]), the gains are proved while
//! the model is NEW, and the transaction is rolled back, leaving OLD to prove the losses.
//! Nothing is copied and no relation is compared whole: the cost is the change's. (A copy
//! of OLD to change instead copies every relation the change writes, millions of rows
//! for one role at 75,000 users.)

use super::order::{self, Ranks};
use super::{group_columns, Changes, Diff, FactChange, RelationDiff, Unplaced};
use crate::engine::{EvalError, Limits, Model, Value};
use crate::explain::{prove, Proof};
use crate::program::RelId;
use crate::source::Span;

/// Below this many changed tuples in all, sorting compares constants directly rather
/// than ranking every constant of the symbol table first.
const RANK_FROM: usize = 20_000;

/// What a change did, measured; [`Measured::split`] gives the model that shows the gains
/// and the rows for [`Diff::measured`].
pub struct Measured {
    new_side: Model,
    rows: MeasuredRows,
}

/// Per relation (in program order), the tuples gained (NEW's values, sorted, with their
/// proofs when asked) and lost (OLD's values, sorted).
pub struct MeasuredRows(Vec<RelationRows>);

struct RelationRows {
    gained: Vec<Value>,
    gained_len: usize,
    proofs: Vec<Proof>,
    lost: Vec<Value>,
    lost_len: usize,
}

/// Why a change could not be measured; the model is as it was.
#[derive(Debug)]
pub enum MeasureError {
    /// A fact of the change names a relation the model does not declare alike.
    Unplaced(Unplaced),
    /// The maintenance stopped (a limit).
    Eval(EvalError),
}

/// Which gains to prove while the model is NEW: `(depth, include)` as for
/// [`Diff::prove`].
pub type ProveGains<'a> = Option<(Option<usize>, &'a dyn Fn(&str) -> bool)>;

impl Measured {
    pub fn split(self) -> (Model, MeasuredRows) {
        (self.new_side, self.rows)
    }
}

/// Applies `change` to `model` (an evaluated model of OLD's facts; added facts cited at
/// `span_of` their NEW span), reads what it did, and rolls it back.
pub fn measure(
    model: &mut Model,
    change: &FactChange,
    span_of: impl Fn(Span) -> Span,
    limits: &Limits,
    prove_gains: ProveGains<'_>,
) -> Result<Measured, MeasureError> {
    model.begin();
    if let Err(u) = change.apply(model, span_of) {
        model.rollback();
        return Err(MeasureError::Unplaced(u));
    }
    if let Err(e) = model.evaluate(limits) {
        model.rollback();
        return Err(MeasureError::Eval(e));
    }
    let program = std::sync::Arc::clone(model.program_arc());
    let relations: Vec<RelId> = program.relations().collect();
    let changes = model.changes(&relations);
    let mut rows: Vec<RelationRows> = relations
        .iter()
        .map(|_| RelationRows {
            gained: Vec::new(),
            gained_len: 0,
            proofs: Vec::new(),
            lost: Vec::new(),
            lost_len: 0,
        })
        .collect();
    for (rel, t) in &changes.gained {
        let r = &mut rows[rel.0 as usize];
        r.gained.extend_from_slice(t);
        r.gained_len += 1;
    }
    for (rel, t) in &changes.lost {
        let r = &mut rows[rel.0 as usize];
        r.lost.extend_from_slice(t);
        r.lost_len += 1;
    }
    // Sorted now, with NEW's symbols (OLD's are a prefix of them): proofs follow the order.
    let total = changes.gained.len() + changes.lost.len();
    let ranks = (total >= RANK_FROM).then(|| Ranks::of(model.symbols()));
    for (&rel, r) in relations.iter().zip(&mut rows) {
        let arity = program.arity(rel);
        let (user, tenant) = group_columns(program.columns(rel));
        for list in [&mut r.gained, &mut r.lost] {
            match &ranks {
                Some(ranks) => order::sort_rows(list, arity, user, tenant, ranks),
                None => order::sort_rows_by_constants(list, arity, user, tenant, model.symbols()),
            }
        }
        if let Some((depth, include)) = prove_gains {
            if include(program.relation_name(rel)) {
                r.proofs = (0..r.gained_len)
                    .map(|i| prove(model, rel, &r.gained[i * arity..][..arity], depth))
                    .collect();
            }
        }
    }
    let new_side = model.symbols_only();
    model.rollback();
    Ok(Measured {
        new_side,
        rows: MeasuredRows(rows),
    })
}

impl<'m> Diff<'m> {
    /// The diff of a change [`measure`]d on `old` (rolled back since): `new` is the
    /// measurement's model of NEW's symbols. Gains keep the proofs they were given then
    /// ([`Diff::prove`] proves only the losses).
    pub fn measured(old: &'m Model, new: &'m Model, rows: MeasuredRows) -> Diff<'m> {
        let program = old.program();
        let relations = program
            .relations()
            .zip(rows.0)
            .map(|(rel, r)| {
                let columns = program.columns(rel).to_vec();
                let (user_column, tenant_column) = group_columns(&columns);
                let side = |model: &'m Model, rows: Vec<Value>, len: usize, proofs| Changes {
                    model,
                    rel,
                    arity: program.arity(rel),
                    len,
                    rows,
                    proofs,
                };
                RelationDiff {
                    relation: program.relation_name(rel).to_string(),
                    columns,
                    derived: program.is_derived(rel),
                    user_column,
                    tenant_column,
                    gained: side(new, r.gained, r.gained_len, r.proofs),
                    lost: side(old, r.lost, r.lost_len, Vec::new()),
                }
            })
            .collect();
        Diff {
            relations,
            only_old: Vec::new(),
            only_new: Vec::new(),
            arity_changed: Vec::new(),
            old,
            new,
            prove_gains: false,
        }
    }
}
