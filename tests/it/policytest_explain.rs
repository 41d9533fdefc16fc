//! Failing policy tests explain themselves: a wrong allow shows the proof of each
//! unexpected answer, a wrong deny why not (with the fix). Runs the shipped example
//! `examples/tests/wrong-expectation.test` through the binary, and odd query shapes
//! through the library.

use crate::cli_run;

use cli_run::grantlog;
use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::policytest::{render_text, run_text, to_json, Report, TestResult};
use std::path::PathBuf;

const EXAMPLE: &str = "examples/tests/wrong-expectation.test";
const FIX: &str = "grant can_use_secret on sf-creds in engineering to sam by maria.";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text between `FAIL name` and the next failure (or the summary).
fn section<'a>(stdout: &'a str, name: &str) -> &'a str {
    let start = stdout
        .find(&format!("FAIL {name} "))
        .unwrap_or_else(|| panic!("no FAIL {name}:\n{stdout}"));
    let rest = &stdout[start..];
    let end = rest[1..].find("\nFAIL ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

#[test]
fn the_wrong_expectation_example_fails_with_proof_and_why_not() {
    let (stdout, _, code) = grantlog(&["test", EXAMPLE]);
    // 3: read, and an expectation failed (a broken input would be 1).
    assert_eq!(code, 3, "{stdout}");
    assert!(
        stdout.trim_end().ends_with("1 passed, 2 failed"),
        "{stdout}"
    );

    // Wrong deny: location, expected against actual, then why not with the missing grant.
    let deny = section(&stdout, "wrong_deny");
    assert!(
        deny.starts_with(&format!("FAIL wrong_deny ({EXAMPLE}:5)\n")),
        "{deny}"
    );
    assert!(
        deny.contains(&format!(
            "  at {EXAMPLE}:6:3: expect can_run(engineering, sales-360).\n"
        )),
        "{deny}"
    );
    assert!(
        deny.contains("    expected: holds (at least one answer)\n"),
        "{deny}"
    );
    assert!(deny.contains("    actual:   no answer\n"), "{deny}");
    assert!(deny.contains("    why:\n"), "{deny}");
    assert!(
        deny.contains("      can_run(engineering, sales-360) does not hold: sam lacks can_use_secret on sf-creds; fix: grant can_use_secret on sf-creds in engineering to sam by maria.\n"),
        "{deny}"
    );
    assert!(
        deny.contains("rule @workload_runs at rules/dataos.dl:"),
        "{deny}"
    );
    assert!(deny.contains(&format!("        {FIX}\n")), "{deny}");

    // Wrong allow: the proof, naming the creator rule.
    let allow = section(&stdout, "wrong_allow");
    assert!(
        allow.contains("    expected: no answer\n    actual:   holds\n    why:\n"),
        "{allow}"
    );
    assert!(
        allow.contains("      [1] permission(sam, engineering, sales-360, can_edit)\n"),
        "{allow}"
    );
    assert!(
        allow.contains("by @creator_can_edit at rules/dataos.dl:"),
        "{allow}"
    );
    assert!(allow.contains("by @owner_is_creator"), "{allow}");
    // Inline facts of a test would be named after the test file; included ones keep theirs.
    assert!(
        allow.contains("fact at examples/worked-example.facts:47"),
        "{allow}"
    );
    assert!(!allow.contains(FIX), "{allow}");
    // Passing tests are not listed.
    assert!(!stdout.contains("FAIL right"), "{stdout}");
}

#[test]
fn json_carries_the_explanation_text_and_items() {
    let (stdout, _, code) = grantlog(&["test", EXAMPLE, "--format", "json"]);
    assert_eq!(code, 3);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["passed"], 1);
    assert_eq!(doc["failed"], 2);
    assert!(doc.get("coverage").is_none(), "no coverage unless asked");
    let tests = doc["tests"].as_array().unwrap();
    let by_name = |n: &str| tests.iter().find(|t| t["name"] == n).expect(n);

    let deny = &by_name("wrong_deny")["failures"][0];
    assert_eq!(deny["kind"], "holds");
    let text = deny["explanation"]["text"].as_str().unwrap();
    assert!(text.contains(FIX), "{text}");
    let item = &deny["explanation"]["items"][0];
    assert_eq!(item["kind"], "why_not");
    assert_eq!(item["literal"], "can_run(engineering, sales-360)");
    assert_eq!(item["row"], serde_json::Value::Null);
    assert_eq!(item["why_not"]["fixes"][0][0], FIX);

    let allow = &by_name("wrong_allow")["failures"][0];
    assert_eq!(allow["kind"], "none");
    let item = &allow["explanation"]["items"][0];
    assert_eq!(item["kind"], "proof");
    assert_eq!(item["proof"]["rule"]["name"], "creator_can_edit");

    let right = by_name("right");
    assert_eq!(right["passed"], true);
    assert_eq!(right["failures"], serde_json::json!([]));
}

