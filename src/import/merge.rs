//! The same user or resource stated in two exports (a user in a `user get -a` capture
//! and in a saved `user create` output; a resource in a `get -t TYPE -a` listing and in
//! its manifest): one statement when they agree, the fields of both kept; error I0105
//! naming both places when a field has two values. Two `.facts` statements of one name
//! stay the facts language's F0104 (a file written by hand says it once).

use crate::diag::Diagnostic;
use crate::facts::{Field, Stmt, StmtKind};
use crate::source::{SourceMap, Span};
use std::collections::HashMap;

/// I0105: one user or resource stated twice with different values.
pub const DISAGREE: &str = "I0105";

/// What a statement declares, as a key: user id, or (tenant, resource).
fn key(s: &Stmt) -> Option<(bool, String, String)> {
    match &s.kind {
        StmtKind::User { id, .. } => Some((true, String::new(), id.text.clone())),
        StmtKind::Resource { name, tenant, .. } => {
            Some((false, tenant.text.clone(), name.text.clone()))
        }
        _ => None,
    }
}

/// A statement's fields as (field, values, where).
fn fields(s: &Stmt) -> Vec<(String, Vec<String>, Span)> {
    match &s.kind {
        StmtKind::User { fields, .. } => fields
            .iter()
            .map(|(k, v)| (k.text.clone(), vec![v.text.clone()], v.span))
            .collect(),
        StmtKind::Resource { fields, .. } => fields
            .iter()
            .map(|f| {
                let span = f.values.first().map_or(f.name.span, |v| v.span);
                (
                    f.name.text.clone(),
                    f.values.iter().map(|v| v.text.clone()).collect(),
                    span,
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Merges, in place, the statements of imported files (`imported[i]` for file i) that
/// state the same user or resource; a disagreement is an error in the later file.
pub fn merge_duplicates(
    sources: &SourceMap,
    files: &mut [(Vec<Stmt>, Vec<Diagnostic>)],
    imported: &[bool],
) {
    let mut first: HashMap<(bool, String, String), (usize, usize)> = HashMap::new();
    let mut drop: Vec<(usize, usize)> = Vec::new();
    for fi in 0..files.len() {
        for si in 0..files[fi].0.len() {
            let Some(k) = key(&files[fi].0[si]) else {
                continue;
            };
            let Some(&(pf, ps)) = first.get(&k) else {
                first.insert(k, (fi, si));
                continue;
            };
            if !imported[fi] && !imported[pf] {
                continue; // two hand-written statements: F0104 as ever
            }
            let (earlier, later) = (&files[pf].0[ps], &files[fi].0[si]);
            let theirs = fields(earlier);
            let mut conflict = None;
            for (f, values, span) in fields(later) {
                if let Some((_, other, at)) = theirs.iter().find(|(g, _, _)| *g == f) {
                    if *other != values {
                        conflict = Some((f, values, span, other.clone(), *at));
                        break;
                    }
                }
            }
            if let Some((field, here, span, there, at)) = conflict {
                let what = match k.0 {
                    true => format!("user \"{}\"", k.2),
                    false => format!("resource \"{}\" in {}", k.2, k.1),
                };
                let place = sources.locate(at);
                let d = Diagnostic::error(
                    DISAGREE,
                    format!(
                        "{what} is stated twice and the two disagree: {field} {} here, {} at {}:{}",
                        here.join(", "),
                        there.join(", "),
                        place.file,
                        place.line
                    ),
                )
                .at(span)
                .label(format!("{field} here"))
                .related(at, format!("{field} there"))
                .help("correct the export that is out of date (or remove it), so that both say the same");
                files[fi].1.push(d);
                drop.push((fi, si));
                continue;
            }
            // They agree: the richer statement (a manifest's dependencies, a capture's
            // email) stands where the first was, with any field only the other has.
            let later = files[fi].0[si].clone();
            let earlier = &mut files[pf].0[ps];
            let (mut kept, other) = if fields(&later).len() > fields(earlier).len() {
                (later, earlier.clone())
            } else {
                (earlier.clone(), later)
            };
            add_missing(&mut kept, &other);
            *earlier = kept;
            drop.push((fi, si));
        }
    }
    drop.sort_unstable();
    for (fi, si) in drop.into_iter().rev() {
        files[fi].0.remove(si);
    }
}

/// Adds to `kept` the fields only `other` states.
fn add_missing(kept: &mut Stmt, other: &Stmt) {
    match (&mut kept.kind, &other.kind) {
        (StmtKind::User { fields: k, .. }, StmtKind::User { fields: o, .. }) => {
            for (kw, v) in o {
                if !k.iter().any(|(x, _)| x.text == kw.text) {
                    k.push((kw.clone(), v.clone()));
                }
            }
        }
        (StmtKind::Resource { fields: k, .. }, StmtKind::Resource { fields: o, .. }) => {
            for f in o {
                if !k.iter().any(|x: &Field| x.name.text == f.name.text) {
                    k.push(f.clone());
                }
            }
        }
        _ => {}
    }
}
