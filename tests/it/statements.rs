//! The policy's statement tests (`rules/tests/`), run through the library, and checks
//! that every statement S1 .. S30 is encoded by a rule and tested both ways.

use grantlog::engine::Limits;
use grantlog::load::Text;
use grantlog::policytest::{render_text, run_paths, Report};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rules(file: &str) -> Vec<Text> {
    vec![Text::read(&root().join(file)).expect("rules")]
}

fn run(dir: &str, rule_file: &str) -> Report {
    run_paths(&[root().join(dir)], &rules(rule_file), &Limits::default())
}

#[test]
fn statement_tests_pass_with_shipped_rules() {
    let report = run("rules/tests", "rules/dataos.dl");
    assert!(
        report.results.len() >= 60,
        "only {} tests",
        report.results.len()
    );
    assert_eq!(report.failed(), 0, "\n{}", render_text(&report));
}

#[test]
fn broad_s13_tests_pass_with_broad_rules_only() {
    let report = run("rules/tests/s13-broad", "rules/dataos-s13-broad.dl");
    assert!(!report.results.is_empty());
    assert_eq!(report.failed(), 0, "\n{}", render_text(&report));
    // The two readings really differ: the broad tests fail under the shipped rules.
    let shipped = run("rules/tests/s13-broad", "rules/dataos.dl");
    assert!(shipped.failed() > 0);
}

/// Test names of every `*.test` file under `dir`, recursively.
fn test_names(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            test_names(&p, out);
        } else if p.extension().is_some_and(|x| x == "test") {
            let text = std::fs::read_to_string(&p).expect("read");
            for line in text.lines() {
                if let Some(rest) = line.trim_start().strip_prefix("test ") {
                    out.push(rest.split([' ', ':']).next().unwrap_or("").to_string());
                }
            }
        }
    }
}

#[test]
fn every_statement_has_a_citing_rule_and_allowed_and_denied_tests() {
    let policy = std::fs::read_to_string(root().join("rules/dataos.dl")).expect("rules");
    // Ids cited in `///` docs directly above a rule (the doc line before `@name`).
    let lines: Vec<&str> = policy.lines().collect();
    let mut cited = std::collections::BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(doc) = l.trim_start().strip_prefix("///") else {
            continue;
        };
        let next = lines.get(i + 1).map_or("", |n| n.trim_start());
        if !next.starts_with('@') && !next.contains(":-") && !next.ends_with(").") {
            continue;
        }
        for w in doc.split(|c: char| !c.is_ascii_alphanumeric()) {
            if let Some(n) = w.strip_prefix('S').and_then(|n| n.parse::<u32>().ok()) {
                cited.insert(n);
            }
        }
    }
    let mut names = Vec::new();
    test_names(&root().join("rules/tests"), &mut names);
    let mut problems = Vec::new();
    for n in 1..=30 {
        if !cited.contains(&n) {
            problems.push(format!(
                "S{n}: no rule in rules/dataos.dl cites it in a `///` doc"
            ));
        }
        for kind in ["allowed", "denied"] {
            let prefix = format!("s{n}_{kind}");
            if !names.iter().any(|t| t.starts_with(&prefix)) {
                problems.push(format!("S{n}: no test named {prefix}_..."));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn grantlog(args: &[&str], dir: &Path) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run grantlog");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("grantlog-stmt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp");
    d
}

#[test]
fn a_wrong_expectation_fails_with_a_readable_message() {
    let dir = temp_dir("wrong");
    let example = root().join("examples/worked-example.facts");
    std::fs::write(
        dir.join("wrong.test"),
        format!(
            "include \"{}\".\n\ntest s30_wrong_on_purpose \"the secret is not missing (it is)\":\n  expect missing_permission(engineering, sales-360, U, D, P) yields (sam, sf-depot, can_use_depot).\n",
            example.display()
        ),
    )
    .unwrap();
    let (stdout, code) = grantlog(&["test", "wrong.test"], &dir);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("s30_wrong_on_purpose"), "{stdout}");
    assert!(stdout.contains("wrong.test:4:3"), "{stdout}");
    assert!(stdout.contains("expected:"), "{stdout}");
    assert!(
        stdout.contains("sf-depot") && stdout.contains("can_use_depot"),
        "{stdout}"
    );
    assert!(stdout.contains("actual:"), "{stdout}");
    assert!(
        stdout.contains("sf-creds") && stdout.contains("can_use_secret"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("0 passed, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn a_syntax_error_does_not_stop_other_files() {
    let dir = temp_dir("syntax");
    std::fs::write(
        dir.join("a_broken.test"),
        "test broken:\n  expect can_run(engineering, sales-360 yields.\ntest unknown_relation:\n  expect no_such_relation(X).\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b_fine.test"),
        "user sam type person.\ntest fine_user \"a user is declared\":\n  expect user(sam, person).\n",
    )
    .unwrap();
    let (stdout, code) = grantlog(&["test", "."], &dir);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("FAIL broken (./a_broken.test:1)"),
        "{stdout}"
    );
    assert!(stdout.contains("./a_broken.test:2:"), "{stdout}");
    assert!(stdout.contains("FAIL unknown_relation"), "{stdout}");
    assert!(stdout.contains("E0101"), "{stdout}");
    assert!(!stdout.contains("FAIL fine_user"), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("1 passed, 2 failed"),
        "{stdout}"
    );
    // JSON: one document with every test.
    let (json, _) = grantlog(&["test", ".", "--format", "json"], &dir);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 2);
    assert_eq!(v["tests"].as_array().map(Vec::len), Some(3));
}
