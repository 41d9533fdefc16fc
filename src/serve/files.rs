//! `--watch`: the fact files as the source of truth. When a watched file changes, the
//! facts are read again, compared with those read last time, and the difference (base
//! facts removed and added) is applied as a change like any other, through the
//! incremental engine: streamed, answered by `/v1/history`, with `source: "watch"`.
//!
//! A file that no longer loads (or a difference that does not apply) keeps the last good
//! revision serving; the located diagnostics are in `/health` and on stderr. A change to
//! a rule file is applied too: the new rules are built beside the running model and
//! swapped in as one revision ([`super::reload`]).

use super::changes::{change, ChangeRequest};
use super::state::Server;
use crate::diag::Diagnostic;
use crate::load::Text;
use crate::program::Program;
use crate::source::SourceMap;
use crate::syntax::ast::Const;
use crate::watcher::FileWatch;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use std::time::Duration;

/// Editors write a file in several steps, an export many files: events closer than this
/// are one change (longer than [`crate::watcher::SETTLE`]: each change is a revision).
const SETTLE: Duration = Duration::from_millis(200);

/// What `/health` says of the watched files.
#[derive(Default)]
pub struct FileStatus {
    /// `None` until the first change; then the outcome of the last one.
    pub last: Mutex<Option<Json>>,
}

impl FileStatus {
    fn set(&self, v: Json) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
    }

    pub fn get(&self) -> Option<Json> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The paths to read again, as the command line named them.
pub struct Watched {
    pub rules: Vec<PathBuf>,
    pub facts: Vec<PathBuf>,
}

/// A base fact as (relation, values).
type Base = (String, Vec<Const>);

/// Starts watching on a thread of its own; the facts given are those the model was
/// opened from.
pub fn start(
    server: Arc<Server>,
    watched: Watched,
    rules: Vec<Text>,
    facts: Vec<Text>,
) -> Result<(), String> {
    let mut files = FileWatch::new().map_err(|e| format!("error: {e}"))?;
    let paths: Vec<PathBuf> = watched
        .rules
        .iter()
        .chain(&watched.facts)
        .cloned()
        .collect();
    // The files were just read, so each exists; one that does not is said here rather
    // than watched for its creation.
    if let Some((p, e)) = paths
        .iter()
        .find_map(|p| std::fs::canonicalize(p).err().map(|e| (p, e)))
    {
        return Err(format!("error: --watch: `{}`: {e}", p.display()));
    }
    files
        .add(&paths)
        .map_err(|e| format!("error: --watch: {e}"))?;
    let program = Arc::clone(server.read().ws.model.program_arc());
    let last = match base_facts(&facts, &program) {
        Ok(b) => b,
        Err((d, sources)) => return Err(crate::diag::render_all(&d, &sources)),
    };
    let mut served = Served {
        rules,
        program,
        last,
    };
    std::thread::spawn(move || {
        while files.next_change(SETTLE).is_some() {
            if !*server.stopping.borrow() {
                reread(&server, &watched, &mut served);
            }
        }
    });
    Ok(())
}

/// What the files said at the last reading that applied: the rule texts, their program,
/// and the base facts.
struct Served {
    rules: Vec<Text>,
    program: Arc<Program>,
    last: BTreeSet<Base>,
}

