//! Helpers shared by the engine tests: compile and evaluate rule text with the real parser.

use grantlog::diag::{render_all, Diagnostic};
use grantlog::engine::{Limits, Model};
use grantlog::load::compile_texts;
use grantlog::program::Program;
use grantlog::source::SourceMap;
use grantlog::syntax::ast::Const;
use std::sync::Arc;

/// Compiles one rule file `rules.dl` with the real parser; panics with rendered diagnostics.
pub fn program(sources: &mut SourceMap, text: &str) -> (Arc<Program>, Vec<Diagnostic>) {
    match compile_texts(sources, &[("rules.dl", text)]) {
        Ok((p, warnings)) => (Arc::new(p), warnings),
        Err(d) => panic!("{}", render_all(&d, sources)),
    }
}

/// Compiles and evaluates one rule file.
pub fn evaluated(text: &str) -> (Model, SourceMap) {
    let mut sources = SourceMap::new();
    let (p, _) = program(&mut sources, text);
    let mut model = Model::new(p);
    model.evaluate(&Limits::default()).expect("evaluates");
    (model, sources)
}

pub fn show(c: &Const) -> String {
    match c {
        Const::Sym(s) => s.clone(),
        Const::Num(n) => n.to_string(),
    }
}

/// The tuples of `rel`, rendered and sorted: `["a,b", ...]`.
pub fn rows(model: &Model, rel: &str) -> Vec<String> {
    let r = model
        .program()
        .relation(rel)
        .unwrap_or_else(|| panic!("no relation {rel}"));
    let mut out: Vec<String> = model
        .tuples(r)
        .map(|t| {
            t.iter()
                .map(|v| show(model.constant(*v)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    out.sort();
    out
}

/// The tuples of relations `r0`..`r{n-1}` of the generated integer programs (property
/// tests), per relation.
pub type Db = Vec<std::collections::BTreeSet<Vec<i64>>>;

/// A tuple of integers back from the model's values.
pub fn integers(model: &Model, tuple: &[grantlog::engine::Value]) -> Vec<i64> {
    tuple
        .iter()
        .map(|v| match model.constant(*v) {
            Const::Num(n) => *n,
            c => panic!("not an integer: {c:?}"),
        })
        .collect()
}

/// Every tuple of `r0`..`r{n-1}`.
pub fn integer_db(model: &Model, n: usize) -> Db {
    (0..n)
        .map(|r| {
            let rel = model.program().relation(&format!("r{r}")).unwrap();
            model.tuples(rel).map(|t| integers(model, t)).collect()
        })
        .collect()
}

/// Every tuple of every relation, by relation name: two models equal as sets.
pub fn all_tuples(
    m: &Model,
) -> Vec<(
    String,
    std::collections::BTreeSet<Vec<grantlog::syntax::ast::Const>>,
)> {
    m.program()
        .relations()
        .map(|r| {
            let set = m
                .tuples(r)
                .map(|t| t.iter().map(|&v| m.constant(v).clone()).collect())
                .collect();
            (m.program().relation_name(r).to_string(), set)
        })
        .collect()
}
