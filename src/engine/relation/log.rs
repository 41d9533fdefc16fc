//! Taking appended rows off again (a transaction's rollback): rows are appended at the
//! end of the table, of the dedup table and of every index chain they join, so with the
//! chain ends they replaced, recorded as they are appended, they come off exactly, in
//! reverse order. Dead rows would do too, but a what-if repeated on the same fact would
//! then grow the same chains by one dead row each time.

use super::{hash_values, spread, Rows, BASE, DEAD, END};

#[derive(Clone, Debug)]
pub(crate) struct AppendLog {
    /// The row count when logging started.
    from: u32,
    /// Per appended row, per index in order: the bucket's last row before (END: the bucket
    /// was new).
    pub(super) links: Vec<u32>,
}

impl Rows {
    /// Starts recording appends (nothing to do if already recording).
    pub fn start_log(&mut self) {
        if self.log.is_none() {
            self.log = Some(AppendLog {
                from: self.len,
                links: Vec::new(),
            });
        }
    }

    /// Keeps the appends and stops recording.
    pub fn stop_log(&mut self) {
        self.log = None;
    }

    /// Removes every row appended since [`Rows::start_log`] and stops recording.
    pub fn truncate_log(&mut self) {
        let Some(log) = self.log.take() else {
            return;
        };
        let n = self.indexes.len();
        let mut row = Vec::with_capacity(self.arity);
        for r in (log.from..self.len).rev() {
            row.clear();
            row.extend_from_slice(self.row(r));
            let at = (r - log.from) as usize * n;
            for (i, index) in self.indexes.iter_mut().enumerate().rev() {
                let key = hash_values(index.columns.iter().map(|&c| row[c as usize]));
                let prev = log.links[at + i];
                let Ok(entry) = index.buckets.find_entry(spread(key), |b| b.hash == key) else {
                    continue;
                };
                if prev == END {
                    entry.remove();
                } else {
                    let b = entry.into_mut();
                    b.last = prev;
                    index.next[prev as usize] = END;
                }
            }
            let hash = hash_values(row.iter().copied());
            if let Ok(e) = self.dedup.find_entry(spread(hash), |&e| e == r) {
                e.remove();
            }
            match self.prov[r as usize].rule {
                DEAD => self.dead -= 1,
                BASE => self.base -= 1,
                _ => {}
            }
        }
        let from = log.from as usize;
        self.data.truncate(from * self.arity);
        self.prov.truncate(from);
        for index in &mut self.indexes {
            index.next.truncate(from);
            index.prev.truncate(from);
        }
        self.len = log.from;
    }
}