/// Reads the files again and applies what changed: new rules swapped in, then the
/// difference of the facts.
fn reread(server: &Server, watched: &Watched, served: &mut Served) {
    let fail = |what: &str, diags: Json, text: String| {
        eprintln!(
            "grantlog serve: --watch: {what}; still serving revision {}\n{text}",
            server.revision()
        );
        server.files.set(json!({"ok": false, "message": what, "diagnostics": diags, "serving": server.revision()}));
    };
    let inputs = match crate::inputs::gather(&watched.rules, &watched.facts) {
        Ok(i) => i,
        Err(d) => {
            let sources = SourceMap::new();
            fail(
                "the files could not be read",
                to_json(&d, &sources),
                crate::diag::render_all(&d, &sources),
            );
            return;
        }
    };
    let changed = changed_rules(&served.rules, &inputs.rules);
    if !changed.is_empty() {
        match super::reload::swap_rules(server, &inputs.rules, &inputs.facts, changed.clone()) {
            Ok(swapped) => {
                eprintln!(
                    "grantlog serve: --watch: new rules ({}): {} decision(s) gained, {} lost: revision {}",
                    changed.join(", "),
                    swapped.gained,
                    swapped.lost,
                    swapped.revision
                );
                server.files.set(super::reload::status(&swapped, &changed));
                served.rules = inputs.rules.clone();
                served.program = Arc::clone(server.read().ws.model.program_arc());
                if swapped.reopened {
                    // Opened from the files as they are: nothing of theirs is left to apply.
                    if let Ok(now) = base_facts(&inputs.facts, &served.program) {
                        served.last = now;
                    }
                    return;
                }
            }
            Err(r) => {
                fail(r.message, r.diagnostics, r.text);
                return;
            }
        }
    }
    let program = &served.program;
    let last = &served.last;
    let now = match base_facts(&inputs.facts, program) {
        Ok(b) => b,
        Err((d, sources)) => {
            fail(
                "a fact file does not load",
                to_json(&d, &sources),
                crate::diag::render_all(&d, &sources),
            );
            return;
        }
    };
    let removed: Vec<&Base> = last.difference(&now).collect();
    let added: Vec<&Base> = now.difference(last).collect();
    if removed.is_empty() && added.is_empty() {
        return;
    }
    let req = ChangeRequest {
        retract: Some(as_text(&removed)),
        assert: Some(as_text(&added)),
        author: Some("files".into()),
        ..ChangeRequest::default()
    };
    match change(server, &req, "watch") {
        Ok(answer) => {
            eprintln!(
                "grantlog serve: --watch: {} fact(s) removed, {} added: revision {}",
                removed.len(),
                added.len(),
                answer["revision"]
            );
            server.files.set(json!({"ok": true, "removed": removed.len(), "added": added.len(), "revision": answer["revision"]}));
            served.last = now;
        }
        Err(e) => {
            let text = e.body.to_string();
            fail(
                "the change from the files did not apply",
                e.body["error"].clone(),
                text,
            );
        }
    }
}

/// The names of the rule files whose text differs (added and removed ones included).
fn changed_rules(before: &[Text], now: &[Text]) -> Vec<String> {
    let mut names: Vec<String> = now
        .iter()
        .filter(|t| !before.iter().any(|b| b.name == t.name && b.text == t.text))
        .chain(
            before
                .iter()
                .filter(|b| !now.iter().any(|t| t.name == b.name)),
        )
        .map(|t| t.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn to_json(d: &[Diagnostic], sources: &SourceMap) -> Json {
    Json::Array(d.iter().map(|d| d.to_json(sources)).collect())
}

/// Base facts as `fact` statements, one a line.
fn as_text(facts: &[&Base]) -> String {
    facts
        .iter()
        .map(|(rel, values)| {
            let args: Vec<String> = values.iter().map(ToString::to_string).collect();
            format!("fact {rel}({}).\n", args.join(", "))
        })
        .collect()
}

/// The base facts fact texts state (statement files read as one sequence, raw fact
/// files checked against the program), without evaluating anything.
fn base_facts(
    texts: &[Text],
    program: &Program,
) -> Result<BTreeSet<Base>, (Vec<Diagnostic>, SourceMap)> {
    let mut sources = SourceMap::new();
    let mut out = BTreeSet::new();
    let mut statements = Vec::new();
    let mut errors = Vec::new();
    for t in texts {
        let file = sources.add(t.name.clone(), t.text.clone());
        if crate::load::is_statement_text(&t.name, &t.text) {
            statements.push(file);
            continue;
        }
        match crate::load::check_fact_file(&sources, file, program) {
            Ok(facts) => out.extend(
                facts
                    .facts
                    .into_iter()
                    .map(|(rel, values, _)| (program.relation_name(rel).to_string(), values)),
            ),
            Err(d) => errors.extend(d),
        }
    }
    if !statements.is_empty() {
        match crate::load::read_statement_files(
            &crate::facts::Instance::new(),
            &sources,
            &statements,
        ) {
            Ok(changes) => {
                let gone: BTreeSet<Base> = changes
                    .remove
                    .iter()
                    .map(|b| (b.relation.clone(), b.values.clone()))
                    .collect();
                out.extend(
                    changes
                        .add
                        .into_iter()
                        .map(|b| (b.relation, b.values))
                        .filter(|b| !gone.contains(b)),
                );
            }
            Err(d) => errors.extend(d),
        }
    }
    if errors.iter().any(Diagnostic::is_error) {
        return Err((errors, sources));
    }
    Ok(out)
}
