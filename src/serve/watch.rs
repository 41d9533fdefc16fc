//! `GET /v1/watch`: the stream of decision changes, as server-sent events.
//!
//! Each event is one revision: the change that made it (its statements, author, time) and
//! the decisions it gained and lost. The last `--keep-events` (default [`KEPT_EVENTS`])
//! are kept in memory, and at most [`KEPT_BYTES`] of their decisions (loaded
//! from the history on start), so a client resumes with `since=N` (or the SSE
//! `Last-Event-ID` header) from any kept revision; older is answered 410 "too old" with
//! the oldest it can resume from (the history endpoint has the rest).

use super::api::{decision, ApiError};
use super::changes::Tuple;
use super::state::Server;
use crate::syntax::ast::Const;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Revisions kept in memory for resuming.
pub const KEPT_EVENTS: usize = 10_000;
/// Most bytes the kept events' decisions may take: a role change at 75,000 users flips
/// thousands of decisions (about 1 MiB), so a bound in events alone let the server grow by
/// gigabytes (benches/RESULTS.md, session 10).
pub const KEPT_BYTES: usize = 64 << 20;
/// Events a slow client may fall behind before its stream is ended (it then resumes).
const BACKLOG: usize = 1024;

/// One accepted change and the decisions it flipped.
#[derive(Clone, Debug)]
pub struct Event {
    pub revision: u64,
    /// RFC 3339, UTC.
    pub at: String,
    pub author: String,
    /// `api` (POST /v1/changes) or `watch` (a file changed).
    pub source: String,
    pub assert: String,
    pub retract: String,
    /// The rule files a `--watch` reading swapped in (empty for a change of facts).
    pub rules: Vec<String>,
    pub gained: Vec<Tuple>,
    pub lost: Vec<Tuple>,
}

impl Event {
    /// The event as JSON, with only the decisions of `relations` (all when `None`).
    pub fn to_json(&self, relations: Option<&[String]>) -> Json {
        let keep = |(r, _): &&Tuple| relations.is_none_or(|rs| rs.iter().any(|x| x == r));
        let list = |ts: &[Tuple]| {
            ts.iter()
                .filter(keep)
                .map(|(r, v)| decision(r, v))
                .collect::<Vec<_>>()
        };
        let mut change = json!({"assert": self.assert, "retract": self.retract});
        if !self.rules.is_empty() {
            change["rules"] = json!(self.rules);
        }
        json!({
            "revision": self.revision,
            "at": self.at,
            "author": self.author,
            "source": self.source,
            "change": change,
            "gained": list(&self.gained),
            "lost": list(&self.lost),
        })
    }

    /// About what the event holds in memory.
    fn bytes(&self) -> usize {
        let tuple = |(r, v): &Tuple| {
            std::mem::size_of::<Tuple>()
                + r.len()
                + v.iter()
                    .map(|c| {
                        std::mem::size_of::<Const>()
                            + match c {
                                Const::Sym(s) => s.len(),
                                Const::Num(_) => 0,
                            }
                    })
                    .sum::<usize>()
        };
        std::mem::size_of::<Event>()
            + self.at.len()
            + self.author.len()
            + self.source.len()
            + self.assert.len()
            + self.retract.len()
            + self.rules.iter().map(String::len).sum::<usize>()
            + self
                .gained
                .iter()
                .chain(&self.lost)
                .map(tuple)
                .sum::<usize>()
    }

    fn touches(&self, relations: &[String]) -> bool {
        self.gained
            .iter()
            .chain(&self.lost)
            .any(|(r, _)| relations.iter().any(|x| x == r))
    }
}

/// The kept events after a revision, and the receiver of those to come.
type Subscription = (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>);

struct Kept {
    events: VecDeque<Arc<Event>>,
    /// Most events kept.
    keep: usize,
    /// What the kept events take ([`Event::bytes`]), and the most they may.
    bytes: usize,
    max_bytes: usize,
    /// Every revision after this one is in `events`.
    floor: u64,
}

