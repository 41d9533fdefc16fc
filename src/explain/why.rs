//! Why a fact holds: a well-founded proof built from the recorded rounds.
//!
//! For a derived fact we look for an instance of a rule (the one that first derived it,
//! else any other) whose positive premises are base facts or were derived in strictly
//! earlier rounds, so no fact is ever proved from itself; among those instances the one
//! whose latest premise is earliest is kept (the lowest proof we can find cheaply).

use super::matcher::{arg_value, bind_head, instances, Inst};
use super::{
    fact_of, resolve, values_of, Derivation, ExplainOptions, Fact, NodeOrigin, PatArg, Pattern,
    Premise, Proof, ProofNode, DOES_NOT_HOLD,
};
use crate::diag::Diagnostic;
use crate::engine::{Model, Origin, Value};
use crate::program::{Arg, BodyAtom, BodyLiteral, RelId, RuleId};
use crate::source::SourceMap;
use crate::syntax::ast::Atom;
use rustc_hash::FxHashMap;

/// Proof tree of a fact that holds. `Err`: the fact does not parse or resolve against the
/// program, or does not hold (E0701, with a hint to ask why not).
pub fn why(
    model: &Model,
    _sources: &SourceMap,
    fact: &Atom,
    opts: &ExplainOptions,
) -> Result<Proof, Vec<Diagnostic>> {
    let (rel, consts) = resolve(model, fact)?;
    let tuple = values_of(model, &consts).filter(|t| model.contains(rel, t));
    let Some(tuple) = tuple else {
        let shown = Fact {
            relation: fact.relation.name.clone(),
            values: consts,
        };
        return Err(vec![Diagnostic::error(
            DOES_NOT_HOLD,
            format!("`{shown}` does not hold"),
        )
        .at(fact.span)
        .label("not in the model")
        .help(format!("ask why not: grantlog explain --why-not '{shown}'"))]);
    };
    Ok(prove(model, rel, &tuple, opts.max_depth))
}

/// The proof of a fact the model holds (`model.contains(rel, tuple)`).
pub fn prove(model: &Model, rel: RelId, tuple: &[Value], max_depth: Option<usize>) -> Proof {
    let mut b = Builder {
        model,
        memo: FxHashMap::default(),
        nodes: Vec::new(),
        budget: Vec::new(),
        chosen: Vec::new(),
        path: Vec::new(),
    };
    let root = b.node(rel, tuple, max_depth.unwrap_or(usize::MAX));
    Proof {
        nodes: b.nodes,
        root,
        max_depth,
        also: Vec::new(),
    }
}

/// Other derivations of the root shown at most (a blocking fact rarely has more).
const MAX_ALSO: usize = 3;

/// The proof of a fact the model holds with its other derivations (up to [`MAX_ALSO`]) in
/// `also`, sharing the nodes: what stops a why-not is every reason it holds, not only the
/// first. Derivations through earlier rules come first (the rule by which the fact holds,
/// then the rules by which its premises do, in file order), so a rule file orders the
/// reasons an explanation gives.
pub(crate) fn prove_every_way(
    model: &Model,
    rel: RelId,
    tuple: &[Value],
    max_depth: Option<usize>,
) -> Proof {
    let mut ways = derivations(model, rel, tuple);
    if ways.len() < 2 {
        return prove(model, rel, tuple, max_depth);
    }
    let premise_rules = |(rule, inst): &(RuleId, Inst)| {
        let body = &model.program().rule(*rule).body;
        let rules: Vec<u32> = body
            .iter()
            .zip(&inst.tuples)
            .filter_map(|(lit, t)| match (lit, t) {
                (BodyLiteral::Positive(a), Some(t)) => match model.origin(a.rel, t) {
                    Some(Origin::Derived { rule, .. }) => Some(rule.0),
                    _ => Some(u32::MAX),
                },
                _ => None,
            })
            .collect();
        (rule.0, rules)
    };
    ways.sort_by_cached_key(premise_rules);
    let mut b = Builder {
        model,
        memo: FxHashMap::default(),
        nodes: Vec::new(),
        budget: Vec::new(),
        chosen: Vec::new(),
        path: Vec::new(),
    };
    let budget = max_depth.unwrap_or(usize::MAX);
    let mut ways = ways.into_iter();
    let first = ways.next().expect("two or more");
    let round = match model.origin(rel, tuple) {
        Some(Origin::Derived { round, .. }) => round,
        _ => 0,
    };
    b.nodes.push(ProofNode {
        fact: fact_of(model, rel, tuple),
        origin: NodeOrigin::Rule {
            rule: model.program().rule_info(first.0).clone(),
            round,
        },
        premises: None,
    });
    b.budget.push(0);
    b.chosen.push(Some(Some(first)));
    b.memo.insert((rel, tuple.to_vec()), 0);
    b.expand(0, rel, tuple, budget);
    let mut also = Vec::new();
    if budget > 0 {
        for (rule, inst) in ways.take(MAX_ALSO) {
            let premises = b.premises(rel, tuple, rule, &inst, budget);
            also.push(Derivation {
                rule: model.program().rule_info(rule).clone(),
                premises,
            });
        }
    }
    Proof {
        nodes: b.nodes,
        root: 0,
        max_depth,
        also,
    }
}

