//! Output written on a second thread: the command formats into large buffers while the
//! writes of the full ones (the kernel's copy into a pipe or the page cache, a good part
//! of a diff that prints hundreds of megabytes) run beside it.

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Bytes per buffer handed over.
const CHUNK: usize = 1 << 20;
/// Buffers in flight: formatting runs at most this far ahead of the writes.
const AHEAD: usize = 4;

/// A writer whose bytes reach `inner` on another thread, in order. The first write
/// error ends the writes; [`Handoff::finish`] (or the next write) reports it.
pub struct Handoff {
    buf: Vec<u8>,
    to_writer: Option<SyncSender<Vec<u8>>>,
    writer: Option<JoinHandle<io::Result<()>>>,
}

impl Handoff {
    pub fn new(mut inner: impl Write + Send + 'static) -> Handoff {
        let (to_writer, chunks): (_, Receiver<Vec<u8>>) = sync_channel(AHEAD);
        let writer = std::thread::spawn(move || {
            for chunk in chunks {
                inner.write_all(&chunk)?;
            }
            inner.flush()
        });
        Handoff {
            buf: Vec::with_capacity(CHUNK),
            to_writer: Some(to_writer),
            writer: Some(writer),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let sent = self.to_writer.as_ref().map(|w| w.send(chunk));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writer stopped at an error: end here and report it.
            _ => self.finish(),
        }
    }

    /// Writes what is buffered and waits for every write; the first error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() && self.to_writer.is_some() {
            let chunk = std::mem::take(&mut self.buf);
            let _ = self.to_writer.as_ref().map(|w| w.send(chunk));
        }
        self.to_writer = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "output ended")),
        }
    }
}

impl Write for Handoff {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.to_writer.is_none() {
            return self.finish();
        }
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    /// Hands over what is buffered (the writes still happen on the other thread).
    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what reaches it; fails every write after `fail_after` bytes.
    #[derive(Clone)]
    struct Sink {
        got: Arc<Mutex<Vec<u8>>>,
        fail_after: usize,
    }

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let mut got = self.got.lock().unwrap();
            if got.len() >= self.fail_after {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
            }
            got.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_byte_arrives_in_order() {
        let sink = Sink {
            got: Arc::default(),
            fail_after: usize::MAX,
        };
        let mut out = Handoff::new(sink.clone());
        let mut expected = Vec::new();
        for i in 0..300_000u32 {
            let line = format!("line {i}\n");
            out.write_all(line.as_bytes()).unwrap();
            expected.extend_from_slice(line.as_bytes());
        }
        out.finish().unwrap();
        assert_eq!(*sink.got.lock().unwrap(), expected);
    }

    #[test]
    fn a_failed_write_is_reported_and_ends_the_output() {
        let sink = Sink {
            got: Arc::default(),
            fail_after: 10,
        };
        let mut out = Handoff::new(sink);
        let big = vec![b'x'; CHUNK];
        let mut failed = false;
        for _ in 0..(AHEAD + 4) {
            if out.write_all(&big).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed || out.finish().is_err(), "the error surfaces");
    }
}
