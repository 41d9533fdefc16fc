//! The texts of the changes applied since the model's fact files were read, bounded.
//!
//! The explorer's rule change replays them on the fact files under other rules
//! (`explore_alt`), and the model's facts cite the source files holding them (proofs name
//! `change-12-assert.facts`). Kept for every change, they would grow with the changes for
//! as long as the server runs: only the last `--keep-changes` changes (and at most
//! [`KEPT_CHANGE_BYTES`] of text) are kept. The texts of older changes are dropped from
//! the model's sources too; their files keep their names (so a proof still names the
//! change's revision) and lines. Under `--data` the history holds every change, and the
//! rule change reads the dropped ones from it (`History::texts_between`).

use crate::source::{FileId, SourceMap};
use std::collections::VecDeque;

/// Default of `--keep-changes`.
pub const KEPT_CHANGES: usize = 10_000;
/// Most bytes of change texts kept (the changes' statements, once in this log and once
/// in the model's sources).
pub const KEPT_CHANGE_BYTES: usize = 16 << 20;

/// One accepted change as `POST /v1/changes` (or a `--watch` edit of the facts, or the
/// history on start) applied it: the texts given to `changes::apply_texts`, and the
/// source files they were read into.
#[derive(Clone, Debug)]
pub struct Applied {
    pub revision: u64,
    pub retract: String,
    pub assert: String,
    /// The model's source files holding the texts (`first..end`).
    pub files: (u32, u32),
}

impl Applied {
    fn bytes(&self) -> usize {
        self.retract.len() + self.assert.len()
    }
}

pub struct Kept {
    changes: VecDeque<Applied>,
    bytes: usize,
    max_changes: usize,
    max_bytes: usize,
    /// The revision at which the model was opened from the fact files: the changes after
    /// it are those to replay.
    opened_at: u64,
    /// The first and last revision of the changes since `opened_at` whose texts were
    /// dropped.
    dropped: Option<(u64, u64)>,
}

/// What the rule change needs, copied under the model's lock.
#[derive(Clone, Debug)]
pub struct ToReplay {
    pub opened_at: u64,
    pub dropped: Option<(u64, u64)>,
    pub kept: Vec<Applied>,
    pub max_changes: usize,
}

impl Kept {
    pub fn new(max_changes: usize, max_bytes: usize) -> Kept {
        Kept {
            changes: VecDeque::new(),
            bytes: 0,
            max_changes,
            max_bytes,
            opened_at: 0,
            dropped: None,
        }
    }

    /// Keeps `a`, then drops the oldest changes past the bounds (`a` too if it alone is
    /// larger than the byte bound), their texts in `sources` with them.
    pub fn push(&mut self, a: Applied, sources: &mut SourceMap) {
        self.bytes += a.bytes();
        self.changes.push_back(a);
        while self.changes.len() > self.max_changes || self.bytes > self.max_bytes {
            let Some(old) = self.changes.pop_front() else {
                break;
            };
            self.bytes -= old.bytes();
            for id in old.files.0..old.files.1 {
                sources.forget_text(FileId(id));
            }
            let first = self.dropped.map_or(old.revision, |(first, _)| first);
            self.dropped = Some((first, old.revision));
        }
    }

    /// The model was opened from the files again at `revision`: no change is applied on
    /// them.
    pub fn reopened(&mut self, revision: u64) {
        self.changes.clear();
        self.bytes = 0;
        self.opened_at = revision;
        self.dropped = None;
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Bytes of change texts kept.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn dropped(&self) -> Option<(u64, u64)> {
        self.dropped
    }

    pub fn to_replay(&self) -> ToReplay {
        ToReplay {
            opened_at: self.opened_at,
            dropped: self.dropped,
            kept: self.changes.iter().cloned().collect(),
            max_changes: self.max_changes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(sources: &mut SourceMap, revision: u64, text: &str) -> Applied {
        let first = sources.len() as u32;
        sources.add(format!("change-{revision}-assert.facts"), text);
        Applied {
            revision,
            retract: String::new(),
            assert: text.to_string(),
            files: (first, first + 1),
        }
    }

    #[test]
    fn the_oldest_changes_past_the_count_are_dropped_with_their_texts() {
        let mut sources = SourceMap::new();
        sources.add("worked-example.facts", "user sam.\n");
        let mut kept = Kept::new(2, 1 << 20);
        for r in 1..=5 {
            let a = change(&mut sources, r, "fact p(a).\nfact p(b).\n");
            kept.push(a, &mut sources);
        }
        assert_eq!(kept.len(), 2);
        assert_eq!(kept.dropped(), Some((1, 3)));
        let revisions: Vec<u64> = kept.to_replay().kept.iter().map(|a| a.revision).collect();
        assert_eq!(revisions, [4, 5]);
        // The files of changes 1-3 keep their names (marked) and lines, not their texts.
        let f = sources.file(FileId(1));
        assert_eq!(f.name, "change-1-assert.facts (text dropped)");
        assert_eq!(f.text, "");
        assert_eq!(f.line_col(12), (2, 1), "the second line is still known");
        assert_eq!(f.line_text(2), "");
        assert_eq!(sources.file(FileId(4)).text, "fact p(a).\nfact p(b).\n");
        assert_eq!(sources.file(FileId(0)).text, "user sam.\n", "not a change");
        assert_eq!(sources.text_bytes(), 10 + 2 * 22);
    }

    #[test]
    fn a_change_larger_than_the_byte_bound_is_not_kept() {
        let mut sources = SourceMap::new();
        let mut kept = Kept::new(100, 30);
        kept.push(change(&mut sources, 1, "fact p(a)."), &mut sources);
        kept.push(
            change(&mut sources, 2, &"fact p(a).".repeat(4)),
            &mut sources,
        );
        assert!(kept.is_empty());
        assert_eq!(kept.bytes(), 0);
        assert_eq!(kept.dropped(), Some((1, 2)));
        assert_eq!(sources.text_bytes(), 0);
        kept.reopened(7);
        assert_eq!(kept.dropped(), None);
        assert_eq!(kept.to_replay().opened_at, 7);
    }
}