/// Well-founded rule instances deriving the fact, at most one more than are shown: each
/// premise from a lower stratum (it cannot rest on the fact, however late a change made
/// it) or from an earlier round.
fn derivations(model: &Model, rel: RelId, tuple: &[Value]) -> Vec<(RuleId, Inst)> {
    let program = model.program();
    if !matches!(model.origin(rel, tuple), Some(Origin::Derived { .. })) {
        return Vec::new();
    }
    let head_rank = rank(model, rel, tuple);
    let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
    let mut out = Vec::new();
    for r in program.rules_for(rel) {
        let compiled = program.rule(r);
        let Some(regs) = bind_head(model, compiled, &head) else {
            continue;
        };
        let stratum = program.stratum_of(rel);
        let mut accept = |prel: RelId, t: &[Value]| {
            program.stratum_of(prel) < stratum || rank(model, prel, t) < head_rank
        };
        let left = MAX_ALSO + 1 - out.len().min(MAX_ALSO + 1);
        out.extend(
            instances(model, compiled, regs, &mut accept, left)
                .into_iter()
                .map(|i| (r, i)),
        );
    }
    out
}

/// Base facts rank 0, a fact derived in round r ranks r + 1.
pub(crate) fn rank(model: &Model, rel: RelId, tuple: &[Value]) -> u64 {
    match model.origin(rel, tuple) {
        Some(Origin::Base(_)) => 0,
        Some(Origin::Derived { round, .. }) => u64::from(round) + 1,
        None => u64::MAX,
    }
}

/// Instances to compare per rule when choosing the lowest.
const CANDIDATES: usize = 64;

struct Builder<'a> {
    model: &'a Model,
    memo: FxHashMap<(RelId, Vec<Value>), usize>,
    nodes: Vec<ProofNode>,
    /// Depth budget each node was expanded with (0 = not yet).
    budget: Vec<usize>,
    /// The instance chosen for each derived node, once looked for.
    chosen: Vec<Option<Option<(RuleId, Inst)>>>,
    /// Facts being expanded (for the fallback only).
    path: Vec<(RelId, Vec<Value>)>,
}

