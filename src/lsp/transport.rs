//! The server's framing on stdin/stdout: `Content-Length` headers read with bounds.
//!
//! `lsp-server`'s own stdio reader trusts the header: `Content-Length:
//! 18446744073709551615` panicked, `99999999999` aborted allocating 100 GB, and
//! `2000000000` took 2 GB for a 2-byte message. Here a header line is at most
//! [`MAX_HEADER_LINE`] bytes, a message at most [`MAX_MESSAGE`] bytes, and the body
//! grows only as its bytes arrive. A broken frame ends the session with a message that
//! says what was wrong (exit 1, as any protocol error).

use lsp_server::{Connection, Message};
use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The largest message accepted: a whole document (full sync) of a big instance fits.
pub const MAX_MESSAGE: u64 = 256 * 1024 * 1024;

/// The longest header line (`Content-Length: ...`, `Content-Type: ...`).
pub const MAX_HEADER_LINE: usize = 1024;

/// Why the reader stopped, when it was not the end of input.
pub type ReadError = Arc<Mutex<Option<String>>>;

/// A connection on stdin/stdout; the writer thread (join it to flush the last message)
/// and where the reader leaves its error.
pub fn stdio() -> (Connection, JoinHandle<()>, ReadError) {
    let (server, client) = Connection::memory();
    let Connection { sender, receiver } = client;
    let error: ReadError = Arc::default();
    let seen = Arc::clone(&error);
    // The reader is not joined: it may be blocked on stdin when the session ends.
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_message(&mut input) {
                Ok(None) => break,
                Ok(Some(msg)) => {
                    let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                    if sender.send(msg).is_err() || exit {
                        break;
                    }
                }
                Err(e) => {
                    *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    break;
                }
            }
        }
    });
    let writer = std::thread::spawn(move || {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        for msg in receiver {
            if msg.write(&mut out).is_err() {
                break;
            }
        }
    });
    (server, writer, error)
}

/// One framed message; `None` at the end of input.
pub fn read_message(input: &mut impl BufRead) -> Result<Option<Message>, String> {
    let Some(body) = read_frame(input)? else {
        return Ok(None);
    };
    serde_json::from_slice(&body).map(Some).map_err(|e| {
        format!("malformed message ({e}): a JSON-RPC request, response or notification")
    })
}

/// One frame's body; `None` at the end of input before a header starts.
pub fn read_frame(input: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut size: Option<u64> = None;
    let mut first = true;
    loop {
        let Some(line) = header_line(input, first)? else {
            return Ok(None);
        };
        first = false;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("malformed header {line:?}: expected `Name: value`"))?;
        if name.trim().eq_ignore_ascii_case("Content-Length") {
            let value = value.trim();
            let n: u64 = value.parse().map_err(|_| {
                format!("malformed Content-Length {value:?}: expected a number of bytes")
            })?;
            if n > MAX_MESSAGE {
                return Err(format!(
                    "Content-Length {n} is over the limit of {MAX_MESSAGE} bytes"
                ));
            }
            size = Some(n);
        }
    }
    let size = size.ok_or("a message without a Content-Length header")?;
    let mut body = Vec::new();
    input
        .take(size)
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read a message: {e}"))?;
    if (body.len() as u64) < size {
        return Err(format!(
            "the input ended inside a message ({} of {size} bytes)",
            body.len()
        ));
    }
    Ok(Some(body))
}

/// One header line without its `\r\n`; `None` at the end of input before the first
/// byte of the first line (`first`).
fn header_line(input: &mut impl BufRead, first: bool) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    let read = input
        .take(MAX_HEADER_LINE as u64 + 2)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("cannot read a header: {e}"))?;
    if read == 0 {
        return if first {
            Ok(None)
        } else {
            Err("the input ended inside a header".into())
        };
    }
    let Some(text) = line.strip_suffix(b"\r\n") else {
        return Err(if line.len() > MAX_HEADER_LINE {
            format!("a header line longer than {MAX_HEADER_LINE} bytes")
        } else {
            format!(
                "malformed header {:?}: each line ends with \\r\\n",
                String::from_utf8_lossy(&line)
            )
        });
    };
    String::from_utf8(text.to_vec())
        .map(Some)
        .map_err(|_| "a header that is not UTF-8".into())
}

/// Writes `msg` framed, for tests and tools.
pub fn write_frame(out: &mut impl Write, body: &[u8]) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> Result<Option<Vec<u8>>, String> {
        read_frame(&mut text.as_bytes())
    }

    #[test]
    fn content_length_is_bounded_and_checked() {
        assert_eq!(
            frame("Content-Length: 2\r\n\r\n{}"),
            Ok(Some(b"{}".to_vec()))
        );
        assert_eq!(frame(""), Ok(None));
        let huge = frame("Content-Length: 18446744073709551615\r\n\r\n{}").unwrap_err();
        assert!(huge.contains("over the limit"), "{huge}");
        let over = frame("Content-Length: 99999999999999999999999\r\n\r\n{}").unwrap_err();
        assert!(over.contains("malformed Content-Length"), "{over}");
        let short = frame("Content-Length: 2000000\r\n\r\n{}").unwrap_err();
        assert!(
            short.contains("ended inside a message (2 of 2000000"),
            "{short}"
        );
        assert!(frame("Content-Type: x\r\n\r\n{}")
            .unwrap_err()
            .contains("without a Content-Length"));
        let long = format!("X: {}\r\n", "a".repeat(5000));
        assert!(frame(&long).unwrap_err().contains("longer than 1024"));
        assert!(frame("Content-Length: 2\n\n{}")
            .unwrap_err()
            .contains("\\r\\n"));
    }
}
