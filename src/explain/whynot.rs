//! Why a fact does not hold, and what to add so that it does.
//!
//! Per rule whose head fits the fact: bind the head, walk the body left to right over the
//! candidate bindings, and keep the binding that satisfies the most premises; report its
//! first failing premise (followed down when it is derived; a blocking `!q` shows q's
//! proof). Fixes are abduced from the same rules (a missing base premise is assumed, a
//! missing derived one is abduced in turn, a blocking negation is lifted by killing every
//! derivation of what it negates) and then verified on a rebuilt model.

use super::matcher::{arg_value, bind, bind_head, check, evaluable, instances, matches, Regs};
use super::why::{pattern, prove};
use super::{
    fact_of, resolve, values_of, Attempt, ExplainOptions, Fact, Failure, PatArg, Pattern, WhyNot,
    HOLDS,
};
use crate::diag::Diagnostic;
use crate::engine::{Limits, Model, Origin, Value};
use crate::program::{Arg, BodyLiteral, CompiledRule, RelId, RuleId};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{Atom, Const};
use std::collections::BTreeSet;

/// How far failing derived premises are followed, and fixes abduced, by default.
const DEFAULT_DEPTH: usize = 6;

/// For a fact that does not hold: per rule that could derive it, the first failing premise
/// for the closest candidate bindings, followed down to base facts; and verified fixes.
/// `Err`: the fact does not parse or resolve, or holds (E0702, with a hint to ask why).
pub fn why_not(
    model: &Model,
    _sources: &SourceMap,
    fact: &Atom,
    opts: &ExplainOptions,
) -> Result<WhyNot, Vec<Diagnostic>> {
    let (rel, consts) = resolve(model, fact)?;
    let shown = Fact {
        relation: fact.relation.name.clone(),
        values: consts.clone(),
    };
    let known = values_of(model, &consts);
    if known.as_ref().is_some_and(|t| model.contains(rel, t)) {
        return Err(vec![Diagnostic::error(HOLDS, format!("`{shown}` holds"))
            .at(fact.span)
            .label("in the model")
            .help(format!("ask why: grantlog explain '{shown}'"))]);
    }
    let base = base_facts(model);
    // Constants the model never saw: explain on a model that knows them.
    let rebuilt;
    let model = match known {
        Some(_) => model,
        None => {
            rebuilt = rebuild(model, &base, &[], &consts);
            &rebuilt
        }
    };
    let tuple = values_of(model, &consts).expect("interned");
    let depth = opts.max_depth.unwrap_or(DEFAULT_DEPTH);
    let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
    let target = Pattern {
        relation: shown.relation.clone(),
        args: consts.iter().cloned().map(PatArg::Const).collect(),
    };
    let mut out = explain(model, rel, &head, target, depth, opts.max_depth);
    out.fixes = fixes(model, &base, rel, &consts, depth);
    Ok(out)
}

fn explain(
    model: &Model,
    rel: RelId,
    head: &[Option<Value>],
    shown: Pattern,
    depth: usize,
    proof_depth: Option<usize>,
) -> WhyNot {
    let program = model.program();
    let attempts = program
        .rules_for(rel)
        .map(|r| attempt(model, r, head, depth, proof_depth))
        .collect();
    WhyNot {
        fact: shown,
        base: !program.is_derived(rel),
        attempts,
        fixes: Vec::new(),
    }
}

/// The deepest point the body walk reached.
struct Closest {
    /// Premises satisfied; `usize::MAX` when all were.
    score: usize,
    regs: Regs,
    holding: Vec<String>,
    fail: Option<usize>,
}

const WALK_STEPS: usize = 20_000;
const MATCHES_PER_PREMISE: usize = 64;

