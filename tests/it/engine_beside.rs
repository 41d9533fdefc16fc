//! `Model::beside` (what `grantlog diff` evaluates the NEW rules with): strata the rule
//! change does not touch are taken over from the old model, the rest evaluated. Random
//! programs with one rule dropped, added or both, against the naive evaluator, proofs
//! checked; and the two shipped S13 readings on a generated DataOS instance against
//! opening the new rules from scratch.

use crate::engine_common::integer_db;
use crate::engine_proof;
use crate::engine_props::{ast, generate_with, naive, name};
use grantlog::engine::{Limits, Model, Value};
use grantlog::load::Text;
use grantlog::program::Program;
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use grantlog::workspace::Workspace;
use proptest::prelude::*;
use std::sync::Arc;

fn model(g: &crate::engine_props::Gen) -> Model {
    let mut m = loaded(g);
    m.evaluate(&Limits::default()).unwrap();
    m
}

/// The facts of `g` loaded, not evaluated.
fn loaded(g: &crate::engine_props::Gen) -> Model {
    let mut sources = SourceMap::new();
    sources.add("gen.dl", "");
    let (program, _) = Program::compile(&sources, &[ast(g)]).unwrap_or_else(|d| panic!("{d:#?}"));
    let mut m = Model::new(Arc::new(program));
    for (r, t) in &g.facts {
        let rel = m.program().relation(&name(*r)).unwrap();
        let t: Vec<_> = t.iter().map(|x| m.intern(&Const::Num(*x))).collect();
        m.add_fact(rel, &t, Span::default());
    }
    m
}

fn check(seed: u64) {
    let old = generate_with(seed, 7, 9);
    let other = generate_with(seed.rotate_left(31), 7, 9);
    let mut new = generate_with(seed, 7, 9);
    let k = (seed % 3) as usize;
    if k != 1 && new.rules.len() > 1 {
        new.rules.remove((seed as usize / 3) % new.rules.len());
    }
    // A rule of another program fits when its relations exist here with its levels.
    if k != 0 {
        if let Some(r) = other.rules.iter().find(|r| {
            let fits = |a: &crate::engine_props::GenAtom| {
                a.0 < new.arity.len() && new.arity[a.0] == other.arity[a.0]
            };
            fits(&r.head) && r.pos.iter().all(fits) && r.neg.iter().all(fits)
        }) {
            new.rules.push(r.clone());
        }
    }
    let old_model = model(&old);
    let mut sources = SourceMap::new();
    sources.add("gen.dl", "");
    let (program, _) =
        Program::compile(&sources, &[ast(&new)]).unwrap_or_else(|d| panic!("{d:#?}"));
    let program = Arc::new(program);
    let mut beside = Model::beside(&old_model, Arc::clone(&program)).expect("same relations");
    beside.evaluate(&Limits::default()).unwrap();
    let n = new.arity.len();
    assert_eq!(
        integer_db(&beside, n),
        naive(&new),
        "seed {seed}: {:#?}",
        new.rules
    );
    if let Err(e) = engine_proof::check_all(&beside) {
        panic!("seed {seed}: {e}");
    }
    changed_rows_are_the_changes(&old_model, &beside, seed);
    // The same, built before the old model is evaluated and evaluated while it is (on
    // another thread, taking each old stratum over as it is finished).
    let mut old_loaded = loaded(&old);
    let feed = Arc::new(old_loaded.feed());
    let mut fed = Model::beside_feed(&old_loaded, program, Arc::clone(&feed)).expect("same");
    std::thread::scope(|s| {
        let new_side = s.spawn(|| fed.evaluate(&Limits::default()).map(|_| ()));
        old_loaded
            .evaluate_feeding(&Limits::default(), &feed)
            .unwrap();
        new_side.join().unwrap().unwrap();
    });
    assert_eq!(integer_db(&fed, n), naive(&new), "seed {seed}: fed");
    assert_eq!(
        integer_db(&old_loaded, old.arity.len()),
        naive(&old),
        "seed {seed}: old"
    );
    if let Err(e) = engine_proof::check_all(&fed) {
        panic!("seed {seed}: fed: {e}");
    }
}

