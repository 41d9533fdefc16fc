//! `--threads N` and `GRANTLOG_THREADS`: answers and proofs are the same for every thread
//! count, on an instance big enough that its text is parsed in pieces on several threads;
//! a count that is not a positive number is a usage error naming where it came from.

use std::process::Command;

fn run(args: &[&str], env: Option<&str>) -> (String, String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantlog"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove(grantlog::threads::ENV);
    if let Some(v) = env {
        cmd.env(grantlog::threads::ENV, v);
    }
    let out = cmd.output().expect("run grantlog");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn answers_and_proofs_are_the_same_for_every_thread_count() {
    let text = grantlog::generate::instance(3, 3500);
    assert!(
        text.len() > 1 << 20,
        "cut into 1 MiB pieces: {}",
        text.len()
    );
    let dir = std::env::temp_dir().join(format!("grantlog-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("big.facts");
    std::fs::write(&facts, &text).unwrap();
    let facts = facts.to_str().unwrap();
    let query = [
        "-q",
        "can_run(T, W)",
        "-q",
        "effective_grant(G, U, T, R, P)",
    ];
    let eval = |threads: &[&str], env| {
        let mut args = vec!["eval", facts, "--format", "csv"];
        args.extend(threads);
        args.extend(query);
        run(&args, env)
    };
    let one = eval(&["--threads", "1"], None);
    assert_eq!(one.2, 0, "{}", one.1);
    let first = one.0.lines().nth(1).expect("can_run has rows").to_string();
    assert!(one.0.lines().count() > 1000, "many rows to compare");
    assert_eq!(eval(&["--threads", "2"], None), one, "2 threads");
    assert_eq!(eval(&[], Some("4")), one, "4 threads from the environment");
    // The proof of the first answer.
    let (t, w) = first.split_once(',').expect("two columns");
    let fact = format!("can_run({t}, {w})");
    let explain = |threads: &str| run(&["explain", &fact, facts, "--threads", threads], None);
    let proof = explain("1");
    assert_eq!(proof.2, 0, "{}", proof.1);
    assert!(proof.0.contains("can_run"), "{}", proof.0);
    assert_eq!(explain("2"), proof);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_thread_count_that_is_not_a_positive_number_is_a_usage_error() {
    let (_, err, code) = run(&["eval", "-q", "can_run(T, W)"], Some("two"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("E0006") && err.contains("GRANTLOG_THREADS=\"two\""),
        "{err}"
    );
    let (_, err, code) = run(&["eval", "--threads", "0", "-q", "can_run(T, W)"], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--threads"), "{err}");
    let (out, err, code) = run(&["eval", "-q", "can_run(T, W)"], Some("1"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("can_run"), "{out}");
}
