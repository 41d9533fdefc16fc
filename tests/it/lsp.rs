//! `grantlog lsp` driven by a scripted client: JSON-RPC with Content-Length framing over
//! the binary's stdin/stdout. Every wait has a deadline, so a hung server fails the test.

use super::cli_run::grantlog;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

pub(crate) struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
}

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A fresh folder for one test's documents (they need not exist on disk to be opened).
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grantlog-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Client {
    /// Start the server and complete `initialize` / `initialized`.
    pub(crate) fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_grantlog"))
            .arg("lsp")
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start grantlog lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_frame(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let mut c = Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            next_id: 0,
        };
        let init = c.request(
            "initialize",
            json!({"capabilities": {}, "rootUri": uri(Path::new(root()))}),
        );
        assert_eq!(init["capabilities"]["hoverProvider"], json!(true), "{init}");
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response's `result` (an error fails the test).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let msg = self.wait_for(|m| m["id"] == json!(id));
        assert!(msg.get("error").is_none(), "{method}: {msg}");
        msg["result"].clone()
    }

    fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if want(&m) => return m,
                Ok(_) => {}
                Err(e) => panic!("no answer from grantlog lsp within {WAIT:?}: {e}"),
            }
        }
    }

    /// Open (or, with `version` > 1, replace) a document; its published diagnostics.
    pub(crate) fn open(&mut self, path: &Path, text: &str) -> Vec<Value> {
        let u = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "grantlog", "version": 1, "text": text}}),
        );
        self.diagnostics(&u)
    }

    fn change(&mut self, path: &Path, text: &str) -> Vec<Value> {
        let u = uri(path);
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": text}]}),
        );
        self.diagnostics(&u)
    }

    fn diagnostics(&mut self, u: &str) -> Vec<Value> {
        let m = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// A request at the position of the `nth` occurrence of `needle` in `text`, `after`
    /// bytes into it.
    fn at(&mut self, method: &str, path: &Path, text: &str, needle: &str, after: usize) -> Value {
        let offset = text.match_indices(needle).next().expect(needle).0 + after;
        let line = text[..offset].matches('\n').count();
        let character = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
        self.request(
            method,
            json!({
                "textDocument": {"uri": uri(path)},
                "position": {"line": line, "character": character},
                "context": {"includeDeclaration": true},
            }),
        )
    }

    /// `shutdown` then `exit`; the exit status, waited for with a deadline.
    pub(crate) fn finish(mut self, shutdown: bool) -> i32 {
        if shutdown {
            assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        }
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "grantlog lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// (line, character) of a range's start and end.
fn range(d: &Value) -> [u64; 4] {
    let p = |k: &str, f: &str| d["range"][k][f].as_u64().unwrap();
    [
        p("start", "line"),
        p("start", "character"),
        p("end", "line"),
        p("end", "character"),
    ]
}

const BROKEN: &str = ".decl edge(a: symbol, b: symbol)
.decl path(a: symbol, b: symbol)
edge(a, b).
path(X, Y) :- edg(X, Y).
";

#[test]
fn diagnostics_are_the_cli_ones_and_follow_the_edits() {
    let dir = scratch("diag");
    let file = dir.join("graph.dl");
    std::fs::write(&file, BROKEN).unwrap();
    let (_, cli, status) = grantlog(&["check", file.to_str().unwrap()]);
    assert_eq!(status, 1, "{cli}");
    let mut c = Client::start();
    let diags = c.open(&file, BROKEN);
    let errors: Vec<&Value> = diags.iter().filter(|d| d["severity"] == 1).collect();
    assert_eq!(errors.len(), 1, "{diags:?}");
    let e = errors[0];
    assert_eq!(e["code"], "E0101");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown relation `edg`"),
        "{e}"
    );
    // `edg` is on line 4, columns 15..18 (1-based), as the CLI reports it.
    assert_eq!(range(e), [3, 14, 3, 17]);
    assert!(
        cli.contains("error[E0101]: unknown relation `edg`"),
        "{cli}"
    );
    assert!(cli.contains(&format!("{}:4:15", file.display())), "{cli}");
    // Every diagnostic the CLI printed (errors and warnings) is published, by code.
    for d in &diags {
        let code = d["code"].as_str().unwrap();
        assert!(cli.contains(&format!("[{code}]")), "{code} not in {cli}");
    }
    let fixed = BROKEN.replace("edg(", "edge(");
    assert_eq!(c.change(&file, &fixed), Vec::<Value>::new());
    assert_eq!(c.finish(true), 0);
}

#[test]
fn facts_files_are_checked_against_the_shipped_rules_with_utf16_columns() {
    let dir = scratch("facts");
    let file = dir.join("mini.facts");
    let text =
        "// a comment\ntenant engineering.\ngrant can_edt on d in engineering to sam by ana.\n";
    let mut c = Client::start();
    let diags = c.open(&file, text);
    let perm = diags.iter().find(|d| d["code"] == "F0304").expect("F0304");
    assert_eq!(range(perm), [2, 6, 2, 13]);
    assert!(
        perm["message"].as_str().unwrap().contains("can_edit"),
        "{perm}"
    );
    // 'é' is 2 bytes but 1 UTF-16 unit: `can_edt` starts at unit 14 (byte 15).
    let accented = c.open(
        &dir.join("accent.facts"),
        "tenant x.\ngrant /* é */ can_edt on d in x to s by a.\n",
    );
    let perm = accented
        .iter()
        .find(|d| d["code"] == "F0304")
        .expect("F0304");
    assert_eq!(range(perm), [1, 14, 1, 21]);
    let _ = c.finish(true);
}

#[test]
fn hover_on_a_shipped_relation_shows_its_declaration_doc_and_statements() {
    let rules = std::fs::read_to_string(Path::new(root()).join("rules/dataos.dl")).unwrap();
    let statements =
        std::fs::read_to_string(Path::new(root()).join("rules/STATEMENTS.md")).unwrap();
    let lines: Vec<&str> = rules.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(".decl tenant_role("))
        .unwrap();
    let doc = lines[at - 1].trim_start_matches("/// ");
    let s8 = statements
        .lines()
        .find(|l| l.starts_with("- **S8** "))
        .unwrap();
    let dir = scratch("hover");
    let file = dir.join("roles.test");
    let text = "test t \"roles\":\n  expect tenant_role(U, engineering, R).\n";
    let mut c = Client::start();
    assert_eq!(c.open(&file, text), Vec::<Value>::new());
    let hover = c.at("textDocument/hover", &file, text, "tenant_role", 3);
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains(lines[at]), "{shown}");
    assert!(shown.contains(doc), "{shown}");
    assert!(
        shown.contains(&format!("rules/dataos.dl:{}", at + 1)),
        "{shown}"
    );
    assert!(shown.contains(s8), "{shown}");
    // The definition is the shipped file's `.decl` line.
    let def = c.at("textDocument/definition", &file, text, "tenant_role", 0);
    assert_eq!(
        def[0]["uri"],
        uri(&Path::new(root()).join("rules/dataos.dl")),
        "{def}"
    );
    assert_eq!(def[0]["range"]["start"]["line"], json!(at));
    let _ = c.finish(true);
}

