//! The undo history: what each step reverses, `:undo`, the steps of a `:load` taken by
//! opening, and the bound on the history.

use super::{Checked, Delta, Fact, Workspace, UNDO_STEPS};
use crate::diag::Diagnostic;
use crate::facts::Instance;

/// What `:undo` reverses.
#[derive(Clone)]
pub(super) struct Step {
    pub(super) added: Vec<Fact>,
    pub(super) removed: Vec<Fact>,
    pub(super) instance: Instance,
    /// How many fact texts the workspace had before the step (a `:load` adds some).
    pub(super) fact_texts: usize,
    /// The step replaced the workspace by one opened from more texts
    /// ([`Workspace::replace_opened`]): undone by opening the first `fact_texts` again.
    pub(super) reopen: bool,
}

impl Workspace {
    /// Forgets every undo step: a holder that never undoes past its current change (the
    /// server) keeps no history of facts and instances growing with its changes.
    pub fn forget_undo(&mut self) {
        self.undo.clear();
    }

    /// `:undo`: reverse the last load, assert or retract. `None` when there is nothing to
    /// undo. A load taken by opening ([`Workspace::undo_reopens`]) is undone by the caller,
    /// which opens the texts again: here it is an error.
    pub fn undo(&mut self) -> Option<Result<Delta, Vec<Diagnostic>>> {
        let step = self.undo.last()?.clone();
        if step.reopen {
            return Some(Err(vec![Diagnostic::error(
                "E0802",
                "this `:load` is undone by opening the session's texts again, which this caller cannot do",
            )]));
        }
        let checked = Checked {
            add: step.removed,
            remove: step.added,
            actions: Vec::new(),
            warnings: Vec::new(),
            instance: step.instance,
        };
        let result = self.atomically(|ws| ws.apply_as(checked, false));
        if result.is_ok() {
            // Undoing is not itself undoable.
            self.undo.pop();
            // An undone `:load` is no longer among the texts `:reload` reads.
            self.fact_texts.truncate(step.fact_texts);
        }
        Some(result)
    }

    /// When the last undo step is a `:load` taken by opening more texts: how many of the
    /// fact texts to open again to undo it.
    pub fn undo_reopens(&self) -> Option<usize> {
        self.undo.last().filter(|s| s.reopen).map(|s| s.fact_texts)
    }

    /// `opened` ([`crate::inputs::open`] of this workspace's rule texts and other fact
    /// texts) takes this workspace's place, with its undo history and limits. `loaded_over`:
    /// `Some(n)`, a `:load` whose undo opens the first `n` fact texts again (returns how
    /// many old undo steps that pushed out); `None`, the undo of such a load (its step goes).
    pub fn replace_opened(&mut self, opened: Workspace, loaded_over: Option<usize>) -> usize {
        let mut undo = std::mem::take(&mut self.undo);
        match loaded_over {
            Some(n) => undo.push(Step {
                added: Vec::new(),
                removed: Vec::new(),
                instance: Instance::new(),
                fact_texts: n,
                reopen: true,
            }),
            None => {
                undo.pop();
            }
        }
        let (limits, undo_bytes) = (self.limits, self.undo_bytes);
        *self = opened;
        self.undo = undo;
        self.limits = limits;
        self.undo_bytes = undo_bytes;
        self.as_opened = true;
        if loaded_over.is_some() {
            self.trim_history()
        } else {
            0
        }
    }

    /// Drops the oldest undo steps past [`UNDO_STEPS`] or `undo_bytes` (never the step
    /// just taken); returns how many.
    pub(super) fn trim_history(&mut self) -> usize {
        let bytes = |s: &Step| {
            s.added
                .iter()
                .chain(&s.removed)
                .map(|f| std::mem::size_of::<Fact>() + std::mem::size_of_val(&f.values[..]))
                .sum::<usize>()
        };
        let mut total: usize = self.undo.iter().map(bytes).sum();
        let mut drop = 0;
        while self.undo.len() - drop > 1
            && (self.undo.len() - drop > UNDO_STEPS || total > self.undo_bytes)
        {
            total -= bytes(&self.undo[drop]);
            drop += 1;
        }
        self.undo.drain(..drop);
        drop
    }
}
