//! Issue 9, fidelity 2 (S2): the operator and super-app-user assignments stay fixed at
//! creation, but a person added after it (a later file, `:assert`) signs in.

use crate::cli_run::grantlog;
use crate::fidelity_util::TempDir;
use std::io::Write;
use std::process::{Command, Stdio};

const WORKED: &str = "examples/worked-example.facts";

fn eval(files: &[&str], query: &str) -> String {
    let mut args = vec!["eval"];
    args.extend(files);
    args.extend(["-q", query]);
    let (out, err, code) = grantlog(&args);
    assert_eq!(code, 0, "{out}{err}");
    out.lines().last().unwrap_or("").to_string()
}

#[test]
fn a_person_in_a_later_file_signs_in_and_acts_once_invited() {
    let dir = TempDir::new("s2-later");
    let later = dir.write(
        "bob.facts",
        "user bob type person.\ninvite bob to engineering by iamgroot as Data Developer.\n",
    );
    assert_eq!(eval(&[WORKED, &later], "may_sign_in(bob)"), "yes");
    assert_eq!(
        eval(
            &[WORKED, &later],
            "may_create_resource(bob, engineering, workflow)"
        ),
        "yes"
    );
}

#[test]
fn a_user_in_the_instance_file_signs_in_only_if_listed() {
    let dir = TempDir::new("s2-same");
    let one = dir.write(
        "one.facts",
        "user a type person.\nuser b type person.\ninstance operator: a user: a.\n",
    );
    assert_eq!(eval(&[&one], "may_sign_in(b)"), "no");
    assert_eq!(eval(&[&one], "may_sign_in(a)"), "yes");
    // A file read before the instance file adds users to the instance being created.
    let before = dir.write("before.facts", "user c type person.\n");
    assert_eq!(eval(&[&before, &one], "may_sign_in(c)"), "no");
}

#[test]
fn operator_and_super_app_user_stay_fixed_after_creation() {
    let dir = TempDir::new("s2-fixed");
    let later = dir.write(
        "later.facts",
        "user bob type person.\ninstance operator: bob.\n",
    );
    let (out, err, code) = grantlog(&["eval", WORKED, &later, "-q", "may_sign_in(bob)"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("F0201"), "{err}");
    assert!(err.contains(&format!("{later}:2:1")), "{err}");
}

#[test]
fn assert_in_the_repl_onboards_a_user_who_signs_in() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .arg("repl")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run grantlog");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"may_sign_in(bob)\n\
              :assert user bob type person.\n\
              may_sign_in(bob)\n\
              :assert invite bob to engineering by iamgroot as Data Developer.\n\
              may_create_resource(bob, engineering, workflow)\n",
        )
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    let answers: Vec<&str> = text.lines().filter(|l| *l == "yes" || *l == "no").collect();
    assert_eq!(answers, ["no", "yes", "yes"], "{text}");
    assert!(text.contains("may_sign_in +1"), "{text}");
}
