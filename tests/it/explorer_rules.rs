//! The explorer's rule change: the live facts under one of the server's alternative rule
//! files (`--alt-rules`) or uploaded rules, answered as `grantlog diff --format json`
//! (decision relations, with proofs); bad rules are located; nothing is changed.

use crate::serve_util::{scratch, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A rule change's answer once computed: a 202 ("computing") is asked again.
pub fn rule_change(s: &Server, body: &Value) -> (u16, Value) {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, d) = s.post_json("/v1/explore/rule-change", body);
        if status != 202 {
            return (status, d);
        }
        assert_eq!(d["status"], "computing", "{d}");
        assert!(Instant::now() < until, "still computing: {d}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

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

    let (status, d) = rule_change(&s, &json!({"alternative": "dataos-s13-broad.dl"}));
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
        let (_, page) = rule_change(
            &s,
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
    let (status, d) = rule_change(&s, &json!({"rules": shipped}));
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["alternative"], "uploaded.dl");
    assert!(d["total"]["gained"].as_u64().unwrap() > 0, "{d}");
    // The same text again: the comparison kept, not evaluated again.
    let (_, again) = rule_change(&s, &json!({"rules": shipped, "offset": 1}));
    assert_eq!(again["evaluation"], d["evaluation"], "{again}");
    assert_eq!(again["changes"][0], d["changes"][1]);

    let (status, bad) = rule_change(&s, &json!({"rules": "@decision\np(X) :- q(X\n"}));
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
fn a_rule_change_is_computed_when_the_server_starts_and_once_per_revision() {
    let dir = scratch("explorer-rules-kept");
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let token = dir.join("token");
    let s = Server::start(&[
        "--alt-rules",
        "rules/dataos-s13-broad.dl",
        "--token-file",
        token.to_str().unwrap(),
    ]);
    // Computed in the background when the server starts, before anyone asks.
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, list) = s.get("/v1/explore/rules");
        let c = &list["computed"][0];
        assert_eq!(c["alternative"], "dataos-s13-broad.dl", "{list}");
        if c["status"] == "ready" {
            assert_eq!(c["revision"], 0, "{list}");
            break;
        }
        assert_eq!(c["status"], "computing", "{list}");
        assert!(Instant::now() < until, "{list}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Its pages come from that one evaluation.
    let alt =
        |offset: usize| json!({"alternative": "dataos-s13-broad.dl", "offset": offset, "limit": 2});
    let (status, first) = s.post_json("/v1/explore/rule-change", &alt(0));
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["evaluation"].as_u64(), first["refreshing"].as_bool()),
        (Some(1), Some(false)),
        "{first}"
    );
    let (_, second) = s.post_json("/v1/explore/rule-change", &alt(2));
    assert_eq!(second["evaluation"], 1, "{second}");
    assert_ne!(first["changes"], second["changes"]);

    // A change: the next revision is compared again (with the change), and meanwhile
    // revision 0's comparison is served, marked as such.
    let created = "resource newdb in engineering type: secret owner: maria.";
    let (status, changed) = s.post_with_token("/v1/changes", &json!({"assert": created}), "s3cret");
    assert_eq!(status, 200, "{changed}");
    let (_, meanwhile) = s.post_json("/v1/explore/rule-change", &alt(0));
    if meanwhile["revision"] == 0 {
        assert_eq!(meanwhile["refreshing"], true, "{meanwhile}");
        assert_eq!(meanwhile["current_revision"], 1, "{meanwhile}");
    }
    let until = Instant::now() + Duration::from_secs(120);
    let after = loop {
        let (_, d) = rule_change(&s, &alt(0));
        if d["revision"] == 1 {
            break d;
        }
        assert!(Instant::now() < until, "{d}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        (after["evaluation"].as_u64(), after["refreshing"].as_bool()),
        (Some(2), Some(false)),
        "{after}"
    );
    // Compared with revision 1's live model: the rules could not be matched up (S13
    // decides the rights that order grants otherwise), so the other side was opened on
    // the fact files and the change applied again under the other rules: the new
    // resource's decisions are not lost, and the Data Admin gains managing it.
    assert_eq!(after["changes_included"], true, "{after}");
    let total = |d: &Value, side: &str| d["total"][side].as_u64().unwrap();
    assert_eq!(total(&after, "lost"), 0, "{after}");
    assert_eq!(
        total(&after, "gained"),
        total(&first, "gained") + 2,
        "{after}"
    );
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
