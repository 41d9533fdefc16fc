//! Issue 9, fidelity 3: commands without `--rules` use the rules built into the binary and
//! say so when a `rules/` directory in the working directory differs; `:reload` reloads
//! from where the session's rules came from.

use crate::fidelity_util::TempDir;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const SHIPPED: &str = include_str!("../../rules/dataos.dl");
/// An edit that changes an answer: every workload runs.
const EDIT: &str = "\n/// S23: edited on disk.\ncan_run(T, W) :- workload(T, W).\n";
const QUERY: &str = "can_run(engineering, sales-360)";

/// `grantlog ARGS` run in `dir`, with `stdin` piped in: (stdout, stderr, status).
fn run_in(dir: &TempDir, args: &[&str], stdin: &str) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run grantlog");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn edited_checkout(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    dir.write("rules/dataos.dl", &format!("{SHIPPED}{EDIT}"));
    dir
}

#[test]
fn eval_without_rules_uses_the_embedded_copy_and_says_the_disk_one_differs() {
    let dir = edited_checkout("shipped-eval");
    let (out, err, code) = run_in(&dir, &["eval", "-q", QUERY], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().last(),
        Some("no"),
        "the embedded rules answer: {out}"
    );
    assert!(err.contains("rules/dataos.dl"), "{err}");
    assert!(err.contains("built into grantlog"), "{err}");
    assert!(err.contains("--rules rules/dataos.dl"), "{err}");
    // The flag the note names uses the edited file, and then there is no note.
    let facts = dir.write(
        "w.facts",
        include_str!("../../examples/worked-example.facts"),
    );
    let (out, err, code) = run_in(
        &dir,
        &["eval", "--rules", "rules/dataos.dl", &facts, "-q", QUERY],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().last(), Some("yes"), "{out}");
    assert!(!err.contains("built into grantlog"), "{err}");
}

#[test]
fn test_without_rules_notes_the_differing_disk_copy() {
    let dir = edited_checkout("shipped-test");
    dir.write(
        "t.test",
        "include \"w.facts\".\ntest t_runs:\n  expect no can_run(engineering, sales-360).\n",
    );
    dir.write(
        "w.facts",
        include_str!("../../examples/worked-example.facts"),
    );
    let (out, err, code) = run_in(&dir, &["test", "t.test"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
    assert!(err.contains("--rules rules/dataos.dl"), "{err}");
}

#[test]
fn no_note_when_the_disk_copy_is_the_shipped_one_or_absent() {
    let dir = TempDir::new("shipped-same");
    let (_, err, code) = run_in(&dir, &["eval", "-q", QUERY], "");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("built into grantlog"), "{err}");
    dir.write("rules/dataos.dl", SHIPPED);
    let (_, err, code) = run_in(&dir, &["eval", "-q", QUERY], "");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("built into grantlog"), "{err}");
}

#[test]
fn reload_of_a_session_on_the_embedded_rules_keeps_them() {
    let dir = edited_checkout("shipped-reload");
    let script = format!("{QUERY}\n:reload\n{QUERY}\n");
    let (out, err, code) = run_in(&dir, &["repl"], &script);
    assert_eq!(code, 0, "{out}{err}");
    let answers: Vec<&str> = out.lines().filter(|l| *l == "yes" || *l == "no").collect();
    assert_eq!(answers, ["no", "no"], "{out}");
    assert!(
        out.contains(
            "the rules are the ones built into grantlog; rules/dataos.dl in this directory differs"
        ),
        "{out}"
    );
    assert!(out.contains("--rules rules/dataos.dl"), "{out}");
}

#[test]
fn reload_of_a_session_on_rule_files_rereads_them_from_disk() {
    let dir = TempDir::new("shipped-reload-disk");
    let rules = dir.write("mine.dl", SHIPPED);
    let facts = dir.write(
        "w.facts",
        include_str!("../../examples/worked-example.facts"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["repl", "--rules", &rules, &facts])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run grantlog");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    writeln!(stdin, "{QUERY}").expect("write");
    stdin.flush().expect("flush");
    let mut first = String::new();
    stdout.read_line(&mut first).expect("read");
    assert_eq!(first.trim(), "no");
    // Edited between the two questions: :reload must read the file again.
    std::fs::write(&rules, format!("{SHIPPED}{EDIT}")).expect("edit");
    writeln!(stdin, ":reload\n{QUERY}").expect("write");
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read");
    assert!(child.wait().expect("wait").success(), "{rest}");
    assert_eq!(rest.lines().last(), Some("yes"), "{rest}");
}
