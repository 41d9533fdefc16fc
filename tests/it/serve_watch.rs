//! `grantlog serve --watch`: an edited fact file is applied as a change; a broken one
//! keeps the last good revision serving and is reported, located, in /health.

use crate::serve_util::{scratch, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Polls /health until `ok` accepts it (at most 20 s).
fn health_until(s: &Server, ok: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (_, h) = s.get("/health");
        if ok(&h) {
            return h;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "health never became as expected: {h}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Replaces a file as exports and editors do: written beside, then renamed over it.
fn replace(path: &std::path::Path, text: &str) {
    let beside = path.with_extension("tmp");
    std::fs::write(&beside, text).unwrap();
    std::fs::rename(&beside, path).unwrap();
}

#[test]
fn edited_fact_files_are_changes_and_broken_ones_keep_the_last_good_revision() {
    let dir = scratch("watch-files");
    std::fs::write(
        dir.join("reach.dl"),
        ".decl edge(a: symbol, b: symbol)\n.decl path(a: symbol, b: symbol)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n",
    )
    .unwrap();
    std::fs::write(dir.join("edges.dl"), "edge(a, b).\nedge(b, c).\n").unwrap();
    let s = Server::start_in(&dir, &["--rules", "reach.dl", "--watch", "edges.dl"]);
    assert_eq!(
        s.post_json("/v1/check", &json!({"fact": "path(a, d)"})).1["holds"],
        false
    );

    replace(
        &dir.join("edges.dl"),
        "edge(a, b).\nedge(b, c).\nedge(c, d).\n",
    );
    let h = health_until(&s, |h| h["revision"] == 1);
    assert_eq!(
        h["files"],
        json!({"ok": true, "removed": 0, "added": 1, "revision": 1})
    );
    assert_eq!(
        s.post_json("/v1/check", &json!({"fact": "path(a, d)"})).1["holds"],
        true
    );
    let (_, history) = s.get("/v1/history?fact=path(a,%20d)");
    assert_eq!(history["changes"][0]["source"], "watch", "{history}");
    assert_eq!(
        history["changes"][0]["change"]["assert"],
        "fact edge(c, d).\n"
    );

    // A broken file: reported with its place, the model stays at revision 1.
    replace(&dir.join("edges.dl"), "edge(a, b).\nedge(b c).\n");
    let h = health_until(&s, |h| h["status"] == "degraded");
    let d = &h["files"]["diagnostics"][0];
    assert_eq!(
        (&d["location"]["file"], &d["location"]["line"]),
        (&json!("edges.dl"), &json!(2)),
        "{h}"
    );
    assert_eq!(h["revision"], 1);
    assert_eq!(
        s.post_json("/v1/check", &json!({"fact": "path(a, d)"})).1["holds"],
        true
    );

    // Fixed, with an edge removed: the difference from the last good reading applies.
    replace(&dir.join("edges.dl"), "edge(a, b).\nedge(c, d).\n");
    let h = health_until(&s, |h| h["revision"] == 2);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["files"]["removed"], 1);
    assert_eq!(
        s.post_json("/v1/check", &json!({"fact": "path(a, d)"})).1["holds"],
        false
    );
}

#[test]
fn watch_with_data_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args([
            "serve",
            "--watch",
            "--data",
            "d",
            "examples/worked-example.facts",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--watch with --data is not supported yet")
    );
}
