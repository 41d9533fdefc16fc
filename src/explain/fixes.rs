//! Fixes for a fact that does not hold: sets of base facts abduced from the rules (a
//! missing base premise is assumed, a missing derived one abduced in turn, a blocking
//! negation lifted by killing every derivation of what it negates), then verified on a
//! copy of the model; only the smallest verified sets are kept.

use super::matcher::{arg_value, bind, bind_head, check, evaluable, instances, matches, Regs};
use super::{fact_of, values_of, Fact};
use crate::engine::{Limits, Model, Origin, Value};
use crate::program::{Arg, BodyLiteral, CompiledRule, RelId};
use crate::source::Span;
use crate::syntax::ast::Const;
use std::collections::BTreeSet;

/// A set of base facts to add.
type Alt = BTreeSet<(RelId, Vec<Value>)>;

const MAX_ALTS: usize = 16;
const ABDUCE_STEPS: usize = 50_000;
const MAX_VERIFY: usize = 8;

/// Verified fixes of the smallest size found: sets of base facts whose addition makes the
/// fact hold. Each candidate is verified on the live model inside a transaction: added,
/// maintained as far as `rel`'s stratum (incrementally, see `engine::fixpoint`), looked
/// up, rolled back. Bounded by the command's limits (`engine::limits::Scope`): a fix can
/// make the model derive far more; a candidate stopped by them is not trusted, and the
/// scope reports the stop.
pub(super) fn fixes(
    model: &mut Model,
    rel: RelId,
    consts: &[Const],
    depth: usize,
) -> Vec<Vec<Fact>> {
    let tuple = values_of(model, consts).expect("interned");
    let mut ab = Abducer {
        model: &*model,
        steps: 0,
        stack: Vec::new(),
    };
    let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
    let alts = ab.abduce(rel, &head, depth + 2);
    let mut verified: Vec<Alt> = Vec::new();
    for alt in alts.into_iter().filter(|a| !a.is_empty()).take(MAX_VERIFY) {
        if verified.first().is_some_and(|v| alt.len() > v.len())
            || verified.iter().any(|v| v.is_subset(&alt))
        {
            continue;
        }
        let holds = with_facts(model, &alt, rel, |m| m.contains(rel, &tuple));
        if crate::engine::limits::check().is_err() {
            break;
        }
        if holds == Some(true) {
            verified.push(alt);
        }
    }
    verified
        .iter()
        .map(|alt| alt.iter().map(|(r, t)| fact_of(model, *r, t)).collect())
        .collect()
}

/// `look` at the model with `facts` added and evaluated as far as `goal` needs, then puts
/// the model back. `None` when a limit stopped the evaluation.
fn with_facts<T>(
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

/// Smallest first, no duplicates, at most `MAX_ALTS`.
fn prune(mut alts: Vec<Alt>) -> Vec<Alt> {
    alts.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    alts.dedup();
    alts.truncate(MAX_ALTS);
    alts
}

struct Abducer<'a> {
    model: &'a Model,
    steps: usize,
    stack: Vec<(bool, RelId, Vec<Option<Value>>)>,
}