fn run(body: &str) -> Report {
    let example = root().join("examples/worked-example.facts");
    let text = format!("include \"{}\".\n\n{body}", example.display());
    let policy = std::fs::read_to_string(root().join("rules/dataos.dl")).expect("rules");
    let rules = vec![Text::new("rules/dataos.dl", policy)];
    Report {
        results: run_text("odd.test", &text, &rules, &Limits::default()),
        coverage: None,
    }
}

fn why(r: &TestResult) -> String {
    r.failures
        .iter()
        .filter_map(|f| f.explanation.as_ref().map(|x| x.text.clone()))
        .collect()
}

#[test]
fn yields_explains_unexpected_and_missing_rows() {
    let report = run("test t:\n  expect missing_permission(engineering, W, U, D, P) yields (sales-360, sam, sf-depot, can_use_depot).\n");
    let text = why(&report.results[0]);
    assert!(
        text.contains("unexpected answer W = sales-360, U = sam, D = sf-creds, P = can_use_secret:\n  [1] missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret)\n"),
        "{text}"
    );
    assert!(
        text.contains("missing answer W = sales-360, U = sam, D = sf-depot, P = can_use_depot:\n  missing_permission(engineering, sales-360, sam, sf-depot, can_use_depot) does not hold"),
        "{text}"
    );
    // sam does hold Can Use Depot: that is what blocks the missing row.
    assert!(
        text.contains("fails: !permission(sam, engineering, sf-depot, can_use_depot), because permission(sam, engineering, sf-depot, can_use_depot) holds:"),
        "{text}"
    );
    let rendered = render_text(&report);
    assert!(
        rendered.contains("    why:\n      unexpected answer"),
        "{rendered}"
    );
}

#[test]
fn many_unexpected_answers_are_capped() {
    let report = run("test t:\n  expect no permission(sam, engineering, R, P).\n");
    let text = why(&report.results[0]);
    assert_eq!(text.matches("unexpected answer R = ").count(), 3, "{text}");
    assert!(text.contains("(and 2 more unexpected answers)"), "{text}");
}

#[test]
fn a_conjunction_names_the_literal_that_empties_the_answer() {
    let report = run("test t:\n  expect permission(U, engineering, sales-360, can_edit), !creator(engineering, sales-360, U).\n");
    let text = why(&report.results[0]);
    assert!(
        text.starts_with("permission(U, engineering, sales-360, can_edit) has 1 answer, and none of them satisfies !creator(engineering, sales-360, U); for the first, U = sam:\n  !creator(engineering, sales-360, sam) fails, because creator(engineering, sales-360, sam) holds:\n"),
        "{text}"
    );
    assert!(text.contains("by @owner_is_creator"), "{text}");
}

#[test]
fn a_literal_with_variables_left_says_which_literal_has_no_match() {
    let report = run("test t:\n  expect permission(sam, engineering, R, can_use_secret).\n");
    let text = why(&report.results[0]);
    assert!(
        text.starts_with("no fact matches permission(sam, engineering, R, can_use_secret)\n"),
        "{text}"
    );
    assert!(
        text.contains("  no instance of @granted_permission at rules/dataos.dl:"),
        "{text}"
    );
    // Never a why-not of a fact that was not asked (R is unknown).
    assert!(!text.contains("does not hold"), "{text}");
}

#[test]
fn odd_shapes_never_panic_and_always_explain() {
    let cases = [
        // Constants the model never saw, in a missing row.
        "expect permission(U, engineering, R, can_edit) yields (nobody, nothing).",
        // Numbers where names are expected.
        "expect permission(U, engineering, R, can_edit) yields (1, 2).",
        // A comparison that fails for the only answer.
        "expect permission(U, engineering, sales-360, can_edit), U != sam.",
        // `_` in a wrong allow, and in a negation of a wrong deny.
        "expect no permission(_, engineering, sales-360, _).",
        "expect !permission(sam, engineering, _, _).",
        // A base relation.
        "expect grant(engineering, sf-creds, sam, can_use_secret, maria).",
        // Repeated variable.
        "expect runs_as(T, R, T).",
    ];
    for case in cases {
        let report = run(&format!("test t:\n  {case}\n"));
        let r = &report.results[0];
        assert!(!r.passed(), "{case}");
        let text = why(r);
        assert!(!text.is_empty(), "{case}: no explanation");
        let json = to_json(&report);
        assert!(
            json["tests"][0]["failures"][0]["explanation"]["items"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            "{case}"
        );
    }
    let r = run("test t:\n  expect permission(U, engineering, sales-360, can_edit), U != sam.\n");
    let text = why(&r.results[0]);
    assert!(text.contains("  sam != sam is false\n"), "{text}");
    let r = run("test t:\n  expect grant(engineering, sf-creds, sam, can_use_secret, maria).\n");
    let text = why(&r.results[0]);
    assert!(
        text.contains("grant is a base relation and no such fact is stated."),
        "{text}"
    );
}
