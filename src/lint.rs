//! Checks of a question against the loaded model, before it is answered: a mistyped
//! constant or a capitalised name would otherwise be a confident `no`.
//!
//! - W0601: a constant that occurs nowhere in the model (facts or rules), with the
//!   closest known constant as "did you mean";
//! - W0602: a variable used once whose spelling is a known constant in another case
//!   (`Engineering` for `engineering`);
//! - spellings the facts language accepts are accepted here too: a string constant that
//!   is not known but normalises to a known tenant role (`"Tenant Data Developer"`,
//!   `"engineering Data Developer"`) or permission (`"Can Use Secret"`) is replaced by
//!   that name, silently, as in a `.facts` file.

use crate::diag::{did_you_mean, Diagnostic};
use crate::engine::Symbols;
use crate::syntax::ast::{Atom, Const, Literal, Query, Term};
use std::collections::HashMap;

/// Normalise `query`'s constants in place and return its warnings.
pub fn check_query(symbols: &Symbols, query: &mut Query) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let mut var_uses: HashMap<String, (usize, crate::source::Span)> = HashMap::new();
    for lit in &mut query.literals {
        for term in terms(lit) {
            check_term(symbols, term, &mut warnings, &mut var_uses);
        }
    }
    warnings.extend(capitalised(symbols, &var_uses));
    warnings
}

/// The same checks for one atom (`explain FACT`, `:why FACT`).
pub fn check_atom(symbols: &Symbols, atom: &mut Atom) -> Vec<Diagnostic> {
    let mut query = Query {
        span: atom.span,
        literals: vec![Literal::Positive(atom.clone())],
    };
    let warnings = check_query(symbols, &mut query);
    if let Some(Literal::Positive(a)) = query.literals.pop() {
        *atom = a;
    }
    warnings
}

fn terms(lit: &mut Literal) -> Vec<&mut Term> {
    match lit {
        Literal::Positive(a) | Literal::Negative(a, _) => a.args.iter_mut().collect(),
        Literal::Compare(c) => vec![&mut c.left, &mut c.right],
    }
}

fn check_term(
    symbols: &Symbols,
    term: &mut Term,
    warnings: &mut Vec<Diagnostic>,
    var_uses: &mut HashMap<String, (usize, crate::source::Span)>,
) {
    match term {
        Term::Var(v) => {
            let e = var_uses.entry(v.name.clone()).or_insert((0, v.span));
            e.0 += 1;
        }
        Term::Const(c @ Const::Sym(_), span) => {
            if symbols.get(c).is_some() {
                return;
            }
            if let Some(known) = normalised(symbols, c) {
                *c = known;
                return;
            }
            let Const::Sym(name) = &*c else { return };
            let names = symbols.constants().iter().filter_map(|k| match k {
                Const::Sym(s) => Some(s.as_str()),
                Const::Num(_) => None,
            });
            let d = Diagnostic::warning(
                "W0601",
                format!("`{name}` occurs nowhere in the facts or rules"),
            )
            .at(*span)
            .label("unknown constant");
            warnings.push(match did_you_mean(name, names) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("check the spelling: no fact and no rule mentions it"),
            });
        }
        _ => {}
    }
}

/// A known tenant role or permission that `c` spells the way the facts language allows.
fn normalised(symbols: &Symbols, c: &Const) -> Option<Const> {
    let Const::Sym(text) = c else { return None };
    let words: Vec<&str> = text.split_whitespace().collect();
    let known = |s: String| {
        let k = Const::Sym(s);
        symbols.get(&k).map(|_| k)
    };
    // "Can Use Secret", "can use secret" -> can_use_secret
    if words.len() > 1 {
        let joined = words
            .iter()
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join("_");
        if crate::facts::PERMISSIONS.contains(&joined.as_str()) {
            return known(joined);
        }
    }
    // "<tenant> Data Developer", "Tenant Data Developer" -> "Data Developer"
    for skip in 1..words.len().min(3) {
        let rest = words[skip..].join(" ");
        if crate::facts::TENANT_ROLES.contains(&rest.as_str()) {
            return known(rest);
        }
    }
    None
}

/// W0602 for each variable used once that spells a known constant in another case.
fn capitalised(
    symbols: &Symbols,
    var_uses: &HashMap<String, (usize, crate::source::Span)>,
) -> Vec<Diagnostic> {
    let mut out: Vec<(crate::source::Span, Diagnostic)> = var_uses
        .iter()
        .filter(|(name, (n, _))| *n == 1 && name.len() > 1 && !name.starts_with('_'))
        .filter_map(|(name, (_, span))| {
            let lower = name.to_lowercase();
            let first_lowered: String = name
                .chars()
                .next()
                .map(|c| c.to_lowercase().chain(name.chars().skip(1)).collect())
                .unwrap_or_default();
            let hit = [first_lowered, lower]
                .into_iter()
                .find(|s| symbols.get(&Const::Sym(s.clone())).is_some())?;
            Some((
                *span,
                Diagnostic::warning(
                    "W0602",
                    format!(
                        "`{name}` is a variable (it starts with a capital letter), used only here"
                    ),
                )
                .at(*span)
                .label("matches anything")
                .help(format!("did you mean the constant `{hit}`?")),
            ))
        })
        .collect();
    out.sort_by_key(|(s, _)| s.start);
    out.into_iter().map(|(_, d)| d).collect()
}
