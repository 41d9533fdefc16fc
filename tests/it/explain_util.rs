//! Shared helpers for the explain tests.

use grantlog::diag::render_all;
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::syntax::ast::Atom;
use grantlog::syntax::parse_atom;
use grantlog::workspace::Workspace;

pub const WORKED: &str = include_str!("../data/worked-example.dl");
pub const WORKED_NAME: &str = "tests/data/worked-example.dl";

pub fn open(rules: &[Text], facts: &[Text]) -> Workspace {
    match Workspace::open(rules, facts, &Limits::default()) {
        Ok(ws) => ws,
        Err(f) => panic!("{}", render_all(&f.diagnostics, &f.sources)),
    }
}

/// The shipped rules on the worked example (raw facts), optionally edited.
pub fn worked(edit: impl Fn(&str) -> String) -> Workspace {
    open(&shipped::rules(), &[Text::new(WORKED_NAME, edit(WORKED))])
}

pub fn atom(ws: &mut Workspace, text: &str) -> Atom {
    let file = ws.sources.add("<fact>", text.to_string());
    parse_atom(&ws.sources, file).expect("atom parses")
}

pub fn holds(ws: &mut Workspace, text: &str) -> bool {
    let a = atom(ws, text);
    let q = grantlog::syntax::ast::Query {
        span: a.span,
        literals: vec![grantlog::syntax::ast::Literal::Positive(a)],
    };
    ws.model.query(&ws.sources, &q).expect("query").holds()
}
