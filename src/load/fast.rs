//! The fast load path: facts read from the text straight into the model, with no token
//! vector, no AST and no `Const` per value (see [`crate::syntax::scan`]).
//!
//! It is only an accelerator. It gives up ([`Fallback`]) on any text it does not read, and
//! on any fact that fails a check; the caller then loads through the ordinary path, which
//! reports every diagnostic exactly where it always did. So it reports nothing itself.

use crate::engine::{Model, Value};
use crate::facts::{BaseFact, Instance};
use crate::program::{Program, RelId};
use crate::source::{FileId, Span};
use crate::syntax::ast::{ColumnType, Const};
use crate::syntax::scan::{Arg, Scanner};
use std::sync::Arc;

/// The text (or a fact in it) needs the ordinary reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fallback;

/// How a file's facts are read: as a raw fact file (`check_fact_file`: each fact's span
/// is its atom) or as raw-fact statements of a `.facts` file (its span is the whole
/// statement, and the instance, if one is kept, records
/// what it keeps).
pub enum Kind<'i> {
    Raw,
    Statements(Option<&'i mut Instance>),
}

/// The relation last looked up: facts come in runs of one relation.
struct Last {
    name: String,
    rel: RelId,
    types: Vec<Option<ColumnType>>,
}

/// Checks a relation name once per run of facts; `None` when the ordinary reader would
/// report it.
fn resolve(program: &Program, name: &str, statements: bool) -> Option<Last> {
    let rel = program.relation(name)?;
    if program.is_derived(rel)
        || (statements && (name == "instance_role" || ordered(program, name)))
    {
        return None;
    }
    Some(Last {
        name: name.to_owned(),
        rel,
        types: program.column_types(rel).to_vec(),
    })
}

/// Facts of `name` are actions the ordinary reader applies in order (`crate::history`):
/// the rules may refuse them (a `may_grant`-like check relation) or a revocation may take
/// them back. Rules with neither (an access-control program that merely has a `grant`
/// relation) take every such fact as it stands, so the fast path reads them: otherwise a
/// million `grant(...)` facts went through the statement reader, at three times the memory.
fn ordered(program: &Program, name: &str) -> bool {
    use crate::facts::ActionKind;
    if ActionKind::of_refused(name).is_some() {
        return true;
    }
    if ActionKind::of_relation(name).is_none() {
        return false;
    }
    let checked = !ActionKind::checks_in(program).is_empty();
    let revocable = program.relations().any(|r| {
        matches!(
            ActionKind::of_relation(program.relation_name(r)),
            Some(ActionKind::Revoke | ActionKind::RunAsRevoke)
        )
    });
    checked || revocable
}

/// Whether the facts language keeps facts of this relation in the [`Instance`].
fn recorded(name: &str) -> bool {
    matches!(
        name,
        "user" | "tenant" | "resource" | "grant" | "run_as_grant"
    )
}

/// Loads every fact of `text` (file `file`) into `model`. On `Err` the model holds some
/// of them: discard it.
pub fn load_facts(
    model: &mut Model,
    file: FileId,
    text: &str,
    mut kind: Kind<'_>,
) -> Result<usize, Fallback> {
    let program = Arc::clone(model.program_arc());
    let statements = matches!(kind, Kind::Statements(_));
    let mut scanner = Scanner::new(text);
    let mut args = Vec::new();
    let mut row: Vec<Value> = Vec::new();
    let mut last: Option<Last> = None;
    let mut n: usize = 0;
    while let Some(fact) = scanner.next_fact(&mut args).map_err(|_| Fallback)? {
        // Past `--timeout` (or Ctrl-C) the ordinary path reports it (E0402, E0403).
        if n.is_multiple_of(65_536) && crate::engine::limits::check().is_err() {
            return Err(Fallback);
        }
        if last.as_ref().is_none_or(|l| l.name != fact.relation) {
            last = Some(resolve(&program, fact.relation, statements).ok_or(Fallback)?);
        }
        let Some(l) = &last else { return Err(Fallback) };
        if l.types.len() != args.len() {
            return Err(Fallback);
        }
        row.clear();
        for (arg, ty) in args.iter().zip(&l.types) {
            row.push(match (*arg, ty) {
                (Arg::Sym(s), None | Some(ColumnType::Symbol)) => model.intern_sym(s),
                (Arg::Num(v), None | Some(ColumnType::Number)) => model.intern_num(v),
                _ => return Err(Fallback),
            });
        }
        let end = if statements { fact.end } else { fact.atom_end };
        let span = Span::new(file, fact.start, end);
        model.add_fact(l.rel, &row, span);
        if let Kind::Statements(Some(instance)) = &mut kind {
            if recorded(fact.relation) {
                instance.keep(BaseFact {
                    relation: fact.relation.to_owned(),
                    values: args.iter().map(to_const).collect(),
                    span,
                });
            }
        }
        n += 1;
    }
    Ok(n)
}

fn to_const(a: &Arg<'_>) -> Const {
    match *a {
        Arg::Sym(s) => Const::Sym(s.to_owned()),
        Arg::Num(n) => Const::Num(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    /// Loads `facts` as raw-fact statements of a `.facts` file under `rules`.
    fn fast(rules: &str, facts: &str) -> Result<usize, Fallback> {
        let mut sources = SourceMap::new();
        let (program, _) = crate::load::compile_texts(&mut sources, &[("r.dl", rules)])
            .unwrap_or_else(|d| panic!("compiles: {d:?}"));
        let mut model = Model::new(Arc::new(program));
        let file = sources.add("f.facts", facts.to_string());
        load_facts(&mut model, file, facts, Kind::Statements(None))
    }

    const GRANTS: &str = "grant(g1, u1, read, r1, u2).\ngrant(g2, u3, read, r1, u2).\n";

    /// A `grant` relation that nothing checks or revokes is read as it stands (a million
    /// of them took the statement reader at three times the memory); one the rules check,
    /// or a revocation may take back, goes to the reader that applies actions in order.
    #[test]
    fn grants_take_the_fast_path_unless_applied_in_order() {
        let plain = ".decl grant(id, grantee, permission, res, grantor)\n";
        assert_eq!(fast(plain, GRANTS), Ok(2));
        let checked = format!(
            "{plain}.decl may_grant(by, t, r)\nmay_grant(B, T, R) :- grant(T, R, _, _, B).\n"
        );
        assert_eq!(fast(&checked, GRANTS), Err(Fallback));
        let revocable = format!("{plain}.decl revoked_grant(a, b, c, d, e)\n");
        assert_eq!(fast(&revocable, GRANTS), Err(Fallback));
    }
}
