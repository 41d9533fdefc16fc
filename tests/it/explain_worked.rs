//! Explanations on the worked example (raw-facts equivalent of
//! examples/worked-example.facts, Can Use Secret on sf-creds missing).

use crate::explain_util;

use explain_util::{atom, holds, worked};
use grantlog::explain::{as_statement, why, why_not, ExplainOptions, Failure, NodeOrigin, Premise};

const MISSING: &str = "missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret)";
const FIX: &str = "grant can_use_secret on sf-creds in engineering to sam by maria.";

#[test]
fn proof_names_rules_and_base_facts_with_file_and_line() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, MISSING);
    let p = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = p.to_text(&ws.sources);
    assert!(text.starts_with(&format!("[1] {MISSING}\n")), "{text}");
    assert!(
        text.contains("by @identity_lacks_permission at rules/dataos.dl:"),
        "{text}"
    );
    assert!(
        text.contains("by @depot_needs_linked_secret at rules/dataos.dl:"),
        "{text}"
    );
    assert!(
        text.contains("/// S21: using a depot also needs Can Use Secret"),
        "{text}"
    );
    assert!(text.contains("by @runs_as_submitter"), "{text}");
    // Base facts: the fact file's line, and the rule file's tables.
    let lines: Vec<&str> = text.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.ends_with("] depot_secret(engineering, sf-depot, sf-creds)"))
        .expect("depot_secret shown");
    assert_eq!(
        lines[i + 1].trim(),
        "fact at tests/data/worked-example.dl:33"
    );
    assert!(text.contains("workload_kind(data-product)"), "{text}");
    assert!(text.contains("fact at rules/dataos.dl:"), "{text}");
    // Negated premises.
    assert!(text.contains(
        "!permission(sam, engineering, sf-creds, can_use_secret) holds: no permission(sam, engineering, sf-creds, can_use_secret)"
    ));
    // The root node's rule.
    match &p.nodes[p.root].origin {
        NodeOrigin::Rule { rule, .. } => assert_eq!(rule.name, "identity_lacks_permission"),
        o => panic!("{o:?}"),
    }
}

#[test]
fn shared_sub_proofs_are_printed_once() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, MISSING);
    let p = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = p.to_text(&ws.sources);
    // resource(.. sales-360 ..) is a premise of workload and of runs_as.
    let res = "resource(engineering, data-product, sales-360, sam, sam)";
    let full: Vec<_> = text
        .lines()
        .filter(|l| l.trim_start().starts_with('[') && l.contains(res))
        .collect();
    assert_eq!(full.len(), 1, "{text}");
    let n = full[0]
        .trim_start()
        .split(']')
        .next()
        .unwrap()
        .trim_start_matches('[');
    assert!(text.contains(&format!("{res}  (see [{n}])")), "{text}");
    // Each fact is one node.
    let mut facts: Vec<_> = p.nodes.iter().map(|n| n.fact.to_string()).collect();
    let len = facts.len();
    facts.sort();
    facts.dedup();
    assert_eq!(facts.len(), len);
}

#[test]
fn depth_limit_cuts_with_dots() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, "can_run(engineering, minerva-cluster)");
    assert!(why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).is_err());
    let a = atom(&mut ws, MISSING);
    let opts = ExplainOptions { max_depth: Some(1) };
    let p = why(&ws.model, &ws.sources, &a, &opts).unwrap();
    let text = p.to_text(&ws.sources);
    // Cut facts are shown, unnumbered (a number is where premises are shown), then `...`.
    assert!(
        text.contains("\n    needs(engineering, sales-360, sf-creds, can_use_secret)\n"),
        "{text}"
    );
    assert!(!text.contains("[2]"), "{text}");
    assert!(text.contains("..."), "{text}");
    assert!(!text.contains("depot_secret"), "{text}");
    assert!(!text.contains("workload("), "{text}");
    let json = p.to_json(&ws.sources).to_string();
    assert!(json.contains("\"truncated\":true"), "{json}");
    // Depth 0: the fact and its rule only.
    let p = why(
        &ws.model,
        &ws.sources,
        &a,
        &ExplainOptions { max_depth: Some(0) },
    )
    .unwrap();
    let text = p.to_text(&ws.sources);
    assert!(
        text.starts_with(MISSING) && text.contains("\n    by @"),
        "{text}"
    );
    assert_eq!(text.matches('[').count(), 0, "{text}");
}

