//! Retraction: `retract_fact` then `evaluate` must equal a model computed from scratch
//! without the fact, keep provenance well-founded, and leave earlier strata untouched.
use crate::engine_common;
use engine_common::*;
use grantlog::engine::{Limits, Model, Origin, Value};
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::Const;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const ACCESS: &str = ".decl edge(a, b) .decl path(a, b) .decl deny(a, b) .decl ok(a, b)
edge(a, b). edge(b, c). edge(c, d).
deny(a, c).
@base
path(X, Y) :- edge(X, Y).
@step
path(X, Z) :- edge(X, Y), path(Y, Z).
@ok
ok(X, Y) :- path(X, Y), !deny(X, Y).";

fn sym(m: &mut Model, s: &str) -> Value {
    m.intern(&Const::Sym(s.into()))
}

fn rounds_of(m: &Model, rel: &str) -> BTreeMap<Vec<Value>, Option<Origin>> {
    let r = m.program().relation(rel).unwrap();
    m.tuples(r).map(|t| (t.to_vec(), m.origin(r, t))).collect()
}

#[test]
fn retracting_a_negated_fact_recomputes_only_later_strata() {
    let (mut m, _) = evaluated(ACCESS);
    assert!(!rows(&m, "ok").contains(&"a,c".to_string()));
    let path_before = rounds_of(&m, "path");
    let (a, c) = (sym(&mut m, "a"), sym(&mut m, "c"));
    let deny = m.program().relation("deny").unwrap();
    assert!(m.retract_fact(deny, &[a, c]));
    assert!(!m.contains(deny, &[a, c]));
    assert!(!m.retract_fact(deny, &[a, c]), "already gone");
    let stats = m.evaluate(&Limits::default()).unwrap();
    // `ok` is not recursive: one round for its stratum, none for `path`.
    assert_eq!(stats.rounds, 1);
    assert_eq!(rounds_of(&m, "path"), path_before, "path untouched");
    assert!(rows(&m, "ok").contains(&"a,c".to_string()));
    assert_eq!(rows(&m, "ok"), rows(&m, "path"));
}

#[test]
fn retracting_an_edge_recomputes_its_readers() {
    let (mut m, _) = evaluated(ACCESS);
    let (b, c) = (sym(&mut m, "b"), sym(&mut m, "c"));
    let edge = m.program().relation("edge").unwrap();
    assert!(m.retract_fact(edge, &[b, c]));
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(rows(&m, "path"), ["a,b", "c,d"]);
    assert_eq!(rows(&m, "ok"), ["a,b", "c,d"]);
    assert_eq!(rows(&m, "edge"), ["a,b", "c,d"]);
    // Adding it back restores the first model.
    m.add_fact(edge, &[b, c], Span::default());
    m.evaluate(&Limits::default()).unwrap();
    let (fresh, _) = evaluated(ACCESS);
    for rel in ["edge", "path", "deny", "ok"] {
        assert_eq!(rows(&m, rel), rows(&fresh, rel), "{rel}");
    }
}

#[test]
fn derived_tuples_cannot_be_retracted_but_base_facts_that_rules_derive_can() {
    let text = format!("{ACCESS}\npath(a, c).");
    let mut sources = SourceMap::new();
    let (p, _) = program(&mut sources, &text);
    let mut m = Model::new(p);
    m.evaluate(&Limits::default()).unwrap();
    let (a, b, c, d) = (
        sym(&mut m, "a"),
        sym(&mut m, "b"),
        sym(&mut m, "c"),
        sym(&mut m, "d"),
    );
    let path = m.program().relation("path").unwrap();
    let facts: Vec<_> = m
        .base_facts(path)
        .map(|(t, span)| (t.to_vec(), sources.snippet(span).to_string()))
        .collect();
    assert_eq!(facts, [(vec![a, c], "path(a, c).".to_string())]);
    assert!(!m.retract_fact(path, &[a, b]), "only derived");
    assert!(!m.retract_fact(path, &[d, a]), "absent");
    assert!(m.contains(path, &[a, b]));
    assert!(matches!(m.origin(path, &[a, c]), Some(Origin::Base(_))));
    assert!(m.retract_fact(path, &[a, c]));
    assert!(!m.contains(path, &[a, c]));
    assert_eq!(m.base_facts(path).count(), 0);
    m.evaluate(&Limits::default()).unwrap();
    assert!(matches!(
        m.origin(path, &[a, c]),
        Some(Origin::Derived { .. })
    ));
    let edge = m.program().relation("edge").unwrap();
    let edges: Vec<_> = m.base_facts(edge).map(|(t, _)| t.to_vec()).collect();
    assert_eq!(edges, [vec![a, b], vec![b, c], vec![c, d]]);
}

