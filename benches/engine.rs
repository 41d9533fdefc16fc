//! The interpreter beside the same rules compiled with crepe, on the same facts, in the
//! same process. Each measurement includes loading the base facts (crepe's `extend`, our
//! `add_fact`) and evaluating to the fixpoint; interning is done before timing for us
//! and is not needed by crepe (its facts are already `u32`).
//!
//! Run: `cargo bench --bench engine` (all sizes) or `cargo bench --bench engine -- 100k`.

#[path = "support/crepe_programs.rs"]
mod crepe_programs;
#[path = "support/workload.rs"]
mod workload;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use grantlog::engine::{Limits, Model, Value};
use grantlog::load::compile_texts;
use grantlog::program::{Program, RelId};
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use std::sync::Arc;

fn program(name: &str, text: &str) -> Arc<Program> {
    let mut sources = SourceMap::new();
    let (program, _warnings) =
        compile_texts(&mut sources, &[(name, text)]).unwrap_or_else(|d| panic!("{d:?}"));
    Arc::new(program)
}

fn constant(id: u32) -> Const {
    match workload::constant_name(id) {
        Some(name) => Const::Sym(name.to_string()),
        None => Const::Num(i64::from(id)),
    }
}

/// A fresh model with every fact interned, ready for `add_fact`.
fn prepared(
    program: &Arc<Program>,
    facts: &[(&'static str, Vec<u32>)],
) -> (Model, Vec<(RelId, Vec<Value>)>) {
    let mut model = Model::new(program.clone());
    let rows = facts
        .iter()
        .map(|(rel, row)| {
            let rel = program.relation(rel).expect("relation of the workload");
            (
                rel,
                row.iter().map(|&v| model.intern(&constant(v))).collect(),
            )
        })
        .collect();
    (model, rows)
}

fn run(mut model: Model, rows: Vec<(RelId, Vec<Value>)>) -> Model {
    for (rel, row) in &rows {
        model.add_fact(*rel, row, Span::default());
    }
    model.evaluate(&Limits::default()).expect("evaluation");
    model
}

fn access_control(c: &mut Criterion) {
    let program = program("access.dl", include_str!("access.dl"));
    let mut group = c.benchmark_group("access_control");
    group.sample_size(10);
    for (label, size) in [("10k", 10_000), ("100k", 100_000), ("1M", 1_000_000)] {
        let w = workload::access(size, 7);
        let facts = w.facts();
        group.bench_with_input(BenchmarkId::new("crepe", label), &w, |b, w| {
            b.iter(|| crepe_programs::access::run(w))
        });
        group.bench_with_input(BenchmarkId::new("grantlog", label), &facts, |b, facts| {
            b.iter_batched(
                || prepared(&program, facts),
                |(model, rows)| run(model, rows),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn transitive_closure(c: &mut Criterion) {
    let program = program(
        "closure.dl",
        ".decl edge(from, to)\n.decl path(from, to)\n\
         path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n",
    );
    let mut group = c.benchmark_group("transitive_closure");
    group.sample_size(10);
    // Random graphs whose closures hold ~1.4M and ~1.7M paths (tens to hundreds of ms).
    for (nodes, edges) in [(2_000u32, 3_000usize), (4_000, 5_000)] {
        let g = workload::graph(nodes, edges, 11);
        let facts: Vec<(&'static str, Vec<u32>)> =
            g.iter().map(|&(a, b)| ("edge", vec![a, b])).collect();
        let label = format!("{nodes}n{edges}e");
        group.bench_with_input(BenchmarkId::new("crepe", &label), &g, |b, g| {
            b.iter(|| crepe_programs::closure::run(g))
        });
        group.bench_with_input(BenchmarkId::new("grantlog", &label), &facts, |b, facts| {
            b.iter_batched(
                || prepared(&program, facts),
                |(model, rows)| run(model, rows),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, access_control, transitive_closure);
criterion_main!(benches);