impl Kept {
    /// Keeps `event`, dropping the oldest past the count or the bytes (never the last).
    fn push(&mut self, event: Arc<Event>) {
        self.bytes += event.bytes();
        self.events.push_back(event);
        while self.events.len() > self.keep
            || (self.bytes > self.max_bytes && self.events.len() > 1)
        {
            let Some(old) = self.events.pop_front() else {
                break;
            };
            self.bytes -= old.bytes();
            self.floor = old.revision;
        }
    }
}

/// The recent events, and the channel live ones go out on.
pub struct EventLog {
    kept: Mutex<Kept>,
    live: broadcast::Sender<Arc<Event>>,
}

impl EventLog {
    pub fn new(revision: u64, keep: usize) -> EventLog {
        EventLog {
            kept: Mutex::new(Kept {
                events: VecDeque::new(),
                keep: keep.max(1),
                bytes: 0,
                max_bytes: KEPT_BYTES,
                floor: revision,
            }),
            live: broadcast::channel(BACKLOG).0,
        }
    }

    /// The events of the history, oldest first, as if they had just happened.
    pub fn preload(&self, events: Vec<Event>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(first) = events.first() {
            kept.floor = first.revision - 1;
        }
        for e in events {
            kept.push(Arc::new(e));
        }
    }

    /// The same log keeping at most `bytes` of decisions.
    pub fn with_max_bytes(self, bytes: usize) -> EventLog {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .max_bytes = bytes;
        self
    }

    /// Called under the model's write lock, so events go out in revision order.
    pub fn publish(&self, event: Event) {
        let event = Arc::new(event);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.push(Arc::clone(&event));
        let _ = self.live.send(event);
    }

    /// The kept events after `since` and a receiver of the later ones (taken together,
    /// so none falls between). `Err(floor)`: `since` is older than what is kept.
    fn subscribe(&self, since: Option<u64>) -> Result<Subscription, u64> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let backlog = match since {
            Some(n) if n < kept.floor => return Err(kept.floor),
            Some(n) => kept
                .events
                .iter()
                .filter(|e| e.revision > n)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        Ok((backlog, self.live.subscribe()))
    }
}

