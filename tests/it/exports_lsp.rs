//! Issue 24, item 23: the language server bounds what a client sends (`Content-Length`,
//! header lines) and publishes a bounded number of diagnostics per document.

use crate::lsp::{scratch, Client};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `grantlog lsp` on `input` (then end of input); its exit code and stderr.
fn serve(input: &[u8]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The server may stop reading before all of it is written.
    let _ = stdin.write_all(input);
    drop(stdin);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!(
                "grantlog lsp did not stop on {:?}",
                String::from_utf8_lossy(&input[..input.len().min(80)])
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_content_length_the_server_cannot_hold_is_a_protocol_error_not_a_crash() {
    for (header, says) in [
        // Before: a panic (exit 101), an abort allocating 100 GB, 2 GB for two bytes.
        ("18446744073709551615", "over the limit"),
        ("99999999999", "over the limit"),
        ("99999999999999999999999", "malformed Content-Length"),
        ("-1", "malformed Content-Length"),
        ("2000000", "ended inside a message (2 of 2000000 bytes)"),
    ] {
        let (code, err) = serve(format!("Content-Length: {header}\r\n\r\n{{}}").as_bytes());
        assert_eq!(code, 1, "{header}: {err}");
        assert!(err.starts_with("grantlog lsp: "), "{header}: {err}");
        assert!(err.contains(says), "{header}: {err}");
        assert!(!err.contains("panicked"), "{header}: {err}");
    }
}

#[test]
fn malformed_frames_and_bodies_end_the_session_with_the_reason() {
    let long = format!("X-Pad: {}\r\n", "a".repeat(100_000));
    for (input, says) in [
        (long.as_str(), "a header line longer than 1024 bytes"),
        ("Content-Length: 2\n\n{}", "each line ends with \\r\\n"),
        (
            "Content-Type: x\r\n\r\n{}",
            "a message without a Content-Length header",
        ),
        ("Content-Length: 5\r\n\r\nhello", "malformed message"),
    ] {
        let (code, err) = serve(input.as_bytes());
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(says), "{says}: {err}");
    }
}

#[test]
fn a_document_with_thousands_of_problems_publishes_a_bounded_list() {
    let dir = scratch("many");
    let mut c = Client::start();
    let text = "p(a).\n".repeat(5_000);
    let diags = c.open(&dir.join("many.facts"), &text);
    // Before: all of them (80,000 took seconds for every edit).
    assert_eq!(diags.len(), 1001, "{}", diags.len());
    let last = diags.last().unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        last.starts_with("... and 4000 more problems in this file"),
        "{last}"
    );
    assert_eq!(diags[0]["range"]["start"]["line"], 0);
    assert_eq!(c.finish(true), 0);
}
