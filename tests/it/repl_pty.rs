//! The binary in a pseudo-terminal: Tab completion and multi-line input through
//! rustyline, driven by a hand-rolled `openpty` (no extra crate).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) struct Pty {
    home: std::path::PathBuf,
    writer: File,
    seen: Arc<Mutex<Vec<u8>>>,
    pub(crate) child: std::process::Child,
}

/// Text with ANSI control sequences and carriage returns removed.
fn plain(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&d) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

impl Pty {
    fn spawn() -> Pty {
        Pty::spawn_with(&[])
    }

    /// `grantlog ARGS` in a new pseudo-terminal (its controlling terminal).
    pub(crate) fn spawn_with(args: &[&str]) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 24,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two fds; the pointers are valid for the call.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both fds were just opened and are owned here.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let home = std::env::temp_dir().join(format!("grantlog-pty-{}", std::process::id()));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantlog"));
        cmd.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("TERM", "xterm")
            .env("HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY as _, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("the binary runs");
        let writer = File::from(master.try_clone().unwrap());
        let mut reader = File::from(master);
        let mut answer = writer.try_clone().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let chunk = &buf[..n];
                // Answer a cursor-position query as a terminal would.
                if chunk.windows(4).any(|w| w == b"\x1b[6n") {
                    let _ = answer.write_all(b"\x1b[1;1R");
                }
                sink.lock().unwrap().extend_from_slice(chunk);
            }
        });
        Pty {
            home,
            writer,
            seen,
            child,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Plain text output since byte `from`.
    pub(crate) fn since(&self, from: usize) -> String {
        plain(&self.seen.lock().unwrap()[from..])
    }

    pub(crate) fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Wait until the output since `from` contains `needle`; the output so far otherwise.
    pub(crate) fn wait_for(&self, from: usize, needle: &str) -> Result<String, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.since(from);
            if text.contains(needle) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(text);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

#[test]
fn tab_completes_and_unfinished_lines_continue() {
    let mut pty = Pty::spawn();
    pty.wait_for(0, "grantlog> ").expect("a prompt");

    // Tab completes a relation name prefix.
    let mark = pty.len();
    pty.send("missing_perm\t");
    pty.wait_for(mark, "missing_permission")
        .unwrap_or_else(|t| panic!("Tab did not complete `missing_perm`: {t:?}"));
    pty.send("(engineering, sales-360, U, D, P)\r");
    pty.wait_for(mark, "can_use_secret")
        .unwrap_or_else(|t| panic!("no answer: {t:?}"));

    // An unfinished line continues: Enter after `can_run(engineering,` answers nothing yet.
    let mark = pty.len();
    pty.send("can_run(engineering,\r");
    std::thread::sleep(Duration::from_millis(400));
    let waiting = pty.since(mark);
    assert!(
        !waiting.contains("error") && !waiting.contains("\nno\n"),
        "answered an unfinished line: {waiting:?}"
    );
    pty.send(" sales-360)\r");
    let text = pty
        .wait_for(mark, "\nno\n")
        .unwrap_or_else(|t| panic!("no answer after the second line: {t:?}"));
    assert!(text.contains("sales-360)"), "{text:?}");

    pty.send(":q\r");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = pty.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not quit: {:?}",
            pty.since(0)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // History is kept in the platform's data directory.
    let history =
        std::fs::read_to_string(pty.home.join("grantlog").join("history")).expect("history saved");
    assert!(
        history.contains("missing_permission(engineering, sales-360, U, D, P)"),
        "{history}"
    );
}