impl EventLog {
    /// The kept changes that flipped the decision `fact` (as the history spells it), and
    /// whether they are all of them since the model was opened (nothing dropped yet).
    pub fn flips(&self, fact: &str) -> (Vec<Json>, bool) {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for e in &kept.events {
            for (list, holds) in [(&e.gained, true), (&e.lost, false)] {
                if list
                    .iter()
                    .any(|(r, v)| super::history::fact_text(r, v) == fact)
                {
                    out.push(json!({"revision": e.revision, "at": e.at, "author": e.author, "source": e.source,
                                    "change": {"assert": e.assert, "retract": e.retract}, "holds": holds}));
                }
            }
        }
        (out, kept.floor == 0)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchParams {
    /// Comma-separated decision relations; all when absent.
    pub relations: Option<String>,
    /// Resume after this revision.
    pub since: Option<u64>,
}

pub async fn watch(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    params: Result<Query<WatchParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(params) = match params {
        Ok(p) => p,
        Err(e) => return super::api::bad_json(e.body_text()).into_response(),
    };
    let relations = match params
        .relations
        .as_deref()
        .map(|r| parse_relations(&server, r))
    {
        Some(Err(e)) => return e.into_response(),
        Some(Ok(r)) => Some(r),
        None => None,
    };
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let since = params.since.or(last_id);
    let (backlog, mut rx) = match subscribe(&server, since) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let mut stopping = server.stopping.subscribe();
    let stream = async_stream(move |tx| async move {
        let send = |e: &Event| {
            let data = e.to_json(relations.as_deref()).to_string();
            SseEvent::default()
                .id(e.revision.to_string())
                .event("change")
                .data(data)
        };
        let mut last = since.unwrap_or(0);
        for e in backlog {
            if relations.as_deref().is_none_or(|r| e.touches(r)) && tx.send(send(&e)).await.is_err()
            {
                return;
            }
            last = e.revision;
        }
        loop {
            tokio::select! {
                got = rx.recv() => match got {
                    Ok(e) => {
                        if e.revision <= last { continue; }
                        last = e.revision;
                        if relations.as_deref().is_none_or(|r| e.touches(r)) && tx.send(send(&e)).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let note = json!({"resume_since": last, "message": "this client fell behind; reconnect with since=resume_since"});
                        let _ = tx.send(SseEvent::default().event("lagged").data(note.to_string())).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                () = async { let _ = stopping.wait_for(|s| *s).await; } => return,
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Most revisions a watch replays from the database before streaming.
const MAX_REPLAY: u64 = 100_000;

/// The events after `since` and a receiver of those to come: from memory, or for an
/// older `since`, from the history database first; 410 when neither has them.
fn subscribe(server: &Server, since: Option<u64>) -> Result<Subscription, ApiError> {
    let floor = match server.events.subscribe(since) {
        Ok(s) => return Ok(s),
        Err(floor) => floor,
    };
    let since = since.unwrap_or(0);
    let too_old = |oldest: u64| {
        ApiError::new(
            StatusCode::GONE,
            "too_old",
            format!(
                "revision {since} is too old to resume from: the stream keeps revisions after {oldest}; resume with since={oldest}, and read older changes from /v1/history"
            ),
        )
        .with_revision(server.revision())
    };
    let Some(h) = &server.history else {
        return Err(too_old(floor));
    };
    if floor - since > MAX_REPLAY {
        return Err(too_old(floor - MAX_REPLAY));
    }
    let older = h
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .between(since, floor)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "history_failed", e))?;
    let (newer, rx) = server.events.subscribe(Some(floor)).map_err(too_old)?;
    let backlog = older.into_iter().map(Arc::new).chain(newer).collect();
    Ok((backlog, rx))
}

/// A stream fed by a task through a small channel.
fn async_stream<F, Fut>(f: F) -> impl futures_util::Stream<Item = Result<SseEvent, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<SseEvent>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(f(tx));
    futures_util::stream::unfold(
        rx,
        |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
    )
}

/// `relations=a,b`: each must be a relation of the rules.
fn parse_relations(server: &Server, text: &str) -> Result<Vec<String>, ApiError> {
    let live = server.read();
    let program = live.ws.program();
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if program.relation(name).is_none() {
            let hint = crate::diag::did_you_mean(name, program.relation_names())
                .map_or(String::new(), |s| format!(": did you mean `{s}`?"));
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "E0101",
                format!("unknown relation `{name}` in `relations`{hint}"),
            ));
        }
        out.push(name.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(revision: u64, decisions: usize) -> Event {
        let d = |i: usize| ("p".to_string(), vec![Const::Sym(format!("user{i:06}"))]);
        Event {
            revision,
            at: String::new(),
            author: "api".into(),
            source: "api".into(),
            assert: String::new(),
            retract: String::new(),
            rules: Vec::new(),
            gained: (0..decisions).map(d).collect(),
            lost: Vec::new(),
        }
    }

    #[test]
    fn kept_events_are_bounded_in_bytes_as_well_as_in_count() {
        let one = event(1, 1000).bytes();
        // Room for the decisions of three such events, and a count that would keep 100.
        let log = EventLog::new(0, 100).with_max_bytes(3 * one + one / 2);
        for r in 1..=10 {
            log.publish(event(r, 1000));
        }
        let kept = log.kept.lock().unwrap();
        let revisions: Vec<u64> = kept.events.iter().map(|e| e.revision).collect();
        assert_eq!(revisions, [8, 9, 10]);
        assert_eq!((kept.floor, kept.bytes), (7, 3 * one));
        drop(kept);
        assert_eq!(
            log.subscribe(Some(6)).err(),
            Some(7),
            "too old past the bound"
        );
        assert_eq!(log.subscribe(Some(7)).map(|s| s.0.len()).ok(), Some(3));
        // One event larger than the bound is still kept: the latest is always resumable.
        log.publish(event(11, 10_000));
        let kept = log.kept.lock().unwrap();
        assert_eq!(kept.events.len(), 1);
        assert_eq!(kept.floor, 10);
    }
}
