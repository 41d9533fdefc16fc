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