impl Builder<'_> {
    fn node(&mut self, rel: RelId, tuple: &[Value], budget: usize) -> usize {
        let key = (rel, tuple.to_vec());
        if let Some(&id) = self.memo.get(&key) {
            if self.budget[id] < budget {
                self.expand(id, rel, tuple, budget);
            }
            return id;
        }
        let id = self.nodes.len();
        let fact = fact_of(self.model, rel, tuple);
        let (origin, premises) = match self.model.origin(rel, tuple) {
            Some(Origin::Base(span)) => (NodeOrigin::Base(span), Some(Vec::new())),
            _ => (NodeOrigin::Unproved, None),
        };
        let base = premises.is_some();
        self.nodes.push(ProofNode {
            fact,
            origin,
            premises,
        });
        self.budget.push(if base { usize::MAX } else { 0 });
        self.chosen.push(None);
        self.memo.insert(key, id);
        if !base {
            self.expand(id, rel, tuple, budget);
        }
        id
    }

    fn expand(&mut self, id: usize, rel: RelId, tuple: &[Value], budget: usize) {
        let model = self.model;
        if self.chosen[id].is_none() {
            let found = self.find_instance(rel, tuple);
            if let Some((rule, _)) = &found {
                let round = match model.origin(rel, tuple) {
                    Some(Origin::Derived { round, .. }) => round,
                    _ => 0,
                };
                self.nodes[id].origin = NodeOrigin::Rule {
                    rule: model.program().rule_info(*rule).clone(),
                    round,
                };
            } else {
                self.nodes[id].premises = Some(Vec::new());
            }
            self.chosen[id] = Some(found);
        }
        if budget == 0 || self.budget[id] >= budget {
            return;
        }
        self.budget[id] = budget;
        let Some(Some((rule, inst))) = self.chosen[id].clone() else {
            return;
        };
        let premises = self.premises(rel, tuple, rule, &inst, budget);
        self.nodes[id].premises = Some(premises);
    }

    /// The premises of the fact by this rule instance, proved with `budget`.
    fn premises(
        &mut self,
        rel: RelId,
        tuple: &[Value],
        rule: RuleId,
        inst: &Inst,
        budget: usize,
    ) -> Vec<Premise> {
        let model = self.model;
        let compiled = model.program().rule(rule);
        self.path.push((rel, tuple.to_vec()));
        let mut premises = Vec::new();
        for (i, lit) in compiled.body.iter().enumerate() {
            match lit {
                BodyLiteral::Positive(atom) => {
                    let t = inst.tuples[i].clone().expect("matched");
                    premises.push(Premise::Fact(self.node(atom.rel, &t, budget - 1)));
                }
                // Variables local to the negation show by name: `no s(a, P, P)`.
                BodyLiteral::Negative(atom) => premises.push(Premise::Absent(pattern(
                    model,
                    atom,
                    &inst.regs,
                    Some(&compiled.var_names),
                ))),
                BodyLiteral::Compare {
                    op, left, right, ..
                } => {
                    let show = |a: &Arg| match arg_value(model, *a, &inst.regs) {
                        Some(v) => model.constant(v).to_string(),
                        None => "_".to_string(),
                    };
                    premises.push(Premise::Compare(format!(
                        "{} {} {}",
                        show(left),
                        op.as_str(),
                        show(right)
                    )));
                }
            }
        }
        self.path.pop();
        premises
    }

    /// The rule instance with the earliest premises among those strictly earlier than
    /// the fact; the rule that first derived it is tried first.
    fn find_instance(&self, rel: RelId, tuple: &[Value]) -> Option<(RuleId, Inst)> {
        let model = self.model;
        let program = model.program();
        let head_rank = rank(model, rel, tuple);
        let first = match model.origin(rel, tuple) {
            Some(Origin::Derived { rule, .. }) => Some(rule),
            _ => None,
        };
        let mut rules: Vec<RuleId> = first.into_iter().collect();
        rules.extend(program.rules_for(rel).filter(|r| Some(*r) != first));
        let head: Vec<Option<Value>> = tuple.iter().map(|&v| Some(v)).collect();
        for strict in [true, false] {
            for &r in &rules {
                let compiled = program.rule(r);
                let Some(regs) = bind_head(model, compiled, &head) else {
                    continue;
                };
                let path = &self.path;
                let mut accept = |prel: RelId, t: &[Value]| {
                    if strict {
                        rank(model, prel, t) < head_rank
                    } else {
                        let own = prel == rel && t == tuple;
                        !own && !path.iter().any(|(r, p)| *r == prel && p == t)
                    }
                };
                let found = instances(model, compiled, regs, &mut accept, CANDIDATES);
                let best = found.into_iter().min_by_key(|inst| {
                    let ranks: Vec<u64> = compiled
                        .body
                        .iter()
                        .zip(&inst.tuples)
                        .filter_map(|(lit, t)| match (lit, t) {
                            (BodyLiteral::Positive(a), Some(t)) => Some(rank(model, a.rel, t)),
                            _ => None,
                        })
                        .collect();
                    (
                        ranks.iter().copied().max().unwrap_or(0),
                        ranks.iter().sum::<u64>(),
                    )
                });
                if let Some(inst) = best {
                    return Some((r, inst));
                }
            }
        }
        None
    }
}

/// The atom under `regs`: bound variables as constants, free ones by name (or as `_`
/// when `names` is `None`).
pub(crate) fn pattern(
    model: &Model,
    atom: &BodyAtom,
    regs: &[Option<Value>],
    names: Option<&[String]>,
) -> Pattern {
    let regs = regs.to_vec();
    Pattern {
        relation: model.program().relation_name(atom.rel).to_string(),
        args: atom
            .args
            .iter()
            .map(|a| match (arg_value(model, *a, &regs), a) {
                (Some(v), _) => PatArg::Const(model.constant(v).clone()),
                (None, Arg::Var(s) | Arg::Local(s)) => match names.and_then(|n| n.get(*s as usize))
                {
                    Some(n) => PatArg::Var(n.clone()),
                    None => PatArg::Wild,
                },
                _ => PatArg::Wild,
            })
            .collect(),
    }
}
