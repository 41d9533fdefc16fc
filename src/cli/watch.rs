//! Re-running a command when its files change (`grantlog test --watch`), on the `notify`
//! crate's recommended watcher.

use notify::{RecursiveMode, Watcher};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// Editors write a file in several steps (truncate, write, rename): events closer than
/// this are one change.
const SETTLE: Duration = Duration::from_millis(150);

/// Run `run` now and after every change under `paths`, until interrupted. Returns 1 only
/// when watching cannot start.
pub fn watch(paths: &[PathBuf], mut run: impl FnMut()) -> u8 {
    let (tx, rx) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return 1;
        }
    };
    for p in paths {
        if let Err(e) = watcher.watch(p, RecursiveMode::Recursive) {
            eprintln!("error: cannot watch `{}`: {e}", p.display());
            return 1;
        }
    }
    run();
    eprintln!("watching {} path(s); Ctrl-C stops", paths.len());
    while let Ok(first) = rx.recv() {
        let mut changed = changed_paths(first);
        while let Ok(more) = rx.recv_timeout(SETTLE) {
            changed.extend(changed_paths(more));
        }
        if changed.is_empty() {
            continue;
        }
        changed.sort();
        changed.dedup();
        let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        super::emit(&format!("\n--- changed: {} ---\n", names.join(", ")));
        run();
    }
    0
}

/// The paths an event modified (reads and metadata-only access are not changes).
fn changed_paths(event: notify::Result<notify::Event>) -> Vec<PathBuf> {
    use notify::EventKind::{Create, Modify, Remove};
    match event {
        Ok(e) if matches!(e.kind, Create(_) | Modify(_) | Remove(_)) => e.paths,
        _ => Vec::new(),
    }
}