const GRAPH: &str = ".decl edge(a: symbol, b: symbol)
.decl path(a: symbol, b: symbol)
edge(a, b).
@base
path(X, Y) :- edge(X, Y).
@step
path(X, Z) :- path(X, Y), edge(Y, Z).
";

#[test]
fn definition_and_references_of_relations_and_rule_names() {
    let file = scratch("nav").join("graph.dl");
    let mut c = Client::start();
    c.open(&file, GRAPH);
    // From `edge` in the first rule's body to its `.decl`.
    let def = c.at("textDocument/definition", &file, GRAPH, ":- edge", 4);
    assert_eq!(def.as_array().unwrap().len(), 1, "{def}");
    assert_eq!(range(&def[0]), [0, 6, 0, 10]);
    let refs = c.at("textDocument/references", &file, GRAPH, ".decl edge", 7);
    let mut starts: Vec<[u64; 4]> = refs.as_array().unwrap().iter().map(range).collect();
    starts.sort();
    assert_eq!(
        starts,
        [[0, 6, 0, 10], [2, 0, 2, 4], [4, 14, 4, 18], [6, 26, 6, 30]]
    );
    let rule = c.at("textDocument/definition", &file, GRAPH, "@step", 2);
    assert_eq!(range(&rule[0]), [5, 1, 5, 5]);
    let hover = c.at("textDocument/hover", &file, GRAPH, "@step", 2);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("path(X, Z) :- path(X, Y), edge(Y, Z)."),
        "{hover}"
    );
    let _ = c.finish(true);
}

#[test]
fn definition_and_references_of_facts_names() {
    let file = scratch("names").join("team.facts");
    let text = "user sam type person.\nuser ana type person.\ntenant eng.\ninvite sam to eng by ana as Data Admin.\nrole ana in eng: Tenant Admin.\n";
    let mut c = Client::start();
    c.open(&file, text);
    let def = c.at("textDocument/definition", &file, text, "invite sam", 7);
    assert_eq!(range(&def[0]), [0, 5, 0, 8], "{def}");
    let refs = c.at("textDocument/references", &file, text, "tenant eng", 8);
    let lines: Vec<u64> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| range(r)[0])
        .collect();
    assert_eq!(lines, [2, 3, 4], "{refs}");
    let hover = c.at("textDocument/hover", &file, text, "by ana", 4);
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("user ana type person.") && shown.contains("team.facts:2"),
        "{shown}"
    );
    let _ = c.finish(true);
}