fn attempt(
    model: &Model,
    r: RuleId,
    head: &[Option<Value>],
    depth: usize,
    proof_depth: Option<usize>,
) -> Attempt {
    let program = model.program();
    let rule = program.rule(r);
    let info = program.rule_info(r).clone();
    let Some(regs) = bind_head(model, rule, head) else {
        return Attempt {
            rule: info,
            bindings: Vec::new(),
            holding: Vec::new(),
            failure: Failure::HeadMismatch,
        };
    };
    let mut best = Closest {
        score: 0,
        regs: regs.clone(),
        holding: Vec::new(),
        fail: None,
    };
    let mut first = true;
    let remaining: Vec<usize> = (0..rule.body.len()).collect();
    let mut steps = 0;
    closest(
        model,
        rule,
        &remaining,
        regs,
        Vec::new(),
        &mut best,
        &mut first,
        &mut steps,
    );
    let bindings = rule
        .var_names
        .iter()
        .enumerate()
        .filter_map(|(s, n)| {
            Some((
                n.clone(),
                model.constant(best.regs.get(s).copied()??).clone(),
            ))
        })
        .collect();
    let failure = match best.fail.map(|i| &rule.body[i]) {
        None => Failure::None,
        Some(BodyLiteral::Positive(atom)) => {
            let premise = pattern(model, atom, &best.regs, Some(&rule.var_names));
            let why_not = (program.is_derived(atom.rel) && depth > 0).then(|| {
                let sub: Vec<Option<Value>> = atom
                    .args
                    .iter()
                    .map(|a| arg_value(model, *a, &best.regs))
                    .collect();
                Box::new(explain(
                    model,
                    atom.rel,
                    &sub,
                    premise.clone(),
                    depth - 1,
                    proof_depth,
                ))
            });
            Failure::Missing { premise, why_not }
        }
        Some(BodyLiteral::Negative(atom)) => {
            let t = matches(model, atom, &best.regs, 1)
                .pop()
                .expect("the negated premise holds");
            Failure::Blocked {
                premise: fact_of(model, atom.rel, &t),
                proof: prove(model, atom.rel, &t, proof_depth),
            }
        }
        Some(lit @ BodyLiteral::Compare { .. }) => {
            Failure::Compare(literal_text(model, rule, lit, &best.regs))
        }
    };
    Attempt {
        rule: info,
        bindings,
        holding: best.holding,
        failure,
    }
}

/// A literal under `regs`, free variables by name.
fn literal_text(model: &Model, rule: &CompiledRule, lit: &BodyLiteral, regs: &Regs) -> String {
    let show = |a: &Arg| match (arg_value(model, *a, regs), a) {
        (Some(v), _) => model.constant(v).to_string(),
        (None, Arg::Var(s)) => rule.var_names.get(*s as usize).cloned().unwrap_or_default(),
        _ => "_".to_string(),
    };
    match lit {
        BodyLiteral::Positive(a) => pattern(model, a, regs, Some(&rule.var_names)).to_string(),
        BodyLiteral::Negative(a) => format!("!{}", pattern(model, a, regs, Some(&rule.var_names))),
        BodyLiteral::Compare {
            op, left, right, ..
        } => {
            format!("{} {} {}", show(left), op.as_str(), show(right))
        }
    }
}

