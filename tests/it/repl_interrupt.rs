//! Ctrl-C, as a real SIGINT to the binary (issue 9, item 12): in the REPL it stops the
//! running input, which then changes nothing, and the session answers as before; a batch
//! command exits 130 at once.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A transitive closure over a chain: `big` adds `n` edges, whose closure takes seconds.
fn workload(n: usize) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("grantlog-interrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rules = String::from(
        ".decl edge(a, b)\n.decl path(a, b)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n",
    );
    for i in 0..5 {
        rules.push_str(&format!("edge(n{i}, n{}).\n", i + 1));
    }
    let mut big = String::from("edge(n5, m0).\n");
    for i in 0..n {
        big.push_str(&format!("edge(m{i}, m{}).\n", i + 1));
    }
    let (r, b) = (dir.join("chain.dl"), dir.join("big.txt"));
    std::fs::write(&r, rules).unwrap();
    std::fs::write(&b, big).unwrap();
    (r, b)
}

fn sigint(child: &Child) {
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
}

/// Collects a child's stdout on a thread.
fn collect(mut from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let seen = Arc::new(Mutex::new(String::new()));
    let sink = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    seen
}

fn wait_for(seen: &Mutex<String>, needle: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let text = seen.lock().unwrap().clone();
        if text.contains(needle) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

const ASK: &str = "path(n0, m1)\n:facts path\n:facts edge\n";

#[test]
fn ctrl_c_stops_a_load_and_the_session_answers_as_before() {
    let (rules, big) = workload(1500);
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["repl", "--rules", rules.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let seen = collect(child.stdout.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(ASK.as_bytes()).unwrap();
    let before = wait_for(&seen, "(5 rows)\n", Duration::from_secs(20));
    assert!(before.ends_with("(5 rows)\n"), "{before}");
    let script = format!(":load {}\n{ASK}", big.display());
    stdin.write_all(script.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !seen.lock().unwrap().contains("loaded"),
        "the load finished before Ctrl-C: make the workload bigger"
    );
    sigint(&child);
    let sent = Instant::now();
    let after = loop {
        let text = seen.lock().unwrap().clone();
        if text.matches("(5 rows)\n").count() == 2 {
            break text;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(10),
            "no answer after Ctrl-C: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let answered = sent.elapsed();
    drop(stdin);
    let status = child.wait().unwrap();
    let rest = &after[before.len()..];
    assert!(
        rest.contains("error[E0403]: interrupted (Ctrl-C): `:load"),
        "{rest}"
    );
    assert!(rest.contains("the model is as it was"), "{rest}");
    // The answers after the interrupt are those from before the load (warnings about
    // the question name its input number, which differs).
    let unnumbered = |s: &str| {
        s.split("<repl ")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    part.trim_start_matches(|c: char| c.is_ascii_digit())
                        .to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("<repl ")
    };
    let (before_u, rest_u) = (unnumbered(&before), unnumbered(rest));
    assert!(
        rest_u.ends_with(&before_u),
        "before:\n{before}\nafter:\n{rest}"
    );
    assert_eq!(status.code(), Some(1), "one input failed: {rest}");
    assert!(
        answered < Duration::from_secs(5),
        "took {answered:?} to stop"
    );
}

#[test]
fn ctrl_c_ends_a_batch_command_with_status_130() {
    let (rules, big) = workload(1500);
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args([
            "eval",
            "--rules",
            rules.to_str().unwrap(),
            big.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished before Ctrl-C"
    );
    sigint(&child);
    let sent = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
}

#[test]
fn ctrl_c_in_a_terminal_stops_the_input_and_the_prompt_returns() {
    let (rules, big) = workload(1500);
    let mut pty = super::repl_pty::Pty::spawn_with(&["repl", "--rules", rules.to_str().unwrap()]);
    pty.wait_for(0, "grantlog> ").expect("a prompt");
    pty.send(&format!(":load {}\r", big.display()));
    std::thread::sleep(Duration::from_millis(1500));
    let mark = pty.len();
    // The terminal turns the Ctrl-C byte into SIGINT for the foreground process.
    pty.send("\x03");
    let text = pty
        .wait_for(mark, "grantlog> ")
        .unwrap_or_else(|t| panic!("no prompt after Ctrl-C: {t:?}"));
    assert!(text.contains("interrupted (Ctrl-C)"), "{text:?}");
    assert!(!pty.since(0).contains("loaded"), "the load finished first");
    let mark = pty.len();
    pty.send("path(n0, m1)\r");
    let text = pty
        .wait_for(mark, "\nno\n")
        .unwrap_or_else(|t| panic!("not the answer from before the load: {t:?}"));
    assert!(!text.contains("yes"), "{text:?}");
    assert!(pty.child.try_wait().unwrap().is_none(), "the session ended");
}
