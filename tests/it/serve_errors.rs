//! `grantlog serve`: bad requests are JSON 4xx with the located diagnostic; the token;
//! limits; the listen address.

use crate::serve_util::{scratch, Server};
use serde_json::json;
use std::process::Command;

#[test]
fn malformed_requests_are_400_with_the_place() {
    let s = Server::start(&[]);
    let (status, body) = s.post("/v1/check", "{\"fact\": ");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_json")),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{body}"
    );
    let (status, body) = s.post("/v1/check", r#"{"fakt": "p(a)"}"#);
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("fakt"),
        "{body}"
    );

    // Unknown relation: located in the field, with a suggestion.
    let (status, body) = s.post_json(
        "/v1/check",
        &json!({"fact": "can_rn(engineering, sales-360)"}),
    );
    assert_eq!(status, 400);
    let d = &body["error"]["diagnostics"][0];
    assert_eq!(d["code"], "E0101");
    assert_eq!(
        d["location"],
        json!({"file": "fact", "line": 1, "column": 1})
    );
    assert!(d["help"].as_str().unwrap().contains("can_run"), "{body}");

    // Wrong arity.
    let (status, body) = s.post_json("/v1/query", &json!({"query": "can_run(T)"}));
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("E0102")),
        "{body}"
    );
    // A variable in a check: its column.
    let (status, body) = s.post_json("/v1/check", &json!({"fact": "can_run(engineering, W)"}));
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["diagnostics"][0]["location"]["column"], 22,
        "{body}"
    );
    // A query that does not parse.
    let (status, body) = s.post_json("/v1/query", &json!({"query": "can_run(T, "}));
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["diagnostics"][0]["location"]["file"], "query",
        "{body}"
    );
    // An empty change.
    let (status, body) = s.post_json("/v1/changes", &json!({}));
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("empty_change"))
    );
    // Unknown paths and methods are JSON too.
    assert_eq!(s.get("/v2/nothing").0, 404);
    let (status, body) = s.get("/v1/check");
    assert_eq!(
        (status, &body["error"]["code"]),
        (405, &json!("method_not_allowed"))
    );
    // The server is still at revision 0 and answering.
    assert_eq!(s.get("/health").1["revision"], 0);
}

#[test]
fn a_body_over_the_limit_is_413() {
    let s = Server::start(&["--max-body", "200"]);
    let big = json!({"assert": format!("fact onboarding_delegated({}).", "x".repeat(400))});
    let (status, body) = s.post_json("/v1/changes", &big);
    assert_eq!(
        (status, &body["error"]["code"]),
        (413, &json!("too_large")),
        "{body}"
    );
    assert_eq!(
        s.post_json(
            "/v1/check",
            &json!({"fact": "can_run(engineering, sales-360)"})
        )
        .0,
        200
    );
}

#[test]
fn changes_need_the_token_and_reads_do_not() {
    let dir = scratch("token");
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let token = dir.join("token");
    let s = Server::start(&["--token-file", token.to_str().unwrap()]);
    let change =
        json!({"assert": "grant can_use_secret on sf-creds in engineering to sam by maria"});
    let (status, body) = s.post_json("/v1/changes", &change);
    assert_eq!((status, &body["error"]["code"]), (401, &json!("no_token")));
    let (status, body) = s.post_with_token("/v1/changes", &change, "guess");
    assert_eq!((status, &body["error"]["code"]), (401, &json!("bad_token")));
    assert_eq!(
        s.get("/health").1["revision"],
        0,
        "a refused change was applied"
    );
    let (status, body) = s.post_with_token("/v1/changes", &change, "s3cret");
    assert_eq!((status, &body["revision"]), (200, &json!(1)), "{body}");
    let (status, _) = s.post_json(
        "/v1/check",
        &json!({"fact": "can_run(engineering, sales-360)"}),
    );
    assert_eq!(status, 200);
}

#[test]
fn a_non_loopback_listen_without_a_token_refuses_to_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0 without a token"),
        "{err}"
    );
    assert!(err.contains("--token-file"), "{err}");
}

#[test]
fn a_change_over_the_tuple_limit_is_422_and_changes_nothing() {
    let dir = scratch("limit");
    std::fs::write(
        dir.join("reach.dl"),
        ".decl edge(a: symbol, b: symbol)\n.decl path(a: symbol, b: symbol)\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n",
    )
    .unwrap();
    let chain: String = (0..9)
        .map(|i| format!("edge(n{i}, n{}).\n", i + 1))
        .collect();
    std::fs::write(dir.join("edges.dl"), chain).unwrap();
    // 9 edges and 45 paths held; a cycle would make 100 paths, over the limit of 90.
    let s = Server::start_in(
        &dir,
        &["--rules", "reach.dl", "edges.dl", "--max-tuples", "90"],
    );
    let (status, body) = s.post_json("/v1/changes", &json!({"assert": "fact edge(n9, n0)."}));
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("E0401")),
        "{body}"
    );
    let (_, q) = s.post_json("/v1/check", &json!({"fact": "path(n9, n0)"}));
    assert_eq!((&q["holds"], &q["revision"]), (&json!(false), &json!(0)));
    let (_, q) = s.post_json("/v1/check", &json!({"fact": "edge(n9, n0)"}));
    assert_eq!(q["holds"], false, "the failed change left its fact");
    // Within the limit, a change of other rules reports their derived relations.
    let (status, body) = s.post_json("/v1/changes", &json!({"retract": "fact edge(n4, n5)."}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["lost"].as_array().unwrap().len(), 5 * 5, "{body}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut s = Server::start(&[]);
    assert_eq!(s.get("/ready").0, 200);
    // An open event stream does not hold the shutdown up.
    let stream = crate::serve_util::agent()
        .get(s.url("/v1/watch"))
        .call()
        .unwrap();
    assert_eq!(stream.status().as_u16(), 200);
    let status = s.terminate();
    assert_eq!(status.code(), Some(0));
    drop(stream);
    assert!(s.log.lock().unwrap().contains("grantlog serve: stopped"));
}
