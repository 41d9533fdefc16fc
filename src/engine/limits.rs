//! Bounds on a whole command's engine work, beyond one [`super::Model::evaluate`] call.
//!
//! A [`Scope`] (one per CLI command or REPL input) gives every evaluation, query and
//! what-if copy run inside it one deadline and one tuple limit, so `--timeout 2` bounds
//! a why-not's fix verification too. The interrupt flag a Ctrl-C handler sets is one more
//! limit (E0403). Both are per thread: each test thread has its own, and work outside a
//! scope is bounded by its own [`super::Limits`] only.
//!
//! Once anything in a scope stops at a limit, every later check in it fails too (the
//! command ends quickly), and [`Scope::finish`] reports the first stop, so partial work
//! (an explanation cut short) is never shown as complete.

use super::{EvalError, Limits};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Set by a signal handler; work on a thread that [`watch`]es it stops with E0403.
#[derive(Debug, Default)]
pub struct Interrupt {
    requested: AtomicBool,
    busy: AtomicBool,
}

impl Interrupt {
    pub const fn new() -> Interrupt {
        Interrupt {
            requested: AtomicBool::new(false),
            busy: AtomicBool::new(false),
        }
    }

    /// Ask running work to stop. True when a scope was running to receive it (false:
    /// the program is idle, e.g. waiting for input).
    pub fn request(&self) -> bool {
        self.requested.store(true, Ordering::SeqCst);
        self.busy.load(Ordering::SeqCst)
    }

    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::Relaxed)
    }
}

#[derive(Clone, Copy)]
struct Bounds {
    deadline: Option<(Instant, Duration)>,
    max_tuples: Option<usize>,
    stopped: Option<EvalError>,
}

thread_local! {
    static WATCHED: Cell<Option<&'static Interrupt>> = const { Cell::new(None) };
    static SCOPE: Cell<Option<Bounds>> = const { Cell::new(None) };
}

/// Work on this thread from now on stops when `flag` is requested.
pub fn watch(flag: &'static Interrupt) {
    WATCHED.with(|w| w.set(Some(flag)));
}

pub(crate) fn watched() -> Option<&'static Interrupt> {
    WATCHED.with(Cell::get)
}

/// This thread's interrupt flag and scope, to carry to a thread doing part of its work.
#[derive(Clone, Copy)]
pub struct Inherited {
    watched: Option<&'static Interrupt>,
    scope: Option<Bounds>,
}

impl Inherited {
    pub fn here() -> Inherited {
        Inherited {
            watched: watched(),
            scope: SCOPE.with(Cell::get),
        }
    }

    /// On the other thread: its work is bounded as the first thread's is.
    pub fn enter(self) {
        WATCHED.with(|w| w.set(self.watched));
        SCOPE.with(|s| s.set(self.scope));
    }
}

/// One command's bounds, until dropped (scopes nest; the inner one replaces the outer).
pub struct Scope {
    previous: Option<Bounds>,
}

impl Scope {
    /// Start a command bounded by `limits` from now; a pending interrupt is forgotten
    /// (it was meant for work that has ended).
    pub fn enter(limits: &Limits) -> Scope {
        if let Some(flag) = watched() {
            flag.requested.store(false, Ordering::SeqCst);
            flag.busy.store(true, Ordering::SeqCst);
        }
        let bounds = Bounds {
            deadline: limits.timeout.map(|t| (deadline_after(t), t)),
            max_tuples: limits.max_tuples,
            stopped: None,
        };
        Scope {
            previous: SCOPE.with(|s| s.replace(Some(bounds))),
        }
    }

    /// The first limit that stopped work in this scope, if any.
    pub fn finish(self) -> Result<(), EvalError> {
        match SCOPE.with(Cell::get).and_then(|b| b.stopped) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        SCOPE.with(|s| s.set(self.previous));
        if self.previous.is_none() {
            if let Some(flag) = watched() {
                flag.busy.store(false, Ordering::SeqCst);
            }
        }
    }
}

/// `now + t`, saturating (a huge timeout is no limit, not an overflow).
fn deadline_after(t: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(t)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// The earlier of `own` and the scope's deadline.
pub(crate) fn deadline(own: Option<(Instant, Duration)>) -> Option<(Instant, Duration)> {
    let scope = SCOPE.with(Cell::get).and_then(|b| b.deadline);
    match (own, scope) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The smaller of `own` and the scope's tuple limit.
pub(crate) fn max_tuples(own: Option<usize>) -> Option<usize> {
    let scope = SCOPE.with(Cell::get).and_then(|b| b.max_tuples);
    match (own, scope) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Record that work stopped at `e` (the scope's first stop is kept); returns `e`.
pub(crate) fn stopped(e: EvalError) -> EvalError {
    SCOPE.with(|s| {
        if let Some(mut b) = s.get() {
            b.stopped.get_or_insert(e);
            s.set(Some(b));
        }
    });
    e
}

/// For work that has no budget of its own (explanations): has the scope stopped, or
/// should it stop now?
pub fn check() -> Result<(), EvalError> {
    if let Some(e) = SCOPE.with(Cell::get).and_then(|b| b.stopped) {
        return Err(e);
    }
    if watched().is_some_and(Interrupt::requested) {
        return Err(stopped(EvalError::Interrupted));
    }
    match deadline(None) {
        Some((at, limit)) if Instant::now() >= at => Err(stopped(EvalError::Timeout { limit })),
        _ => Ok(()),
    }
}
