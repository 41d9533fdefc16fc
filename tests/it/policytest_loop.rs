//! The policy author's loop: `grantlog test --run PATTERN`, `--coverage-format lcov` and
//! `--watch`, on the tiny coverage fixture (5 rules; @never_fires and one unnamed rule
//! never fire) and on test files written here.

use crate::cli_run::grantlog;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TINY_RULES: &str = "tests/fixtures/coverage/tiny.dl";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-loop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Two tests, `alpha_holds` (passes) and `beta_wrong` (fails on purpose).
const TWO_TESTS: &str =
    "test alpha_holds:\n  a(1).\n  expect b(1).\n\ntest beta_wrong:\n  a(2).\n  expect never(2).\n";

fn two_tests(dir: &Path) -> String {
    let file = dir.join("two.test");
    std::fs::write(&file, TWO_TESTS).unwrap();
    file.display().to_string()
}

#[test]
fn run_selects_tests_by_name_and_a_pattern_matching_none_fails() {
    let dir = scratch("run");
    let file = two_tests(&dir);
    let all = grantlog(&["test", &file, "--rules", TINY_RULES]);
    assert!(all.0.contains("1 passed, 1 failed"), "{}", all.0);
    let alpha = grantlog(&["test", &file, "--rules", TINY_RULES, "--run", "alpha"]);
    assert_eq!(alpha.2, 0, "{alpha:?}");
    assert!(alpha.0.contains("1 passed, 0 failed"), "{}", alpha.0);
    let beta = grantlog(&["test", &file, "--rules", TINY_RULES, "--run", "beta"]);
    assert_eq!(beta.2, 3);
    assert!(beta.0.contains("FAIL beta_wrong"), "{}", beta.0);
    assert!(!beta.0.contains("alpha"), "{}", beta.0);
    let none = grantlog(&["test", &file, "--rules", TINY_RULES, "--run", "gamma"]);
    assert_eq!(none.2, 1, "a pattern that selects nothing must not pass");
    assert!(
        none.1.contains("no test name contains `gamma`"),
        "{}",
        none.1
    );
}

#[test]
fn lcov_marks_each_rule_line_hit_or_not_and_keeps_stdout_a_tracefile() {
    let (out, err, code) = grantlog(&[
        "test",
        "tests/fixtures/coverage/tiny.test",
        "--rules",
        TINY_RULES,
        "--coverage-format",
        "lcov",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1 passed, 0 failed"),
        "report on stderr: {err}"
    );
    let rules = std::fs::read_to_string(TINY_RULES).unwrap();
    let line_of = |head: &str| {
        1 + rules
            .lines()
            .position(|l| l.starts_with(head))
            .expect("rule head")
    };
    assert!(
        out.starts_with("TN:\nSF:tests/fixtures/coverage/tiny.dl\n"),
        "{out}"
    );
    assert!(out.contains(&format!("FN:{},never_fires\n", line_of("never(X)"))));
    assert!(out.contains("FNDA:0,never_fires\n") && out.contains("FNDA:1,b_via_c\n"));
    assert!(out.contains("FNF:4\nFNH:3\n"), "{out}");
    assert!(out.contains(&format!("DA:{},0\n", line_of("after_never(X)"))));
    assert!(out.contains(&format!("DA:{},1\n", line_of("c(X)"))));
    assert!(out.contains("LF:5\nLH:3\nend_of_record\n"), "{out}");
    assert!(!out.contains("passed"), "nothing but LCOV on stdout");
}

/// Lines of the child's stdout until one contains `want`, within a few seconds.
fn wait_for(lines: &mpsc::Receiver<String>, want: &str, seen: &mut String) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(l) => {
                seen.push_str(&l);
                seen.push('\n');
                if l.contains(want) {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
    false
}

#[test]
fn watch_reruns_when_a_test_file_changes() {
    let dir = scratch("watch");
    let file = dir.join("one.test");
    std::fs::write(&file, "test alpha_holds:\n  a(1).\n  expect b(1).\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args([
            "test",
            dir.to_str().unwrap(),
            "--rules",
            TINY_RULES,
            "--watch",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut seen = String::new();
    let first = wait_for(&rx, "1 passed, 0 failed", &mut seen);
    // Give the watcher a moment to be listening before the edit.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&file, TWO_TESTS).unwrap();
    let changed = first && wait_for(&rx, "--- changed:", &mut seen);
    let rerun = changed && wait_for(&rx, "1 passed, 1 failed", &mut seen);
    let _ = child.kill();
    let _ = child.wait();
    assert!(first && changed && rerun, "watch output:\n{seen}");
    assert!(seen.contains("one.test"), "names the changed file: {seen}");
}

/// `grantlog test FILE --watch` as a child, its stdout lines on a channel.
fn watching(file: &Path) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args([
            "test",
            file.to_str().unwrap(),
            "--rules",
            TINY_RULES,
            "--watch",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    (child, rx)
}

/// Issue 24 item 14: an included file, a file in an included directory, and an include
/// added while watching each make the tests run again (before, only the test paths
/// and rule files were watched: editing an included file ran nothing).
#[test]
fn watch_reruns_when_an_included_file_or_directory_changes() {
    let dir = scratch("watch-includes");
    for sub in ["tests", "inc", "more", "later"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let base = dir.join("inc/base.dl");
    std::fs::write(&base, "a(2).\n").unwrap();
    std::fs::write(dir.join("more/m.facts"), "fact a(5).\n").unwrap();
    std::fs::write(dir.join("later/l.dl"), "a(7).\n").unwrap();
    let file = dir.join("tests/one.test");
    let test = "include \"../inc/base.dl\".\ninclude \"../more\".\n\ntest t:\n  expect b(1).\n  expect b(3).\n";
    std::fs::write(&file, test).unwrap();
    let (mut child, rx) = watching(&file);
    let mut seen = String::new();
    let step = |want: &str, seen: &mut String| wait_for(&rx, want, seen);
    let mut ok = step("0 passed, 1 failed", &mut seen);
    std::thread::sleep(Duration::from_millis(300));
    // The included file: b(1) now holds, b(3) not yet.
    std::fs::write(&base, "a(1).\n").unwrap();
    ok = ok && step("--- changed:", &mut seen) && step("0 passed, 1 failed", &mut seen);
    let after_file = seen.clone();
    // A new file in the included directory: both hold.
    std::fs::write(dir.join("more/n.facts"), "fact a(3).\n").unwrap();
    ok = ok && step("--- changed:", &mut seen) && step("1 passed, 0 failed", &mut seen);
    // An include added to the test file is watched from the next run on.
    std::fs::write(
        &file,
        test.replace("test t:", "include \"../later/l.dl\".\n\ntest t:")
            .replace("expect b(3).", "expect b(3).\n  expect no b(7)."),
    )
    .unwrap();
    ok = ok && step("--- changed:", &mut seen) && step("0 passed, 1 failed", &mut seen);
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(dir.join("later/l.dl"), "a(8).\n").unwrap();
    ok = ok && step("--- changed:", &mut seen) && step("1 passed, 0 failed", &mut seen);
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "watch output:\n{seen}");
    assert!(
        after_file.contains("base.dl"),
        "names the included file: {after_file}"
    );
    assert!(seen.contains("n.facts") && seen.contains("l.dl"), "{seen}");
}
