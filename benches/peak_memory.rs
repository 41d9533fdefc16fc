//! One engine, one workload, one process: prints the wall time of loading + evaluating and
//! the peak resident set (`VmHWM`). Run each engine in its own process:
//!
//! ```text
//! cargo bench --bench peak_memory -- grantlog access 1000000
//! cargo bench --bench peak_memory -- crepe access 1000000
//! cargo bench --bench peak_memory -- none access 1000000     # the workload alone
//! cargo bench --bench peak_memory -- grantlog closure 2000 2400
//! ```
//!
//! Both engines read the generated workload directly (grantlog interns and adds one fact
//! at a time), so the baseline (`none`) is the same for both.

#[path = "support/crepe_programs.rs"]
mod crepe_programs;
#[allow(dead_code)]
#[path = "support/workload.rs"]
mod workload;

use grantlog::engine::{Limits, Model};
use grantlog::load::compile_texts;
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use std::sync::Arc;
use std::time::Instant;

const CLOSURE: &str = ".decl edge(from, to)\n.decl path(from, to)\n\
    path(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n";

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn model(text: &str) -> Model {
    let mut sources = SourceMap::new();
    let (program, _) = compile_texts(&mut sources, &[("rules.dl", text)]).expect("compiles");
    Model::new(Arc::new(program))
}

fn add(m: &mut Model, rel: &str, row: &[u32]) {
    let rel = m.program().relation(rel).expect("declared");
    let mut values = [grantlog::engine::Value(0); 4];
    for (v, &id) in values.iter_mut().zip(row) {
        *v = m.intern(&match workload::constant_name(id) {
            Some(name) => Const::Sym(name.to_string()),
            None => Const::Num(i64::from(id)),
        });
    }
    m.add_fact(rel, &values[..row.len()], Span::default());
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.len() < 2 {
        eprintln!("usage: peak_memory grantlog|crepe|none access SIZE | closure NODES EDGES");
        return;
    }
    let num =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let before = vm_hwm_kib();
    let started;
    let result: usize;
    match args[1].as_str() {
        "access" => {
            let w = workload::access(num(2, 1_000_000), 7);
            started = Instant::now();
            result = match args[0].as_str() {
                "crepe" => crepe_programs::access::run(&w).iter().sum(),
                "grantlog" => {
                    let mut m = model(include_str!("access.dl"));
                    for &(a, b, c) in &w.member {
                        add(&mut m, "member", &[a, b, c]);
                    }
                    for &(a, b, c) in &w.resource {
                        add(&mut m, "resource", &[a, b, c]);
                    }
                    for &a in &w.workload {
                        add(&mut m, "workload", &[a]);
                    }
                    for &(a, b) in &w.depends {
                        add(&mut m, "depends", &[a, b]);
                    }
                    for &(a, b, c, d) in &w.grant {
                        add(&mut m, "grant", &[a, b, c, d]);
                    }
                    m.evaluate(&Limits::default()).expect("evaluates");
                    m.derived_count()
                }
                _ => w.len(),
            };
        }
        "closure" => {
            let g = workload::graph(num(2, 2000) as u32, num(3, 2400), 11);
            started = Instant::now();
            result = match args[0].as_str() {
                "crepe" => crepe_programs::closure::run(&g),
                "grantlog" => {
                    let mut m = model(CLOSURE);
                    for &(a, b) in &g {
                        add(&mut m, "edge", &[a, b]);
                    }
                    m.evaluate(&Limits::default()).expect("evaluates");
                    m.derived_count()
                }
                _ => g.len(),
            };
        }
        other => panic!("unknown workload {other}"),
    }
    let elapsed = started.elapsed();
    println!(
        "engine={} workload={} result={} time_ms={:.1} vmhwm_before_kib={} vmhwm_kib={}",
        args[0],
        args[1..].join(" "),
        result,
        elapsed.as_secs_f64() * 1e3,
        before,
        vm_hwm_kib()
    );
}
