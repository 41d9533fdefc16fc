//! A backtracking matcher of rule bodies against the model, for explanations only: it
//! scans `Model::tuples`, filtering by bound columns while scanning, looks fully bound
//! atoms up by hash, and picks the most bound (then smallest) relation to scan next.

use crate::engine::{Model, Value};
use crate::program::{Arg, BodyAtom, BodyLiteral, CompiledRule, RelId};
use crate::syntax::ast::{CompareOp, Const};

/// Register file of one rule: a value per variable slot once bound.
pub(crate) type Regs = Vec<Option<Value>>;

/// Registers for a rule: enough slots for every variable its head and body mention.
pub(crate) fn empty_regs(rule: &CompiledRule) -> Regs {
    let mut n = rule.var_names.len();
    let mut see = |a: &Arg| {
        if let Arg::Var(s) = a {
            n = n.max(*s as usize + 1);
        }
    };
    rule.head_args.iter().for_each(&mut see);
    for lit in &rule.body {
        match lit {
            BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => a.args.iter().for_each(&mut see),
            BodyLiteral::Compare { left, right, .. } => {
                see(left);
                see(right);
            }
        }
    }
    vec![None; n]
}

pub(crate) fn arg_value(model: &Model, arg: Arg, regs: &Regs) -> Option<Value> {
    match arg {
        Arg::Var(s) => regs[s as usize],
        Arg::Const(c) => model
            .symbols()
            .get(&model.program().constants()[c.0 as usize]),
        Arg::Wild | Arg::Local(_) => None,
    }
}

/// Binds the head's arguments to `head` (`None` = left free). `None` when a constant or
/// a repeated variable does not fit.
pub(crate) fn bind_head(
    model: &Model,
    rule: &CompiledRule,
    head: &[Option<Value>],
) -> Option<Regs> {
    let mut regs = empty_regs(rule);
    for (arg, want) in rule.head_args.iter().zip(head) {
        let Some(v) = want else { continue };
        match *arg {
            Arg::Var(s) => match regs[s as usize] {
                Some(w) if w != *v => return None,
                _ => regs[s as usize] = Some(*v),
            },
            Arg::Const(_) => {
                if arg_value(model, *arg, &regs) != Some(*v) {
                    return None;
                }
            }
            Arg::Wild | Arg::Local(_) => {}
        }
    }
    Some(regs)
}

/// Every variable of the literal is bound (a `_` or a variable local to a negation may
/// remain).
pub(crate) fn evaluable(lit: &BodyLiteral, regs: &Regs) -> bool {
    let bound = |a: &Arg| !matches!(a, Arg::Var(s) if regs[*s as usize].is_none());
    match lit {
        BodyLiteral::Positive(a) | BodyLiteral::Negative(a) => a.args.iter().all(bound),
        BodyLiteral::Compare { left, right, .. } => bound(left) && bound(right),
    }
}

pub(crate) fn compare(model: &Model, op: CompareOp, l: Value, r: Value) -> bool {
    match op {
        CompareOp::Eq => l == r,
        CompareOp::Ne => l != r,
        _ => match (model.constant(l), model.constant(r)) {
            (Const::Num(a), Const::Num(b)) => match op {
                CompareOp::Lt => a < b,
                CompareOp::Le => a <= b,
                CompareOp::Gt => a > b,
                _ => a >= b,
            },
            _ => false,
        },
    }
}

/// Tuples matching the atom under `regs` (at most `limit`).
pub(crate) fn matches(
    model: &Model,
    atom: &BodyAtom,
    regs: &Regs,
    limit: usize,
) -> Vec<Vec<Value>> {
    let pat: Vec<Option<Value>> = atom
        .args
        .iter()
        .map(|a| arg_value(model, *a, regs))
        .collect();
    // A constant the model never saw matches nothing.
    if atom
        .args
        .iter()
        .zip(&pat)
        .any(|(a, p)| matches!(a, Arg::Const(_)) && p.is_none())
    {
        return Vec::new();
    }
    if pat.iter().all(Option::is_some) {
        let t: Vec<Value> = pat.into_iter().flatten().collect();
        return if model.contains(atom.rel, &t) {
            vec![t]
        } else {
            Vec::new()
        };
    }
    // Columns of one unbound (or negation-local) variable that occurs more than once
    // must agree.
    let mut same: Vec<(usize, usize)> = Vec::new();
    for (i, a) in atom.args.iter().enumerate() {
        if let Arg::Var(_) | Arg::Local(_) = a {
            if pat[i].is_none() {
                if let Some(j) = (0..i).find(|&j| atom.args[j] == *a) {
                    same.push((j, i));
                }
            }
        }
    }
    model
        .matching(atom.rel, &pat)
        .filter(|t| same.iter().all(|&(j, i)| t[j] == t[i]))
        .take(limit)
        .map(<[Value]>::to_vec)
        .collect()
}

