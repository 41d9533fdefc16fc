//! Evaluation shared out over threads (issue 25, item 2): random programs (recursion,
//! negation strata, comparisons) evaluated from scratch and then maintained through
//! insertions and deletions, with 1, 2 and 4 threads and every round shared out however
//! small (`threads::with_threads_splitting_all`). After every step each relation must hold
//! the same rows in the same order, each with the same origin (rule and round): the same
//! model and the same proofs whatever the thread count. Also the DataOS worked example.

use crate::engine_common::integers;
use crate::engine_props::{ast, generate_with, name, DOMAIN};
use grantlog::engine::{Limits, Model, Origin};
use grantlog::program::Program;
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use proptest::prelude::*;
use std::sync::Arc;

/// Per relation, its live rows in row order with their origins.
type Snapshot = Vec<Vec<(Vec<i64>, Option<Origin>)>>;

fn snapshot(m: &Model, n: usize) -> Snapshot {
    (0..n)
        .map(|r| {
            let rel = m.program().relation(&name(r)).unwrap();
            m.tuples(rel)
                .map(|t| (integers(m, t), m.origin(rel, t)))
                .collect()
        })
        .collect()
}

/// The program of `seed` evaluated, then changed 6 times (random facts added and
/// removed), on a pool of `threads`: the model after each evaluation.
fn evaluations(seed: u64, threads: usize) -> Vec<Snapshot> {
    grantlog::threads::with_threads_splitting_all(threads, || {
        let g = generate_with(seed, 7, 9);
        let n = g.arity.len();
        let mut sources = SourceMap::new();
        sources.add("gen.dl", "");
        let (program, _) = Program::compile(&sources, &[ast(&g)]).unwrap();
        let mut m = Model::new(Arc::new(program));
        m.evaluate(&Limits::default()).unwrap();
        let mut out = vec![snapshot(&m, n)];
        let mut x = seed | 1;
        let mut below = |k: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % k as u64) as usize
        };
        let mut held: Vec<(usize, Vec<i64>)> = Vec::new();
        for _ in 0..6 {
            for _ in 0..below(4) {
                if held.is_empty() {
                    break;
                }
                let (r, t) = held.swap_remove(below(held.len()));
                let rel = m.program().relation(&name(r)).unwrap();
                let v: Vec<_> = t.iter().map(|&i| m.intern(&Const::Num(i))).collect();
                let _ = m.retract_fact(rel, &v);
            }
            for _ in 0..below(8) {
                let r = below(n);
                let t: Vec<i64> = (0..g.arity[r])
                    .map(|_| below(DOMAIN as usize) as i64)
                    .collect();
                if held.contains(&(r, t.clone())) {
                    continue;
                }
                let rel = m.program().relation(&name(r)).unwrap();
                let v: Vec<_> = t.iter().map(|&i| m.intern(&Const::Num(i))).collect();
                m.add_fact(rel, &v, Span::default());
                held.push((r, t));
            }
            m.evaluate(&Limits::default()).unwrap();
            out.push(snapshot(&m, n));
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_thread_count_gives_the_same_rows_rules_and_rounds(seed in any::<u64>()) {
        let one = evaluations(seed, 1);
        for threads in [2, 4] {
            let many = evaluations(seed, threads);
            for (step, (a, b)) in one.iter().zip(&many).enumerate() {
                prop_assert_eq!(a, b, "seed {} step {} with {} threads", seed, step, threads);
            }
        }
    }
}

/// A generated DataOS instance (every statement kind, grants applied in order, the
/// shipped rules' strata) opened with 1 and 2 threads, every round shared out: the same
/// rows, rules and rounds in every relation.
#[test]
fn a_dataos_instance_opens_alike_on_one_and_two_threads() {
    use grantlog::load::Text;
    use grantlog::workspace::Workspace;
    let facts = Text::new("gen.facts", grantlog::generate::instance(7, 60));
    let open = |threads| {
        grantlog::threads::with_threads_splitting_all(threads, || {
            let ws = Workspace::open(
                &grantlog::shipped::rules(),
                std::slice::from_ref(&facts),
                &Limits::default(),
            )
            .unwrap_or_else(|_| panic!("the generated instance opens"));
            let m = &ws.model;
            let mut out = Vec::new();
            for rel in m.program().relations() {
                for t in m.tuples(rel) {
                    let shown: Vec<String> = t.iter().map(|v| m.constant(*v).to_string()).collect();
                    out.push((rel, shown, format!("{:?}", m.origin(rel, t))));
                }
            }
            out
        })
    };
    let one = open(1);
    assert!(one.len() > 1000, "{} tuples", one.len());
    assert!(one == open(2), "the models differ");
}
