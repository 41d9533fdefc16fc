//! `grantlog serve`: readers during a stream of changes see only committed revisions;
//! the watch stream, its resume and its "too old".

use crate::serve_util::{agent, Server};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const FIX: &str = "grant can_use_secret on sf-creds in engineering to sam by maria";
const RUN: &str = "can_run(engineering, sales-360)";
const MISSING: &str = "missing_permission(engineering, sales-360, sam, sf-creds, can_use_secret)";

/// Change `n` (from 1) of the cycle: assert, retract-and-assert (net nothing, but half of
/// it has can_run false), retract. After revision r, can_run holds iff r % 3 != 0.
fn change(n: u64) -> Value {
    match n % 3 {
        1 => json!({"assert": FIX}),
        2 => json!({"retract": FIX, "assert": FIX}),
        _ => json!({"retract": FIX}),
    }
}

#[test]
fn readers_during_changes_see_only_committed_revisions() {
    let s = Server::start(&[]);
    let done = AtomicBool::new(false);
    let changes = 60;
    std::thread::scope(|scope| {
        let mut readers = Vec::new();
        for _ in 0..3 {
            readers.push(scope.spawn(|| {
                let mut seen = 0u64;
                let mut answers = 0;
                while !done.load(Ordering::Relaxed) || answers < 5 {
                    let (status, body) = s.post_json(
                        "/v1/checks",
                        &json!({"checks": [{"fact": RUN}, {"fact": MISSING}]}),
                    );
                    assert_eq!(status, 200, "{body}");
                    let r = body["revision"].as_u64().unwrap();
                    let run = body["results"][0]["holds"].as_bool().unwrap();
                    let missing = body["results"][1]["holds"].as_bool().unwrap();
                    assert_eq!(
                        run,
                        r % 3 != 0,
                        "revision {r} answered with can_run = {run}: not a committed state"
                    );
                    assert_eq!(
                        missing, !run,
                        "revision {r}: can_run and missing_permission from different states"
                    );
                    assert!(r >= seen, "the revision went back from {seen} to {r}");
                    seen = r;
                    answers += 1;
                }
                answers
            }));
        }
        for n in 1..=changes {
            let (status, body) = s.post_json("/v1/changes", &change(n));
            assert_eq!((status, &body["revision"]), (200, &json!(n)), "{body}");
            // A change is visible to the next read.
            let (_, now) = s.post_json("/v1/check", &json!({"fact": RUN}));
            assert_eq!(
                (&now["revision"], &now["holds"]),
                (&json!(n), &json!(n % 3 != 0))
            );
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() >= 5);
        }
    });
}

/// Reads `count` events of a watch stream (each as its JSON data) within 30 s.
pub fn events(url: String, count: usize) -> mpsc::Receiver<(String, Value)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let resp = agent().get(&url).call().expect("the stream opens");
        assert_eq!(resp.status().as_u16(), 200);
        let reader = BufReader::new(resp.into_body().into_reader());
        let mut kind = String::new();
        let mut sent = 0;
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if let Some(k) = line.strip_prefix("event: ") {
                kind = k.to_string();
            } else if let Some(data) = line.strip_prefix("data: ") {
                let v: Value = serde_json::from_str(data).unwrap();
                if tx.send((kind.clone(), v)).is_err() {
                    return;
                }
                sent += 1;
                if sent == count {
                    return;
                }
            }
        }
    });
    rx
}

pub fn next(rx: &mpsc::Receiver<(String, Value)>) -> (String, Value) {
    rx.recv_timeout(Duration::from_secs(30))
        .expect("an event within 30 s")
}

fn flips(e: &Value) -> (u64, Vec<String>, Vec<String>) {
    let names = |l: &Value| {
        l.as_array()
            .unwrap()
            .iter()
            .map(|d| d["fact"].as_str().unwrap().to_string())
            .collect()
    };
    (
        e["revision"].as_u64().unwrap(),
        names(&e["gained"]),
        names(&e["lost"]),
    )
}

#[test]
fn watch_streams_decision_changes_and_resumes() {
    let s = Server::start(&["--keep-events", "4"]);
    let live = events(s.url("/v1/watch?relations=can_run"), 3);
    // The stream is open once the server has answered the subscription; wait for it by
    // letting a health request through the same server.
    std::thread::sleep(Duration::from_millis(300));
    for n in 1..=6 {
        let mut body = change(n);
        body["author"] = json!(format!("author-{n}"));
        assert_eq!(s.post_json("/v1/changes", &body).0, 200);
    }
    // Revisions 2 and 5 flip no can_run: they are not sent on this stream.
    let (kind, first) = next(&live);
    assert_eq!(kind, "change");
    assert_eq!(flips(&first), (1, vec![RUN.to_string()], vec![]));
    assert_eq!(first["author"], "author-1");
    assert_eq!(first["change"]["assert"], FIX);
    assert_eq!(flips(&next(&live).1), (3, vec![], vec![RUN.to_string()]));
    assert_eq!(flips(&next(&live).1), (4, vec![RUN.to_string()], vec![]));

    // Resume after 3 (kept: 3..6): 4 and 6 again, with every decision relation.
    let resumed = events(s.url("/v1/watch?since=3"), 3);
    let (_, e) = next(&resumed);
    assert_eq!(e["revision"], 4);
    assert!(flips(&e)
        .1
        .contains(&"permission(sam, engineering, sf-creds, can_use_secret)".to_string()));
    assert_eq!(next(&resumed).1["revision"], 5);
    assert_eq!(next(&resumed).1["revision"], 6);

    // Older than what is kept: 410 with where to resume from.
    let (status, body) = s.get("/v1/watch?since=1");
    assert_eq!(
        (status, &body["error"]["code"]),
        (410, &json!("too_old")),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("since=2"),
        "{body}"
    );
    // An unknown relation is refused with a suggestion.
    let (status, body) = s.get("/v1/watch?relations=can_rn");
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("can_run"),
        "{body}"
    );
}
