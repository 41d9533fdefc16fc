//! Questions are checked against the model before they are answered: unknown constants
//! (W0601) and capitalised names (W0602) are warned about with a did-you-mean, and the
//! role and permission spellings of the facts language are accepted.

use crate::cli_run::grantlog;
use grantlog::engine::Limits;
use grantlog::shipped;
use grantlog::workspace::Workspace;

#[test]
fn eval_warns_of_an_unknown_constant_with_the_close_one() {
    let (out, err, code) = grantlog(&["eval", "-q", "can_run(engineering, sales_360)"]);
    assert_eq!(code, 0, "a warning, not an error");
    assert!(out.contains("no"), "{out}");
    assert!(
        err.contains("warning[W0601]: `sales_360` occurs nowhere"),
        "{err}"
    );
    assert!(
        err.contains("<query 1>:1:22") && err.contains("did you mean `sales-360`?"),
        "{err}"
    );
}

#[test]
fn eval_warns_of_a_variable_spelt_like_a_constant() {
    let (_, err, _) = grantlog(&["eval", "-q", "can_run(Engineering, sales-360)"]);
    assert!(
        err.contains("warning[W0602]: `Engineering` is a variable"),
        "{err}"
    );
    assert!(
        err.contains("did you mean the constant `engineering`?"),
        "{err}"
    );
    // Used twice, a variable is meant as one: no warning.
    let (_, err, _) = grantlog(&[
        "eval",
        "-q",
        "member(Sam, engineering), tenant_role(Sam, engineering, R)",
    ]);
    assert!(!err.contains("W0602"), "{err}");
}

#[test]
fn role_and_permission_spellings_of_the_facts_language_work_in_queries() {
    for q in [
        r#"holds_role(sam, engineering, "Tenant Data Developer")"#,
        r#"holds_role(sam, engineering, "engineering Data Developer")"#,
        r#"permission(sam, engineering, sf-depot, "Can Use Depot")"#,
    ] {
        let (out, err, code) = grantlog(&["eval", "-q", q]);
        assert_eq!(code, 0, "{err}");
        assert!(out.ends_with("yes\n"), "{q}: {out}");
        assert!(!err.contains("W0601"), "{q}: {err}");
    }
}

#[test]
fn explain_and_the_repl_warn_too() {
    let (_, err, _) = grantlog(&["explain", "--why-not", "can_use(sam, engineering, sf-cred)"]);
    assert!(
        err.contains("W0601") && err.contains("did you mean `sf-creds`?"),
        "{err}"
    );
    let mut ws = Workspace::open(&shipped::rules(), &[shipped::example()], &Limits::default())
        .unwrap_or_else(|_| panic!("opens"));
    let mut out = Vec::new();
    grantlog::repl::run(
        &mut ws,
        "can_run(engineering, sales_360)\n".as_bytes(),
        &mut out,
        false,
    )
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("W0601") && out.contains("did you mean `sales-360`?"),
        "{out}"
    );
    assert!(
        out.trim_end().ends_with("no"),
        "the answer still follows: {out}"
    );
}

#[test]
fn a_test_that_passes_on_a_typo_is_flagged() {
    let dir = std::env::temp_dir().join(format!("grantlog-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("typo.test");
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::write(
        &file,
        format!("include \"{root}/examples/worked-example.facts\".\ntest typo:\n  expect no can_run(engineering, sales_360).\n"),
    )
    .unwrap();
    let (out, _, code) = grantlog(&["test", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("WARN typo"), "{out}");
    assert!(out.contains("W0601") && out.contains("sales-360"), "{out}");
}
