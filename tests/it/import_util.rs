//! Loading imported texts next to a small .facts file, for the import tests.

use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::workspace::Workspace;
use std::collections::BTreeSet;

/// The users and tenant most import tests need.
pub const BASE: &str = "user maria type person. user sam type person. user iamgroot type person.
user dpdeveloper type application.
instance operator: iamgroot user: maria, sam, iamgroot, dpdeveloper.
tenant engineering.
invite maria to engineering by iamgroot as Tenant Admin.";

/// Open the shipped rules on `files` (name, text); Err: the rendered diagnostics.
pub fn open(files: &[(&str, &str)]) -> Result<Workspace, String> {
    let texts: Vec<Text> = files.iter().map(|(n, t)| Text::new(*n, *t)).collect();
    Workspace::open(&shipped::rules(), &texts, &Limits::default()).map_err(|f| {
        f.diagnostics
            .iter()
            .map(|d| d.render(&f.sources))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// `files` with BASE as base.facts in front.
pub fn open_with_base(files: &[(&str, &str)]) -> Result<Workspace, String> {
    let mut all = vec![("base.facts", BASE)];
    all.extend_from_slice(files);
    open(&all)
}

/// Every tuple of a relation, as text.
pub fn rows(ws: &Workspace, relation: &str) -> BTreeSet<String> {
    let rel = ws.program().relation(relation).expect("relation");
    ws.model
        .tuples(rel)
        .map(|t| {
            t.iter()
                .map(|&v| match ws.model.constant(v) {
                    grantlog::syntax::ast::Const::Sym(s) => s.clone(),
                    grantlog::syntax::ast::Const::Num(n) => n.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

/// Where each base fact of a relation was stated, as `file:line`.
pub fn origins(ws: &Workspace, relation: &str) -> BTreeSet<String> {
    let rel = ws.program().relation(relation).expect("relation");
    ws.model
        .base_facts(rel)
        .map(|(_, span)| {
            let at = ws.sources.locate(span);
            format!("{}:{}", at.file, at.line)
        })
        .collect()
}
