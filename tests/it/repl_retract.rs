//! Issue 24 item 13: `:retract` of a derived fact says it is derived (E0106, as
//! docs/errors.md says), and `:retract` of a declaration (a user, a resource) restated as
//! it was loaded removes it instead of reporting it "already defined" (F0104).

use grantlog::engine::Limits;
use grantlog::repl;
use grantlog::shipped;
use grantlog::workspace::Workspace;

fn answer(script: &str) -> String {
    let mut ws = Workspace::open(&shipped::rules(), &[shipped::example()], &Limits::default())
        .unwrap_or_else(|_| panic!("the shipped example opens"));
    let mut out = Vec::new();
    repl::run(&mut ws, script.as_bytes(), &mut out, false).expect("io");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn retracting_a_derived_fact_says_it_is_derived() {
    for fact in [
        "can_use(sam, engineering, sf-depot)",
        // Derived and not holding: still derived, not "cannot be stated".
        "can_run(engineering, sales-360)",
    ] {
        let out = answer(&format!(":retract {fact}.\n{fact}\n"));
        assert!(
            out.contains(&format!(
                "error[E0106]: cannot retract `{fact}`: it is derived, not stated"
            )),
            "{out}"
        );
        assert!(out.contains(&format!("`:why {fact}`")), "{out}");
        assert!(!out.contains("F0601"), "{out}");
    }
    // Nothing changed: it still holds.
    let out = answer(
        ":retract can_use(sam, engineering, sf-depot).\ncan_use(sam, engineering, sf-depot)\n",
    );
    assert!(out.ends_with("yes\n"), "{out}");
}

#[test]
fn retracting_a_user_statement_removes_the_user_and_undo_restores_it() {
    let user = r#"user sam      type person name "Sam Okafor"  email "sam@tmdc.io"."#;
    let out = answer(&format!(
        ":retract {user}\nuser(sam, T)\n:undo\nuser(sam, T)\n"
    ));
    assert!(!out.contains("already defined"), "{out}");
    assert!(!out.contains("error"), "{out}");
    let (retracted, undone) = out.split_once("undone\n").expect("undone");
    assert!(
        retracted.contains("- can_edit(sam, engineering, sales-360)"),
        "{out}"
    );
    assert!(retracted.ends_with("(0 rows)\n"), "{out}");
    assert!(
        undone.contains("+ can_edit(sam, engineering, sales-360)"),
        "{out}"
    );
    assert!(
        undone.ends_with(" person\n(1 row)\n"),
        "undo brings sam back: {out}"
    );
}

#[test]
fn a_retracted_user_can_be_declared_again() {
    let user = r#"user sam type person name "Sam Okafor" email "sam@tmdc.io"."#;
    let out = answer(&format!(
        ":retract {user}\n:assert {user}\nuser(sam, person)\n"
    ));
    assert!(!out.contains("error"), "{out}");
    assert!(out.ends_with("yes\n"), "{out}");
}

#[test]
fn retracting_a_user_stated_otherwise_names_what_does_not_hold() {
    let out = answer(
        ":retract user sam type person name \"Sam O.\" email \"sam@tmdc.io\".\nuser(sam, person)\n",
    );
    assert!(out.contains("error[E0106]"), "{out}");
    assert!(out.contains("does not hold"), "{out}");
    assert!(!out.contains("already defined"), "{out}");
    assert!(out.ends_with("yes\n"), "nothing retracted: {out}");
}
