//! Reading what a DataOS administrator already has, as `.facts` statements: resource
//! and grant manifests (YAML) and `dataos-ctl` tables. Each file becomes the statement
//! AST the `.facts` parser produces, with spans into the original file, and goes through
//! the same reader ([`crate::facts::Instance::read_parsed`]), so every check (unknown
//! names, did-you-mean, kinds, tenants) applies unchanged and proofs cite the manifest's
//! own file and line.
//!
//! Which file is what: `.facts` is the facts language; `.yaml`/`.yml` are manifests;
//! any other file whose first line (after `dataos-ctl` log lines) is a table header with
//! a NAME column is a `dataos-ctl` table, and so is a `.txt` / `.table` file that holds
//! the CLI's log lines or box drawing (one without a header is error I0302, never raw
//! facts failing line by line); anything else stays a raw fact file.
//!
//! The tenant of a resource: its manifest's top-level `tenant:` if given, else the
//! directory `tenants/NAME/` the file is in; otherwise error I0103.
//!
//! Codes: I0001 YAML syntax error; I0101 missing required field (`name`, `type`,
//! `owner`, a grant's `subjects`, path or approver); I0102 a document that is not a
//! mapping; I0103 no tenant; I0201 warning, a type (or grant use case) not imported,
//! document skipped; I0202 warning, a pending run-as request; I0204 warning, a field
//! that looks like a dependency but is not read; I0301 unrecognised table header; I0302
//! a capture with no table header; I0303 a row whose cells do not line up with the
//! header; I0105 one user or resource stated differently in two exports (the same
//! statement twice is merged); I0002 YAML aliases or nesting past their bounds. Unknown names in what was read are the facts language's F01xx errors.

mod export;
mod grant;
mod manifest;
mod merge;
mod print;
mod table;
mod yaml;

pub use export::manifests_from_facts;
pub use grant::PENDING;
pub use merge::DISAGREE;
pub use print::facts_text;

use crate::diag::Diagnostic;
use crate::facts::{parse_file, Name, Stmt, StmtKind};
use crate::source::{FileId, SourceMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Facts,
    Manifests,
    Table,
}

/// What a file is, by its name and, for tables, its first line; `None`: a raw fact file.
pub fn source_of(name: &str, text: &str) -> Option<Source> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".facts") {
        Some(Source::Facts)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(Source::Manifests)
    } else if table::looks_like_table(text)
        || (is_table_name(&lower) && table::looks_like_capture(text))
    {
        Some(Source::Table)
    } else {
        None
    }
}

/// Whether `grantlog eval DIR` picks up this file: `.facts`, `.yaml`, `.yml`, and
/// `.txt` / `.table` files that hold a table (`text` reads the file only for those, so
/// that notes beside the manifests are not read as raw facts).
pub fn wanted_in_directory(name: &str, text: impl FnOnce() -> Option<String>) -> bool {
    let lower = name.to_ascii_lowercase();
    if [".facts", ".yaml", ".yml"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return true;
    }
    is_table_name(&lower)
        && text().is_some_and(|t| table::looks_like_table(&t) || table::looks_like_capture(&t))
}

/// `.txt` and `.table`: the names `dataos-ctl` captures are saved under.
fn is_table_name(lower: &str) -> bool {
    [".txt", ".table"].iter().any(|e| lower.ends_with(e))
}

/// Statements of one file (`.facts`, manifests or table), with its diagnostics.
pub fn statements(sources: &SourceMap, file: FileId) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let f = sources.file(file);
    match source_of(&f.name, &f.text) {
        Some(Source::Manifests) => manifest::statements(&f.text, file, &f.name),
        Some(Source::Table) => table::statements(&f.text, file, &f.name),
        _ => parse_file(&f.text, file),
    }
}

/// Statements of several files, in order, ready for `Instance::read_parsed`. The
/// instance roles of every user table become ONE `instance` statement (there is only one
/// instance, S2), placed at the first table's.
pub fn parse_files(sources: &SourceMap, files: &[FileId]) -> Vec<(Vec<Stmt>, Vec<Diagnostic>)> {
    let mut out: Vec<(Vec<Stmt>, Vec<Diagnostic>)> = Vec::new();
    let mut first: Option<(usize, usize)> = None;
    let mut imported = Vec::with_capacity(files.len());
    for &file in files {
        let f = sources.file(file);
        let source = source_of(&f.name, &f.text);
        imported.push(matches!(source, Some(Source::Table | Source::Manifests)));
        let from_table = source == Some(Source::Table);
        let (mut stmts, diags) = statements(sources, file);
        if from_table {
            let mut kept = Vec::with_capacity(stmts.len());
            for s in stmts {
                let StmtKind::Instance { clauses } = s.kind else {
                    kept.push(s);
                    continue;
                };
                match first {
                    Some((fi, si)) => {
                        let target = if fi == out.len() {
                            &mut kept
                        } else {
                            &mut out[fi].0
                        };
                        if let StmtKind::Instance { clauses: c } = &mut target[si].kind {
                            merge(c, clauses);
                        }
                    }
                    None => {
                        first = Some((out.len(), kept.len()));
                        kept.push(Stmt {
                            kind: StmtKind::Instance { clauses },
                            span: s.span,
                        });
                    }
                }
            }
            stmts = kept;
        }
        out.push((stmts, diags));
    }
    merge::merge_duplicates(sources, &mut out, &imported);
    out
}

fn merge(into: &mut Vec<(Name, Vec<Name>)>, more: Vec<(Name, Vec<Name>)>) {
    for (role, users) in more {
        match into.iter_mut().find(|(r, _)| r.text == role.text) {
            // A user in two captures holds the role once.
            Some((_, us)) => {
                for u in users {
                    if !us.iter().any(|x| x.text == u.text) {
                        us.push(u);
                    }
                }
            }
            None => into.push((role, users)),
        }
    }
}

/// A YAML scalar as a name, with its span.
fn name(n: &yaml::Node) -> Name {
    let text = n.str().unwrap_or("").to_owned();
    Name {
        quoted: !crate::syntax::lexer::is_bare_symbol(&text),
        text,
        span: n.span,
        capitalised: false,
    }
}

/// The tenant a path names by the `tenants/NAME/` convention.
fn tenant_from_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    parts
        .windows(3)
        .rev()
        .find(|w| w[0] == "tenants" && !w[1].is_empty())
        .map(|w| w[1].to_owned())
}
