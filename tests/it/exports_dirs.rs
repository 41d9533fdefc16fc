//! Issue 24, item 22: directories as found on disk. Symbolic links are followed with a
//! cycle check (each directory walked once, each file read once), only regular files are
//! read, and Ctrl-C stops a `:load DIR` with the session kept.

use std::io::{Read, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("grantlog-dirs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn instance(d: &Path) {
    std::fs::write(
        d.join("base.facts"),
        "user maria type person.\ninstance operator: maria.\ntenant engineering.\n",
    )
    .unwrap();
}

/// Runs a command with a deadline; None if it had to be killed.
fn within(args: &[&str], limit: Duration) -> Option<(String, String, i32)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    ))
}

#[test]
fn symlink_cycles_are_walked_once_and_each_file_read_once() {
    let d = dir("cycle");
    instance(&d);
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/more.facts"), "user sam type person.\n").unwrap();
    // Two links to `.` (before: ran until killed) and a link back up from below.
    symlink(".", d.join("again")).unwrap();
    symlink(".", d.join("once-more")).unwrap();
    symlink("..", d.join("sub/up")).unwrap();
    // A second name for a file: read once, not a duplicate declaration.
    symlink("base.facts", d.join("alias.facts")).unwrap();
    let path = d.to_str().unwrap();
    let (out, err, code) = within(&["eval", path, "-q", "user(U, T)"], Duration::from_secs(30))
        .expect("eval of a directory with link cycles ended");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(2 rows)"), "{out}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_fifo_in_a_directory_is_not_read() {
    let d = dir("fifo");
    instance(&d);
    let fifo = std::ffi::CString::new(d.join("notes.txt").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a path we own.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let (out, err, code) = within(
        &["eval", d.to_str().unwrap(), "-q", "tenant(T)"],
        Duration::from_secs(30),
    )
    .expect("eval of a directory holding a FIFO ended");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("engineering"), "{out}");
}

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

#[test]
fn ctrl_c_stops_a_load_of_a_huge_directory_and_the_session_goes_on() {
    // A directory that reaches the whole file system: its walk takes far longer than
    // the second the test waits.
    let d = dir("huge");
    symlink("/", d.join("root")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["repl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let seen = collect(child.stdout.take().unwrap());
    let errors = collect(child.stderr.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!(":load {}\n", d.display()).as_bytes())
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let sent = Instant::now();
    stdin.write_all(b"tenant(engineering)\n").unwrap();
    loop {
        let text = seen.lock().unwrap().clone();
        if text.contains("yes") || text.contains("no\n") {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(10),
            "no answer after Ctrl-C: {text}\n{}",
            errors.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let status = child.wait().unwrap();
    let err = errors.lock().unwrap().clone();
    let out = seen.lock().unwrap().clone();
    // A piped session writes its diagnostics to stdout, in order with the answers.
    assert!(
        out.contains("error[E0403]: interrupted (Ctrl-C): `:load"),
        "{out}\n{err}"
    );
    // The worked example answers as before: the session was kept.
    assert!(out.contains("yes"), "{out}");
    assert_eq!(status.code(), Some(1), "{err}");
}
