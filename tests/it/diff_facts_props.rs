//! Property: `grantlog diff --old-facts OLD NEW` lists exactly the set differences of two
//! separate evaluations, on random small instances and random changes: a graph program
//! with recursion and two levels of negation (every derived relation listed), and
//! generated DataOS instances with statements removed and moved, and with a right taken
//! away before the grants its holder makes later (the decision relations).

use crate::diff_facts::grantlog_in;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const GRAPH: &str = "
.decl edge(from: symbol, to: symbol)
.decl mark(node: symbol)
.decl node(node: symbol)
.decl path(from: symbol, to: symbol)
.decl cut(from: symbol, to: symbol)
.decl safe(node: symbol)
node(X) :- edge(X, _).
node(Y) :- edge(_, Y).
node(X) :- mark(X).
path(X, Y) :- edge(X, Y).
path(X, Z) :- path(X, Y), edge(Y, Z).
cut(X, Y) :- node(X), node(Y), !path(X, Y).
safe(X) :- mark(X), !cut(X, X).
";

type Tuples = BTreeSet<Vec<String>>;

fn tuple(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(Value::to_string).collect()
}

/// `eval` of one side: every derived relation's tuples; `None` when it reports an error.
fn eval(dir: &Path, rules: &[&str], facts: &str) -> Option<BTreeMap<String, Tuples>> {
    let mut args = vec!["eval"];
    for r in rules {
        args.extend(["--rules", r]);
    }
    args.extend([facts, "--format", "json"]);
    let run = grantlog_in(dir, &args);
    if run.status != 0 {
        return None;
    }
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    Some(
        (v["relations"].as_array().unwrap().iter())
            .map(|r| {
                let rows = r["rows"].as_array().unwrap().iter().map(tuple).collect();
                (r["relation"].as_str().unwrap().to_string(), rows)
            })
            .collect(),
    )
}

