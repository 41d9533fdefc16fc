//! The one place the REPL calls into explanations (`:why`, `:whynot`).
//!
//! `src/explain/` is being written on another branch; when it lands, the integrator
//! replaces the body of [`explain`] with calls to `explain::why` / `explain::why_not` and
//! their `to_text`. Nothing else in the REPL needs to change.

use crate::diag::Diagnostic;
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
    let _ = (ws, why_not, depth);
    Err(vec![Diagnostic::error(
        "E0701",
        "explanations are not built into this binary yet",
    )
    .at(atom.span)
    .help(
        "queries answer whether it holds; `:rules REL` shows the rules that derive REL",
    )])
}
