//! `Model::beside` (what `grantlog diff` evaluates the NEW rules with): strata the rule
//! change does not touch are taken over from the old model, the rest evaluated. Random
//! programs with one rule dropped, added or both, against the naive evaluator, proofs
//! checked; and the two shipped S13 readings on a generated DataOS instance against
//! opening the new rules from scratch.

use crate::engine_common::integer_db;
use crate::engine_proof;
use crate::engine_props::{ast, generate_with, naive, name};
use grantlog::engine::{Limits, Model};
use grantlog::load::Text;
use grantlog::program::Program;
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use grantlog::workspace::Workspace;
use proptest::prelude::*;
use std::sync::Arc;

fn model(g: &crate::engine_props::Gen) -> Model {
    let mut sources = SourceMap::new();
    sources.add("gen.dl", "");
    let (program, _) = Program::compile(&sources, &[ast(g)]).unwrap_or_else(|d| panic!("{d:#?}"));
    let mut m = Model::new(Arc::new(program));
    for (r, t) in &g.facts {
        let rel = m.program().relation(&name(*r)).unwrap();
        let t: Vec<_> = t.iter().map(|x| m.intern(&Const::Num(*x))).collect();
        m.add_fact(rel, &t, Span::default());
    }
    m.evaluate(&Limits::default()).unwrap();
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
    let mut beside = Model::beside(&old_model, Arc::new(program)).expect("same relations");
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
fn the_s13_readings_beside_each_other_equal_opening_from_scratch() {
    let facts = [Text::new("g.facts", grantlog::generate::instance(3, 60))];
    let limits = Limits::default();
    let shipped = grantlog::shipped::rules();
    let broad = vec![Text::new(
        "rules/dataos-s13-broad.dl",
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/dataos-s13-broad.dl"
        ))
        .unwrap(),
    )];
    let old = Workspace::open(&shipped, &facts, &limits).ok().unwrap();
    let beside = Workspace::open_beside(&old, &broad, &limits)
        .expect("the readings match up")
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
