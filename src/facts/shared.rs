//! A list shared between copies of the instance, in chunks: copying it copies only the
//! chunk pointers, and a write copies at most one chunk. The workspace keeps a copy of the
//! instance per undo step, so a `:assert` of one grant must not copy every grant.

use std::sync::Arc;

const CHUNK: usize = 1024;

#[derive(Clone, Debug)]
pub(super) struct SharedList<T> {
    chunks: Vec<Arc<Vec<T>>>,
}

impl<T> Default for SharedList<T> {
    fn default() -> Self {
        SharedList { chunks: Vec::new() }
    }
}

impl<T: Clone> SharedList<T> {
    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(item),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(item);
                self.chunks.push(Arc::new(chunk));
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Removes the items `gone` accepts and returns them; chunks without one stay shared.
    pub fn take_where(&mut self, mut gone: impl FnMut(&T) -> bool) -> Vec<T> {
        let mut out = Vec::new();
        for chunk in &mut self.chunks {
            if chunk.iter().any(&mut gone) {
                let (taken, kept): (Vec<T>, Vec<T>) = std::mem::take(Arc::make_mut(chunk))
                    .into_iter()
                    .partition(&mut gone);
                *chunk = Arc::new(kept);
                out.extend(taken);
            }
        }
        self.chunks.retain(|c| !c.is_empty());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_untouched_chunks_and_writes_stay_local() {
        let mut a = SharedList::default();
        for i in 0..3000 {
            a.push(i);
        }
        let mut b = a.clone();
        b.push(3000);
        assert_eq!(b.take_where(|&x| x == 5 || x == 2999), vec![5, 2999]);
        assert_eq!(a.iter().count(), 3000);
        assert_eq!(b.iter().count(), 2999);
        assert!(
            Arc::ptr_eq(&a.chunks[1], &b.chunks[1]),
            "middle chunk still shared"
        );
        assert!(b.iter().all(|&x| x != 5));
        assert_eq!(b.take_where(|_| true).len(), 2999);
        assert_eq!(b.iter().count(), 0);
    }
}
