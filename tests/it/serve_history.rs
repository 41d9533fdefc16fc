//! `grantlog serve --data DIR`: every acknowledged change survives `kill -9` at any
//! moment, and nothing half-applied appears after the restart.

use crate::serve_util::{scratch, Server};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn reach(dir: &Path) {
    std::fs::write(
        dir.join("reach.dl"),
        ".decl edge(a: symbol, b: symbol)\n.decl path(a: symbol, b: symbol)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n",
    )
    .unwrap();
    std::fs::write(dir.join("edges.dl"), "edge(start, k0).\n").unwrap();
}

/// A small deterministic generator, seeded from the clock (the seed is printed).
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn kill_9_at_random_moments_loses_nothing_acknowledged() {
    let dir = scratch("kill9");
    reach(&dir);
    let args = ["--rules", "reach.dl", "edges.dl", "--data", "data"];
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}");
    // Change n adds edge(k{n-1}, k{n}): the model at revision r has exactly the chain to k{r}.
    let acked = AtomicU64::new(0);
    for round in 0..8 {
        let mut s = Server::start_in(&dir, &args);
        let at = s.get("/health").1["revision"].as_u64().unwrap();
        let before = acked.load(Ordering::SeqCst);
        assert!(
            at >= before,
            "round {round}: restarted at revision {at}, but {before} were acknowledged"
        );
        assert!(at <= before + 1, "round {round}: revision {at} after {before} acknowledged (one more may have been in flight)");
        acked.store(at, Ordering::SeqCst);
        // The chain is whole: every edge up to k{at}, none past it.
        let (_, c) = s.post_json(
            "/v1/checks",
            &json!({"checks": [{"fact": format!("path(start, k{at})")}, {"fact": format!("edge(k{at}, k{})", at + 1)}]}),
        );
        assert_eq!(c["results"][0]["holds"], true, "round {round}: {c}");
        assert_eq!(c["results"][1]["holds"], false, "round {round}: {c}");
        let stop = AtomicBool::new(false);
        let kill_after = Duration::from_millis(20 + lcg(&mut seed) % 300);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let mut n = acked.load(Ordering::SeqCst);
                while !stop.load(Ordering::SeqCst) {
                    let body = json!({"assert": format!("fact edge(k{n}, k{}).", n + 1)});
                    match s.try_post_json("/v1/changes", &body) {
                        Some((200, b)) => {
                            assert_eq!(b["revision"], n + 1);
                            n += 1;
                            acked.store(n, Ordering::SeqCst);
                        }
                        // The server died under the request: not acknowledged.
                        _ => break,
                    }
                }
            });
            let started = Instant::now();
            while started.elapsed() < kill_after {
                std::thread::sleep(Duration::from_millis(5));
            }
            unsafe {
                libc::kill(s.pid(), libc::SIGKILL);
            }
            stop.store(true, Ordering::SeqCst);
        });
        s.kill9();
    }
    let s = Server::start_in(&dir, &args);
    let n = acked.load(Ordering::SeqCst);
    assert!(n > 8, "too few changes were made to test anything ({n})");
    let (_, h) = s.get(&format!("/v1/history?fact=path(start,%20k{n})"));
    assert_eq!(h["holds"], true, "{h}");
    assert_eq!(h["changes"][0]["revision"], n, "{h}");
}

#[test]
fn a_history_of_other_inputs_is_refused() {
    let dir = scratch("other-inputs");
    reach(&dir);
    let args = ["--rules", "reach.dl", "edges.dl", "--data", "data"];
    {
        let s = Server::start_in(&dir, &args);
        assert_eq!(
            s.post_json("/v1/changes", &json!({"assert": "fact edge(k0, k1)."}))
                .0,
            200
        );
    }
    std::fs::write(dir.join("edges.dl"), "edge(start, other).\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("was recorded on other rules or facts"),
        "{err}"
    );
}

#[test]
fn a_watch_resumes_from_the_database_past_what_memory_keeps() {
    let dir = scratch("watch-db");
    reach(&dir);
    let args = [
        "--rules",
        "reach.dl",
        "edges.dl",
        "--data",
        "data",
        "--keep-events",
        "2",
    ];
    {
        let s = Server::start_in(&dir, &args);
        for n in 0..5 {
            let (status, _) = s.post_json("/v1/changes", &json!({"assert": format!("fact edge(k{n}, k{}).", n + 1), "author": format!("a{n}")}));
            assert_eq!(status, 200);
        }
    }
    let s = Server::start_in(&dir, &args);
    let resp = crate::serve_util::agent()
        .get(s.url("/v1/watch?since=0"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let reader = std::io::BufReader::new(resp.into_body().into_reader());
    let events: Vec<serde_json::Value> = std::io::BufRead::lines(reader)
        .map_while(Result::ok)
        .filter_map(|l| {
            l.strip_prefix("data: ")
                .map(|d| serde_json::from_str(d).unwrap())
        })
        .take(5)
        .collect();
    let seen: Vec<(u64, String)> = events
        .iter()
        .map(|e| {
            (
                e["revision"].as_u64().unwrap(),
                e["author"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        (1..=5)
            .map(|r| (r, format!("a{}", r - 1)))
            .collect::<Vec<_>>()
    );
    // Every path the first change made is in its event, from the database.
    assert_eq!(
        events[0]["gained"].as_array().unwrap().len(),
        2,
        "{}",
        events[0]
    );
}
