//! `grantlog test --coverage` / `--min-coverage`: which rules fired in the tests.
//!
//! `tests/fixtures/coverage/tiny.dl` is a program whose coverage under `tiny.test` is known
//! exactly: 5 rules; @c_from_a, @b_direct and @b_via_c fire (the last only ever re-derives
//! what @b_direct derived first); @never_fires and an unnamed rule never do.

use crate::cli_run;

use cli_run::grantlog;
use grantlog::engine::{Limits, Origin};
use grantlog::load::Text;
use grantlog::policytest::run_paths_with;
use grantlog::workspace::Workspace;
use std::path::PathBuf;

const TINY_RULES: &str = "tests/fixtures/coverage/tiny.dl";
const TINY_TEST: &str = "tests/fixtures/coverage/tiny.test";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tiny(extra: &[&str]) -> (String, String, i32) {
    let mut args = vec!["test", TINY_TEST, "--rules", TINY_RULES];
    args.extend_from_slice(extra);
    grantlog(&args)
}

/// Rules in a rule file, counted from its text: lines with `:-` outside comments.
fn rules_in(file: &str) -> usize {
    std::fs::read_to_string(root().join(file))
        .expect("rules")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//") && l.contains(":-"))
        .count()
}

#[test]
fn tiny_program_reports_exactly_the_rules_that_never_fired() {
    assert_eq!(rules_in(TINY_RULES), 5);
    let (stdout, _, code) = tiny(&["--coverage"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "coverage: 3/5 rules fired (60.0%)\n\
         never fired in tests/fixtures/coverage/tiny.dl:\n\
         \x20 tests/fixtures/coverage/tiny.dl:25 @never_fires\n\
         \x20     /// Never fires: every a is a c.\n\
         \x20 tests/fixtures/coverage/tiny.dl:27 (unnamed)\n\
         1 passed, 0 failed\n"
    );
}

#[test]
fn a_rule_that_only_rederives_counts_as_fired() {
    // The fixture's premise, checked on the engine: no b tuple records @b_via_c as the
    // rule that derived it, so coverage from recorded origins alone would miss it.
    let rules = vec![Text::read(&root().join(TINY_RULES)).unwrap()];
    let facts = vec![Text::new("a.dl", "a(1). a(2).")];
    let ws = Workspace::open(&rules, &facts, &Limits::default())
        .ok()
        .unwrap();
    let program = ws.model.program();
    let via_c = program
        .rules()
        .find(|&r| program.rule_info(r).name == "b_via_c")
        .unwrap();
    let b = program.relation("b").unwrap();
    assert_eq!(ws.model.len(b), 2);
    for t in ws.model.tuples(b) {
        match ws.model.origin(b, t) {
            Some(Origin::Derived { rule, .. }) => assert_ne!(rule, via_c),
            other => panic!("{other:?}"),
        }
    }
    let report = run_paths_with(&[root().join(TINY_TEST)], &rules, &Limits::default(), true);
    let cov = report.coverage.expect("measured");
    let fired: Vec<&str> = cov
        .rules
        .iter()
        .filter(|r| r.fired)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(fired, ["c_from_a", "b_direct", "b_via_c"]);
}

#[test]
fn min_coverage_fails_below_the_threshold() {
    let (stdout, _, code) = tiny(&["--min-coverage", "100"]);
    assert_eq!(code, 3, "{stdout}");
    assert!(
        stdout.starts_with("coverage: 3/5 rules fired (60.0%)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("coverage 60.0% is below --min-coverage 100%\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    for (min, want) in [("0", 0), ("60", 0), ("60.1", 3), ("59.9", 0)] {
        let (stdout, _, code) = tiny(&["--min-coverage", min]);
        assert_eq!(code, want, "--min-coverage {min}\n{stdout}");
        assert!(stdout.starts_with("coverage: 3/5"), "{stdout}");
    }
}

#[test]
fn bad_percentages_are_usage_errors() {
    for bad in ["101", "-1", "lots"] {
        let (stdout, stderr, code) = tiny(&[&format!("--min-coverage={bad}")]);
        assert_eq!(code, 2, "{bad}: {stdout}{stderr}");
        assert!(stderr.contains("--min-coverage"), "{stderr}");
        assert!(stdout.is_empty());
    }
}

#[test]
fn json_has_the_coverage_fields() {
    let (stdout, _, code) = tiny(&["--min-coverage", "75", "--format", "json"]);
    assert_eq!(code, 3);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let c = &doc["coverage"];
    assert_eq!(c["fired"], 3);
    assert_eq!(c["total"], 5);
    assert_eq!(c["percent"], 60.0);
    assert_eq!(c["min"], 75.0);
    assert_eq!(c["below_min"], true);
    assert_eq!(
        c["never_fired"],
        serde_json::json!([
            {"rule": "never_fires", "location": "tests/fixtures/coverage/tiny.dl:25",
             "doc": "Never fires: every a is a c."},
            {"rule": "tests/fixtures/coverage/tiny.dl:27",
             "location": "tests/fixtures/coverage/tiny.dl:27", "doc": null},
        ])
    );
}

#[test]
fn coverage_of_the_statement_tests_counts_every_shipped_rule() {
    let total = rules_in("rules/dataos.dl");
    let (stdout, _, code) = grantlog(&["test", "--coverage", "--format", "json"]);
    assert_eq!(code, 0, "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let c = &doc["coverage"];
    assert_eq!(c["total"], total);
    let fired = c["fired"].as_u64().unwrap() as usize;
    let never = c["never_fired"].as_array().unwrap();
    assert_eq!(fired + never.len(), total);
    for r in never {
        assert!(r["location"]
            .as_str()
            .unwrap()
            .starts_with("rules/dataos.dl:"));
    }
    let (text, _, _) = grantlog(&["test", "--coverage"]);
    let pct = fired as f64 * 100.0 / total as f64;
    assert!(
        text.starts_with(&format!(
            "coverage: {fired}/{total} rules fired ({pct:.1}%)\n"
        )),
        "{text}"
    );
    // Without --coverage, nothing about it.
    let (plain, _, _) = grantlog(&["test"]);
    assert!(!plain.contains("coverage"), "{plain}");
    let (json, _, _) = grantlog(&["test", "--format", "json"]);
    assert!(!json.contains("\"coverage\""));
}
