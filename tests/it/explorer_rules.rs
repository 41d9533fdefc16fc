//! The explorer's rule change: the live facts under one of the server's alternative rule
//! files (`--alt-rules`) or uploaded rules, answered as `grantlog diff --format json`
//! (decision relations, with proofs); bad rules are located; nothing is changed.

use crate::serve_util::Server;
use serde_json::{json, Value};

fn gained_facts(d: &Value, relation: &str) -> Vec<String> {
    d["relations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relation"] == relation)
        .flat_map(|r| r["groups"].as_array().unwrap())
        .flat_map(|g| g["gained"].as_array().unwrap())
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
    let change = &rel["groups"][0]["gained"][0];
    assert_eq!(
        change["proof"]["rule"]["name"], "data_admin_manages_all_resources",
        "{change}"
    );
    // Only decision relations are listed.
    assert!(gained_facts(&d, "holds_role").is_empty());
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
