//! A rule change computed once per alternative and revision, in the background, and kept
//! between pages: evaluating a large instance under other rules takes minutes (75,000
//! users under the broad S13 rule derive 6 million more decisions), a page of its changed
//! decisions then milliseconds. The server's `--alt-rules` are computed when it starts;
//! uploaded rules and alternatives whose revision has passed when first asked. A request
//! waits a moment for the answer, then is told "computing" (202) and asks again; an
//! answer computed at an older revision is served, marked, while the new one is computed.
//!
//! The comparison is `grantlog diff`'s ([`crate::diff::Diff`]), copied out of the two
//! models into owned rows so that it outlives the borrow; the models are kept for proofs.

use super::api::ApiError;
use super::kept::{Applied, ToReplay};
use super::state::Server;
use crate::diff::{self, Diff};
use crate::engine::{Limits, Value};
use crate::load::Text;
use crate::workspace::Workspace;
use axum::http::StatusCode;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The rule changes a server has computed, or is computing.
#[derive(Default)]
pub struct RuleChanges {
    slots: Mutex<HashMap<String, Slot>>,
    /// Told when a computation ends.
    done: Condvar,
    /// One evaluation at a time: each holds another model of the whole instance.
    worker: Mutex<()>,
    /// Evaluations started so far: each answer names its own, so that pages of one
    /// rule change can be seen to come from one evaluation.
    evaluations: AtomicU64,
}

/// One alternative (or upload): its latest answer, and what is under way.
#[derive(Default)]
struct Slot {
    ready: Option<Arc<Computed>>,
    /// The revision being computed, and since when.
    computing: Option<(u64, Instant)>,
    /// The revision whose computation failed, and why (status and body).
    failed: Option<(u64, StatusCode, Json)>,
}

/// The live facts of one revision under other rules, compared with the live rules.
pub struct Computed {
    pub name: String,
    pub revision: u64,
    /// Which evaluation of this server this is (see [`RuleChanges`]).
    pub evaluation: u64,
    /// Every change made since the fact files were read is included (see
    /// `changes_included`): false when some did not apply under the other rules.
    pub replayed: bool,
    /// The changes that did not apply under the other rules: `{"revision", "message",
    /// "diagnostics"}`.
    pub left_out: Vec<Json>,
    pub seconds: f64,
    /// The live model at `revision` (its relations are shared with the live model until
    /// the live model changes them) and the model under the other rules.
    pub old: Workspace,
    pub new: Workspace,
    /// `relations`, `only_old`, `only_new`, `total`: the impact summary.
    pub summary: Json,
    /// The changed decision relations, in `grantlog diff`'s order.
    pub changed: Vec<Changed>,
}

/// One decision relation's gains (in NEW) and losses (in OLD), grouped by user and tenant.
pub struct Changed {
    pub relation: String,
    pub arity: usize,
    /// Flat rows, `arity` values each, of NEW's values (gained) and OLD's (lost).
    pub gained: Vec<Value>,
    pub lost: Vec<Value>,
    /// Rows on each side (`gained` alone cannot say for arity 0).
    pub counts: (usize, usize),
    pub groups: Vec<Group>,
}

pub struct Group {
    pub user: Option<String>,
    pub tenant: Option<String>,
    pub gained: Range<usize>,
    pub lost: Range<usize>,
}

impl Changed {
    pub fn len(&self) -> usize {
        self.counts.0 + self.counts.1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row<'a>(&self, side: &'a [Value], i: usize) -> &'a [Value] {
        &side[i * self.arity..(i + 1) * self.arity]
    }
}

/// What a request for a rule change gets.
pub enum Lookup {
    /// The answer, and the live revision (newer when the answer is being computed again).
    Ready(Arc<Computed>, u64),
    Computing {
        revision: u64,
        seconds: f64,
    },
    Failed(ApiError),
}

