//! Re-running a command when its files change (`grantlog test --watch`), on the shared
//! [`crate::watcher::FileWatch`].

use crate::watcher::{FileWatch, SETTLE};
use std::path::PathBuf;

/// Run `run` now and after every change to what `paths` lists, until interrupted.
/// `paths` is asked again after each run: what a run reads can change with the files
/// (a test file that now includes another). Returns 1 only when watching cannot start.
pub fn watch(paths: impl Fn() -> Vec<PathBuf>, mut run: impl FnMut()) -> u8 {
    let mut watched = match FileWatch::new() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if let Err(e) = watched.add(&paths()) {
        eprintln!("error: {e}");
        return 1;
    }
    run();
    eprintln!("watching {} path(s); Ctrl-C stops", watched.len());
    while let Some(changed) = watched.next_change(SETTLE) {
        let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        super::emit(&format!("\n--- changed: {} ---\n", names.join(", ")));
        run();
        // A path that cannot be watched (an include that does not exist yet) is the
        // run's to report; it is watched through its directory when that exists.
        let _ = watched.add(&paths());
    }
    0
}