/// What `Model::changed_rows` offers, looked up as `grantlog diff` does, is exactly each
/// relation's set difference both ways.
fn changed_rows_are_the_changes(old: &Model, new: &Model, seed: u64) {
    use std::collections::BTreeSet;
    let set =
        |m: &Model, r| -> BTreeSet<Vec<Value>> { m.tuples(r).map(<[Value]>::to_vec).collect() };
    for r in new.program().relations() {
        let Some(ro) = old.program().relation(new.program().relation_name(r)) else {
            continue;
        };
        let Some(c) = new.changed_rows(r, old, ro) else {
            continue;
        };
        let gained: BTreeSet<Vec<Value>> = c
            .gained
            .iter()
            .map(|&id| new.row(r, id).to_vec())
            .filter(|t| c.gained_exact || !old.contains(ro, t))
            .collect();
        let lost: BTreeSet<Vec<Value>> = c
            .lost
            .iter()
            .map(|&id| old.row(ro, id).to_vec())
            .filter(|t| !new.contains(r, t))
            .collect();
        let (now, before) = (set(new, r), set(old, ro));
        assert_eq!(gained, &now - &before, "seed {seed}: gained in {r:?}");
        assert_eq!(lost, &before - &now, "seed {seed}: lost in {r:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_model_beside_another_equals_the_new_program_from_scratch(seed in any::<u64>()) {
        check(seed);
    }
}

#[test]
fn an_unchanged_program_is_taken_over_whole() {
    let g = generate_with(7, 7, 9);
    let old = model(&g);
    let mut beside = Model::beside(&old, Arc::clone(old.program_arc())).unwrap();
    let stats = beside.evaluate(&Limits::default()).unwrap();
    assert_eq!(stats.derived, 0, "nothing derived again");
    assert_eq!(
        integer_db(&beside, g.arity.len()),
        integer_db(&old, g.arity.len())
    );
}

#[test]
fn the_s13_readings_are_not_built_beside_each_other_when_the_history_reads_otherwise() {
    // Under the broad reading a Data Admin manages access on every resource, so her
    // revocations that the shipped rules refused take effect: the grants and revocations
    // must be applied again under the new rules (the ordered reading), not taken over.
    let facts = [Text::new("g.facts", grantlog::generate::instance(3, 60))];
    let limits = Limits::default();
    let old = Workspace::open(&grantlog::shipped::rules(), &facts, &limits)
        .ok()
        .unwrap();
    let broad = vec![Text::new(
        "rules/dataos-s13-broad.dl",
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/dataos-s13-broad.dl"
        ))
        .unwrap(),
    )];
    assert!(Workspace::open_beside(&old, &broad, &limits).is_none());
}

#[test]
fn a_rule_change_above_the_rights_is_built_beside_and_equals_opening_from_scratch() {
    let facts = [Text::new("g.facts", grantlog::generate::instance(3, 60))];
    let limits = Limits::default();
    let shipped = grantlog::shipped::rules();
    // A broader reading of use (Can Edit also lets one use): it changes `can_use` and
    // what reads it, nothing the rights of grants and revocations rest on.
    let mut text = shipped[0].text.clone();
    text.push_str("\n@edit_also_uses\ncan_use(U, T, R) :- permission(U, T, R, can_edit).\n");
    let broad = vec![Text::new(shipped[0].name.clone(), text)];
    let old = Workspace::open(&shipped, &facts, &limits).ok().unwrap();
    let beside = Workspace::open_beside(&old, &broad, &limits)
        .expect("the rule sets match up")
        .ok()
        .unwrap();
    let fresh = Workspace::open(&broad, &facts, &limits).ok().unwrap();
    let all = |m: &Model| -> Vec<(String, std::collections::BTreeSet<Vec<Const>>)> {
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
    };
    assert_eq!(all(&beside.model), all(&fresh.model));
    let can_use = |m: &Model| m.program().relation("can_use").unwrap();
    assert!(
        (beside.model)
            .changed_rows(can_use(&beside.model), &old.model, can_use(&old.model))
            .is_some_and(|c| !c.gained.is_empty()),
        "can_use's changes are read off the rows taken over"
    );
    changed_rows_are_the_changes(&old.model, &beside.model, 0);
    // Proofs: a few tuples of every relation (all of them take minutes in a debug build).
    let m = &beside.model;
    for r in m.program().relations() {
        let sample: Vec<Vec<grantlog::engine::Value>> =
            m.tuples(r).take(4).map(|t| t.to_vec()).collect();
        for t in sample {
            engine_proof::check(m, r, &t).unwrap();
        }
    }
    assert_ne!(
        all(&old.model),
        all(&fresh.model),
        "the readings differ on this instance"
    );
}

