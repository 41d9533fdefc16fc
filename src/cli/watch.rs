//! Re-running a command when its files change (`grantlog test --watch`), on the `notify`
//! crate's recommended watcher.

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Editors write a file in several steps (truncate, write, rename): events closer than
/// this are one change.
const SETTLE: Duration = Duration::from_millis(150);

/// Run `run` now and after every change to what `paths` lists, until interrupted.
/// `paths` is asked again after each run: what a run reads can change with the files
/// (a test file that now includes another). Returns 1 only when watching cannot start.
pub fn watch(paths: impl Fn() -> Vec<PathBuf>, mut run: impl FnMut()) -> u8 {
    let (tx, rx) = mpsc::channel();
    let watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return 1;
        }
    };
    let mut watched = Watched {
        watcher,
        dirs: HashSet::new(),
        targets: Vec::new(),
    };
    if let Err(e) = watched.add(&paths()) {
        eprintln!("error: {e}");
        return 1;
    }
    run();
    eprintln!("watching {} path(s); Ctrl-C stops", watched.targets.len());
    while let Ok(first) = rx.recv() {
        let mut changed = watched.changed(first);
        while let Ok(more) = rx.recv_timeout(SETTLE) {
            changed.extend(watched.changed(more));
        }
        if changed.is_empty() {
            continue;
        }
        changed.sort();
        changed.dedup();
        let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        super::emit(&format!("\n--- changed: {} ---\n", names.join(", ")));
        run();
        // A path that cannot be watched (an include that does not exist yet) is the
        // run's to report; it is watched through its directory when that exists.
        let _ = watched.add(&paths());
    }
    0
}

/// The watcher, the directories it watches, and the files and directories whose
/// changes count.
struct Watched {
    watcher: RecommendedWatcher,
    dirs: HashSet<(PathBuf, bool)>,
    targets: Vec<PathBuf>,
}

impl Watched {
    /// Watch `paths` too. A file is watched through its directory: an editor that
    /// replaces it (write beside, then rename) would leave a watch on the file itself
    /// on the old copy. A path that does not exist yet is watched for its creation.
    fn add(&mut self, paths: &[PathBuf]) -> Result<(), String> {
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