#[test]
fn why_of_a_fact_that_does_not_hold_says_so() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, "can_run(engineering, sales-360)");
    let e = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap_err();
    assert_eq!(e[0].code, "E0701");
    assert!(e[0].help.as_deref().unwrap().contains("--why-not"));
    let a = atom(&mut ws, MISSING);
    let e = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap_err();
    assert_eq!(e[0].code, "E0702");
    let a = atom(&mut ws, "no_such(x)");
    let e = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap_err();
    assert_eq!(e[0].code, "E0101");
    let a = atom(&mut ws, "can_run(engineering, W)");
    let e = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap_err();
    assert_eq!(e[0].code, "E0104");
}

#[test]
fn why_not_shows_the_missing_permission_and_proposes_the_missing_grant() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, "can_run(engineering, sales-360)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    assert_eq!(w.attempts.len(), 1);
    assert_eq!(w.attempts[0].rule.name, "workload_runs");
    match &w.attempts[0].failure {
        Failure::Blocked { premise, proof } => {
            assert_eq!(premise.to_string(), "blocked(engineering, sales-360)");
            let root = &proof.nodes[proof.root];
            let Some(ps) = &root.premises else { panic!() };
            let Premise::Fact(c) = ps[0] else { panic!() };
            let reason = &proof.nodes[c];
            assert_eq!(
                reason.fact.to_string(),
                "blocked_because(engineering, sales-360, missing_permission)"
            );
            let Some(ps) = &reason.premises else { panic!() };
            let Premise::Fact(c) = ps[0] else { panic!() };
            assert_eq!(proof.nodes[c].fact.to_string(), MISSING);
            // One reason, one derivation.
            assert!(proof.also.is_empty());
        }
        f => panic!("{f:?}"),
    }
    let text = w.to_text(&ws.sources);
    assert!(text.contains(&format!("[3] {MISSING}")), "{text}");
    assert!(text.contains("by @identity_lacks_permission"), "{text}");
    // Exactly the missing grant.
    assert_eq!(w.fixes.len(), 1, "{text}");
    assert_eq!(w.fixes[0].facts.len(), 1, "{text}");
    let f = &w.fixes[0].facts[0];
    assert_eq!(as_statement(&f.relation, &f.values), FIX);
    assert!(text.ends_with(&format!("  {FIX}\n")), "{text}");
    // Verified independently: the fact holds with the fix added.
    let fixed = format!("{}\n{}.\n", explain_util::WORKED, f);
    let mut ws2 = worked(|_| fixed.clone());
    assert!(holds(&mut ws2, "can_run(engineering, sales-360)"));
}

#[test]
fn two_missing_grants_need_a_two_fact_fix() {
    let line = "grant(engineering, runnable-default, sam, can_use_compute, maria).";
    let mut ws = worked(|t| t.replace(line, ""));
    let a = atom(&mut ws, "can_run(engineering, sales-360)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = w.to_text(&ws.sources);
    assert!(!w.fixes.is_empty(), "{text}");
    let mut stmts: Vec<String> = w.fixes[0]
        .facts
        .iter()
        .map(|f| as_statement(&f.relation, &f.values))
        .collect();
    stmts.sort();
    assert_eq!(
        stmts,
        [
            "grant can_use_compute on runnable-default in engineering to sam by maria.",
            FIX
        ],
        "{text}"
    );
    assert!(w.fixes.iter().all(|f| f.facts.len() == 2));
    let fixed = format!(
        "{}\n{}\n",
        explain_util::WORKED.replace(line, ""),
        w.fixes[0]
            .facts
            .iter()
            .map(|f| format!("{f}."))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let mut ws2 = worked(|_| fixed.clone());
    assert!(holds(&mut ws2, "can_run(engineering, sales-360)"));
}

#[test]
fn why_not_follows_a_missing_derived_premise_down() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, "can_use(sam, engineering, sf-creds)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = w.to_text(&ws.sources);
    assert!(
        text.contains("fails: no permission(sam, engineering, sf-creds, P)"),
        "{text}"
    );
    assert!(
        text.contains("why not permission(sam, engineering, sf-creds, P):"),
        "{text}"
    );
    assert!(text.contains("rule @granted_permission"), "{text}");
    assert!(
        text.contains("effective_grant(engineering, sf-creds, sam, P, _)")
            || text.contains("effective_grant(engineering, sf-creds, sam, P"),
        "{text}"
    );
    assert!(text.contains(FIX), "{text}");
    // An unknown constant still gets an answer.
    let a = atom(&mut ws, "can_run(engineering, nowhere)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    assert!(w
        .to_text(&ws.sources)
        .contains("fails: no workload(engineering, nowhere)"));
}