#[test]
fn a_clone_is_independent() {
    let (mut m, _) = evaluated(ACCESS);
    let original = m.clone();
    let (a, b) = (sym(&mut m, "a"), sym(&mut m, "b"));
    let edge = m.program().relation("edge").unwrap();
    assert!(m.retract_fact(edge, &[a, b]));
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(rows(&original, "path").len(), 6);
    assert_eq!(rows(&m, "path"), ["b,c", "b,d", "c,d"]);
}

// Random stratified programs (text rules): retract some facts, compare with a model built
// from scratch without them, and check that every derived tuple has a derivation from
// premises of earlier rounds.

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[derive(Clone, Debug)]
struct GenRule {
    head: (usize, Vec<String>),
    pos: Vec<(usize, Vec<String>)>,
    neg: Vec<(usize, Vec<String>)>,
}

struct Gen {
    arity: Vec<usize>,
    rules: Vec<GenRule>,
    facts: Vec<(usize, Vec<i64>)>,
}

fn generate(seed: u64) -> Gen {
    let mut rng = Rng(seed | 1);
    let n = 2 + rng.below(5);
    let arity: Vec<usize> = (0..n).map(|_| 1 + rng.below(3)).collect();
    let level = |r: usize| r / 2;
    let mut rules = Vec::new();
    for _ in 0..1 + rng.below(6) {
        let head = rng.below(n);
        // Positive atoms: this level or below; negated: strictly below.
        let pos_rels: Vec<usize> = (0..n).filter(|&r| level(r) <= level(head)).collect();
        let neg_rels: Vec<usize> = (0..n).filter(|&r| level(r) < level(head)).collect();
        let mut pos = Vec::new();
        let mut vars = BTreeSet::new();
        for _ in 0..1 + rng.below(2) {
            let r = pos_rels[rng.below(pos_rels.len())];
            let args: Vec<String> = (0..arity[r])
                .map(|_| match rng.below(6) {
                    0 => rng.below(3).to_string(),
                    _ => {
                        let v = format!("V{}", rng.below(3));
                        vars.insert(v.clone());
                        v
                    }
                })
                .collect();
            pos.push((r, args));
        }
        let vars: Vec<String> = vars.into_iter().collect();
        let pick = |rng: &mut Rng, wild: bool| {
            if vars.is_empty() || rng.below(5) == 0 {
                if wild {
                    "_".to_string()
                } else {
                    rng.below(3).to_string()
                }
            } else {
                vars[rng.below(vars.len())].clone()
            }
        };
        let mut neg = Vec::new();
        if !neg_rels.is_empty() && rng.below(2) == 0 {
            let r = neg_rels[rng.below(neg_rels.len())];
            // Some columns get a variable local to the negation (L0, L1; one may repeat).
            let args = (0..arity[r])
                .map(|_| match rng.below(4) {
                    0 => format!("L{}", rng.below(2)),
                    _ => pick(&mut rng, true),
                })
                .collect();
            neg.push((r, args));
        }
        let head_args = (0..arity[head]).map(|_| pick(&mut rng, false)).collect();
        rules.push(GenRule {
            head: (head, head_args),
            pos,
            neg,
        });
    }
    let facts = (0..rng.below(25))
        .map(|_| {
            let r = rng.below(n);
            (r, (0..arity[r]).map(|_| rng.below(3) as i64).collect())
        })
        .collect();
    Gen {
        arity,
        rules,
        facts,
    }
}

