//! The ordered reading: the grants and revocations of an instance are its history, and
//! each takes effect only if its actor holds the right at that point of it.
//!
//! The rules say what right an action needs (`may_grant(By, T, R)`, `may_revoke(By, T,
//! R)`, `may_revoke_run_as(By)`); this module applies the actions one after another, in
//! statement order, through the incremental engine, asking each time whether that tuple
//! holds in the model as it stands. An action whose check fails has no effect and is
//! recorded as a refusal (`refused_grant`, `refused_revocation`,
//! `refused_run_as_revocation`, spanning the statement), from which the rules derive
//! `ineffective_grant` / `ineffective_revocation` with the reason. This is Dedalus's
//! reading of time (a state per step, each step's facts decided by the rules on the
//! previous state) evaluated the way Dedalus is: step by step.
//!
//! Steps are batched. The model is brought up to date (`evaluate_for` the strata the
//! checks' rules read; the check itself is one application of its rule) only after an
//! action whose effect can reach a check relation; the others
//! (a Can Use grant or revocation, a run-as grant) cannot change any later action's
//! check, so their checks share one evaluation. Which effects can reach a check is read
//! off the rules ([`Reach`]), not assumed: a rule file where a Can Use grant confers
//! authority makes every such grant end a batch. Such grants are also held back until the
//! last action ([`Held`]), so that one a later revocation takes never enters the model.

use crate::engine::{EvalError, Limits, Model, Value};
use crate::facts::{Action, ActionKind, BaseFact};
use crate::program::{Arg, BodyLiteral, Program, RelId};
use crate::source::Span;
use crate::syntax::ast::Const;
use rustc_hash::{FxHashMap, FxHashSet};

/// A base fact as the model holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub rel: RelId,
    pub values: Vec<Value>,
    pub span: Span,
}

/// What applying the actions did to the model's base facts.
#[derive(Debug, Default)]
pub struct Applied {
    /// Base facts added (grants in effect, revocation records, refusals), including a
    /// tuple that was derived and is now also stated.
    pub added: Vec<Placed>,
    /// Base facts removed (the grants revocations took).
    pub removed: Vec<Placed>,
    /// The grants and run-as grants that took effect and those that went, as the facts
    /// language states them (for the instance's record of grants in force).
    pub granted: Vec<BaseFact>,
    pub revoked: Vec<BaseFact>,
    /// Whether the lists above are kept (see [`apply`]).
    keep: bool,
}

