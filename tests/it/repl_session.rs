//! What-if sessions that can be kept: `:changes`, `:save FILE` (round trip: the saved
//! file loaded after the session's inputs gives the session's answers), `:format` and
//! `:limit`.

use crate::cli_run::{grantlog, grantlog_with_input};
use serde_json::Value;
use std::path::Path;

const WORKED: &str = "examples/worked-example.facts";

/// The session's changes: a grant given, a grant revoked, a user invited with a role.
const CHANGES: &str = "\
:assert grant can_use_secret on sf-creds in engineering to sam by maria.
:assert revoke can_use_cluster on minerva-cluster in engineering from sam by maria.
:assert user lee type person email \"lee@tmdc.io\".
:assert invite lee to engineering by maria.
:assert role lee in engineering: Tenant Data Developer.
:assert grant can_use_depot on sf-depot in engineering to lee by maria.
";

fn tmp(name: &str) -> String {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(name)
        .display()
        .to_string()
}

/// Every derived relation of `eval FILES`: (name, columns' count, rows as JSON).
fn evaluated(files: &[&str]) -> Vec<(String, usize, Value)> {
    let mut args = vec!["eval"];
    args.extend_from_slice(files);
    args.extend(["--format", "json"]);
    let (out, err, status) = grantlog(&args);
    assert_eq!(status, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    (v["relations"].as_array().unwrap().iter())
        .map(|r| {
            let name = r["relation"].as_str().unwrap().to_string();
            (
                name,
                r["columns"].as_array().unwrap().len(),
                r["rows"].clone(),
            )
        })
        .collect()
}

#[test]
fn saved_changes_loaded_after_the_inputs_give_the_sessions_answers() {
    let saved = tmp("repl-session-saved.facts");
    let _ = std::fs::remove_file(&saved);
    let relations = evaluated(&[WORKED]);
    // The session: the changes, then every derived relation asked in JSON.
    let mut script = format!("{CHANGES}:save {saved}\n:format json\n");
    for (name, arity, _) in &relations {
        let vars: Vec<String> = (0..*arity).map(|i| format!("V{i}")).collect();
        script.push_str(&format!("{name}({})\n", vars.join(", ")));
    }
    let (out, err, status) = grantlog_with_input(&["repl", WORKED], &script);
    assert_eq!(status, 0, "{err}\n{out}");
    assert!(
        out.contains(&format!("saved 8 added and 1 removed facts to {saved}")),
        "{out}"
    );
    // The answers, one JSON document each, in order.
    let start = out.find("answers are written as json\n").unwrap() + 28;
    let answers: Vec<Value> = serde_json::Deserializer::from_str(&out[start..])
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    assert_eq!(answers.len(), relations.len());
    let reloaded = evaluated(&[WORKED, &saved]);
    let mut differs_from_inputs = 0;
    for ((name, _, before), (again, _, after)) in relations.iter().zip(&reloaded) {
        assert_eq!(name, again);
        let session = answers
            .iter()
            .find(|a| {
                a["query"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{name}("))
            })
            .unwrap();
        assert_eq!(
            &session["rows"], after,
            "{name}: the session and inputs + saved file"
        );
        differs_from_inputs += usize::from(before != after);
    }
    assert!(differs_from_inputs > 3, "the changes changed decisions");
    // As typed, in order, after the header.
    let text = std::fs::read_to_string(&saved).unwrap();
    let typed: Vec<&str> = CHANGES
        .lines()
        .map(|l| l.strip_prefix(":assert ").unwrap())
        .collect();
    assert_eq!(text.lines().skip(1).collect::<Vec<_>>(), typed);
}

#[test]
fn changes_lists_statements_then_decisions() {
    let script = format!(":changes\n{CHANGES}:undo\n:changes\n");
    let (out, err, status) = grantlog_with_input(&["repl", WORKED], &script);
    assert_eq!(status, 0, "{err}");
    let (first, rest) = out.split_once('\n').unwrap();
    assert_eq!(first, "no change since the session opened");
    // After the undo of lee's grant: five statements added, one grant removed.
    let listing = &rest[rest.rfind("undone").unwrap()..];
    let listing = &listing[listing.find("statements removed").unwrap()..];
    assert!(
        listing.starts_with(
            "statements removed (stated in OLD, not in NEW): 1 (1 fact)\n  \
             - examples/worked-example.facts:57: grant can_use_cluster on minerva-cluster  in engineering to sam by maria.\n"
        ),
        "{listing}"
    );
    assert!(
        listing.contains("statements added (stated in NEW, not in OLD): 5"),
        "{listing}"
    );
    assert!(!listing.contains("to lee by maria"), "undone: {listing}");
    assert!(listing.contains("\npermission: +1 -1\n"), "{listing}");
    assert!(
        listing.contains("  + permission(sam, engineering, sf-creds, can_use_secret)\n"),
        "{listing}"
    );
    assert!(
        listing.contains("  - permission(sam, engineering, minerva-cluster, can_use_cluster)\n"),
        "{listing}"
    );
}

#[test]
fn removals_no_statement_can_state_are_said_and_commented() {
    let saved = tmp("repl-session-role.facts");
    let script =
        format!(":retract role sam in engineering: Tenant Data Developer.\n:save {saved}\n");
    let (out, err, status) = grantlog_with_input(&["repl", WORKED], &script);
    assert_eq!(status, 0, "{err}");
    assert!(
        out.contains("note: 1 removed fact cannot be written as a .facts statement"),
        "{out}"
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(
        text.contains("// removed, and no statement can remove it: tenant_role(sam, engineering, \"Data Developer\")"),
        "{text}"
    );
}

#[test]
fn format_and_limit() {
    let script = "\
:limit 2
can_use(U, engineering, R)
:limit none
can_use(U, engineering, R)
:format csv
can_use(U, engineering, R)
:format xml
:limit 0
:save
";
    let (out, _, status) = grantlog_with_input(&["repl", WORKED], script);
    assert_eq!(status, 1, "three inputs fail");
    let limited = "\
text answers show at most 2 rows, then how many more
 U   │ R
─────┼──────────────────
 sam │ minerva-cluster
 sam │ runnable-default
... and 1 more (3 rows; `:limit none` shows all)
text answers show every row
";
    assert!(out.starts_with(limited), "{out}");
    assert!(out.contains(" sam │ sf-depot\n(3 rows)\n"), "{out}");
    assert!(
        out.contains("U,R\nsam,minerva-cluster\nsam,runnable-default\nsam,sf-depot\n"),
        "{out}"
    );
    assert!(out.contains("`xml` is not an answer format"), "{out}");
    assert!(out.contains("`0` is not a number of rows"), "{out}");
    assert!(out.contains("`:save` needs a file"), "{out}");
}
