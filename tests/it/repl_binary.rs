//! A script piped into the real binary: plain answers, no escape codes, exit status.

use std::io::Write;
use std::process::{Command, Stdio};

fn pipe(args: &[&str], script: &str) -> (String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("grantlog-repl-binary-test"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn no_arguments_starts_the_repl_on_the_worked_example() {
    let (out, code) = pipe(
        &[],
        "can_run(engineering, sales-360)\n\
         missing_permission(engineering, sales-360, U, D, P)\n\
         :assert grant can_use_secret on sf-creds in engineering to sam by maria.\n\
         can_run(engineering, sales-360)\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains('\x1b'),
        "escape codes in piped output: {out:?}"
    );
    assert!(!out.contains("grantlog> "), "no prompt when piped: {out}");
    assert!(out.starts_with("no\n"), "{out}");
    assert!(out.contains(" sam │ sf-creds │ can_use_secret\n"), "{out}");
    assert!(out.contains("+ can_run(engineering, sales-360)\n"), "{out}");
    assert!(out.ends_with("yes\n"), "{out}");
}

#[test]
fn repl_subcommand_opens_named_fact_files_and_fails_on_errors() {
    let (out, code) = pipe(
        &["repl", "examples/run-as.facts"],
        "can_run(engineering, dp-ingest)\n:assert revoke run-as dpdeveloper from sam by iamgroot.\ncan_run(engineering, dp-ingest)\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("yes\n"), "{out}");
    assert!(out.contains("- can_run(engineering, dp-ingest)\n"), "{out}");
    assert!(out.ends_with("no\n"), "{out}");
    let (out, code) = pipe(&["repl"], "nosuch(X)\n");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("<repl 1>:1:1"), "{out}");
}

#[test]
fn eval_is_unchanged() {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["eval", "--query", "can_run(engineering, sales-360)"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "?- can_run(engineering, sales-360)\nno\n"
    );
}
