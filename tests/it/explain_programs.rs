//! Explanations on small programs: well-founded proofs (property-tested on transitive
//! closure over random graphs with cycles), negation, and fixes.

use crate::explain_util;

use explain_util::{atom, open};
use grantlog::explain::{why, why_not, ExplainOptions, NodeOrigin, Premise, Proof};
use grantlog::load::Text;
use grantlog::workspace::Workspace;
use proptest::prelude::*;

const CLOSURE: &str = "
.decl node(x: symbol)
.decl edge(x: symbol, y: symbol)
.decl path(x: symbol, y: symbol)
.decl unreachable(x: symbol, y: symbol)
/// One step.
@step
path(X, Y) :- edge(X, Y).
/// Left recursion.
@left
path(X, Z) :- path(X, Y), edge(Y, Z).
/// Right recursion.
@right
path(X, Z) :- edge(X, Y), path(Y, Z).
@unreachable
unreachable(X, Y) :- node(X), node(Y), X != Y, !path(X, Y).
";

fn graph(edges: &[(u8, u8)], nodes: u8) -> Workspace {
    let mut facts = String::new();
    for n in 0..nodes {
        facts.push_str(&format!("node(n{n}).\n"));
    }
    for (a, b) in edges {
        facts.push_str(&format!("edge(n{a}, n{b}).\n"));
    }
    open(
        &[Text::new("closure.dl", CLOSURE)],
        &[Text::new("graph.dl", facts)],
    )
}

/// No node is its own ancestor, every premise fact holds, and base nodes have no premises.
fn check_well_founded(ws: &Workspace, p: &Proof) {
    fn visit(p: &Proof, id: usize, stack: &mut Vec<usize>) {
        assert!(
            !stack.contains(&id),
            "{} is its own ancestor",
            p.nodes[id].fact
        );
        stack.push(id);
        for pr in p.nodes[id].premises.iter().flatten() {
            if let Premise::Fact(c) = pr {
                visit(p, *c, stack);
            }
        }
        stack.pop();
    }
    visit(p, p.root, &mut Vec::new());
    for n in &p.nodes {
        assert!(!matches!(n.origin, NodeOrigin::Unproved), "{}", n.fact);
        if matches!(n.origin, NodeOrigin::Base(_)) {
            assert!(n.premises.as_ref().is_some_and(|v| v.is_empty()));
        }
    }
    let _ = ws;
}

#[test]
fn chain_proof_is_minimal_and_names_rules_and_lines() {
    let mut ws = graph(&[(0, 1), (1, 2), (2, 3), (3, 0)], 4);
    let a = atom(&mut ws, "path(n0, n2)");
    let p = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    check_well_founded(&ws, &p);
    let text = p.to_text(&ws.sources);
    assert!(
        text.contains("by @left at closure.dl:") || text.contains("by @right at closure.dl:"),
        "{text}"
    );
    assert!(text.contains("/// "), "{text}");
    assert!(
        text.contains("edge(n0, n1)\n") && text.contains("fact at graph.dl:5"),
        "{text}"
    );
    // Height 2: path(n0, n2) <- path + edge, path <- edge.
    assert_eq!(p.nodes.len(), 4, "{text}");
    let a = atom(&mut ws, "path(n0, n0)");
    let p = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    check_well_founded(&ws, &p);
}

#[test]
fn negation_and_comparison_premises() {
    let mut ws = graph(&[(0, 1)], 3);
    let a = atom(&mut ws, "unreachable(n1, n0)");
    let p = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = p.to_text(&ws.sources);
    assert!(
        text.contains("!path(n1, n0) holds: no path(n1, n0)"),
        "{text}"
    );
    assert!(text.contains("n1 != n0 holds"), "{text}");
    // Why not unreachable(n0, n1): path(n0, n1) blocks it; no fix adds facts.
    let a = atom(&mut ws, "unreachable(n0, n1)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = w.to_text(&ws.sources);
    assert!(
        text.contains("fails: !path(n0, n1), because path(n0, n1) holds:"),
        "{text}"
    );
    assert!(w.fixes.is_empty(), "{text}");
    // Comparisons fail visibly.
    let a = atom(&mut ws, "unreachable(n2, n2)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    assert!(w.to_text(&ws.sources).contains("fails: n2 != n2 is false"));
}

#[test]
fn why_not_on_a_graph_proposes_verified_single_edges() {
    let mut ws = graph(&[(0, 1), (2, 3)], 4);
    let a = atom(&mut ws, "path(n0, n3)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = w.to_text(&ws.sources);
    assert!(!w.fixes.is_empty(), "{text}");
    assert!(w.fixes.iter().all(|f| f.facts.len() == 1), "{text}");
    let shown: Vec<String> = w.fixes.iter().map(|f| f.facts[0].to_string()).collect();
    assert!(shown.contains(&"edge(n0, n3)".to_string()), "{shown:?}");
    assert!(shown.contains(&"edge(n1, n2)".to_string()), "{shown:?}");
    let a = atom(&mut ws, "edge(n0, n3)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    assert!(w.base);
    assert!(w.to_text(&ws.sources).contains("edge is a base relation"));
    assert_eq!(w.fixes.len(), 1);
}

#[test]
fn two_missing_base_facts_give_a_two_fact_fix() {
    let rules = "
.decl a(x: symbol)
.decl b(x: symbol)
.decl c(x: symbol)
.decl ok(x: symbol)
ok(X) :- c(X), a(X), b(X).
";
    let mut ws = open(&[Text::new("r.dl", rules)], &[Text::new("f.dl", "c(k).")]);
    let at = atom(&mut ws, "ok(k)");
    let w = why_not(&mut ws.model, &ws.sources, &at, &ExplainOptions::default()).unwrap();
    let shown: Vec<Vec<String>> = w
        .fixes
        .iter()
        .map(|f| f.facts.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(shown, [["a(k)", "b(k)"]]);
    let text = w.to_text(&ws.sources);
    assert!(
        text.contains("rule the rule at r.dl:6") || text.contains("r.dl:6"),
        "{text}"
    );
    assert!(text.contains("fails: no a(k)"), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn proofs_are_well_founded_on_random_graphs(
        edges in proptest::collection::vec((0u8..6, 0u8..6), 0..14),
        depth in proptest::option::of(0usize..4),
    ) {
        let mut ws = graph(&edges, 6);
        for x in 0..6 {
            for y in 0..6 {
                for rel in ["path", "unreachable"] {
                    let text = format!("{rel}(n{x}, n{y})");
                    let a = atom(&mut ws, &text);
                    if let Ok(p) = why(&ws.model, &ws.sources, &a, &ExplainOptions { max_depth: depth }) {
                        check_well_founded(&ws, &p);
                        prop_assert_eq!(p.nodes[p.root].fact.to_string(), text.clone());
                        let t = p.to_text(&ws.sources);
                        let numbered = t.lines().filter(|l| l.trim_start().starts_with('[')).count();
                        prop_assert!(numbered <= p.nodes.len());
                    } else if rel == "path" {
                        let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
                        // Every fix was verified; a missing path is always one edge away.
                        prop_assert!(!w.fixes.is_empty());
                        prop_assert!(w.fixes.iter().all(|f| f.facts.len() == 1));
                    }
                }
            }
        }
    }
}
