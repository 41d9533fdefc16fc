//! Exit codes scripts branch on: `eval --fail` / `--fail-defined` (3), `explain` (3 for
//! "does not hold", 2 for a usage error), and `diff` never passing silently on no facts.

use crate::cli_run::grantlog;

#[test]
fn eval_fail_exits_3_when_a_query_answers_no() {
    let no = "can_run(engineering, sales-360)";
    let yes = "can_use(sam, engineering, sf-depot)";
    assert_eq!(
        grantlog(&["eval", "-q", no]).2,
        0,
        "without --fail a no is a success"
    );
    let (out, _, code) = grantlog(&["eval", "-q", no, "--fail"]);
    assert_eq!((code, out.contains("no")), (3, true), "{out}");
    assert_eq!(grantlog(&["eval", "-q", yes, "--fail"]).2, 0);
    assert_eq!(
        grantlog(&["eval", "-q", yes, "-q", no, "--fail"]).2,
        3,
        "any no fails"
    );
    let rows = "missing_permission(engineering, W, U, D, P)";
    assert_eq!(
        grantlog(&["eval", "-q", rows, "--fail-defined"]).2,
        3,
        "rows: defined"
    );
    assert_eq!(grantlog(&["eval", "-q", no, "--fail-defined"]).2, 0);
    let (_, err, code) = grantlog(&["eval", "-q", no, "--fail", "--fail-defined"]);
    assert_eq!(code, 2, "the two flags exclude each other: {err}");
}

#[test]
fn diff_without_facts_compares_on_the_worked_example_and_says_so() {
    let (out, err, code) = grantlog(&[
        "diff",
        "--rules",
        "rules/dataos.dl",
        "--against",
        "rules/dataos-s13-broad.dl",
        "--no-proofs",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "no fact file given; comparing on the worked example (examples/worked-example.facts)"
        ),
        "{err}"
    );
    assert!(
        out.contains("permission: +5 -0"),
        "the two S13 readings differ there: {out}"
    );
    let (out, _, _) = grantlog(&[
        "diff",
        "--rules",
        "rules/dataos.dl",
        "--against",
        "rules/dataos-s13-broad.dl",
        "--no-proofs",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["facts"][0], "examples/worked-example.facts");
}
