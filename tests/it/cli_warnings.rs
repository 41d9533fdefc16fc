//! Fact-file warnings reach the user in every command that loads facts, not only
//! `:load`: examples/onboarding-and-revoke.facts has one F0501 (a revocation that
//! revokes nothing).

use crate::cli_run::grantlog;
use std::io::Write;
use std::process::{Command, Stdio};

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["repl", FACTS])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"member(sam, analytics)\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(shows_f0501(&err), "repl: {err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("yes"));
}
