//! Issue 24, item 15: the installed binary stands alone. `grantlog rules` prints the
//! shipped rules (and `--example` the worked example); outside a checkout proofs cite
//! the built-in rules as such, and `grantlog test` with nothing to run says so.

use std::process::Command;

/// Runs grantlog in `dir` (not a checkout); stdout, stderr, exit code.
fn in_dir(dir: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn elsewhere(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("grantlog-alone-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn rules_prints_the_shipped_rules_and_example_which_load_as_given() {
    let d = elsewhere("rules");
    let (rules, err, code) = in_dir(&d, &["rules"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rules, include_str!("../../rules/dataos.dl"));
    let (example, _, _) = in_dir(&d, &["rules", "--example"]);
    assert_eq!(example, include_str!("../../examples/worked-example.facts"));
    // Saved and passed back, they answer as the built-in ones do.
    std::fs::write(d.join("mine.dl"), &rules).unwrap();
    std::fs::write(d.join("mine.facts"), &example).unwrap();
    let q = "missing_permission(T, W, I, D, P)";
    let (own, err, code) = in_dir(&d, &["eval", "--rules", "mine.dl", "mine.facts", "-q", q]);
    assert_eq!(code, 0, "{err}");
    let (builtin, _, _) = in_dir(&d, &["eval", "-q", q]);
    assert_eq!(own, builtin);
}

#[test]
fn proofs_outside_a_checkout_cite_the_builtin_rules() {
    let d = elsewhere("cite");
    let (out, err, code) = in_dir(&d, &["explain", "can_use(sam, engineering, sf-depot)"]);
    assert_eq!(code, 0, "{err}");
    // Before: `rules/dataos.dl:430`, a file that is not there.
    assert!(out.contains("at <builtin rules/dataos.dl>:"), "{out}");
    assert!(!out.contains(" rules/dataos.dl:"), "{out}");
}

#[test]
fn test_with_nothing_to_run_is_a_usage_error_saying_what_it_looked_for() {
    let d = elsewhere("test");
    let (out, err, code) = in_dir(&d, &["test"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no rules/tests directory here"), "{err}");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn fmt_of_stdin_in_another_language_names_the_flag() {
    let (out, err, code) = crate::cli_run::grantlog_with_input(
        &["fmt", "-"],
        "tenant engineering.\nuser sam type person.\n",
    );
    // Before: a rule-syntax error and nothing about --lang.
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("this text reads as the `facts` language: pass `--lang facts`"),
        "{err}"
    );
    let (out, err, code) = crate::cli_run::grantlog_with_input(
        &["fmt", "-", "--lang", "facts"],
        "tenant engineering.\nuser sam type person.\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "tenant engineering.\nuser sam type person.\n");
}
