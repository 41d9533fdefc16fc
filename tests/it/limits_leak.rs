//! `--timeout` and `--max-tuples` hold everywhere the engine works: queries, joins that
//! emit nothing, and the fix verification of `explain --why-not` (issue 9, item 11).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A rule file in a fresh temporary directory.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> (String, String, i32, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .output()
        .expect("run grantlog");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
        started.elapsed(),
    )
}

/// `.decl` lines for unary `names`, and `n` numbered facts for each.
fn unary(names: &[&str], n: usize) -> String {
    let mut text = String::new();
    for r in names {
        text.push_str(&format!(".decl {r}(x)\n"));
        for i in 0..n {
            text.push_str(&format!("{r}({i}).\n"));
        }
    }
    text
}

#[test]
fn a_query_obeys_the_tuple_limit() {
    let rules = file("cross.dl", &unary(&["a", "b"], 1000));
    let rules = rules.to_str().unwrap();
    let (out, err, code, _) = run(&[
        "eval",
        "--rules",
        rules,
        "-q",
        "a(X), b(Y)",
        "--max-tuples",
        "10",
    ]);
    assert_eq!(code, 1, "{out:.300}{err}");
    assert!(err.contains("E0401"), "{err}");
    assert!(out.is_empty(), "no partial answer: {out:.300}");
    // Within the limit the same query answers.
    let (out, _, code, _) = run(&[
        "eval",
        "--rules",
        rules,
        "-q",
        "a(1), b(Y)",
        "--max-tuples",
        "2000",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1000 + 4, "{out:.300}");
}

#[test]
fn a_join_that_emits_nothing_still_reads_the_clock() {
    // X < Y < Z < X never holds: the rule emits no tuple while it visits ~10^8 rows.
    let mut text = unary(&["a", "b", "c"], 700);
    text.push_str(".decl p(x)\np(X) :- a(X), b(Y), c(Z), X < Y, Y < Z, Z < X.\n");
    let rules = file("filtered.dl", &text);
    let (_, err, code, elapsed) = run(&[
        "eval",
        "--rules",
        rules.to_str().unwrap(),
        "--timeout",
        "0.3",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0402"), "{err}");
    assert!(elapsed < Duration::from_secs(5), "ran {elapsed:?}");
}

#[test]
fn a_query_that_emits_nothing_obeys_the_timeout() {
    let rules = file("query.dl", &unary(&["a", "b", "c"], 700));
    let (_, err, code, elapsed) = run(&[
        "eval",
        "--rules",
        rules.to_str().unwrap(),
        "--timeout",
        "0.3",
        "-q",
        "a(X), b(Y), c(Z), X < Y, Y < Z, Z < X",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0402"), "{err}");
    assert!(elapsed < Duration::from_secs(5), "ran {elapsed:?}");
}

#[test]
fn why_not_fix_verification_obeys_the_timeout() {
    // The fix `t()` is cheap to find, but verifying it runs the slow join.
    let mut text = unary(&["a", "b", "c"], 700);
    text.push_str(
        ".decl t() .decl slow(x) .decl goal()\n\
         slow(X) :- t(), a(X), b(Y), c(Z), X < Y, Y < Z, Z < X.\n\
         goal() :- t(), !slow(0).\n",
    );
    let rules = file("whynot.dl", &text);
    let (out, err, code, elapsed) = run(&[
        "explain",
        "--why-not",
        "goal()",
        "--rules",
        rules.to_str().unwrap(),
        "--timeout",
        "0.5",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("E0402"), "{err}");
    assert!(out.is_empty(), "no explanation cut short: {out}");
    assert!(elapsed < Duration::from_secs(5), "ran {elapsed:?}");
}