/// `regs` extended by matching `atom` to `tuple` (the tuple matches already).
pub(crate) fn bind(atom: &BodyAtom, tuple: &[Value], regs: &Regs) -> Regs {
    let mut out = regs.clone();
    for (a, v) in atom.args.iter().zip(tuple) {
        if let Arg::Var(s) = a {
            out[*s as usize] = Some(*v);
        }
    }
    out
}

/// Whether an evaluable negated atom or comparison holds under `regs`.
pub(crate) fn check(model: &Model, lit: &BodyLiteral, regs: &Regs) -> bool {
    match lit {
        BodyLiteral::Positive(a) => !matches(model, a, regs, 1).is_empty(),
        BodyLiteral::Negative(a) => matches(model, a, regs, 1).is_empty(),
        BodyLiteral::Compare {
            op, left, right, ..
        } => {
            match (
                arg_value(model, *left, regs),
                arg_value(model, *right, regs),
            ) {
                (Some(l), Some(r)) => compare(model, *op, l, r),
                _ => false,
            }
        }
    }
}

/// One rule instance: the registers and, per body literal, the tuple a positive premise
/// matched (wildcard columns included).
#[derive(Clone, Debug)]
pub(crate) struct Inst {
    pub regs: Regs,
    pub tuples: Vec<Option<Vec<Value>>>,
}

/// Full instances of the rule body extending `regs`, in which every positive premise
/// tuple passes `accept`; at most `limit`.
pub(crate) fn instances(
    model: &Model,
    rule: &CompiledRule,
    regs: Regs,
    accept: &mut dyn FnMut(RelId, &[Value]) -> bool,
    limit: usize,
) -> Vec<Inst> {
    let mut out = Vec::new();
    let remaining: Vec<usize> = (0..rule.body.len()).collect();
    let mut steps = 0usize;
    let inst = Inst {
        regs,
        tuples: vec![None; rule.body.len()],
    };
    let mut search = Search {
        model,
        body: &rule.body,
        accept,
        limit,
        out: &mut out,
        steps: &mut steps,
    };
    search.solve(&remaining, inst);
    out
}

/// Work budget of one `instances` call (tuples bound).
const MAX_STEPS: usize = 200_000;

struct Search<'a, 'b> {
    model: &'a Model,
    body: &'a [BodyLiteral],
    accept: &'b mut dyn FnMut(RelId, &[Value]) -> bool,
    limit: usize,
    out: &'b mut Vec<Inst>,
    steps: &'b mut usize,
}

impl Search<'_, '_> {
    fn solve(&mut self, remaining: &[usize], inst: Inst) {
        let (model, body) = (self.model, self.body);
        if self.out.len() >= self.limit || *self.steps > MAX_STEPS {
            return;
        }
        if remaining.is_empty() {
            self.out.push(inst);
            return;
        }
        // Cheap filters first: bound negations and comparisons.
        if let Some(&k) = remaining.iter().find(|&&i| {
            !matches!(body[i], BodyLiteral::Positive(_)) && evaluable(&body[i], &inst.regs)
        }) {
            if !check(model, &body[k], &inst.regs) {
                return;
            }
            let rest: Vec<usize> = remaining.iter().copied().filter(|&i| i != k).collect();
            return self.solve(&rest, inst);
        }
        // The most bound positive atom, then the smallest relation.
        let pick = remaining
            .iter()
            .copied()
            .filter_map(|i| match &body[i] {
                BodyLiteral::Positive(a) => {
                    let free = a
                        .args
                        .iter()
                        .filter(|x| arg_value(model, **x, &inst.regs).is_none())
                        .count();
                    Some(((free, model.len(a.rel)), i))
                }
                _ => None,
            })
            .min();
        let Some((_, i)) = pick else { return };
        let BodyLiteral::Positive(atom) = &body[i] else {
            unreachable!()
        };
        let rest: Vec<usize> = remaining.iter().copied().filter(|&j| j != i).collect();
        for t in matches(model, atom, &inst.regs, usize::MAX) {
            *self.steps += 1;
            // The command's limits (reported by its `engine::limits::Scope`) stop it too.
            if (*self.steps).is_multiple_of(1024) && crate::engine::limits::check().is_err() {
                *self.steps = MAX_STEPS + 1;
            }
            if *self.steps > MAX_STEPS || self.out.len() >= self.limit {
                return;
            }
            if (self.accept)(atom.rel, &t) {
                let mut next = Inst {
                    regs: bind(atom, &t, &inst.regs),
                    tuples: inst.tuples.clone(),
                };
                next.tuples[i] = Some(t);
                self.solve(&rest, next);
            }
        }
    }
}
