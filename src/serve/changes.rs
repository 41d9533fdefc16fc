//! `POST /v1/changes`: statements asserted and retracted as one change, through the
//! incremental engine, answered with the decisions gained and lost.
//!
//! A change is the REPL's `:retract` then `:assert` (the same facts-language texts),
//! applied under the write lock. When the second part fails, the first is undone before
//! the lock is released, so no reader sees half a change; a dry run is undone the same
//! way after its decisions are read. An accepted change is committed to the history
//! before it is acknowledged.

use super::api::{decision, ApiError};
use super::state::{Applied, Live, Server};
use super::watch::Event;
use crate::diag::Diagnostic;
use crate::engine::Limits;
use crate::syntax::ast::Const;
use crate::workspace::{Delta, Workspace};
use axum::http::StatusCode;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::{json, Value as Json};

/// The body of `POST /v1/changes`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    /// Statements or facts to add (`grant ... to sam by maria.`, `fact p(a).`).
    #[serde(default)]
    pub assert: Option<String>,
    /// Statements or base facts to remove.
    #[serde(default)]
    pub retract: Option<String>,
    /// Answer what the change would do, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse (409) unless the model is at this revision.
    #[serde(default)]
    pub if_revision: Option<u64>,
    /// Who makes the change, as the client says (recorded with it).
    #[serde(default)]
    pub author: Option<String>,
}

/// A tuple, as (relation, values).
pub type Tuple = (String, Vec<Const>);

/// Applies the retraction then the assertion (either may be empty) to the workspace:
/// all or nothing. `Ok`: the net decisions change over both parts, and how many undo
/// steps it took (to reverse a dry run). `Err`: diagnostics, located in files named
/// `{name}-retract.facts` and `{name}-assert.facts`, with the workspace as it was.
pub fn apply_texts(
    ws: &mut Workspace,
    name: &str,
    retract: &str,
    assert: &str,
) -> Result<(Vec<Tuple>, Vec<Tuple>, usize), Vec<Diagnostic>> {
    let mut steps: Vec<Delta> = Vec::new();
    if !retract.trim().is_empty() {
        steps.push(ws.retract(&format!("{name}-retract"), &with_final_dot(retract))?);
    }
    if !assert.trim().is_empty() {
        match ws.assert(&format!("{name}-assert"), &with_final_dot(assert)) {
            Ok(d) => steps.push(d),
            Err(e) => {
                undo(ws, steps.len());
                return Err(e);
            }
        }
    }
    let (gained, lost) = net(&steps);
    Ok((gained, lost, steps.len()))
}

/// Reverses the last `n` steps. Undo runs without the request's limits: it does the
/// work of a change that was just done within them, and must not be left half-way.
pub fn undo(ws: &mut Workspace, n: usize) {
    let limits = ws.limits;
    ws.limits = Limits::default();
    for _ in 0..n {
        if let Some(Err(d)) = ws.undo() {
            // Cannot happen without limits; said loudly rather than hidden.
            eprintln!("grantlog serve: undo failed: {}", d[0].message);
        }
    }
    ws.limits = limits;
}

/// The net change of steps applied in order: a tuple is gained when it was absent
/// before the first step that touched it and present after the last, lost the other way.
fn net(steps: &[Delta]) -> (Vec<Tuple>, Vec<Tuple>) {
    let mut first: FxHashMap<&Tuple, bool> = FxHashMap::default();
    let mut last: FxHashMap<&Tuple, bool> = FxHashMap::default();
    for d in steps {
        for t in &d.gained {
            first.entry(t).or_insert(false);
            last.insert(t, true);
        }
        for t in &d.lost {
            first.entry(t).or_insert(true);
            last.insert(t, false);
        }
    }
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    for (t, before) in first {
        match (before, last[t]) {
            (false, true) => gained.push(t.clone()),
            (true, false) => lost.push(t.clone()),
            _ => {}
        }
    }
    gained.sort();
    lost.sort();
    (gained, lost)
}

/// A typed statement's missing final `.` added, as the REPL does.
fn with_final_dot(text: &str) -> String {
    let trimmed = text.trim_end();
    if trimmed.ends_with('.') {
        text.to_string()
    } else {
        format!("{trimmed}.")
    }
}

/// Only the tuples of decision relations.
pub fn decisions_only(tuples: Vec<Tuple>, decisions: &[String]) -> Vec<Tuple> {
    tuples
        .into_iter()
        .filter(|(r, _)| decisions.iter().any(|d| d == r))
        .collect()
}

