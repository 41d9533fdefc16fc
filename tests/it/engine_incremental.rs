//! Provenance, limits, and incremental evaluation against from-scratch results.
use crate::engine_common;
use engine_common::*;
use grantlog::engine::{EvalError, Limits, Model, Origin};
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use std::time::Duration;

const CLOSURE: &str = ".decl edge(a, b) .decl path(a, b)
edge(a, b). edge(b, c).
@step
path(X, Z) :- edge(X, Y), path(Y, Z).
@base
path(X, Y) :- edge(X, Y).";

fn sym(m: &mut Model, s: &str) -> grantlog::engine::Value {
    m.intern(&Const::Sym(s.into()))
}

#[test]
fn provenance_records_rule_round_and_base_spans() {
    let (mut m, sources) = evaluated(CLOSURE);
    let (a, b, c) = (sym(&mut m, "a"), sym(&mut m, "b"), sym(&mut m, "c"));
    let p = m.program().relation("path").unwrap();
    let e = m.program().relation("edge").unwrap();
    let Some(Origin::Base(span)) = m.origin(e, &[a, b]) else {
        panic!()
    };
    assert_eq!(sources.snippet(span), "edge(a, b).");
    let Some(Origin::Derived {
        rule: r1,
        round: round1,
    }) = m.origin(p, &[a, b])
    else {
        panic!()
    };
    let Some(Origin::Derived {
        rule: r2,
        round: round2,
    }) = m.origin(p, &[a, c])
    else {
        panic!()
    };
    assert_eq!(m.program().rule_info(r1).name, "base");
    assert_eq!(m.program().rule_info(r2).name, "step");
    assert!(round2 > round1);
    assert_eq!(m.origin(p, &[c, a]), None);
    assert!(m.contains(p, &[a, c]) && !m.contains(p, &[c, a]));
    assert_eq!(m.len(p), 3);
}

#[test]
fn tuple_limit_stops_and_can_be_raised() {
    let mut sources = SourceMap::new();
    let mut text = String::from(".decl edge(a, b) .decl path(a, b)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- edge(X, Y), path(Y, Z).\n");
    for i in 0..30 {
        text.push_str(&format!("edge(n{i}, n{}).\n", i + 1));
    }
    let (p, _) = program(&mut sources, &text);
    let mut m = Model::new(p);
    let err = m
        .evaluate(&Limits {
            max_tuples: Some(100),
            timeout: None,
        })
        .unwrap_err();
    assert_eq!(err, EvalError::TupleLimit { limit: 100 });
    let d = err.to_diagnostic();
    assert_eq!(d.code, "E0401");
    assert!(d.help.unwrap().contains("--max-tuples"));
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(rows(&m, "path").len(), 30 * 31 / 2);
}

#[test]
fn time_limit_stops() {
    let mut sources = SourceMap::new();
    let mut text = String::from(".decl edge(a, b) .decl path(a, b)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), path(Y, Z).\n");
    for i in 0..150 {
        text.push_str(&format!("edge({i}, {}).\n", i + 1));
    }
    let (p, _) = program(&mut sources, &text);
    let mut m = Model::new(p);
    let err = m
        .evaluate(&Limits {
            max_tuples: None,
            timeout: Some(Duration::ZERO),
        })
        .unwrap_err();
    assert!(matches!(err, EvalError::Timeout { .. }));
    assert_eq!(err.to_diagnostic().code, "E0402");
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(rows(&m, "path").len(), 150 * 151 / 2);
}

const NEGATION: &str = ".decl node(n) .decl edge(a, b) .decl reach(n) .decl unreached(n) .decl grant(u, r) .decl ok(u, r)
node(a). node(b). node(c). node(d).
edge(a, b).
reach(a).
reach(Y) :- reach(X), edge(X, Y).
unreached(N) :- node(N), !reach(N).
ok(U, R) :- grant(U, R), !unreached(R).
grant(ann, a). grant(ann, c). grant(bob, d).";

/// Adds facts one by one to an evaluated model, evaluating after each, and compares with
/// a model that got all of them before its first evaluation.
fn incremental_matches_scratch(rules: &str, facts: &[(&str, &[&str])]) {
    let (mut inc, _) = evaluated(rules);
    let mut all = String::from(rules);
    for (rel, args) in facts {
        let r = inc.program().relation(rel).unwrap();
        let t: Vec<_> = args.iter().map(|a| sym(&mut inc, a)).collect();
        assert!(inc.add_fact(r, &t, Span::default()));
        assert!(!inc.add_fact(r, &t, Span::default()));
        inc.evaluate(&Limits::default()).unwrap();
        all.push_str(&format!("\n{rel}({}).", args.join(", ")));
        let (scratch, _) = evaluated(&all);
        for rel in scratch.program().relation_names() {
            assert_eq!(
                rows(&inc, rel),
                rows(&scratch, rel),
                "{rel} after adding {args:?}"
            );
        }
    }
}

#[test]
fn incremental_positive_facts_continue_the_fixpoint() {
    incremental_matches_scratch(
        CLOSURE,
        &[
            ("edge", &["c", "d"]),
            ("edge", &["d", "a"]),
            ("edge", &["x", "a"]),
        ],
    );
}

#[test]
fn incremental_facts_under_negation_recompute_affected_strata() {
    incremental_matches_scratch(
        NEGATION,
        &[
            ("edge", &["b", "c"]),
            ("grant", &["bob", "b"]),
            ("node", &["e"]),
            ("edge", &["c", "d"]),
            ("reach", &["e"]),
        ],
    );
}

#[test]
fn incremental_continuation_does_not_redo_work() {
    let (mut m, _) = evaluated(CLOSURE);
    let r = m.program().relation("edge").unwrap();
    let (c, d) = (sym(&mut m, "c"), sym(&mut m, "d"));
    m.add_fact(r, &[c, d], Span::default());
    let stats = m.evaluate(&Limits::default()).unwrap();
    assert_eq!(stats.derived, 3); // c-d, b-d, a-d
    let stats = m.evaluate(&Limits::default()).unwrap();
    assert_eq!((stats.derived, stats.rounds), (0, 0));
}

#[test]
fn a_derived_tuple_added_as_a_fact_becomes_base() {
    let (mut m, _) = evaluated(CLOSURE);
    let p = m.program().relation("path").unwrap();
    let (a, c) = (sym(&mut m, "a"), sym(&mut m, "c"));
    let span = Span::new(grantlog::source::FileId(0), 1, 2);
    assert!(!m.add_fact(p, &[a, c], span));
    assert_eq!(m.origin(p, &[a, c]), Some(Origin::Base(span)));
}
