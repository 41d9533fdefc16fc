//! Issue 24 item 18, inputs and outputs: `-` reads facts (or a test file) from stdin in
//! `eval`, `explain`, `audit`, `diff` and `test`; `--json-rows objects` writes rows keyed
//! by variable (the server's `/v1/query` shape); the CSV of a yes/no query. And `diff
//! --timeout` bounds reading the facts too (item 17).

use crate::cli_run::{grantlog, grantlog_with_input};
use grantlog::inputs::stdin_name;
use serde_json::Value;

fn example() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/worked-example.facts"),
    )
    .unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const QUERY: &str = "permission(sam, T, R, P)";

#[test]
fn eval_dash_reads_the_facts_language_from_stdin_as_the_file_would() {
    let from_file = grantlog(&["eval", "examples/worked-example.facts", "-q", QUERY]);
    assert_eq!(from_file.2, 0, "{}", from_file.1);
    let piped = grantlog_with_input(&["eval", "-", "-q", QUERY], &example());
    assert_eq!(piped.2, 0, "{}", piped.1);
    assert_eq!(piped.0, from_file.0);
    assert!(piped.0.contains("sf-depot"), "{}", piped.0);
}

#[test]
fn stdin_joins_the_files_named_and_its_errors_are_located_in_it() {
    // The worked example from the file, one more grant from stdin.
    let (out, err, code) = grantlog_with_input(
        &[
            "eval",
            "examples/worked-example.facts",
            "-",
            "-q",
            "can_run(engineering, sales-360)",
        ],
        "grant can_use_secret on sf-creds in engineering to sam by maria.\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), "?- can_run(engineering, sales-360)\nyes");
    let (out, err, code) = grantlog_with_input(
        &["eval", "examples/worked-example.facts", "-"],
        "\n\ngrant can_use_secret on sf-creds in engineering to nobody by maria.\n",
    );
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("<stdin>.facts:3:"), "located in stdin: {err}");
}

#[test]
fn stdin_holding_raw_facts_or_a_table_is_read_as_one() {
    let (out, err, code) = grantlog_with_input(
        &[
            "eval",
            "--rules",
            "tests/fixtures/coverage/tiny.dl",
            "-",
            "-q",
            "b(X)",
        ],
        "// raw facts\na(1).\na(7).\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(" 1\n 7\n(2 rows)"), "{out}");
    // `import` of the example directory, piped back in, answers as the directory does.
    let imported = grantlog(&["import", "examples/dataos/"]);
    assert_eq!(imported.2, 0, "{}", imported.1);
    let q = "can_run(T, W)";
    let direct = grantlog(&["eval", "examples/dataos/", "-q", q]);
    let piped = grantlog_with_input(&["eval", "-", "-q", q], &imported.0);
    assert_eq!(piped.2, 0, "{}", piped.1);
    assert_eq!(piped.0, direct.0);
}

#[test]
fn stdin_is_named_for_the_language_it_looks_like() {
    assert_eq!(stdin_name("user sam type person.\n"), "<stdin>.facts");
    assert_eq!(
        stdin_name("// c\ninstance\n  operator: a.\n"),
        "<stdin>.facts"
    );
    assert_eq!(stdin_name(""), "<stdin>.facts");
    assert_eq!(stdin_name("edge(a, b).\n"), "<stdin>");
    assert_eq!(
        stdin_name("# manifest\nname: sf-depot\nversion: v1\n"),
        "<stdin>.yaml"
    );
    assert_eq!(stdin_name("---\nname: x\n"), "<stdin>.yaml");
    let table = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dataos/users.txt"),
    )
    .unwrap();
    assert_eq!(stdin_name(&table), "<stdin>.txt");
}

#[test]
fn dash_named_twice_is_an_error_and_the_repl_refuses_it() {
    let (out, err, code) = grantlog_with_input(&["eval", "-", "-"], "tenant t.\n");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("`-` (stdin) is named 2 times"), "{err}");
    let (_, err, code) = grantlog_with_input(&["repl", "-"], "tenant(T)\n");
    assert_eq!(code, 2);
    assert!(err.contains("stdin holds its commands"), "{err}");
}

#[test]
fn explain_audit_and_diff_read_stdin_too() {
    let fact = "permission(sam, engineering, sf-depot, can_use_depot)";
    let file = grantlog(&["explain", fact, "examples/worked-example.facts"]);
    let piped = grantlog_with_input(&["explain", fact, "-"], &example());
    assert_eq!(piped.2, 0, "{}", piped.1);
    // The same proof, citing stdin where the file was cited.
    assert_eq!(
        piped.0,
        file.0
            .replace("examples/worked-example.facts", "<stdin>.facts")
    );
    let file = grantlog(&["audit", "sam", "examples/worked-example.facts"]);
    let piped = grantlog_with_input(&["audit", "sam", "-"], &example());
    assert_eq!(piped.2, 0, "{}", piped.1);
    assert_eq!(
        piped.0,
        file.0
            .replace("examples/worked-example.facts", "<stdin>.facts")
    );
    // NEW's facts on stdin: the revocation example against its base.
    let revoked = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/run-as-revoked.facts"),
    )
    .unwrap();
    let args = [
        "diff",
        "--old-facts",
        "examples/run-as.facts",
        "examples/run-as.facts",
    ];
    let file = grantlog(&[&args[..], &["examples/run-as-revoked.facts", "--no-proofs"]].concat());
    let piped = grantlog_with_input(&[&args[..], &["-", "--no-proofs"]].concat(), &revoked);
    assert_eq!(piped.2, file.2, "{}", piped.1);
    assert!(
        piped.0.contains("-0") || piped.0.contains(" -"),
        "{}",
        piped.0
    );
    assert_eq!(
        piped.0,
        file.0
            .replace("examples/run-as-revoked.facts", "<stdin>.facts")
    );
}