#[test]
fn completion_offers_what_the_prefix_starts() {
    let dir = scratch("complete");
    let mut c = Client::start();
    let rules = dir.join("more.dl");
    let dl = ".decl tenant_member(u: symbol)\n.decl other(u: symbol)\nother(U) :- tenant_m";
    c.open(&rules, dl);
    let items = c.at("textDocument/completion", &rules, dl, "tenant_m", 8);
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["tenant_member"], "{items}");
    let facts = dir.join("g.facts");
    let text = "user sam type person.\ngrant can_use_d";
    c.open(&facts, text);
    let items = c.at("textDocument/completion", &facts, text, "can_use_d", 9);
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["can_use_depot"], "{items}");
    let text = "user sam type person.\ngrant can_edit on d in t to s";
    c.change(&facts, text);
    let items = c.at("textDocument/completion", &facts, text, "to s", 4);
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"sam") && labels.contains(&"secret"),
        "{items}"
    );
    assert!(!labels.contains(&"can_edit"), "{items}");
    let _ = c.finish(true);
}

#[test]
fn exit_status_is_0_after_shutdown_and_1_without() {
    assert_eq!(Client::start().finish(true), 0);
    assert_eq!(Client::start().finish(false), 1);
}

#[test]
fn the_readme_editor_configurations_start_the_server_these_tests_start() {
    let readme = std::fs::read_to_string(Path::new(root()).join("README.md")).unwrap();
    let section = readme
        .split("## Editor support")
        .nth(1)
        .expect("an Editor support section");
    let section = section.split("\n## ").next().unwrap();
    // Neovim and Helix both run `grantlog lsp`, the command `Client::start` runs.
    assert!(
        section.contains(r#"cmd = { "grantlog", "lsp" }"#),
        "{section}"
    );
    assert!(
        section.contains("command = \"grantlog\"\nargs = [\"lsp\"]"),
        "{section}"
    );
    for ext in ["dl", "facts", "test"] {
        assert!(
            section.contains(&format!("{ext} = \"grantlog\"")),
            "{section}"
        );
        assert!(section.contains(&format!("\"{ext}\"")), "{section}");
    }
    let (help, _, status) = grantlog(&["lsp", "--help"]);
    assert_eq!(status, 0);
    assert!(help.contains("Editor support"), "{help}");
}

/// A `.` with no statement before it crashed the test-file parser (and with it
/// `grantlog test` and this server, as soon as one typed `..`).
#[test]
fn a_stray_dot_in_a_test_file_is_a_diagnostic_not_a_crash() {
    let dir = scratch("dot");
    let file = dir.join("dot.test");
    let text = "test t \"x\":\n  expect tenant(engineering)..\n";
    std::fs::write(&file, text).unwrap();
    let (out, err, status) = grantlog(&["test", file.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}{err}");
    assert!(out.contains("T0008"), "{out}{err}");
    let mut c = Client::start();
    let diags = c.open(&file, text);
    let dot = diags.iter().find(|d| d["code"] == "T0008").expect("T0008");
    // The second `.`: columns 30..31 (1-based).
    assert_eq!(range(dot), [1, 29, 1, 30], "{dot}");
    assert_eq!(c.finish(true), 0);
}

#[test]
fn facts_beside_rule_files_are_read_with_them_and_rechecked_when_they_change() {
    let dir = scratch("beside");
    let (rules, facts) = (dir.join("policy.dl"), dir.join("team.facts"));
    let policy = ".decl tenant(tenant: symbol)\n.decl known(t: symbol)\nknown(T) :- tenant(T).\n";
    let mut c = Client::start();
    c.open(&rules, policy);
    assert_eq!(c.open(&facts, "tenant eng.\n"), Vec::<Value>::new());
    // Without `tenant` in the rules beside it, the statement has nothing to feed.
    c.change(&rules, ".decl known(t: symbol)\n");
    let diags = c.diagnostics(&uri(&facts));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "E0101", "{diags:?}");
    assert_eq!(range(&diags[0]), [0, 0, 0, 11]);
    // In a rule file a role is a quoted constant.
    let text = "p(U) :- tenant_role(U, T, Data";
    c.change(&rules, text);
    let items = c.at("textDocument/completion", &rules, text, "Data", 4);
    let admin = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "Data Admin");
    assert_eq!(
        admin.expect("Data Admin")["insertText"],
        "\"Data Admin\"",
        "{items}"
    );
    let _ = c.finish(true);
}

#[test]
fn formatting_is_grantlog_fmt_as_one_edit() {
    let dir = scratch("fmt");
    let file = dir.join("messy.facts");
    let messy =
        std::fs::read_to_string(Path::new(root()).join("tests/fixtures/fmt/messy.facts")).unwrap();
    let tidy =
        std::fs::read_to_string(Path::new(root()).join("tests/fixtures/fmt/messy.facts.expected"))
            .unwrap();
    let mut c = Client::start();
    c.open(&file, &messy);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&file)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = edits.as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(edits[0]["newText"], json!(tidy));
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    c.change(&file, &tidy);
    let none = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&file)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(none, json!([]), "a formatted document needs no edit");
}
