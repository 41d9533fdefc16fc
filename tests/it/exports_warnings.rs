//! Issue 24, item 9: warnings under control. `--allow CODE` (repeatable) and `--allow
//! warnings` silence them, `--deny warnings` makes them errors, in every command and the
//! REPL; a generated instance loads with no warnings.

use crate::cli_run::{grantlog, grantlog_with_input};

const Q: &str = "tenant(T)";

#[test]
fn allow_silences_a_code_or_every_warning() {
    let (_, err, code) = grantlog(&["eval", "examples/dataos/", "-q", Q]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[I0202]"), "{err}");
    for allow in [
        &["--allow", "I0202"][..],
        &["--allow", "W0601", "--allow", "I0202"],
        &["--allow", "warnings"],
    ] {
        let mut args = vec!["eval", "examples/dataos/", "-q", Q];
        args.extend_from_slice(allow);
        let (out, err, code) = grantlog(&args);
        assert_eq!(code, 0, "{allow:?}: {err}");
        assert!(err.is_empty(), "{allow:?}: {err}");
        assert!(out.contains("engineering"), "{out}");
    }
    // Before: unknown options. Another code leaves this warning alone.
    let (_, err, _) = grantlog(&["check", "examples/dataos/", "--allow", "W0601"]);
    assert!(err.contains("warning[I0202]"), "{err}");
}

#[test]
fn deny_warnings_makes_them_errors_and_fails() {
    let (out, err, code) = grantlog(&["eval", "examples/dataos/", "-q", Q, "--deny", "warnings"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("error[I0202]: grant \"sam-runas-maria\" is pending"),
        "{err}"
    );
    assert!(err.contains("denied by --deny warnings"), "{err}");
    assert!(err.contains("1 error, 0 warnings"), "{err}");
    // Allowed first, then nothing is left to deny.
    let (_, err, code) = grantlog(&[
        "check",
        "examples/dataos/",
        "--deny",
        "warnings",
        "--allow",
        "I0202",
    ]);
    assert_eq!(code, 0, "{err}");
    // In the REPL too: a warning about a query fails the session.
    let (out, _, code) = grantlog_with_input(&["repl", "--deny", "warnings"], "tenant(nope)\n");
    assert!(out.contains("error[W0601]"), "{out}");
    assert_eq!(code, 1, "{out}");
    let (out, _, code) = grantlog_with_input(&["repl", "--allow", "W0601"], "tenant(nope)\n");
    assert!(!out.contains("W0601"), "{out}");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_code_that_is_not_one_is_a_usage_error() {
    let (_, err, code) = grantlog(&["eval", "--allow", "everything", "-q", Q]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("expected a diagnostic code such as I0202"),
        "{err}"
    );
    let (_, err, code) = grantlog(&["eval", "--deny", "I0202", "-q", Q]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_generated_instance_loads_with_no_warnings() {
    let dir = std::env::temp_dir().join(format!("grantlog-gen-warn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (text, err, code) = grantlog(&["generate", "--users", "3000", "--seed", "7"]);
    assert_eq!(code, 0, "{err}");
    let path = dir.join("gen.facts");
    std::fs::write(&path, text).unwrap();
    let (_, err, code) = grantlog(&["eval", path.to_str().unwrap(), "-q", Q]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning["), "{}", &err[..err.len().min(600)]);
}