#[test]
fn test_dash_runs_a_test_file_from_stdin() {
    let text = "include \"examples/worked-example.facts\".\n\ntest from_stdin:\n  expect permission(sam, engineering, sf-depot, can_use_depot).\n\ntest wrong:\n  expect can_run(engineering, sales-360).\n";
    let (out, err, code) = grantlog_with_input(&["test", "-"], text);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("1 passed, 1 failed"), "{out}");
    assert!(out.contains("FAIL wrong"), "{out}");
    let (_, err, code) = grantlog_with_input(&["test", "-", "--watch"], text);
    assert_eq!(code, 2);
    assert!(err.contains("not with --watch"), "{err}");
}

#[test]
fn json_rows_objects_are_keyed_by_variable_with_the_same_values() {
    let q = "can_use(U, T, R)";
    let arrays = grantlog(&["eval", "-q", q, "--format", "json"]);
    let objects = grantlog(&[
        "eval",
        "-q",
        q,
        "--format",
        "json",
        "--json-rows",
        "objects",
    ]);
    assert_eq!(objects.2, 0, "{}", objects.1);
    let a: Value = serde_json::from_str(&arrays.0).unwrap();
    let o: Value = serde_json::from_str(&objects.0).unwrap();
    let (a, o) = (&a["results"][0], &o["results"][0]);
    assert_eq!(a["columns"], serde_json::json!(["U", "T", "R"]));
    assert_eq!(o["columns"], a["columns"]);
    let rows = a["rows"].as_array().unwrap();
    assert!(rows.len() >= 2, "{a}");
    assert_eq!(o["rows"].as_array().unwrap().len(), rows.len());
    for (ra, ro) in rows.iter().zip(o["rows"].as_array().unwrap()) {
        assert_eq!(ro["U"], ra[0]);
        assert_eq!(ro["T"], ra[1]);
        assert_eq!(ro["R"], ra[2]);
        assert_eq!(ro.as_object().unwrap().len(), 3);
    }
    // A yes/no query: one empty object (yes) or none (no).
    let yes_no = grantlog(&[
        "eval",
        "-q",
        "can_use(sam, engineering, sf-depot)",
        "-q",
        "can_run(engineering, sales-360)",
        "--format",
        "json",
        "--json-rows",
        "objects",
    ]);
    let v: Value = serde_json::from_str(&yes_no.0).unwrap();
    assert_eq!(v["results"][0]["rows"], serde_json::json!([{}]));
    assert_eq!(v["results"][1]["rows"], serde_json::json!([]));
    // Without queries, each relation's rows are keyed by its columns.
    let rels = grantlog(&["eval", "--format", "json", "--json-rows", "objects"]);
    let v: Value = serde_json::from_str(&rels.0).unwrap();
    let can_use = v["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["relation"] == "can_use")
        .expect("can_use");
    assert!(can_use["rows"].as_array().unwrap().contains(
        &serde_json::json!({"user": "sam", "tenant": "engineering", "resource": "sf-depot"})
    ));
}

#[test]
fn the_csv_of_a_yes_no_query_is_a_holds_column_as_the_help_says() {
    let (out, err, code) = grantlog(&[
        "eval",
        "-q",
        "can_use(sam, engineering, sf-depot)",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "holds\ntrue\n");
    let (out, _, _) = grantlog(&[
        "eval",
        "-q",
        "can_run(engineering, sales-360)",
        "--format",
        "csv",
    ]);
    assert_eq!(out, "holds\nfalse\n");
    let (help, _, _) = grantlog(&["eval", "--help"]);
    assert!(
        help.contains("a yes/no query is the column `holds` and one row, `true` or `false`"),
        "{help}"
    );
    assert!(help.contains("--json-rows objects"), "{help}");
}

#[test]
fn diff_timeout_bounds_reading_the_facts_not_only_evaluating() {
    // Under `--timeout 0` nothing may be read: the deadline (E0402) stops the command
    // before the facts' error is found. Before, the facts were read in full (and the
    // error reported), the deadline applying only to the evaluation.
    let dir = scratch("diff-timeout");
    let bad = dir.join("bad.facts");
    std::fs::write(
        &bad,
        format!(
            "{}\ngrant can_use_secret on sf-creds in engineering to nobody by maria.\n",
            example()
        ),
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let untimed = grantlog(&["diff", "--against", "rules/dataos-s13-broad.dl", bad]);
    assert_eq!(untimed.2, 1);
    assert!(untimed.1.contains("nobody"), "{}", untimed.1);
    for args in [
        vec!["diff", "--against", "rules/dataos-s13-broad.dl", bad],
        vec!["diff", "--old-facts", "examples/worked-example.facts", bad],
    ] {
        let (out, err, code) = grantlog(&[&args[..], &["--timeout", "0"]].concat());
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("E0402"), "{err}");
        assert!(!err.contains("nobody"), "read past the deadline: {err}");
    }
}
