//! JSON and DOT shapes, and the `explain` subcommand.

use crate::explain_util;

use explain_util::{atom, worked, WORKED_NAME};
use grantlog::explain::{why, why_not, ExplainOptions};
use serde_json::Value;
use std::process::Command;

const MISSING: &str = "missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret)";

fn all_nodes<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(v);
    for p in v["premises"].as_array().into_iter().flatten() {
        all_nodes(p, out);
    }
}

#[test]
fn proof_json_has_the_documented_fields() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, MISSING);
    let p = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let text = serde_json::to_string(&p.to_json(&ws.sources)).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["fact"], MISSING);
    assert_eq!(v["holds"], true);
    assert_eq!(v["rule"]["name"], "identity_lacks_permission");
    assert!(v["rule"]["location"]
        .as_str()
        .unwrap()
        .starts_with("rules/dataos.dl:"));
    assert!(v["rule"]["doc"].as_str().unwrap().contains("S23"));
    assert!(v["source"].is_null());
    let mut nodes = Vec::new();
    all_nodes(&v, &mut nodes);
    let base = nodes
        .iter()
        .find(|n| n["fact"] == "depot_secret(engineering, sf-depot, sf-creds)")
        .unwrap();
    assert_eq!(base["source"]["file"], WORKED_NAME);
    assert_eq!(base["source"]["line"], 33);
    assert!(base["rule"].is_null());
    let r = nodes
        .iter()
        .find(|n| n.get("ref").is_some())
        .expect("a ref");
    let target = nodes.iter().find(|n| n.get("id") == r.get("ref")).unwrap();
    assert_eq!(target["fact"], r["fact"]);
    assert!(nodes.iter().any(|n| n["negated"] == true
        && n["absent"] == "permission(sam, engineering, sf-creds, can_use_secret)"));
}

#[test]
fn why_not_json_has_rules_failing_premises_and_fixes() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, "can_run(engineering, sales-360)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let v: Value = serde_json::from_str(&w.to_json(&ws.sources).to_string()).unwrap();
    assert_eq!(v["fact"], "can_run(engineering, sales-360)");
    assert_eq!(v["holds"], false);
    let r = &v["rules"][0];
    assert_eq!(r["rule"]["name"], "workload_runs");
    assert_eq!(r["bindings"]["W"], "sales-360");
    assert_eq!(r["failing"]["kind"], "blocked");
    assert_eq!(r["failing"]["premise"], "!blocked(engineering, sales-360)");
    assert_eq!(
        r["failing"]["proof"]["fact"],
        "blocked(engineering, sales-360)"
    );
    let reason = &r["failing"]["proof"]["premises"][0];
    assert_eq!(
        reason["fact"],
        "blocked_because(engineering, sales-360, missing_permission)"
    );
    assert_eq!(reason["premises"][0]["fact"], MISSING);
    assert_eq!(
        v["fixes"],
        serde_json::json!([["grant can_use_secret on sf-creds in engineering to sam by maria."]])
    );
    // maria is the only one who may sign it.
    assert_eq!(v["signers"], serde_json::json!([[["maria"]]]));
    assert_eq!(
        v["causes"],
        serde_json::json!(["sam lacks can_use_secret on sf-creds"])
    );
    assert_eq!(v["summary"], w.summary(&ws.sources));
}

#[test]
fn dot_has_one_node_per_fact_and_labelled_edges() {
    let mut ws = worked(str::to_string);
    let a = atom(&mut ws, MISSING);
    let p = why(&ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let dot = p.to_dot(&ws.sources);
    assert!(dot.starts_with("digraph proof {"), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
    let id_of = |fact: &str| {
        let nodes: Vec<&str> = dot
            .lines()
            .filter(|l| l.contains(&format!("[label=\"{fact}")))
            .collect();
        assert_eq!(nodes.len(), 1, "{fact} in {dot}");
        nodes[0].split_whitespace().next().unwrap().to_string()
    };
    let root = id_of(MISSING);
    let needs = id_of("needs(engineering, sales-360, sf-creds, can_use_secret)");
    let res = id_of("resource(engineering, data-product, sales-360, sam, sam)");
    let work = id_of("workload(engineering, sales-360)");
    let runs = id_of("runs_as(engineering, sales-360, sam)");
    assert!(
        dot.contains(&format!(
            "{needs} -> {root} [label=\"identity_lacks_permission\"]"
        )),
        "{dot}"
    );
    assert!(
        dot.contains(&format!("{res} -> {work} [label=\"workload_by_kind\"]")),
        "{dot}"
    );
    assert!(
        dot.contains(&format!("{res} -> {runs} [label=\"runs_as_submitter\"]")),
        "{dot}"
    );
    assert!(dot.contains("!has_run_as_user(engineering, sales-360)"));
    assert!(dot.contains("tests/data/worked-example.dl:41"));
    let a = atom(&mut ws, "can_run(engineering, sales-360)");
    let w = why_not(&mut ws.model, &ws.sources, &a, &ExplainOptions::default()).unwrap();
    let dot = w.to_dot(&ws.sources);
    assert!(dot.starts_with("digraph why_not {"), "{dot}");
    assert!(
        dot.contains("can_run(engineering, sales-360)\\ndoes not hold"),
        "{dot}"
    );
    assert!(dot.contains("workload_runs (blocks)"), "{dot}");
    assert!(dot.contains("grant can_use_secret on sf-creds in engineering to sam by maria."));
}

fn grantlog(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const RULES: [&str; 2] = ["--rules", "rules/dataos.dl"];

#[test]
fn cli_exit_codes_and_formats() {
    let with = |extra: &[&str]| {
        let mut v: Vec<&str> = extra.to_vec();
        v.extend(RULES);
        v.push(WORKED_NAME);
        grantlog(&v)
    };
    let (code, out, _) = with(&["explain", MISSING]);
    assert_eq!(code, 0);
    assert!(out.contains("by @identity_lacks_permission"), "{out}");
    let (code, _, err) = with(&["explain", "can_run(engineering, sales-360)"]);
    assert_eq!(code, 3, "does not hold: 3, distinct from a usage error");
    assert!(
        err.contains("does not hold") && err.contains("--why-not"),
        "{err}"
    );
    let (code, _, err) = with(&["explain", "--why-not", MISSING]);
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = grantlog(&["explain"]);
    assert_eq!(code, 2, "a usage error: {err}");
    let (code, out, _) = with(&["explain", "--why-not", "can_run(engineering, sales-360)"]);
    assert_eq!(code, 0);
    assert!(out.contains("grant can_use_secret on sf-creds in engineering to sam by maria."));
    let (code, _, _) = with(&["explain", "can_rnu(engineering, sales-360)"]);
    assert_eq!(code, 1);
    let (code, _, _) = with(&["explain", "can_run(engineering"]);
    assert_eq!(code, 1);
    let (code, out, _) = with(&["explain", MISSING, "--format", "json", "--depth", "2"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["fact"], MISSING);
    let (code, out, _) = with(&[
        "explain",
        "--why-not",
        "can_run(engineering, sales-360)",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["holds"], false);
    let (code, out, _) = with(&["explain", MISSING, "--format", "dot"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("digraph proof {"));
    let (code, out, _) = grantlog(&["explain", "--help"]);
    assert_eq!(code, 0);
    for field in [
        "\"fact\"",
        "\"holds\"",
        "\"rule\"",
        "\"location\"",
        "\"doc\"",
        "\"source\"",
        "\"line\"",
        "\"premises\"",
        "\"ref\"",
    ] {
        assert!(out.contains(field), "{field} in {out}");
    }
}
