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
    let h = health_until(&s, |h| h["files"]["revision"] == 1);
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
    let h = health_until(&s, |h| h["files"]["revision"] == 2);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["files"]["removed"], 1);
    assert_eq!(
        s.post_json("/v1/check", &json!({"fact": "path(a, d)"})).1["holds"],
        false
    );
}

const REACH: &str = ".decl edge(a: symbol, b: symbol)\n.decl path(a: symbol, b: symbol)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n";

#[test]
fn edited_rule_files_are_swapped_in_as_a_revision_and_broken_ones_keep_the_last_good() {
    let dir = scratch("watch-rules");
    std::fs::write(dir.join("reach.dl"), REACH).unwrap();
    std::fs::write(dir.join("edges.dl"), "edge(a, b).\nedge(b, c).\n").unwrap();
    let s = Server::start_in(&dir, &["--watch", "--rules", "reach.dl", "edges.dl"]);
    let stream = crate::serve_stream::events(s.url("/v1/watch?relations=path"), 2);
    let check = |fact: &str| s.post_json("/v1/check", &json!({ "fact": fact })).1;
    assert_eq!(check("path(a, c)")["holds"], true);

    // Paths of one edge only: path(a, c) is lost, in one revision.
    let one_step = REACH.replace("path(X, Z) :- path(X, Y), edge(Y, Z).\n", "");
    replace(&dir.join("reach.dl"), &one_step);
    let h = health_until(&s, |h| h["files"]["revision"] == 1);
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(
        (
            &h["files"]["rules"],
            &h["files"]["gained"],
            &h["files"]["lost"]
        ),
        (&json!(["reach.dl"]), &json!(0), &json!(1)),
        "{h}"
    );
    let now = check("path(a, c)");
    assert_eq!(
        (&now["holds"], &now["revision"]),
        (&json!(false), &json!(1))
    );
    assert_eq!(check("path(a, b)")["holds"], true);
    let (kind, e) = crate::serve_stream::next(&stream);
    assert_eq!(kind, "change", "{e}");
    assert_eq!(
        (&e["revision"], &e["source"], &e["change"]["rules"]),
        (&json!(1), &json!("watch"), &json!(["reach.dl"])),
        "{e}"
    );
    assert_eq!(e["lost"][0]["fact"], "path(a, c)", "{e}");
    assert_eq!(e["gained"], json!([]), "{e}");
    let (_, history) = s.get("/v1/history?fact=path(a,%20c)");
    assert_eq!(
        (
            &history["changes"][0]["revision"],
            &history["changes"][0]["holds"]
        ),
        (&json!(1), &json!(false)),
        "{history}"
    );

    // A rule that does not compile: located in /health, revision 1 keeps serving.
    replace(
        &dir.join("reach.dl"),
        &format!("{one_step}path(X, Z) :- path(X, Y), edge(Y Z).\n"),
    );
    let h = health_until(&s, |h| h["status"] == "degraded");
    let d = &h["files"]["diagnostics"][0];
    assert_eq!(
        (&d["location"]["file"], &d["location"]["line"]),
        (&json!("reach.dl"), &json!(4)),
        "{h}"
    );
    assert_eq!(
        (&h["revision"], &h["files"]["serving"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(check("path(a, c)")["holds"], false);

    // Fixed: the rules are swapped in, path(a, c) is gained back.
    replace(&dir.join("reach.dl"), REACH);
    let h = health_until(&s, |h| h["files"]["revision"] == 2);
    assert_eq!(
        (&h["status"], &h["files"]["gained"], &h["files"]["lost"]),
        (&json!("ok"), &json!(1), &json!(0)),
        "{h}"
    );
    let (_, e) = crate::serve_stream::next(&stream);
    assert_eq!(
        (&e["revision"], &e["gained"][0]["fact"]),
        (&json!(2), &json!("path(a, c)")),
        "{e}"
    );
    // A fact edit after the swap is read under the new rules.
    replace(
        &dir.join("edges.dl"),
        "edge(a, b).\nedge(b, c).\nedge(c, d).\n",
    );
    health_until(&s, |h| h["files"]["revision"] == 3);
    assert_eq!(check("path(a, d)")["holds"], true);
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
