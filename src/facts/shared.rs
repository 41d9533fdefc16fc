//! The grants in force, shared between copies of the instance, in small chunks: copying
//! the list copies only chunk pointers, a write copies at most one chunk, and a removal
//! skips every chunk that has no item with its key. The workspace keeps a copy of the
//! instance per undo step, so a `:assert` or `:retract` of one grant must not copy or
//! compare every grant (287k on a 75,000-user instance).

use super::BaseFact;
use crate::syntax::ast::Const;
use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

const CHUNK: usize = 64;

/// What a removal is looked up by: the relation and its first two values (a grant's
/// tenant and resource, a run-as grant's identity and grantee), which both a full tuple
/// and a revocation name.
pub(super) fn key(relation: &str, first: Option<&Const>, second: Option<&Const>) -> u64 {
    let mut h = FxHasher::default();
    relation.hash(&mut h);
    first.hash(&mut h);
    second.hash(&mut h);
    h.finish()
}

fn key_of(f: &BaseFact) -> u64 {
    key(&f.relation, f.values.first(), f.values.get(1))
}

#[derive(Clone, Debug, Default)]
struct Chunk {
    items: Vec<BaseFact>,
    keys: Vec<u64>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct SharedList {
    chunks: Vec<Arc<Chunk>>,
}

impl SharedList {
    pub fn push(&mut self, item: BaseFact) {
        let k = key_of(&item);
        match self.chunks.last_mut() {
            Some(last) if last.items.len() < CHUNK => {
                let c = Arc::make_mut(last);
                c.items.push(item);
                c.keys.push(k);
            }
            _ => self.chunks.push(Arc::new(Chunk {
                items: vec![item],
                keys: vec![k],
            })),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &BaseFact> {
        self.chunks.iter().flat_map(|c| c.items.iter())
    }

    /// Removes the items with key `k` that `gone` accepts and returns them; other chunks
    /// stay shared and are not looked at beyond their keys.
    /// Copies of the items with key `k` that `want` accepts, in order; nothing is removed.
    pub fn find_where(&self, k: u64, mut want: impl FnMut(&BaseFact) -> bool) -> Vec<BaseFact> {
        self.chunks
            .iter()
            .flat_map(|c| c.keys.iter().zip(&c.items))
            .filter(|(&x, f)| x == k && want(f))
            .map(|(_, f)| f.clone())
            .collect()
    }

    pub fn take_where(&mut self, k: u64, mut gone: impl FnMut(&BaseFact) -> bool) -> Vec<BaseFact> {
        let mut out = Vec::new();
        for chunk in &mut self.chunks {
            let hit = |c: &Chunk, gone: &mut dyn FnMut(&BaseFact) -> bool| {
                c.keys.iter().zip(&c.items).any(|(&x, f)| x == k && gone(f))
            };
            if !hit(chunk, &mut gone) {
                continue;
            }
            let c = Arc::make_mut(chunk);
            let mut i = 0;
            while i < c.items.len() {
                if c.keys[i] == k && gone(&c.items[i]) {
                    out.push(c.items.remove(i));
                    c.keys.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        self.chunks.retain(|c| !c.items.is_empty());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn grant(i: usize) -> BaseFact {
        BaseFact {
            relation: "grant".into(),
            values: vec![
                Const::Sym("t".into()),
                Const::Sym(format!("r{}", i % 7)),
                Const::Sym(format!("u{i}")),
            ],
            span: Span::default(),
        }
    }

    #[test]
    fn copies_share_untouched_chunks_and_removals_find_by_key() {
        let mut a = SharedList::default();
        for i in 0..300 {
            a.push(grant(i));
        }
        let mut b = a.clone();
        b.push(grant(300));
        let k = key("grant", grant(5).values.first(), grant(5).values.get(1));
        let gone = b.take_where(k, |f| f.values[2] == Const::Sym("u5".into()));
        assert_eq!(gone.len(), 1);
        assert_eq!(a.iter().count(), 300);
        assert_eq!(b.iter().count(), 300);
        assert!(
            Arc::ptr_eq(&a.chunks[2], &b.chunks[2]),
            "a chunk without it is shared"
        );
        assert!(b.iter().all(|f| f.values[2] != Const::Sym("u5".into())));
        // Same key, other grantees: every r5 grant (i % 7 == 5) but u5.
        assert_eq!(b.take_where(k, |_| true).len(), 300 / 7 + 1 - 1);
    }
}
