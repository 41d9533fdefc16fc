//! The explorer's rule change after changes made through the server: when the other
//! rules cannot be matched up with the live ones (the S13 alternative decides the rights
//! that order grants otherwise), the fact files are read again under them and the changes
//! since are applied again, in order; the comparison is then the one a server started on
//! files holding those changes gives. `--watch` edits and a history replayed on start are
//! changes too; a change that does not apply under the other rules is left out and said.

use crate::explorer_rules::rule_change;
use crate::serve_util::{scratch, Server};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const S13: &str = "rules/dataos-s13-broad.dl";
/// A change the S13 alternative leaves alone: sales-360 can run.
const GRANT: &str = "grant can_use_secret on sf-creds in engineering to sam by maria.";
/// A change the S13 alternative changes: a Data Admin (dana) manages access on it.
const CREATED: &str = "resource newdb in engineering type: secret owner: maria.";
/// A grant given, then retracted: in neither comparison.
const GIVEN: &str = "grant can_use_compute on runnable-default in engineering to dana by maria.";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The rule change under `alternative` computed at `revision` (older answers, served
/// while it is computed, are asked again), all its pages.
pub fn at_revision(s: &Server, alternative: &str, revision: u64) -> (Value, Vec<String>) {
    let until = Instant::now() + Duration::from_secs(120);
    let first = loop {
        let (status, d) = rule_change(s, &json!({"alternative": alternative, "limit": 200}));
        assert_eq!(status, 200, "{d}");
        if d["revision"] == revision {
            break d;
        }
        assert!(Instant::now() < until, "never at revision {revision}: {d}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut changes = Vec::new();
    let mut page = first.clone();
    loop {
        assert_eq!(page["evaluation"], first["evaluation"], "{page}");
        changes.extend((page["changes"].as_array().unwrap().iter()).map(|c| {
            format!(
                "{} {}",
                c["change"].as_str().unwrap(),
                c["fact"].as_str().unwrap()
            )
        }));
        let Some(offset) = page["next_offset"].as_u64() else {
            break;
        };
        page = rule_change(
            s,
            &json!({"alternative": alternative, "offset": offset, "limit": 200}),
        )
        .1;
    }
    (first, changes)
}

pub fn change(s: &Server, body: Value) -> Value {
    let (status, d) = s.post_with_token("/v1/changes", &body, "s3cret");
    assert_eq!(status, 200, "{d}");
    d
}

fn token(dir: &Path) -> String {
    let token = dir.join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    token.to_str().unwrap().to_string()
}

#[test]
fn changes_made_through_the_server_are_in_the_rule_change() {
    let dir = scratch("explorer-replay");
    let served = repo("rules/dataos.dl");
    let s = Server::start(&[
        "--alt-rules",
        S13,
        "--alt-rules",
        served.to_str().unwrap(),
        "--token-file",
        &token(&dir),
    ]);
    change(&s, json!({"assert": GRANT}));
    change(&s, json!({"assert": CREATED}));
    change(&s, json!({"assert": GIVEN}));
    change(&s, json!({"retract": GIVEN}));
    let (d, changes) = at_revision(&s, "dataos-s13-broad.dl", 4);
    assert_eq!(d["changes_included"], true, "{d}");
    assert_eq!(d["changes_left_out"], json!([]), "{d}");
    // The broad S13 only adds: no decision the changes made is lost under it.
    assert_eq!(d["total"]["lost"], 0, "{d}");
    assert!(
        !changes.iter().any(|c| c.starts_with("lost")),
        "{changes:?}"
    );
    // The new resource is managed by the Data Admin under S13 (the rules change what the
    // change did); the grant's decisions are the same under both (nothing about them).
    assert!(
        changes.contains(&"gained permission(dana, engineering, newdb, can_manage_access)".into()),
        "{changes:?}"
    );
    for same in [
        "can_run(engineering, sales-360)",
        "can_use(sam, engineering, sf-creds)",
    ] {
        assert!(!changes.iter().any(|c| c.ends_with(same)), "{changes:?}");
    }

    // The served rules compared with themselves: nothing changes.
    let (same, same_changes) = at_revision(&s, "dataos.dl", 4);
    assert_eq!(same["changes_included"], true, "{same}");
    assert_eq!(same_changes, Vec::<String>::new());

    // The same comparison as a server started on the files with the changes in them.
    let facts = std::fs::read_to_string(repo("examples/worked-example.facts")).unwrap();
    let with_changes = dir.join("with-changes.facts");
    std::fs::write(&with_changes, format!("{facts}\n{GRANT}\n{CREATED}\n")).unwrap();
    let rules = repo("rules/dataos.dl");
    let fresh = Server::start(&[
        "--rules",
        rules.to_str().unwrap(),
        "--alt-rules",
        S13,
        with_changes.to_str().unwrap(),
    ]);
    let (expected, expected_changes) = at_revision(&fresh, "dataos-s13-broad.dl", 0);
    assert_eq!(changes, expected_changes);
    assert_eq!(
        (&d["relations"], &d["total"]),
        (&expected["relations"], &expected["total"])
    );
}

/// Rules of paths over edges, and a note the alternative does not declare.
pub const REACH: &str = ".decl edge(a: symbol, b: symbol)\n.decl path(a: symbol, b: symbol)\n.decl note(a: symbol)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n";
/// Paths of one edge only, and no note.
pub const ONE_STEP: &str =
    ".decl edge(a: symbol, b: symbol)\n.decl path(a: symbol, b: symbol)\npath(X, Y) :- edge(X, Y).\n";

/// A server on paths over edges whose alternative (`one-step.dl`) lacks `note`, after
/// two changes: a note (which the alternative cannot hold: left out), then an edge.
pub fn left_out_server(dir: &Path) -> Server {
    std::fs::write(dir.join("reach.dl"), REACH).unwrap();
    std::fs::write(dir.join("one-step.dl"), ONE_STEP).unwrap();
    std::fs::write(dir.join("edges.dl"), "edge(a, b).\n").unwrap();
    let s = Server::start_in(
        dir,
        &[
            "--rules",
            "reach.dl",
            "--alt-rules",
            "one-step.dl",
            "--token-file",
            &token(dir),
            "edges.dl",
        ],
    );
    // The note also makes the programs impossible to match up (a relation holding facts
    // is missing): the fact files are read again under the alternative.
    change(&s, json!({"assert": "fact note(x)."}));
    change(&s, json!({"assert": "fact edge(b, c)."}));
    s
}

/// The rule change left out change 1 alone (the note, which the alternative lacks), and
/// said why; its entry.
pub fn only_the_note_left_out(d: &Value) -> &Value {
    let left_out = d["changes_left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 1, "{d}");
    assert_eq!(left_out[0]["revision"], 1, "{d}");
    assert!(
        left_out[0]["message"].as_str().unwrap().contains("note"),
        "{d}"
    );
    &left_out[0]
}

/// The rule change replayed `CREATED` under the S13 alternative: the new secret's manager
/// gained access and nothing was lost.
fn created_is_the_only_difference(d: &Value, changes: &[String]) {
    assert_eq!(d["changes_included"], true, "{d}");
    assert_eq!(d["total"]["lost"], 0, "{d}");
    assert!(
        changes.contains(&"gained permission(dana, engineering, newdb, can_manage_access)".into()),
        "{changes:?}"
    );
}

#[test]
fn a_change_that_does_not_apply_under_the_other_rules_is_left_out_and_said() {
    let s = left_out_server(&scratch("explorer-left-out"));
    let (d, changes) = at_revision(&s, "one-step.dl", 2);
    assert_eq!(d["changes_included"], false, "{d}");
    let left_out = only_the_note_left_out(&d);
    assert_eq!(
        left_out["diagnostics"][0]["location"]["file"], "change-1-assert.facts",
        "{d}"
    );
    // The edge was applied: only the two-step path differs.
    assert_eq!(changes, vec!["lost path(a, c)".to_string()]);
}

#[test]
fn watched_fact_file_edits_are_in_the_rule_change() {
    let dir = scratch("explorer-watch");
    let facts = dir.join("facts.facts");
    let text = std::fs::read_to_string(repo("examples/worked-example.facts")).unwrap();
    std::fs::write(&facts, &text).unwrap();
    let s13 = repo(S13);
    let s = Server::start_in(
        &dir,
        &[
            "--watch",
            "--alt-rules",
            s13.to_str().unwrap(),
            "facts.facts",
        ],
    );
    let beside = facts.with_extension("tmp");
    std::fs::write(&beside, format!("{text}\n{CREATED}\n")).unwrap();
    std::fs::rename(&beside, &facts).unwrap();
    let (d, changes) = at_revision(&s, "dataos-s13-broad.dl", 1);
    created_is_the_only_difference(&d, &changes);
}

#[test]
fn changes_replayed_from_the_history_on_start_are_in_the_rule_change() {
    let dir = scratch("explorer-history");
    let data = dir.join("data");
    let token = token(&dir);
    let args = [
        "--alt-rules",
        S13,
        "--token-file",
        &token,
        "--data",
        data.to_str().unwrap(),
    ];
    let mut s = Server::start(&args);
    change(&s, json!({"assert": CREATED}));
    assert!(s.terminate().success());
    let s = Server::start(&args);
    let (d, changes) = at_revision(&s, "dataos-s13-broad.dl", 1);
    created_is_the_only_difference(&d, &changes);
}

#[test]
fn changes_a_rule_file_edit_reopened_the_model_without_are_not_replayed() {
    let dir = scratch("explorer-reopened");
    std::fs::write(dir.join("reach.dl"), REACH).unwrap();
    std::fs::write(dir.join("one-step.dl"), ONE_STEP).unwrap();
    std::fs::write(dir.join("edges.dl"), "edge(a, b).\n").unwrap();
    let s = Server::start_in(
        &dir,
        &[
            "--watch",
            "--rules",
            "reach.dl",
            "--alt-rules",
            "one-step.dl",
            "--token-file",
            &token(&dir),
            "edges.dl",
        ],
    );
    change(&s, json!({"assert": "fact edge(b, c)."}));
    // Rules stating another fact cannot be matched up with the running ones: the model is
    // opened again from the files, without the change.
    let beside = dir.join("reach.tmp");
    std::fs::write(&beside, format!("{REACH}edge(x, y).\n")).unwrap();
    std::fs::rename(&beside, dir.join("reach.dl")).unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, h) = s.get("/health");
        if h["files"]["revision"] == 2 {
            assert_eq!(h["files"]["reopened"], true, "{h}");
            break;
        }
        assert!(Instant::now() < until, "{h}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, now) = s.post_json("/v1/check", &json!({"fact": "path(b, c)"}));
    assert_eq!(now["holds"], false, "{now}");
    // Nor is it in the comparison: the alternative lacks only the rules' edge(x, y).
    let (d, changes) = at_revision(&s, "one-step.dl", 2);
    assert_eq!(d["changes_included"], true, "{d}");
    assert_eq!(changes, vec!["lost path(x, y)".to_string()]);
}
