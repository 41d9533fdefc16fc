//! `grantlog serve`: a check is answered by one probe of the relation's tuples
//! (`Model::holds`), not by planning a query; it must answer what the query answers, for
//! every fact, held or not, and keep the query's diagnostics.

use crate::serve_util::{scratch, Server};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The values of column `var` in the rows of `query`.
fn column(s: &Server, query: &str, var: &str) -> Vec<String> {
    let (status, body) = s.post_json("/v1/query", &json!({ "query": query }));
    assert_eq!(status, 200, "{body}");
    let set: BTreeSet<String> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[var].as_str().unwrap().to_string())
        .collect();
    set.into_iter().collect()
}

/// Each fact of `facts` checked in one `/v1/checks`, against its membership in `held`.
fn agree(s: &Server, facts: &[String], held: &BTreeSet<String>) -> usize {
    let checks: Vec<Value> = facts.iter().map(|f| json!({ "fact": f })).collect();
    let (status, body) = s.post_json("/v1/checks", &json!({ "checks": checks }));
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), facts.len());
    for (fact, r) in facts.iter().zip(results) {
        assert_eq!(
            r["holds"],
            json!(held.contains(fact)),
            "{fact}: the check and the query disagree ({r})"
        );
    }
    facts.iter().filter(|f| held.contains(*f)).count()
}

#[test]
fn every_check_answers_what_the_query_answers() {
    let s = Server::start(&[]);
    let users = column(&s, "user(U, _)", "U");
    let tenants = column(&s, "tenant(T)", "T");
    let resources = column(&s, "resource(_, _, R, _, _)", "R");
    let perms = column(&s, "permission_name(P)", "P");
    let (_, all) = s.post_json(
        "/v1/query",
        &json!({"query": "permission(U, T, R, P)", "limit": 100000}),
    );
    let held: BTreeSet<String> = all["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("permission({}, {}, {}, {})", r["U"], r["T"], r["R"], r["P"]))
        .map(|f| f.replace('"', ""))
        .collect();
    // Every user, tenant, resource and permission the example names: held or not, and a
    // user no fact names (a constant the model never saw holds nothing).
    let mut facts = Vec::new();
    for u in users.iter().map(String::as_str).chain(["nobody"]) {
        for t in &tenants {
            for r in &resources {
                for p in &perms {
                    facts.push(format!("permission({u}, {t}, {r}, {p})"));
                }
            }
        }
    }
    assert!(facts.len() <= 10_000, "{} checks", facts.len());
    let n = agree(&s, &facts, &held);
    assert!(
        n > 10 && n < facts.len() / 2,
        "{n} of {} held: the example should have both",
        facts.len()
    );

    // The same for a decision of another arity: every tenant and workload (in the worked
    // example none may run yet, so these are the `false` side).
    let workloads = column(&s, "workload(_, W)", "W");
    let (_, runs) = s.post_json("/v1/query", &json!({"query": "can_run(T, W)"}));
    let runs: BTreeSet<String> = runs["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("can_run({}, {})", r["T"], r["W"]).replace('"', ""))
        .collect();
    let facts: Vec<String> = tenants
        .iter()
        .flat_map(|t| workloads.iter().map(move |w| format!("can_run({t}, {w})")))
        .collect();
    assert!(!facts.is_empty());
    assert_eq!(agree(&s, &facts, &runs), runs.len());

    // An unknown constant: not held, with the query's warning.
    let (_, body) = s.post_json(
        "/v1/check",
        &json!({"fact": "permission(nobdy, engineering, sf-depot, can_use_depot)"}),
    );
    assert_eq!(body["holds"], false);
    assert_eq!(body["warnings"][0]["code"], "W0601", "{body}");
    // A spelling the facts language accepts is normalised as in a query.
    let (_, body) = s.post_json(
        "/v1/check",
        &json!({"fact": "permission(sam, engineering, sf-depot, \"Can Use Depot\")"}),
    );
    assert_eq!(body["holds"], true, "{body}");
}

#[test]
fn a_check_keeps_the_diagnostics_of_a_query() {
    let dir = scratch("serve-check-types");
    std::fs::write(
        dir.join("sizes.dl"),
        ".decl size(name: symbol, bytes: number)\nsize(a, 10).\n",
    )
    .unwrap();
    let s = Server::start_in(&dir, &["--rules", "sizes.dl"]);
    let (_, body) = s.post_json("/v1/check", &json!({"fact": "size(a, 10)"}));
    assert_eq!(body["holds"], true, "{body}");
    let (_, body) = s.post_json("/v1/check", &json!({"fact": "size(a, 11)"}));
    assert_eq!(body["holds"], false, "{body}");
    // A symbol in a number column: the query's E0105, located in the field.
    let (status, body) = s.post_json("/v1/check", &json!({"fact": "size(a, b)"}));
    assert_eq!(status, 400, "{body}");
    let d = &body["error"]["diagnostics"][0];
    assert_eq!(d["code"], "E0105", "{body}");
    assert_eq!(
        d["location"],
        json!({"file": "fact", "line": 1, "column": 9})
    );
    // Wrong arity and an unknown relation.
    let (status, body) = s.post_json("/v1/check", &json!({"fact": "size(a)"}));
    assert_eq!((status, &body["error"]["code"]), (400, &json!("E0102")));
    let (status, body) = s.post_json("/v1/check", &json!({"fact": "sise(a, 10)"}));
    assert_eq!((status, &body["error"]["code"]), (400, &json!("E0101")));
}
