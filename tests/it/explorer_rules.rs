//! The explorer's rule change: the live facts under one of the server's alternative rule
//! files (`--alt-rules`) or uploaded rules, answered as `grantlog diff --format json`
//! (decision relations, with proofs); bad rules are located; nothing is changed.

use crate::serve_util::Server;
use serde_json::{json, Value};

fn gained_facts(d: &Value, relation: &str) -> Vec<String> {
    d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["relation"] == relation && c["change"] == "gained")
        .map(|c| c["fact"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_alternative_rule_file_shows_the_decisions_it_changes_with_proofs() {
    let s = Server::start(&["--alt-rules", "rules/dataos-s13-broad.dl"]);
    let (status, list) = s.get("/v1/explore/rules");
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["alternatives"],
        json!(["dataos-s13-broad.dl"]),
        "{list}"
    );

    let (status, d) = s.post_json(
        "/v1/explore/rule-change",
        &json!({"alternative": "dataos-s13-broad.dl"}),
    );
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["alternative"], "dataos-s13-broad.dl");
    assert_eq!(d["revision"], 0);
    // The broad S13: the Data Admin dana manages access on resources maria created.
    let gained = gained_facts(&d, "permission");
    assert!(
        gained.contains(&"permission(dana, engineering, sf-creds, can_manage_access)".to_string()),
        "{gained:?}"
    );
    assert_eq!(d["total"]["lost"], 0, "{d}");
    let rel = d["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["relation"] == "permission")
        .unwrap();
    assert_eq!(rel["gained"].as_u64().unwrap() as usize, gained.len());
    // Each gain with its proof under the new rules, by the new rule.
    let change = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["relation"] == "permission")
        .unwrap();
    assert_eq!(change["user"], "dana", "{change}");
    assert_eq!(change["tenant"], "engineering", "{change}");
    assert_eq!(
        change["proof"]["rule"]["name"], "data_admin_manages_all_resources",
        "{change}"
    );
    // Only decision relations are listed.
    assert!(gained_facts(&d, "holds_role").is_empty());

    // Pages of 2 list the same changes, in the same order, then stop.
    let all: Vec<Value> = d["changes"].as_array().unwrap().clone();
    assert_eq!(all.len() as u64, d["total"]["gained"].as_u64().unwrap());
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let (_, page) = s.post_json(
            "/v1/explore/rule-change",
            &json!({"alternative": "dataos-s13-broad.dl", "offset": offset, "limit": 2}),
        );
        let items = page["changes"].as_array().unwrap();
        assert!(items.len() <= 2, "{page}");
        paged.extend(items.iter().map(|c| c["fact"].clone()));
        match page["next_offset"].as_u64() {
            Some(n) => offset = n,
            None => break,
        }
    }
    let facts: Vec<Value> = all.iter().map(|c| c["fact"].clone()).collect();
    assert_eq!(paged, facts);
    assert_eq!(s.get("/ready").1["revision"], 0);
}

#[test]
fn uploaded_rules_are_compared_and_bad_ones_are_located() {
    let s = Server::start(&[]);
    // The alternative's text, uploaded rather than chosen.
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/dataos-s13-broad.dl"),
    )
    .unwrap();
    let (status, d) = s.post_json("/v1/explore/rule-change", &json!({"rules": shipped}));
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["alternative"], "uploaded.dl");
    assert!(d["total"]["gained"].as_u64().unwrap() > 0, "{d}");

    let (status, bad) = s.post_json(
        "/v1/explore/rule-change",
        &json!({"rules": "@decision\np(X) :- q(X\n"}),
    );
    assert_eq!(status, 400, "{bad}");
    let loc = &bad["error"]["diagnostics"][0]["location"];
    assert_eq!(loc["file"], "uploaded.dl", "{bad}");
    assert!(loc["line"].as_u64().is_some_and(|l| l >= 2), "{bad}");

    let (status, unknown) = s.post_json(
        "/v1/explore/rule-change",
        &json!({"alternative": "nope.dl"}),
    );
    assert_eq!(status, 404, "{unknown}");
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--alt-rules"),
        "{unknown}"
    );
    let (status, both) = s.post_json(
        "/v1/explore/rule-change",
        &json!({"alternative": "a", "rules": "b"}),
    );
    assert_eq!(status, 400, "{both}");
    let (status, _) = s.post_json("/v1/explore/rule-change", &json!({}));
    assert_eq!(status, 400);
}

#[test]
fn a_missing_alternative_rule_file_stops_the_server_from_starting() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--alt-rules",
            "no/such-rules.dl",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such-rules.dl"), "{err}");
}
