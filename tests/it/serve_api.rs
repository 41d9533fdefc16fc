//! `grantlog serve`: every decision endpoint and change on the worked example, through a
//! real HTTP client; answers compared with the CLI's.

use crate::serve_util::Server;
use serde_json::{json, Value};
use std::process::Command;

const RUN: &str = "can_run(engineering, sales-360)";
const FIX: &str = "grant can_use_secret on sf-creds in engineering to sam by maria";

fn cli_json(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("the CLI prints JSON")
}

fn facts(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["fact"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn query_answers_rows_keyed_by_variable_with_the_revision() {
    let s = Server::start(&[]);
    let (status, body) = s.post(
        "/v1/query",
        r#"{"query": "permission(sam, engineering, R, P)"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["columns"], json!(["R", "P"]));
    assert_eq!(body["revision"], 0);
    let rows = body["rows"].as_array().unwrap();
    assert!(
        rows.contains(&json!({"R": "sf-depot", "P": "can_use_depot"})),
        "{body}"
    );
    assert!(!rows.iter().any(|r| r["R"] == "sf-creds"), "{body}");
    // Pages: sorted rows, `offset` and `limit`, `next_offset` until the last.
    let (_, page) = s.post_json(
        "/v1/query",
        &json!({"query": "permission(sam, engineering, R, P)", "offset": 1, "limit": 2}),
    );
    assert_eq!(page["rows"].as_array().unwrap()[..], rows[1..3]);
    assert_eq!(
        (&page["total"], &page["next_offset"]),
        (&json!(rows.len()), &json!(3))
    );
    let (_, last) = s.post_json(
        "/v1/query",
        &json!({"query": "permission(sam, engineering, R, P)", "offset": 3}),
    );
    assert_eq!(last["rows"].as_array().unwrap()[..], rows[3..]);
    assert_eq!(last["next_offset"], Value::Null);
    // The same rows as `grantlog eval`.
    let cli = cli_json(&[
        "eval",
        "-q",
        "permission(sam, engineering, R, P)",
        "--format",
        "json",
    ]);
    assert_eq!(
        cli["results"][0]["rows"].as_array().unwrap().len(),
        rows.len()
    );
}

#[test]
fn check_answers_holds_and_explains_as_grantlog_explain_does() {
    let s = Server::start(&[]);
    let (status, body) = s.post_json("/v1/check", &json!({"fact": RUN}));
    assert_eq!(
        (status, &body["holds"], &body["revision"]),
        (200, &json!(false), &json!(0))
    );

    let (_, body) = s.post_json("/v1/check", &json!({"fact": RUN, "explain": "whynot"}));
    let cli = cli_json(&["explain", "--why-not", RUN, "--format", "json"]);
    assert_eq!(
        body["whynot"], cli,
        "the why-not is `grantlog explain --why-not --format json`"
    );
    let fixes = body["whynot"]["fixes"].to_string();
    assert!(fixes.contains(FIX), "{fixes}");

    let held = "can_use(sam, engineering, sf-depot)";
    let (_, body) = s.post_json("/v1/check", &json!({"fact": held, "explain": "proof"}));
    assert_eq!(body["holds"], true);
    assert_eq!(
        body["proof"],
        cli_json(&["explain", held, "--format", "json"])
    );
    // A proof of a fact that does not hold is null, not an error.
    let (status, body) = s.post_json("/v1/check", &json!({"fact": RUN, "explain": "proof"}));
    assert_eq!((status, &body["proof"]), (200, &Value::Null));
}

#[test]
fn checks_are_answered_on_one_snapshot_each_with_its_own_error() {
    let s = Server::start(&[]);
    let (status, body) = s.post_json(
        "/v1/checks",
        &json!({"checks": [{"fact": RUN}, {"fact": "can_use(sam, engineering, sf-depot)"}, {"fact": "can_rn(a, b)"}]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revision"], 0);
    let r = body["results"].as_array().unwrap();
    assert_eq!(r[0]["holds"], false);
    assert_eq!(r[1]["holds"], true);
    assert_eq!(r[2]["error"]["code"], "E0101", "{body}");
}

#[test]
fn a_dry_run_leaves_nothing_of_its_text_behind() {
    let s = Server::start(&[]);
    for (key, text) in [
        ("assert", FIX),
        (
            "retract",
            "grant can_use_depot on sf-depot in engineering to sam by maria",
        ),
    ] {
        let (status, dry) = s.post_json("/v1/changes", &json!({key: text, "dry_run": true}));
        assert_eq!(status, 200, "{dry}");
        // The model's texts are what the explorer shows a fact's source lines from: a
        // dry run's text must not be among them (it used to stay, one file a dry run).
        let file = format!("dry-run-1-{key}.facts");
        let (status, body) = s.get(&format!("/v1/explore/source?file={file}&line=1"));
        assert_eq!(
            (status, &body["error"]["code"]),
            (404, &json!("unknown_file")),
            "{body}"
        );
    }
    // The model's own files are still there, and a real change's text is kept.
    let (status, _) = s.get("/v1/explore/source?file=examples/worked-example.facts&line=1");
    assert_eq!(status, 200);
    let (status, _) = s.post_json("/v1/changes", &json!({"assert": FIX}));
    assert_eq!(status, 200);
    let (status, body) = s.get("/v1/explore/source?file=change-1-assert.facts&line=1");
    assert_eq!(status, 200, "{body}");
    assert!(
        body["lines"][0]["text"]
            .as_str()
            .unwrap()
            .contains("sf-creds"),
        "{body}"
    );
}

#[test]
fn a_change_flips_decisions_and_a_dry_run_changes_nothing() {
    let s = Server::start(&[]);
    let (status, dry) = s.post_json("/v1/changes", &json!({"assert": FIX, "dry_run": true}));
    assert_eq!(status, 200, "{dry}");
    assert_eq!(
        (&dry["revision"], &dry["dry_run"]),
        (&json!(0), &json!(true))
    );
    assert!(facts(&dry["gained"]).contains(&RUN.to_string()), "{dry}");
    assert!(
        facts(&dry["lost"]).contains(&"blocked(engineering, sales-360)".to_string()),
        "{dry}"
    );
    let (_, now) = s.post_json("/v1/check", &json!({"fact": RUN}));
    assert_eq!(
        (&now["holds"], &now["revision"]),
        (&json!(false), &json!(0)),
        "a dry run changed the model"
    );

    let (status, done) = s.post_json("/v1/changes", &json!({"assert": FIX, "author": "maria"}));
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["revision"], 1);
    assert_eq!(
        facts(&done["gained"]),
        facts(&dry["gained"]),
        "the dry run said what the change does"
    );
    assert_eq!(facts(&done["lost"]), facts(&dry["lost"]));
    let (_, now) = s.post_json("/v1/check", &json!({"fact": RUN}));
    assert_eq!((&now["holds"], &now["revision"]), (&json!(true), &json!(1)));

    // A stale if_revision is refused and changes nothing.
    let (status, body) = s.post_json("/v1/changes", &json!({"retract": FIX, "if_revision": 0}));
    assert_eq!((status, &body["revision"]), (409, &json!(1)), "{body}");
    let (_, now) = s.post_json("/v1/check", &json!({"fact": RUN}));
    assert_eq!(now["holds"], true);

    // Retract and assert in one change: only the net flips are reported.
    let (status, body) = s.post_json(
        "/v1/changes",
        &json!({"retract": FIX, "assert": FIX, "if_revision": 1}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["revision"], &body["gained"], &body["lost"]),
        (&json!(2), &json!([]), &json!([]))
    );

    let (status, body) = s.post_json("/v1/changes", &json!({"retract": FIX}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(facts(&body["lost"]), facts(&done["gained"]));

    // The history of the decision: true at 1, false at 3, by which change and whom.
    let (status, h) = s.get("/v1/history?fact=can_run(engineering,%20sales-360)");
    assert_eq!(status, 200, "{h}");
    let changes = h["changes"].as_array().unwrap();
    let flips: Vec<(u64, bool)> = changes
        .iter()
        .map(|c| {
            (
                c["revision"].as_u64().unwrap(),
                c["holds"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(flips, [(1, true), (3, false)], "{h}");
    assert_eq!(changes[0]["author"], "maria");
    assert_eq!(changes[0]["change"]["assert"], FIX);
    assert_eq!((&h["holds"], &h["revision"]), (&json!(false), &json!(3)));
}

#[test]
fn a_change_that_fails_half_way_changes_nothing_and_says_where() {
    let s = Server::start(&[]);
    // The retraction is good, the assertion is not: neither is kept.
    let (status, body) = s.post_json(
        "/v1/changes",
        &json!({"retract": "grant can_use_depot on sf-depot in engineering to sam by maria",
                "assert": "grant can_use_secret on sf-creds in engineering\n  to sam by nobdy"}),
    );
    assert_eq!(status, 400, "{body}");
    let d = &body["error"]["diagnostics"][0];
    assert_eq!(d["location"]["file"], "change-1-assert.facts", "{body}");
    assert_eq!(d["location"]["line"], 2, "{body}");
    assert_eq!(body["revision"], 0);
    let (_, now) = s.post_json(
        "/v1/check",
        &json!({"fact": "can_use(sam, engineering, sf-depot)"}),
    );
    assert_eq!(
        (&now["holds"], &now["revision"]),
        (&json!(true), &json!(0)),
        "half a change was kept"
    );
    // Retracting what is not stated is an error too.
    let (status, body) = s.post_json("/v1/changes", &json!({"retract": FIX}));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("E0106")),
        "{body}"
    );
}

#[test]
fn audit_is_what_grantlog_audit_prints() {
    let s = Server::start(&[]);
    let (status, mut body) = s.get("/v1/audit/sam");
    assert_eq!(status, 200);
    assert_eq!(body["revision"], 0);
    body.as_object_mut().unwrap().remove("revision");
    assert_eq!(body, cli_json(&["audit", "sam", "--format", "json"]));
    let (status, body) = s.get("/v1/audit/sma");
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"]["diagnostics"][0]["help"]
            .as_str()
            .unwrap_or("")
            .contains("sam"),
        "{body}"
    );
}

#[test]
fn health_ready_and_metrics() {
    let s = Server::start(&[]);
    assert_eq!(
        s.get("/health"),
        (
            200,
            json!({"status": "ok", "revision": 0, "history": "memory"})
        )
    );
    assert_eq!(
        s.get("/ready"),
        (200, json!({"ready": true, "revision": 0}))
    );
    s.post_json("/v1/changes", &json!({"assert": FIX}));
    s.post_json("/v1/check", &json!({"fact": RUN}));
    let (status, text) = s.get_text("/metrics");
    assert_eq!(status, 200);
    assert!(text.contains("grantlog_revision 1\n"), "{text}");
    assert!(
        text.contains(r#"grantlog_http_requests_total{endpoint="/v1/check",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"grantlog_http_request_duration_seconds_count{endpoint="/v1/changes"} 1"#),
        "{text}"
    );
    let tuples: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("grantlog_tuples "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(tuples > 50, "{text}");
    assert!(text.contains("grantlog_resident_memory_bytes "), "{text}");
    // Reads one after another never wait for a change: only reads that waited count.
    assert!(
        text.contains("grantlog_read_wait_seconds_count 0\n"),
        "{text}"
    );
}
