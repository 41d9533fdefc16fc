//! Property test: random stratified programs over random small facts, `Model` against a
//! deliberately simple naive evaluator (nested loops over all tuples, level by level,
//! until nothing changes). Half of the facts are added after a first evaluation, so the
//! incremental path is compared too.
use crate::engine_common;

use engine_common::{integer_db, Db};
use grantlog::engine::{Limits, Model};
use grantlog::program::Program;
use grantlog::source::{SourceMap, Span};
use grantlog::syntax::ast::*;
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// xorshift: the program is a function of one seed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Debug)]
enum T {
    Var(usize),
    Num(i64),
    Wild,
}

#[derive(Clone, Debug)]
pub(crate) struct GenAtom(pub usize, Vec<T>);

#[derive(Clone, Debug)]
pub(crate) struct GenRule {
    pub head: GenAtom,
    pub pos: Vec<GenAtom>,
    pub neg: Vec<GenAtom>,
    cmp: Vec<(T, CompareOp, T)>,
}

pub(crate) struct Gen {
    pub arity: Vec<usize>,
    level: Vec<usize>,
    pub rules: Vec<GenRule>,
    pub facts: Vec<(usize, Vec<i64>)>,
}

pub(crate) const DOMAIN: i64 = 4;

fn generate(seed: u64) -> Gen {
    generate_with(seed, 5, 6)
}

/// A random program of 2 to `1 + max_rels` relations (two per stratum level) and 1 to
/// `max_rules` rules, with up to 25 facts.
pub(crate) fn generate_with(seed: u64, max_rels: usize, max_rules: usize) -> Gen {
    let mut rng = Rng(seed | 1);
    let n = 2 + rng.below(max_rels);
    let arity: Vec<usize> = (0..n).map(|_| rng.below(4)).collect();
    // Two relations per level: mutual recursion within a level, negation only downwards.
    let level: Vec<usize> = (0..n).map(|i| i / 2).collect();
    let mut rules = Vec::new();
    for _ in 0..1 + rng.below(max_rules) {
        let h = rng.below(n);
        let mut bound: Vec<usize> = Vec::new();
        let mut pos = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let candidates: Vec<usize> = (0..n).filter(|&r| level[r] <= level[h]).collect();
            let r = candidates[rng.below(candidates.len())];
            let args = (0..arity[r])
                .map(|_| match rng.below(10) {
                    0 => T::Num(rng.below(DOMAIN as usize) as i64),
                    1 => T::Wild,
                    _ => {
                        let v = rng.below(4);
                        bound.push(v);
                        T::Var(v)
                    }
                })
                .collect();
            pos.push(GenAtom(r, args));
        }
        let bound_term = |rng: &mut Rng, wild: bool| {
            if wild && rng.chance(20) {
                T::Wild
            } else if bound.is_empty() || rng.chance(25) {
                T::Num(rng.below(DOMAIN as usize) as i64)
            } else {
                T::Var(bound[rng.below(bound.len())])
            }
        };
        let mut neg = Vec::new();
        let lower: Vec<usize> = (0..n).filter(|&r| level[r] < level[h]).collect();
        // Up to two negations. Some columns get a variable local to that negation (V10+,
        // two per negation so one may repeat: `!r(V0, V10, V10)`), which the naive
        // evaluator reads as "no tuple with any value there".
        for j in 0..2 {
            if lower.is_empty() || !rng.chance(if j == 0 { 50 } else { 25 }) {
                break;
            }
            let r = lower[rng.below(lower.len())];
            let args = (0..arity[r])
                .map(|_| {
                    if rng.chance(30) {
                        T::Var(10 + 2 * j + rng.below(2))
                    } else {
                        bound_term(&mut rng, true)
                    }
                })
                .collect();
            neg.push(GenAtom(r, args));
        }
        let mut cmp = Vec::new();
        if rng.chance(40) {
            let ops = [
                CompareOp::Eq,
                CompareOp::Ne,
                CompareOp::Lt,
                CompareOp::Le,
                CompareOp::Gt,
                CompareOp::Ge,
            ];
            cmp.push((
                bound_term(&mut rng, false),
                ops[rng.below(6)],
                bound_term(&mut rng, false),
            ));
        }
        let head = GenAtom(
            h,
            (0..arity[h]).map(|_| bound_term(&mut rng, false)).collect(),
        );
        rules.push(GenRule {
            head,
            pos,
            neg,
            cmp,
        });
    }
    let facts = (0..rng.below(25))
        .map(|_| {
            let r = rng.below(n);
            (
                r,
                (0..arity[r])
                    .map(|_| rng.below(DOMAIN as usize) as i64)
                    .collect(),
            )
        })
        .collect();
    Gen {
        arity,
        level,
        rules,
        facts,
    }
}

pub(crate) fn name(r: usize) -> String {
    format!("r{r}")
}

