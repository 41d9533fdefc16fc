//! Fact-file warnings reach the user in every command that loads facts, not only
//! `:load`: examples/onboarding-and-revoke.facts has one F0501 (a revocation that
//! revokes nothing).

use crate::cli_run::{grantlog, grantlog_with_input};

const FACTS: &str = "examples/onboarding-and-revoke.facts";

fn shows_f0501(err: &str) -> bool {
    err.contains("warning[F0501]") && err.contains("onboarding-and-revoke.facts:27:1")
}

#[test]
fn eval_explain_and_audit_show_fact_warnings() {
    let (_, err, code) = grantlog(&["eval", FACTS, "-q", "member(U, T)"]);
    assert!(code == 0 && shows_f0501(&err), "eval: {err}");
    let (_, err, _) = grantlog(&["explain", "member(sam, analytics)", FACTS]);
    assert!(shows_f0501(&err), "explain: {err}");
    let (_, err, _) = grantlog(&["audit", "sam", FACTS]);
    assert!(shows_f0501(&err), "audit: {err}");
}

#[test]
fn the_repl_shows_them_at_start() {
    let (out, err, _) = grantlog_with_input(&["repl", FACTS], "member(sam, analytics)\n");
    assert!(shows_f0501(&err), "repl: {err}");
    assert!(out.contains("yes"));
}
