//! The model a server holds, its revision, and what hangs off a change: the history,
//! the watch stream, the revision waiters.

use super::history::History;
pub use super::kept::Applied;
use super::kept::Kept;
use super::metrics::Metrics;
use super::watch::EventLog;
use super::Config;
use crate::engine::Limits;
use crate::workspace::Workspace;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::sync::Mutex;
use std::time::Duration;

/// The workspace and the revision it is at. Revision 0 is the model as opened from the
/// files; each accepted change adds one.
pub struct Live {
    pub ws: Workspace,
    pub revision: u64,
    /// Relations whose tuples are decisions: what `gained`/`lost` and the watch report.
    /// They change with the rules (`--watch`).
    pub decisions: Vec<String>,
    /// The texts of the last changes applied since the model's fact files were read
    /// (`ws.fact_texts`), bounded (`--keep-changes`): the explorer replays them on those
    /// files under other rules when the two programs cannot be matched up
    /// (`explore_alt`). Emptied when a `--watch` of the rules opens the model again from
    /// the files.
    pub applied: Kept,
}

pub struct Server {
    /// `parking_lot`'s lock, not std's: it is documented task-fair (a writer that waits
    /// is not overtaken by readers that come after it, on every platform), where std
    /// leaves the policy to the platform. A change must not wait for a pause in a
    /// stream of checks.
    live: RwLock<Live>,
    /// The latest revision, for requests that wait for one (`at_least_revision`).
    revision: tokio::sync::watch::Sender<u64>,
    /// Set once shutdown starts: open event streams end so that it can finish.
    pub stopping: tokio::sync::watch::Sender<bool>,
    pub events: EventLog,
    pub history: Option<Mutex<History>>,
    pub token: Option<String>,
    pub limits: Limits,
    pub max_body: usize,
    pub metrics: Metrics,
    /// The outcome of the last `--watch` reading of the files.
    pub files: super::files::FileStatus,
    /// How AuthZEN requests map to the rules.
    pub authzen: Option<super::authzen::Mapping>,
    /// The explorer's search index, its gates and alternative rules.
    pub explore: super::explore_api::Explore,
    /// Set once the model is open and the history replayed.
    pub ready: std::sync::atomic::AtomicBool,
}

/// Longest a request may wait for `at_least_revision`.
pub const MAX_REVISION_WAIT: Duration = Duration::from_secs(10);

impl Server {
    /// Opens the workspace from the configured texts and replays the history under
    /// `--data`, if any.
    pub fn open(config: &Config) -> Result<Server, String> {
        // The request timeout bounds requests, not the opening of a large instance.
        let open_limits = Limits {
            timeout: None,
            ..config.limits
        };
        let ws = crate::inputs::open(&config.rules, config.facts.clone(), &open_limits, true)
            .map_err(|f| crate::diag::render_all(&f.diagnostics, &f.sources))?;
        let decisions = decision_relations(&ws);
        let authzen = match &config.authzen {
            Some(text) => Some(super::authzen::Mapping::read(text, ws.program())?),
            None => None,
        };
        let mut live = Live {
            ws,
            revision: 0,
            decisions,
            applied: Kept::new(config.keep_changes, config.keep_change_bytes),
        };
        let history = match &config.data {
            Some(dir) => {
                let mut h = History::open(dir, &config.rules, &config.facts)?;
                h.replay(&mut live)?;
                Some(Mutex::new(h))
            }
            None => None,
        };
        let revision = live.revision;
        let events = EventLog::new(revision, config.keep_events);
        if let Some(h) = &history {
            let h = h.lock().unwrap_or_else(|e| e.into_inner());
            events.preload(h.recent(config.keep_events.max(1))?);
        }
        Ok(Server {
            live: RwLock::new(live),
            revision: tokio::sync::watch::Sender::new(revision),
            stopping: tokio::sync::watch::Sender::new(false),
            events,
            history,
            token: config.token.clone(),
            limits: config.limits,
            max_body: config.max_body,
            metrics: {
                let m = Metrics::new();
                m.log
                    .store(!config.quiet, std::sync::atomic::Ordering::Relaxed);
                m.revision.set(revision as i64);
                m
            },
            authzen,
            files: Default::default(),
            explore: super::explore_api::Explore::new(config.alt_rules.clone()),
            ready: std::sync::atomic::AtomicBool::new(true),
        })
    }

    /// The model for reading. A change in progress holds the write lock: a reader waits
    /// for it to finish (and then sees all of it). A change waiting for its turn is not
    /// overtaken by readers that come after it (the lock is task-fair, see [`Server`]'s
    /// `live`): under a stream of checks it waits for the reads in progress, not for
    /// every read to come.
    pub fn read(&self) -> RwLockReadGuard<'_, Live> {
        // A panic while the lock was held cannot leave half a change (changes roll back
        // on error), and this lock has no poisoning.
        match self.live.try_read() {
            Some(live) => live,
            None => {
                // A change is being applied (or waits for its turn): measured, for
                // `grantlog_read_wait_seconds`.
                let started = std::time::Instant::now();
                let live = self.live.read();
                self.metrics
                    .read_wait
                    .observe(started.elapsed().as_secs_f64());
                live
            }
        }
    }

    /// The model for reading if no change holds it or waits for it, without waiting:
    /// a request on an async worker takes this, and waits on a blocking thread
    /// otherwise, so that a change in progress does not hold up the workers.
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, Live>> {
        self.live.try_read()
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Live> {
        self.live.write()
    }

    pub fn revision(&self) -> u64 {
        *self.revision.borrow()
    }

    /// Tells waiters that `revision` is out (called after the write lock is released).
    pub fn published(&self, revision: u64) {
        self.revision.send_if_modified(|r| {
            let newer = revision > *r;
            if newer {
                *r = revision;
            }
            newer
        });
        self.metrics.revision.set(revision as i64);
    }

    /// Waits until the model is at `revision` or later, at most [`MAX_REVISION_WAIT`].
    /// `false`: it was not reached in time.
    pub async fn wait_for(&self, revision: u64) -> bool {
        let mut rx = self.revision.subscribe();
        tokio::time::timeout(MAX_REVISION_WAIT, rx.wait_for(|r| *r >= revision))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Ends event streams and closes the database.
    pub fn close(&self) {
        self.stopping.send_replace(true);
        if let Some(h) = &self.history {
            h.lock().unwrap_or_else(|e| e.into_inner()).close();
        }
    }
}

/// The decision relations of the rules: those declared `@decision`; with none (rules
/// that mark nothing), every derived relation.
pub fn decision_relations(ws: &Workspace) -> Vec<String> {
    let program = ws.program();
    let marked: Vec<String> = program
        .decisions()
        .map(|r| program.relation_name(r).to_string())
        .collect();
    if !marked.is_empty() {
        return marked;
    }
    program
        .relations()
        .filter(|&r| program.is_derived(r))
        .map(|r| program.relation_name(r).to_string())
        .collect()
}
