//! Safety (E0201): a variable is bound when it occurs in a positive body atom, or when a
//! comparison `X = t` relates it to a bound variable or a constant (either side; this
//! repeats until nothing changes, so `X = Y, Y = 3` binds both). Heads, negated atoms and
//! the other comparisons only use bound variables; `_` never binds. The exception: a
//! variable that occurs in one negated atom and nowhere else is local to it (`!s(X, P)`:
//! there is no P with s(X, P)), as in Souffle and Nemo.

use crate::diag::Diagnostic;
use crate::syntax::ast::{CompareOp, Literal, Term};
use rustc_hash::FxHashSet;

/// E0201 for one rule (`head` = `Some`) or query (`None`).
pub(crate) fn check_safety(head: Option<&[Term]>, body: &[Literal], diags: &mut Vec<Diagnostic>) {
    let mut bound: FxHashSet<&str> = FxHashSet::default();
    for lit in body {
        if let Literal::Positive(a) = lit {
            bound.extend(a.args.iter().filter_map(var_name));
        }
    }
    loop {
        let mut changed = false;
        for lit in body {
            let Literal::Compare(c) = lit else { continue };
            if c.op != CompareOp::Eq {
                continue;
            }
            for (x, other) in [(&c.left, &c.right), (&c.right, &c.left)] {
                let other_bound = match other {
                    Term::Const(..) => true,
                    Term::Var(v) => bound.contains(v.name.as_str()),
                    Term::Anonymous(_) => false,
                };
                if let Term::Var(v) = x {
                    if other_bound && bound.insert(v.name.as_str()) {
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    // Variables local to one negated atom need no binding: they occur in that literal
    // only (and not in the head).
    let per_literal: Vec<Vec<&str>> = body.iter().map(literal_vars).collect();
    for (i, lit) in body.iter().enumerate() {
        let Literal::Negative(..) = lit else { continue };
        for &v in &per_literal[i] {
            let elsewhere = head.is_some_and(|h| h.iter().any(|t| var_name(t) == Some(v)))
                || per_literal
                    .iter()
                    .enumerate()
                    .any(|(j, vs)| j != i && vs.contains(&v));
            if !elsewhere {
                bound.insert(v);
            }
        }
    }
    let mut reported: FxHashSet<String> = FxHashSet::default();
    let mut check = |terms: &mut dyn Iterator<Item = &Term>,
                     place: &str,
                     diags: &mut Vec<Diagnostic>| {
        for t in terms {
            match t {
                Term::Var(v)
                    if !bound.contains(v.name.as_str()) && reported.insert(v.name.clone()) =>
                {
                    diags.push(
                        Diagnostic::error("E0201", format!("variable `{}` is not bound", v.name))
                            .at(v.span)
                            .label(format!("used in {place} but not bound by a positive atom"))
                            .help(if place == "a negated atom" {
                                format!(
                                    "mention `{0}` in a positive body atom, or use it in this negated atom only (then it reads \"there is no {0} such that ...\")",
                                    v.name
                                )
                            } else {
                                format!(
                                    "mention `{}` in a positive body atom (negations and comparisons only test values)",
                                    v.name
                                )
                            }),
                    );
                }
                Term::Anonymous(span) if place != "a negated atom" => diags.push(
                    Diagnostic::error("E0201", format!("`_` cannot be used in {place}"))
                        .at(*span)
                        .label("never bound")
                        .help("use a variable bound by a positive body atom, or a constant"),
                ),
                _ => {}
            }
        }
    };
    if let Some(head) = head {
        check(&mut head.iter(), "the head", diags);
    }
    for lit in body {
        match lit {
            Literal::Positive(_) => {}
            Literal::Negative(a, _) => check(&mut a.args.iter(), "a negated atom", diags),
            Literal::Compare(c) => {
                check(&mut [&c.left, &c.right].into_iter(), "a comparison", diags)
            }
        }
    }
}

fn literal_vars(lit: &Literal) -> Vec<&str> {
    match lit {
        Literal::Positive(a) | Literal::Negative(a, _) => {
            a.args.iter().filter_map(var_name).collect()
        }
        Literal::Compare(c) => [&c.left, &c.right]
            .into_iter()
            .filter_map(var_name)
            .collect(),
    }
}

fn var_name(t: &Term) -> Option<&str> {
    match t {
        Term::Var(v) => Some(&v.name),
        _ => None,
    }
}
