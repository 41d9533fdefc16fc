//! Incremental maintenance on the DataOS rules: random `:assert`, `:retract` (grants and
//! tenant roles) and `:undo` steps on generated instances, each compared with a model
//! evaluated from scratch from the same base facts; the provenance of every tuple a step
//! gained is checked as a proof (engine_proof), and so is a sample of the rest.

use crate::engine_proof;
use grantlog::engine::{Limits, Model, Value};
use grantlog::generate;
use grantlog::load::Text;
use grantlog::shipped;
use grantlog::syntax::ast::Const;
use grantlog::workspace::Workspace;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::sync::Arc;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn text_of(m: &Model, t: &[Value]) -> Vec<String> {
    t.iter()
        .map(|&v| match m.constant(v) {
            Const::Sym(s) => s.clone(),
            Const::Num(n) => n.to_string(),
        })
        .collect()
}

fn tuples(m: &Model, rel: &str) -> Vec<Vec<String>> {
    let r = m.program().relation(rel).unwrap();
    m.tuples(r).map(|t| text_of(m, t)).collect()
}

/// Every relation as sets of rendered tuples.
fn all(m: &Model) -> Vec<(String, BTreeSet<Vec<String>>)> {
    m.program()
        .relations()
        .map(|r| {
            let name = m.program().relation_name(r).to_string();
            let set = m.tuples(r).map(|t| text_of(m, t)).collect();
            (name, set)
        })
        .collect()
}

/// The same base facts, evaluated from scratch.
fn from_scratch(m: &Model) -> Model {
    let mut fresh = Model::new(Arc::clone(m.program_arc()));
    for r in m.program().relations() {
        let facts: Vec<Vec<Const>> = m
            .base_facts(r)
            .map(|(t, _)| t.iter().map(|&v| m.constant(v).clone()).collect())
            .collect();
        for f in facts {
            let values: Vec<Value> = f.iter().map(|c| fresh.intern(c)).collect();
            fresh.add_fact(r, &values, Default::default());
        }
    }
    fresh.evaluate(&Limits::default()).unwrap();
    fresh
}

fn raw(rel: &str, t: &[String]) -> String {
    format!("{rel}({}).", t.join(", "))
}

fn check(seed: u64, users: usize) {
    let text = generate::instance(seed, users);
    let mut ws = Workspace::open(
        &shipped::rules(),
        &[Text::new("generated.facts", text)],
        &Limits::default(),
    )
    .unwrap_or_else(|_| panic!("seed {seed}: the instance loads"));
    let mut rng = Rng(seed | 1);
    let mut log = Vec::new();
    for step in 0..8 {
        let grants = tuples(&ws.model, "grant");
        let roles = tuples(&ws.model, "tenant_role");
        let people: Vec<Vec<String>> = tuples(&ws.model, "user");
        let what = match rng.below(4) {
            0 if !grants.is_empty() && !people.is_empty() => {
                // Someone else's grant, to another user.
                let mut g = grants[rng.below(grants.len())].clone();
                g[2] = people[rng.below(people.len())][0].clone();
                let t = raw("grant", &g);
                (format!(":assert {t}"), ws.assert("<step>", &t))
            }
            1 if !grants.is_empty() => {
                let t = raw("grant", &grants[rng.below(grants.len())]);
                (format!(":retract {t}"), ws.retract("<step>", &t))
            }
            2 if !roles.is_empty() => {
                let t = raw("tenant_role", &roles[rng.below(roles.len())]);
                (format!(":retract {t}"), ws.retract("<step>", &t))
            }
            _ => match ws.undo() {
                Some(r) => (":undo".to_string(), r),
                None => continue,
            },
        };
        log.push(what.0.clone());
        let at = format!("seed {seed}, {users} users, step {step}: {log:#?}");
        let delta = match what.1 {
            Ok(d) => d,
            // A grant by someone with no right to grant, say, is refused; nothing changed.
            Err(_) => continue,
        };
        assert_eq!(all(&ws.model), all(&from_scratch(&ws.model)), "{at}");
        let m = &ws.model;
        for (rel, t) in &delta.gained {
            let r = m.program().relation(rel).unwrap();
            let values: Vec<Value> = t.iter().map(|c| m.symbols().get(c).unwrap()).collect();
            engine_proof::check(m, r, &values).unwrap_or_else(|e| panic!("{at}: {e}"));
        }
        for r in m.program().relations() {
            let sample: Vec<Vec<Value>> = m.tuples(r).take(3).map(|t| t.to_vec()).collect();
            for t in sample {
                engine_proof::check(m, r, &t).unwrap_or_else(|e| panic!("{at}: {e}"));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn assert_retract_undo_on_dataos_equal_from_scratch(seed in any::<u64>(), users in 10usize..20) {
        check(seed, users);
    }
}
