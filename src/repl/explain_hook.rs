//! The one place the REPL calls into explanations (`:why`, `:whynot`).

use crate::diag::Diagnostic;
use crate::explain::{why, why_not as explain_why_not, ExplainOptions};
use crate::syntax::ast::Atom;
use crate::workspace::Workspace;

/// Explain why `atom` holds (`why_not == false`) or why it does not, to at most `depth`
/// levels of rules (`None`: no limit), as text ready to print.
pub fn explain(
    ws: &Workspace,
    atom: &Atom,
    why_not: bool,
    depth: Option<usize>,
) -> Result<String, Vec<Diagnostic>> {
    let opts = ExplainOptions { max_depth: depth };
    if why_not {
        explain_why_not(&ws.model, &ws.sources, atom, &opts).map(|w| w.to_text(&ws.sources))
    } else {
        why(&ws.model, &ws.sources, atom, &opts).map(|p| p.to_text(&ws.sources))
    }
}