impl RuleChanges {
    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The rule change `key` (an alternative's name, or an upload's) under `rules`: ready
    /// if computed at the live revision; else computed in the background, waited for up
    /// to `wait`; an answer of an older revision is given meanwhile.
    pub fn lookup(server: &Arc<Server>, key: &str, rules: &Text, wait: Duration) -> Lookup {
        let me = &server.explore.rule_changes;
        let until = Instant::now() + wait;
        let mut slots = me.slots();
        if key.starts_with(UPLOAD) {
            // One upload is kept: another replaces it (its computation still finishes).
            slots.retain(|k, s| !k.starts_with(UPLOAD) || k == key || s.computing.is_some());
        }
        loop {
            let live = server.revision();
            let slot = slots.entry(key.to_string()).or_default();
            match &slot.ready {
                Some(c) if c.revision >= live => return Lookup::Ready(Arc::clone(c), live),
                _ => {}
            }
            if let Some((revision, status, body)) = &slot.failed {
                if *revision >= live {
                    let body = body.clone();
                    return Lookup::Failed(ApiError {
                        status: *status,
                        body,
                    });
                }
            }
            if slot.computing.is_none() {
                if let Err(e) = start(server, key.to_string(), rules.clone()) {
                    return Lookup::Failed(e);
                }
                slot.computing = Some((live, Instant::now()));
            }
            if let Some(c) = &slot.ready {
                return Lookup::Ready(Arc::clone(c), live);
            }
            let now = Instant::now();
            if now >= until {
                let (revision, since) = slot.computing.expect("set above");
                return Lookup::Computing {
                    revision,
                    seconds: since.elapsed().as_secs_f64(),
                };
            }
            slots = me
                .done
                .wait_timeout(slots, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// `{"alternative", "status": "ready"|"computing"|"failed"|"not computed", ..}` for
    /// each name, for `GET /v1/explore/rules`.
    pub fn status(&self, names: &[&str]) -> Vec<Json> {
        let slots = self.slots();
        names
            .iter()
            .map(|&name| match slots.get(name) {
                Some(Slot {
                    computing: Some((revision, since)),
                    ..
                }) => json!({"alternative": name, "status": "computing", "revision": revision,
                             "seconds": since.elapsed().as_secs_f64()}),
                Some(Slot { ready: Some(c), .. }) => json!({"alternative": name, "status": "ready",
                             "revision": c.revision, "seconds": c.seconds}),
                Some(Slot {
                    failed: Some((revision, _, body)),
                    ..
                }) => json!({"alternative": name, "status": "failed", "revision": revision,
                             "error": body["error"]}),
                _ => json!({"alternative": name, "status": "not computed"}),
            })
            .collect()
    }
}

/// Uploaded rules are keyed by this prefix and a hash of their text.
pub const UPLOAD: &str = "upload:";

pub fn upload_key(text: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    format!("{UPLOAD}{:016x}", h.finish())
}

/// Computes each of the server's alternatives at the revision it opened with.
pub fn precompute(server: &Arc<Server>) {
    let me = &server.explore.rule_changes;
    let revision = server.revision();
    let mut slots = me.slots();
    for rules in &server.explore.alternatives {
        let name = super::explore_rules::alternative_name(rules).to_string();
        let slot = slots.entry(name.clone()).or_default();
        if slot.computing.is_none() && slot.ready.is_none() {
            match start(server, name, rules.clone()) {
                Ok(()) => slot.computing = Some((revision, Instant::now())),
                Err(e) => slot.failed = Some((revision, e.status, e.body)),
            }
        }
    }
}

/// On a thread of its own (so that no request holds it): waits its turn, computes, keeps
/// the answer and tells the waiting requests. `Err`: no thread could be started.
fn start(server: &Arc<Server>, key: String, rules: Text) -> Result<(), ApiError> {
    let server = Arc::clone(server);
    std::thread::Builder::new()
        .name("grantlog-rule-change".into())
        .spawn(move || {
            let me = &server.explore.rule_changes;
            let outcome = {
                let _turn = me.worker.lock().unwrap_or_else(|e| e.into_inner());
                let evaluation = me.evaluations.fetch_add(1, Ordering::Relaxed) + 1;
                compute(&server, &rules, evaluation)
            };
            let mut slots = me.slots();
            let slot = slots.entry(key).or_default();
            slot.computing = None;
            match outcome {
                Ok(c) => {
                    slot.failed = None;
                    slot.ready = Some(Arc::new(c));
                }
                Err((revision, e)) => slot.failed = Some((revision, e.status, e.body)),
            }
            drop(slots);
            me.done.notify_all();
        })
        .map(|_| ())
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!("cannot start evaluating the rule change: {e}"),
            )
        })
}

/// The live model as it is now, under `rules`, compared with the live rules.
fn compute(server: &Server, rules: &Text, evaluation: u64) -> Result<Computed, (u64, ApiError)> {
    let started = Instant::now();
    // A snapshot (relations shared, not copied), so that no lock is held while the other
    // rules are evaluated: changes go on meanwhile. The changes applied since the fact
    // files were read are taken with it, under the same lock.
    let (old, revision, decisions, applied) = {
        let live = server.read();
        (
            live.ws.successor(),
            live.revision,
            live.decisions.clone(),
            live.applied.to_replay(),
        )
    };
    // Bounded like the opening of the instance: by its memory, not by the request timeout.
    let limits = Limits {
        timeout: None,
        ..server.limits
    };
    let _scope = crate::engine::limits::Scope::enter(&limits);
    let rules = vec![rules.clone()];
    let failed = |e: ApiError| (revision, e);
    // The strata both rule sets share are taken over; rules that cannot be matched up
    // (the rights that order grants decided otherwise, say) are opened on the fact files,
    // and the changes made since are applied again, in order, under them: both sides
    // then hold the same facts, as if the changes had been made under the other rules.
    let (new, left_out) = match Workspace::open_beside(&old, &rules, &limits) {
        Some(Ok(ws)) => (ws, Vec::new()),
        Some(Err(f)) => return Err(failed(ApiError::diagnostics(&f.diagnostics, &f.sources))),
        None => {
            // As the server opened them (`session`: the instance kept for the changes).
            let mut ws = crate::inputs::open(&rules, old.fact_texts.clone(), &limits, true)
                .map_err(|f| failed(ApiError::diagnostics(&f.diagnostics, &f.sources)))?;
            let (applied, mut left_out) = to_replay(server, applied);
            left_out.extend(replay(&mut ws, &applied));
            (ws, left_out)
        }
    };
    let (summary, changed) = {
        let diff = Diff::compute(&old.model, &new.model);
        summarize(&diff, &decisions)
    };
    Ok(Computed {
        name: super::explore_rules::alternative_name(&rules[0]).to_string(),
        revision,
        evaluation,
        replayed: left_out.is_empty(),
        left_out,
        seconds: started.elapsed().as_secs_f64(),
        old,
        new,
        summary,
        changed,
    })
}

