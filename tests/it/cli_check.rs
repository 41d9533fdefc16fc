//! `grantlog check` validates each file as what it is: rules, facts or tests.

use crate::cli_run::grantlog;

#[test]
fn a_fact_file_is_checked_as_facts_against_the_shipped_rules() {
    let (_, err, code) = grantlog(&["check", "examples/worked-example.facts"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("E0001"), "not parsed as rules: {err}");
    assert!(err.contains("ok: 1 file, 0 warnings"), "{err}");
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    dir
}

#[test]
fn errors_in_facts_and_tests_are_located_and_a_directory_holds_all_kinds() {
    let dir = scratch("kinds");
    std::fs::write(dir.join("graph.dl"), ".decl edge(x: number, y: number)\n.decl path(x: number, y: number)\npath(X, Y) :- edge(X, Y).\n").unwrap();
    std::fs::write(dir.join("edges.facts"), "edge(1, 2).\n").unwrap();
    std::fs::write(
        dir.join("tests/t.test"),
        "test one:\n  edge(2, 3).\n  expect path(2, 3).\n",
    )
    .unwrap();
    let d = dir.display().to_string();
    let (_, err, code) = grantlog(&["check", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ok: 3 files, 0 warnings"), "{err}");

    std::fs::write(dir.join("edges.facts"), "edge(1, two).\n").unwrap();
    std::fs::write(dir.join("tests/t.test"), "test one\n  expect path(2, 3).\n").unwrap();
    let (_, err, code) = grantlog(&["check", &d]);
    assert_eq!(code, 1);
    assert!(
        err.contains("E0105") && err.contains("edges.facts:1:"),
        "{err}"
    );
    assert!(err.contains("T0001") && err.contains("t.test:2:3"), "{err}");
}

#[test]
fn a_path_of_another_kind_is_a_usage_error() {
    let (_, err, code) = grantlog(&["check", "README.md"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not a .dl, .facts, .test, .yaml or .yml file"),
        "{err}"
    );
}

#[test]
fn the_shipped_rules_check_clean_and_unfillable_relations_still_warn() {
    let (_, err, code) = grantlog(&["check", "rules/dataos.dl"]);
    assert_eq!(code, 0);
    assert!(
        err.contains("ok: 1 file, 0 warnings"),
        "the facts language fills the base relations: {err}"
    );
    let dir = scratch("unfed");
    let file = dir.join("graph.dl");
    std::fs::write(&file, ".decl edge(x: number, y: number)\n.decl path(x: number, y: number)\npath(X, Y) :- edge(X, Y).\n").unwrap();
    let (_, err, _) = grantlog(&["check", file.to_str().unwrap()]);
    assert!(
        err.contains("W0503") && err.contains("`edge`"),
        "nothing fills edge: {err}"
    );
}
