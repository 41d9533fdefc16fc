//! Watching files for changes, on the `notify` crate's recommended watcher: what
//! `grantlog test --watch` re-runs on and what `grantlog serve --watch` re-reads on.

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Editors write a file in several steps (truncate, write, rename): events closer than
/// this are one change.
pub const SETTLE: Duration = Duration::from_millis(150);

/// The watcher, the directories it watches, and the files and directories whose
/// changes count.
pub struct FileWatch {
    watcher: RecommendedWatcher,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    dirs: HashSet<(PathBuf, bool)>,
    targets: Vec<PathBuf>,
}

impl FileWatch {
    pub fn new() -> Result<FileWatch, String> {
        let (tx, events) = mpsc::channel();
        let watcher =
            notify::recommended_watcher(tx).map_err(|e| format!("cannot watch files: {e}"))?;
        Ok(FileWatch {
            watcher,
            events,
            dirs: HashSet::new(),
            targets: Vec::new(),
        })
    }

    /// How many files and directories are watched.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Watch `paths` too. A file is watched through its directory: an editor or an
    /// export that replaces it (write beside, then rename) would leave a watch on the
    /// file itself on the old copy. A path that does not exist yet is watched for its
    /// creation, through its directory; one whose directory does not exist either is
    /// skipped (the caller reports it when it reads it).
    pub fn add(&mut self, paths: &[PathBuf]) -> Result<(), String> {
        for p in paths {
            let Some(full) = absolute(p) else { continue };
            if self.targets.contains(&full) {
                continue;
            }
            let (at, recursive) = if full.is_dir() {
                (full.clone(), true)
            } else {
                match full.parent() {
                    Some(parent) if parent.is_dir() => (parent.to_path_buf(), false),
                    _ => continue,
                }
            };
            if self.dirs.insert((at.clone(), recursive)) {
                let mode = if recursive {
                    RecursiveMode::Recursive
                } else {
                    RecursiveMode::NonRecursive
                };
                self.watcher
                    .watch(&at, mode)
                    .map_err(|e| format!("cannot watch `{}`: {e}", p.display()))?;
            }
            self.targets.push(full);
        }
        Ok(())
    }

    /// Waits for the next change to a watched path and the events that follow it within
    /// `settle`: the paths changed, sorted, at least one. `None` once the watcher stops.
    pub fn next_change(&self, settle: Duration) -> Option<Vec<PathBuf>> {
        loop {
            let first = self.events.recv().ok()?;
            let mut changed = self.changed(first);
            while let Ok(more) = self.events.recv_timeout(settle) {
                changed.extend(self.changed(more));
            }
            if !changed.is_empty() {
                changed.sort();
                changed.dedup();
                return Some(changed);
            }
        }
    }

    /// The watched paths an event modified (reads and metadata-only access are not
    /// changes, nor are other files of a watched file's directory).
    fn changed(&self, event: notify::Result<notify::Event>) -> Vec<PathBuf> {
        use notify::EventKind::{Create, Modify, Remove};
        match event {
            Ok(e) if matches!(e.kind, Create(_) | Modify(_) | Remove(_)) => e
                .paths
                .into_iter()
                .filter(|p| self.targets.iter().any(|t| p.starts_with(t)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// `p` from the root, through no link: as the watcher reports paths. A path that does
/// not exist is its directory's canonical path joined with its name.
fn absolute(p: &Path) -> Option<PathBuf> {
    if let Ok(full) = std::fs::canonicalize(p) {
        return Some(full);
    }
    let name = p.file_name()?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::canonicalize(parent).ok().map(|d| d.join(name))
}