/// The changes to replay: those whose texts the server kept, after those it dropped
/// (`--keep-changes`) read from the history under `--data`. Without a history the dropped
/// ones are left out, and said (`{"revision", "last_revision", "message"}`): their
/// decisions then show as differences between the rules.
fn to_replay(server: &Server, r: ToReplay) -> (Vec<Applied>, Vec<Json>) {
    let Some((first, last)) = r.dropped else {
        return (r.kept, Vec::new());
    };
    // The history holds every change: the dropped ones are read from it rather than kept
    // in memory (a replay that needs them reads them once; the server does not hold them
    // for as long as it runs).
    let read = server.history.as_ref().map(|h| {
        let h = h.lock().unwrap_or_else(|e| e.into_inner());
        h.texts_between(r.opened_at, last)
    });
    let why = match read {
        Some(Ok(mut older)) => {
            older.extend(r.kept);
            return (older, Vec::new());
        }
        Some(Err(e)) => format!("the history could not be read: {e}"),
        None => format!(
            "the server keeps the statements of the last {} changes (--keep-changes) and was started without --data, whose history would hold them",
            r.max_changes
        ),
    };
    let message = format!(
        "changes {first} to {last} were not replayed under these rules: {why}; the decisions they changed show as differences"
    );
    let left_out = json!({
        "revision": first,
        "last_revision": last,
        "message": message,
        "diagnostics": [],
    });
    (r.kept, vec![left_out])
}

/// Applies `applied` in order on `ws` (opened on the fact files under other rules), as
/// `POST /v1/changes` applied them on the live model. A change that does not apply under
/// these rules (a relation they lack, say) is left out, all of it, and said: the ones
/// after it are still applied. Returns those left out: `{"revision", "message", "diagnostics"}`.
fn replay(ws: &mut Workspace, applied: &[Applied]) -> Vec<Json> {
    let mut left_out = Vec::new();
    for a in applied {
        let before = ws.sources.len();
        let name = format!("change-{}", a.revision);
        if let Err(d) = super::changes::apply_texts(ws, &name, &a.retract, &a.assert) {
            let diagnostics: Vec<Json> = d.iter().map(|d| d.to_json(&ws.sources)).collect();
            left_out.push(json!({
                "revision": a.revision,
                "message": d.first().map(|d| d.message.clone()),
                "diagnostics": diagnostics,
            }));
            ws.sources.truncate(before);
        }
    }
    left_out
}

/// The impact summary and the changed decision relations, copied out of `diff`.
fn summarize(diff: &Diff<'_>, decisions: &[String]) -> (Json, Vec<Changed>) {
    let include = |r: &str| decisions.iter().any(|d| d == r);
    let changed: Vec<&diff::RelationDiff> =
        diff.changed().filter(|r| include(&r.relation)).collect();
    let relations: Vec<Json> = changed
        .iter()
        .map(|r| json!({"relation": r.relation, "columns": r.columns, "gained": r.gained.len(), "lost": r.lost.len()}))
        .collect();
    let unmatched = |us: &[diff::Unmatched]| -> Vec<Json> {
        us.iter()
            .filter(|u| include(&u.relation))
            .map(|u| json!({"relation": u.relation, "tuples": u.tuples}))
            .collect()
    };
    let gained: usize = changed.iter().map(|r| r.gained.len()).sum();
    let lost: usize = changed.iter().map(|r| r.lost.len()).sum();
    let summary = json!({
        "relations": relations,
        "only_old": unmatched(&diff.only_old),
        "only_new": unmatched(&diff.only_new),
        "total": {"gained": gained, "lost": lost, "relations": changed.len()},
    });
    let owned = changed
        .iter()
        .map(|rd| {
            let arity = rd.columns.len();
            let flat = |c: &diff::Changes<'_>| -> Vec<Value> {
                let mut out = Vec::with_capacity(c.len() * arity);
                for i in 0..c.len() {
                    out.extend_from_slice(c.row(i));
                }
                out
            };
            Changed {
                relation: rd.relation.clone(),
                arity,
                gained: flat(&rd.gained),
                lost: flat(&rd.lost),
                counts: (rd.gained.len(), rd.lost.len()),
                groups: rd
                    .groups()
                    .into_iter()
                    .map(|g| Group {
                        user: g.user.map(crate::table::plain),
                        tenant: g.tenant.map(crate::table::plain),
                        gained: g.gained,
                        lost: g.lost,
                    })
                    .collect(),
            }
        })
        .collect();
    (summary, owned)
}
