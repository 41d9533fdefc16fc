//! Why a fact does not hold, and what to add so that it does.
//!
//! Per rule whose head fits the fact: bind the head, walk the body left to right over the
//! candidate bindings, and keep the binding that satisfies the most premises; report its
//! first failing premise (followed down when it is derived; a blocking `!q` shows q's
//! proof). Fixes are abduced from the same rules (a missing base premise is assumed, a
//! missing derived one is abduced in turn, a blocking negation is lifted by killing every
//! derivation of what it negates) and then verified on a rebuilt model.

use super::fixes::fixes;
use super::matcher::{arg_value, bind, bind_head, check, evaluable, matches, Regs};
use super::revoked::revocations;
use super::why::{pattern, prove_every_way};
use super::{
    fact_of, resolve, values_of, Attempt, ExplainOptions, Fact, Failure, PatArg, Pattern, WhyNot,
    HOLDS,
};
use crate::diag::Diagnostic;
use crate::engine::{Model, Value};
use crate::program::{Arg, BodyLiteral, CompiledRule, RelId, RuleId};
use crate::source::SourceMap;
use crate::syntax::ast::{Atom, Const};

/// How far failing derived premises are followed, and fixes abduced, by default.
const DEFAULT_DEPTH: usize = 6;

/// For a fact that does not hold: per rule that could derive it, the first failing premise
/// for the closest candidate bindings, followed down to base facts; and verified fixes.
/// `Err`: the fact does not parse or resolve, or holds (E0702, with a hint to ask why).
pub fn why_not(
    model: &mut Model,
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
    Ok(why_not_resolved(model, rel, &consts, opts))
}

/// Why not, for a fact already resolved against the program (relation and constants of
/// the right types) that the model does not hold. The model is used to verify fixes and
/// left as it was.
pub fn why_not_resolved(
    model: &mut Model,
    rel: RelId,
    consts: &[Const],
    opts: &ExplainOptions,
) -> WhyNot {
    if values_of(model, consts).is_some() {
        return why_not_known(model, rel, consts, opts);
    }
    // Constants the model never saw: explain on the model with them interned, then put
    // it back.
    if model.in_transaction() {
        let mut copy = model.clone();
        copy.commit();
        return why_not_resolved(&mut copy, rel, consts, opts);
    }
    model.begin();
    for c in consts {
        model.intern(c);
    }
    let out = why_not_known(model, rel, consts, opts);
    model.rollback();
    out
}

fn why_not_known(model: &mut Model, rel: RelId, consts: &[Const], opts: &ExplainOptions) -> WhyNot {
    let shown = Fact {
        relation: model.program().relation_name(rel).to_string(),
        values: consts.to_vec(),
    };
    let tuple = values_of(model, consts).expect("interned");
    let depth = opts.max_depth.unwrap_or(DEFAULT_DEPTH);
    let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
    let target = Pattern {
        relation: shown.relation.clone(),
        args: consts.iter().cloned().map(PatArg::Const).collect(),
    };
    let mut out = explain(model, rel, &head, target, depth, opts.max_depth);
    out.fixes = fixes(model, rel, consts, depth);
    out
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
            let revoked = if program.is_derived(atom.rel) {
                Vec::new()
            } else {
                revocations(model, atom, &best.regs)
            };
            Failure::Missing {
                premise,
                why_not,
                revoked,
            }
        }
        Some(BodyLiteral::Negative(atom)) => {
            let t = matches(model, atom, &best.regs, 1)
                .pop()
                .expect("the negated premise holds");
            // Proved in full and shown to the depth asked: the causes the summary names
            // lie deep in it (`cause`).
            let mut proof = prove_every_way(model, atom.rel, &t, None);
            proof.max_depth = proof_depth;
            Failure::Blocked {
                premise: fact_of(model, atom.rel, &t),
                proof,
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