/// Applies `actions` in order to `model` (which holds every other fact of the read).
/// The model is left partly evaluated; the caller evaluates it. On an error (a limit
/// reached while checking) the model is half-changed: the caller rolls back or discards.
/// `keep`: fill [`Applied`] (a session keeps it for undo and the instance; a batch
/// command does not need it, and copying every grant cost a copy of each).
pub fn apply(
    model: &mut Model,
    actions: &[Action],
    limits: &Limits,
    keep: bool,
) -> Result<Applied, EvalError> {
    let mut out = Applied {
        keep,
        ..Applied::default()
    };
    if actions.is_empty() {
        return Ok(out);
    }
    let program = std::sync::Arc::clone(model.program_arc());
    let checks = ActionKind::checks_in(&program);
    let mut held = Held::default();
    // A session's model has a fixpoint through every stratum: evaluating it up to the
    // checks only would leave the strata above to be computed again from scratch (25 s for
    // one `:assert` at 75,000 users), where evaluating all of it maintains them (ms). An
    // open has evaluated nothing yet, and the strata above the checks wait for the end.
    let maintained = model.has_fixpoint();
    let mut reach = Reach::new(&program, &checks);
    if checks.is_empty() {
        // Rules that state no right for actions: every action takes effect.
        for a in actions {
            effect(
                model,
                &program,
                a,
                &mut out,
                &mut |_, _, _| {},
                &mut held,
                &mut reach,
            );
        }
        held.flush(model, &mut out);
        return Ok(out);
    }
    // Evaluating up to a check relation's own stratum would also run every stratum
    // numbered below it (at 75,000 users, the negations over `permission` each time):
    // only what the checks' rules read is brought up to date, and each check applies its
    // rule once. A check relation as deep as what it reads (recursive) is looked up.
    let reads = |r: RelId| -> usize {
        program
            .rules_for(r)
            .flat_map(|id| program.rule(id).body.iter())
            .filter_map(|lit| match lit {
                BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => {
                    Some(program.stratum_of(a.rel))
                }
                BodyLiteral::Compare { .. } => None,
            })
            .max()
            .unwrap_or(0)
    };
    let target = checks.iter().map(|&r| reads(r)).max().unwrap_or(0);
    let up_to = program
        .relations()
        .find(|&r| program.stratum_of(r) == target)
        .expect("a relation in every stratum");
    // Nothing evaluated yet; afterwards, the check tuples an action since may have
    // changed, as patterns (`None`: any value), so that a Can Manage Access grant on one
    // resource does not make every later check on others wait for an evaluation.
    let mut stale = true;
    let mut dirty: FxHashSet<(RelId, Vec<Option<Value>>)> = FxHashSet::default();
    for a in actions {
        let allowed = match a.kind.check() {
            Some((name, cols)) => match program.relation(name) {
                Some(rel) => {
                    let tuple: Option<Vec<Value>> = cols
                        .iter()
                        .map(|&c| a.fact.values.get(c).and_then(|v| model.symbols().get(v)))
                        .collect();
                    if stale || tuple.as_ref().is_some_and(|t| is_dirty(&dirty, rel, t)) {
                        if maintained {
                            model.evaluate(limits)?;
                        } else {
                            model.evaluate_for(up_to, limits)?;
                        }
                        stale = false;
                        dirty.clear();
                    }
                    tuple.is_some_and(|t| {
                        if program.stratum_of(rel) <= target {
                            model.contains(rel, &t)
                        } else {
                            crate::explain::one_step_derives(model, rel, &t)
                        }
                    })
                }
                None => true,
            },
            None => true,
        };
        let mut touched = |model: &Model, reach: &mut Reach, p: &Placed| {
            if !stale && reach.reaches(model, p) {
                dirty.extend(reach.touched_checks(model, p));
            }
        };
        if allowed {
            effect(
                model,
                &program,
                a,
                &mut out,
                &mut touched,
                &mut held,
                &mut reach,
            );
        } else {
            let record = BaseFact {
                relation: a.kind.refused().to_owned(),
                values: a.fact.values.clone(),
                span: a.fact.span,
            };
            if let Some(p) = add(model, &program, &record, &mut out) {
                touched(model, &mut reach, &p);
            }
        }
    }
    held.flush(model, &mut out);
    Ok(out)
}

/// Effects that cannot change any check (a Can Use grant, by [`Reach`]) wait here, in
/// order, and enter the model after the last action: a later revocation that takes effect
/// takes its target back from here, so that grant never enters the model. Adding such
/// grants and then deleting what they derived made opening the 75,000-user instance (22,000
/// revocations) a third slower. The checks cannot tell: nothing held reaches them.
#[derive(Default)]
struct Held {
    order: Vec<Option<Placed>>,
    at: FxHashMap<(RelId, Vec<Value>), usize>,
}

impl Held {
    /// Adds what is still held to the model, in the order it was granted.
    fn flush(self, model: &mut Model, out: &mut Applied) {
        for p in self.order.into_iter().flatten() {
            add_placed(model, p, out);
        }
    }
}

/// Whether an action since the last evaluation may have changed `tuple` of `rel`: some
/// pattern of `dirty` matches it (each column known and equal, or any).
fn is_dirty(dirty: &FxHashSet<(RelId, Vec<Option<Value>>)>, rel: RelId, tuple: &[Value]) -> bool {
    if dirty.is_empty() {
        return false;
    }
    if tuple.len() > 8 {
        return dirty.iter().any(|(r, pat)| {
            *r == rel
                && pat
                    .iter()
                    .zip(tuple)
                    .all(|(p, v)| p.is_none_or(|p| p == *v))
        });
    }
    (0u32..1 << tuple.len()).any(|mask| {
        let pat: Vec<Option<Value>> = tuple
            .iter()
            .enumerate()
            .map(|(i, &v)| (mask & (1 << i) != 0).then_some(v))
            .collect();
        dirty.contains(&(rel, pat))
    })
}