fn atom_text((r, args): &(usize, Vec<String>)) -> String {
    format!("r{r}({})", args.join(", "))
}

fn text(g: &Gen) -> String {
    let mut t = String::new();
    for (r, a) in g.arity.iter().enumerate() {
        let cols: Vec<String> = (0..*a).map(|c| format!("c{c}")).collect();
        t.push_str(&format!(".decl r{r}({})\n", cols.join(", ")));
    }
    for rule in &g.rules {
        let mut body: Vec<String> = rule.pos.iter().map(atom_text).collect();
        body.extend(rule.neg.iter().map(|a| format!("!{}", atom_text(a))));
        t.push_str(&format!(
            "{} :- {}.\n",
            atom_text(&rule.head),
            body.join(", ")
        ));
    }
    t
}

fn num(m: &mut Model, x: i64) -> Value {
    m.intern(&Const::Num(x))
}

fn add_all(m: &mut Model, facts: &[(usize, Vec<i64>)]) {
    for (r, t) in facts {
        let rel = m.program().relation(&format!("r{r}")).unwrap();
        let t: Vec<_> = t.iter().map(|&x| num(m, x)).collect();
        m.add_fact(rel, &t, Span::default());
    }
}

/// Does some instantiation of `rule` derive `tuple` from premises older than `round`?
fn derivable(
    m: &mut Model,
    rule: &GenRule,
    tuple: &[i64],
    round: u32,
    i: usize,
    env: &mut BTreeMap<String, i64>,
) -> bool {
    let bind = |args: &[String], t: &[i64], env: &mut BTreeMap<String, i64>| {
        for (a, &x) in args.iter().zip(t) {
            if a == "_" {
                continue;
            }
            match a.parse::<i64>() {
                Ok(c) if c != x => return false,
                Ok(_) => {}
                Err(_) => match env.get(a) {
                    Some(&y) if y != x => return false,
                    Some(_) => {}
                    None => {
                        env.insert(a.clone(), x);
                    }
                },
            }
        }
        true
    };
    if let Some((r, args)) = rule.pos.get(i) {
        let rel = m.program().relation(&format!("r{r}")).unwrap();
        let candidates: Vec<(Vec<i64>, Option<Origin>)> = {
            let rows: Vec<Vec<Value>> = m.tuples(rel).map(|t| t.to_vec()).collect();
            rows.iter()
                .map(|t| {
                    let nums = t
                        .iter()
                        .map(|v| match m.constant(*v) {
                            Const::Num(n) => *n,
                            _ => unreachable!(),
                        })
                        .collect();
                    (nums, m.origin(rel, t))
                })
                .collect()
        };
        for (t, origin) in candidates {
            let older = match origin {
                Some(Origin::Base(_)) => true,
                Some(Origin::Derived { round: r, .. }) => r < round,
                None => false,
            };
            let mut env2 = env.clone();
            if older
                && bind(args, &t, &mut env2)
                && derivable(m, rule, tuple, round, i + 1, &mut env2)
            {
                return true;
            }
        }
        return false;
    }
    let mut env2 = env.clone();
    if !bind(&rule.head.1, tuple, &mut env2) {
        return false;
    }
    let db_now = integer_db(m, m.program().relations().count());
    rule.neg
        .iter()
        .all(|(r, args)| !db_now[*r].iter().any(|t| bind(args, t, &mut env2.clone())))
}

