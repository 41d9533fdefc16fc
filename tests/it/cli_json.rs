//! With `--format json`, errors are JSON too (on stderr), located by file, line and column.

use serde_json::Value;
use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .output()
        .expect("grantlog runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let doc = serde_json::from_str(&stderr).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        doc,
    )
}

#[test]
fn eval_errors_are_one_json_document() {
    let (code, stdout, doc) = run(&[
        "eval",
        "-q",
        "can_rn(x)",
        "-q",
        "member(U)",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert_eq!(doc["errors"], 2);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "E0101");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["location"]["file"], "<query 1>");
    assert_eq!(d["location"]["line"], 1);
    assert_eq!(d["location"]["column"], 1);
    assert_eq!(d["help"], "did you mean `can_run`?");
    assert_eq!(doc["diagnostics"][1]["code"], "E0102");
}

#[test]
fn diff_reports_both_rule_sets_in_one_document() {
    let dir = std::env::temp_dir().join(format!("grantlog-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.dl");
    std::fs::write(&bad, ".decl a(x: symbol)\na(X) :- b(X).\n").unwrap();
    let bad = bad.to_str().unwrap();
    let (code, _, doc) = run(&["diff", "--rules", bad, "--against", bad, "--format", "json"]);
    assert_eq!(code, Some(1));
    // The same error in both sides is reported once.
    assert_eq!(doc["errors"], 1, "{doc}");
    assert_eq!(doc["diagnostics"][0]["location"]["line"], 2);
    assert_eq!(doc["diagnostics"][0]["location"]["column"], 9);
}
