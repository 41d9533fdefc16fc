//! Runs the `shell-session` blocks of docs/server.md and README.md against real servers:
//! `$ grantlog serve ... &` starts one (on an ephemeral port standing for the one it names),
//! each `$ curl ...` is sent with a real HTTP client and its answer compared with the
//! lines below it, other lines run with `sh`. In the expected JSON a `"..."` value matches
//! any value and a `"...": "..."` member any other members.

use crate::serve_util::{agent, scratch, Server};
use crate::shell_words::shell_words;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// (command, expected lines, where) per `$ ` line of the `shell-session` blocks.
fn sessions(file: &str, text: &str) -> Vec<(String, Vec<String>, String)> {
    let mut out: Vec<(String, Vec<String>, String)> = Vec::new();
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        if let Some(lang) = line.strip_prefix("```") {
            inside = !inside && lang.trim() == "shell-session";
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            out.push((cmd.to_string(), Vec::new(), format!("{file}:{}", i + 1)));
        } else if let Some(last) = out.last_mut() {
            last.1.push(line.to_string());
        }
    }
    out
}

pub fn json_matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(s), _) if s == "..." => true,
        (Value::Object(e), Value::Object(a)) => {
            let open = e.get("...").is_some_and(|v| v == "...");
            let named = e.iter().filter(|(k, _)| *k != "...");
            (open || e.len() == a.len())
                && named
                    .into_iter()
                    .all(|(k, v)| a.get(k).is_some_and(|x| json_matches(v, x)))
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| json_matches(x, y))
        }
        _ => expected == actual,
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let parsed = |s: &str| serde_json::from_str::<Value>(s).ok();
    match (
        expected.strip_prefix("data: "),
        actual.strip_prefix("data: "),
    ) {
        (Some(e), Some(a)) => return line_matches(e, a),
        (None, None) => {}
        _ => return false,
    }
    match (parsed(expected), parsed(actual)) {
        (Some(e), Some(a)) if expected.starts_with('{') => json_matches(&e, &a),
        _ => expected == actual,
    }
}

/// A curl command line sent to the servers started so far; the lines of the answer (as
/// many as `want` for a stream).
fn curl(words: &[String], servers: &HashMap<String, Server>, want: usize) -> Vec<String> {
    let (mut data, mut headers, mut url) = (None, Vec::new(), None);
    let mut it = words[1..].iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "-d" | "--data" => data = it.next().cloned(),
            "-H" => headers.extend(it.next().cloned()),
            w if w.starts_with('-') => assert!(
                w.chars().skip(1).all(|c| "sN".contains(c)),
                "curl option {w} is not supported here"
            ),
            w => url = Some(w.to_string()),
        }
    }
    let url = url.expect("a URL");
    let (host, path) = url.split_at(url.find('/').expect("a path"));
    let server = servers
        .get(host)
        .unwrap_or_else(|| panic!("no server started for {host}"));
    let agent = agent();
    let resp = match data {
        Some(body) => {
            let mut req = agent.post(server.url(path));
            for h in &headers {
                let (k, v) = h.split_once(':').unwrap();
                req = req.header(k.trim(), v.trim());
            }
            req.send(body)
        }
        None => {
            let mut req = agent.get(server.url(path));
            for h in &headers {
                let (k, v) = h.split_once(':').unwrap();
                req = req.header(k.trim(), v.trim());
            }
            req.call()
        }
    }
    .expect("an answer");
    let reader = BufReader::new(resp.into_body().into_reader());
    reader
        .lines()
        .map_while(Result::ok)
        .take(want.max(1))
        .collect()
}

pub(crate) fn run_doc(file: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let dir = scratch(&file.replace(['/', '.'], "-"));
    for sub in ["rules", "examples"] {
        crate::serve_docs::copy_dir(&root.join(sub), &dir.join(sub));
    }
    let mut servers: HashMap<String, Server> = HashMap::new();
    let mut failures = Vec::new();
    let steps = sessions(file, &text);
    assert!(!steps.is_empty(), "{file} has no shell-session block");
    for (cmd, expected, at) in steps {
        let words = shell_words(cmd.trim_end_matches('&').trim()).unwrap();
        if words[..2] == ["grantlog", "serve"] {
            let mut args = Vec::new();
            let mut port = "8080".to_string();
            let mut it = words[2..].iter();
            while let Some(w) = it.next() {
                if w == "--listen" {
                    port = it.next().unwrap().rsplit(':').next().unwrap().to_string();
                } else {
                    args.push(w.as_str());
                }
            }
            let server = Server::start_in(&dir, &args);
            servers.insert(format!("localhost:{port}"), server);
        } else if words[0] == "curl" {
            let stream = cmd.contains("/v1/watch");
            let want = if stream { expected.len() } else { 1 };
            let actual = curl(&words, &servers, want);
            let actual = if stream {
                actual
            } else {
                vec![actual.concat()]
            };
            let same = actual.len() == expected.len()
                && expected
                    .iter()
                    .zip(&actual)
                    .all(|(e, a)| line_matches(e, a));
            if !same {
                failures.push(format!(
                    "{at}: $ {cmd}\n--- documented\n{}\n--- actual\n{}",
                    expected.join("\n"),
                    actual.join("\n")
                ));
            }
        } else {
            let status = std::process::Command::new("sh")
                .args(["-c", &cmd])
                .current_dir(&dir)
                .status()
                .unwrap();
            assert!(status.success(), "{at}: {cmd}");
        }
    }
    failures
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn the_server_docs_answer_as_shown() {
    let failures = run_doc("docs/server.md");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_readme_server_block_answers_as_shown() {
    let failures = run_doc("README.md");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn partial_json_matches_only_what_it_names() {
    let m = |e: &str, a: &str| {
        json_matches(
            &serde_json::from_str(e).unwrap(),
            &serde_json::from_str(a).unwrap(),
        )
    };
    assert!(m(r#"{"a": 1, "...": "..."}"#, r#"{"a": 1, "b": 2}"#));
    assert!(!m(r#"{"a": 1}"#, r#"{"a": 1, "b": 2}"#));
    assert!(!m(r#"{"a": 2, "...": "..."}"#, r#"{"a": 1, "b": 2}"#));
    assert!(m(r#"{"a": "..."}"#, r#"{"a": [1, 2]}"#));
    assert!(!m(r#"[1]"#, r#"[1, 2]"#));
}