const CHAIN: &str = ".decl e(a: number, b: number)
.decl f(a: number, b: number)
.decl p(a: number, b: number)
.decl n(a: number)
.decl lonely(a: number)
n(X) :- e(X, _).
n(X) :- e(_, X).
p(X, Y) :- e(X, Y).
p(X, Z) :- p(X, Y), e(Y, Z).
lonely(X) :- n(X), !p(X, _).
f(7, 1). f(100, 500).
";

/// `CHAIN` with one more rule for `p`, over a chain of 80 edges.
fn chain(extra_rule: &str) -> String {
    let edges: String = (1..=80).map(|i| format!("e({i}, {}). ", i + 1)).collect();
    format!("{CHAIN}{extra_rule}\n{edges}\n")
}

/// Every relation's tuples, rendered.
fn every_row(m: &Model) -> Vec<(String, Vec<String>)> {
    m.program()
        .relations()
        .map(|r| {
            let name = m.program().relation_name(r).to_string();
            let rows = crate::engine_common::rows(m, &name);
            (name, rows)
        })
        .collect()
}

#[test]
fn a_changed_rule_is_maintained_from_the_old_fixpoint_not_recomputed() {
    // The recursive stratum of `p` loses a rule (whose tuple p(7, 1) reached 1..=6 from
    // 7) and gains one (p(100, 500)); `lonely`, above it, negates `p`.
    let (old, _) = crate::engine_common::evaluated(&chain("p(X, Y) :- f(X, Y), X < 50."));
    let new_text = chain("p(X, Y) :- f(X, Y), X > 50.");
    let mut sources = SourceMap::new();
    let (program, _) = crate::engine_common::program(&mut sources, &new_text);
    let mut beside = Model::beside(&old, Arc::clone(&program)).expect("same relations");
    let stats = beside.evaluate(&Limits::default()).unwrap();
    let mut fresh = Model::new(program);
    let from_scratch = fresh.evaluate(&Limits::default()).unwrap();
    assert_eq!(every_row(&beside), every_row(&fresh));
    assert!(crate::engine_common::rows(&beside, "p").contains(&"100,500".to_string()));
    assert!(!crate::engine_common::rows(&beside, "p").contains(&"7,1".to_string()));
    engine_proof::check_all(&beside).unwrap();
    // p has 3,240 tuples. Delete and rederive kills what p(7, 1) reached (p(7, 2..=81)),
    // rederives p(7, 8..=81) through the chain, and adds p(100, 500): 75 derivations.
    assert!(
        stats.derived < 100 && from_scratch.derived > 3_000,
        "derived {} beside, {} from scratch",
        stats.derived,
        from_scratch.derived
    );
}

