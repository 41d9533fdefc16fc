//! The cases a why-not with variables is about: `can_run(engineering, W)` asks about
//! each workload of engineering. A rule of the relation names them: its first positive
//! body atoms that bind the head's variables (`workload(T, W)` for `can_run`) are the
//! cases it could derive; those that do not hold are the ones to explain.

use crate::diag::Diagnostic;
use crate::engine::Model;
use crate::program::{Arg, BodyLiteral, Program};
use crate::source::SourceMap;
use crate::syntax::ast::{Atom, Const, Term};

/// E0703: a why-not with variables of a relation no rule derives.
pub const NOT_DERIVED: &str = "E0703";

/// The ground instances of `atom` some rule of its relation could derive (by the positive
/// premises that bind the variables) and that do not hold, sorted and unique. `None`
/// when no rule derives the relation (a base relation has no such cases).
pub fn not_holding(
    model: &Model,
    sources: &mut SourceMap,
    atom: &Atom,
) -> Result<Option<Vec<Atom>>, Vec<Diagnostic>> {
    let program = model.program();
    let Some(rel) = program.relation(&atom.relation.name) else {
        // The query below reports the unknown relation with its "did you mean".
        let q = query_of(atom.to_string(), sources)?;
        model.query(sources, &q)?;
        return Ok(None);
    };
    let mut cases: Vec<Vec<Const>> = Vec::new();
    let mut ruled = false;
    let vars: Vec<String> = named_vars(atom);
    for r in program.rules_for(rel) {
        ruled = true;
        let Some(text) = guard_query(program, r, atom) else {
            continue;
        };
        let q = query_of(text, sources)?;
        let answer = model.query(sources, &q)?;
        for row in answer.rows {
            let ordered: Vec<Const> = vars
                .iter()
                .map(|v| {
                    let c = answer.columns.iter().position(|c| c == v);
                    c.map(|c| row[c].clone())
                })
                .collect::<Option<_>>()
                .unwrap_or_default();
            if ordered.len() == vars.len() {
                cases.push(ordered);
            }
        }
    }
    if !ruled {
        return Ok(None);
    }
    cases.sort();
    cases.dedup();
    let asked = query_of(atom.to_string(), sources)?;
    let holding = model.query(sources, &asked)?;
    let mut out = Vec::new();
    for case in cases {
        let held = holding.rows.iter().any(|row| {
            vars.iter().zip(&case).all(|(v, c)| {
                holding
                    .columns
                    .iter()
                    .position(|h| h == v)
                    .is_some_and(|i| &row[i] == c)
            })
        });
        if !held {
            out.push(ground(atom, &vars, &case));
        }
    }
    Ok(Some(out))
}

/// The named variables of `atom` in order of first appearance.
fn named_vars(atom: &Atom) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in &atom.args {
        if let Term::Var(v) = t {
            if !out.contains(&v.name) {
                out.push(v.name.clone());
            }
        }
    }
    out
}

fn ground(atom: &Atom, vars: &[String], case: &[Const]) -> Atom {
    let mut g = atom.clone();
    for t in &mut g.args {
        if let Term::Var(v) = t {
            if let Some(i) = vars.iter().position(|n| *n == v.name) {
                *t = Term::Const(case[i].clone(), v.span);
            }
        }
    }
    g
}

fn query_of(
    text: String,
    sources: &mut SourceMap,
) -> Result<crate::syntax::ast::Query, Vec<Diagnostic>> {
    let file = sources.add("<why-not cases>", text);
    crate::syntax::parse_query(sources, file)
}

/// The query of rule `r`'s first positive premises that bind every head variable standing
/// where `atom` has a variable, with `atom`'s constants and variable names put in; `None`
/// when the rule cannot derive an instance of `atom` (a head constant differs) or its
/// positive premises do not bind those variables.
fn guard_query(program: &Program, r: crate::program::RuleId, atom: &Atom) -> Option<String> {
    let rule = program.rule(r);
    // What each head slot stands for in the question: a constant or the asker's variable.
    let mut slot: std::collections::HashMap<u32, String> = std::collections::HashMap::new();
    let mut wanted: Vec<u32> = Vec::new();
    for (head, asked) in rule.head_args.iter().zip(&atom.args) {
        let asked = match asked {
            Term::Const(c, _) => Some(show(c)),
            Term::Var(v) => Some(v.name.clone()),
            Term::Anonymous(_) => None,
        };
        match (head, asked) {
            (Arg::Var(s), Some(a)) => {
                if slot.get(s).is_some_and(|prev| *prev != a) {
                    return None;
                }
                if a.starts_with(|c: char| c.is_uppercase()) {
                    wanted.push(*s);
                }
                slot.insert(*s, a);
            }
            (Arg::Const(c), Some(a)) => {
                let own = show(&program.constants()[c.0 as usize]);
                if !a.starts_with(|c: char| c.is_uppercase()) && own != a {
                    return None;
                }
            }
            _ => {}
        }
    }
    let mut atoms = Vec::new();
    let mut bound: Vec<u32> = Vec::new();
    for lit in &rule.body {
        if wanted.iter().all(|w| bound.contains(w)) {
            break;
        }
        let BodyLiteral::Positive(a) = lit else {
            continue;
        };
        let mut args = Vec::new();
        for arg in &a.args {
            args.push(match arg {
                Arg::Var(s) => {
                    bound.push(*s);
                    slot.get(s).cloned().unwrap_or_else(|| format!("_V{s}"))
                }
                Arg::Const(c) => show(&program.constants()[c.0 as usize]),
                Arg::Wild | Arg::Local(_) => "_".into(),
            });
        }
        atoms.push(format!(
            "{}({})",
            program.relation_name(a.rel),
            args.join(", ")
        ));
    }
    (wanted.iter().all(|w| bound.contains(w)) && !atoms.is_empty()).then(|| atoms.join(", "))
}

/// A constant as the query language writes it.
fn show(c: &Const) -> String {
    c.to_string()
}