/// Depth-first over the body in written order (a negation or comparison waits until its
/// variables are bound), keeping the binding that satisfies the most premises.
#[allow(clippy::too_many_arguments)]
fn closest(
    model: &Model,
    rule: &CompiledRule,
    remaining: &[usize],
    regs: Regs,
    holding: Vec<String>,
    best: &mut Closest,
    first: &mut bool,
    steps: &mut usize,
) {
    *steps += 1;
    if *steps > WALK_STEPS || best.score == usize::MAX {
        return;
    }
    let mut record = |score: usize, fail: Option<usize>, regs: &Regs, holding: &[String]| {
        if *first || score > best.score {
            *first = false;
            *best = Closest {
                score,
                regs: regs.clone(),
                holding: holding.to_vec(),
                fail,
            };
        }
    };
    let body = &rule.body;
    let Some(k) = remaining
        .iter()
        .position(|&i| matches!(body[i], BodyLiteral::Positive(_)) || evaluable(&body[i], &regs))
    else {
        match remaining.first() {
            Some(&i) => record(holding.len(), Some(i), &regs, &holding),
            None => record(usize::MAX, None, &regs, &holding),
        }
        return;
    };
    let i = remaining[k];
    let rest: Vec<usize> = remaining.iter().copied().filter(|&j| j != i).collect();
    let lit = &body[i];
    match lit {
        BodyLiteral::Positive(atom) => {
            let found = matches(model, atom, &regs, MATCHES_PER_PREMISE);
            if found.is_empty() {
                record(holding.len(), Some(i), &regs, &holding);
            }
            for t in found {
                let next = bind(atom, &t, &regs);
                let mut h = holding.clone();
                h.push(fact_of(model, atom.rel, &t).to_string());
                closest(model, rule, &rest, next, h, best, first, steps);
            }
        }
        _ => {
            if check(model, lit, &regs) {
                let mut h = holding;
                h.push(literal_text(model, rule, lit, &regs));
                closest(model, rule, &rest, regs, h, best, first, steps);
            } else {
                record(holding.len(), Some(i), &regs, &holding);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Fixes
// ---------------------------------------------------------------------------------------

/// A set of base facts to add.
type Alt = BTreeSet<(RelId, Vec<Value>)>;

const MAX_ALTS: usize = 16;
const ABDUCE_STEPS: usize = 50_000;
const MAX_VERIFY: usize = 8;

/// Every base fact of the model, with where it was written.
fn base_facts(model: &Model) -> Vec<(RelId, Vec<Const>, Span)> {
    let mut out = Vec::new();
    for rel in model.program().relations() {
        for t in model.tuples(rel) {
            if let Some(Origin::Base(span)) = model.origin(rel, t) {
                out.push((
                    rel,
                    t.iter().map(|&v| model.constant(v).clone()).collect(),
                    span,
                ));
            }
        }
    }
    out
}

/// A fresh model of the same program and base facts plus `extra`, evaluated.
fn rebuild(
    model: &Model,
    base: &[(RelId, Vec<Const>, Span)],
    extra: &[(RelId, Vec<Const>)],
    intern: &[Const],
) -> Model {
    let mut m = Model::new(model.program_arc().clone());
    for c in intern {
        m.intern(c);
    }
    let mut row = Vec::new();
    let added = extra.iter().map(|(r, c)| (*r, c, Span::default()));
    for (rel, consts, span) in base.iter().map(|(r, c, s)| (*r, c, *s)).chain(added) {
        row.clear();
        row.extend(consts.iter().map(|c| m.intern(c)));
        m.add_fact(rel, &row, span);
    }
    // An unbounded evaluation of facts that already reached a fixpoint plus a few more.
    let _ = m.evaluate(&Limits::default());
    m
}

/// Verified fixes of the smallest size found: sets of base facts whose addition makes the
/// fact hold.
fn fixes(
    model: &Model,
    base: &[(RelId, Vec<Const>, Span)],
    rel: RelId,
    consts: &[Const],
    depth: usize,
) -> Vec<Vec<Fact>> {
    let tuple = values_of(model, consts).expect("interned");
    let mut ab = Abducer {
        model,
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
        let extra: Vec<(RelId, Vec<Const>)> = alt
            .iter()
            .map(|(r, t)| (*r, t.iter().map(|&v| model.constant(v).clone()).collect()))
            .collect();
        let m = rebuild(model, base, &extra, &[]);
        if values_of(&m, consts).is_some_and(|t| m.contains(rel, &t)) {
            verified.push(alt);
        }
    }
    verified
        .iter()
        .map(|alt| alt.iter().map(|(r, t)| fact_of(model, *r, t)).collect())
        .collect()
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