/// The action's effect when it is allowed. A grant that reaches no check is held (see
/// [`Held`]); a revocation takes its targets back from there or from the model.
fn effect(
    model: &mut Model,
    program: &Program,
    a: &Action,
    out: &mut Applied,
    touched: &mut dyn FnMut(&Model, &mut Reach, &Placed),
    held: &mut Held,
    reach: &mut Reach,
) {
    if let Some(p) = placed(model, program, &a.fact) {
        let stated = matches!(
            model.origin(p.rel, &p.values),
            Some(crate::engine::Origin::Base(_))
        );
        let key = (p.rel, p.values.clone());
        if stated || held.at.contains_key(&key) {
            // Stated already: nothing changes.
        } else if reach.reaches(model, &p) {
            if let Some(p) = add_placed(model, p, out) {
                touched(model, reach, &p);
            }
        } else {
            held.at.insert(key, held.order.len());
            held.order.push(Some(p));
        }
    }
    match a.kind {
        ActionKind::Grant | ActionKind::RunAsGrant if out.keep => out.granted.push(a.fact.clone()),
        ActionKind::Grant | ActionKind::RunAsGrant => {}
        ActionKind::Revoke | ActionKind::RunAsRevoke => {
            for t in &a.targets {
                let Some(rel) = program.relation(&t.relation) else {
                    continue;
                };
                let Some(values) = t
                    .values
                    .iter()
                    .map(|v| model.symbols().get(v))
                    .collect::<Option<Vec<Value>>>()
                else {
                    continue;
                };
                let key = (rel, values);
                if let Some(i) = held.at.remove(&key) {
                    held.order[i] = None;
                    if out.keep {
                        out.revoked.push(t.clone());
                    }
                    continue;
                }
                let (rel, values) = key;
                if let Some(crate::engine::Origin::Base(span)) = model.origin(rel, &values) {
                    model.retract_fact(rel, &values);
                    let p = Placed { rel, values, span };
                    touched(model, reach, &p);
                    if out.keep {
                        out.removed.push(p);
                        out.revoked.push(t.clone());
                    }
                }
            }
        }
    }
}

/// A fact of the facts language with its values interned; `None`: no such relation.
fn placed(model: &mut Model, program: &Program, f: &BaseFact) -> Option<Placed> {
    let rel = program.relation(&f.relation)?;
    let values: Vec<Value> = f.values.iter().map(|c| model.intern(c)).collect();
    Some(Placed {
        rel,
        values,
        span: f.span,
    })
}

/// Adds a fact of the facts language to the model; `None` when it was already stated.
fn add(model: &mut Model, program: &Program, f: &BaseFact, out: &mut Applied) -> Option<Placed> {
    let p = placed(model, program, f)?;
    add_placed(model, p, out)
}

/// Adds `p` to the model; `None` when it was already stated.
fn add_placed(model: &mut Model, p: Placed, out: &mut Applied) -> Option<Placed> {
    let was_base = matches!(
        model.origin(p.rel, &p.values),
        Some(crate::engine::Origin::Base(_))
    );
    model.add_fact(p.rel, &p.values, p.span);
    if was_base {
        return None;
    }
    out.added.push(p.clone());
    Some(p)
}

/// Which base facts can change a tuple of the check relations: propagated through the
/// rules (negated premises included), keeping of each column only a constant the rules
/// mention, so that `grant(_, _, _, can_use_depot, _)` is seen not to reach
/// `permission(_, _, _, can_manage_access)`. Memoised per (relation, pattern).
struct Reach {
    checks: FxHashSet<RelId>,
    /// Constants the rules mention, by value.
    mentioned: FxHashMap<Const, u32>,
    /// Rules by the relations their bodies read.
    readers: FxHashMap<RelId, Vec<crate::program::RuleId>>,
    memo: FxHashMap<(RelId, Vec<Option<u32>>), bool>,
    program: std::sync::Arc<Program>,
}

type Pattern = (RelId, Vec<Option<u32>>);

