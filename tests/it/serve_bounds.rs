//! What the server keeps per change is bounded (`--keep-changes`): past the bound the
//! oldest changes' texts are dropped, and the answers that needed them say so. The rule
//! change cannot replay dropped changes without `--data` (and says which, and why); with
//! `--data` it reads them from the history. A proof citing a dropped change still names
//! its revision. A change's warnings are answered with it.

use crate::explorer_replay::{at_revision, change, only_the_note_left_out, ONE_STEP, REACH};
use crate::serve_util::{scratch, Server};
use serde_json::json;
use std::path::Path;

/// A server on paths over edges keeping the texts of 2 changes, after 4: a note (which
/// the alternative cannot hold, and which makes the programs impossible to match up),
/// then edges b-c, c-d, d-e. Changes 1 and 2 are past the bound.
fn four_changes(dir: &Path, data: bool) -> Server {
    std::fs::write(dir.join("reach.dl"), REACH).unwrap();
    std::fs::write(dir.join("one-step.dl"), ONE_STEP).unwrap();
    std::fs::write(dir.join("edges.dl"), "edge(a, b).\n").unwrap();
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let mut args = vec![
        "--rules",
        "reach.dl",
        "--alt-rules",
        "one-step.dl",
        "--token-file",
        "token",
        "--keep-changes",
        "2",
        "edges.dl",
    ];
    if data {
        args.extend(["--data", "data"]);
    }
    let s = Server::start_in(dir, &args);
    change(&s, json!({"assert": "fact note(x)."}));
    change(&s, json!({"assert": "fact edge(b, c)."}));
    change(&s, json!({"assert": "fact edge(c, d).\nfact edge(d, e)."}));
    change(&s, json!({"assert": "fact edge(e, f)."}));
    s
}

#[test]
fn without_data_the_rule_change_says_which_changes_it_could_not_replay() {
    let s = four_changes(&scratch("bounds-no-data"), false);
    let (d, changes) = at_revision(&s, "one-step.dl", 4);
    assert_eq!(d["changes_included"], false, "{d}");
    let left_out = d["changes_left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 1, "{d}");
    assert_eq!(
        (&left_out[0]["revision"], &left_out[0]["last_revision"]),
        (&json!(1), &json!(2)),
        "{d}"
    );
    let message = left_out[0]["message"].as_str().unwrap();
    for says in [
        "changes 1 to 2",
        "--keep-changes",
        "--data",
        "show as differences",
    ] {
        assert!(message.contains(says), "{message}");
    }
    // Change 2 (edge b-c) was not replayed: its path shows as lost, as said.
    assert!(
        changes.contains(&"lost path(b, c)".to_string()),
        "{changes:?}"
    );
    assert!(
        !changes.contains(&"lost path(c, d)".to_string()),
        "{changes:?}"
    );
}

#[test]
fn with_data_the_rule_change_reads_the_dropped_changes_from_the_history() {
    let s = four_changes(&scratch("bounds-data"), true);
    let (d, changes) = at_revision(&s, "one-step.dl", 4);
    // Only the note is left out, because the alternative has no `note`.
    only_the_note_left_out(&d);
    // Every edge was replayed: only paths of two steps or more differ.
    let mut expected: Vec<String> = [
        "a, c", "a, d", "a, e", "a, f", "b, d", "b, e", "b, f", "c, e", "c, f", "d, f",
    ]
    .iter()
    .map(|p| format!("lost path({p})"))
    .collect();
    expected.sort();
    let mut got = changes.clone();
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn a_proof_citing_a_dropped_change_names_its_revision() {
    let s = four_changes(&scratch("bounds-proof"), false);
    let source = |fact: &str| {
        let (status, d) = s.post_json("/v1/check", &json!({"fact": fact, "explain": "proof"}));
        assert_eq!((status, &d["holds"]), (200, &json!(true)), "{d}");
        d["proof"]["source"].clone()
    };
    // Change 3's text is kept: its second line is cited as it is.
    assert_eq!(
        source("edge(d, e)"),
        json!({"file": "change-3-assert.facts", "line": 2})
    );
    // Change 2's text was dropped: the file still names the change, and says so.
    assert_eq!(
        source("edge(b, c)"),
        json!({"file": "change-2-assert.facts (text dropped)", "line": 1})
    );
    // Change 3 is dropped by two more changes; its lines are still known.
    change(&s, json!({"assert": "fact edge(f, g)."}));
    change(&s, json!({"assert": "fact edge(g, h)."}));
    assert_eq!(
        source("edge(d, e)"),
        json!({"file": "change-3-assert.facts (text dropped)", "line": 2})
    );
}

#[test]
fn a_change_answers_its_warnings() {
    let dir = scratch("bounds-warnings");
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let s = Server::start_in(&dir, &["--token-file", "token"]);
    let revoke = "revoke can_use_secret on sf-creds in engineering from sam by maria.";
    for revision in [1, 2] {
        let d = change(&s, json!({"assert": revoke}));
        assert_eq!(d["revision"], revision, "{d}");
        let warnings = d["warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), 1, "only this change's warning: {d}");
        assert_eq!(warnings[0]["code"], "F0501", "{d}");
        assert_eq!(
            warnings[0]["location"]["file"],
            format!("change-{revision}-assert.facts"),
            "{d}"
        );
    }
}
