//! `--watch` of rule files: the new rules are built beside the running model and
//! evaluated while it keeps serving, then swapped in under the write lock as one revision
//! like any other: streamed with the decisions it gained and lost, and answered by
//! `/v1/history`. Rules that do not load (or do not evaluate within the limits) change
//! nothing: the caller reports them, located, and the last good revision keeps serving.
//!
//! Where the rules share strata with the running ones, those are taken over
//! ([`Workspace::open_beside`], as `grantlog diff` does) and only what the edit touches is
//! evaluated. Where the two programs cannot be matched up (a base relation dropped, the
//! rights that order grants decided otherwise), the model is opened again from the files
//! as they are now, as a restart would: changes made through `POST /v1/changes` since the
//! start are then not carried over, and the event says so (`reopened`).

use super::changes::Tuple;
use super::state::{decision_relations, Server};
use super::watch::Event;
use crate::diag::Diagnostic;
use crate::engine::Limits;
use crate::load::Text;
use crate::source::SourceMap;
use crate::workspace::Workspace;
use serde_json::{json, Value as Json};

/// Why new rules were not swapped in: a one-line reason, the located diagnostics (JSON),
/// and the same rendered for the log.
pub struct Refused {
    pub message: &'static str,
    pub diagnostics: Json,
    pub text: String,
}

/// What a swap did: its revision, the decisions gained and lost, and whether the model
/// was opened again from the files (the programs could not be matched up).
pub struct Swapped {
    pub revision: u64,
    pub gained: usize,
    pub lost: usize,
    pub reopened: bool,
}

/// A new model may be built while the running one changes; this many tries, then the
/// caller reports it (the next edit of a file tries again).
const TRIES: usize = 3;

/// Builds `rules` beside the running model (or, failing that, from `rules` and `facts`),
/// and swaps it in as the next revision. `changed`: the rule files that differ, for the
/// event.
pub fn swap_rules(
    server: &Server,
    rules: &[Text],
    facts: &[Text],
    changed: Vec<String>,
) -> Result<Swapped, Refused> {
    // Like opening: the request timeout bounds requests, not building a model.
    let limits = Limits {
        timeout: None,
        ..server.limits
    };
    for _ in 0..TRIES {
        // Built under the read lock: readers go on, a change waits for the build.
        let (built, at) = {
            let live = server.read();
            let built = Workspace::open_beside(&live.ws, rules, &limits).map(|r| (r, false));
            (built, live.revision)
        };
        let (built, reopened) = match built {
            Some((r, beside)) => (r, beside),
            None => (
                crate::inputs::open(rules, facts.to_vec(), &limits, true),
                true,
            ),
        };
        let mut ws = match built {
            Ok(ws) => ws,
            Err(f) => {
                return Err(Refused {
                    message: "the rule files do not load",
                    diagnostics: to_json(&f.diagnostics, &f.sources),
                    text: crate::diag::render_all(&f.diagnostics, &f.sources),
                })
            }
        };
        let mut live = server.write();
        if live.revision != at {
            continue;
        }
        ws.limits = server.limits;
        let decisions = decision_relations(&ws);
        let (gained, lost) = decisions_between(&live.ws, &ws, &live.decisions, &decisions);
        let next = live.revision + 1;
        let event = Event {
            revision: next,
            at: super::history::now(),
            author: "files".into(),
            source: "watch".into(),
            assert: String::new(),
            retract: String::new(),
            rules: changed,
            gained,
            lost,
        };
        if let Some(h) = &server.history {
            let mut h = h.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = h.record(&event) {
                let d = Diagnostic::error("E0902", format!("the history failed: {e}"));
                return Err(Refused {
                    message: "the new rules were not recorded, so they were not applied",
                    diagnostics: to_json(&[d], &SourceMap::new()),
                    text: e,
                });
            }
        }
        let swapped = Swapped {
            revision: next,
            gained: event.gained.len(),
            lost: event.lost.len(),
            reopened,
        };
        live.ws = ws;
        live.decisions = decisions;
        live.revision = next;
        if reopened {
            // Opened from the files as they are now: no change is applied on them.
            live.applied.reopened(next);
        }
        server.events.publish(event);
        // The old model is freed outside the lock (hundreds of MiB take a while).
        drop(live);
        server.published(next);
        return Ok(swapped);
    }
    let d = Diagnostic::error(
        "E0903",
        "the model kept changing while the new rules were built",
    )
    .help("edit or touch a rule file again to retry");
    Err(Refused {
        message: "the new rules could not be swapped in",
        diagnostics: to_json(&[d], &SourceMap::new()),
        text: String::new(),
    })
}

/// The tuples of decision relations (`old_dec` in `old`, `new_dec` in `new`) that `new`
/// holds and `old` does not (gained), and the other way round (lost), sorted.
fn decisions_between(
    old: &Workspace,
    new: &Workspace,
    old_dec: &[String],
    new_dec: &[String],
) -> (Vec<Tuple>, Vec<Tuple>) {
    let diff = crate::diff::Diff::compute(&old.model, &new.model);
    let as_tuple = |f: crate::explain::Fact| (f.relation, f.values);
    let mut gained: Vec<Tuple> = Vec::new();
    let mut lost: Vec<Tuple> = Vec::new();
    for rd in diff.changed() {
        if new_dec.contains(&rd.relation) {
            gained.extend(rd.gained.facts().map(as_tuple));
        }
        if old_dec.contains(&rd.relation) {
            lost.extend(rd.lost.facts().map(as_tuple));
        }
    }
    // A relation on one side only (or whose arity changed) is not compared: all its
    // tuples are gained (new side) or lost (old side).
    let compared: Vec<&str> = diff.relations.iter().map(|r| r.relation.as_str()).collect();
    let all = |ws: &Workspace, name: &str| -> Vec<Tuple> {
        let Some(rel) = ws.program().relation(name) else {
            return Vec::new();
        };
        ws.model
            .tuples(rel)
            .map(|row| {
                let values = row.iter().map(|&v| ws.model.constant(v).clone()).collect();
                (name.to_string(), values)
            })
            .collect()
    };
    for name in new_dec.iter().filter(|n| !compared.contains(&n.as_str())) {
        gained.extend(all(new, name));
    }
    for name in old_dec.iter().filter(|n| !compared.contains(&n.as_str())) {
        lost.extend(all(old, name));
    }
    gained.sort();
    lost.sort();
    (gained, lost)
}

fn to_json(d: &[Diagnostic], sources: &SourceMap) -> Json {
    Json::Array(d.iter().map(|d| d.to_json(sources)).collect())
}

/// The `/health` record of a swap.
pub fn status(s: &Swapped, changed: &[String]) -> Json {
    json!({"ok": true, "rules": changed, "gained": s.gained, "lost": s.lost,
           "reopened": s.reopened, "revision": s.revision})
}
