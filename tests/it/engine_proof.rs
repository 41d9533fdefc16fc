//! A proof checker for the engine's provenance, independent of the explainer: a derived
//! tuple's origin (rule, round) must be an instance of that rule whose positive premises
//! hold and are base facts or older than the round, whose negated premises have no
//! matching tuple, and whose comparisons hold.

use grantlog::engine::{Model, Origin, Value};
use grantlog::program::{Arg, BodyAtom, BodyLiteral, RelId};
use grantlog::syntax::ast::CompareOp;

/// Checks every derived tuple of every relation.
pub fn check_all(m: &Model) -> Result<(), String> {
    for rel in m.program().relations() {
        let tuples: Vec<Vec<Value>> = m.tuples(rel).map(|t| t.to_vec()).collect();
        for t in tuples {
            check(m, rel, &t)?;
        }
    }
    Ok(())
}

/// Checks the origin of one tuple of `rel`.
pub fn check(m: &Model, rel: RelId, tuple: &[Value]) -> Result<(), String> {
    let shown = || format!("{}{:?}", m.program().relation_name(rel), tuple);
    match m.origin(rel, tuple) {
        None => Err(format!("{} does not hold", shown())),
        Some(Origin::Base(_)) => Ok(()),
        Some(Origin::Derived { rule, round }) => {
            let r = m.program().rule(rule);
            if r.info.head != rel {
                return Err(format!(
                    "{}: rule {} derives another relation",
                    shown(),
                    rule.0
                ));
            }
            let slots = r.var_names.len().max(64);
            let mut regs: Vec<Option<Value>> = vec![None; slots];
            for (a, &v) in r.head_args.iter().zip(tuple) {
                if !unify(m, *a, v, &mut regs) {
                    return Err(format!(
                        "{}: not an instance of rule {}'s head",
                        shown(),
                        rule.0
                    ));
                }
            }
            let mut order: Vec<&BodyLiteral> = r
                .body
                .iter()
                .filter(|l| matches!(l, BodyLiteral::Positive(_)))
                .collect();
            order.extend(
                r.body
                    .iter()
                    .filter(|l| matches!(l, BodyLiteral::Compare { .. })),
            );
            order.extend(
                r.body
                    .iter()
                    .filter(|l| matches!(l, BodyLiteral::Negative(_))),
            );
            if instance(m, &order, round, &mut regs) {
                Ok(())
            } else {
                Err(format!(
                    "{}: no instance of rule {} (`{}`) from premises older than round {round}",
                    shown(),
                    rule.0,
                    r.info.label
                ))
            }
        }
    }
}

fn constant(m: &Model, a: Arg) -> Option<Value> {
    match a {
        Arg::Const(c) => m.symbols().get(&m.program().constants()[c.0 as usize]),
        _ => None,
    }
}

/// Binds or compares `a` with `v`.
fn unify(m: &Model, a: Arg, v: Value, regs: &mut [Option<Value>]) -> bool {
    match a {
        Arg::Var(s) => match regs[s as usize] {
            Some(x) => x == v,
            None => {
                regs[s as usize] = Some(v);
                true
            }
        },
        Arg::Const(_) => constant(m, a) == Some(v),
        Arg::Wild | Arg::Local(_) => true,
    }
}

fn value(m: &Model, a: Arg, regs: &[Option<Value>]) -> Option<Value> {
    match a {
        Arg::Var(s) => regs[s as usize],
        _ => constant(m, a),
    }
}

fn matches(m: &Model, atom: &BodyAtom, t: &[Value], regs: &mut [Option<Value>]) -> bool {
    let mut locals: Vec<(u32, Value)> = Vec::new();
    for (a, &v) in atom.args.iter().zip(t) {
        if let Arg::Local(s) = a {
            match locals.iter().find(|(x, _)| x == s) {
                Some(&(_, w)) if w != v => return false,
                Some(_) => {}
                None => locals.push((*s, v)),
            }
        } else if !unify(m, *a, v, regs) {
            return false;
        }
    }
    true
}

fn instance(m: &Model, lits: &[&BodyLiteral], round: u32, regs: &mut Vec<Option<Value>>) -> bool {
    let Some((lit, rest)) = lits.split_first() else {
        return true;
    };
    match lit {
        BodyLiteral::Positive(atom) => {
            let candidates: Vec<Vec<Value>> = m.tuples(atom.rel).map(|t| t.to_vec()).collect();
            for t in candidates {
                let older = match m.origin(atom.rel, &t) {
                    Some(Origin::Base(_)) => true,
                    Some(Origin::Derived { round: r, .. }) => r < round,
                    None => false,
                };
                let saved = regs.clone();
                if older && matches(m, atom, &t, regs) && instance(m, rest, round, regs) {
                    return true;
                }
                *regs = saved;
            }
            false
        }
        BodyLiteral::Negative(atom) => {
            let blocked = m.tuples(atom.rel).any(|t| {
                let mut scratch = regs.clone();
                matches(m, atom, t, &mut scratch)
                    && atom
                        .args
                        .iter()
                        .all(|a| !matches!(a, Arg::Var(s) if regs[*s as usize].is_none()))
            });
            !blocked && instance(m, rest, round, regs)
        }
        BodyLiteral::Compare {
            op, left, right, ..
        } => {
            let (l, r) = (value(m, *left, regs), value(m, *right, regs));
            let holds = match (l, r, op) {
                (Some(l), None, CompareOp::Eq) => {
                    if let Arg::Var(s) = right {
                        regs[*s as usize] = Some(l);
                    }
                    true
                }
                (None, Some(r), CompareOp::Eq) => {
                    if let Arg::Var(s) = left {
                        regs[*s as usize] = Some(r);
                    }
                    true
                }
                (Some(l), Some(r), CompareOp::Eq) => l == r,
                (Some(l), Some(r), CompareOp::Ne) => l != r,
                (Some(l), Some(r), _) => match (m.symbols().number(l), m.symbols().number(r)) {
                    (Some(a), Some(b)) => match op {
                        CompareOp::Lt => a < b,
                        CompareOp::Le => a <= b,
                        CompareOp::Gt => a > b,
                        _ => a >= b,
                    },
                    _ => false,
                },
                _ => false,
            };
            holds && instance(m, rest, round, regs)
        }
    }
}
