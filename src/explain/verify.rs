//! A fix's verification on the live model: the facts added inside a transaction,
//! maintained as far as the goal needs, looked at, rolled back; and the greedy
//! minimisation that drops the facts a verified fix does not need.

use crate::engine::{Limits, Model, Value};
use crate::program::RelId;
use crate::source::Span;
use std::collections::BTreeSet;

/// A set of base facts to add.
pub(super) type Alt = BTreeSet<(RelId, Vec<Value>)>;

/// Verifications spent dropping facts, per why-not.
const MAX_MINIMISE_CHECKS: usize = 32;

/// The decision tuples `alt` makes the model gain when it makes `rel(tuple)` hold;
/// `None` when it does not (or a limit stopped the evaluation).
pub(super) fn verify(
    model: &mut Model,
    alt: &Alt,
    rel: RelId,
    tuple: &[Value],
    before: usize,
) -> Option<usize> {
    with_facts(model, alt, rel, |m| {
        m.contains(rel, tuple)
            .then(|| privileges(m).saturating_sub(before))
    })
    .flatten()
}

/// Drops, one at a time, each fact of a verified fix without which it still verifies:
/// abduction can follow a route that needs a fact while another route makes the fix
/// hold without it (a runAsUser naming the submitter beside the role that lets the
/// submitter run it), and a fix should list only what the change needs. `budget` counts
/// the verifications left for the whole why-not.
pub(super) fn minimise(
    model: &mut Model,
    alt: Alt,
    gain: usize,
    rel: RelId,
    tuple: &[Value],
    before: usize,
    budget: &mut usize,
) -> (Alt, usize) {
    let (mut alt, mut gain) = (alt, gain);
    for fact in alt.clone() {
        if alt.len() < 2 || *budget == 0 {
            break;
        }
        *budget -= 1;
        let mut fewer = alt.clone();
        fewer.remove(&fact);
        let verified = verify(model, &fewer, rel, tuple, before);
        if crate::engine::limits::check().is_err() {
            break;
        }
        if let Some(g) = verified {
            (alt, gain) = (fewer, g);
        }
    }
    (alt, gain)
}

/// The budget of [`minimise`] for one why-not.
pub(super) fn minimise_budget() -> usize {
    MAX_MINIMISE_CHECKS
}

/// What a model grants: its decision tuples (every derived tuple when the rules declare no
/// `@decision`), so a fix that gains fewer is the narrower.
pub(super) fn privileges(model: &Model) -> usize {
    let program = model.program();
    let decisions: Vec<RelId> = program.decisions().collect();
    if decisions.is_empty() {
        program
            .relations()
            .filter(|&r| program.is_derived(r))
            .map(|r| model.len(r))
            .sum()
    } else {
        decisions.into_iter().map(|r| model.len(r)).sum()
    }
}

/// `look` at the model with `facts` added and evaluated as far as `goal` needs, then puts
/// the model back. `None` when a limit stopped the evaluation.
pub(super) fn with_facts<T>(
    model: &mut Model,
    facts: &Alt,
    goal: RelId,
    look: impl FnOnce(&Model) -> T,
) -> Option<T> {
    if model.in_transaction() {
        // Someone else's transaction is open: work on a copy rather than roll it back.
        let mut copy = model.clone();
        copy.commit();
        return with_facts(&mut copy, facts, goal, look);
    }
    model.begin();
    for (rel, tuple) in facts {
        model.add_fact(*rel, tuple, Span::default());
    }
    let out = model
        .evaluate_for(goal, &Limits::default())
        .ok()
        .map(|_| look(model));
    model.rollback();
    out
}