/// Diff OLD NEW equals the set differences of the two evaluations, relation by relation
/// (`relations`: those the diff lists by default). `None` when a side does not load.
fn check(dir: &Path, rules: &[&str], old: &str, new: &str, relations: &[&str]) -> Option<()> {
    std::fs::write(dir.join("old.facts"), old).unwrap();
    std::fs::write(dir.join("new.facts"), new).unwrap();
    let before = eval(dir, rules, "old.facts")?;
    let after = eval(dir, rules, "new.facts")?;
    let mut args = vec!["diff"];
    for r in rules {
        args.extend(["--rules", r]);
    }
    args.extend(["--old-facts", "old.facts", "new.facts", "--format", "json"]);
    let run = grantlog_in(dir, &args);
    assert_eq!(run.status, 0, "{}\nOLD:\n{old}\nNEW:\n{new}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut listed: BTreeMap<String, (Tuples, Tuples)> = BTreeMap::new();
    for r in v["relations"].as_array().unwrap() {
        let entry = listed
            .entry(r["relation"].as_str().unwrap().to_string())
            .or_default();
        for g in r["groups"].as_array().unwrap() {
            for c in g["gained"].as_array().unwrap() {
                entry.0.insert(tuple(&c["values"]));
            }
            for c in g["lost"].as_array().unwrap() {
                entry.1.insert(tuple(&c["values"]));
            }
        }
    }
    let empty = Tuples::new();
    for rel in relations {
        let (o, n) = (
            before.get(*rel).unwrap_or(&empty),
            after.get(*rel).unwrap_or(&empty),
        );
        let expected: (Tuples, Tuples) = (
            n.difference(o).cloned().collect(),
            o.difference(n).cloned().collect(),
        );
        let got = listed.remove(*rel).unwrap_or_default();
        assert_eq!(got, expected, "{rel}\nOLD:\n{old}\nNEW:\n{new}");
    }
    assert!(listed.is_empty(), "listed beyond the default: {listed:?}");
    Some(())
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diff-facts-props-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn graph_facts(edges: &[(u8, u8)], marks: &[u8]) -> String {
    let mut out = String::new();
    for (a, b) in edges {
        out.push_str(&format!("edge(n{a}, n{b}).\n"));
    }
    for m in marks {
        out.push_str(&format!("mark(n{m}).\n"));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn graph_diff_is_the_difference_of_two_evaluations(
        old_edges in prop::collection::vec((0u8..5, 0u8..5), 0..8),
        old_marks in prop::collection::vec(0u8..5, 0..3),
        new_edges in prop::collection::vec((0u8..5, 0u8..5), 0..8),
        new_marks in prop::collection::vec(0u8..5, 0..3),
        keep in prop::collection::vec(any::<bool>(), 8),
    ) {
        let dir = scratch("graph");
        std::fs::write(dir.join("graph.dl"), GRAPH).unwrap();
        // NEW keeps some of OLD's edges (a change, not two unrelated instances) and adds some.
        let mut next: Vec<(u8, u8)> = old_edges
            .iter()
            .zip(keep.iter().cycle())
            .filter(|(_, k)| **k)
            .map(|(e, _)| *e)
            .collect();
        next.extend(new_edges);
        let relations = ["node", "path", "cut", "safe"];
        let done = check(
            &dir,
            &["graph.dl"],
            &graph_facts(&old_edges, &old_marks),
            &graph_facts(&next, &new_marks),
            &relations,
        );
        prop_assert!(done.is_some(), "both sides load");
    }

    #[test]
    fn dataos_diff_is_the_difference_of_two_evaluations(
        seed in 0u64..1000,
        users in 4usize..10,
        drop in prop::collection::vec(0usize..200, 0..4),
        moved in prop::option::of(0usize..200),
    ) {
        let dir = scratch("dataos");
        let run = grantlog_in(&dir, &["generate", "--seed", &seed.to_string(), "--users", &users.to_string()]);
        prop_assert_eq!(run.status, 0);
        let old = run.stdout;
        // Whole statements (the generator writes one per line) dropped, and one moved
        // to the end (grants and revocations are order-dependent).
        let lines: Vec<&str> = old.lines().collect();
        let statement = |i: usize| !lines.is_empty() && !lines[i % lines.len()].trim().is_empty();
        let dropped: BTreeSet<usize> = drop.iter().filter(|&&i| statement(i)).map(|i| i % lines.len()).collect();
        let moved = moved.filter(|&i| statement(i)).map(|i| i % lines.len());
        let mut new: Vec<&str> = (0..lines.len())
            .filter(|i| !dropped.contains(i) && Some(*i) != moved)
            .map(|i| lines[i])
            .collect();
        if let Some(m) = moved.filter(|m| !dropped.contains(m)) {
            new.push(lines[m]);
        }
        let new = new.join("\n") + "\n";
        // A change that leaves a dangling reference does not load: another case instead
        // (proptest fails when too many are rejected, so the property is never vacuous).
        let decisions = crate::diff_facts::decisions();
        let decisions: Vec<&str> = decisions.iter().map(String::as_str).collect();
        prop_assume!(check(&dir, &[], &old, &new, &decisions).is_some());
    }

    /// A change that reaches the check of a later action: a Tenant Admin's role, or a
    /// Can Manage Access grant, taken away before the grants its holder makes later in
    /// the file (which then never take effect), or the other way round.
    #[test]
    fn dataos_diff_of_a_right_taken_before_later_grants(
        seed in 0u64..1000,
        users in 4usize..10,
        which in 0usize..100,
        swap in any::<bool>(),
    ) {
        let dir = scratch("dataos-rights");
        let run = grantlog_in(&dir, &["generate", "--seed", &seed.to_string(), "--users", &users.to_string()]);
        prop_assert_eq!(run.status, 0);
        let old = run.stdout;
        let lines: Vec<&str> = old.lines().collect();
        let rights: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].ends_with(" as Tenant Admin.") || lines[i].starts_with("grant can_manage_access "))
            .collect();
        prop_assume!(!rights.is_empty());
        let at = rights[which % rights.len()];
        let new: Vec<String> = lines
            .iter()
            .enumerate()
            .filter(|&(i, l)| i != at || l.starts_with("invite "))
            .map(|(i, l)| if i == at { l.replace(" as Tenant Admin.", ".") } else { l.to_string() })
            .collect();
        let new = new.join("\n") + "\n";
        let (old, new) = if swap { (new, old) } else { (old, new) };
        let decisions = crate::diff_facts::decisions();
        let decisions: Vec<&str> = decisions.iter().map(String::as_str).collect();
        prop_assert!(check(&dir, &[], &old, &new, &decisions).is_some(), "both sides load");
    }
}
