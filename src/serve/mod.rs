//! `grantlog serve`: one living model answering over HTTP/1.1 and JSON.
//!
//! Rooms: [`routes`] (the router and the decision handlers), [`changes`] (assert and
//! retract, dry runs, the decisions a change flips), [`api`] (JSON shapes and errors),
//! [`auth`] (the bearer token, the listen address), [`watch`] (the stream of decision
//! changes, as server-sent events), [`history`] (the durable record in SQLite),
//! [`metrics`] (Prometheus text). [`state`] holds the model.
//!
//! Consistency: one writer, many readers. The [`crate::workspace::Workspace`] sits behind
//! one `RwLock` with its revision; a change holds the write lock while the incremental
//! engine applies it (milliseconds) and while its history row is committed, so a reader
//! sees the model before or after a change, never during one, and every answer names the
//! revision it was given at. The model is never copied per revision. The lock is
//! task-fair (`parking_lot`): a change waits for the reads in progress, not for a pause in
//! the stream of reads. A request on an async worker never blocks on it: a check that
//! finds the model taken waits on a blocking thread, and engine work runs on one anyway,
//! so the workers keep serving `/health`, `/metrics` and the watch stream during a change.
//!
//! The stack is tokio with axum: both are maintained by the tokio project, axum is a thin
//! layer on hyper (HTTP/1.1) with typed extractors, body limits, server-sent events and
//! graceful shutdown built in, and it compiles on the crate's `rust-version`.

pub mod api;
pub mod auth;
pub mod authzen;
pub mod authzen_probe;
pub mod changes;
pub mod explore_alt;
pub mod explore_api;
pub mod explore_rules;
pub mod explore_search;
pub mod explorer;
pub mod files;
pub mod history;
pub mod kept;
pub mod metrics;
pub mod reload;
pub mod routes;
pub mod state;
#[cfg(test)]
mod tests;
pub mod watch;

use crate::engine::Limits;
use crate::load::Text;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Most threads for engine work (see [`runtime`]).
const MAX_BLOCKING_THREADS: usize = 16;
/// The name of the server's threads (async workers and blocking threads).
const THREAD_NAME: &str = "grantlog-serve";

/// Everything `grantlog serve` is started with, once the inputs are read.
pub struct Config {
    pub rules: Vec<Text>,
    pub facts: Vec<Text>,
    pub listen: String,
    pub token: Option<String>,
    pub data: Option<PathBuf>,
    pub limits: Limits,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// No request log.
    pub quiet: bool,
    /// Revisions the watch stream keeps for resuming.
    pub keep_events: usize,
    /// Changes whose texts are kept (`--keep-changes`), and their most bytes.
    pub keep_changes: usize,
    pub keep_change_bytes: usize,
    /// How AuthZEN requests map to the rules, if given.
    pub authzen: Option<Text>,
    /// `--watch`: the files to read again when they change.
    pub watch: Option<files::Watched>,
    /// `--alt-rules`: rule files the explorer may compare the live model with.
    pub alt_rules: Vec<Text>,
}

/// Opens the model (replaying the history under `--data`), listens, and serves until
/// SIGTERM or Ctrl-C; in-flight requests finish and the database is closed. `Err`: why it
/// could not start, ready to print.
pub fn run(config: Config) -> Result<(), String> {
    let addr: SocketAddr = auth::listen_address(&config.listen, config.token.is_some())?;
    let server = state::Server::open(&config)?;
    let server = Arc::new(server);
    // The explorer's rule changes against `--alt-rules`, computed while nobody waits.
    explore_alt::precompute(&server);
    if let Some(watched) = config.watch {
        files::start(
            Arc::clone(&server),
            watched,
            config.rules.clone(),
            config.facts.clone(),
        )?;
    }
    let runtime = runtime(None)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("cannot read the listening address: {e}"))?;
        // The line a supervisor (and the tests) read to learn the port of `--listen :0`.
        eprintln!(
            "grantlog serve: listening on http://{local} (revision {})",
            server.revision()
        );
        let app = routes::router(Arc::clone(&server));
        // Without Nagle's delay: an event of the watch stream, or an answer written in
        // two pieces, goes out at once instead of waiting for the client's ACK.
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal(Arc::clone(&server)))
            .await
            .map_err(|e| format!("the server failed: {e}"))?;
        server.close();
        eprintln!("grantlog serve: stopped");
        Ok(())
    })
}

/// The async runtime the server runs on (`workers`: how many async workers, default one
/// a core).
fn runtime(workers: Option<usize>) -> Result<tokio::runtime::Runtime, String> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    builder
        .enable_all()
        .thread_name(THREAD_NAME)
        // Changes, explanations and checks that wait for a change run on blocking
        // threads. tokio allows 512 by default: 64 connections of checks during changes
        // made 85, each keeping the allocator's pages of what it had freed (a change's
        // transient memory stays with the thread that ran it), and the server 200-300 MiB
        // larger after a few thousand changes than with 16.
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT), once open event streams are told to end
/// (the server waits for every connection to finish).
async fn shutdown_signal(server: Arc<state::Server>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("grantlog serve: shutting down (finishing requests in flight)");
    server.stopping.send_replace(true);
}