impl Abducer<'_> {
    /// A relation whose facts a fact file may add as a fix: not derived, not an editable
    /// table of the rule files, not the fixed instance roles (S2).
    fn addable(&self, rel: RelId) -> bool {
        let program = self.model.program();
        !program.is_derived(rel)
            && !program.facts().iter().any(|f| f.rel == rel)
            && program.relation_name(rel) != "instance_role"
    }

    /// Sets of base facts whose addition (it is hoped) makes some instance of the pattern
    /// hold.
    fn abduce(&mut self, rel: RelId, pat: &[Option<Value>], depth: usize) -> Vec<Alt> {
        let model = self.model;
        let program = model.program();
        if pat.iter().all(Option::is_some) {
            let t: Vec<Value> = pat.iter().flatten().copied().collect();
            if model.contains(rel, &t) {
                return vec![Alt::new()];
            }
            if !program.is_derived(rel) {
                return if self.addable(rel) {
                    vec![Alt::from([(rel, t)])]
                } else {
                    Vec::new()
                };
            }
        }
        let key = (true, rel, pat.to_vec());
        if depth == 0 || !program.is_derived(rel) || self.stack.contains(&key) {
            return Vec::new();
        }
        self.stack.push(key);
        let mut out = Vec::new();
        for r in program.rules_for(rel) {
            let rule = program.rule(r);
            if let Some(regs) = bind_head(model, rule, pat) {
                let remaining: Vec<usize> = (0..rule.body.len()).collect();
                self.walk(rule, &remaining, &[], regs, Alt::new(), depth, &mut out);
            }
        }
        self.stack.pop();
        prune(out)
    }

    /// Sets of base facts whose addition (it is hoped) makes the fact stop holding: every
    /// derivation of it must lose a premise, through one of its negations.
    fn kill(&mut self, rel: RelId, tuple: &[Value], depth: usize) -> Vec<Alt> {
        let model = self.model;
        let program = model.program();
        if !model.contains(rel, tuple) {
            return vec![Alt::new()];
        }
        let pat: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
        let key = (false, rel, pat.clone());
        if depth == 0
            || !matches!(model.origin(rel, tuple), Some(Origin::Derived { .. }))
            || self.stack.contains(&key)
        {
            return Vec::new();
        }
        const LIMIT: usize = 16;
        let mut insts = Vec::new();
        for r in program.rules_for(rel) {
            let rule = program.rule(r);
            if let Some(regs) = bind_head(model, rule, &pat) {
                let found = instances(model, rule, regs, &mut |_, _| true, LIMIT);
                if found.len() >= LIMIT {
                    return Vec::new();
                }
                insts.extend(found.into_iter().map(|i| (rule, i)));
            }
        }
        self.stack.push(key);
        let mut combined = vec![Alt::new()];
        for (rule, inst) in insts {
            let mut options = Vec::new();
            for (i, lit) in rule.body.iter().enumerate() {
                match lit {
                    BodyLiteral::Negative(atom) => {
                        let sub: Vec<Option<Value>> = atom
                            .args
                            .iter()
                            .map(|a| arg_value(model, *a, &inst.regs))
                            .collect();
                        if sub.iter().all(Option::is_some) {
                            options.extend(self.abduce(atom.rel, &sub, depth - 1));
                        }
                    }
                    BodyLiteral::Positive(atom) if program.is_derived(atom.rel) => {
                        let t = inst.tuples[i].clone().expect("matched");
                        options.extend(self.kill(atom.rel, &t, depth - 1));
                    }
                    _ => {}
                }
            }
            let mut next = Vec::new();
            for c in &combined {
                for o in &options {
                    next.push(c.union(o).cloned().collect());
                }
            }
            combined = prune(next);
            if combined.is_empty() {
                break;
            }
        }
        self.stack.pop();
        combined
    }

    /// Walks the rule body: existing facts bind variables; a missing premise is assumed
    /// (base), abduced (derived) or deferred until other premises bind its variables; a
    /// negation that holds is lifted by `kill`.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        rule: &CompiledRule,
        remaining: &[usize],
        deferred: &[usize],
        regs: Regs,
        alt: Alt,
        depth: usize,
        out: &mut Vec<Alt>,
    ) {
        self.steps += 1;
        if self.steps.is_multiple_of(1024) && crate::engine::limits::check().is_err() {
            self.steps = ABDUCE_STEPS + 1;
        }
        if self.steps > ABDUCE_STEPS || out.len() >= 4 * MAX_ALTS {
            return;
        }
        let body = &rule.body;
        if let Some(k) = deferred.iter().position(|&i| ground(&body[i], &regs)) {
            let rest: Vec<usize> = deferred
                .iter()
                .copied()
                .filter(|&j| j != deferred[k])
                .collect();
            return self.step(rule, deferred[k], remaining, &rest, regs, alt, depth, out);
        }
        if remaining.is_empty() {
            if deferred.is_empty() {
                out.push(alt);
            }
            return;
        }
        let pick = remaining
            .iter()
            .copied()
            .find(|&i| ground(&body[i], &regs))
            .or_else(|| {
                remaining
                    .iter()
                    .copied()
                    .find(|&i| matches!(body[i], BodyLiteral::Positive(_)))
            });
        let Some(i) = pick else { return };
        let rest: Vec<usize> = remaining.iter().copied().filter(|&j| j != i).collect();
        if ground(&body[i], &regs) {
            return self.step(rule, i, &rest, deferred, regs, alt, depth, out);
        }
        let BodyLiteral::Positive(atom) = &body[i] else {
            unreachable!()
        };
        let model = self.model;
        for t in matches(model, atom, &regs, MAX_ALTS) {
            let next = bind(atom, &t, &regs);
            self.walk(rule, &rest, deferred, next, alt.clone(), depth, out);
        }
        // A derived premise whose free columns nothing else reads: make any instance hold.
        if model.program().is_derived(atom.rel) && free_only_here(rule, i, &regs) {
            let sub: Vec<Option<Value>> = atom
                .args
                .iter()
                .map(|a| arg_value(model, *a, &regs))
                .collect();
            for a in self.abduce(atom.rel, &sub, depth.saturating_sub(1)) {
                if !a.is_empty() {
                    let u = alt.union(&a).cloned().collect();
                    self.walk(rule, &rest, deferred, regs.clone(), u, depth, out);
                }
            }
        }
        let mut later = deferred.to_vec();
        later.push(i);
        self.walk(rule, &rest, &later, regs, alt, depth, out);
    }

    /// One ground literal.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        rule: &CompiledRule,
        i: usize,
        remaining: &[usize],
        deferred: &[usize],
        regs: Regs,
        alt: Alt,
        depth: usize,
        out: &mut Vec<Alt>,
    ) {
        let model = self.model;
        let lit = &rule.body[i];
        match lit {
            BodyLiteral::Positive(atom) => {
                let t: Vec<Option<Value>> = atom
                    .args
                    .iter()
                    .map(|a| arg_value(model, *a, &regs))
                    .collect();
                for a in self.abduce(atom.rel, &t, depth.saturating_sub(1)) {
                    let u = alt.union(&a).cloned().collect();
                    self.walk(rule, remaining, deferred, regs.clone(), u, depth, out);
                }
            }
            BodyLiteral::Negative(atom) => {
                let found = matches(model, atom, &regs, 8);
                let mut combined = vec![Alt::new()];
                for t in &found {
                    let options = self.kill(atom.rel, t, depth.saturating_sub(1));
                    let mut next = Vec::new();
                    for c in &combined {
                        for o in &options {
                            next.push(c.union(o).cloned().collect());
                        }
                    }
                    combined = prune(next);
                }
                for a in combined {
                    let u = alt.union(&a).cloned().collect();
                    self.walk(rule, remaining, deferred, regs.clone(), u, depth, out);
                }
            }
            BodyLiteral::Compare { .. } => {
                if check(model, lit, &regs) {
                    self.walk(rule, remaining, deferred, regs, alt, depth, out);
                }
            }
        }
    }
}

/// Positive premises need every column bound; negations and comparisons their variables.
fn ground(lit: &BodyLiteral, regs: &Regs) -> bool {
    match lit {
        BodyLiteral::Positive(a) => a.args.iter().all(|x| {
            matches!(x, Arg::Const(_)) || matches!(x, Arg::Var(s) if regs[*s as usize].is_some())
        }),
        _ => evaluable(lit, regs),
    }
}

/// Every unbound variable of premise `i` occurs nowhere else in the rule.
fn free_only_here(rule: &CompiledRule, i: usize, regs: &Regs) -> bool {
    let BodyLiteral::Positive(atom) = &rule.body[i] else {
        return false;
    };
    let occurs = |s: u32| {
        let in_args = |args: &[Arg]| args.iter().filter(|a| **a == Arg::Var(s)).count();
        let mut n = in_args(&rule.head_args);
        for lit in &rule.body {
            n += match lit {
                BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => in_args(&a.args),
                BodyLiteral::Compare { left, right, .. } => in_args(&[*left, *right]),
            };
        }
        n
    };
    atom.args.iter().all(|a| match a {
        Arg::Var(s) if regs[*s as usize].is_none() => occurs(*s) == 1,
        _ => true,
    })
}
