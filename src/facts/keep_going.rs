//! `--keep-going`: load what is valid and report the rest. Loading is all-or-nothing by
//! default; within a [`KeepGoing`] scope a statement (or raw fact) with an error is left
//! out instead, its errors kept for the command to report, and the rest is loaded.
//!
//! A scope rather than a parameter: the choice is the command's, and the readers it
//! reaches (`Workspace::open`, the statement files, raw fact files) are several layers
//! down, as with the command's limits (`crate::engine::limits::Scope`).

use super::read::read_marking;
use super::{Changes, Instance, Stmt};
use crate::diag::Diagnostic;
use crate::source::SourceMap;
use std::cell::{Cell, RefCell};

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static SKIPPED: RefCell<Vec<Diagnostic>> = const { RefCell::new(Vec::new()) };
}

/// While alive, loads on this thread keep going past errors.
pub struct KeepGoing {
    previous: bool,
}

impl KeepGoing {
    pub fn enter() -> KeepGoing {
        SKIPPED.with(|s| s.borrow_mut().clear());
        KeepGoing {
            previous: ACTIVE.with(|a| a.replace(true)),
        }
    }

    /// The errors of what was left out so far (taken: a second call has only newer ones).
    pub fn take_skipped(&self) -> Vec<Diagnostic> {
        SKIPPED.with(|s| std::mem::take(&mut *s.borrow_mut()))
    }
}

impl Drop for KeepGoing {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(self.previous));
    }
}

/// Whether loads keep going past errors here.
pub fn active() -> bool {
    ACTIVE.with(Cell::get)
}

/// Record the errors of something left out.
pub fn skip(errors: impl IntoIterator<Item = Diagnostic>) {
    SKIPPED.with(|s| s.borrow_mut().extend(errors));
}

/// [`Instance::read_parsed`], leaving out each statement an error is found in and
/// reading again without it, until what is left reads cleanly. Leaving one out can make
/// another fail (a grant on a resource whose statement was left out): each round's
/// errors are new ones, all recorded. Errors that belong to no statement (a deadline,
/// an interruption) stop the read as they always do.
pub fn read(
    inst: &Instance,
    sources: &SourceMap,
    parsed: Vec<(Vec<Stmt>, Vec<Diagnostic>)>,
) -> Result<Changes, Vec<Diagnostic>> {
    let mut stmts = Vec::new();
    let mut kept = Vec::new();
    for (s, d) in parsed {
        // A statement that did not parse is not among `s`; one an error was found in
        // while parsing is left out too.
        let (errors, warnings): (Vec<_>, Vec<_>) = d.into_iter().partition(|d| d.is_error());
        stmts.extend(s.into_iter().filter(|s| {
            !errors
                .iter()
                .filter_map(|d| d.span)
                .any(|e| e.file == s.span.file && s.span.start <= e.start && e.end <= s.span.end)
        }));
        skip(errors);
        kept.extend(warnings);
    }
    loop {
        let mut failing = Vec::new();
        let round = vec![(stmts.clone(), kept.clone())];
        match read_marking(inst, sources, round, &mut failing) {
            Ok(changes) => return Ok(changes),
            Err(diags) if failing.is_empty() => return Err(diags),
            Err(diags) => {
                skip(diags.into_iter().filter(Diagnostic::is_error));
                failing.sort_unstable();
                failing.dedup();
                let mut i = 0;
                stmts.retain(|_| {
                    i += 1;
                    failing.binary_search(&(i - 1)).is_err()
                });
            }
        }
    }
}
