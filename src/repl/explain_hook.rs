//! The one place the REPL calls into explanations (`:why`, `:whynot`).

use crate::diag::Diagnostic;
use crate::explain::{why, why_not as explain_why_not, ExplainOptions};
use crate::syntax::ast::Atom;
use crate::workspace::Workspace;

/// Explain why `atom` holds (`why_not == false`) or why it does not, to at most `depth`
/// levels of rules (`None`: no limit), as text ready to print.
pub fn explain(
    ws: &mut Workspace,
    atom: &Atom,
    why_not: bool,
    depth: Option<usize>,
) -> Result<String, Vec<Diagnostic>> {
    let opts = ExplainOptions { max_depth: depth };
    if why_not {
        explain_why_not(&mut ws.model, &ws.sources, atom, &opts).map(|w| w.to_text(&ws.sources))
    } else {
        why(&ws.model, &ws.sources, atom, &opts).map(|p| p.to_text(&ws.sources))
    }
}

/// At most this many answers of a `:why` with variables are explained.
const WHY_EACH: usize = 5;

/// `:why` of an atom with variables: each answer of it as a query, explained in turn
/// (at most [`WHY_EACH`], then how many more), or why there is none.
pub fn why_each(
    ws: &mut Workspace,
    atom: &Atom,
    depth: Option<usize>,
) -> Result<String, Vec<Diagnostic>> {
    use crate::syntax::ast::{Literal, Query, Term};
    let query = Query {
        span: atom.span,
        literals: vec![Literal::Positive(atom.clone())],
    };
    let answer = ws.model.query(&ws.sources, &query)?;
    if answer.rows.is_empty() {
        return Ok(format!(
            "no answer: nothing matches `{atom}`; ask `:whynot` about one case, with constants\n"
        ));
    }
    let mut out = String::new();
    for row in answer.rows.iter().take(WHY_EACH) {
        let mut ground = atom.clone();
        for t in &mut ground.args {
            if let Term::Var(v) = t {
                let col = answer.columns.iter().position(|c| *c == v.name);
                if let Some(c) = col {
                    *t = Term::Const(row[c].clone(), v.span);
                }
            }
        }
        if ground.args.iter().any(|t| matches!(t, Term::Anonymous(_))) {
            // `_` columns are not answers; the proof of the first matching fact is shown.
            let bound: Vec<String> = answer
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| format!("{c} = {v}"))
                .collect();
            out.push_str(&format!("-- {}\n", bound.join(", ")));
            out.push_str("(a `_` in the fact: name the variable to see each proof)\n\n");
            continue;
        }
        out.push_str(&explain(ws, &ground, false, depth)?);
        out.push('\n');
    }
    if answer.rows.len() > WHY_EACH {
        out.push_str(&format!("and {} more\n", answer.rows.len() - WHY_EACH));
    }
    Ok(out)
}

/// `:whynot` of an atom with variables: each case a rule of its relation could derive
/// that does not hold (`:whynot can_run(engineering, W)`: each workload of engineering
/// that does not run), explained in turn, at most [`WHY_EACH`], then how many more.
pub fn why_not_each(
    ws: &mut Workspace,
    atom: &Atom,
    depth: Option<usize>,
) -> Result<String, Vec<Diagnostic>> {
    let Some(cases) = crate::explain::candidates::not_holding(&ws.model, &mut ws.sources, atom)?
    else {
        return Err(vec![not_derived(atom)]);
    };
    if cases.is_empty() {
        return Ok(format!(
            "every case of `{atom}` the rules could derive holds; `:why {atom}` shows them\n"
        ));
    }
    let mut out = String::new();
    for case in cases.iter().take(WHY_EACH) {
        out.push_str(&explain(ws, case, true, depth)?);
        out.push('\n');
    }
    if cases.len() > WHY_EACH {
        out.push_str(&format!("and {} more\n", cases.len() - WHY_EACH));
    }
    Ok(out)
}

/// A why-not with variables of a relation no rule derives: nothing names its cases.
pub fn not_derived(atom: &Atom) -> Diagnostic {
    crate::diag::Diagnostic::error(
        crate::explain::candidates::NOT_DERIVED,
        format!(
            "`{}` is stated, not derived: no rule names the cases to explain",
            atom.relation.name
        ),
    )
    .at(atom.span)
    .label("a variable in a stated relation")
    .help("name one case with constants, e.g. the values `:facts` lists for it")
}

/// The diagnostic with its hints in the REPL's words: `:whynot X`, not a shell command.
pub fn in_repl_words(mut d: Diagnostic) -> Diagnostic {
    if let Some(help) = &d.help {
        let h = help
            .replace("grantlog explain --why-not '", ":whynot ")
            .replace("grantlog explain '", ":why ");
        // The shell quotes closed the fact; the REPL line has none.
        d.help = Some(h.trim_end_matches('\'').to_string());
    }
    d
}