/// Handles one change request; runs on a blocking thread (it holds the write lock).
pub fn change(server: &Server, req: &ChangeRequest, source: &str) -> Result<Json, ApiError> {
    let retract = req.retract.as_deref().unwrap_or("");
    let assert = req.assert.as_deref().unwrap_or("");
    if retract.trim().is_empty() && assert.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "empty_change",
            "a change needs `assert` or `retract` text (facts-language statements), e.g. {\"assert\": \"grant can_use_secret on sf-creds in engineering to sam by maria.\"}",
        ));
    }
    let _scope = crate::engine::limits::Scope::enter(&server.limits);
    let mut live = server.write();
    if let Some(want) = req.if_revision {
        if want != live.revision {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "revision_moved",
                format!(
                    "the model is at revision {}, not {want}: read it again and retry",
                    live.revision
                ),
            )
            .with_revision(live.revision));
        }
    }
    let next = live.revision + 1;
    let name = if req.dry_run {
        format!("dry-run-{next}")
    } else {
        format!("change-{next}")
    };
    let before = live.ws.sources.len();
    let warned = live.ws.warnings.len();
    let (gained, lost, steps) = match apply_texts(&mut live.ws, &name, retract, assert) {
        Ok(ok) => ok,
        Err(diags) => {
            let err = ApiError::diagnostics(&diags, &live.ws.sources).with_revision(live.revision);
            // The model is as it was, and nothing in it refers to the texts of a change
            // that failed (its facts were rolled back or undone): drop them.
            live.ws.sources.truncate(before);
            return Err(err);
        }
    };
    let gained = decisions_only(gained, &live.decisions);
    let lost = decisions_only(lost, &live.decisions);
    // The change's warnings are answered, not kept with the model's: they would
    // accumulate with the changes, and nothing reads them there.
    let warnings = {
        let w = live.ws.warnings.split_off(warned);
        super::api::warnings(&w, &live.ws.sources)
    };
    if req.dry_run {
        undo(&mut live.ws, steps);
        // Undone, nothing refers to the dry run's texts any more: without this, every
        // dry run would grow the model's sources for good.
        live.ws.sources.truncate(before);
        let mut body = answer(live.revision, &gained, &lost, true);
        body["warnings"] = warnings;
        return Ok(body);
    }
    let event = Event {
        revision: next,
        at: super::history::now(),
        author: req.author.clone().unwrap_or_else(|| "api".to_string()),
        source: source.to_string(),
        assert: assert.to_string(),
        retract: retract.to_string(),
        rules: Vec::new(),
        gained,
        lost,
    };
    if let Some(h) = &server.history {
        let mut h = h.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = h.record(&event) {
            undo(&mut live.ws, steps);
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "history_failed",
                format!("the change was not recorded, so it was not applied: {e}"),
            )
            .with_revision(live.revision));
        }
    }
    // Accepted: nothing will undo it, and a kept step would hold its facts and the
    // instance before it for as long as 100 more changes.
    live.ws.forget_undo();
    live.revision = next;
    keep(&mut live, next, retract, assert, before);
    let mut body = answer(next, &event.gained, &event.lost, false);
    body["warnings"] = warnings;
    server.events.publish(event);
    drop(live);
    server.published(next);
    Ok(body)
}

/// Keeps the texts of the change just applied (its source files are those from `first`
/// on), within the bounds of `--keep-changes`.
fn keep(live: &mut Live, revision: u64, retract: &str, assert: &str, first: usize) {
    let files = (first as u32, live.ws.sources.len() as u32);
    let applied = Applied {
        revision,
        retract: retract.to_string(),
        assert: assert.to_string(),
        files,
    };
    live.applied.push(applied, &mut live.ws.sources);
}

fn answer(revision: u64, gained: &[Tuple], lost: &[Tuple], dry_run: bool) -> Json {
    json!({
        "revision": revision,
        "dry_run": dry_run,
        "gained": gained.iter().map(|(r, v)| decision(r, v)).collect::<Vec<_>>(),
        "lost": lost.iter().map(|(r, v)| decision(r, v)).collect::<Vec<_>>(),
    })
}

/// Replays a recorded change on start-up (no limits: it was accepted once).
pub fn replay(live: &mut Live, revision: u64, retract: &str, assert: &str) -> Result<(), String> {
    let limits = live.ws.limits;
    live.ws.limits = Limits::default();
    let (before, warned) = (live.ws.sources.len(), live.ws.warnings.len());
    let result = apply_texts(&mut live.ws, &format!("change-{revision}"), retract, assert);
    live.ws.limits = limits;
    match result {
        Ok(_) => {
            live.ws.forget_undo();
            // Answered when the change was made; not kept (see `change`).
            live.ws.warnings.truncate(warned);
            live.revision = revision;
            keep(live, revision, retract, assert, before);
            Ok(())
        }
        Err(d) => Err(format!(
            "error: the recorded change {revision} no longer applies to these rules and facts:\n{}",
            crate::diag::render_all(&d, &live.ws.sources)
        )),
    }
}
