//! Fixes for a fact that does not hold: sets of base facts abduced from the rules (a
//! missing base premise is assumed, a missing derived one abduced in turn, a blocking
//! negation lifted by killing every derivation of what it negates), then verified on a
//! copy of the model; only the smallest verified sets are kept.

use super::matcher::{arg_value, bind, bind_head, check, evaluable, instances, matches, Regs};
use super::verify::{minimise, minimise_budget, privileges, verify, with_facts, Alt};
use super::{fact_of, values_of, Fix};
use crate::engine::{Model, Origin, Value};
use crate::program::{Arg, BodyLiteral, CompiledRule, RelId};
use crate::syntax::ast::Const;
use std::collections::{BTreeMap, BTreeSet};

/// A fact with its signer column blanked: alternatives that differ only in who signs
/// have the same shapes.
type Shape = (RelId, Vec<Option<Value>>);

/// Per shape of an abduced fact, every signer it was abduced with.
type Signers = BTreeMap<Shape, Vec<Value>>;

const MAX_ALTS: usize = 16;
const ABDUCE_STEPS: usize = 50_000;
const MAX_VERIFY: usize = 8;
/// Levels below the shown depth searched when no fix is found within it.
const DEEPER: usize = 6;
/// Verifications of other signers, per why-not.
const MAX_SIGNER_CHECKS: usize = 32;

/// Verified fixes of the smallest size found: sets of base facts whose addition makes the
/// fact hold, the narrowest first (the fewest decision tuples gained: a grant on one
/// resource before a role, a role that may create one more kind before one that manages
/// the tenant). Alternatives that differ only in who signs a statement are one fix, with
/// the signers that verify listed per statement. Each candidate is verified on the live
/// model inside a transaction: added, maintained as far as `rel`'s stratum
/// (incrementally, see `engine::fixpoint`), looked up, rolled back. Bounded by the
/// command's limits (`engine::limits::Scope`): a fix can make the model derive far more;
/// a candidate stopped by them is not trusted, and the scope reports the stop.
pub(super) fn fixes(model: &mut Model, rel: RelId, consts: &[Const], depth: usize) -> Vec<Fix> {
    let tuple = values_of(model, consts).expect("interned");
    let before = privileges(model);
    // The shown depth bounds the search first; a fix further down (a role that lets the
    // submitter create the workload, under the sign-in and membership it needs) is
    // looked for only when none is found above it.
    let (mut verified, mut signers) = search(model, rel, &tuple, depth + 2, before);
    if verified.is_empty() && crate::engine::limits::check().is_ok() {
        (verified, signers) = search(model, rel, &tuple, depth + 2 + DEEPER, before);
    }
    verified.sort_by_key(|(alt, gain)| (alt.len(), *gain));
    let mut budget = minimise_budget();
    let mut kept: Vec<(Alt, usize)> = Vec::new();
    for (alt, gain) in verified {
        let (alt, gain) = minimise(model, alt, gain, rel, &tuple, before, &mut budget);
        if !kept.iter().any(|(k, _)| k.is_subset(&alt)) {
            kept.retain(|(k, _)| !alt.is_subset(k));
            kept.push((alt, gain));
        }
    }
    kept.sort_by_key(|(alt, gain)| (alt.len(), *gain));
    let verified = kept;
    let mut checks = 0;
    let mut out = Vec::new();
    for (alt, _) in &verified {
        let mut fix = Fix {
            facts: Vec::new(),
            signers: Vec::new(),
        };
        for (r, t) in alt {
            fix.facts.push(fact_of(model, *r, t));
            let Some(col) = signer_column(model, *r) else {
                fix.signers.push(Vec::new());
                continue;
            };
            let mut ok = vec![t[col]];
            for &other in signers.get(&shape(model, *r, t)).into_iter().flatten() {
                if ok.contains(&other) || checks >= MAX_SIGNER_CHECKS {
                    continue;
                }
                checks += 1;
                let mut swapped = alt.clone();
                swapped.remove(&(*r, t.clone()));
                let mut signed = t.clone();
                signed[col] = other;
                swapped.insert((*r, signed));
                let holds = with_facts(model, &swapped, rel, |m| m.contains(rel, &tuple));
                if crate::engine::limits::check().is_err() {
                    break;
                }
                if holds == Some(true) {
                    ok.push(other);
                }
            }
            // The one shown first, the others by name.
            let mut names: Vec<Const> = ok.iter().map(|&v| model.constant(v).clone()).collect();
            names[1..].sort_by_key(ToString::to_string);
            fix.signers.push(names);
        }
        out.push(fix);
    }
    out
}

