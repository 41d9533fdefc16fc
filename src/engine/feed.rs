//! Relations handed from a model being evaluated to one built beside it (`grantlog
//! diff`): OLD publishes each stratum's relations as it finishes them; NEW, evaluating
//! on another thread, takes over a relation when it reaches the stratum that needs it.
//! So OLD's upper strata run while NEW maintains the strata a rule change touches.

use super::relation::Rows;
use crate::program::RelId;
use std::sync::{Arc, Condvar, Mutex};

/// One evaluation's relations, published as they reach their fixpoint.
pub struct Feed {
    state: Mutex<State>,
    ready: Condvar,
}

struct State {
    /// Per relation of the publishing model: its final rows and the round they end at.
    rels: Vec<Option<(Arc<Rows>, u32)>>,
    /// The publisher stopped (finished, failed or panicked): what is missing never comes.
    closed: bool,
}

impl Feed {
    pub(super) fn new(relations: usize) -> Feed {
        Feed {
            state: Mutex::new(State {
                rels: vec![None; relations],
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere never leaves the state half-written: recover it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn publish(&self, rel: RelId, rows: &Arc<Rows>, round: u32) {
        let mut s = self.lock();
        let slot = &mut s.rels[rel.0 as usize];
        if slot.is_none() {
            *slot = Some((Arc::clone(rows), round));
            self.ready.notify_all();
        }
    }

    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// `rel`'s final rows, waiting for them; `None` when the publisher stopped first.
    pub(super) fn wait(&self, rel: RelId) -> Option<(Arc<Rows>, u32)> {
        let mut s = self.lock();
        loop {
            if let Some(got) = &s.rels[rel.0 as usize] {
                return Some(got.clone());
            }
            if s.closed {
                return None;
            }
            s = self.ready.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Closes the feed when the publishing evaluation ends, however it ends.
pub(super) struct Closing<'a>(pub &'a Feed);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}