#[test]
fn a_model_fed_by_an_evaluation_that_stops_at_a_limit_stops_too_and_recovers() {
    // The old evaluation stops at a tuple limit (p alone has 3,240 tuples): the new one,
    // waiting for p, stops too instead of waiting forever, and a later evaluation
    // completes it from its base facts.
    let mut sources = SourceMap::new();
    let (old_program, _) =
        crate::engine_common::program(&mut sources, &chain("p(X, Y) :- f(X, Y), X < 50."));
    let (program, _) =
        crate::engine_common::program(&mut sources, &chain("p(X, Y) :- f(X, Y), X > 50."));
    let mut old = Model::new(old_program);
    let feed = Arc::new(old.feed());
    let mut fed = Model::beside_feed(&old, Arc::clone(&program), Arc::clone(&feed)).unwrap();
    let tight = Limits {
        max_tuples: Some(500),
        ..Limits::default()
    };
    std::thread::scope(|s| {
        let new_side = s.spawn(|| fed.evaluate(&Limits::default()).map(|_| ()));
        assert!(old.evaluate_feeding(&tight, &feed).is_err());
        assert!(
            new_side.join().unwrap().is_err(),
            "stopped with the old side"
        );
    });
    fed.evaluate(&Limits::default()).unwrap();
    let mut fresh = Model::new(program);
    fresh.evaluate(&Limits::default()).unwrap();
    assert_eq!(every_row(&fed), every_row(&fresh));
    engine_proof::check_all(&fed).unwrap();
}

/// Five thousand `src` facts; `big` holds those below `bound`, `out` the `small` ones
/// that are not big.
fn negation_program(bound: i64) -> String {
    let src: String = (0..5000).map(|i| format!("src({i}). ")).collect();
    format!(
        ".decl src(a: number)\n.decl big(a: number)\n.decl small(a: number)\n\
         .decl out(a: number)\n.decl twice(a: number)\n\
         big(X) :- src(X), X < {bound}.\nout(X) :- small(X), !big(X).\n\
         twice(X) :- out(X), small(X).\n\
         small(1). small(4000). small(6000).\n{src}\n"
    )
}

#[test]
fn a_small_stratum_negating_a_relation_that_gained_thousands_is_computed_again_rightly() {
    // `big` gains 4,990 tuples (beside: the rule's bound changes): more seeds for `out`
    // than it has rows to scan, so `out` is computed again rather than over-deleted from
    // each gain; it must still lose out(4000), and keep proofs and the layer above right.
    let (old, _) = crate::engine_common::evaluated(&negation_program(10));
    assert_eq!(crate::engine_common::rows(&old, "out"), ["4000", "6000"]);
    let mut sources = SourceMap::new();
    let (program, _) = crate::engine_common::program(&mut sources, &negation_program(5000));
    let mut beside = Model::beside(&old, Arc::clone(&program)).expect("same relations");
    beside.evaluate(&Limits::default()).unwrap();
    assert_eq!(crate::engine_common::rows(&beside, "out"), ["6000"]);
    assert_eq!(crate::engine_common::rows(&beside, "twice"), ["6000"]);
    let mut fresh = Model::new(program);
    fresh.evaluate(&Limits::default()).unwrap();
    assert_eq!(every_row(&beside), every_row(&fresh));
    engine_proof::check_all(&beside).unwrap();
}

#[test]
fn facts_that_flip_a_negation_thousands_of_times_are_maintained_and_rolled_back() {
    // The same shape by facts: `big` gains 4,990 tuples in one change, inside a
    // transaction; the model equals a fresh one, then rolls back to exactly the old one.
    let (mut m, _) = crate::engine_common::evaluated(&negation_program(10));
    let before = every_row(&m);
    let src = m.program().relation("src").unwrap();
    let big = m.program().relation("big").unwrap();
    m.begin();
    for i in 10..5000 {
        let v = m.intern(&Const::Num(i));
        m.add_fact(big, &[v], Span::default());
    }
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(crate::engine_common::rows(&m, "out"), ["6000"]);
    engine_proof::check_all(&m).unwrap();
    m.rollback();
    assert_eq!(every_row(&m), before);
    engine_proof::check_all(&m).unwrap();
    // And retracting most of what `out` negates brings tuples back through the negation.
    m.begin();
    let one = m.intern(&Const::Num(1));
    assert!(m.retract_fact(src, &[one]));
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(crate::engine_common::rows(&m, "out"), ["1", "4000", "6000"]);
    engine_proof::check_all(&m).unwrap();
    m.commit();
}