/// Abduces fixes `depth` levels down and verifies the smallest: each with the decision
/// tuples it gains; and per shape of an abduced fact, the signers it was abduced with.
fn search(
    model: &mut Model,
    rel: RelId,
    tuple: &[Value],
    depth: usize,
    before: usize,
) -> (Vec<(Alt, usize)>, Signers) {
    let mut ab = Abducer {
        model: &*model,
        steps: 0,
        stack: Vec::new(),
        signers: BTreeMap::new(),
    };
    let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
    let alts = ab.abduce(rel, &head, depth);
    let signers = std::mem::take(&mut ab.signers);
    let mut verified: Vec<(Alt, usize)> = Vec::new();
    for alt in alts.into_iter().filter(|a| !a.is_empty()).take(MAX_VERIFY) {
        if verified.first().is_some_and(|(v, _)| alt.len() > v.len())
            || verified.iter().any(|(v, _)| v.is_subset(&alt))
        {
            continue;
        }
        let gain = verify(model, &alt, rel, tuple, before);
        if crate::engine::limits::check().is_err() {
            break;
        }
        if let Some(gain) = gain {
            verified.push((alt, gain));
        }
    }
    (verified, signers)
}

/// The column naming who signs a statement of this relation (`by`, `grantor`, `*_by`).
fn signer_column(model: &Model, rel: RelId) -> Option<usize> {
    model
        .program()
        .columns(rel)
        .iter()
        .position(|c| c == "by" || c == "grantor" || c.ends_with("_by"))
}

fn shape(model: &Model, rel: RelId, tuple: &[Value]) -> Shape {
    let col = signer_column(model, rel);
    let blanked = tuple
        .iter()
        .enumerate()
        .map(|(i, &v)| (Some(i) != col).then_some(v))
        .collect();
    (rel, blanked)
}

struct Abducer<'a> {
    model: &'a Model,
    steps: usize,
    stack: Vec<(bool, RelId, Vec<Option<Value>>)>,
    /// Per shape of an abduced fact, every signer it was abduced with: the alternatives
    /// `prune` folds into one.
    signers: BTreeMap<Shape, Vec<Value>>,
}

impl Abducer<'_> {
    /// Smallest first, no duplicates, one per shape (who signs aside), at most `MAX_ALTS`.
    fn prune(&self, mut alts: Vec<Alt>) -> Vec<Alt> {
        alts.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        alts.dedup();
        let mut seen = BTreeSet::new();
        alts.retain(|a| {
            let shapes: BTreeSet<Shape> = a.iter().map(|(r, t)| shape(self.model, *r, t)).collect();
            seen.insert(shapes)
        });
        alts.truncate(MAX_ALTS);
        alts
    }

    /// A base fact assumed: its signer is remembered under its shape.
    fn assume(&mut self, rel: RelId, tuple: Vec<Value>) -> Alt {
        if let Some(col) = signer_column(self.model, rel) {
            let seen = self
                .signers
                .entry(shape(self.model, rel, &tuple))
                .or_default();
            if !seen.contains(&tuple[col]) {
                seen.push(tuple[col]);
            }
        }
        Alt::from([(rel, tuple)])
    }

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
                    vec![self.assume(rel, t)]
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
        self.prune(out)
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
            combined = self.prune(next);
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
                    combined = self.prune(next);
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
