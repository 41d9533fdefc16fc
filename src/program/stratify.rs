//! Stratification: the strongly connected components of the dependency graph (Tarjan's
//! algorithm), in topological order, and E0301 for a negation inside a component.

use super::{BodyLiteral, CompiledRule, RelId, Relation, RuleId, Stratum};
use crate::diag::Diagnostic;
use std::collections::VecDeque;

pub(super) struct Strata {
    pub strata: Vec<Stratum>,
    pub stratum_of: Vec<usize>,
}

/// Edges go from a body relation to the head relation: `dependents[b]` holds `(h, negated)`.
fn dependents(n: usize, rules: &[CompiledRule]) -> Vec<Vec<(usize, bool)>> {
    let mut out = vec![Vec::new(); n];
    for rule in rules {
        let head = rule.info.head.0 as usize;
        for lit in &rule.body {
            let (atom, negated) = match lit {
                BodyLiteral::Positive(a) => (a, false),
                BodyLiteral::Negative(a) => (a, true),
                BodyLiteral::Compare { .. } => continue,
            };
            let edge = (head, negated);
            if !out[atom.rel.0 as usize].contains(&edge) {
                out[atom.rel.0 as usize].push(edge);
            }
        }
    }
    out
}

struct Tarjan<'a> {
    graph: &'a [Vec<(usize, bool)>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &(w, _) in &self.graph[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(i) if self.on_stack[w] => self.low[v] = self.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            component.sort_unstable();
            self.components.push(component);
        }
    }
}

pub(super) fn stratify(
    relations: &[Relation],
    rules: &[CompiledRule],
    diags: &mut Vec<Diagnostic>,
) -> Strata {
    let n = relations.len();
    let graph = dependents(n, rules);
    let mut tarjan = Tarjan {
        graph: &graph,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    // Tarjan finishes a component after everything reachable from it: dependents first.
    let mut components = tarjan.components;
    components.reverse();
    let mut stratum_of = vec![0; n];
    for (s, c) in components.iter().enumerate() {
        for &r in c {
            stratum_of[r] = s;
        }
    }
    let mut strata: Vec<Stratum> = components
        .iter()
        .map(|c| Stratum {
            relations: c.iter().map(|&r| RelId(r as u32)).collect(),
            ..Stratum::default()
        })
        .collect();
    for (i, rule) in rules.iter().enumerate() {
        let head = rule.info.head.0 as usize;
        let stratum = &mut strata[stratum_of[head]];
        stratum.rules.push(RuleId(i as u32));
        for lit in &rule.body {
            let atom = match lit {
                BodyLiteral::Positive(a) => a,
                BodyLiteral::Negative(a) => {
                    if stratum_of[a.rel.0 as usize] == stratum_of[head] {
                        diags.push(negation_cycle(
                            relations,
                            &graph,
                            &stratum_of,
                            head,
                            a.rel.0 as usize,
                            a.span,
                        ));
                    }
                    if !stratum.negated.contains(&a.rel) {
                        stratum.negated.push(a.rel);
                    }
                    a
                }
                BodyLiteral::Compare { .. } => continue,
            };
            if !stratum.reads.contains(&atom.rel) {
                stratum.reads.push(atom.rel);
            }
        }
    }
    Strata { strata, stratum_of }
}

/// `head -> !negated -> ... -> head`, read as "depends on".
fn negation_cycle(
    relations: &[Relation],
    graph: &[Vec<(usize, bool)>],
    stratum_of: &[usize],
    head: usize,
    negated: usize,
    span: crate::source::Span,
) -> Diagnostic {
    // Breadth-first from `head` along dependency edges (reversed: dependents) to `negated`,
    // inside the component, so that the path read backwards is a "depends on" chain.
    let mut prev: Vec<Option<(usize, bool)>> = vec![None; relations.len()];
    let mut queue = VecDeque::from([head]);
    let mut seen = vec![false; relations.len()];
    seen[head] = true;
    while let Some(v) = queue.pop_front() {
        if v == negated && v != head {
            break;
        }
        for &(w, neg) in &graph[v] {
            if stratum_of[w] == stratum_of[head] && !seen[w] {
                seen[w] = true;
                prev[w] = Some((v, neg));
                queue.push_back(w);
            }
        }
    }
    let name = |r: usize| relations[r].name.as_str();
    let mut chain = vec![name(head).to_string(), format!("!{}", name(negated))];
    let mut v = negated;
    while v != head {
        let Some((u, neg)) = prev[v] else { break };
        chain.push(format!("{}{}", if neg { "!" } else { "" }, name(u)));
        v = u;
    }
    if negated == head {
        chain.truncate(2);
        chain.push(name(head).to_string());
    }
    let cycle = chain.join(" -> ");
    Diagnostic::error("E0301", format!("negation cannot be stratified: {cycle}"))
        .at(span)
        .label("negated inside a recursive cycle")
        .help(format!(
            "`{}` depends on its own negation; break the cycle or negate a relation that does not depend on `{}`",
            name(head),
            name(head)
        ))
}
