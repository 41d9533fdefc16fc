//! The interpreter against the crepe encoding of the same rules (the benchmark peer), on
//! generated workloads: every derived relation must have the same size.

#[path = "../../benches/support/crepe_programs.rs"]
mod crepe_programs;
#[path = "../../benches/support/workload.rs"]
mod workload;

use grantlog::engine::{Limits, Model};
use grantlog::load::compile_texts;
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use std::sync::Arc;

fn interpret(rules: &str, facts: &[(&'static str, Vec<u32>)]) -> Model {
    let mut sources = SourceMap::new();
    let (program, _) = compile_texts(&mut sources, &[("rules.dl", rules)]).expect("rules compile");
    let program = Arc::new(program);
    let mut model = Model::new(program.clone());
    for (rel, row) in facts {
        let rel = program.relation(rel).expect("declared");
        let row: Vec<_> = row
            .iter()
            .map(|&v| match workload::constant_name(v) {
                Some(n) => model.intern(&Const::Sym(n.into())),
                None => model.intern(&Const::Num(v.into())),
            })
            .collect();
        model.add_fact(rel, &row, Span::default());
    }
    model.evaluate(&Limits::default()).expect("evaluates");
    model
}

#[test]
fn access_workload_matches_crepe_relation_by_relation() {
    let w = workload::access(20_000, 3);
    let n = w.len();
    assert!((16_000..24_000).contains(&n), "{n} base facts");
    let crepe = crepe_programs::access::run(&w);
    let model = interpret(include_str!("../../benches/access.dl"), &w.facts());
    let names = [
        "can_manage",
        "effective",
        "can_use",
        "runs_as",
        "missing",
        "blocked",
        "runnable",
    ];
    let ours: Vec<usize> = names
        .iter()
        .map(|n| model.len(model.program().relation(n).unwrap()))
        .collect();
    assert_eq!(ours, crepe.to_vec(), "sizes of {names:?}");
    // The workload must exercise every rule: ineffective grants, blocked and runnable workloads.
    let [_, effective, _, _, missing, blocked, runnable] = crepe;
    assert!(
        effective < w.grant.len() && missing > 0 && blocked > 0 && runnable > 0,
        "{crepe:?}"
    );
}

#[test]
fn transitive_closure_matches_crepe() {
    let g = workload::graph(300, 360, 5);
    let facts: Vec<_> = g.iter().map(|&(a, b)| ("edge", vec![a, b])).collect();
    let model = interpret(
        ".decl edge(a, b)\n.decl path(a, b)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n",
        &facts,
    );
    let path = model.program().relation("path").unwrap();
    assert_eq!(model.len(path), crepe_programs::closure::run(&g));
    assert!(
        model.len(path) > g.len(),
        "the graph must have non-trivial paths"
    );
}