fn check(seed: u64) {
    let g = generate(seed);
    let src = text(&g);
    let mut sources = SourceMap::new();
    let (p, _) = program(&mut sources, &src);
    let mut rng = Rng(seed.rotate_left(17) | 1);
    let mut m = Model::new(p.clone());
    add_all(&mut m, &g.facts);
    m.evaluate(&Limits::default()).unwrap();
    // Retract a random subset of the facts (and try some tuples that are not base facts).
    let mut kept: Vec<(usize, Vec<i64>)> = Vec::new();
    let mut gone = BTreeSet::new();
    for (r, t) in &g.facts {
        if rng.below(3) == 0 || gone.contains(&(*r, t.clone())) {
            let rel = p.relation(&format!("r{r}")).unwrap();
            let vals: Vec<_> = t.iter().map(|&x| num(&mut m, x)).collect();
            let was_base = m.base_facts(rel).any(|(row, _)| row == &vals[..]);
            assert_eq!(m.retract_fact(rel, &vals), was_base, "seed {seed}");
            gone.insert((*r, t.clone()));
        } else {
            kept.push((*r, t.clone()));
        }
    }
    kept.retain(|f| !gone.contains(f));
    for r in 0..g.arity.len() {
        let rel = p.relation(&format!("r{r}")).unwrap();
        let t: Vec<_> = (0..g.arity[r]).map(|x| num(&mut m, x as i64)).collect();
        let was_base = m.base_facts(rel).any(|(row, _)| row == &t[..]);
        assert_eq!(m.retract_fact(rel, &t), was_base, "seed {seed}");
        if was_base {
            let plain: Vec<i64> = (0..g.arity[r] as i64).collect();
            kept.retain(|f| f != &(r, plain.clone()));
        }
    }
    m.evaluate(&Limits::default()).unwrap();
    let mut fresh = Model::new(p.clone());
    add_all(&mut fresh, &kept);
    fresh.evaluate(&Limits::default()).unwrap();
    let n = g.arity.len();
    assert_eq!(
        integer_db(&m, n),
        integer_db(&fresh, n),
        "seed {seed}:\n{src}"
    );
    // Base facts are exactly the kept ones.
    for r in 0..n {
        let rel = p.relation(&format!("r{r}")).unwrap();
        let base: BTreeSet<Vec<Value>> = m.base_facts(rel).map(|(t, _)| t.to_vec()).collect();
        let want: BTreeSet<Vec<Value>> = kept
            .iter()
            .filter(|(k, _)| *k == r)
            .map(|(_, t)| t.iter().map(|&x| num(&mut m, x)).collect())
            .collect();
        assert_eq!(base, want, "seed {seed}");
    }
    // Well-founded provenance: a derivation from strictly older premises exists.
    for r in 0..n {
        let rel = p.relation(&format!("r{r}")).unwrap();
        let tuples: Vec<Vec<Value>> = m.tuples(rel).map(|t| t.to_vec()).collect();
        for t in tuples {
            let Some(Origin::Derived { rule, round }) = m.origin(rel, &t) else {
                continue;
            };
            let nums: Vec<i64> = t
                .iter()
                .map(|v| match m.constant(*v) {
                    Const::Num(n) => *n,
                    _ => unreachable!(),
                })
                .collect();
            let gen_rule = g.rules[rule.0 as usize].clone();
            assert!(
                derivable(&mut m, &gen_rule, &nums, round, 0, &mut BTreeMap::new()),
                "seed {seed}: r{r}{nums:?} by rule {} in round {round}\n{src}",
                rule.0
            );
        }
    }
}