impl Reach {
    fn new(program: &std::sync::Arc<Program>, checks: &[RelId]) -> Reach {
        let mut readers: FxHashMap<RelId, Vec<crate::program::RuleId>> = FxHashMap::default();
        for r in program.rules() {
            for lit in &program.rule(r).body {
                if let BodyLiteral::Positive(a) | BodyLiteral::Negative(a) = lit {
                    readers.entry(a.rel).or_default().push(r);
                }
            }
        }
        Reach {
            checks: checks.iter().copied().collect(),
            mentioned: program
                .constants()
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i as u32))
                .collect(),
            readers,
            memo: FxHashMap::default(),
            program: std::sync::Arc::clone(program),
        }
    }

    fn reaches(&mut self, model: &Model, p: &Placed) -> bool {
        let pattern: Vec<Option<u32>> = p
            .values
            .iter()
            .map(|&v| self.mentioned.get(model.constant(v)).copied())
            .collect();
        let key = (p.rel, pattern);
        if let Some(&r) = self.memo.get(&key) {
            return r;
        }
        let r = self.search(key.clone());
        self.memo.insert(key, r);
        r
    }

    /// The patterns of check tuples a change of `p` may change, its values followed
    /// through the rules (a column another premise binds becomes any value).
    fn touched_checks(&self, model: &Model, p: &Placed) -> Vec<(RelId, Vec<Option<Value>>)> {
        self.touched_from(model, p.rel, p.values.iter().map(|&v| Some(v)).collect())
    }

    /// [`Reach::touched_checks`] from a pattern of `rel` (`None`: any value).
    fn touched_from(
        &self,
        model: &Model,
        rel: RelId,
        start: Vec<Option<Value>>,
    ) -> Vec<(RelId, Vec<Option<Value>>)> {
        let constant = |c: crate::program::ConstId| {
            model.symbols().get(&self.program.constants()[c.0 as usize])
        };
        let mut out = Vec::new();
        let mut seen: FxHashSet<(RelId, Vec<Option<Value>>)> = FxHashSet::default();
        let mut work = vec![(rel, start)];
        while let Some((rel, pat)) = work.pop() {
            if !seen.insert((rel, pat.clone())) {
                continue;
            }
            if self.checks.contains(&rel) {
                out.push((rel, pat.clone()));
            }
            for &r in self.readers.get(&rel).map(Vec::as_slice).unwrap_or(&[]) {
                let rule = self.program.rule(r);
                for lit in &rule.body {
                    let (BodyLiteral::Positive(a) | BodyLiteral::Negative(a)) = lit else {
                        continue;
                    };
                    if a.rel == rel {
                        if let Some(head) = unify(&a.args, &pat, &rule.head_args, &constant) {
                            work.push((rule.info.head, head));
                        }
                    }
                }
            }
        }
        out
    }

    fn search(&self, start: Pattern) -> bool {
        let mut seen: FxHashSet<Pattern> = FxHashSet::default();
        let mut work = vec![start];
        while let Some((rel, pat)) = work.pop() {
            if self.checks.contains(&rel) {
                return true;
            }
            if !seen.insert((rel, pat.clone())) {
                continue;
            }
            for &r in self.readers.get(&rel).map(Vec::as_slice).unwrap_or(&[]) {
                let rule = self.program.rule(r);
                for lit in &rule.body {
                    let (BodyLiteral::Positive(a) | BodyLiteral::Negative(a)) = lit else {
                        continue;
                    };
                    if a.rel != rel {
                        continue;
                    }
                    if let Some(head) = unify(&a.args, &pat, &rule.head_args, &|c| Some(c.0)) {
                        work.push((rule.info.head, head));
                    }
                }
            }
        }
        false
    }
}

/// The head's pattern when the body atom `args` can match `pat`; `None` when a constant
/// of the atom (or a repeated variable) contradicts it. `constant` is a rule constant's
/// value in `pat`'s terms (`None`: it matches no known value).
fn unify<T: Copy + Eq + std::hash::Hash>(
    args: &[Arg],
    pat: &[Option<T>],
    head: &[Arg],
    constant: &dyn Fn(crate::program::ConstId) -> Option<T>,
) -> Option<Vec<Option<T>>> {
    let mut bound: FxHashMap<u32, Option<T>> = FxHashMap::default();
    for (a, &known) in args.iter().zip(pat) {
        match *a {
            Arg::Const(c) => {
                if known.is_some() && constant(c) != known {
                    return None;
                }
            }
            Arg::Var(v) => match bound.get(&v) {
                Some(&Some(b)) if known.is_some_and(|k| k != b) => return None,
                Some(&Some(_)) => {}
                _ => {
                    bound.insert(v, known);
                }
            },
            Arg::Wild | Arg::Local(_) => {}
        }
    }
    Some(
        head.iter()
            .map(|h| match *h {
                Arg::Const(c) => constant(c),
                Arg::Var(v) => bound.get(&v).copied().flatten(),
                _ => None,
            })
            .collect(),
    )
}

/// The patterns of check tuples (`None`: any value) a change of a `rel` fact matching
/// `pattern` may change, followed through the rules: what `grantlog diff` uses to decide
/// which actions of the history a change can reach. Empty when the rules state no right
/// for actions.
pub fn touched_check_patterns(
    model: &Model,
    rel: RelId,
    pattern: &[Option<Value>],
) -> Vec<(RelId, Vec<Option<Value>>)> {
    let program = std::sync::Arc::clone(model.program_arc());
    let checks = ActionKind::checks_in(&program);
    let reach = Reach::new(&program, &checks);
    reach.touched_from(model, rel, pattern.to_vec())
}
