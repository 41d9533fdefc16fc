//! `grantlog import`: imported statements printed as `.facts` text, each preceded by the
//! file and line it came from, so that an administrator can read and keep it.

use super::{parse_files, source_of, Source, PENDING};
use crate::diag::Diagnostic;
use crate::facts::{Name, Stmt, StmtKind};
use crate::source::{FileId, SourceMap};
use crate::syntax::lexer::is_bare_symbol;

/// The `.facts` text of every manifest and table among `files`, then the `.facts` files
/// among them copied as they are. Errors: every diagnostic of every file.
pub fn facts_text(
    sources: &SourceMap,
    files: &[FileId],
) -> Result<(String, Vec<Diagnostic>), Vec<Diagnostic>> {
    let facts_files: Vec<FileId> = files
        .iter()
        .copied()
        .filter(|&f| {
            let f = sources.file(f);
            source_of(&f.name, &f.text) == Some(Source::Facts)
        })
        .collect();
    let files: Vec<FileId> = files
        .iter()
        .copied()
        .filter(|&f| {
            let f = sources.file(f);
            matches!(
                source_of(&f.name, &f.text),
                Some(Source::Manifests | Source::Table)
            )
        })
        .collect();
    let parsed = parse_files(sources, &files);
    let diags: Vec<Diagnostic> = parsed.iter().flat_map(|(_, d)| d.iter().cloned()).collect();
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let mut out = String::from(
        "// Imported by `grantlog import`; each statement names the file and line it came from.\n",
    );
    // Statements and pending requests, in file order and by position in the file.
    let mut items: Vec<(u32, u32, String)> = Vec::new();
    for (stmts, _) in &parsed {
        for s in stmts {
            let at = sources.locate(s.span);
            items.push((
                s.span.file.0,
                s.span.start,
                format!("// from {}:{}\n{}\n", at.file, at.line, statement(s)),
            ));
        }
    }
    for d in diags.iter().filter(|d| d.code == PENDING) {
        if let Some(span) = d.span {
            let at = sources.locate(span);
            items.push((
                span.file.0,
                span.start,
                format!("// from {}:{}\n// {}\n", at.file, at.line, d.message),
            ));
        }
    }
    items.sort_by_key(|(f, s, _)| (*f, *s));
    for (_, _, text) in items {
        out.push('\n');
        out.push_str(&text);
    }
    // What no manifest carries (tenants, roles, Can Use grants), as it was written: the
    // output then loads on its own.
    for f in facts_files {
        let f = sources.file(f);
        out.push_str(&format!("\n// from {} (copied as it is)\n", f.name));
        out.push_str(f.text.trim_end());
        out.push('\n');
    }
    let warnings = diags.into_iter().filter(|d| d.code != PENDING).collect();
    Ok((out, warnings))
}

fn n(name: &Name) -> String {
    word(&name.text)
}

fn word(s: &str) -> String {
    if is_bare_symbol(s) {
        s.to_owned()
    } else {
        quoted(s)
    }
}

/// A string in the facts language's quotes, with its escapes (`\" \\ \n \t \r
/// \u{X}`): Rust's `{:?}` writes a NUL as `\0`, which the facts language rejects.
pub fn quoted(s: &str) -> String {
    crate::syntax::print::quote(s)
}

fn list(names: &[Name]) -> String {
    names.iter().map(n).collect::<Vec<_>>().join(", ")
}

fn statement(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::User { id, fields } => {
            let mut t = format!("user {}", n(id));
            for (k, v) in fields {
                let v = if k.text == "type" {
                    n(v)
                } else {
                    quoted(&v.text)
                };
                t.push_str(&format!(" {} {v}", k.text));
            }
            t + "."
        }
        StmtKind::Instance { clauses } => {
            let mut t = String::from("instance");
            for (role, users) in clauses {
                let r = role.text.strip_prefix("roles:id:").unwrap_or(&role.text);
                t.push_str(&format!("\n  {}: {}", word(r), list(users)));
            }
            t + "."
        }
        StmtKind::Resource {
            name,
            tenant,
            fields,
        } => {
            let mut t = format!("resource {} in {}", n(name), n(tenant));
            for f in fields {
                t.push_str(&format!("\n  {}: {}", f.name.text, list(&f.values)));
            }
            t + "."
        }
        StmtKind::RunAsGrant {
            identity,
            grantee,
            by,
        } => {
            format!(
                "grant run-as {} to {} by {}.",
                n(identity),
                n(grantee),
                n(by)
            )
        }
        // Imports produce only the statements above.
        _ => format!("// (not printable: {:?})", s.span),
    }
}