pub(crate) fn ast(g: &Gen) -> Module {
    let s = Span::default();
    let term = |t: &T| match t {
        T::Var(v) => Term::Var(Ident::new(format!("V{v}"), s)),
        T::Num(n) => Term::Const(Const::Num(*n), s),
        T::Wild => Term::Anonymous(s),
    };
    let atom = |a: &GenAtom| Atom {
        relation: Ident::new(name(a.0), s),
        args: a.1.iter().map(term).collect(),
        span: s,
    };
    let mut items: Vec<Item> = (0..g.arity.len())
        .map(|r| {
            let columns = (0..g.arity[r])
                .map(|c| Column {
                    name: Ident::new(format!("c{c}"), s),
                    ty: None,
                })
                .collect();
            Item::Decl(Decl {
                annotation: None,
                doc: None,
                name: Ident::new(name(r), s),
                columns,
                span: s,
            })
        })
        .collect();
    for rule in &g.rules {
        let mut body: Vec<Literal> = rule
            .pos
            .iter()
            .map(|a| Literal::Positive(atom(a)))
            .collect();
        body.extend(rule.neg.iter().map(|a| Literal::Negative(atom(a), s)));
        body.extend(rule.cmp.iter().map(|(l, op, r)| {
            Literal::Compare(Comparison {
                left: term(l),
                op: *op,
                right: term(r),
                span: s,
            })
        }));
        items.push(Item::Rule(Rule {
            doc: None,
            name: None,
            head: atom(&rule.head),
            body,
            span: s,
        }));
    }
    Module { items }
}

fn value(t: &T, env: &HashMap<usize, i64>) -> Option<i64> {
    match t {
        T::Var(v) => env.get(v).copied(),
        T::Num(n) => Some(*n),
        T::Wild => None,
    }
}

fn matches(args: &[T], tuple: &[i64], env: &mut HashMap<usize, i64>) -> bool {
    for (t, &x) in args.iter().zip(tuple) {
        match t {
            T::Wild => {}
            T::Num(n) if *n != x => return false,
            T::Num(_) => {}
            T::Var(v) => match env.get(v) {
                Some(&y) if y != x => return false,
                Some(_) => {}
                None => {
                    env.insert(*v, x);
                }
            },
        }
    }
    true
}

fn naive_rule(
    rule: &GenRule,
    db: &Db,
    i: usize,
    env: &HashMap<usize, i64>,
    out: &mut Vec<Vec<i64>>,
) {
    if let Some(atom) = rule.pos.get(i) {
        for tuple in &db[atom.0] {
            let mut env = env.clone();
            if matches(&atom.1, tuple, &mut env) {
                naive_rule(rule, db, i + 1, &env, out);
            }
        }
        return;
    }
    for a in &rule.neg {
        if db[a.0].iter().any(|t| matches(&a.1, t, &mut env.clone())) {
            return;
        }
    }
    for (l, op, r) in &rule.cmp {
        let (l, r) = (value(l, env).unwrap(), value(r, env).unwrap());
        let holds = match op {
            CompareOp::Eq => l == r,
            CompareOp::Ne => l != r,
            CompareOp::Lt => l < r,
            CompareOp::Le => l <= r,
            CompareOp::Gt => l > r,
            CompareOp::Ge => l >= r,
        };
        if !holds {
            return;
        }
    }
    out.push(rule.head.1.iter().map(|t| value(t, env).unwrap()).collect());
}

pub(crate) fn naive(g: &Gen) -> Db {
    let mut db: Db = vec![BTreeSet::new(); g.arity.len()];
    for (r, t) in &g.facts {
        db[*r].insert(t.clone());
    }
    for level in 0..=*g.level.iter().max().unwrap() {
        loop {
            let mut changed = false;
            for rule in g.rules.iter().filter(|r| g.level[r.head.0] == level) {
                let mut out = Vec::new();
                naive_rule(rule, &db, 0, &HashMap::new(), &mut out);
                for t in out {
                    changed |= db[rule.head.0].insert(t);
                }
            }
            if !changed {
                break;
            }
        }
    }
    db
}

fn check(seed: u64) {
    let g = generate(seed);
    let mut sources = SourceMap::new();
    sources.add("gen.dl", "");
    let (program, _) = Program::compile(&sources, &[ast(&g)]).unwrap_or_else(|d| panic!("{d:#?}"));
    let mut m = Model::new(Arc::new(program));
    let half = g.facts.len() / 2;
    let add = |m: &mut Model, facts: &[(usize, Vec<i64>)]| {
        for (r, t) in facts {
            let rel = m.program().relation(&name(*r)).unwrap();
            let t: Vec<_> = t.iter().map(|x| m.intern(&Const::Num(*x))).collect();
            m.add_fact(rel, &t, Span::default());
        }
    };
    add(&mut m, &g.facts[..half]);
    m.evaluate(&Limits::default()).unwrap();
    add(&mut m, &g.facts[half..]);
    m.evaluate(&Limits::default()).unwrap();
    let expected = naive(&g);
    let got = integer_db(&m, g.arity.len());
    assert_eq!(got, expected, "seed {seed}: rules {:#?}", g.rules);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn model_agrees_with_naive_evaluation(seed in any::<u64>()) {
        check(seed);
    }
}