/// Facts arrive in batches and some leave again, with an evaluation after every step
/// (as in the REPL's :assert / :retract): each fixpoint equals the one from scratch.
fn check_steps(seed: u64) {
    let g = generate(seed);
    let src = text(&g);
    let mut sources = SourceMap::new();
    let (p, _) = program(&mut sources, &src);
    let mut rng = Rng(seed.rotate_left(29) | 1);
    let mut m = Model::new(p.clone());
    let mut held: Vec<(usize, Vec<i64>)> = Vec::new();
    let n = g.arity.len();
    for batch in g.facts.chunks(3) {
        let before = integer_db(&m, n);
        add_all(&mut m, batch);
        held.extend(batch.iter().cloned());
        if rng.below(3) == 0 && !held.is_empty() {
            let (r, t) = held.swap_remove(rng.below(held.len()));
            held.retain(|f| f != &(r, t.clone()));
            let rel = p.relation(&format!("r{r}")).unwrap();
            let vals: Vec<_> = t.iter().map(|&x| num(&mut m, x)).collect();
            assert!(m.retract_fact(rel, &vals), "seed {seed}");
        }
        m.evaluate(&Limits::default()).unwrap();
        let mut fresh = Model::new(p.clone());
        add_all(&mut fresh, &held);
        fresh.evaluate(&Limits::default()).unwrap();
        let after = integer_db(&m, n);
        assert_eq!(after, integer_db(&fresh, n), "seed {seed}:\n{src}");
        // `changes` reports exactly the difference from the fixpoint before the step.
        let rels: Vec<_> = (0..n)
            .map(|r| p.relation(&format!("r{r}")).unwrap())
            .collect();
        let changes = m.changes(&rels);
        let as_nums = |list: &[(grantlog::program::RelId, Vec<Value>)]| {
            let mut out: Vec<(usize, Vec<i64>)> = list
                .iter()
                .map(|(rel, t)| (rels.iter().position(|x| x == rel).unwrap(), integers(&m, t)))
                .collect();
            out.sort();
            out
        };
        let diff = |a: &Db, b: &Db| {
            let mut out = Vec::new();
            for r in 0..n {
                out.extend(a[r].difference(&b[r]).map(|t| (r, t.clone())));
            }
            out.sort();
            out
        };
        assert_eq!(
            as_nums(&changes.gained),
            diff(&after, &before),
            "seed {seed}:\n{src}"
        );
        assert_eq!(
            as_nums(&changes.lost),
            diff(&before, &after),
            "seed {seed}:\n{src}"
        );
    }
}

/// `evaluate_for(rel)` gets `rel` right at once; a later full evaluation gets the rest.
fn check_partial(seed: u64) {
    let g = generate(seed);
    let src = text(&g);
    let mut sources = SourceMap::new();
    let (p, _) = program(&mut sources, &src);
    let mut rng = Rng(seed.rotate_left(41) | 1);
    let n = g.arity.len();
    let mut m = Model::new(p.clone());
    let mut held = Vec::new();
    for batch in g.facts.chunks(4) {
        add_all(&mut m, batch);
        held.extend(batch.iter().cloned());
        let mut fresh = Model::new(p.clone());
        add_all(&mut fresh, &held);
        fresh.evaluate(&Limits::default()).unwrap();
        let goal = rng.below(n);
        let rel = p.relation(&format!("r{goal}")).unwrap();
        m.evaluate_for(rel, &Limits::default()).unwrap();
        assert_eq!(
            integer_db(&m, n)[goal],
            integer_db(&fresh, n)[goal],
            "seed {seed} r{goal}:\n{src}"
        );
        if rng.below(2) == 0 {
            m.evaluate(&Limits::default()).unwrap();
            assert_eq!(
                integer_db(&m, n),
                integer_db(&fresh, n),
                "seed {seed}:\n{src}"
            );
        }
    }
    let mut fresh = Model::new(p.clone());
    add_all(&mut fresh, &held);
    fresh.evaluate(&Limits::default()).unwrap();
    m.evaluate(&Limits::default()).unwrap();
    assert_eq!(
        integer_db(&m, n),
        integer_db(&fresh, n),
        "seed {seed}:\n{src}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluating_for_one_relation_then_all_equals_from_scratch(seed in any::<u64>()) {
        check_partial(seed);
    }

    #[test]
    fn retract_then_evaluate_equals_from_scratch(seed in any::<u64>()) {
        check(seed);
    }

    #[test]
    fn adds_and_retractions_step_by_step_equal_from_scratch(seed in any::<u64>()) {
        check_steps(seed);
    }
}
