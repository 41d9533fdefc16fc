//! Issue 9, fidelity 4 (S27): the why-not of a workload whose Run As User grant was
//! revoked names the revocation, with its statement and file:line.

use crate::cli_run::grantlog;

const RUN_AS: &str = "examples/run-as.facts";
const REVOKED: &str = "examples/run-as-revoked.facts";
const REVOKE_LINE: &str = "revoke run-as dpdeveloper from sam by iamgroot.";

#[test]
fn why_not_names_the_revoke_statement_with_file_and_line() {
    let (out, err, code) = grantlog(&[
        "explain",
        "--why-not",
        "can_run(engineering, dp-ingest)",
        RUN_AS,
        REVOKED,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let line = REVOKED_TEXT
        .lines()
        .position(|l| l.starts_with(REVOKE_LINE))
        .expect("the revoke statement")
        + 1;
    // The answer leads with it (issue 21: not with `has_run_as_user ... holds`) ...
    let head = out.lines().next().unwrap_or("");
    assert!(
        head.contains(&format!(
            "does not hold: sam's run-as grant on dpdeveloper was revoked at {REVOKED}:{line} ({REVOKE_LINE})"
        )),
        "{out}"
    );
    // ... and the proof of what blocks the workload shows the revocation where it is.
    let fact = out
        .find("] revoked_run_as(dpdeveloper, sam, iamgroot)")
        .expect(&out);
    let next = out[fact..].lines().nth(1).unwrap_or("");
    assert_eq!(next.trim(), format!("fact at {REVOKED}:{line}"), "{out}");
}

#[test]
fn why_not_json_carries_the_revocation() {
    let (out, err, code) = grantlog(&[
        "explain",
        "--why-not",
        "valid_run_as(dpdeveloper, sam)",
        RUN_AS,
        REVOKED,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let failing = &v["rules"][0]["failing"];
    assert_eq!(failing["kind"], "missing", "{v:#}");
    let r = &failing["revoked"][0];
    assert_eq!(
        r["fact"], "revoked_run_as(dpdeveloper, sam, iamgroot)",
        "{v:#}"
    );
    assert_eq!(r["statement"], REVOKE_LINE, "{v:#}");
    assert!(r["at"].as_str().unwrap_or("").starts_with(REVOKED), "{v:#}");
}

#[test]
fn without_a_revocation_nothing_is_named() {
    let (out, _, code) = grantlog(&[
        "explain",
        "--why-not",
        "valid_run_as(dpdeveloper, lee)",
        RUN_AS,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("revoked at"), "{out}");
}

const REVOKED_TEXT: &str = include_str!("../../examples/run-as-revoked.facts");
